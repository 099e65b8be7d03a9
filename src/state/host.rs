//! The name an analyzer gives itself in a shared state (`--host`): by
//! default the machine's host name, so that a fleet sharing one PostgreSQL
//! database keeps each MTA's deliveries, input offsets and in-flight
//! messages apart without configuration.

/// The machine's host name (`/proc/sys/kernel/hostname`, else `$HOSTNAME`,
/// else `localhost`), trimmed.
pub fn default_host() -> String {
    let from_proc = std::fs::read_to_string("/proc/sys/kernel/hostname").ok();
    let from_etc = || std::fs::read_to_string("/etc/hostname").ok();
    let from_env = || std::env::var("HOSTNAME").ok();
    from_proc
        .or_else(from_etc)
        .or_else(from_env)
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "localhost".into())
}

/// Checks a `--host` value: printable, no surrounding space, at most 255 bytes.
pub fn check(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("--host is empty: give this analyzer's name (e.g. mx1)".into());
    }
    if name.len() > 255 || name.trim() != name || name.chars().any(char::is_control) {
        return Err(format!(
            "--host `{}`: give a short printable name without surrounding spaces (e.g. mx1)",
            name.escape_debug()
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_host_name_is_there_and_checked() {
        assert!(!default_host().is_empty());
        assert!(check("mx1.example.org").is_ok());
        assert!(check("").is_err());
        assert!(check(" mx1").is_err());
        assert!(check("mx\n1").is_err());
    }
}
