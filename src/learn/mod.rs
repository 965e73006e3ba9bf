//! Learning on sparse rows ([`crate::util::sparse`]): the optimiser ([`lbfgs`]), the linear
//! head every model ends in ([`head`]) and its solvers (two classes: [`logistic`]; more:
//! [`multiclass`]), the metrics ([`metrics`],
//! [`multiclass_metrics`]), calibration ([`calibration`]) and thresholds and per-source tables
//! on held-out scores ([`heldout`]).

pub mod calibration;
pub mod head;
pub mod heldout;
pub mod lbfgs;
pub mod logistic;
pub mod metrics;
pub mod multiclass;
pub mod multiclass_metrics;
