//! trollwatch: flag bot- and troll-like social media posts and coordinated accounts.
//!
//! The crate is built in layers, each a module named after its stage, and each importing only
//! from the layers below it (a test checks this):
//!
//! 1. [`error`] and [`util`]: typed errors, atomic files, timestamps, random numbers,
//!    progress bars, memory.
//! 2. [`text`]: reading posts, tokenizing, vectorizing (TF-IDF).
//! 3. [`learn`]: sparse matrices, the optimiser, linear heads, metrics, calibration.
//! 4. [`coordination`]: accounts that share objects within a time window.
//! 5. [`pipeline`]: training, evaluating, scoring posts and accounts, the model file.
//! 6. [`report`]: terminal, Markdown and HTML reports.
//! 7. [`cli`]: the command line the two binaries share.

pub mod cli;
pub mod coordination;
pub mod error;
pub mod learn;
pub mod pipeline;
pub mod report;
pub mod text;
pub mod util;
