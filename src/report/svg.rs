//! The plots of report.html (ROC, precision–recall, calibration, score histogram, …),
//! drawn by hand as inline SVG.

use super::{class_names, clip, count, esc, num, percent, ratio, summary, EvalReport};
use super::{BLUE, GREY, INK, SKY, VERMILLION};
use crate::learn::metrics::{ScoreHistogram, ThresholdAdvice};
use crate::pipeline::tune::{Setting, SettingResult, TuneReport};

const W: f64 = 560.0;
const H: f64 = 440.0;

/// The plotting area inside the picture and the data ranges it shows.
struct Frame {
    left: f64,
    top: f64,
    width: f64,
    height: f64,
    x: (f64, f64),
    y: (f64, f64),
}

impl Frame {
    fn new(x: (f64, f64), y: (f64, f64)) -> Frame {
        let (left, top, right, bottom) = (62.0, 72.0, 20.0, 54.0);
        Frame {
            left,
            top,
            width: W - left - right,
            height: H - top - bottom,
            x,
            y,
        }
    }

    fn unit() -> Frame {
        Frame::new((0.0, 1.0), (0.0, 1.0))
    }

    fn px(&self, v: f64) -> f64 {
        self.left + ((v - self.x.0) / (self.x.1 - self.x.0)).clamp(0.0, 1.0) * self.width
    }

    fn py(&self, v: f64) -> f64 {
        self.top + self.height
            - ((v - self.y.0) / (self.y.1 - self.y.0)).clamp(0.0, 1.0) * self.height
    }

    fn bottom(&self) -> f64 {
        self.top + self.height
    }

    fn right(&self) -> f64 {
        self.left + self.width
    }

    /// Path data through the points; a point that is not finite lifts the pen.
    fn path(&self, points: impl IntoIterator<Item = (f64, f64)>) -> String {
        let mut d = String::new();
        let mut down = false;
        for (x, y) in points {
            if !(x.is_finite() && y.is_finite()) {
                down = false;
                continue;
            }
            d.push_str(&format!(
                "{}{:.1},{:.1}",
                if down { "L" } else { "M" },
                self.px(x),
                self.py(y)
            ));
            down = true;
        }
        d
    }
}

enum Key {
    Line {
        color: &'static str,
        width: f64,
        dash: &'static str,
        opacity: f64,
    },
    Swatch(&'static str),
    Dot(&'static str),
}

fn open(o: &mut String, class: &str, heading: &str, desc: &str) {
    o.push_str(&format!(
        "<svg class=\"plot {class}\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {W} {H}\" role=\"img\" \
         aria-labelledby=\"{class}-title {class}-desc\">\n<title id=\"{class}-title\">{}</title>\n\
         <desc id=\"{class}-desc\">{}</desc>\n<rect x=\"0\" y=\"0\" width=\"{W}\" height=\"{H}\" fill=\"#fff\"/>\n\
         <text class=\"plot-heading\" x=\"62\" y=\"22\">{}</text>\n",
        esc(heading),
        esc(desc),
        esc(heading)
    ));
}

fn legend(o: &mut String, f: &Frame, items: &[(Key, String)]) {
    let y = 46.0;
    let mut x = f.left;
    for (key, label) in items {
        match key {
            Key::Line { color, width, dash, opacity } => o.push_str(&format!(
                "<line x1=\"{x:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"{color}\" stroke-width=\"{width}\" \
                 stroke-opacity=\"{opacity}\" stroke-dasharray=\"{dash}\"/>",
                y - 4.0,
                x + 22.0,
                y - 4.0
            )),
            Key::Swatch(color) => o.push_str(&format!(
                "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"16\" height=\"11\" rx=\"2\" fill=\"{color}\"/>",
                x + 3.0,
                y - 10.0
            )),
            Key::Dot(color) => o.push_str(&format!(
                "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"5\" fill=\"{color}\"/>",
                x + 11.0,
                y - 4.0
            )),
        }
        o.push_str(&format!(
            "<text class=\"legend\" x=\"{:.1}\" y=\"{y:.1}\">{}</text>\n",
            x + 28.0,
            esc(label)
        ));
        x += 28.0 + 6.3 * label.chars().count() as f64 + 18.0;
    }
}

/// Grid, axes, tick labels and axis titles.
fn axes(
    o: &mut String,
    f: &Frame,
    xticks: &[(f64, String)],
    yticks: &[(f64, String)],
    xlabel: &str,
    ylabel: &str,
) {
    o.push_str(&format!(
        "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"#fcfcfd\"/>\n",
        f.left, f.top, f.width, f.height
    ));
    for (v, label) in xticks {
        let x = f.px(*v);
        o.push_str(&format!(
            "<line class=\"gridline\" x1=\"{x:.1}\" y1=\"{:.1}\" x2=\"{x:.1}\" y2=\"{:.1}\"/>\
             <line class=\"axis\" x1=\"{x:.1}\" y1=\"{:.1}\" x2=\"{x:.1}\" y2=\"{:.1}\"/>\
             <text class=\"tick\" x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{label}</text>\n",
            f.top,
            f.bottom(),
            f.bottom(),
            f.bottom() + 5.0,
            f.bottom() + 18.0
        ));
    }
    for (v, label) in yticks {
        let y = f.py(*v);
        o.push_str(&format!(
            "<line class=\"gridline\" x1=\"{:.1}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\"/>\
             <line class=\"axis\" x1=\"{:.1}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\"/>\
             <text class=\"tick\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{label}</text>\n",
            f.left,
            f.right(),
            f.left - 5.0,
            f.left,
            f.left - 8.0,
            y + 4.0
        ));
    }
    o.push_str(&format!(
        "<path class=\"axis\" d=\"M{:.1},{:.1}V{:.1}H{:.1}\"/>\n\
         <text class=\"axis-label\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>\n\
         <text class=\"axis-label\" transform=\"translate(16 {:.1}) rotate(-90)\" text-anchor=\"middle\">{}</text>\n",
        f.left,
        f.top,
        f.bottom(),
        f.right(),
        f.left + f.width / 2.0,
        f.bottom() + 40.0,
        esc(xlabel),
        f.top + f.height / 2.0,
        esc(ylabel)
    ));
}

fn ticks01() -> Vec<(f64, String)> {
    (0..=5)
        .map(|i| (i as f64 / 5.0, num(i as f64 / 5.0, 1)))
        .collect()
}

/// A round top and step for an axis from 0 to at least `max`, about five steps.
pub(super) fn nice(max: f64) -> (f64, f64) {
    if !(max.is_finite() && max > 0.0) {
        return (1.0, 0.2);
    }
    let raw = max / 5.0;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|&s| s >= raw)
        .unwrap_or(10.0 * mag);
    ((max / step - 1e-9).ceil().max(1.0) * step, step)
}

fn diagonal(o: &mut String, f: &Frame) {
    o.push_str(&format!(
        "<path d=\"{}\" fill=\"none\" stroke=\"{GREY}\" stroke-width=\"1.2\" stroke-dasharray=\"5 4\"/>\n",
        f.path([(0.0, 0.0), (1.0, 1.0)])
    ));
}

fn empty(o: &mut String, f: &Frame, why: &str) {
    o.push_str(&format!(
        "<text class=\"empty\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>\n",
        f.left + f.width / 2.0,
        f.top + f.height / 2.0,
        esc(why)
    ));
}

fn fold_line(n: usize) -> (Key, String) {
    (
        Key::Line {
            color: SKY,
            width: 1.6,
            dash: "none",
            opacity: 0.85,
        },
        format!("each fold ({n})"),
    )
}

/// Each fold's ROC curve, their mean, and the diagonal of chance.
pub(super) fn roc(r: &EvalReport) -> String {
    let auc = summary(r, "roc_auc");
    let heading = match auc {
        Some(s) if s.mean.is_finite() => {
            format!("ROC curves · AUC {} ± {}", num(s.mean, 3), num(s.sd, 3))
        }
        _ => "ROC curves".to_string(),
    };
    let [neg, pos] = class_names(&r.data.labels()).map(|n| clip(&n, 22));
    let f = Frame::unit();
    let curves: Vec<_> = r
        .folds
        .iter()
        .filter(|fo| !fo.curves().roc.is_empty())
        .collect();
    let mut o = String::new();
    open(
        &mut o,
        "plot-roc",
        &heading,
        &format!(
            "True positive rate against false positive rate for each of {} folds, their mean, \
             and the diagonal of chance.",
            curves.len()
        ),
    );
    legend(
        &mut o,
        &f,
        &[
            fold_line(curves.len()),
            (
                Key::Line {
                    color: BLUE,
                    width: 3.0,
                    dash: "none",
                    opacity: 1.0,
                },
                "mean ROC".into(),
            ),
            (
                Key::Line {
                    color: GREY,
                    width: 1.2,
                    dash: "5 4",
                    opacity: 1.0,
                },
                "chance".into(),
            ),
        ],
    );
    axes(
        &mut o,
        &f,
        &ticks01(),
        &ticks01(),
        &format!("false positive rate (share of {neg} flagged)"),
        &format!("true positive rate (share of {pos} caught)"),
    );
    diagonal(&mut o, &f);
    for fo in &curves {
        let d = f.path(fo.curves().roc.iter().map(|p| (p.fpr, p.tpr)));
        if !d.is_empty() {
            let auc = fo.two().map_or(f64::NAN, |m| m.roc_auc);
            o.push_str(&format!(
                "<path d=\"{d}\" fill=\"none\" stroke=\"{SKY}\" stroke-width=\"1.6\" stroke-opacity=\"0.85\" \
                 stroke-linejoin=\"round\"><title>fold {}: AUC {}</title></path>\n",
                super::fold_label(fo, r.options.repeats),
                num(auc, 3)
            ));
        }
    }
    let d = f.path(r.mean_roc().iter().map(|p| (p.fpr, p.tpr)));
    if !d.is_empty() {
        o.push_str(&format!(
            "<path d=\"{d}\" fill=\"none\" stroke=\"{BLUE}\" stroke-width=\"3\" \
             stroke-linejoin=\"round\"><title>mean ROC</title></path>\n"
        ));
    }
    if curves.is_empty() && r.mean_roc().is_empty() {
        empty(&mut o, &f, "no fold held both classes");
    }
    o.push_str("</svg>\n");
    o
}

/// Each fold's precision–recall curve, the base rate, and the pooled best-F1 point.
pub(super) fn pr(r: &EvalReport) -> String {
    let heading = match summary(r, "pr_auc") {
        Some(s) if s.mean.is_finite() => {
            format!(
                "Precision–recall · PR-AUC {} ± {}",
                num(s.mean, 3),
                num(s.sd, 3)
            )
        }
        _ => "Precision–recall".to_string(),
    };
    let [_, pos] = class_names(&r.data.labels()).map(|n| clip(&n, 22));
    let base = ratio(r.data.positives(), r.data.rows);
    let f = Frame::unit();
    let curves: Vec<_> = r
        .folds
        .iter()
        .filter(|fo| !fo.curves().pr.is_empty())
        .collect();
    let mut o = String::new();
    open(
        &mut o,
        "plot-pr",
        &heading,
        &format!(
            "Precision against recall for each of {} folds, with the positive base rate {} as \
             a dashed line.",
            curves.len(),
            num(base, 3)
        ),
    );
    let best = r.pooled_two().as_ref().map(|p| &p.advice);
    let mut keys = vec![
        fold_line(curves.len()),
        (
            Key::Line {
                color: VERMILLION,
                width: 1.6,
                dash: "6 4",
                opacity: 1.0,
            },
            "base rate".to_string(),
        ),
    ];
    if best.is_some() {
        keys.push((Key::Dot(INK), "best F1 (pooled)".into()));
    }
    legend(&mut o, &f, &keys);
    axes(
        &mut o,
        &f,
        &ticks01(),
        &ticks01(),
        &format!("recall (share of {pos} caught)"),
        "precision (share of flagged that are right)",
    );
    base_rate_line(&mut o, &f, base);
    for fo in &curves {
        let d = f.path(fo.curves().pr.iter().map(|p| (p.recall, p.precision)));
        if !d.is_empty() {
            let ap = fo.two().map_or(f64::NAN, |m| m.pr_auc);
            o.push_str(&format!(
                "<path d=\"{d}\" fill=\"none\" stroke=\"{SKY}\" stroke-width=\"1.6\" stroke-opacity=\"0.85\" \
                 stroke-linejoin=\"round\"><title>fold {}: PR-AUC {}</title></path>\n",
                super::fold_label(fo, r.options.repeats),
                num(ap, 3)
            ));
        }
    }
    if let Some(a) = best {
        best_f1_marker(&mut o, &f, a);
    }
    if curves.is_empty() {
        empty(&mut o, &f, "no fold held both classes");
    }
    o.push_str("</svg>\n");
    o
}

/// The precision–recall plot's dashed line at the base rate, labelled; none when the rate is
/// not a number.
fn base_rate_line(o: &mut String, f: &Frame, base: f64) {
    if !base.is_finite() {
        return;
    }
    let y = f.py(base);
    o.push_str(&format!(
        "<path d=\"{}\" fill=\"none\" stroke=\"{VERMILLION}\" stroke-width=\"1.6\" stroke-dasharray=\"6 4\"/>\n\
         <text class=\"annot\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"{VERMILLION}\">base rate {}</text>\n",
        f.path([(0.0, base), (1.0, base)]),
        f.right() - 6.0,
        if base > 0.9 { y + 16.0 } else { y - 6.0 },
        num(base, 3)
    ));
}

/// The pooled best-F1 point on the precision–recall plot, labelled on the side with room.
fn best_f1_marker(o: &mut String, f: &Frame, a: &ThresholdAdvice) {
    if a.best_f1_recall.is_finite() && a.best_f1_precision.is_finite() {
        let (x, y) = (f.px(a.best_f1_recall), f.py(a.best_f1_precision));
        let right = x > f.left + 0.7 * f.width;
        o.push_str(&format!(
            "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"5\" fill=\"{INK}\" stroke=\"#fff\" stroke-width=\"1.5\">\
             <title>best F1 {} at threshold {}</title></circle>\n\
             <text class=\"annot\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"{}\" fill=\"{INK}\">F1 {} at {}</text>\n",
            num(a.best_f1, 3),
            num(a.best_f1_threshold, 3),
            if right { x - 9.0 } else { x + 9.0 },
            y + 16.0,
            if right { "end" } else { "start" },
            num(a.best_f1, 3),
            num(a.best_f1_threshold, 2)
        ));
    }
}

/// The pooled calibration bins against the diagonal, point area by posts.
pub(super) fn calibration(r: &EvalReport) -> String {
    let [_, pos] = class_names(&r.data.labels()).map(|n| clip(&n, 22));
    let f = Frame::unit();
    let mut o = String::new();
    let heading = match &r.pooled_two() {
        Some(p) => format!("Calibration · Brier {}", num(p.metrics.brier, 3)),
        None => "Calibration".to_string(),
    };
    let bins: Vec<_> = r
        .pooled_two()
        .iter()
        .flat_map(|p| &p.calibration)
        .filter(|b| b.count > 0 && b.mean_predicted.is_finite() && b.observed_rate.is_finite())
        .collect();
    open(
        &mut o,
        "plot-calibration",
        &heading,
        &format!(
            "Observed share of {pos} against mean predicted probability in {} bins of pooled \
             out-of-fold scores; point area shows the number of posts.",
            bins.len()
        ),
    );
    legend(
        &mut o,
        &f,
        &[
            (Key::Dot(BLUE), "bin (area ∝ posts, label = count)".into()),
            (
                Key::Line {
                    color: GREY,
                    width: 1.2,
                    dash: "5 4",
                    opacity: 1.0,
                },
                "perfectly calibrated".into(),
            ),
        ],
    );
    axes(
        &mut o,
        &f,
        &ticks01(),
        &ticks01(),
        "mean predicted probability in bin",
        &format!("observed share of {pos}"),
    );
    diagonal(&mut o, &f);
    if bins.is_empty() {
        empty(&mut o, &f, "no pooled predictions");
    } else {
        let most = bins.iter().map(|b| b.count).max().unwrap_or(1).max(1) as f64;
        o.push_str(&format!(
            "<path d=\"{}\" fill=\"none\" stroke=\"{BLUE}\" stroke-width=\"1.5\" stroke-opacity=\"0.6\"/>\n",
            f.path(bins.iter().map(|b| (b.mean_predicted, b.observed_rate)))
        ));
        for b in &bins {
            let (x, y) = (f.px(b.mean_predicted), f.py(b.observed_rate));
            let radius = 3.5 + 9.5 * (b.count as f64 / most).sqrt();
            let label_y = if y - radius - 5.0 < f.top + 10.0 {
                y + radius + 13.0
            } else {
                y - radius - 5.0
            };
            o.push_str(&format!(
                "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"{radius:.1}\" fill=\"{BLUE}\" \
                 fill-opacity=\"0.75\" stroke=\"#fff\" stroke-width=\"1.2\">\
                 <title>{}–{}: {} posts, mean predicted {}, observed {}</title></circle>\n\
                 <text class=\"count\" x=\"{x:.1}\" y=\"{label_y:.1}\" text-anchor=\"middle\">{}</text>\n",
                num(b.lo, 2),
                num(b.hi, 2),
                count(b.count),
                num(b.mean_predicted, 3),
                num(b.observed_rate, 3),
                count(b.count)
            ));
        }
    }
    o.push_str("</svg>\n");
    o
}

/// A metric of the grid against C (log axis), one line per series of the other settings.
pub(super) fn tune(t: &TuneReport, what: &str, value: fn(&SettingResult) -> Option<f64>) -> String {
    let ((xlo, xhi), (ylo, yhi)) = tune_ranges(t, value);
    let f = Frame::new((xlo - 0.2, xhi + 0.2), (ylo, yhi));
    let mut o = String::new();
    open(
        &mut o,
        "plot-tune",
        &format!("{what} against C"),
        &format!("{what} of each setting against C on a log axis, one line per series."),
    );
    let mut series: Vec<String> = Vec::new();
    for r in &t.results {
        let key = series_key(&r.setting);
        if !series.contains(&key) {
            series.push(key);
        }
    }
    legend(
        &mut o,
        &f,
        &series
            .iter()
            .take(4)
            .enumerate()
            .map(|(i, k)| (Key::Dot(SERIES_COLORS[i % 4]), k.clone()))
            .collect::<Vec<_>>(),
    );
    let xticks: Vec<(f64, String)> = (xlo.floor() as i64..=xhi.ceil() as i64)
        .map(|e| (e as f64, format!("1e{e}")))
        .collect();
    let step = (yhi - ylo) / 5.0;
    let yticks: Vec<(f64, String)> = (0..=5)
        .map(|i| (ylo + step * i as f64, num(ylo + step * i as f64, 3)))
        .collect();
    axes(&mut o, &f, &xticks, &yticks, "C (log scale)", what);
    for (si, key) in series.iter().enumerate() {
        tune_series(&mut o, &f, t, key, SERIES_COLORS[si % 4], value);
    }
    o.push_str("</svg>\n");
    o
}

/// Colours of the tuning plot's series, in order.
const SERIES_COLORS: [&str; 4] = [BLUE, VERMILLION, SKY, INK];

/// The tuning plot's ranges: log10 of C, and the metric padded by a tenth of its spread
/// (within 0 and 1); a single C or no finite metric falls back to a fixed range.
fn tune_ranges(
    t: &TuneReport,
    value: fn(&SettingResult) -> Option<f64>,
) -> ((f64, f64), (f64, f64)) {
    let (mut xlo, mut xhi) = (f64::INFINITY, f64::NEG_INFINITY);
    let (mut ylo, mut yhi) = (f64::INFINITY, f64::NEG_INFINITY);
    for r in &t.results {
        xlo = xlo.min(r.setting.c.log10());
        xhi = xhi.max(r.setting.c.log10());
        if let Some(v) = value(r).filter(|v| v.is_finite()) {
            ylo = ylo.min(v);
            yhi = yhi.max(v);
        }
    }
    if !(xlo.is_finite() && xhi > xlo) {
        xlo -= 1.0;
        xhi = xlo + 2.0;
    }
    if !(ylo.is_finite() && yhi.is_finite()) {
        (ylo, yhi) = (0.0, 1.0);
    }
    let pad = ((yhi - ylo) * 0.1).max(0.005);
    ((xlo, xhi), ((ylo - pad).max(0.0), (yhi + pad).min(1.0)))
}

/// The series a setting belongs to: everything but C.
fn series_key(s: &Setting) -> String {
    format!(
        "{}-{} · {} · {}",
        s.ngrams.0,
        s.ngrams.1,
        s.max_features
            .map_or("no cap".into(), |n| format!("cap {n}")),
        s.class_weight.name()
    )
}

/// One series of the tuning plot: its line over C, a point per setting, and a ring around
/// the chosen one.
fn tune_series(
    o: &mut String,
    f: &Frame,
    t: &TuneReport,
    key: &str,
    color: &str,
    value: fn(&SettingResult) -> Option<f64>,
) {
    let pts: Vec<(usize, &SettingResult)> = t
        .results
        .iter()
        .enumerate()
        .filter(|(_, r)| key == series_key(&r.setting))
        .collect();
    let mut line: Vec<(f64, f64)> = pts
        .iter()
        .map(|(_, r)| (r.setting.c.log10(), value(r).unwrap_or(f64::NAN)))
        .collect();
    line.sort_by(|a, b| a.0.total_cmp(&b.0));
    o.push_str(&format!(
        "<path d=\"{}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"1.8\"/>\n",
        f.path(line.iter().copied())
    ));
    for (i, r) in pts {
        let Some(v) = value(r).filter(|v| v.is_finite()) else {
            continue;
        };
        let (x, y) = (f.px(r.setting.c.log10()), f.py(v));
        o.push_str(&format!(
            "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"3.5\" fill=\"{color}\"><title>{}: {}</title></circle>\n",
            esc(&r.setting.describe()),
            num(v, 4)
        ));
        if t.best == Some(i) {
            o.push_str(&format!(
                "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"8\" fill=\"none\" stroke=\"{INK}\" stroke-width=\"1.5\"/>\n"
            ));
        }
    }
}

/// Reliability diagram of out-of-fold scores before and after calibration.
pub(super) fn reliability(c: &crate::learn::heldout::CalibrationCheck, pos: &str) -> String {
    let pos = clip(pos, 22);
    let f = Frame::unit();
    let mut o = String::new();
    open(
        &mut o,
        "plot-reliability",
        &format!(
            "Reliability · Brier {} → {}",
            num(c.before.brier, 3),
            num(c.after.brier, 3)
        ),
        &format!(
            "Observed share of {pos} against mean predicted probability in bins of \
             out-of-fold scores, before and after calibration."
        ),
    );
    legend(
        &mut o,
        &f,
        &[
            (Key::Dot(VERMILLION), "before".into()),
            (Key::Dot(BLUE), "after".into()),
        ],
    );
    axes(
        &mut o,
        &f,
        &ticks01(),
        &ticks01(),
        "mean predicted probability in bin",
        &format!("observed share of {pos}"),
    );
    diagonal(&mut o, &f);
    for (bins, color) in [(&c.before.bins, VERMILLION), (&c.after.bins, BLUE)] {
        let pts: Vec<_> = bins
            .iter()
            .filter(|b| b.count > 0 && b.mean_predicted.is_finite() && b.observed_rate.is_finite())
            .collect();
        if pts.is_empty() {
            continue;
        }
        o.push_str(&format!(
            "<path d=\"{}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"1.5\"/>\n",
            f.path(pts.iter().map(|b| (b.mean_predicted, b.observed_rate)))
        ));
        for b in pts {
            o.push_str(&format!(
                "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3.5\" fill=\"{color}\"><title>{} posts, \
                 mean predicted {}, observed {}</title></circle>\n",
                f.px(b.mean_predicted),
                f.py(b.observed_rate),
                count(b.count),
                num(b.mean_predicted, 3),
                num(b.observed_rate, 3)
            ));
        }
    }
    o.push_str("</svg>\n");
    o
}

/// Score histograms of the two classes, each bin as a share of its class, with the decision
/// and best-F1 thresholds marked.
pub(super) fn histogram(r: &EvalReport) -> String {
    let [neg, pos] = class_names(&r.data.labels()).map(|n| clip(&n, 20));
    let mut o = String::new();
    let heading = "Score distribution by class";
    let desc = format!(
        "Histogram of pooled out-of-fold scores for {neg} and {pos} posts, each as a share of \
         its class, with the decision threshold marked."
    );
    let hist = r.pooled_two().as_ref().map(|p| &p.histogram);
    let threshold = r
        .pooled_two()
        .map_or(r.options.threshold, |p| p.metrics.threshold);
    let best = r
        .pooled_two()
        .map(|p| p.advice.best_f1_threshold)
        .filter(|t| t.is_finite());
    let scale = HistScale::of(hist);
    let f = Frame::new(scale.x, (0.0, scale.top));
    open(&mut o, "plot-histogram", heading, &desc);
    legend(&mut o, &f, &histogram_keys(&neg, &pos, best.is_some()));
    axes(
        &mut o,
        &f,
        &scale.xticks(),
        &scale.yticks(),
        &format!("score (predicted probability of {pos})"),
        "share of the class's posts",
    );
    match hist {
        Some(h) if scale.n > 0 => {
            histogram_bars(&mut o, &f, h, &scale, [&neg, &pos]);
            threshold_marks(&mut o, &f, threshold, best);
        }
        _ => empty(&mut o, &f, "no pooled predictions"),
    }
    o.push_str("</svg>\n");
    o
}

/// What the histogram's axes show: the bins with counts of both classes, the score range
/// they cover, each class's total, and the top and step of the share axis.
struct HistScale {
    n: usize,
    x: (f64, f64),
    pos_total: u64,
    neg_total: u64,
    top: f64,
    step: f64,
}

impl HistScale {
    fn of(hist: Option<&ScoreHistogram>) -> HistScale {
        let n = hist.map_or(0, |h| {
            h.edges
                .len()
                .saturating_sub(1)
                .min(h.positives.len())
                .min(h.negatives.len())
        });
        let x = match hist {
            Some(h)
                if n > 0
                    && h.edges[0].is_finite()
                    && h.edges[n].is_finite()
                    && h.edges[n] > h.edges[0] =>
            {
                (h.edges[0], h.edges[n])
            }
            _ => (0.0, 1.0),
        };
        let (pos_total, neg_total) = hist.map_or((0, 0), |h| {
            (
                h.positives[..n].iter().sum::<u64>(),
                h.negatives[..n].iter().sum::<u64>(),
            )
        });
        let top_share = hist.map_or(0.0, |h| {
            (0..n)
                .flat_map(|i| {
                    [
                        ratio(h.positives[i], pos_total),
                        ratio(h.negatives[i], neg_total),
                    ]
                })
                .filter(|v| v.is_finite())
                .fold(0.0, f64::max)
        });
        let (top, step) = nice(top_share);
        HistScale {
            n,
            x,
            pos_total,
            neg_total,
            top,
            step,
        }
    }

    /// Six scores evenly over the range.
    fn xticks(&self) -> Vec<(f64, String)> {
        let (x_lo, x_hi) = self.x;
        (0..=5)
            .map(|i| x_lo + (x_hi - x_lo) * i as f64 / 5.0)
            .map(|v| (v, num(v, 1)))
            .collect()
    }

    /// Shares from 0 to the top in steps, as percentages.
    fn yticks(&self) -> Vec<(f64, String)> {
        let (top, step) = (self.top, self.step);
        let decimals = if step * 100.0 >= 1.0 { 0 } else { 1 };
        (0..)
            .map(|i| i as f64 * step)
            .take_while(|v| *v <= top + step * 1e-6)
            .map(|v| (v, percent(v, decimals)))
            .collect()
    }
}

/// The histogram's legend: the two classes, the threshold and, when there is one, the
/// best-F1 threshold.
fn histogram_keys(neg: &str, pos: &str, best: bool) -> Vec<(Key, String)> {
    let mut keys = vec![
        (Key::Swatch(BLUE), neg.to_string()),
        (Key::Swatch(VERMILLION), pos.to_string()),
        (
            Key::Line {
                color: INK,
                width: 1.6,
                dash: "6 3",
                opacity: 1.0,
            },
            "threshold".to_string(),
        ),
    ];
    if best {
        keys.push((
            Key::Line {
                color: GREY,
                width: 1.6,
                dash: "2 3",
                opacity: 1.0,
            },
            "best-F1 threshold".into(),
        ));
    }
    keys
}

/// Two bars per bin, negatives then positives, each the bin's share of its class.
fn histogram_bars(
    o: &mut String,
    f: &Frame,
    h: &ScoreHistogram,
    scale: &HistScale,
    [neg, pos]: [&String; 2],
) {
    for i in 0..scale.n {
        let (x0, x1) = (f.px(h.edges[i]), f.px(h.edges[i + 1]));
        let half = ((x1 - x0) / 2.0 - 1.0).max(0.5);
        for (j, (c, total, color, label)) in [
            (h.negatives[i], scale.neg_total, BLUE, neg),
            (h.positives[i], scale.pos_total, VERMILLION, pos),
        ]
        .into_iter()
        .enumerate()
        {
            let s = ratio(c, total);
            if !(s.is_finite() && s > 0.0) {
                continue;
            }
            let y = f.py(s);
            o.push_str(&format!(
                "<rect x=\"{:.1}\" y=\"{y:.1}\" width=\"{half:.1}\" height=\"{:.1}\" \
                 fill=\"{color}\" fill-opacity=\"0.85\">\
                 <title>{}: {} posts ({}) with scores {}–{}</title></rect>\n",
                x0 + 1.0 + j as f64 * half,
                f.bottom() - y,
                esc(label),
                count(c),
                percent(s, 1),
                num(h.edges[i], 2),
                num(h.edges[i + 1], 2)
            ));
        }
    }
}

/// Vertical lines at the decision threshold and the best-F1 threshold, labelled.
fn threshold_marks(o: &mut String, f: &Frame, threshold: f64, best: Option<f64>) {
    let mut marks = vec![(
        threshold,
        INK,
        "6 3",
        format!("threshold {}", num(threshold, 2)),
    )];
    if let Some(b) = best {
        marks.push((b, GREY, "2 3", format!("best F1 {}", num(b, 2))));
    }
    marks.retain(|m| m.0.is_finite());
    // Two labels sit on the outer sides of their lines and on two rows, so they
    // never cross; one near the edge of the plot turns inwards.
    let at: Vec<f64> = marks.iter().map(|m| m.0).collect();
    for (k, (t, color, dash, label)) in marks.into_iter().enumerate() {
        let x = f.px(t);
        let outer_left = match (k, at.len()) {
            (0, 2) => t < at[1],
            (1, _) => t <= at[0],
            _ => false,
        };
        let label_left = if outer_left {
            x - f.left > 100.0
        } else {
            f.right() - x < 100.0
        };
        o.push_str(&format!(
            "<line x1=\"{x:.1}\" y1=\"{:.1}\" x2=\"{x:.1}\" y2=\"{:.1}\" stroke=\"{color}\" \
             stroke-width=\"1.6\" stroke-dasharray=\"{dash}\"/>\n\
             <text class=\"annot\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"{}\" fill=\"{color}\">{}</text>\n",
            f.top,
            f.bottom(),
            if label_left { x - 5.0 } else { x + 5.0 },
            f.top + 14.0 + 16.0 * k as f64,
            if label_left { "end" } else { "start" },
            esc(&label)
        ));
    }
}
