//! Models with more than two classes (troll types, fact-check grades): fitting a multinomial
//! (softmax) or one-vs-rest logistic regression on the TF-IDF matrix ([`fit`]), scoring posts
//! with every class's probability ([`score`]), and cross-validating with multi-class metrics
//! ([`metrics`], [`evaluate`]) and reports ([`report`]). Reading the classes is
//! [`crate::dataset`]'s (`ClassSpec`), the file format [`crate::model`]'s (version 3); the
//! binary model's tuned path in [`crate::logistic`] is not routed through here.

pub mod evaluate;
pub mod fit;
pub mod metrics;
pub mod report;
pub mod score;

pub use fit::{MultiLinear, Strategy};
