//! The read → parse → correlate driver: inputs in time order, each cut into
//! newline-aligned chunks that a rayon pool parses in parallel, while this
//! thread consumes the results strictly in input order.

use crate::aggregate::report::InputReport;
use crate::classify::Rules;
use crate::input::chunks::{Chunk, Chunker, MAX_LINE};
use crate::input::{self, InputError, Source};
use crate::model::Event;
use crate::parse::syslog::{leading_time, LineTime};
use crate::parse::timestamp::SyslogClock;
use crate::parse::{parse_chunk, ChunkOutput, Format, LineContext, Skip, SkipCounts};
use anyhow::{bail, Context, Result};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use jiff::tz::TimeZone;
use std::collections::BTreeMap;
use std::io::{IsTerminal, Read};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::Arc;

/// How to read the inputs.
#[derive(Clone)]
pub struct ReadOptions {
    /// Worker threads for parsing (at least 1).
    pub threads: usize,
    /// The year of each input's last traditional syslog line (`--year`);
    /// else from each file's mtime.
    pub year: Option<i64>,
    /// Stop at the first line in no known form.
    pub strict: bool,
    /// Show a progress bar (only drawn when stderr is a terminal).
    pub progress: bool,
    /// The current time (`--now` pins it), the year reference for stdin.
    pub now: i64,
    pub classifier: Rules,
    pub tz: TimeZone,
    /// Bytes per parse chunk.
    pub chunk_size: usize,
    /// `--input-format`; `None`: recognise each input's format.
    pub format: Option<Format>,
    /// `--columns`: the columns of CSV inputs.
    pub columns: Option<crate::parse::csv_generic::ColumnMap>,
}

/// What reading produced besides the events.
#[derive(Debug, Default)]
pub struct ReadSummary {
    pub inputs: Vec<InputReport>,
    pub first: Option<i64>,
    pub last: Option<i64>,
    /// Warnings for stderr (skipped lines, truncated inputs).
    pub warnings: Vec<String>,
    /// An input could not be read to its end.
    pub had_errors: bool,
    /// Inputs named but not there (among others that are): said as errors,
    /// and the run exits 1, but what is there is read and recorded.
    pub missing: Vec<String>,
    /// Where reading of each input started and ended (parallel to `inputs`),
    /// for incremental runs.
    pub positions: Vec<InputPosition>,
}

pub use crate::input::identity::{InputIdentity, InputPosition, Plan, IDENTITY_HEAD};

/// An input opened and read ahead, ready to read (see [`open_inputs`]).
pub struct Prepared {
    opened: input::Opened,
    clock: SyslogClock,
    format: Format,
    first: Option<i64>,
    identity: InputIdentity,
    plan: Option<Plan>,
    /// Said on stderr when reading: the other names it was given.
    notes: Vec<String>,
}

impl Prepared {
    /// The name used in reports.
    pub fn name(&self) -> &str {
        &self.opened.name
    }

    pub fn identity(&self) -> &InputIdentity {
        &self.identity
    }

    /// Reads only part of this input (incremental runs); without a plan the
    /// whole input is read.
    pub fn set_plan(&mut self, plan: Plan) {
        self.plan = Some(plan);
    }

    /// What reading it would say besides the lines (the other names it was
    /// given), for a run that does not read it.
    pub fn notes(&self) -> &[String] {
        &self.notes
    }
}

fn clock_for(opened: &input::Opened, opts: &ReadOptions) -> SyslogClock {
    match opts.year {
        Some(year) => SyslogClock::for_year(year, opened.last_syslog_time, opts.tz.clone()),
        None => {
            let mut clock = SyslogClock::new(opened.mtime.unwrap_or(opts.now), opts.tz.clone());
            if let Some(last) = opened.last_syslog_time {
                clock.refine_with_last_line(last);
            }
            clock
        }
    }
}

/// A warning when the year of a log's syslog dates (which have none) was
/// taken from the file's modification time and that time does not fit the
/// dates: a log is written as its lines are, so its last line is dated the
/// day of its modification time. A last line days older than that time
/// means a copy or an archive (the time is the copy's), and a first line
/// more than eleven months older means the guess may be a year off; either
/// way only `--year` can say.
fn year_guess_note(opened: &input::Opened, clock: &SyslogClock, head: &[u8]) -> Option<String> {
    let mtime = opened.mtime?;
    let first = head
        .split(|&c| c == b'\n')
        .find_map(|line| match leading_time(line)?.0 {
            LineTime::Syslog(t) => Some(clock.resolve(t)),
            _ => None,
        })?;
    let last = opened.last_syslog_time.map(|t| clock.resolve(t));
    let year =
        |ts: i64| jiff::Timestamp::from_second(ts).map_or(0, |t| t.to_zoned(jiff::tz::TimeZone::UTC).year());
    const DAY: i64 = 86_400;
    let why = if let Some(last) = last.filter(|&last| mtime - last > COPIED_AFTER_DAYS * DAY) {
        format!(
            "its last line is {} days older than the file's modification time (a copy or an archive?)",
            (mtime - last) / DAY
        )
    } else if mtime - first > GUESS_SPAN_DAYS * DAY {
        format!(
            "its first line is {} days older than the file's modification time",
            (mtime - first) / DAY
        )
    } else {
        return None;
    };
    Some(format!(
        "{}: its dates have no year and were read as {} from the file's modification time, but {why}: \
         give --year YEAR (the year of its last line) if that is not right",
        opened.name,
        year(last.unwrap_or(first)),
    ))
}

/// A log's last line is written when the file is: more days between them
/// than time zones explain, and the file was copied (see [`year_guess_note`]).
const COPIED_AFTER_DAYS: i64 = 2;
/// Eleven months: a log this long may cross a year the guess cannot see.
const GUESS_SPAN_DAYS: i64 = 335;

/// How much of each input is read ahead to recognise its format and time.
const HEAD: u64 = 64 << 10;

/// The time of the first timestamped line in `head`.
fn first_time(head: &[u8], clock: &SyslogClock) -> Option<i64> {
    head.split(|&c| c == b'\n').find_map(|line| {
        leading_time(line).and_then(|(t, _)| match t {
            LineTime::Rfc3339(_) | LineTime::Unix(_) => t.absolute(),
            LineTime::Syslog(t) => Some(clock.resolve(t)),
            LineTime::Local(naive) => Some(clock.resolve_local(naive)),
        })
    })
}

/// A reader that fails with a stored error: what is left of an input whose
/// first bytes could be read but not the rest.
struct Failed(Option<std::io::Error>);

impl Read for Failed {
    fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
        Err(self
            .0
            .take()
            .unwrap_or_else(|| std::io::ErrorKind::UnexpectedEof.into()))
    }
}

/// Opens every input (so that a bad path fails before any work), reads ahead
/// its first 64 KiB to recognise the format and the first timestamp, and
/// orders the inputs by that timestamp: `mail.log mail.log.1 mail.log.2.gz`
/// is read oldest first.
fn prepare(sources: &[Source], opts: &ReadOptions) -> Result<Vec<Prepared>, InputError> {
    let mut prepared: Vec<Prepared> = Vec::new();
    for source in sources {
        // An input is read once per run, whatever its names (the same path
        // twice, a symlink, a hard link): by device and inode, or stdin.
        if *source == Source::Stdin {
            if let Some(first) = prepared.iter_mut().find(|p| p.identity.stdin) {
                first
                    .notes
                    .push("-: standard input named twice; read once".into());
                continue;
            }
        }
        // Looked up before opening: a FIFO named twice must not be read into.
        if let Some(first) =
            input::node(source).and_then(|node| prepared.iter_mut().find(|p| p.opened.node == Some(node)))
        {
            let note = format!(
                "{}: the same file as {}, named twice; read once",
                source.name(),
                first.opened.name
            );
            first.notes.push(note);
            continue;
        }
        // `--year` is the year of an input's last line, whatever the input:
        // a compressed file or stdin is read through once first to find it.
        let mut opened = input::open_with(source, opts.year.is_some())?;
        let clock = clock_for(&opened, opts);
        let mut head = Vec::with_capacity(HEAD as usize);
        let read_ahead = opened.reader.by_ref().take(HEAD).read_to_end(&mut head);
        let notes: Vec<String> = match opts.year {
            None => year_guess_note(&opened, &clock, &head).into_iter().collect(),
            Some(_) => Vec::new(),
        };
        let rest: Box<dyn Read + Send> = match read_ahead {
            Ok(_) => opened.reader,
            Err(e) => Box::new(Failed(Some(e))),
        };
        let format = opts
            .format
            .unwrap_or_else(|| Format::sniff_with(&head, opts.columns.as_ref()));
        let first = match format {
            Format::Exim => crate::parse::exim::first_time(&head, &clock),
            Format::Journal => crate::parse::journal::first_time(&head),
            _ => first_time(&head, &clock),
        };
        let identity = InputIdentity {
            name: opened.name.clone(),
            head: head[..head.len().min(IDENTITY_HEAD)].to_vec(),
            file_id: opened.file_id,
            disk_size: opened.size,
            mtime: opened.mtime,
            compressed: opened.compression != input::Compression::None,
            stdin: *source == Source::Stdin,
            document: !format.is_line_oriented(),
        };
        opened.reader = Box::new(std::io::Cursor::new(head).chain(rest));
        prepared.push(Prepared {
            opened,
            clock,
            format,
            first,
            identity,
            plan: None,
            notes,
        });
    }
    // Stable: inputs without a timestamp keep their place after the others.
    prepared.sort_by_key(|p| p.first.map_or((1, 0), |t| (0, t)));
    Ok(prepared)
}

/// Reads all inputs and calls `on_event(event, input_index)` for every event
/// in input order. Input indexes refer to `ReadSummary::inputs`.
pub fn read_all(
    sources: &[Source],
    opts: &ReadOptions,
    on_event: impl FnMut(Event, usize),
) -> Result<ReadSummary> {
    let mut missing = Vec::new();
    let prepared = open_inputs(sources, opts, &mut missing)?;
    let mut summary = read_inputs(prepared, opts, on_event)?;
    summary.missing = missing;
    Ok(summary)
}

/// The first half of [`read_all`]: opens every input and orders them oldest
/// first. The caller may look at each input's identity and plan what to read
/// of it before [`read_inputs`]. An input that does not exist, among others
/// that do, is left out and said in `missing` (a cron job that names
/// `mail.log.1` before the first rotation still reads `mail.log`); when none
/// is there, that is the error.
pub fn open_inputs(
    sources: &[Source],
    opts: &ReadOptions,
    missing: &mut Vec<String>,
) -> Result<Vec<Prepared>, InputError> {
    let mut first_missing = None;
    let mut present = Vec::with_capacity(sources.len());
    for source in sources {
        match source {
            Source::File(path) if sources.len() > 1 && path.symlink_metadata().is_err() => {
                let error = InputError::NotFound { name: source.name() };
                missing.push(error.to_string());
                first_missing.get_or_insert(error);
            }
            _ => present.push(source.clone()),
        }
    }
    match first_missing {
        Some(error) if present.is_empty() => Err(error),
        _ => prepare(&present, opts),
    }
}

/// Applies an input's plan: positions its reader at the planned start and,
/// for an uncompressed file, limits it to whole lines. Returns the reading
/// start, a counter of the bytes that will be consumed, and whether the
/// input turned out shorter than the start.
fn position(p: &mut Prepared) -> std::io::Result<Option<(u64, Arc<AtomicU64>, bool)>> {
    let Some(plan) = p.plan else {
        return Ok(None);
    };
    let counter = Arc::new(AtomicU64::new(0));
    let opened = &mut p.opened;
    let start = match plan {
        Plan::Skip => {
            // Both ways of reading it go: `read_one` reads a plain file by
            // ranges when it has the handle.
            opened.reader = Box::new(std::io::empty());
            opened.plain_file = None;
            return Ok(Some((0, counter, false)));
        }
        Plan::From(start) => start,
    };
    if opened.plain_file.is_some() {
        let end = opened.last_line_end(start)?.unwrap_or(start);
        opened.seek_plain(start, end - start)?;
    } else if start > 0 {
        let skipped = std::io::copy(&mut opened.reader.by_ref().take(start), &mut std::io::sink())?;
        if skipped < start {
            counter.store(skipped, Ordering::Relaxed);
            opened.reader = Box::new(std::io::empty());
            return Ok(Some((0, counter, true)));
        }
    }
    let inner = std::mem::replace(&mut opened.reader, Box::new(std::io::empty()));
    opened.reader = Box::new(Counted {
        inner,
        count: Arc::clone(&counter),
    });
    Ok(Some((start, counter, false)))
}

/// Counts the bytes consumed from an input's content.
struct Counted {
    inner: Box<dyn Read + Send>,
    count: Arc<AtomicU64>,
}

impl Read for Counted {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// The second half of [`read_all`]: reads the inputs `open_inputs` gave, in
/// that order, each according to its plan.
pub fn read_inputs(
    prepared: Vec<Prepared>,
    opts: &ReadOptions,
    mut on_event: impl FnMut(Event, usize),
) -> Result<ReadSummary> {
    let mut prepared = prepared;
    // Document inputs (ESP exports) are read whole first; their events join
    // the stream of log events in time order (see `crate::merge`). An
    // incremental run skips a document it read before, unchanged.
    let mut merger = crate::merge::Merger::default();
    let mut documents = BTreeMap::new();
    let mut doc_summary = ReadSummary::default();
    for (index, p) in prepared.iter_mut().enumerate() {
        if !p.format.is_line_oriented() {
            if p.plan == Some(Plan::Skip) {
                p.opened.reader = Box::new(std::io::empty());
            }
            let ctx = LineContext {
                clock: &p.clock,
                classifier: opts.classifier,
            };
            let doc = crate::merge::read_document(
                &mut p.opened.reader,
                &p.opened.name,
                p.format,
                &ctx,
                opts.columns.as_ref(),
                opts.strict,
            )?;
            if let Some(f) = doc.first {
                doc_summary.first = Some(doc_summary.first.map_or(f, |x| x.min(f)));
            }
            if let Some(l) = doc.last {
                doc_summary.last = Some(doc_summary.last.map_or(l, |x| x.max(l)));
            }
            doc_summary.warnings.extend(doc.warnings);
            doc_summary.had_errors |= doc.had_error;
            merger.add(doc.events, index);
            documents.insert(index, (doc.report, doc.had_error));
        }
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.threads.max(1))
        .thread_name(|i| format!("bouncectl-parse-{i}"))
        .build()
        .context("cannot start the parser threads")?;
    let total_size: Option<u64> = prepared.iter().map(|p| p.opened.size).sum();
    let bar = progress_bar(opts.progress, total_size);
    let mut summary = doc_summary;
    let mut done_bytes = 0u64;
    for (index, mut p) in prepared.into_iter().enumerate() {
        summary.warnings.append(&mut p.notes);
        let name = p.opened.name.clone();
        let size = p.opened.size.unwrap_or(0);
        if let Some((report, had_error)) = documents.remove(&index) {
            done_bytes += size;
            summary.inputs.push(report);
            summary.positions.push(InputPosition {
                start: 0,
                end: 0,
                complete: !had_error,
                short: false,
            });
            continue;
        }
        let errors_before = summary.had_errors;
        let planned = position(&mut p).with_context(|| format!("{name}: cannot position the input"))?;
        let report = read_one(
            p,
            index,
            opts,
            &pool,
            &bar,
            done_bytes,
            &mut summary,
            &mut |event, source| merger.feed(event, source, &mut on_event),
        )?;
        done_bytes += size;
        summary.inputs.push(report);
        let position = match planned {
            Some((start, counter, short)) => {
                let end = start + counter.load(Ordering::Relaxed);
                InputPosition {
                    start,
                    end: if short { start } else { end },
                    complete: !short && summary.had_errors == errors_before,
                    short,
                }
            }
            None => InputPosition::default(),
        };
        if position.short {
            summary.warnings.push(format!(
                "{name}: shorter than when last read (still being compressed?); nothing read from it"
            ));
        }
        summary.positions.push(position);
        let _ = name;
    }
    merger.finish(&mut on_event);
    bar.finish_and_clear();
    Ok(summary)
}

fn progress_bar(wanted: bool, total: Option<u64>) -> ProgressBar {
    if !wanted || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = match total {
        Some(t) => ProgressBar::with_draw_target(Some(t), ProgressDrawTarget::stderr()),
        None => ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()),
    };
    let template = if total.is_some() {
        "{spinner} {msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}"
    } else {
        "{spinner} {msg} {bytes} {bytes_per_sec}"
    };
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

/// Bytes per range when workers read a plain file themselves: small enough
/// that a range stays in the worker's cache between reading and parsing.
pub const RANGE_SIZE: usize = 512 << 10;

/// Takes chunk outputs strictly in input order: numbers lines, counts,
/// remembers the first unknown line, applies `--strict`, hands events on.
struct Consumer<'a, F: FnMut(Event, usize)> {
    name: &'a str,
    index: usize,
    strict: bool,
    report: InputReport,
    first_unknown: Option<(u64, Skip, Vec<u8>)>,
    /// Lines longer than [`MAX_LINE`] skipped, and the number of the first.
    long_lines: u64,
    first_long: Option<u64>,
    /// The first record whose recipient is no address: 1-based line, why, text.
    first_invalid_address: Option<(u64, crate::address::Invalid, Vec<u8>)>,
    strict_error: Option<String>,
    summary: &'a mut ReadSummary,
    on_event: &'a mut F,
}

impl<F: FnMut(Event, usize)> Consumer<'_, F> {
    fn stopped(&self) -> bool {
        self.strict_error.is_some()
    }

    /// Counts `n` lines longer than [`MAX_LINE`] that the reader skipped at
    /// this point of the input: lines of the input, skipped as unreadable.
    fn skip_long(&mut self, n: u64) {
        if n == 0 || self.stopped() {
            return;
        }
        let line = self.report.lines + 1;
        if self.strict {
            self.strict_error = Some(format!(
                "{}:{line}: line longer than {} (--strict stops here; without it the line is skipped and counted)",
                self.name,
                max_line_words()
            ));
            return;
        }
        self.first_long.get_or_insert(line);
        self.long_lines += n;
        self.report.lines += n;
        self.report.skipped_by.unrecognized += n;
    }

    fn take(&mut self, out: ChunkOutput) {
        if self.stopped() {
            return;
        }
        if let Some((line, skip, text)) = out.first_unknown {
            let line = self.report.lines + u64::from(line) + 1;
            if self.first_unknown.is_none() {
                self.first_unknown = Some((line, skip, text.clone()));
            }
            if self.strict {
                self.strict_error = Some(format!(
                    "{}:{line}: {} line (--strict stops here; without it the line is skipped and counted): {}",
                    self.name,
                    skip_words(skip),
                    crate::output::sanitize(&String::from_utf8_lossy(&text))
                ));
                return;
            }
        }
        if let Some((line, why, text)) = out.first_invalid_address {
            if self.first_invalid_address.is_none() {
                self.first_invalid_address = Some((self.report.lines + u64::from(line) + 1, why, text));
            }
        }
        self.report.lines += out.lines;
        self.report.events += out.events.len() as u64;
        self.report.skipped_by.merge(&out.skipped);
        for (_, event) in out.events {
            let s = &mut *self.summary;
            s.first = Some(s.first.map_or(event.ts, |f| f.min(event.ts)));
            s.last = Some(s.last.map_or(event.ts, |l| l.max(event.ts)));
            (self.on_event)(event, self.index);
        }
    }
}

thread_local! {
    /// Each worker's buffer for the ranges it reads: reused, never shared.
    static RANGE_BUF: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Reads and parses one range of a plain file; `Err` when it could not be
/// read, `Ok((out, shrank, long_line))` otherwise (`long_line`: a line
/// longer than [`MAX_LINE`] follows the range's lines, skipped).
fn parse_range(
    file: &std::fs::File,
    range: std::ops::Range<u64>,
    size: u64,
    format: Format,
    ctx: &LineContext,
) -> std::io::Result<(ChunkOutput, bool, bool)> {
    RANGE_BUF.with_borrow_mut(|buf| {
        let lines = crate::input::ranges::read_lines(file, range, size, buf, MAX_LINE)?;
        let out = parse_chunk(&buf[lines.span], |line| format.parse_line(line, ctx));
        Ok((out, lines.shrank, lines.long_line))
    })
}

/// `1 MiB`: the line limit in messages.
fn max_line_words() -> String {
    format!("{} MiB", MAX_LINE >> 20)
}

// A range holds no whole line longer than itself: ranges no longer than the
// line limit need only their last line checked (see `read_lines`).
const _: () = assert!(RANGE_SIZE <= MAX_LINE);

#[allow(clippy::too_many_arguments)]
fn read_one(
    p: Prepared,
    index: usize,
    opts: &ReadOptions,
    pool: &rayon::ThreadPool,
    bar: &ProgressBar,
    done_bytes: u64,
    summary: &mut ReadSummary,
    on_event: &mut impl FnMut(Event, usize),
) -> Result<InputReport> {
    let Prepared {
        opened,
        clock,
        format,
        ..
    } = p;
    let name = opened.name.clone();
    bar.set_message(name.clone());
    let report = InputReport {
        path: name.clone(),
        format: format.name().into(),
        lines: 0,
        events: 0,
        skipped: 0,
        skipped_by: SkipCounts::default(),
        error: None,
    };
    let mut consumer = Consumer {
        name: &name,
        index,
        strict: opts.strict,
        report,
        first_unknown: None,
        long_lines: 0,
        first_long: None,
        first_invalid_address: None,
        strict_error: None,
        summary,
        on_event,
    };
    let read_error = match (opened.plain_file, opened.size) {
        (Some(file), Some(size)) if format.is_line_oriented() => read_ranges(
            file,
            size,
            format,
            &clock,
            opts,
            pool,
            bar,
            done_bytes,
            &mut consumer,
        )?,
        _ => read_stream(
            opened.reader,
            &opened.read_bytes,
            format,
            &clock,
            opts,
            pool,
            bar,
            done_bytes,
            &mut consumer,
        )?,
    };
    let Consumer {
        mut report,
        first_unknown,
        long_lines,
        first_long,
        first_invalid_address,
        strict_error,
        summary,
        ..
    } = consumer;
    if let Some(message) = strict_error {
        bail!(message);
    }
    report.skipped = report.skipped_by.total();
    if let Some(what) = read_error {
        let message = format!(
            "{name}: {what}; the {} lines before it were counted",
            report.lines
        );
        summary.warnings.push(message.clone());
        report.error = Some(message);
        summary.had_errors = true;
    }
    if let Some(line) = first_long {
        summary.warnings.push(format!(
            "{name}: {long_lines} line{} longer than {} skipped (first, line {line}; a log line is never that long: \
             is this a log?)",
            if long_lines == 1 { "" } else { "s" },
            max_line_words()
        ));
    }
    let unknown = report.skipped_by.unknown_form + report.skipped_by.unrecognized - long_lines;
    if let Some((line, skip, text)) = first_unknown {
        summary.warnings.push(format!(
            "{name}: {unknown} line{} in no known form skipped (first, line {line}, {}: {})",
            if unknown == 1 { "" } else { "s" },
            skip_words(skip),
            crate::output::sanitize(&String::from_utf8_lossy(&text))
        ));
    }
    if let Some((line, why, text)) = first_invalid_address {
        let count = report.skipped_by.invalid_address;
        summary
            .warnings
            .push(crate::address::skipped_warning(&name, count, line, why, &text));
    }
    Ok(report)
}

/// Which ranges of a file have been handed out, and how far the consuming
/// thread has taken results: shared by the parse workers and that thread.
struct Claims {
    next: u64,
    consumed: u64,
    stop: bool,
}

/// Hands out ranges in order; at most `window` ahead of what was consumed,
/// so memory stays flat however fast the workers are.
struct RangeQueue {
    claims: std::sync::Mutex<Claims>,
    freed: std::sync::Condvar,
    ranges: u64,
    window: u64,
}

impl RangeQueue {
    /// The next range to parse; a worker (`wait`) waits while the window is
    /// full, the consuming thread does not. `None`: nothing left (or stop).
    fn claim(&self, wait: bool) -> Option<u64> {
        let mut c = self.claims.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if c.stop || c.next >= self.ranges {
                return None;
            }
            if c.next < c.consumed + self.window {
                c.next += 1;
                return Some(c.next - 1);
            }
            if !wait {
                return None;
            }
            c = self.freed.wait(c).unwrap_or_else(|e| e.into_inner());
        }
    }

    fn consumed(&self, upto: u64) {
        let mut c = self.claims.lock().unwrap_or_else(|e| e.into_inner());
        c.consumed = upto;
        self.freed.notify_all();
    }

    fn stop(&self) {
        let mut c = self.claims.lock().unwrap_or_else(|e| e.into_inner());
        c.stop = true;
        self.freed.notify_all();
    }
}

/// A plain file: `threads - 1` workers and this thread read and parse byte
/// ranges by position; this thread also takes the results in order. So
/// `--threads N` keeps exactly N threads busy (this thread parses whenever
/// the next result is not ready yet), and `--threads 1` is this thread
/// alone. Returns a description of a read failure, if any (what was read
/// before it counts).
#[allow(clippy::too_many_arguments)]
fn read_ranges<F: FnMut(Event, usize)>(
    file: std::fs::File,
    size: u64,
    format: Format,
    clock: &SyslogClock,
    opts: &ReadOptions,
    pool: &rayon::ThreadPool,
    bar: &ProgressBar,
    done_bytes: u64,
    consumer: &mut Consumer<'_, F>,
) -> Result<Option<String>> {
    type Parsed = std::io::Result<(ChunkOutput, bool, bool)>;
    let step = opts.chunk_size.clamp(1, RANGE_SIZE) as u64;
    let ranges = size.div_ceil(step);
    let classifier = opts.classifier;
    let span = move |k: u64| k * step..((k + 1) * step).min(size);
    let queue = std::sync::Arc::new(RangeQueue {
        claims: std::sync::Mutex::new(Claims {
            next: 0,
            consumed: 0,
            stop: false,
        }),
        freed: std::sync::Condvar::new(),
        ranges,
        window: (opts.threads.max(1) * 3) as u64,
    });
    let file = std::sync::Arc::new(file);
    let (tx, rx) = mpsc::channel::<(u64, Parsed)>();
    for _ in 1..opts.threads.max(1) {
        let (tx, file, clock, queue) = (tx.clone(), file.clone(), clock.clone(), queue.clone());
        pool.spawn(move || {
            let ctx = LineContext {
                clock: &clock,
                classifier,
            };
            while let Some(k) = queue.claim(true) {
                if tx
                    .send((k, parse_range(&file, span(k), size, format, &ctx)))
                    .is_err()
                {
                    break;
                }
            }
        });
    }
    drop(tx);
    let ctx = LineContext { clock, classifier };
    let mut waiting: BTreeMap<u64, Parsed> = BTreeMap::new();
    let mut problem: Option<String> = None;
    let mut next = 0u64;
    while next < ranges && !consumer.stopped() {
        while let Ok((k, result)) = rx.try_recv() {
            waiting.insert(k, result);
        }
        if let Some(result) = waiting.remove(&next) {
            next += 1;
            queue.consumed(next);
            bar.set_position(done_bytes + (next * step).min(size));
            match result {
                Ok((out, shrank, long_line)) => {
                    // A file that shrank ends early: what was read is whole
                    // lines and counts.
                    if shrank && problem.is_none() {
                        problem =
                            Some("the file shrank while it was read (truncated by log rotation?)".into());
                    }
                    consumer.take(out);
                    consumer.skip_long(u64::from(long_line));
                }
                Err(e) => {
                    // A read error leaves a hole: nothing after it is taken.
                    problem = Some(format!("read error: {e}"));
                    break;
                }
            }
            continue;
        }
        // The next result is not ready: parse a range here meanwhile, or
        // wait for a worker when every range is handed out.
        if let Some(k) = queue.claim(false) {
            waiting.insert(k, parse_range(&file, span(k), size, format, &ctx));
            continue;
        }
        match rx.recv() {
            Ok((k, result)) => {
                waiting.insert(k, result);
            }
            Err(_) => anyhow::bail!("a parser thread stopped"),
        }
    }
    queue.stop();
    Ok(problem)
}

/// Compressed input or standard input: one reader thread cuts the stream into
/// chunks that workers parse (or, with one thread, all inline).
#[allow(clippy::too_many_arguments)]
fn read_stream<F: FnMut(Event, usize)>(
    reader: Box<dyn Read + Send>,
    read_bytes: &std::sync::Arc<std::sync::atomic::AtomicU64>,
    format: Format,
    clock: &SyslogClock,
    opts: &ReadOptions,
    pool: &rayon::ThreadPool,
    bar: &ProgressBar,
    done_bytes: u64,
    consumer: &mut Consumer<'_, F>,
) -> Result<Option<String>> {
    let classifier = opts.classifier;
    let mut chunker = Chunker::with_size(reader, opts.chunk_size);
    let describe = |e: std::io::Error| match e.kind() {
        std::io::ErrorKind::UnexpectedEof => "ends early (truncated compressed file?)".to_string(),
        _ => format!("read error: {e}"),
    };
    if opts.threads <= 1 {
        let ctx = LineContext { clock, classifier };
        let mut chunk = Chunk::default();
        while !consumer.stopped() {
            match chunker.next_into(&mut chunk) {
                Ok(true) => {
                    consumer.skip_long(chunk.long_lines_before());
                    consumer.take(parse_chunk(chunk.bytes(), |line| format.parse_line(line, &ctx)));
                }
                Ok(false) => break,
                Err(e) => return Ok(Some(describe(e))),
            }
            bar.set_position(done_bytes + read_bytes.load(Ordering::Relaxed));
        }
        return Ok(None);
    }
    let window = opts.threads * 2 + 1;
    let mut read_error: Option<std::io::Error> = None;
    std::thread::scope(|scope| -> Result<()> {
        let (chunk_tx, chunk_rx) = mpsc::sync_channel::<std::io::Result<Chunk>>(2);
        let (free_tx, free_rx) = mpsc::channel::<Chunk>();
        let reader_bar = bar.clone();
        scope.spawn(move || loop {
            let mut buf = free_rx.try_recv().unwrap_or_default();
            let next = chunker.next_into(&mut buf);
            reader_bar.set_position(done_bytes + read_bytes.load(Ordering::Relaxed));
            let stop = !matches!(next, Ok(true));
            let message = match next {
                Ok(true) => Ok(buf),
                Ok(false) => break,
                Err(e) => Err(e),
            };
            if chunk_tx.send(message).is_err() || stop {
                break;
            }
        });

        let (result_tx, result_rx) = mpsc::channel::<(u64, ChunkOutput, Chunk)>();
        let mut in_flight = 0usize;
        let mut sent = 0u64;
        let mut next = 0u64;
        // Each chunk's output, after the long lines skipped before it.
        let mut waiting: BTreeMap<u64, (u64, ChunkOutput)> = BTreeMap::new();
        let mut reader_done = false;
        loop {
            while !reader_done && in_flight < window && !consumer.stopped() {
                match chunk_rx.recv() {
                    Ok(Ok(chunk)) => {
                        let (tx, clock) = (result_tx.clone(), clock.clone());
                        let seq = sent;
                        pool.spawn(move || {
                            let ctx = LineContext {
                                clock: &clock,
                                classifier,
                            };
                            let out = parse_chunk(chunk.bytes(), |line| format.parse_line(line, &ctx));
                            let _ = tx.send((seq, out, chunk));
                        });
                        sent += 1;
                        in_flight += 1;
                    }
                    Ok(Err(e)) => {
                        read_error = Some(e);
                        reader_done = true;
                    }
                    Err(_) => reader_done = true,
                }
            }
            if in_flight == 0 {
                break;
            }
            let (seq, out, buf) = result_rx.recv().context("a parser thread stopped")?;
            in_flight -= 1;
            waiting.insert(seq, (buf.long_lines_before(), out));
            let _ = free_tx.send(buf);
            while let Some((long_lines, out)) = waiting.remove(&next) {
                next += 1;
                consumer.skip_long(long_lines);
                consumer.take(out);
            }
        }
        drop(chunk_rx);
        Ok(())
    })?;
    Ok(read_error.map(describe))
}

fn skip_words(skip: Skip) -> &'static str {
    match skip {
        Skip::OtherProgram => "other program",
        Skip::UnknownForm => "unknown form",
        Skip::Unrecognized => "unrecognized",
        Skip::InvalidAddress(_) => "no address",
    }
}
