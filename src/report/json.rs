//! `--format json`: the `bouncectl.report/v1` document of DESIGN.md §4, pretty
//! printed, one object. Field by field:
//!
//! - `schema`: always `"bouncectl.report/v1"`.
//! - `inputs[]`: `path`, detected `format`, `lines` read, `events` (lines that
//!   carried a delivery fact), `skipped` lines and `skipped_by` reason
//!   (`other_program`, `unknown_form`, `unrecognized`, and `invalid_address`
//!   when there were records whose recipient is not an address: not UTF-8, a
//!   control character, longer than RFC 5321 allows; never suppressed),
//!   `error` if it could not be read to the end.
//! - `period.first` / `period.last`: RFC 3339 UTC times of the first and last
//!   event, `null` without events.
//! - `deliveries`: `total` (= delivered + hard + soft + block + pending),
//!   `deferred_then_delivered`, `deferral_attempts` (deferral lines),
//!   `undecided` (bounces decided by a bare reply code or nothing: no phrase
//!   and no known enhanced status; never hard).
//! - `excluded`: deliveries left out of every count above: `local` (mailboxes,
//!   pipes, content-filter hops) and `notifications` (null sender).
//! - `rates`: fractions of 1 over final deliveries (delivered + hard + soft +
//!   block); `deferral` is over all deliveries. Rounded to 4 decimals.
//! - `status`: bounce-rate band, `healthy` / `warning` / `critical`, against
//!   `thresholds.warning` / `thresholds.critical`.
//! - `by_domain[]`, `by_day[]`: `key`, `total`, `delivered`, `hard`, `soft`,
//!   `block`, `pending`, `bounce_rate`; sorted by total (then key), by day by
//!   date; `--top N` limits `by_domain`.
//! - `by_provider[]`, `by_relay[]`, `by_sender[]`, `by_source[]`: the same
//!   rows by mailbox provider (the rest in one `other` row, last), relay host
//!   (`(none)` without one), envelope sender (`<>` for the null sender,
//!   `(unknown)` when the log did not say) and `--sources` list or batch
//!   (`(not in sources)`); present only when `--by` asks for them; `--top N`
//!   limits each.
//! - `last_delivery`: RFC 3339 UTC time of the last successful delivery, or
//!   `null`.
//! - `by_reason[]`: `key` (a reason), `class`, `count` of bounced deliveries,
//!   `rules[]` (`rule` id, `count`): the rules that decided them, most first.
//! - `suppression`: `total`, `new`, `at_risk` (1..N-1 consecutive soft
//!   bounces), `violations` (deliveries after suppression), `contradicted`
//!   (addresses suppressed for a hard bounce that accepted mail later in the
//!   data read) with `contradicted_by_rule[]` (`rule`, `count`), `by_cause`
//!   (`hard`, `soft` — N soft bounces in a row —, `complaint`, `unsubscribe`,
//!   `esp` — the ESP had suppressed the address already).
//! - `alerts[]`: `level` (`info`, `warning`, `critical`), `code`
//!   (`bounce-rate`, `hard-rate`, `soft-rate`, `block-rate`, `sender-block`,
//!   `deferred-<cause>` such as `deferred-rate-limit`, `no-deliveries`,
//!   `provider-rate` and `domain-rate` — a provider's or a domain's own bounce
//!   rate, from `--min-volume` final deliveries —, `inactivity`), `message`,
//!   and where it applies `domain`, `provider` (the mailbox provider a block
//!   or deferral alert is about, e.g. `Microsoft`; `domain` is then set when
//!   one domain was concerned), `count`, `diagnostic`.
//! - `hard_status`: hard-rate band (`healthy`, `caution`, `throttling`,
//!   `emergency`); `deferrals[]`: deferral attempts by reason;
//!   `deferral_causes[]`: deferral attempts by cause (`rate-limit`,
//!   `greylisting`, `connections`, `timeout`, `refused`, `dns`, `tls`, `other`).
//! - `esp` (only when an input is an ESP export or CSV list):
//!   `already_suppressed` (sends the ESP refused because it had suppressed
//!   the address before: not bounces, not in the rates) and
//!   `already_suppressed_by` (`bounce`, `complaint`, `unsubscribe`, `other`);
//!   `complaints`, `unsubscribes`, `complaint_rate` (complaints over final
//!   deliveries) and `complaint_status` (`healthy` < 0.1% ≤ `warning` < 0.3%
//!   ≤ `critical`); `classifier_disagreements`, bounces whose ESP label
//!   (hard/soft/block) differs from our class, and `disagreements[]` by
//!   pair (`esp`, `ours`, `count`).
//! - For documents (ESP exports), `inputs[].lines` counts the file's lines
//!   and `skipped` counts records (a record may span lines; its first line
//!   is the one named in warnings). Alert code `complaint-rate` joins the
//!   list above.

use super::{Render, Report};

pub struct Json;

impl Render for Json {
    fn render(&self, report: &Report) -> Vec<u8> {
        let mut out = serde_json::to_vec_pretty(report).unwrap_or_default();
        out.push(b'\n');
        out
    }
}
