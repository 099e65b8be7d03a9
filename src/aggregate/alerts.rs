//! The alerts a report raises: the rate bands crossed, providers and domains
//! blocking or deferring us (with their own words and codes), complaints,
//! mail that stopped. Computed from the aggregator's tallies at the end.

use super::*;

impl Aggregator {
    pub(super) fn alerts(
        &self,
        rates: &Rates,
        status: Level,
        hard: HardBand,
        period: (Option<i64>, Option<i64>),
    ) -> Vec<Alert> {
        let s = &self.settings;
        let pct = |f: f64| format!("{:.2}%", f * 100.0);
        let mut alerts = Vec::new();
        let mut push = |level, code: &str, message: String| {
            alerts.push(Alert {
                level,
                code: code.into(),
                message,
                domain: None,
                provider: None,
                count: None,
                diagnostic: None,
            })
        };
        if self.all.finals() == 0 {
            push(
                Level::Info,
                "no-deliveries",
                "no outbound delivery with an outcome was found".into(),
            );
        }
        match status {
            Level::Critical => push(
                Level::Critical,
                "bounce-rate",
                format!(
                    "bounce rate {} is above the {} critical threshold: mailbox providers block senders at this level",
                    pct(rates.bounce),
                    pct(s.critical)
                ),
            ),
            Level::Warning => push(
                Level::Warning,
                "bounce-rate",
                format!(
                    "bounce rate {} is above the {} warning threshold: providers start throttling",
                    pct(rates.bounce),
                    pct(s.warning)
                ),
            ),
            _ => {}
        }
        let hard_message = |band: &str| {
            format!(
                "hard-bounce rate {} is in the {band} band: clean the list before the next send",
                pct(rates.hard)
            )
        };
        match hard {
            HardBand::Emergency => push(Level::Critical, "hard-rate", hard_message("emergency (> 5%)")),
            HardBand::Throttling => push(Level::Warning, "hard-rate", hard_message("throttling (2–5%)")),
            HardBand::Caution => push(Level::Info, "hard-rate", hard_message("caution (0.5–2%)")),
            HardBand::Healthy => {}
        }
        if rates.soft > SOFT_ALERT {
            // Soft bounces are about the recipient's side or the queue: full
            // mailboxes, expiries, throttling. Authentication and content
            // refusals are blocks, with an alert of their own.
            let mut soft_reasons: HashMap<Reason, u64> = HashMap::default();
            for (&(reason, class, _), &n) in &self.by_rule {
                if class == Class::Soft {
                    *soft_reasons.entry(reason).or_default() += n;
                }
            }
            let top = soft_reasons
                .into_iter()
                .max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.as_str().cmp(a.0.as_str())))
                .map(|(reason, n)| format!(", most of them {} ({n})", reason.as_str()))
                .unwrap_or_default();
            push(
                Level::Warning,
                "soft-rate",
                format!(
                    "soft-bounce rate {} is above {}{top}: full mailboxes, deliveries that expired in the \
                     queue and throttling; repeated ones suppress (see By reason)",
                    pct(rates.soft),
                    pct(SOFT_ALERT)
                ),
            );
        }
        if rates.block >= s.warning && self.all.finals() > 0 {
            let level = if rates.block > s.critical {
                Level::Critical
            } else {
                Level::Warning
            };
            push(
                level,
                "block-rate",
                format!(
                    "{} of deliveries were refused for sender-side reasons (blocklist, authentication, \
                     reputation): fix the sending side; these recipients are not suppressed",
                    pct(rates.block)
                ),
            );
        }
        if let Some(message) = self.inactivity(period) {
            push(Level::Warning, "inactivity", message);
        }
        self.party_rate_alerts(&mut alerts);
        for (party, trouble) in top_troubles(&self.blocks) {
            let finals = self.party_finals(party);
            let share = ratio(trouble.count, finals);
            let level = if finals < s.min_volume {
                Level::Info
            } else if share > s.critical {
                Level::Critical
            } else if share >= s.warning {
                Level::Warning
            } else {
                Level::Info
            };
            let what = format!("{} of {} deliveries blocked", trouble.count, finals);
            alerts.push(trouble_alert(
                level,
                "sender-block",
                party,
                trouble,
                "is blocking",
                what,
            ));
        }
        let mut waits: Vec<(&(Party, Deferral), &Trouble)> = self.deferral_troubles.iter().collect();
        waits.sort_by(|a, b| {
            b.1.count
                .cmp(&a.1.count)
                .then_with(|| (a.0 .0.label(), a.0 .1).cmp(&(b.0 .0.label(), b.0 .1)))
        });
        for ((party, cause), trouble) in waits.into_iter().take(MAX_DOMAIN_ALERTS) {
            alerts.push(deferral_alert(party, *cause, trouble));
        }
        alerts
    }

    /// Per-party bounce-rate alerts: a provider (or a domain of no known
    /// provider) with at least `min_volume` final deliveries whose bounce
    /// rate reaches the warning threshold. Below the volume there is no rate
    /// alert at all: a rate of a handful of deliveries is noise.
    fn party_rate_alerts(&self, alerts: &mut Vec<Alert>) {
        let s = &self.settings;
        let mut parties: Vec<(Party, &Tally)> = self
            .by_provider
            .iter()
            .map(|(p, t)| (Party::Provider(p), t))
            .chain(self.unprovided.iter().map(|(d, t)| (Party::Domain(d.clone()), t)))
            .filter(|(_, t)| {
                t.finals() > 0 && t.finals() >= s.min_volume && ratio(t.bounced(), t.finals()) >= s.warning
            })
            .collect();
        parties.sort_by(|a, b| {
            b.1.finals()
                .cmp(&a.1.finals())
                .then_with(|| a.0.label().cmp(b.0.label()))
        });
        for (party, t) in parties.into_iter().take(MAX_DOMAIN_ALERTS) {
            let rate = ratio(t.bounced(), t.finals());
            let (level, band, threshold) = if rate > s.critical {
                (Level::Critical, "critical", s.critical)
            } else {
                (Level::Warning, "warning", s.warning)
            };
            let (code, domain, provider) = match &party {
                Party::Provider(p) => ("provider-rate", None, Some(p.to_string())),
                Party::Domain(d) => ("domain-rate", Some(d.to_string()), None),
            };
            alerts.push(Alert {
                level,
                code: code.into(),
                message: format!(
                    "{}: bounce rate {} over {} final deliveries is above the {} {band} threshold",
                    party.label(),
                    percent(rate),
                    t.finals(),
                    percent(threshold)
                ),
                domain,
                provider,
                count: Some(t.bounced()),
                diagnostic: None,
            });
        }
    }

    /// The inactivity alert's message, when the last successful delivery is
    /// more than `settings.inactivity` seconds before the end: the end of the
    /// data or, when the data itself ends more than that span before the
    /// clock, the clock (the log went silent: mail may have stopped).
    fn inactivity(&self, (first, last): (Option<i64>, Option<i64>)) -> Option<String> {
        let span = i64::try_from(self.settings.inactivity).ok().filter(|&s| s > 0)?;
        let (end, to_now) = match (last, self.settings.now) {
            (Some(l), Some(now)) if now - l > span => (now, true),
            (Some(l), _) => (l, false),
            (None, Some(now)) => (now, true),
            (None, None) => return None,
        };
        let from = self.last_delivered.or(first);
        let gap = end - from.unwrap_or(end);
        if gap <= span && from.is_some() {
            return None;
        }
        let until = if to_now {
            match last {
                Some(l) => format!("up to now; the data ends {}", format_rfc3339(l)),
                None => "up to now; the data has no timestamped event".into(),
            }
        } else {
            "up to the end of the data".into()
        };
        Some(match (self.last_delivered, from) {
            (Some(l), _) => format!(
                "no successful delivery for {} (the last was {}, {until}): has mail stopped?",
                span_text(gap),
                format_rfc3339(l)
            ),
            (None, Some(_)) => format!(
                "no successful delivery in {} ({until}): has mail stopped?",
                span_text(gap)
            ),
            (None, None) => format!("no successful delivery ({until}): has mail stopped?"),
        })
    }
}

/// `0.0487` → `4.87%`.
pub(super) fn percent(f: f64) -> String {
    format!("{:.2}%", f * 100.0)
}

/// The complaint-rate alert (DESIGN.md §2: complaints give a complaint
/// rate), placed after the bounce-rate alerts.
pub(super) fn complaint_alert(alerts: &mut Vec<Alert>, e: &EspReport, finals: u64) {
    if e.complaints == 0 {
        return;
    }
    let pct = |f: f64| format!("{:.2}%", f * 100.0);
    let plural = if e.complaints == 1 { "" } else { "s" };
    let (level, message) = match e.complaint_status {
        _ if finals == 0 => (
            Level::Info,
            format!(
                "{} spam complaint{plural}, but no final deliveries in the data to rate them against",
                e.complaints
            ),
        ),
        Level::Critical => (
            Level::Critical,
            format!(
                "complaint rate {} reaches the {} at which mailbox providers block senders: \
                 stop mailing the complainers' segment and check consent",
                pct(e.complaint_rate),
                pct(COMPLAINT_CRITICAL)
            ),
        ),
        Level::Warning => (
            Level::Warning,
            format!(
                "complaint rate {} is above the {} mailbox providers ask senders to stay under",
                pct(e.complaint_rate),
                pct(COMPLAINT_WARNING)
            ),
        ),
        _ => return,
    };
    let at = alerts
        .iter()
        .position(|a| {
            !matches!(
                a.code.as_str(),
                "no-deliveries" | "bounce-rate" | "hard-rate" | "soft-rate" | "block-rate"
            )
        })
        .unwrap_or(alerts.len());
    alerts.insert(
        at,
        Alert {
            level,
            code: "complaint-rate".into(),
            message,
            domain: None,
            provider: None,
            count: Some(e.complaints),
            diagnostic: None,
        },
    );
}

pub(super) fn top_troubles(map: &HashMap<Party, Trouble>) -> Vec<(&Party, &Trouble)> {
    let mut list: Vec<(&Party, &Trouble)> = map.iter().collect();
    list.sort_by(|a, b| {
        b.1.count
            .cmp(&a.1.count)
            .then_with(|| a.0.label().cmp(b.0.label()))
    });
    list.truncate(MAX_DOMAIN_ALERTS);
    list
}

/// The alert's `domain` and `provider` fields, and the domains to name in
/// the message of a provider's alert (" (hotmail.com, outlook.com)").
pub(super) fn party_fields(party: &Party, t: &Trouble) -> (Option<String>, Option<String>, String) {
    match party {
        Party::Domain(d) => (Some(d.to_string()), None, String::new()),
        Party::Provider(p) => {
            let single = (t.domains.len() == 1 && !t.more_domains)
                .then(|| t.domains.iter().next().map(|d| d.to_string()))
                .flatten();
            let mut names: Vec<&str> = t.domains.iter().take(MAX_ALERT_DOMAINS).map(|d| &**d).collect();
            let rest = t.domains.len().saturating_sub(MAX_ALERT_DOMAINS);
            let more = if rest > 0 || t.more_domains {
                format!(" and {}{rest} more", if t.more_domains { "over " } else { "" })
            } else {
                String::new()
            };
            if names.is_empty() {
                names.push("?");
            }
            (
                single,
                Some(p.to_string()),
                format!(" ({}{more})", names.join(", ")),
            )
        }
    }
}

/// "Microsoft is blocking 203.0.113.25 (S3150): 2 of 11 deliveries blocked
/// (hotmail.com, outlook.com)"; "smallbiz.example is blocking us (5.7.1): ...".
pub(super) fn trouble_alert(
    level: Level,
    code: &str,
    party: &Party,
    t: &Trouble,
    verb: &str,
    what: String,
) -> Alert {
    let (diagnostic, label) = sample_of(t);
    let reply = diagnostic
        .as_deref()
        .map(|d| crate::parse::reply_for_display(d.as_bytes()))
        .unwrap_or(b"");
    let whom = our_address_in(reply).unwrap_or_else(|| "us".into());
    let (domain, provider, domains) = party_fields(party, t);
    Alert {
        level,
        code: code.into(),
        message: format!("{} {verb} {whom}{label}: {what}{domains}", party.label()),
        domain,
        provider,
        count: Some(t.count),
        diagnostic,
    }
}

/// A trouble's sample reply for its alert: the diagnostic, and the label
/// that names the refusal, ` (S3150)`: the provider's own code in the reply,
/// else the enhanced status, else nothing.
fn sample_of(t: &Trouble) -> (Option<String>, String) {
    let Some((diagnostic, status)) = &t.sample else {
        return (None, String::new());
    };
    let reply = crate::parse::reply_for_display(diagnostic.as_bytes());
    let label = provider_code_in(reply).or_else(|| status.as_deref().map(String::from));
    let label = label.map(|l| format!(" ({l})")).unwrap_or_default();
    (Some(diagnostic.to_string()), label)
}

/// "Google is rate-limiting us (4.7.28): 312 deferrals (gmail.com)".
pub(super) fn deferral_alert(party: &Party, cause: Deferral, t: &Trouble) -> Alert {
    let (diagnostic, label) = sample_of(t);
    let plural = if t.count == 1 { "deferral" } else { "deferrals" };
    let (domain, provider, domains) = party_fields(party, t);
    Alert {
        level: Level::Info,
        code: format!("deferred-{}", cause.as_str()),
        message: format!(
            "{} {}{label}: {} {plural}{domains}",
            party.label(),
            cause.phrase(),
            t.count
        ),
        domain,
        provider,
        count: Some(t.count),
        diagnostic,
    }
}

/// The first IPv4 address in the remote server's reply: when a provider names
/// an address in a refusal, it is ours.
pub(super) fn our_address_in(reply: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(reply);
    text.split(|c: char| !(c.is_ascii_digit() || c == '.'))
        .find(|tok| {
            let parts: Vec<&str> = tok.split('.').collect();
            parts.len() == 4
                && parts
                    .iter()
                    .all(|p| !p.is_empty() && p.len() <= 3 && p.parse::<u8>().is_ok())
        })
        .map(String::from)
}

/// A provider's own code in the reply, such as `S3150` or `TSS04`, else the
/// enhanced status code (`4.7.28`).
pub(super) fn provider_code_in(reply: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(reply);
    let token = |t: &str| {
        let letters = t.chars().take_while(|c| c.is_ascii_uppercase()).count();
        let digits = t.len() - letters;
        (1..=4).contains(&letters) && digits >= 2 && t[letters..].chars().all(|c| c.is_ascii_digit())
    };
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .find(|t| token(t))
        .map(String::from)
        .or_else(|| crate::classify::codes::find_status(reply).map(|s| s.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_our_address_and_provider_codes() {
        let reply = b"550 5.7.1 Unfortunately, messages from [203.0.113.25] weren't sent. Please contact your Internet service provider since part of their network is on our block list (S3150).";
        assert_eq!(our_address_in(reply).as_deref(), Some("203.0.113.25"));
        assert_eq!(provider_code_in(reply).as_deref(), Some("S3150"));
        assert_eq!(
            provider_code_in(b"421 4.7.0 [TSS04] Messages").as_deref(),
            Some("TSS04")
        );
        assert_eq!(
            provider_code_in(b"421-4.7.28 our system").as_deref(),
            Some("4.7.28")
        );
        assert_eq!(our_address_in(b"no address 1.2.3"), None);
    }
}
