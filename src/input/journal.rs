//! `analyze --journal`: runs `journalctl -o json` for the mail units and
//! spools what it prints to a temporary file, read as one input more (so
//! that it is read like any file: in parallel chunks, ordered by its first
//! record), and tells the cursor of its last record for `--incremental`.

use super::Source;
use anyhow::{bail, Context, Result};
use std::io::{Read, Seek, SeekFrom};
use std::process::{Command, Stdio};

/// The units read without `--unit`: Postfix as Debian and Ubuntu run it
/// (`postfix@-.service` is the default instance, `postfix.service` the
/// wrapper that other distributions run Postfix in) and Debian's Exim.
/// A unit that does not exist matches nothing.
pub const DEFAULT_UNITS: [&str; 3] = ["postfix.service", "postfix@-.service", "exim4.service"];

/// The fields journalctl is asked for (`__CURSOR` and
/// `__REALTIME_TIMESTAMP` come always): what makes a syslog line, a third
/// of a record's size.
const FIELDS: &str = "MESSAGE,SYSLOG_IDENTIFIER,SYSLOG_PID,_PID,_COMM,_HOSTNAME";

/// The name of the journal input in reports and in the state:
/// `journal:UNIT,UNIT`. An incremental run keeps a cursor per name.
pub fn name(units: &[String]) -> String {
    format!("journal:{}", units.join(","))
}

/// journalctl's output for a run, in a temporary file removed when dropped.
pub struct Spooled {
    /// The input to read (the temporary file under [`name`]).
    pub source: Source,
    /// `__CURSOR` of the last record printed, if any.
    pub last_cursor: Option<String>,
    _file: tempfile::NamedTempFile,
}

/// Runs `journalctl -o json --no-pager -u UNIT...` (after `after`, a cursor
/// of an earlier run) and spools its output. journalctl's own warnings (such
/// as its hint that a user outside the `systemd-journal` and `adm` groups
/// sees only their own records) are said on stderr unless `quiet`.
pub fn read(units: &[String], after: Option<&str>, quiet: bool) -> Result<Spooled> {
    let mut file = tempfile::NamedTempFile::new()
        .context("--journal: cannot create a temporary file for journalctl's output (set TMPDIR)")?;
    let out = file
        .as_file()
        .try_clone()
        .context("--journal: cannot open the temporary file")?;
    let mut cmd = Command::new("journalctl");
    cmd.args(["-o", "json", "--no-pager", "--all", "--output-fields", FIELDS]);
    for unit in units {
        cmd.arg("-u").arg(unit);
    }
    if let Some(cursor) = after {
        cmd.arg("--after-cursor").arg(cursor);
    }
    let output = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::from(out))
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => anyhow::anyhow!(
                "--journal: journalctl not found on PATH (it comes with systemd; without it, give \
                 the log files instead)"
            ),
            _ => anyhow::Error::new(e).context("--journal: cannot run journalctl"),
        })?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    let said: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    if !output.status.success() {
        bail!(
            "--journal: journalctl {} ({}): {}",
            units.join(" "),
            output.status,
            crate::output::sanitize(&said.join(" "))
        );
    }
    if !quiet {
        for line in said {
            eprintln!(
                "bouncectl: warning: journalctl: {}",
                crate::output::sanitize(line)
            );
        }
    }
    let last_cursor =
        last_cursor(file.as_file_mut()).context("--journal: cannot read journalctl's output")?;
    Ok(Spooled {
        source: Source::Named {
            name: name(units),
            path: file.path().to_path_buf(),
        },
        last_cursor,
        _file: file,
    })
}

/// The cursor of the last record of the spooled output: its last whole
/// line (a record of `--all` output may be long: up to 4 MiB are looked at).
fn last_cursor(file: &mut std::fs::File) -> std::io::Result<Option<String>> {
    const TAIL: u64 = 4 << 20;
    let len = file.metadata()?.len();
    file.seek(SeekFrom::Start(len.saturating_sub(TAIL)))?;
    let mut tail = Vec::new();
    file.read_to_end(&mut tail)?;
    file.seek(SeekFrom::Start(0))?;
    Ok(crate::parse::journal::last_cursor(&tail))
}
