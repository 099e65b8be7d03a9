//! The command line: clap derive structs, one per subcommand. Field doc
//! comments are the help text; clap types stay here and in `commands/`.

use crate::aggregate::report::Breakdown;
use crate::parse::csv_generic::ColumnMap;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::ffi::OsString;
use std::path::PathBuf;

const EXAMPLES: &str = "\
Examples:
  bouncectl analyze /var/log/mail.log*             report on a rotated set (.gz and .zst too)
  bouncectl analyze --format json mail.log         the report as JSON (schema bouncectl.report/v1)
  zcat mail.log.*.gz | bouncectl analyze -         read standard input
  bouncectl analyze --fail-on critical mail.log    exit 3 when the bounce rate is critical
  bouncectl analyze mainlog ses-events.jsonl       an Exim log and an ESP export, merged in time order
  bouncectl classify '550 5.1.1 user unknown'      why a reply counts as hard, soft or block
  bouncectl analyze --incremental --fail-on critical /var/log/mail.log*   from cron: only new lines
  bouncectl suppress --out list.csv                export the suppression list from the state
  bouncectl filter send-list.csv --out clean.csv   drop suppressed addresses before a campaign
  bouncectl analyze --by provider,source --sources contacts.csv mail.log   who bounces, from which list
  bouncectl analyze --format html --out report.html mail.log               one self-contained page

Exit codes: 0 ok · 1 runtime error · 2 usage error · 3 --fail-on threshold reached";

/// Bounce log analyzer for Postfix and Exim logs and ESP exports: bounce
/// rates against the 2% / 5% thresholds, hard / soft / sender-side block
/// classification, and the addresses that must never be mailed again.
#[derive(Debug, Parser)]
#[command(name = "bouncectl", version, after_help = EXAMPLES, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,

    /// Parser threads [default: the number of CPUs]
    #[arg(long, global = true, value_name = "N", env = "BOUNCECTL_THREADS")]
    pub threads: Option<usize>,

    /// Print no progress bar and no warnings on stderr
    #[arg(short, long, global = true)]
    pub quiet: bool,

    /// Pin the current time (RFC 3339 or Unix seconds), for reproducible runs
    #[arg(long, global = true, hide = true, value_name = "TIME")]
    pub now: Option<String>,

    /// Bytes per parse chunk (tests use tiny chunks to exercise the parallel path)
    #[arg(long, global = true, hide = true, value_name = "BYTES")]
    pub chunk_size: Option<usize>,

    /// Config file (TOML) [default: $XDG_CONFIG_HOME/bouncectl/config.toml,
    /// else ~/.config/bouncectl/config.toml, when it exists]
    #[arg(long, global = true, value_name = "FILE", env = "BOUNCECTL_CONFIG")]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Read mail logs and print the bounce-rate report
    #[command(after_help = EXAMPLES)]
    Analyze(AnalyzeArgs),
    /// Classify bounce replies: class (hard / soft / block), reason, and the rule that decided
    #[command(
        after_help = CLASSIFY_EXAMPLES,
        after_long_help = crate::classify::help::long_help(CLASSIFY_EXAMPLES)
    )]
    Classify(ClassifyArgs),
    /// Export the suppression list (analyzing the logs given first)
    #[command(after_help = SUPPRESS_EXAMPLES)]
    Suppress(SuppressArgs),
    /// The report computed from the state, without reading logs
    Report(ReportArgs),
    /// The timeline of one address: deliveries, outcomes, suppression
    History(HistoryArgs),
    /// Take addresses off the suppression list (kept in their history)
    Unsuppress(UnsuppressArgs),
    /// Drop suppressed addresses from a CSV send list
    Filter(FilterArgs),
    /// Delete old deliveries, deferrals and signals from the state (never a suppression)
    #[command(after_help = PRUNE_EXAMPLES)]
    Prune(PruneArgs),
    /// Print the effective settings and where each comes from (default,
    /// config file, environment, command line)
    #[command(after_help = CONFIG_EXAMPLES)]
    Config(ConfigArgs),
    /// Print a shell completion script
    #[command(after_help = COMPLETIONS_EXAMPLES)]
    Completions(CompletionsArgs),
    /// Print a man page (roff)
    #[command(hide = true)]
    Man(ManArgs),
}

/// Report formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// Text tables for a terminal
    Table,
    /// The bouncectl.report/v1 JSON document
    Json,
    /// Markdown, for tickets and chat
    Markdown,
    /// CSV, one row per breakdown key
    Csv,
    /// Prometheus text format, for node-exporter's textfile collector
    Prometheus,
    /// One self-contained HTML page with a chart of the daily bounce rate
    Html,
}

/// Breakdowns (`--by`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum By {
    /// Recipient domain
    Domain,
    /// Mailbox provider (Google, Microsoft, ...), from the relay host or the domain
    Provider,
    /// Bounce reason
    Reason,
    /// Relay host the mail was handed to
    Relay,
    /// Envelope sender
    Sender,
    /// UTC day
    Day,
    /// List or import batch of the address (needs --sources)
    Source,
}

impl From<By> for Breakdown {
    fn from(b: By) -> Breakdown {
        match b {
            By::Domain => Breakdown::Domain,
            By::Provider => Breakdown::Provider,
            By::Reason => Breakdown::Reason,
            By::Relay => Breakdown::Relay,
            By::Sender => Breakdown::Sender,
            By::Day => Breakdown::Day,
            By::Source => Breakdown::Source,
        }
    }
}

/// When to colour the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    /// On a terminal, unless NO_COLOR is set
    Auto,
    /// Always (even with NO_COLOR)
    Always,
    /// Never
    Never,
}

/// How the report is cut and shown: flags of every command that prints one.
#[derive(Debug, Clone, Args)]
pub struct ReportOpts {
    /// Output format
    #[arg(short, long, value_enum, ignore_case = true, default_value_t = ReportFormat::Table)]
    pub format: ReportFormat,

    /// Write the report to FILE (atomically) instead of standard output
    #[arg(short, long, value_name = "FILE")]
    pub out: Option<PathBuf>,

    /// Rows in each breakdown but by reason and by day (0: all)
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub top: usize,

    /// Count local deliveries (mailboxes, pipes, content-filter hops) in the rates
    #[arg(long)]
    pub include_local: bool,

    /// Count our own bounce notifications (null sender) in the rates
    #[arg(long)]
    pub include_notifications: bool,

    /// Exit with code 3 when the bounce rate reaches this band
    #[arg(long, value_enum, ignore_case = true, value_name = "LEVEL")]
    pub fail_on: Option<FailOn>,

    /// Bounce rate where the warning band starts (2% or 0.02)
    #[arg(long, value_name = "RATE", default_value = "2%", value_parser = parse_rate)]
    pub warn: f64,

    /// Bounce rate above which the band is critical (5% or 0.05)
    #[arg(long, value_name = "RATE", default_value = "5%", value_parser = parse_rate)]
    pub crit: f64,

    /// Final deliveries a domain or provider needs before its own bounce or
    /// block rate can raise a warning or critical alert
    #[arg(long, value_name = "N", default_value_t = 100)]
    pub min_volume: u64,

    /// Breakdowns to show, in this order: domain, provider, reason, relay,
    /// sender, day, source (repeat the flag or separate with commas)
    /// [default: domain,reason,day]
    #[arg(
        long,
        value_enum,
        ignore_case = true,
        value_delimiter = ',',
        value_name = "BY",
        hide_possible_values = true
    )]
    pub by: Vec<By>,

    /// CSV that maps addresses to the list or import batch they came from
    /// (header with an address column, e.g. email, and a source column, e.g.
    /// list, source or batch), for --by source
    #[arg(long, value_name = "FILE")]
    pub sources: Option<PathBuf>,

    /// Warn when no delivery succeeded for this long before the end of the
    /// data (or before now, when the data ends longer ago than that): 6h,
    /// 90m, 2d, or off [default: off]
    #[arg(long, value_name = "SPAN", value_parser = parse_span)]
    pub inactivity: Option<u64>,

    /// Colour the status bands in the table
    #[arg(long, value_enum, ignore_case = true, value_name = "WHEN", default_value_t = ColorWhen::Auto)]
    pub color: ColorWhen,
}

const CONFIG_EXAMPLES: &str = "\
Examples:
  bouncectl config                          what analyze would use, and why
  bouncectl config --top 5 --by provider    the same with these analyze options
  bouncectl --config ./bouncectl.toml config

The output is itself a valid config file. Keys: warn, crit, promote-after,
min-volume, top, by, format, color, inactivity, rules, sources, state.";

const COMPLETIONS_EXAMPLES: &str = "\
Examples:
  bouncectl completions bash > ~/.local/share/bash-completion/completions/bouncectl
  bouncectl completions zsh > ~/.zfunc/_bouncectl        (with fpath+=~/.zfunc)
  bouncectl completions fish > ~/.config/fish/completions/bouncectl.fish
  bouncectl completions powershell >> $PROFILE
  bouncectl completions elvish >> ~/.config/elvish/rc.elv";

#[derive(Debug, Args)]
pub struct ConfigArgs {
    /// analyze options, to see how they combine with the config file
    #[arg(
        value_name = "ANALYZE-OPTION",
        trailing_var_arg = true,
        allow_hyphen_values = true
    )]
    pub options: Vec<OsString>,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell
    #[arg(value_enum, ignore_case = true)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// A subcommand's page (bouncectl-analyze.1) instead of the main one
    #[arg(value_name = "COMMAND")]
    pub command: Option<String>,
}

/// Levels that `--fail-on` can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// Exit 3 when the bounce rate reaches the warning band (or worse)
    Warning,
    /// Exit 3 only in the critical band
    Critical,
}

/// `--input-format`: `auto` (`None`: recognise each input's format) or a
/// name of the registry of input formats ([`crate::parse::FORMATS`]), whose
/// help lines `--help` shows.
fn input_format_parser() -> impl clap::builder::TypedValueParser<Value = InputFormat> {
    use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
    let auto = PossibleValue::new("auto").help("Recognise the format from the first lines");
    let named = crate::parse::FORMATS
        .iter()
        .map(|s| PossibleValue::new(s.name).help(s.help));
    PossibleValuesParser::new(std::iter::once(auto).chain(named))
        .map(|name: String| InputFormat(crate::parse::Format::from_name(&name)))
}

/// The format `--input-format` forces (`None`: `auto`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InputFormat(pub Option<crate::parse::Format>);

#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// Log files and ESP exports to read (plain, .gz or .zst; - for standard
    /// input), each in its own format (Postfix, Exim, SES, SendGrid, Mailgun,
    /// Postmark, SparkPost, Mandrill, Mailchimp, Brevo, Postal, CSV). Logs are
    /// read oldest first, so a rotated set correlates across files; exports
    /// join them in time order. Without a file, standard input is read when
    /// it is not a terminal.
    #[arg(value_name = "FILE")]
    pub inputs: Vec<PathBuf>,

    #[command(flatten)]
    pub report: ReportOpts,

    /// Consecutive soft-bounced deliveries that suppress an address
    #[arg(long, value_name = "N", default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..))]
    pub promote_after: u32,

    /// Year of the last syslog line of each input (syslog dates carry none);
    /// earlier lines take the year that keeps them in order (December before
    /// January). Compressed input and stdin are read through once first to
    /// find that line [default: the year of each file's modification time]
    #[arg(long, value_name = "YEAR", value_parser = clap::value_parser!(i64).range(1970..=9999))]
    pub year: Option<i64>,

    /// Stop with an error at the first line in no known form, instead of
    /// skipping and counting it
    #[arg(long)]
    pub strict: bool,

    /// Classification rules (TOML) that take precedence over the built-in ones
    #[arg(long, value_name = "FILE")]
    pub rules: Option<PathBuf>,

    /// Input format
    #[arg(long, value_parser = input_format_parser(), ignore_case = true, default_value = "auto", value_name = "FORMAT")]
    pub input_format: InputFormat,

    /// Columns of CSV inputs, when their header names are not the usual ones:
    /// FIELD=HEADER pairs, fields email, timestamp, code, status, diagnostic,
    /// class, message_id (e.g. email=Email,code=Status,diagnostic=Reason)
    #[arg(long, value_name = "FIELD=HEADER,...", value_parser = ColumnMap::parse)]
    pub columns: Option<ColumnMap>,

    /// Read only what is new since the last --incremental run: each input is
    /// remembered by its first bytes and the offset read, through rotation
    /// (mail.log → mail.log.1 → mail.log.2.gz) and truncation; deliveries
    /// still waiting carry over to the next run
    #[arg(long, conflicts_with = "no_state")]
    pub incremental: bool,

    /// Keep no state: a pure one-shot report (nothing read from or written to
    /// the state database)
    #[arg(long)]
    pub no_state: bool,

    /// This analyzer's name in the state, to keep the deliveries and input
    /// offsets of the MTAs sharing one database apart [default: the
    /// machine's host name]
    #[arg(long, value_name = "NAME")]
    pub host: Option<String>,

    /// Read the journal: run `journalctl -o json` for the --unit units and
    /// read what it prints (with FILEs, as one input more). With
    /// --incremental, the next run starts after the last record read
    /// (journalctl --after-cursor)
    #[arg(long)]
    pub journal: bool,

    /// A systemd unit whose journal --journal reads (repeatable)
    /// [default: postfix.service, postfix@-.service, exim4.service]
    #[arg(long, value_name = "UNIT", requires = "journal")]
    pub unit: Vec<String>,

    #[command(flatten)]
    pub state: StateOpts,
}

/// Where the state database is (shared by every command that uses it).
#[derive(Debug, Clone, Args)]
pub struct StateOpts {
    /// State database: an SQLite file, or a PostgreSQL database shared by a
    /// fleet (postgres://USER@HOST[:PORT]/DATABASE; the password from
    /// PGPASSWORD or ~/.pgpass) [default: $XDG_STATE_HOME/bouncectl/state.db,
    /// else ~/.local/state/bouncectl/state.db]
    #[arg(long, value_name = "PATH|URL")]
    pub state: Option<PathBuf>,

    /// Seconds to wait while another run holds the state's lock
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    pub lock_timeout: u64,
}

const SUPPRESS_EXAMPLES: &str = "\
Examples:
  bouncectl suppress --out suppressed.csv              the list from the state (CSV)
  bouncectl suppress --format postfix-access --out /etc/postfix/bouncectl_suppressed
  bouncectl suppress --format ses --out ses-import.csv   an Amazon SES import file
  bouncectl suppress --since 7d --include-at-risk      what changed this week, watch list too
  bouncectl suppress --no-state mail.log               one-shot: the list of these logs only

CSV cells that begin with = + - @ (or a tab or CR) are prefixed with ' so that a
spreadsheet does not run them as formulas.";

/// Suppression list formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SuppressFormat {
    /// address,class,reason,first_seen,last_seen,bounces,diagnostic
    Csv,
    /// One address per line
    Txt,
    /// bouncectl.suppression/v1 JSON document
    Json,
    /// Postfix access(5) map: `address REJECT text` (run postmap on it)
    PostfixAccess,
    /// Amazon SES suppression import CSV: address,BOUNCE (no header)
    Ses,
    /// SendGrid unsubscribe upload: one column `email`
    Sendgrid,
    /// Mailgun bounces import: address,code,error,created_at
    Mailgun,
    /// Postmark Suppressions API body: {"Suppressions":[{"EmailAddress":...}]}
    Postmark,
    /// SparkPost suppression upload: recipient,type,description
    Sparkpost,
}

/// How logs are read and counted when a command analyzes them first.
#[derive(Debug, Args)]
pub struct AnalysisOpts {
    /// Count local deliveries in the suppression decisions too
    #[arg(long)]
    pub include_local: bool,

    /// Count our own bounce notifications (null sender) too
    #[arg(long)]
    pub include_notifications: bool,

    /// Consecutive soft-bounced deliveries that suppress an address
    #[arg(long, value_name = "N", default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..))]
    pub promote_after: u32,

    /// Year of the last syslog line of each input (earlier lines keep their
    /// order across January) [default: from each file's modification time]
    #[arg(long, value_name = "YEAR", value_parser = clap::value_parser!(i64).range(1970..=9999))]
    pub year: Option<i64>,

    /// Stop with an error at the first line in no known form
    #[arg(long)]
    pub strict: bool,

    /// Classification rules (TOML) that take precedence over the built-in ones
    #[arg(long, value_name = "FILE")]
    pub rules: Option<PathBuf>,

    /// Input format
    #[arg(long, value_parser = input_format_parser(), ignore_case = true, default_value = "auto", value_name = "FORMAT")]
    pub input_format: InputFormat,

    /// Columns of CSV inputs, when their header names are not the usual ones:
    /// FIELD=HEADER pairs, fields email, timestamp, code, status, diagnostic,
    /// class, message_id (e.g. email=Email,code=Status,diagnostic=Reason)
    #[arg(long, value_name = "FIELD=HEADER,...", value_parser = ColumnMap::parse)]
    pub columns: Option<ColumnMap>,
}

#[derive(Debug, Args)]
pub struct SuppressArgs {
    /// Logs to analyze (recorded in the state) before exporting; without any,
    /// the list is exported from the state as it is
    #[arg(value_name = "FILE")]
    pub inputs: Vec<PathBuf>,

    /// Output format
    #[arg(short, long, value_enum, ignore_case = true, default_value_t = SuppressFormat::Csv)]
    pub format: SuppressFormat,

    /// Write to FILE (atomically, mode 0600) instead of standard output
    #[arg(short, long, value_name = "FILE")]
    pub out: Option<PathBuf>,

    /// Only addresses suppressed since then: 7d, 24h, 2w, or an RFC 3339 date
    #[arg(long, value_name = "WHEN")]
    pub since: Option<String>,

    /// Also list at-risk addresses (soft bounces in a row, not yet
    /// suppressed); csv, txt and json only
    #[arg(long)]
    pub include_at_risk: bool,

    /// Only the addresses suppressed by a hard bounce that accepted mail
    /// afterwards (a delivery stored at a later time, in this run or any
    /// earlier one): the bounce was misread or the address came back. csv
    /// and json add the bounce's time (bounced_at) and the first later
    /// delivery's (delivered_at); `bouncectl unsuppress --contradicted`
    /// takes them all off the list
    #[arg(long, conflicts_with = "include_at_risk")]
    pub contradicted: bool,

    /// Read only what is new in the inputs since the last incremental run
    #[arg(long, conflicts_with = "no_state")]
    pub incremental: bool,

    /// Keep no state: the list of the inputs given only
    #[arg(long)]
    pub no_state: bool,

    /// This analyzer's name in the state, to keep the deliveries and input
    /// offsets of the MTAs sharing one database apart [default: the
    /// machine's host name]
    #[arg(long, value_name = "NAME")]
    pub host: Option<String>,

    #[command(flatten)]
    pub analysis: AnalysisOpts,

    #[command(flatten)]
    pub state: StateOpts,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Only deliveries from then on: 7d, 24h, 2w, or an RFC 3339 date
    #[arg(long, value_name = "WHEN")]
    pub since: Option<String>,

    #[command(flatten)]
    pub report: ReportOpts,

    #[command(flatten)]
    pub state: StateOpts,
}

/// Formats of `history`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum HistoryFormat {
    /// Aligned columns for a person
    Table,
    /// bouncectl.history/v1 JSON document
    Json,
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// The recipient address
    #[arg(value_name = "ADDRESS")]
    pub address: String,

    /// Output format
    #[arg(short, long, value_enum, ignore_case = true, default_value_t = HistoryFormat::Table)]
    pub format: HistoryFormat,

    #[command(flatten)]
    pub state: StateOpts,
}

#[derive(Debug, Args)]
pub struct UnsuppressArgs {
    /// Addresses to take off the list
    #[arg(value_name = "ADDRESS", required_unless_present = "contradicted")]
    pub addresses: Vec<String>,

    /// Take off every address that `bouncectl suppress --contradicted`
    /// lists (suppressed by a hard bounce, delivered to after it), each with
    /// a note in its history naming the delivery, the bounce and its rule
    #[arg(long, conflicts_with = "addresses")]
    pub contradicted: bool,

    /// Why (kept in the address's history)
    #[arg(long, value_name = "TEXT")]
    pub reason: Option<String>,

    #[command(flatten)]
    pub state: StateOpts,
}

#[derive(Debug, Args)]
pub struct FilterArgs {
    /// The send list (CSV with a header row)
    #[arg(value_name = "LIST.csv")]
    pub list: PathBuf,

    /// The column with the addresses: its header name, or its number (1 is the
    /// first) [default: found by header name: email, e-mail, email address, mail,
    /// address, recipient]
    #[arg(long, value_name = "NAME|N")]
    pub column: Option<String>,

    /// The list has no header row
    #[arg(long)]
    pub no_header: bool,

    /// Field delimiter [default: the most frequent of , ; and tab in the first line]
    #[arg(long, value_name = "CHAR")]
    pub delimiter: Option<char>,

    /// Where to write the kept rows (atomically, mode 0600) [default: standard output]
    #[arg(short, long, value_name = "FILE")]
    pub out: Option<PathBuf>,

    #[command(flatten)]
    pub state: StateOpts,
}

const PRUNE_EXAMPLES: &str = "\
Examples:
  bouncectl prune --older-than 400d --dry-run     what would go
  bouncectl prune --older-than 400d               keep a little over a year

Suppressions and unsuppress actions are kept: an address suppressed by a
bounce that was pruned stays suppressed.";

#[derive(Debug, Args)]
pub struct PruneArgs {
    /// Delete what happened longer ago than this before now: 400d, 52w, 9000h
    #[arg(long, value_name = "SPAN", required = true, value_parser = parse_span)]
    pub older_than: u64,

    /// Only count what would be deleted
    #[arg(long)]
    pub dry_run: bool,

    #[command(flatten)]
    pub state: StateOpts,
}

const CLASSIFY_EXAMPLES: &str = "\
Examples:
  bouncectl classify '550-5.1.1 The email account that you tried to reach does not exist'
  bouncectl classify --format json < replies.txt    one JSON object per input line
  bouncectl classify --rules my-rules.toml '550 5.7.1 blocked by policy X7'
  bouncectl classify --explain '550 Administrative prohibition (in reply to end of DATA command)'
  bouncectl classify --stage mail '553 sorry, that domain isn't in my list'

`--help` lists the reasons, their default classes and the deferral labels.";

/// Output formats of `classify`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ClassifyFormat {
    /// Aligned columns for a person
    Table,
    /// JSON Lines: one object per input (input, class, reason, code, status, stage, rule, matched, deferral)
    Json,
    /// Tab-separated: input, class, reason, code, status, rule, deferral, stage, matched
    Tsv,
}

/// The SMTP stages `classify --stage` accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StageArg {
    /// The server's greeting
    Connect,
    /// HELO / EHLO
    Helo,
    /// MAIL FROM
    Mail,
    /// RCPT TO
    Rcpt,
    /// DATA and end of data
    Data,
}

impl From<StageArg> for crate::model::Stage {
    fn from(s: StageArg) -> Self {
        use crate::model::Stage;
        match s {
            StageArg::Connect => Stage::Connect,
            StageArg::Helo => Stage::Helo,
            StageArg::Mail => Stage::Mail,
            StageArg::Rcpt => Stage::Rcpt,
            StageArg::Data => Stage::Data,
        }
    }
}

#[derive(Debug, Args)]
pub struct ClassifyArgs {
    /// Texts to classify; without any, each line of standard input is one text
    #[arg(value_name = "TEXT")]
    pub texts: Vec<String>,

    /// Output format
    #[arg(short, long, value_enum, ignore_case = true, default_value_t = ClassifyFormat::Table)]
    pub format: ClassifyFormat,

    /// Classification rules (TOML, the format of the built-in table) tried
    /// before the built-in ones; a rule reusing a built-in id replaces it
    #[arg(long, value_name = "FILE")]
    pub rules: Option<PathBuf>,

    /// The SMTP command the reply answered, when the text does not say
    /// (Postfix's "(in reply to RCPT TO command)" and Exim's "after RCPT TO:"
    /// in the text win). A 5xx to connect, helo or mail is a block; only a
    /// failure about the recipient can be hard
    #[arg(long, value_enum, ignore_case = true, value_name = "STAGE")]
    pub stage: Option<StageArg>,

    /// Print the decision path of each text: codes found, stage and where it
    /// came from, the table and rule that decided, the words matched, and
    /// what the stage changed (with --format json: extra fields)
    #[arg(long)]
    pub explain: bool,
}

/// `2%`, `2.5%` or `0.02` → 0.02.
pub fn parse_rate(s: &str) -> Result<f64, String> {
    let t = s.trim();
    let value = match t.strip_suffix('%') {
        Some(p) => p.trim().parse::<f64>().map(|v| v / 100.0),
        None => t.parse::<f64>(),
    }
    .map_err(|_| format!("`{s}` is not a rate; write it as 2% or 0.02"))?;
    if !(0.0..=1.0).contains(&value) || value.is_nan() {
        return Err(format!("`{s}` is outside 0%..100%"));
    }
    Ok(value)
}

/// `6h`, `90m`, `2d`, `1w`, `30s` → seconds; `off`, `0` → 0 (no alert).
pub fn parse_span(s: &str) -> Result<u64, String> {
    let t = s.trim().to_ascii_lowercase();
    if matches!(t.as_str(), "off" | "0" | "never" | "none") {
        return Ok(0);
    }
    let bad = || format!("`{s}` is not a span; write it as 6h, 90m, 2d, 1w, or off");
    let unit = t.chars().last().ok_or_else(bad)?;
    let secs = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3600,
        'd' => 86_400,
        'w' => 7 * 86_400,
        _ => return Err(bad()),
    };
    let n: u64 = t[..t.len() - 1].trim().parse().map_err(|_| bad())?;
    n.checked_mul(secs)
        .filter(|&v| v <= 10 * 366 * 86_400)
        .ok_or_else(|| format!("`{s}` is longer than ten years"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn spans() {
        assert_eq!(parse_span("6h"), Ok(21_600));
        assert_eq!(parse_span(" 90M "), Ok(5_400));
        assert_eq!(parse_span("2d"), Ok(172_800));
        assert_eq!(parse_span("off"), Ok(0));
        assert!(parse_span("6").is_err());
        assert!(parse_span("h").is_err());
        assert!(parse_span("-1h").is_err());
        assert!(parse_span("99999999999999999999w").is_err());
        assert!(parse_span("é").is_err());
    }

    #[test]
    fn cli_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn classify_long_help_lists_every_reason_and_deferral() {
        let help = Cli::command()
            .find_subcommand_mut("classify")
            .expect("classify subcommand")
            .render_long_help()
            .to_string();
        for reason in crate::model::Reason::ALL {
            assert!(
                help.contains(reason.as_str()),
                "{reason} missing from classify --help"
            );
        }
        for deferral in crate::model::Deferral::ALL {
            assert!(
                help.contains(deferral.as_str()),
                "{deferral} missing from classify --help"
            );
        }
    }

    #[test]
    fn rates() {
        assert_eq!(parse_rate("2%"), Ok(0.02));
        assert_eq!(parse_rate("0.05"), Ok(0.05));
        assert!(parse_rate("150%").is_err());
        assert!(parse_rate("abc").is_err());
    }
}
