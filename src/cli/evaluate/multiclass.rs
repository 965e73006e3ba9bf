//! `evaluate` on a multi-class set: the multi-class report and out-of-fold file.

use crate::cli::show::print_dropped;
use crate::pipeline::folds::{EvalOptions, RowInfo};
use crate::text::dataset::Labeled;
use crate::util::progress::Progress;

/// `evaluate` on a multi-class set.
pub fn run_evaluate(
    args: &super::Args,
    data: &Labeled,
    info: &RowInfo,
    opts: &EvalOptions,
    progress: &Progress,
) -> anyhow::Result<()> {
    if args.target_precision.is_some() || args.category_col.is_some() {
        return Err(crate::error::Error::param(
            if args.target_precision.is_some() {
                "target-precision"
            } else {
                "category-col"
            },
            "(set)",
            "applies to binary models only; per-class recall is in the multi-class report",
        )
        .into());
    }
    print_dropped(&data.classes, &args.label.label_col);
    let (report, oof, timings) = crate::pipeline::multiclass_evaluate::evaluate(
        data,
        info,
        opts,
        &args.inputs.join(" + "),
        progress,
    )?;
    crate::cli::print_out(&crate::report::multiclass::terminal_table(&report))?;
    if !args.quiet {
        let fits = &timings.fold_seconds;
        let (lo, hi) = fits.iter().fold((f64::INFINITY, 0.0f64), |(lo, hi), &t| {
            (lo.min(t), hi.max(t))
        });
        eprintln!(
            "evaluated in {:.1}s ({} fold fits, {:.1}–{:.1}s each)",
            timings.elapsed_seconds,
            fits.len(),
            if fits.is_empty() { 0.0 } else { lo },
            hi
        );
    }
    if let Some(dir) = &args.report {
        crate::report::multiclass::write_all(&report, dir)?;
        eprintln!(
            "wrote {}/report.json, report.md, report.html",
            dir.display()
        );
    }
    if let Some(path) = &args.oof {
        let names = &report.data.classes;
        let classes = &data.classes.of_row;
        let mut w = csv::Writer::from_writer(Vec::new());
        let mut head = vec![
            "id".to_string(),
            "label".into(),
            "predicted".into(),
            "probability".into(),
        ];
        head.extend(names.iter().map(|n| format!("p_{n}")));
        head.extend(["fold".to_string(), "repeat".into()]);
        w.write_record(&head)?;
        for o in &oof {
            let best = crate::learn::multiclass_metrics::argmax(&o.probabilities);
            let mut rec = vec![
                data.ids[o.row].clone(),
                names[classes[o.row] as usize].clone(),
                names[best].clone(),
                format!("{:.6}", o.probabilities[best]),
            ];
            rec.extend(o.probabilities.iter().map(|p| format!("{p:.6}")));
            rec.extend([(o.fold + 1).to_string(), (o.repeat + 1).to_string()]);
            w.write_record(&rec)?;
        }
        let bytes = w
            .into_inner()
            .map_err(|e| anyhow::anyhow!("formatting {}: {e}", path.display()))?;
        crate::util::atomic::write_atomic(path, &bytes)?;
        eprintln!(
            "wrote {} out-of-fold predictions to {}",
            oof.len(),
            path.display()
        );
    }
    Ok(())
}
