//! A deterministic generator of realistic Postfix logs of any size, with the
//! counts a correct analysis must find ("truth"). For tests and benchmarks:
//! `cargo run --release --example genlog -- --help`. A dev-only crate of the
//! workspace (bouncectl's dev-dependency), not part of the library: it
//! depends on nothing of bouncectl.
//!
//! The log is a mail host's syslog: noise from smtpd, postscreen, dovecot,
//! opendkim and anvil around messages that each get a qmgr line, one attempt
//! line per recipient and try, and a `removed` line. Outcomes follow each
//! recipient's fate (good, unknown, full, dead domain), plus per-delivery
//! blocks, deferrals that later succeed, deferrals that expire, and
//! deferrals still pending when the log ends.

use serde::Serialize;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::io::{self, Write};

/// (year, month, day) of a day number since 1970-01-01 (Howard Hinnant's
/// `civil_from_days`). The generator keeps its own copy rather than use
/// bouncectl's date code: the logs it writes are the truth that code is
/// tested against, so they must not share its mistakes.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// SplitMix64: small, fast, and the same sequence on every machine.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        ((self.next_u64() >> 11) as f64 / (1u64 << 53) as f64) < p
    }
}

/// How the timestamps look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stamp {
    /// `2026-11-01T00:00:00.000000+00:00` (rsyslog's high-precision format).
    Rfc3339,
    /// `Nov  1 00:00:00` (traditional syslog; read it with `--year`).
    Syslog,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub seed: u64,
    /// Stop starting new messages once this many bytes were written.
    pub target_bytes: u64,
    /// Unix time of the first line.
    pub start: i64,
    pub stamp: Stamp,
    /// Distinct recipient addresses.
    pub addresses: u64,
    /// Seconds between new messages.
    pub message_interval: i64,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            seed: 1,
            target_bytes: 10 << 20,
            start: 1_793_491_200, // 2026-11-01T00:00:00Z
            stamp: Stamp::Rfc3339,
            addresses: 50_000,
            message_interval: 4,
        }
    }
}

/// What a correct analysis of the generated log reports (default options).
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Truth {
    pub lines: u64,
    pub status_lines: u64,
    pub total: u64,
    pub delivered: u64,
    pub hard: u64,
    pub soft: u64,
    pub block: u64,
    pub pending: u64,
    pub deferred_then_delivered: u64,
    pub deferral_attempts: u64,
    pub excluded_local: u64,
    pub excluded_notifications: u64,
    pub suppressed: u64,
    pub at_risk: u64,
    /// Final deliveries to an address already suppressed earlier in the log.
    pub violations: u64,
}

struct Domain {
    name: &'static str,
    relay: &'static str,
    ip: &'static str,
    weight: u64,
}

const DOMAINS: &[Domain] = &[
    Domain {
        name: "gmail.com",
        relay: "gmail-smtp-in.l.google.com",
        ip: "142.250.102.26",
        weight: 34,
    },
    Domain {
        name: "outlook.com",
        relay: "outlook-com.olc.protection.outlook.com",
        ip: "52.101.68.5",
        weight: 10,
    },
    Domain {
        name: "hotmail.com",
        relay: "hotmail-com.olc.protection.outlook.com",
        ip: "52.101.8.38",
        weight: 6,
    },
    Domain {
        name: "yahoo.com",
        relay: "mta7.am0.yahoodns.net",
        ip: "67.195.204.77",
        weight: 10,
    },
    Domain {
        name: "gmx.de",
        relay: "mx00.emig.gmx.net",
        ip: "212.227.15.9",
        weight: 5,
    },
    Domain {
        name: "web.de",
        relay: "mx-ha02.web.de",
        ip: "212.227.17.8",
        weight: 5,
    },
    Domain {
        name: "orange.fr",
        relay: "smtp-in.orange.fr",
        ip: "80.12.26.32",
        weight: 4,
    },
    Domain {
        name: "icloud.com",
        relay: "mx01.mail.icloud.com",
        ip: "17.57.154.33",
        weight: 5,
    },
    Domain {
        name: "example.com",
        relay: "mx.example.com",
        ip: "192.0.2.10",
        weight: 8,
    },
    Domain {
        name: "example.net",
        relay: "mail.example.net",
        ip: "192.0.2.20",
        weight: 8,
    },
    Domain {
        name: "example.org",
        relay: "smtp.example.org",
        ip: "192.0.2.30",
        weight: 5,
    },
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fate {
    Good,
    Unknown,
    Full,
    DeadDomain,
}

/// The final outcome the generator chose for one delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Plan {
    Deliver,
    Hard,
    Soft,
    Block,
    /// Deferred `n` times, then delivered.
    DeferThenDeliver(u8),
    /// Deferred until the message expires.
    DeferThenExpire,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Action {
    /// Attempt for (message, recipient index).
    Attempt(u32, u8),
    Expire(u32),
    Notify(u32),
    Remove(u32),
}

struct Rcpt {
    address: u64,
    domain: usize,
    plan: Plan,
    tries: u8,
    done: bool,
}

struct Message {
    qid: String,
    rcpts: Vec<Rcpt>,
    open: usize,
    bounced: bool,
    local: bool,
}

#[derive(Default, Clone, Copy)]
struct Streak {
    soft: u32,
    suppressed: bool,
}

/// Writes a log of about `cfg.target_bytes` into `out` and returns its truth.
pub fn generate(cfg: &Config, out: impl Write) -> io::Result<Truth> {
    Generator::new(cfg.clone(), out).run()
}

/// Which addresses end where, by the rules of DESIGN.md §1 (default options).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Addresses {
    pub suppressed: std::collections::BTreeSet<String>,
    pub at_risk: std::collections::BTreeSet<String>,
    /// Addresses whose only failures were sender-side blocks: never suppressed.
    pub blocked_only: std::collections::BTreeSet<String>,
}

/// [`generate`], and the exact address sets behind the truth's counts.
pub fn generate_with_addresses(cfg: &Config, out: impl Write) -> io::Result<(Truth, Addresses)> {
    let mut g = Generator::new(cfg.clone(), out);
    g.keep_addresses = true;
    let truth = g.run_inner()?;
    let mut sets = Addresses::default();
    for (&address, s) in &g.streaks {
        let name = g.address(address, g.pick_domain_for(address));
        if s.suppressed {
            sets.suppressed.insert(name);
        } else if s.soft > 0 {
            sets.at_risk.insert(name);
        } else if g.blocked.contains(&address) && !g.failed.contains(&address) {
            sets.blocked_only.insert(name);
        }
    }
    Ok((truth, sets))
}

struct Generator<W: Write> {
    cfg: Config,
    rng: Rng,
    out: Counting<io::BufWriter<W>>,
    truth: Truth,
    queue: BinaryHeap<Reverse<(i64, u64, Action)>>,
    seq: u64,
    messages: HashMap<u32, Message>,
    next_message: u32,
    fates: Vec<Fate>,
    streaks: HashMap<u64, Streak>,
    line: String,
    /// Cached formatted timestamp for one second.
    stamp_cache: (i64, String),
    pid: u32,
    /// Time of the last new message: work due more than an hour after it is
    /// left undone, so deferrals still waiting then stay pending.
    last_message: i64,
    /// Whether to remember which addresses were blocked / hard or soft bounced.
    keep_addresses: bool,
    blocked: std::collections::HashSet<u64>,
    failed: std::collections::HashSet<u64>,
}

struct Counting<W> {
    inner: W,
    bytes: u64,
}

impl<W: Write> Counting<W> {
    fn write_line(&mut self, line: &str) -> io::Result<()> {
        self.bytes += line.len() as u64 + 1;
        self.inner.write_all(line.as_bytes())?;
        self.inner.write_all(b"\n")
    }
}

const SENDER: &str = "news@shop.example";
const EXPIRE_AFTER: i64 = 3 * 86_400;
const RETRY: i64 = 1800;

impl<W: Write> Generator<W> {
    fn new(cfg: Config, out: W) -> Generator<W> {
        let mut rng = Rng::new(cfg.seed);
        let fates = (0..cfg.addresses.max(1))
            .map(|_| match rng.below(1000) {
                0..=24 => Fate::Unknown,
                25..=34 => Fate::Full,
                35..=39 => Fate::DeadDomain,
                _ => Fate::Good,
            })
            .collect();
        Generator {
            rng,
            out: Counting {
                inner: io::BufWriter::with_capacity(1 << 20, out),
                bytes: 0,
            },
            truth: Truth::default(),
            queue: BinaryHeap::new(),
            seq: 0,
            messages: HashMap::new(),
            next_message: 0,
            fates,
            streaks: HashMap::new(),
            line: String::with_capacity(1024),
            stamp_cache: (i64::MIN, String::new()),
            pid: 1000,
            last_message: cfg.start,
            keep_addresses: false,
            blocked: Default::default(),
            failed: Default::default(),
            cfg,
        }
    }

    fn schedule(&mut self, at: i64, action: Action) {
        self.seq += 1;
        self.queue.push(Reverse((at, self.seq, action)));
    }

    fn stamp(&mut self, t: i64) -> String {
        if self.stamp_cache.0 != t {
            let s = match self.cfg.stamp {
                Stamp::Rfc3339 => {
                    let (y, m, d) = civil_from_days(t.div_euclid(86_400));
                    let s = t.rem_euclid(86_400);
                    format!(
                        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:06}+00:00",
                        s / 3600,
                        s / 60 % 60,
                        s % 60,
                        (t as u64).wrapping_mul(7919) % 1_000_000
                    )
                }
                Stamp::Syslog => {
                    let (_, m, d) = civil_from_days(t.div_euclid(86_400));
                    const NAMES: [&str; 12] = [
                        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
                    ];
                    let s = t.rem_euclid(86_400);
                    format!(
                        "{} {:>2} {:02}:{:02}:{:02}",
                        NAMES[m as usize - 1],
                        d,
                        s / 3600,
                        s / 60 % 60,
                        s % 60
                    )
                }
            };
            self.stamp_cache = (t, s);
        }
        self.stamp_cache.1.clone()
    }

    /// Writes `STAMP mx1 PROGRAM[PID]: TEXT`.
    fn emit(&mut self, t: i64, program: &str, text: std::fmt::Arguments) -> io::Result<()> {
        use std::fmt::Write as _;
        let stamp = self.stamp(t);
        self.pid = 1000 + (self.pid + 7) % 30_000;
        self.line.clear();
        let _ = write!(self.line, "{stamp} mx1 {program}[{}]: {text}", self.pid);
        self.truth.lines += 1;
        let line = std::mem::take(&mut self.line);
        let r = self.out.write_line(&line);
        self.line = line;
        r
    }

    fn noise(&mut self, t: i64) -> io::Result<()> {
        let ip = format!("198.51.{}.{}", self.rng.below(255), self.rng.below(254) + 1);
        let (r1, r2, r3) = (self.rng.below(60_000), self.rng.below(40), self.rng.next_u64());
        match self.rng.below(7) {
            0 => self.emit(t, "postfix/smtpd", format_args!("connect from unknown[{ip}]")),
            1 => self.emit(
                t,
                "postfix/smtpd",
                format_args!("disconnect from unknown[{ip}] ehlo=1 auth=0/1 quit=1 commands=2/3"),
            ),
            2 => self.emit(t, "postfix/postscreen", format_args!("CONNECT from [{ip}]:{} to [203.0.113.25]:25", 30_000 + r1 % 30_000)),
            3 => self.emit(
                t,
                "dovecot",
                format_args!(
                    "imap-login: Login: user=<staff{}@shop.example>, method=PLAIN, rip={ip}, lip=203.0.113.25, mpid={}, TLS, session=<{:x}>",
                    r2, r1, r3
                ),
            ),
            4 => self.emit(t, "opendkim", format_args!("{:X}: s=mail d=shop.example SSL", r3 >> 24)),
            5 => self.emit(t, "postfix/anvil", format_args!("statistics: max connection rate 1/60s for (smtp:{ip}) at Nov  1 00:00:00")),
            _ => self.emit(t, "postfix/smtpd", format_args!("NOQUEUE: reject: RCPT from unknown[{ip}]: 554 5.7.1 Service unavailable; Client host [{ip}] blocked using zen.spamhaus.org; from=<x@spam.example> to=<staff@shop.example> proto=ESMTP helo=<spam.example>")),
        }
    }

    fn plan_for(&mut self, fate: Fate, domain: usize) -> Plan {
        match fate {
            Fate::Unknown | Fate::DeadDomain => Plan::Hard,
            Fate::Full => Plan::Soft,
            Fate::Good => {
                let blocks = matches!(
                    DOMAINS[domain].name,
                    "outlook.com" | "hotmail.com" | "example.org"
                );
                match self.rng.below(1000) {
                    0..=14 if blocks => Plan::Block,
                    0..=2 => Plan::Block,
                    15..=44 => Plan::DeferThenDeliver(1 + self.rng.below(3) as u8),
                    45..=49 => Plan::DeferThenExpire,
                    _ => Plan::Deliver,
                }
            }
        }
    }

    fn new_message(&mut self, t: i64) -> io::Result<()> {
        let id = self.next_message;
        self.next_message += 1;
        let qid = format!("{:010X}", 0x003F_0000_0000_u64 + u64::from(id) * 0x1D3);
        let local = self.rng.chance(0.04);
        let n = if local {
            1
        } else {
            [1, 1, 1, 1, 1, 1, 2, 2, 3, 5][self.rng.below(10) as usize]
        };
        let mut rcpts = Vec::with_capacity(n);
        for _ in 0..n {
            let address = self.rng.below(self.cfg.addresses.max(1));
            let domain = self.pick_domain_for(address);
            let fate = self.fates[address as usize];
            let plan = if local {
                Plan::Deliver
            } else {
                self.plan_for(fate, domain)
            };
            rcpts.push(Rcpt {
                address,
                domain,
                plan,
                tries: 0,
                done: false,
            });
        }
        // The same address twice in one message would be one delivery.
        rcpts.sort_by_key(|r| r.address);
        rcpts.dedup_by_key(|r| r.address);
        self.emit(
            t,
            "postfix/submission/smtpd",
            format_args!(
                "{qid}: client=app1.shop.example[198.51.100.7], sasl_method=PLAIN, sasl_username={SENDER}"
            ),
        )?;
        self.emit(
            t,
            "postfix/cleanup",
            format_args!("{qid}: message-id=<{}.{id}@shop.example>", qid.to_lowercase()),
        )?;
        let size = 2000 + self.rng.below(80_000);
        self.emit(
            t,
            "postfix/qmgr",
            format_args!(
                "{qid}: from=<{SENDER}>, size={size}, nrcpt={} (queue active)",
                rcpts.len()
            ),
        )?;
        for i in 0..rcpts.len() {
            let delay = 1 + self.rng.below(3) as i64;
            self.schedule(t + delay, Action::Attempt(id, i as u8));
        }
        if rcpts.iter().any(|r| r.plan == Plan::DeferThenExpire) {
            self.schedule(t + EXPIRE_AFTER, Action::Expire(id));
        }
        self.messages.insert(
            id,
            Message {
                open: rcpts.len(),
                qid,
                rcpts,
                bounced: false,
                local,
            },
        );
        Ok(())
    }

    /// Each address keeps one domain (derived from it), so streaks are per address.
    fn pick_domain_for(&self, address: u64) -> usize {
        let mut r = Rng::new(address);
        let total: u64 = DOMAINS.iter().map(|d| d.weight).sum();
        let mut x = r.below(total);
        for (i, d) in DOMAINS.iter().enumerate() {
            if x < d.weight {
                return i;
            }
            x -= d.weight;
        }
        0
    }

    fn address(&self, address: u64, domain: usize) -> String {
        let fate = self.fates[address as usize];
        match fate {
            Fate::DeadDomain => format!("user{address}@nx{}.invalid", address % 50),
            _ => format!("user{address}@{}", DOMAINS[domain].name),
        }
    }

    fn record_final(&mut self, address: u64, outcome: Plan) {
        if self.keep_addresses {
            match outcome {
                Plan::Block => {
                    self.blocked.insert(address);
                }
                Plan::Hard | Plan::Soft | Plan::DeferThenExpire => {
                    self.failed.insert(address);
                }
                _ => {}
            }
        }
        let s = self.streaks.entry(address).or_default();
        if s.suppressed {
            self.truth.violations += 1;
            return;
        }
        match outcome {
            Plan::Deliver | Plan::DeferThenDeliver(_) => s.soft = 0,
            Plan::Hard => {
                s.suppressed = true;
                self.truth.suppressed += 1;
            }
            Plan::Soft | Plan::DeferThenExpire => {
                s.soft += 1;
                if s.soft >= 3 {
                    s.suppressed = true;
                    self.truth.suppressed += 1;
                }
            }
            Plan::Block => {}
        }
    }

    fn attempt(&mut self, t: i64, id: u32, i: u8) -> io::Result<()> {
        let Some(m) = self.messages.get_mut(&id) else {
            return Ok(());
        };
        let qid = m.qid.clone();
        let local = m.local;
        let r = &mut m.rcpts[i as usize];
        if r.done {
            return Ok(());
        }
        r.tries += 1;
        let (address, domain, plan, tries) = (r.address, r.domain, r.plan, r.tries);
        let rcpt = self.address(address, domain);
        let d = &DOMAINS[domain];
        let relay = format!("{}[{}]:25", d.relay, d.ip);
        let deferred = match plan {
            Plan::DeferThenDeliver(n) => tries <= n,
            Plan::DeferThenExpire => true,
            _ => false,
        };
        self.truth.status_lines += 1;
        if local {
            self.emit(t, "postfix/lmtp", format_args!("{qid}: to=<staff@shop.example>, relay=mail.shop.example[private/dovecot-lmtp], delay=0.1, delays=0.05/0/0/0.05, dsn=2.0.0, status=sent (250 2.0.0 <staff@shop.example> Saved)"))?;
            self.truth.excluded_local += 1;
            return self.finish_rcpt(t, id, i, false);
        }
        if deferred {
            self.truth.deferral_attempts += 1;
            let text = match (d.name, self.rng.below(3)) {
                ("gmail.com", 0) => format!("host {} said: 421-4.7.28 [203.0.113.25      15] Our system has detected an unusual rate of 421-4.7.28 unsolicited mail originating from your IP address. To protect our 421-4.7.28 users from spam, mail sent from your IP address has been temporarily 421-4.7.28 rate limited. 421 4.7.28  https://support.google.com/mail/?p=UnsolicitedRateLimitError - gsmtp (in reply to end of DATA command)", d.relay),
                ("yahoo.com", _) => format!("host {}[{}] said: 421 4.7.0 [TSS04] Messages from 203.0.113.25 temporarily deferred due to unexpected volume or user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes (in reply to MAIL FROM command)", d.relay, d.ip),
                (_, 1) => format!("host {}[{}] said: 450 4.2.0 <{rcpt}>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/{}.html (in reply to RCPT TO command)", d.relay, d.ip, d.name),
                _ => format!("connect to {}[{}]:25: Connection timed out", d.relay, d.ip),
            };
            let dsn = if text.contains("4.7.28") {
                "4.7.28"
            } else if text.contains("TSS04") {
                "4.7.0"
            } else if text.contains("Greylisted") {
                "4.2.0"
            } else {
                "4.4.1"
            };
            let relay_field = if dsn == "4.4.1" { "none".to_string() } else { relay };
            self.emit(t, "postfix/smtp", format_args!("{qid}: to=<{rcpt}>, relay={relay_field}, delay={}, delays=0.1/0/0.5/0.3, dsn={dsn}, status=deferred ({text})", 1 + tries as i64 * RETRY))?;
            let jitter = self.rng.below(600) as i64;
            self.schedule(t + RETRY + jitter, Action::Attempt(id, i));
            return Ok(());
        }
        let (dsn, status, text) = match plan {
            Plan::Deliver | Plan::DeferThenDeliver(_) => ("2.0.0", "sent", format!("250 2.0.0 Ok: queued as {:X}", self.rng.next_u64() >> 28)),
            Plan::Hard if self.fates[address as usize] == Fate::DeadDomain => {
                ("5.4.4", "bounced", format!("Host or domain name not found. Name service error for name=nx{}.invalid type=A: Host not found", address % 50))
            }
            Plan::Hard => ("5.1.1", "bounced", match d.name {
                "gmail.com" => format!("host {}[{}] said: 550-5.1.1 The email account that you tried to reach does not exist. Please try 550-5.1.1 double-checking the recipient's email address for typos or 550-5.1.1 unnecessary spaces. For more information, go to 550 5.1.1  https://support.google.com/mail/?p=NoSuchUser a640c23a62f3a-b7f9si - gsmtp (in reply to RCPT TO command)", d.relay, d.ip),
                "outlook.com" | "hotmail.com" => format!("host {}[{}] said: 550 5.5.0 Requested action not taken: mailbox unavailable (S2017062302) [AM4PEPF00027A5F.eurprd04.prod.outlook.com 2026-11-16T09:12:44.512Z 08DE1F2A3B4C5D6E] (in reply to RCPT TO command)", d.relay, d.ip),
                "yahoo.com" => format!("host {}[{}] said: 554 delivery error: dd This user doesn't have a yahoo.com account ({rcpt}) [0] - mta4471.mail.bf1.yahoo.com (in reply to end of DATA command)", d.relay, d.ip),
                _ => format!("host {}[{}] said: 550 5.1.1 <{rcpt}>: Recipient address rejected: User unknown in virtual mailbox table (in reply to RCPT TO command)", d.relay, d.ip),
            }),
            Plan::Soft => ("5.2.2", "bounced", format!("host {}[{}] said: 552 5.2.2 <{rcpt}>: Mailbox full, quota exceeded (in reply to RCPT TO command)", d.relay, d.ip)),
            Plan::Block => ("5.7.1", "bounced", match d.name {
                "outlook.com" | "hotmail.com" => format!("host {}[{}] said: 550 5.7.1 Unfortunately, messages from [203.0.113.25] weren't sent. Please contact your Internet service provider since part of their network is on our block list (S3150). You can also refer your provider to http://mail.live.com/mail/troubleshooting.aspx#errors. [AM4PEPF00027A5F.eurprd04.prod.outlook.com] (in reply to MAIL FROM command)", d.relay, d.ip),
                "gmail.com" => format!("host {}[{}] said: 550-5.7.26 This mail is unauthenticated, which poses a security risk to the 550-5.7.26 sender and Gmail users, and has been blocked. The sender must 550-5.7.26 authenticate with at least one of SPF or DKIM. 550 5.7.26  https://support.google.com/mail/answer/81126#authentication - gsmtp (in reply to end of DATA command)", d.relay, d.ip),
                _ => format!("host {}[{}] said: 554 5.7.1 Service unavailable; Client host [203.0.113.25] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/203.0.113.25 (in reply to RCPT TO command)", d.relay, d.ip),
            }),
            Plan::DeferThenExpire => unreachable!("always deferred"),
        };
        let relay_field = if dsn == "5.4.4" { "none".to_string() } else { relay };
        self.emit(t, "postfix/smtp", format_args!("{qid}: to=<{rcpt}>, relay={relay_field}, delay=1.2, delays=0.1/0/0.5/0.6, dsn={dsn}, status={status} ({text})"))?;
        self.truth.total += 1;
        match plan {
            Plan::Deliver => self.truth.delivered += 1,
            Plan::DeferThenDeliver(_) => {
                self.truth.delivered += 1;
                self.truth.deferred_then_delivered += 1;
            }
            Plan::Hard => self.truth.hard += 1,
            Plan::Soft => self.truth.soft += 1,
            Plan::Block => self.truth.block += 1,
            Plan::DeferThenExpire => {}
        }
        self.record_final(address, plan);
        let bounced = status == "bounced";
        self.finish_rcpt(t, id, i, bounced)
    }

    fn finish_rcpt(&mut self, t: i64, id: u32, i: u8, bounced: bool) -> io::Result<()> {
        let Some(m) = self.messages.get_mut(&id) else {
            return Ok(());
        };
        m.rcpts[i as usize].done = true;
        m.open -= 1;
        m.bounced |= bounced;
        if m.open == 0 {
            if m.bounced {
                self.schedule(t, Action::Notify(id));
            }
            self.schedule(t, Action::Remove(id));
        }
        Ok(())
    }

    fn expire(&mut self, t: i64, id: u32) -> io::Result<()> {
        let Some(m) = self.messages.get_mut(&id) else {
            return Ok(());
        };
        if m.open == 0 {
            return Ok(());
        }
        let qid = m.qid.clone();
        let expired: Vec<u64> = m.rcpts.iter().filter(|r| !r.done).map(|r| r.address).collect();
        for r in m.rcpts.iter_mut() {
            r.done = true;
        }
        m.open = 0;
        self.emit(
            t,
            "postfix/qmgr",
            format_args!("{qid}: from=<{SENDER}>, status=expired, returned to sender"),
        )?;
        for address in expired {
            self.truth.total += 1;
            self.truth.soft += 1;
            self.record_final(address, Plan::DeferThenExpire);
        }
        self.notify(t, id)?;
        self.remove(t, id)
    }

    fn notify(&mut self, t: i64, id: u32) -> io::Result<()> {
        let Some(m) = self.messages.get(&id) else {
            return Ok(());
        };
        let qid = m.qid.clone();
        let nid = format!("{:010X}", 0x007E_0000_0000_u64 + u64::from(id) * 0x1D3);
        self.emit(
            t,
            "postfix/bounce",
            format_args!("{qid}: sender non-delivery notification: {nid}"),
        )?;
        self.emit(
            t,
            "postfix/cleanup",
            format_args!(
                "{nid}: message-id=<{}.bounce@mx1.shop.example>",
                nid.to_lowercase()
            ),
        )?;
        self.emit(
            t,
            "postfix/qmgr",
            format_args!("{nid}: from=<>, size=4321, nrcpt=1 (queue active)"),
        )?;
        self.emit(t, "postfix/lmtp", format_args!("{nid}: to=<{SENDER}>, relay=mail.shop.example[private/dovecot-lmtp], delay=0.1, delays=0.05/0/0/0.05, dsn=2.0.0, status=sent (250 2.0.0 <{SENDER}> Saved)"))?;
        self.emit(t, "postfix/qmgr", format_args!("{nid}: removed"))?;
        self.truth.status_lines += 1;
        self.truth.excluded_notifications += 1;
        Ok(())
    }

    fn remove(&mut self, t: i64, id: u32) -> io::Result<()> {
        if let Some(m) = self.messages.remove(&id) {
            self.emit(t, "postfix/qmgr", format_args!("{}: removed", m.qid))?;
        }
        Ok(())
    }

    fn end_of_log(&self) -> i64 {
        self.last_message + 3600
    }

    fn run(mut self) -> io::Result<Truth> {
        self.run_inner()
    }

    fn run_inner(&mut self) -> io::Result<Truth> {
        let mut t = self.cfg.start;
        let interval = self.cfg.message_interval.max(1);
        loop {
            let writing = self.out.bytes < self.cfg.target_bytes;
            // Work due before the next new message, in time order.
            let horizon = if writing { t } else { i64::MAX };
            while let Some(Reverse((at, _, action))) = self.queue.peek().copied() {
                if at > horizon {
                    break;
                }
                if !writing && at > self.end_of_log() {
                    break;
                }
                self.queue.pop();
                match action {
                    Action::Attempt(id, i) => self.attempt(at, id, i)?,
                    Action::Expire(id) => self.expire(at, id)?,
                    Action::Notify(id) => self.notify(at, id)?,
                    Action::Remove(id) => self.remove(at, id)?,
                }
            }
            if !writing {
                break;
            }
            self.new_message(t)?;
            // About nine noise lines for every delivery line.
            for k in 0..(8 + self.rng.below(5)) {
                self.noise(t + (k as i64 % interval))?;
            }
            t += interval;
            self.last_message = t;
        }
        // What never reached an outcome (deferred past the end) is pending.
        for m in self.messages.values() {
            for r in &m.rcpts {
                if !r.done && r.tries > 0 {
                    self.truth.pending += 1;
                    self.truth.total += 1;
                }
            }
        }
        self.truth.at_risk = self
            .streaks
            .values()
            .filter(|s| !s.suppressed && s.soft > 0)
            .count() as u64;
        self.out.inner.flush()?;
        Ok(self.truth.clone())
    }
}
