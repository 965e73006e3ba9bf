//! report.html as a browser renders it: headless Chromium loads the page from disk, and the
//! rendered DOM must hold the four plots with their marks, and the screenshot must show a
//! real page. Skips, saying so, where no Chromium is installed.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Chromium on PATH under one of its usual names, or Debian's /usr/bin/chromium.
fn find_chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    for name in ["chromium", "chromium-browser", "google-chrome"] {
        for dir in std::env::split_paths(&path) {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Some(candidate);
            }
        }
    }
    Some(PathBuf::from("/usr/bin/chromium")).filter(|p| p.is_file())
}

/// Runs headless Chromium on `page` with `extra` flags and a fresh profile, killing it after
/// 60 s.
fn chromium(bin: &Path, page: &Path, work: &Path, extra: &[String]) -> Output {
    let profile = tempfile::tempdir_in(work).expect("profile dir");
    let mut child = Command::new(bin)
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
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("--window-size=1200,2400")
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start chromium");
    // Read the pipes on their own threads so a chatty browser cannot block on a full pipe.
    let mut stdout = child.stdout.take().expect("stdout");
    let mut stderr = child.stderr.take().expect("stderr");
    let out = std::thread::spawn(move || {
        let mut v = Vec::new();
        std::io::Read::read_to_end(&mut stdout, &mut v).ok();
        v
    });
    let err = std::thread::spawn(move || {
        let mut v = Vec::new();
        std::io::Read::read_to_end(&mut stderr, &mut v).ok();
        v
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for chromium") {
            break status;
        }
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish within 60 s ({extra:?})");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    Output {
        status,
        stdout: out.join().expect("stdout reader"),
        stderr: err.join().expect("stderr reader"),
    }
}

/// Asserts that the rendered DOM holds an `<svg>` of `class` with a `<title>` and at least
/// `least` elements of the kinds `marks` (e.g. `"<path"`).
fn assert_plot(dom: &str, class: &str, marks: &[&str], least: usize) {
    let svg = svg_with_class(dom, class)
        .unwrap_or_else(|| panic!("no <svg class=\"… {class}\"> in the rendered DOM"));
    assert!(svg.contains("<title"), "{class} has no <title>");
    let n: usize = marks.iter().map(|m| svg.matches(m).count()).sum();
    assert!(
        n >= least,
        "{class} holds only {n} of {marks:?}, fewer than {least}"
    );
}

/// The page's DOM as headless Chromium renders it (`--dump-dom`), which must succeed.
fn dump_dom(bin: &Path, page: &Path, work: &Path) -> String {
    let dump = chromium(bin, page, work, &["--dump-dom".to_string()]);
    assert!(
        dump.status.success(),
        "chromium --dump-dom failed: {}",
        String::from_utf8_lossy(&dump.stderr)
    );
    String::from_utf8_lossy(&dump.stdout).into_owned()
}

/// The text of the `<svg …>` element whose class list holds `class`.
fn svg_with_class<'a>(dom: &'a str, class: &str) -> Option<&'a str> {
    dom.match_indices("<svg").find_map(|(at, _)| {
        let tag_end = at + dom[at..].find('>')?;
        if !dom[at..tag_end].contains(class) {
            return None;
        }
        let end = at + dom[at..].find("</svg>")?;
        Some(&dom[at..end])
    })
}

#[test]
fn report_html_renders_in_chromium() {
    let Some(bin) = find_chromium() else {
        eprintln!("skipped: no Chromium found (install Debian's chromium package)");
        return;
    };
    // A report as `evaluate` writes it, with the per-category table.
    let w = crate::workdir::Workdir::new();
    w.demo_csv("d.csv", 1500, 11);
    w.ok(&[
        "evaluate",
        "d.csv",
        "--folds",
        "3",
        "--group-by",
        "author",
        "--category-col",
        "category",
        "--report",
        "rep",
        "-q",
    ]);
    let work = w.dir();
    let page = w.path("rep/report.html");
    let png = w.path("report.png");

    let shot = chromium(
        &bin,
        &page,
        work,
        &[format!("--screenshot={}", png.display())],
    );
    assert!(
        shot.status.success(),
        "chromium --screenshot failed: {}\n{}",
        shot.status,
        String::from_utf8_lossy(&shot.stderr)
    );
    let size = std::fs::metadata(&png).map(|m| m.len()).unwrap_or(0);
    assert!(
        size > 20_000,
        "screenshot {} is only {size} bytes",
        png.display()
    );
    // Keep a copy to look at when asked.
    if let Some(dir) = std::env::var_os("TROLLWATCH_SCREENSHOT_DIR") {
        let keep = Path::new(&dir).join("report.png");
        std::fs::copy(&png, &keep).expect("copy screenshot");
        eprintln!("screenshot: {}", keep.display());
    }

    let dom = dump_dom(&bin, &page, work);
    for class in ["plot-roc", "plot-pr", "plot-calibration", "plot-histogram"] {
        assert_plot(&dom, class, &["<path", "<polyline", "<circle", "<rect"], 3);
    }
    assert!(
        dom.contains("Where it fails"),
        "the per-category table is missing"
    );
}

#[test]
fn multiclass_report_html_renders_its_heat_map_in_chromium() {
    let Some(bin) = find_chromium() else {
        eprintln!("skipped: no Chromium found (install Debian's chromium package)");
        return;
    };
    let w = crate::workdir::Workdir::new();
    w.demo_csv("d.csv", 1500, 11);
    w.ok(&[
        "evaluate",
        "d.csv",
        "--label-col",
        "category",
        "--folds",
        "3",
        "--report",
        "rep",
        "-q",
    ]);
    let page = w.path("rep/report.html");
    let dom = dump_dom(&bin, &page, w.dir());
    let svg = svg_with_class(&dom, "heatmap").expect("no heat map <svg> in the rendered DOM");
    assert_eq!(svg.matches("<rect").count(), 36, "6 × 6 cells");
    assert_eq!(svg.matches("<title").count(), 36);
    assert!(dom.contains("Per class") && dom.contains("Majority-class guess"));
    let png = w.path("report.png");
    let shot = chromium(
        &bin,
        &page,
        w.dir(),
        &[format!("--screenshot={}", png.display())],
    );
    assert!(shot.status.success());
    let size = std::fs::metadata(&png).map(|m| m.len()).unwrap_or(0);
    assert!(size > 20_000, "screenshot is only {size} bytes");
}

#[test]
fn coordination_report_renders_in_chromium() {
    let Some(bin) = find_chromium() else {
        eprintln!("skipped: no Chromium found (install Debian's chromium package)");
        return;
    };
    let w = crate::workdir::Workdir::new();
    w.demo_csv("demo.csv", 3000, 42);
    w.ok(&["coordination", "demo.csv", "--report", "rep", "-q"]);
    let page = w.path("rep/report.html");
    let dom = dump_dom(&bin, &page, w.dir());
    // The weights plot: an axis and at least one bar (the demo's edges may all weigh 1).
    for (class, least) in [
        ("overview", 3),
        ("timeline", 3),
        ("ties", 3),
        ("weights", 2),
    ] {
        assert_plot(&dom, class, &["<path", "<line", "<circle", "<rect"], least);
    }
    for heading in [
        "How the largest communities connect",
        "Community 1:",
        "Edge weights",
        "Settings and what they did",
    ] {
        assert!(dom.contains(heading), "no {heading:?} in the page");
    }
}
