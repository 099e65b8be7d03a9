//! The config file (`$XDG_CONFIG_HOME/bouncectl/config.toml`, else
//! `~/.config/bouncectl/config.toml`, or `--config FILE`) and the effective
//! settings: every value from the command line, the environment, the config
//! file or the built-in default (in that order of precedence), with where it
//! came from, for `bouncectl config` to show.
//!
//! Keys are the long names of the flags: `warn`, `crit`, `promote-after`,
//! `min-volume`, `top`, `by`, `format`, `color`, `inactivity`, `rules`,
//! `sources`, and `state` (the state database, for the state layer). An
//! unknown key is an error naming the key, the file and the line. Relative
//! paths are relative to the config file's directory; `~/` is the home
//! directory.

use crate::cli::{parse_rate, parse_span, By, ColorWhen, ReportFormat};
use crate::error::UsageError;
use clap::parser::ValueSource;
use clap::{ArgMatches, ValueEnum};
use serde::Deserialize;
use std::fmt;
use std::path::{Path, PathBuf};

/// Where a value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    Default,
    CommandLine,
    /// An environment variable, by name.
    Env(&'static str),
    /// The config file at this path.
    File(PathBuf),
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Default => f.write_str("default"),
            Origin::CommandLine => f.write_str("command line"),
            Origin::Env(var) => write!(f, "environment ({var})"),
            Origin::File(p) => write!(f, "{}", p.display()),
        }
    }
}

/// A value and where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Sourced<T> {
    pub value: T,
    pub origin: Origin,
}

/// The config file to read, and why that one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    pub path: PathBuf,
    /// `--config` (command line), `BOUNCECTL_CONFIG` or `XDG_CONFIG_HOME`
    /// (environment), or the home directory (default).
    pub origin: Origin,
    /// Named by the user: missing is an error. The default places may hold
    /// no file.
    pub required: bool,
}

/// Finds the config file: `config` is `--config` / `BOUNCECTL_CONFIG` (its
/// clap value and source), else `$XDG_CONFIG_HOME/bouncectl/config.toml`,
/// else `$HOME/.config/bouncectl/config.toml`.
pub fn locate(config: Option<(&Path, Option<ValueSource>)>) -> Option<Located> {
    if let Some((path, source)) = config {
        let origin = match source {
            Some(ValueSource::EnvVariable) => Origin::Env("BOUNCECTL_CONFIG"),
            _ => Origin::CommandLine,
        };
        return Some(Located {
            path: path.to_path_buf(),
            origin,
            required: true,
        });
    }
    let var = |name: &str| {
        std::env::var_os(name)
            .map(PathBuf::from)
            // The XDG spec: a relative path is invalid and must be ignored.
            .filter(|p| p.is_absolute())
    };
    if let Some(dir) = var("XDG_CONFIG_HOME") {
        return Some(Located {
            path: dir.join("bouncectl").join("config.toml"),
            origin: Origin::Env("XDG_CONFIG_HOME"),
            required: false,
        });
    }
    var("HOME").map(|home| Located {
        path: home.join(".config").join("bouncectl").join("config.toml"),
        origin: Origin::Default,
        required: false,
    })
}

/// The keys of the file, each optional, as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawFile {
    warn: Option<toml::Spanned<toml::Value>>,
    crit: Option<toml::Spanned<toml::Value>>,
    promote_after: Option<toml::Spanned<toml::Value>>,
    min_volume: Option<toml::Spanned<toml::Value>>,
    top: Option<toml::Spanned<toml::Value>>,
    by: Option<toml::Spanned<toml::Value>>,
    format: Option<toml::Spanned<toml::Value>>,
    color: Option<toml::Spanned<toml::Value>>,
    inactivity: Option<toml::Spanned<toml::Value>>,
    rules: Option<toml::Spanned<toml::Value>>,
    sources: Option<toml::Spanned<toml::Value>>,
    state: Option<toml::Spanned<toml::Value>>,
}

/// Every key, for messages and for `bouncectl config`.
pub const KEYS: &[&str] = &[
    "warn",
    "crit",
    "promote-after",
    "min-volume",
    "top",
    "by",
    "format",
    "color",
    "inactivity",
    "rules",
    "sources",
    "state",
];

/// The settings a config file holds (validated).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct FileSettings {
    pub warn: Option<f64>,
    pub crit: Option<f64>,
    pub promote_after: Option<u32>,
    pub min_volume: Option<u64>,
    pub top: Option<usize>,
    pub by: Option<Vec<By>>,
    pub format: Option<ReportFormat>,
    pub color: Option<ColorWhen>,
    pub inactivity: Option<u64>,
    pub rules: Option<PathBuf>,
    pub sources: Option<PathBuf>,
    pub state: Option<PathBuf>,
}

/// A config file that was read.
#[derive(Debug, Clone, PartialEq)]
pub struct Loaded {
    pub located: Located,
    pub settings: FileSettings,
}

/// 1-based line of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// Reads the config file, if there is one to read. A file named by the user
/// must exist; one in the default place may not.
pub fn load(located: Option<Located>) -> anyhow::Result<Option<Loaded>> {
    let Some(located) = located else { return Ok(None) };
    let text = match std::fs::read_to_string(&located.path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !located.required => return Ok(None),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(UsageError(format!(
                "{}: no such config file (named by {}); create it or name another",
                located.path.display(),
                match located.origin {
                    Origin::Env(v) => v,
                    _ => "--config",
                }
            ))
            .into())
        }
        Err(e) => {
            return Err(anyhow::Error::new(e)
                .context(format!("{}: cannot read the config file", located.path.display())))
        }
    };
    let settings = parse(&text, &located.path).map_err(|e| anyhow::Error::new(UsageError(e)))?;
    Ok(Some(Loaded { located, settings }))
}

/// Parses and validates a config file's text; errors read
/// `FILE:LINE: what is wrong; what to do`.
pub fn parse(text: &str, path: &Path) -> Result<FileSettings, String> {
    let shown = path.display();
    let raw: RawFile = toml::from_str(text).map_err(|e| {
        let line = e.span().map(|s| line_of(text, s.start));
        let at = line.map(|l| format!(":{l}")).unwrap_or_default();
        let message = e.message().trim().to_string();
        if message.starts_with("unknown field") {
            let key = message.split('`').nth(1).unwrap_or("?");
            format!(
                "{shown}{at}: unknown key `{key}`; the keys are {}",
                KEYS.join(", ")
            )
        } else {
            format!("{shown}{at}: {message}")
        }
    })?;
    let base = path.parent().unwrap_or(Path::new(""));
    let err = |v: &toml::Spanned<toml::Value>, key: &str, what: String| {
        format!("{shown}:{}: `{key}`: {what}", line_of(text, v.span().start))
    };
    let string = |v: &toml::Spanned<toml::Value>, key: &str| -> Result<String, String> {
        match v.get_ref() {
            toml::Value::String(s) => Ok(s.clone()),
            other => Err(err(
                v,
                key,
                format!("expected a string, found {}", other.type_str()),
            )),
        }
    };
    let rate = |v: &Option<toml::Spanned<toml::Value>>, key: &str| -> Result<Option<f64>, String> {
        let Some(v) = v else { return Ok(None) };
        let text = match v.get_ref() {
            toml::Value::String(s) => s.clone(),
            toml::Value::Float(f) => f.to_string(),
            toml::Value::Integer(i) => i.to_string(),
            other => {
                return Err(err(
                    v,
                    key,
                    format!(
                        "expected a rate such as \"2%\" or 0.02, found {}",
                        other.type_str()
                    ),
                ))
            }
        };
        parse_rate(&text).map(Some).map_err(|e| err(v, key, e))
    };
    let int = |v: &Option<toml::Spanned<toml::Value>>, key: &str, min: i64| -> Result<Option<u64>, String> {
        let Some(v) = v else { return Ok(None) };
        match v.get_ref() {
            toml::Value::Integer(i) if *i >= min => Ok(Some(*i as u64)),
            toml::Value::Integer(i) => Err(err(v, key, format!("{i} is below {min}"))),
            other => Err(err(
                v,
                key,
                format!("expected a whole number, found {}", other.type_str()),
            )),
        }
    };
    let choice = |v: &Option<toml::Spanned<toml::Value>>, key: &str| -> Result<Option<String>, String> {
        v.as_ref().map(|v| string(v, key)).transpose()
    };
    let path_of = |v: &Option<toml::Spanned<toml::Value>>, key: &str| -> Result<Option<PathBuf>, String> {
        let Some(v) = v else { return Ok(None) };
        let s = string(v, key)?;
        if s.is_empty() {
            return Err(err(v, key, "is empty; give a path or leave the key out".into()));
        }
        Ok(Some(resolve_path(&s, base)))
    };
    let enum_value = |v: &toml::Spanned<toml::Value>, key: &str, s: &str, all: &[&str]| {
        err(v, key, format!("`{s}` is not one of {}", all.join(", ")))
    };
    let format = match (&raw.format, choice(&raw.format, "format")?) {
        (Some(v), Some(s)) => Some(ReportFormat::from_str(&s, true).map_err(|_| {
            enum_value(
                v,
                "format",
                &s,
                &["table", "json", "markdown", "csv", "prometheus", "html"],
            )
        })?),
        _ => None,
    };
    let color = match (&raw.color, choice(&raw.color, "color")?) {
        (Some(v), Some(s)) => Some(
            ColorWhen::from_str(&s, true)
                .map_err(|_| enum_value(v, "color", &s, &["auto", "always", "never"]))?,
        ),
        _ => None,
    };
    let by = match &raw.by {
        None => None,
        Some(v) => {
            let names: Vec<String> = match v.get_ref() {
                toml::Value::String(s) => s.split(',').map(|p| p.trim().to_string()).collect(),
                toml::Value::Array(items) => items
                    .iter()
                    .map(|i| i.as_str().map(|s| s.trim().to_string()))
                    .collect::<Option<Vec<_>>>()
                    .ok_or_else(|| {
                        err(
                            v,
                            "by",
                            "expected a list of names such as [\"domain\", \"provider\"]".into(),
                        )
                    })?,
                other => {
                    return Err(err(
                        v,
                        "by",
                        format!("expected a list of names, found {}", other.type_str()),
                    ))
                }
            };
            let all = ["domain", "provider", "reason", "relay", "sender", "day", "source"];
            let list = names
                .iter()
                .filter(|n| !n.is_empty())
                .map(|n| By::from_str(n, true).map_err(|_| enum_value(v, "by", n, &all)))
                .collect::<Result<Vec<By>, String>>()?;
            Some(list)
        }
    };
    let inactivity = match &raw.inactivity {
        None => None,
        Some(v) => {
            let s = match v.get_ref() {
                toml::Value::String(s) => s.clone(),
                toml::Value::Boolean(false) => "off".into(),
                other => {
                    return Err(err(
                        v,
                        "inactivity",
                        format!(
                            "expected a span such as \"6h\" or \"off\", found {}",
                            other.type_str()
                        ),
                    ))
                }
            };
            Some(parse_span(&s).map_err(|e| err(v, "inactivity", e))?)
        }
    };
    let settings = FileSettings {
        warn: rate(&raw.warn, "warn")?,
        crit: rate(&raw.crit, "crit")?,
        promote_after: int(&raw.promote_after, "promote-after", 1)?
            .map(|n| n.min(u64::from(u32::MAX)) as u32),
        min_volume: int(&raw.min_volume, "min-volume", 0)?,
        top: int(&raw.top, "top", 0)?.map(|n| usize::try_from(n).unwrap_or(usize::MAX)),
        by,
        format,
        color,
        inactivity,
        rules: path_of(&raw.rules, "rules")?,
        sources: path_of(&raw.sources, "sources")?,
        // A PostgreSQL URL or connection string is kept as it is; a path is
        // resolved as the others.
        state: match raw.state.as_ref().map(|v| string(v, "state")).transpose()? {
            Some(url) if crate::state::postgres::is_postgres(&url) => Some(PathBuf::from(url)),
            _ => path_of(&raw.state, "state")?,
        },
    };
    if let (Some(w), Some(c)) = (settings.warn, settings.crit) {
        if w > c {
            return Err(format!(
                "{shown}: warn ({w}) is above crit ({c}); the warning band must start below the critical one"
            ));
        }
    }
    Ok(settings)
}

/// `~/x` → `$HOME/x`; a relative path → under the config file's directory.
fn resolve_path(s: &str, base: &Path) -> PathBuf {
    if let Some(rest) = s.strip_prefix("~/") {
        if let Some(home) = std::env::var_os("HOME") {
            return PathBuf::from(home).join(rest);
        }
    }
    let p = PathBuf::from(s);
    if p.is_absolute() {
        p
    } else {
        base.join(p)
    }
}

/// The settings a report command runs with.
#[derive(Debug, Clone, PartialEq)]
pub struct Effective {
    /// The config file that was read (none: no file in the default places).
    pub file: Option<Located>,
    pub warn: Sourced<f64>,
    pub crit: Sourced<f64>,
    pub promote_after: Sourced<u32>,
    pub min_volume: Sourced<u64>,
    pub top: Sourced<usize>,
    /// Empty: the default breakdowns.
    pub by: Sourced<Vec<By>>,
    pub format: Sourced<ReportFormat>,
    pub color: Sourced<ColorWhen>,
    /// Seconds; 0: off.
    pub inactivity: Sourced<u64>,
    pub rules: Sourced<Option<PathBuf>>,
    pub sources: Sourced<Option<PathBuf>>,
    /// The state database; `None`: the state layer's default.
    pub state: Sourced<Option<PathBuf>>,
    /// Parser threads; `None`: one per CPU. Not a config-file key.
    pub threads: Sourced<Option<usize>>,
}

/// A value given on the command line or in the environment, if it was:
/// `id` is the clap id (the field name); ids the command does not have are
/// never given.
fn given<T: Clone + Send + Sync + 'static>(
    m: &ArgMatches,
    id: &str,
    env: &'static str,
) -> Option<Sourced<T>> {
    if !m.try_contains_id(id).unwrap_or(false) {
        return None;
    }
    let origin = match m.value_source(id)? {
        ValueSource::CommandLine => Origin::CommandLine,
        ValueSource::EnvVariable => Origin::Env(env),
        _ => return None,
    };
    let value = m.try_get_one::<T>(id).ok()??.clone();
    Some(Sourced { value, origin })
}

/// The clap default of `id` (the value when nothing gave one), else `fallback`.
fn clap_default<T: Clone + Send + Sync + 'static>(m: &ArgMatches, id: &str, fallback: T) -> T {
    m.try_get_one::<T>(id).ok().flatten().cloned().unwrap_or(fallback)
}

impl Effective {
    /// Command line (and environment) over the config file over the
    /// defaults. `m`: the subcommand's matches.
    pub fn resolve(m: &ArgMatches, file: Option<&Loaded>) -> Effective {
        let origin = || file.map_or(Origin::Default, |f| Origin::File(f.located.path.clone()));
        let settings = file.map(|f| &f.settings);
        fn pick<T: Clone + Send + Sync + 'static>(
            m: &ArgMatches,
            id: &str,
            from_file: Option<T>,
            origin: Origin,
            default: T,
        ) -> Sourced<T> {
            given(m, id, "").unwrap_or_else(|| match from_file {
                Some(value) => Sourced { value, origin },
                None => Sourced {
                    value: clap_default(m, id, default),
                    origin: Origin::Default,
                },
            })
        }
        let optional = |id: &str, from_file: Option<PathBuf>| -> Sourced<Option<PathBuf>> {
            match given::<PathBuf>(m, id, "") {
                Some(s) => Sourced {
                    value: Some(s.value),
                    origin: s.origin,
                },
                None => match from_file {
                    Some(p) => Sourced {
                        value: Some(p),
                        origin: origin(),
                    },
                    None => Sourced {
                        value: None,
                        origin: Origin::Default,
                    },
                },
            }
        };
        let by = {
            let on_line = m.try_contains_id("by").unwrap_or(false)
                && m.value_source("by") == Some(ValueSource::CommandLine);
            if on_line {
                Sourced {
                    value: m
                        .try_get_many::<By>("by")
                        .ok()
                        .flatten()
                        .map(|v| v.copied().collect())
                        .unwrap_or_default(),
                    origin: Origin::CommandLine,
                }
            } else if let Some(list) = settings.and_then(|s| s.by.clone()) {
                Sourced {
                    value: list,
                    origin: origin(),
                }
            } else {
                Sourced {
                    value: Vec::new(),
                    origin: Origin::Default,
                }
            }
        };
        let inactivity = match given::<u64>(m, "inactivity", "") {
            Some(s) => s,
            None => match settings.and_then(|s| s.inactivity) {
                Some(v) => Sourced {
                    value: v,
                    origin: origin(),
                },
                None => Sourced {
                    value: 0,
                    origin: Origin::Default,
                },
            },
        };
        let threads = match given::<usize>(m, "threads", "BOUNCECTL_THREADS") {
            Some(s) => Sourced {
                value: Some(s.value),
                origin: s.origin,
            },
            None => Sourced {
                value: None,
                origin: Origin::Default,
            },
        };
        Effective {
            file: file.map(|f| f.located.clone()),
            warn: pick(m, "warn", settings.and_then(|s| s.warn), origin(), 0.02),
            crit: pick(m, "crit", settings.and_then(|s| s.crit), origin(), 0.05),
            promote_after: pick(
                m,
                "promote_after",
                settings.and_then(|s| s.promote_after),
                origin(),
                3,
            ),
            min_volume: pick(
                m,
                "min_volume",
                settings.and_then(|s| s.min_volume),
                origin(),
                100,
            ),
            top: pick(m, "top", settings.and_then(|s| s.top), origin(), 10),
            by,
            format: pick(
                m,
                "format",
                settings.and_then(|s| s.format),
                origin(),
                ReportFormat::Table,
            ),
            color: pick(
                m,
                "color",
                settings.and_then(|s| s.color),
                origin(),
                ColorWhen::Auto,
            ),
            inactivity,
            rules: optional("rules", settings.and_then(|s| s.rules.clone())),
            sources: optional("sources", settings.and_then(|s| s.sources.clone())),
            state: optional("state", settings.and_then(|s| s.state.clone())),
            threads,
        }
    }

    /// `warn` above `crit`, from whichever places they came.
    pub fn check(&self) -> Result<(), UsageError> {
        if self.warn.value > self.crit.value {
            return Err(UsageError(format!(
                "{} is above {}; the warning band must start below the critical one",
                setting("warn", self.warn.value, &self.warn.origin),
                setting("crit", self.crit.value, &self.crit.origin),
            )));
        }
        Ok(())
    }
}

/// A rate setting as its origin spells it: `--warn 6%`, `warn = "6%" in
/// FILE`, `the default crit 5%`.
fn setting(key: &str, value: f64, origin: &Origin) -> String {
    let v = percent(value);
    match origin {
        Origin::CommandLine => format!("--{key} {v}"),
        Origin::File(p) => format!("{key} = \"{v}\" in {}", p.display()),
        Origin::Env(var) => format!("{key} {v} from {var}"),
        Origin::Default => format!("the default {key} {v}"),
    }
}

fn percent(f: f64) -> String {
    let p = f * 100.0;
    if (p - p.round()).abs() < 1e-9 {
        format!("{}%", p.round())
    } else {
        format!("{}%", (p * 10_000.0).round() / 10_000.0)
    }
}

/// The name clap gives a value of a `ValueEnum`.
fn name_of<T: ValueEnum>(v: &T) -> String {
    v.to_possible_value()
        .map(|p| p.get_name().to_string())
        .unwrap_or_default()
}

/// A TOML string (quoted and escaped).
fn quoted(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// `bouncectl config`'s output: the effective settings as a config file,
/// each line with where its value came from.
pub fn describe(e: &Effective) -> String {
    let mut out = String::new();
    match &e.file {
        Some(f) => {
            let how = match &f.origin {
                Origin::CommandLine => "named by --config".to_string(),
                Origin::Env(var) => format!("found through {var}"),
                _ => "the default place".to_string(),
            };
            out.push_str(&format!("# config file: {} ({how})\n", f.path.display()))
        }
        None => out.push_str("# config file: none\n"),
    }
    fn line(out: &mut String, key: &str, value: String, origin: &Origin) {
        let left = format!("{key} = {value}");
        out.push_str(&format!("{left:<32} # {origin}\n"));
    }
    line(&mut out, "warn", quoted(&percent(e.warn.value)), &e.warn.origin);
    line(&mut out, "crit", quoted(&percent(e.crit.value)), &e.crit.origin);
    line(
        &mut out,
        "promote-after",
        e.promote_after.value.to_string(),
        &e.promote_after.origin,
    );
    line(
        &mut out,
        "min-volume",
        e.min_volume.value.to_string(),
        &e.min_volume.origin,
    );
    line(&mut out, "top", e.top.value.to_string(), &e.top.origin);
    let by: Vec<String> = if e.by.value.is_empty() {
        vec!["domain".into(), "reason".into(), "day".into()]
    } else {
        e.by.value.iter().map(name_of).collect()
    };
    let by: Vec<String> = by.iter().map(|b| quoted(b)).collect();
    line(&mut out, "by", format!("[{}]", by.join(", ")), &e.by.origin);
    line(
        &mut out,
        "format",
        quoted(&name_of(&e.format.value)),
        &e.format.origin,
    );
    line(
        &mut out,
        "color",
        quoted(&name_of(&e.color.value)),
        &e.color.origin,
    );
    let span = match e.inactivity.value {
        0 => "off".to_string(),
        s if s % 86_400 == 0 => format!("{}d", s / 86_400),
        s if s % 3600 == 0 => format!("{}h", s / 3600),
        s if s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    };
    line(&mut out, "inactivity", quoted(&span), &e.inactivity.origin);
    for (key, value, origin, meaning) in [
        (
            "rules",
            &e.rules.value,
            &e.rules.origin,
            "the built-in rules only",
        ),
        ("sources", &e.sources.value, &e.sources.origin, "no contacts file"),
        (
            "state",
            &e.state.value,
            &e.state.origin,
            "$XDG_STATE_HOME/bouncectl/state.db, else ~/.local/state/bouncectl/state.db",
        ),
    ] {
        match value {
            // The password of a URL or connection string is never printed.
            Some(p) if key == "state" => line(
                &mut out,
                key,
                quoted(&crate::state::postgres::redact(&p.display().to_string())),
                origin,
            ),
            Some(p) => line(&mut out, key, quoted(&p.display().to_string()), origin),
            None => out.push_str(&format!("{:<32} # {origin}: {meaning}\n", format!("# {key} ="))),
        }
    }
    let threads = match e.threads.value {
        Some(n) => n.to_string(),
        None => format!(
            "{} (one per CPU)",
            std::thread::available_parallelism().map_or(1, |n| n.get())
        ),
    };
    out.push_str(&format!(
        "# threads = {threads:<20} # {} (not a config key: --threads or BOUNCECTL_THREADS)\n",
        e.threads.origin
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> Result<FileSettings, String> {
        parse(text, Path::new("/etc/b/config.toml"))
    }

    #[test]
    fn parses_every_key() {
        let s = p(r#"
warn = "3%"
crit = 0.08
promote-after = 4
min-volume = 50
top = 0
by = ["provider", "Domain"]
format = "markdown"
color = "never"
inactivity = "6h"
rules = "my-rules.toml"
sources = "~/contacts.csv"
state = "/var/lib/bouncectl/state.db"
"#)
        .unwrap();
        assert_eq!(s.warn, Some(0.03));
        assert_eq!(s.crit, Some(0.08));
        assert_eq!(s.promote_after, Some(4));
        assert_eq!(s.min_volume, Some(50));
        assert_eq!(s.top, Some(0));
        assert_eq!(s.by, Some(vec![By::Provider, By::Domain]));
        assert_eq!(s.format, Some(ReportFormat::Markdown));
        assert_eq!(s.color, Some(ColorWhen::Never));
        assert_eq!(s.inactivity, Some(21_600));
        assert_eq!(s.rules, Some(PathBuf::from("/etc/b/my-rules.toml")));
        assert_eq!(s.state, Some(PathBuf::from("/var/lib/bouncectl/state.db")));
        assert!(s
            .sources
            .is_some_and(|p| p.ends_with("contacts.csv") && p.is_absolute()));
        assert_eq!(
            p("by = \"domain, sender\"").unwrap().by,
            Some(vec![By::Domain, By::Sender])
        );
        assert_eq!(p("").unwrap(), FileSettings::default());
    }

    #[test]
    fn errors_name_the_file_the_line_and_the_key() {
        let e = p("top = 5\ntpo = 3\n").unwrap_err();
        assert!(e.starts_with("/etc/b/config.toml:2: unknown key `tpo`"), "{e}");
        assert!(e.contains("min-volume"), "{e}");
        let e = p("\nwarn = \"two\"\n").unwrap_err();
        assert!(e.starts_with("/etc/b/config.toml:2: `warn`:"), "{e}");
        let e = p("format = \"pdf\"").unwrap_err();
        assert!(e.contains("`pdf` is not one of table, json"), "{e}");
        let e = p("promote-after = 0").unwrap_err();
        assert!(e.contains("`promote-after`") && e.contains("below 1"), "{e}");
        let e = p("top = \"ten\"").unwrap_err();
        assert!(e.contains("expected a whole number"), "{e}");
        let e = p("by = [\"domain\", \"planet\"]").unwrap_err();
        assert!(e.contains("`planet` is not one of"), "{e}");
        let e = p("warn = \"6%\"\ncrit = \"5%\"").unwrap_err();
        assert!(e.contains("warn") && e.contains("above crit"), "{e}");
        let e = p("top = [").unwrap_err();
        assert!(e.starts_with("/etc/b/config.toml:1: "), "{e}");
        assert!(p("[section]\nwarn = 1").is_err());
    }

    #[test]
    fn percents_read_back() {
        assert_eq!(percent(0.02), "2%");
        assert_eq!(percent(0.025), "2.5%");
        assert_eq!(parse_rate(&percent(0.0123)), Ok(0.0123));
    }
}
