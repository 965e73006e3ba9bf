//! Placeholder: replaced by the calibration module.
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Platt {
    pub a: f64,
    pub b: f64,
}
impl Platt {
    pub fn probability(&self, f: f64) -> f64 {
        crate::logistic::sigmoid(self.log_odds(f))
    }
    pub fn log_odds(&self, f: f64) -> f64 {
        -(self.a * f + self.b)
    }
}
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Isotonic {
    pub x: Vec<f64>,
    pub y: Vec<f64>,
}
impl Isotonic {
    pub fn probability(&self, _f: f64) -> f64 {
        0.5
    }
}
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "lowercase")]
pub enum Calibrator {
    Platt(Platt),
    Isotonic(Isotonic),
}
impl Calibrator {
    pub fn probability(&self, f: f64) -> f64 {
        match self {
            Calibrator::Platt(p) => p.probability(f),
            Calibrator::Isotonic(i) => i.probability(f),
        }
    }
}
pub fn fit_platt(d: &[f64], l: &[bool]) -> Result<Platt> {
    let np = l.iter().filter(|&&x| x).count() as f64;
    let nn = l.len() as f64 - np;
    if np == 0.0 || nn == 0.0 {
        return Err(Error::Training("one class".into()));
    }
    let (tp, tn) = ((np + 1.0) / (np + 2.0), 1.0 / (nn + 2.0));
    let (mut a, mut b) = (0.0f64, ((nn + 1.0) / (np + 1.0)).ln());
    for _ in 0..100 {
        let (mut g1, mut g2, mut h11, mut h22, mut h21) = (0.0, 0.0, 1e-12, 1e-12, 0.0);
        for (&f, &y) in d.iter().zip(l) {
            let t = if y { tp } else { tn };
            let p = crate::logistic::sigmoid(-(a * f + b));
            let d1 = t - p;
            let d2 = p * (1.0 - p);
            g1 += f * d1;
            g2 += d1;
            h11 += f * f * d2;
            h22 += d2;
            h21 += f * d2;
        }
        let det = h11 * h22 - h21 * h21;
        let da = -(h22 * g1 - h21 * g2) / det;
        let db = -(-h21 * g1 + h11 * g2) / det;
        a += da;
        b += db;
        if da.abs() < 1e-12 && db.abs() < 1e-12 {
            break;
        }
    }
    Ok(Platt { a, b })
}
pub fn fit_isotonic(_d: &[f64], _l: &[bool]) -> Result<Isotonic> {
    Ok(Isotonic {
        x: vec![],
        y: vec![],
    })
}
pub fn shift_prior(p: f64, from: f64, to: f64) -> f64 {
    if p <= 0.0 || p >= 1.0 {
        return p;
    }
    crate::logistic::sigmoid(logit(p) - logit(from) + logit(to))
}
pub fn logit(p: f64) -> f64 {
    (p / (1.0 - p)).ln()
}
