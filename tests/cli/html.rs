//! Issue 8: the HTML report as a browser shows it. Headless Chromium loads
//! the page from disk; the test checks that the chart is in the rendered
//! DOM (one point per day, the rate line, the 2% and 5% lines) and that a
//! screenshot has the chart's colours in it. Without Chromium the test is
//! skipped with a note, unless `CI` is set: there it fails (`.ci/run`
//! installs Chromium).

use crate::util::{bouncectl, run};
use bouncectl::report::html::{CRITICAL_COLOR, RATE_COLOR, WARNING_COLOR};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn chromium() -> Option<PathBuf> {
    [
        "chromium",
        "chromium-browser",
        "google-chrome",
        "google-chrome-stable",
    ]
    .iter()
    .find_map(|name| {
        std::env::split_paths(&std::env::var_os("PATH")?)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    })
}

/// Runs headless Chromium with `args` on `page`, killed after two minutes.
fn headless(browser: &Path, profile: &Path, args: &[String], page: &Path) -> (bool, Vec<u8>, String) {
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--force-device-scale-factor=1",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("chromium starts");
    let started = Instant::now();
    loop {
        if child.try_wait().expect("wait").is_some() {
            break;
        }
        if started.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            panic!("chromium did not finish in two minutes");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let out = child.wait_with_output().expect("output");
    (
        out.status.success(),
        out.stdout,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn rgb(hex: &str) -> [u8; 3] {
    let v = u32::from_str_radix(hex.trim_start_matches('#'), 16).expect("hex colour");
    [(v >> 16) as u8, (v >> 8) as u8, v as u8]
}

#[test]
fn the_html_report_draws_its_chart_in_a_browser() {
    let Some(browser) = chromium() else {
        if std::env::var_os("CI").is_some() {
            panic!("chromium is required when CI is set (apt-get install -y chromium)");
        }
        eprintln!("note: chromium not found (apt-get install chromium); the_html_report_draws_its_chart_in_a_browser skipped");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("report.html");
    let (code, _, err) = run(bouncectl()
        .args(["analyze", "-q", "--format", "html", "--out"])
        .arg(&page)
        .arg("fixtures/postfix/sample.log"));
    assert_eq!(code, 0, "{err}");

    let (ok, dom, err) = headless(
        &browser,
        &dir.path().join("profile"),
        &["--dump-dom".into()],
        &page,
    );
    assert!(ok, "chromium --dump-dom failed: {err}");
    let dom = String::from_utf8_lossy(&dom);
    assert!(
        dom.contains(r#"<svg id="daily-bounce-rate""#),
        "no chart in the DOM:\n{dom}"
    );
    assert!(dom.contains(r#"data-days="1""#));
    assert!(
        dom.contains(r#"<circle class="point" data-day="2026-11-16" data-rate="0.1772""#),
        "{dom}"
    );
    assert!(dom.contains(r#"<polyline id="rate-line""#));
    assert!(dom.contains(r#"<line id="warning-line" class="threshold" data-rate="0.02""#));
    assert!(dom.contains(r#"<line id="critical-line" class="threshold" data-rate="0.05""#));
    // Nothing was fetched: the page has no external reference.
    for attr in ["src=\"http", "href=\"http", "<script", "<link"] {
        assert!(!dom.contains(attr), "{attr} in the page");
    }

    let shot = dir.path().join("shot.png");
    let (ok, _, err) = headless(
        &browser,
        &dir.path().join("profile"),
        &[
            "--window-size=1000,900".into(),
            format!("--screenshot={}", shot.display()),
        ],
        &page,
    );
    assert!(ok && shot.is_file(), "chromium --screenshot failed: {err}");
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&shot).unwrap()));
    let mut reader = decoder.read_info().expect("a PNG");
    let mut buf = vec![0; reader.output_buffer_size().expect("size")];
    let info = reader.next_frame(&mut buf).expect("a frame");
    let channels = info.color_type.samples();
    assert!(channels >= 3, "{:?}", info.color_type);
    let pixels: Vec<[u8; 3]> = buf[..info.buffer_size()]
        .chunks(channels)
        .map(|p| [p[0], p[1], p[2]])
        .collect();
    assert_eq!((info.width, info.height), (1000, 900));
    for (what, hex) in [
        ("rate point", RATE_COLOR),
        ("warning line", WARNING_COLOR),
        ("critical line", CRITICAL_COLOR),
    ] {
        let want = rgb(hex);
        let n = pixels.iter().filter(|p| **p == want).count();
        assert!(
            n >= 20,
            "the {what} ({hex}) is not drawn: {n} pixels of that colour"
        );
    }
    let distinct: std::collections::HashSet<[u8; 3]> = pixels.iter().copied().collect();
    assert!(
        distinct.len() > 50,
        "a blank screenshot ({} colours)",
        distinct.len()
    );
    eprintln!(
        "note: chromium drew the chart ({} colours in the screenshot)",
        distinct.len()
    );
}
