//! Connecting to the PostgreSQL state: the URL or libpq `key=value`
//! connection string, with what it leaves out filled in as libpq would (the
//! Unix socket, `PGUSER`, the password from `PGPASSWORD` or the password
//! file, a connect timeout), and either form as messages show it, without
//! its password.

use super::super::{Result, StateError};
use std::time::Duration;

/// Whether `--state` is a PostgreSQL URL (`postgres://...`).
pub fn is_url(state: &str) -> bool {
    state.starts_with("postgres://") || state.starts_with("postgresql://")
}

/// Whether `--state` names a PostgreSQL database rather than a file: a URL,
/// or a libpq connection string (`host=db dbname=bounces user=bounce`).
/// Taking the latter for a file name would create a local file named after
/// the password and leave the shared state alone.
pub fn is_postgres(state: &str) -> bool {
    is_url(state) || conninfo_words(state).is_some()
}

/// libpq's connection keywords (`PQconndefaults`, PostgreSQL 17): a word
/// `key=value` with one of these keys makes `--state` a connection string.
const CONNINFO_KEYS: &[&str] = &[
    "host",
    "hostaddr",
    "port",
    "dbname",
    "user",
    "password",
    "passfile",
    "require_auth",
    "channel_binding",
    "connect_timeout",
    "client_encoding",
    "options",
    "application_name",
    "fallback_application_name",
    "keepalives",
    "keepalives_idle",
    "keepalives_interval",
    "keepalives_count",
    "tcp_user_timeout",
    "replication",
    "gssencmode",
    "sslmode",
    "sslnegotiation",
    "sslcompression",
    "sslcert",
    "sslkey",
    "sslpassword",
    "sslcertmode",
    "sslrootcert",
    "sslcrl",
    "sslcrldir",
    "sslsni",
    "requirepeer",
    "ssl_min_protocol_version",
    "ssl_max_protocol_version",
    "krbsrvname",
    "gsslib",
    "gssdelegation",
    "service",
    "target_session_attrs",
    "load_balance_hosts",
];

/// One `key=value` word of a connection string: the key, and where its
/// value (quotes included) starts and ends in the string.
struct Word<'a> {
    key: &'a str,
    value: std::ops::Range<usize>,
}

/// The words of a libpq connection string (`key = value`, values bare or in
/// single quotes, `\'` and `\\` escaped), or `None` when `s` is not one:
/// not all `key=value` words, or no key libpq knows.
fn conninfo_words(s: &str) -> Option<Vec<Word<'_>>> {
    let bytes = s.as_bytes();
    let mut words = Vec::new();
    let mut i = 0;
    let skip_space = |mut i: usize| {
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        i
    };
    loop {
        i = skip_space(i);
        if i == bytes.len() {
            break;
        }
        let key_start = i;
        while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
            i += 1;
        }
        let key = &s[key_start..i];
        i = skip_space(i);
        if key.is_empty() || bytes.get(i) != Some(&b'=') {
            return None;
        }
        i = skip_space(i + 1);
        let value_start = i;
        if bytes.get(i) == Some(&b'\'') {
            i += 1;
            loop {
                match bytes.get(i) {
                    None => return None,
                    Some(b'\\') => i += 2,
                    Some(b'\'') => {
                        i += 1;
                        break;
                    }
                    Some(_) => i += 1,
                }
            }
        } else {
            while i < bytes.len() && !bytes[i].is_ascii_whitespace() {
                i += if bytes[i] == b'\\' { 2 } else { 1 };
            }
        }
        let value_end = i.min(bytes.len());
        words.push(Word {
            key,
            value: value_start..value_end,
        });
        i = value_end;
    }
    words
        .iter()
        .any(|w| CONNINFO_KEYS.contains(&w.key))
        .then_some(words)
}

/// `--state` as messages show it: a URL or a connection string without its
/// password (`postgres://bounce:***@db/bounces`, `host=db password=***`).
pub fn redact(state: &str) -> String {
    if !is_url(state) {
        let Some(words) = conninfo_words(state) else {
            return state.to_string();
        };
        let mut shown = String::with_capacity(state.len());
        let mut at = 0;
        // `password` and `sslpassword` (the client key's).
        let secret = |key: &str| key.to_ascii_lowercase().ends_with("password");
        for w in words.iter().filter(|w| secret(w.key)) {
            shown.push_str(&state[at..w.value.start]);
            shown.push_str("***");
            at = w.value.end;
        }
        shown.push_str(&state[at..]);
        return shown;
    }
    redact_url(state)
}

fn redact_url(url: &str) -> String {
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
        detail: format!(
            "not a valid PostgreSQL URL or connection string ({e}); write it as \
             postgres://USER@HOST[:PORT]/DATABASE or host=HOST dbname=DATABASE user=USER"
        ),
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
    fn connection_strings_are_postgres_and_hide_their_password() {
        let s = "host=db.example.org port=5433 dbname=bounces user=bounce password=s3cret";
        assert!(is_postgres(s));
        assert_eq!(
            redact(s),
            "host=db.example.org port=5433 dbname=bounces user=bounce password=***"
        );
        assert_eq!(
            redact("password = 'se cr\\'et'  host=db"),
            "password = ***  host=db"
        );
        assert_eq!(redact("dbname=b PASSWORD=x"), "dbname=b PASSWORD=***");
        assert_eq!(redact("host=h sslpassword=k"), "host=h sslpassword=***");
        // Files stay files, even with an `=` in the name.
        for path in [
            "/var/lib/state.db",
            "state.db",
            "a=b",
            "./host=db",
            "host=db extra",
            "x=1 y=2",
        ] {
            assert!(!is_postgres(path), "{path}");
            assert_eq!(redact(path), path);
        }
        // An unterminated quote is no connection string.
        assert!(!is_postgres("host='db"));
        assert!(is_postgres("dbname=bounces") && is_postgres("service=bounces"));
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
