//! trollwatch: flag bot- and troll-like social media posts.
//!
//! The pipeline is a chain of small stages, one module each: [`dataset`] reads posts,
//! [`tokenize`] turns a post into terms, [`vectorize`] turns terms into TF-IDF rows of a
//! [`sparse`] matrix, [`logistic`] fits the classifier, [`model`] saves and loads the whole
//! pipeline as one versioned file, and [`score`] applies it to new posts. [`train`] runs the
//! chain; [`evaluate`] cross-validates it, with [`metrics`] for the arithmetic and [`report`]
//! for the terminal, Markdown and HTML reports. [`coordination`] finds accounts that post the
//! same objects within seconds of each other. [`synth`] makes the demo data, [`cli`] is the
//! command line the two binaries share.

pub mod account;
pub mod calibration;
pub mod cli;
pub mod coordination;
pub mod dataset;
pub mod error;
pub mod evaluate;
pub mod features;
pub mod heldout;
pub mod lbfgs;
pub mod logistic;
pub mod memory;
pub mod metrics;
pub mod model;
pub mod multiclass;
pub mod outdir;
pub mod progress;
pub mod report;
pub mod rng;
pub mod rowcheck;
pub mod score;
pub mod sparse;
pub mod synth;
pub mod timeparse;
pub mod tokenize;
pub mod train;
pub mod tune;
pub mod vectorize;
pub mod vocab;
