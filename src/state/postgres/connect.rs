//! Connecting to the PostgreSQL state: the URL, with what it leaves out
//! filled in as libpq would (the Unix socket, `PGUSER`, the password from
//! `PGPASSWORD` or the password file, a connect timeout), and the URL as
//! messages show it, without its password.

use super::super::{Result, StateError};
use std::time::Duration;

/// Whether `--state` names a PostgreSQL database rather than a file.
pub fn is_url(state: &str) -> bool {
    state.starts_with("postgres://") || state.starts_with("postgresql://")
}

/// The URL without its password (`postgres://bounce:***@db/bounces`), for
/// messages.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (authority, tail) = match rest.find(['/', '?']) {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let authority = match authority.rsplit_once('@') {
        Some((userinfo, hosts)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{user}:***@{hosts}"),
            None => format!("{userinfo}@{hosts}"),
        },
        None => authority.to_string(),
    };
    // `?password=...` in the query string.
    let tail = match tail.split_once('?') {
        Some((path, query)) => {
            let query: Vec<String> = query
                .split('&')
                .map(|kv| match kv.split_once('=') {
                    Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=***"),
                    _ => kv.to_string(),
                })
                .collect();
            format!("{path}?{}", query.join("&"))
        }
        None => tail.to_string(),
    };
    format!("{scheme}://{authority}{tail}")
}

/// The password for (host, port, database, user) in a `.pgpass` file: lines
/// `host:port:database:user:password`, `*` matching anything, `\:` and `\\`
/// escaped; the first matching line wins.
pub fn pgpass_lookup(text: &str, host: &str, port: u16, db: &str, user: &str) -> Option<String> {
    let port = port.to_string();
    for line in text.lines() {
        if line.trim_start().starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let mut fields = Vec::with_capacity(5);
        let mut cur = String::new();
        let mut chars = line.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => cur.extend(chars.next()),
                ':' if fields.len() < 4 => fields.push(std::mem::take(&mut cur)),
                _ => cur.push(c),
            }
        }
        fields.push(cur);
        if fields.len() != 5 {
            continue;
        }
        let want = [host, port.as_str(), db, user];
        if fields[..4].iter().zip(want).all(|(f, w)| f == "*" || f == w) {
            return Some(fields[4].clone());
        }
    }
    None
}

/// The connection settings of `url`, with what the URL leaves out filled in
/// as libpq would: the Unix socket directory (else localhost), a password
/// from `PGPASSWORD` or the password file, a connect timeout.
pub(super) fn config_for(url: &str, shown: &str) -> Result<postgres::Config> {
    let mut config: postgres::Config = url.parse().map_err(|e| StateError::Connect {
        path: shown.into(),
        detail: format!("not a valid PostgreSQL URL ({e}); write it as postgres://USER@HOST[:PORT]/DATABASE"),
    })?;
    if config.get_hosts().is_empty() {
        let socket_dir = std::path::Path::new("/var/run/postgresql");
        if socket_dir.is_dir() {
            config.host_path(socket_dir);
        } else {
            config.host("localhost");
        }
    }
    if config.get_user().is_none() {
        if let Ok(user) = std::env::var("PGUSER") {
            config.user(&user);
        }
    }
    if config.get_password().is_none() {
        if let Some(password) = password_from_environment(&config) {
            config.password(password);
        }
    }
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(Duration::from_secs(10));
    }
    config.application_name("bouncectl");
    Ok(config)
}

fn password_from_environment(config: &postgres::Config) -> Option<String> {
    if let Ok(p) = std::env::var("PGPASSWORD") {
        return Some(p);
    }
    let file = std::env::var_os("PGPASSFILE")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| std::path::PathBuf::from(h).join(".pgpass")))?;
    let text = std::fs::read_to_string(file).ok()?;
    let host = match config.get_hosts().first() {
        Some(postgres::config::Host::Tcp(h)) => h.clone(),
        _ => "localhost".into(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let user = config
        .get_user()
        .map(String::from)
        .or_else(|| std::env::var("USER").ok())
        .unwrap_or_default();
    let db = config.get_dbname().map_or_else(|| user.clone(), String::from);
    pgpass_lookup(&text, &host, port, &db, &user)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_show() {
        assert_eq!(
            redact("postgres://bounce:s3cret@db.example.org:5433/bounces"),
            "postgres://bounce:***@db.example.org:5433/bounces"
        );
        assert_eq!(
            redact("postgres://bounce@db/bounces"),
            "postgres://bounce@db/bounces"
        );
        assert_eq!(
            redact("postgresql://db/bounces?user=b&password=x&sslmode=disable"),
            "postgresql://db/bounces?user=b&password=***&sslmode=disable"
        );
        assert_eq!(redact("postgres://u:p@h"), "postgres://u:***@h");
        assert!(is_url("postgres://h/d") && is_url("postgresql://h/d") && !is_url("/var/lib/state.db"));
    }

    #[test]
    fn pgpass_lines_match_like_libpq() {
        let text = "# comment\n\
                    other:5432:*:*:nope\n\
                    db.example.org:5432:bounces:bounce:pa\\:ss\n\
                    *:*:*:bounce:fallback\n";
        assert_eq!(
            pgpass_lookup(text, "db.example.org", 5432, "bounces", "bounce").as_deref(),
            Some("pa:ss")
        );
        assert_eq!(
            pgpass_lookup(text, "localhost", 5433, "x", "bounce").as_deref(),
            Some("fallback")
        );
        assert_eq!(pgpass_lookup(text, "localhost", 5433, "x", "root"), None);
    }
}
