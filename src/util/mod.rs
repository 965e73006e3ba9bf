//! The bottom layer: files written atomically ([`atomic`], [`outdir`]), CSV fields written by
//! hand ([`csv_field`]), timestamps
//! ([`time`]), 128-bit hashes for grouping equal values ([`hash`]), the seeded random
//! numbers ([`rng`]), the sparse matrix every later layer
//! passes rows in ([`sparse`]), progress bars ([`progress`]), memory housekeeping
//! ([`memory`]) and scratch handed from job to job ([`pool`]). Nothing here knows about posts or models.

pub mod atomic;
pub mod csv_field;
pub mod hash;
pub mod memory;
pub mod outdir;
pub mod packed;
pub mod pool;
pub mod progress;
pub mod rng;
pub mod sparse;
pub mod time;
