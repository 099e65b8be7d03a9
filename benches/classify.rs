//! Classifier throughput: a realistic mix of bounce and deferral replies as
//! they appear in Postfix/Exim logs and ESP exports, and the 442 labelled
//! texts of `fixtures/classifier/`. Target: >= 1 M typical texts/s per core
//! (<= 1 µs each). Run: `cargo bench --bench classify`.

use bouncectl::classify::{Classifier, Status};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::hint::black_box;

/// Typical remote replies, weighted roughly as a sending log shows them:
/// user unknown and mailbox full dominate, then deferrals and blocks.
const MIX: &[(&str, Option<&str>)] = &[
    ("550-5.1.1 The email account that you tried to reach does not exist. Please try 550-5.1.1 double-checking the recipient's email address for typos or 550-5.1.1 unnecessary spaces. For more information, go to 550 5.1.1  https://support.google.com/mail/?p=NoSuchUser 41be03b00d2f7-b8e0e2a3c5dsi1234567a12.345 - gsmtp", Some("5.1.1")),
    ("550 5.1.1 <jane.doe@example.com>: Recipient address rejected: User unknown in virtual mailbox table", Some("5.1.1")),
    ("550 5.5.0 Requested action not taken: mailbox unavailable (S2017062302) [AM1PEPF000252DC.eurprd07.prod.outlook.com 2026-11-20T08:01:02.123Z 08DD0A1B2C3D4E5F]", Some("5.5.0")),
    ("554 delivery error: dd This user doesn't have a yahoo.com account (john.smith@yahoo.com) [0] - mta1055.mail.ne1.yahoo.com", Some("5.0.0")),
    ("552-5.2.2 The recipient's inbox is out of storage space. Please direct the recipient to 552 5.2.2  https://support.google.com/mail/?p=OverQuotaTemp - gsmtp", Some("5.2.2")),
    ("452 4.2.2 <bob@example.org>: Recipient address rejected: Mailbox full", Some("4.2.2")),
    ("421-4.7.28 [203.0.113.25      15] Gmail has detected an unusual rate of unsolicited mail originating from your IP address. To protect our users from spam, mail sent from your IP address has been temporarily rate limited. - gsmtp", Some("4.7.28")),
    ("421 4.7.0 [TSS04] Messages from 203.0.113.25 temporarily deferred due to unexpected volume or user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes", Some("4.7.0")),
    ("451 4.7.650 The mail server [203.0.113.25] has been temporarily rate limited due to IP reputation. For e-mail delivery information, see https://postmaster.live.com (S775) [DM6NAM12FT001.eop-nam12.prod.protection.outlook.com]", Some("4.7.650")),
    ("550 5.7.1 Unfortunately, messages from [203.0.113.25] weren't sent. Please contact your Internet service provider since part of their network is on our block list (S3150). You can also refer your provider to http://mail.live.com/mail/troubleshooting.aspx#errors.", Some("5.7.1")),
    ("554 5.7.1 Service unavailable; Client host [203.0.113.25] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/203.0.113.25", Some("5.7.1")),
    ("550-5.7.26 This mail is unauthenticated, which poses a security risk to the sender and Gmail users, and has been blocked. The sender must authenticate with at least one of SPF or DKIM. - gsmtp", Some("5.7.26")),
    ("450 4.2.0 <carol@example.net>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/example.net.html", Some("4.2.0")),
    ("connect to mx.example.com[192.0.2.1]:25: Connection timed out", Some("4.4.1")),
    ("connect to mx2.example.com[192.0.2.2]:25: Connection refused", Some("4.4.1")),
    ("Host or domain name not found. Name service error for name=exampel.com type=MX: Host not found, try again", Some("4.4.3")),
    ("Host or domain name not found. Name service error for name=exampel.com type=A: Host not found", Some("5.4.4")),
    ("lost connection with mx.example.org[192.0.2.3] while sending RCPT TO", Some("4.4.2")),
    ("552 5.3.4 Message size exceeds fixed limit", Some("5.3.4")),
    ("550 5.7.606 Access denied, banned sending IP [203.0.113.25]. To request removal from this list please visit https://sender.office.com/ and follow the directions. For more information please go to http://go.microsoft.com/fwlink/?LinkID=526655 AS(1430)", Some("5.7.606")),
    ("SMTP error from remote mail server after RCPT TO:<dave@example.jp>: 550 5.1.1 <dave@example.jp>... User Unknown", None),
    ("550 5.2.1 The email account that you tried to reach is disabled. https://support.google.com/mail/?p=DisabledUser - gsmtp", Some("5.2.1")),
    ("554 5.7.9 Message not accepted for policy reasons. See https://senders.yahooinc.com/error-codes", Some("5.7.9")),
    ("451 4.3.0 Error: queue file write error", Some("4.3.0")),
];

fn mix(c: &mut Criterion) {
    let classifier = Classifier::builtin();
    let texts: Vec<(&[u8], Option<Status>)> = MIX
        .iter()
        .map(|(t, s)| (t.as_bytes(), s.and_then(|s| Status::parse(s.as_bytes()))))
        .collect();
    let mut group = c.benchmark_group("classify");
    group.throughput(Throughput::Elements(texts.len() as u64));
    group.bench_function("typical mix", |b| {
        b.iter(|| {
            for (text, dsn) in &texts {
                black_box(classifier.classify(black_box(text), *dsn));
            }
        })
    });

    let corpus = corpus_texts();
    group.throughput(Throughput::Elements(corpus.len() as u64));
    group.bench_function("sisimai corpus", |b| {
        b.iter(|| {
            for text in &corpus {
                black_box(classifier.classify(black_box(text.as_bytes()), None));
            }
        })
    });

    // Nothing to match: a long line of prose, the worst case for a scanner
    // that gives up late.
    let long = "lorem ipsum dolor sit amet consectetur ".repeat(100);
    group.throughput(Throughput::Elements(1));
    group.bench_function("4 KB text without a rule", |b| {
        b.iter(|| black_box(classifier.classify(black_box(long.as_bytes()), None)))
    });
    group.finish();

    c.bench_function("compile built-in rules", |b| {
        b.iter(|| {
            let file = bouncectl::classify::rules::builtin_table().expect("built-in rules parse");
            black_box(Classifier::compile(vec![("built-in".into(), file)]).expect("compile"))
        })
    });
}

/// The diagnostics of `fixtures/classifier/sisimai-labels.tsv`, whitespace
/// collapsed as the accuracy test feeds them.
fn corpus_texts() -> Vec<String> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/classifier/sisimai-labels.tsv"
    );
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b'\t')
        .from_path(path)
        .expect("fixtures/classifier/sisimai-labels.tsv");
    reader
        .records()
        .filter_map(Result::ok)
        .filter_map(|r| {
            r.get(5)
                .map(|d| d.split_whitespace().collect::<Vec<_>>().join(" "))
        })
        .collect()
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).measurement_time(std::time::Duration::from_secs(4));
    targets = mix
}
criterion_main!(benches);
