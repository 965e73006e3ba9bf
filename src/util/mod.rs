//! The bottom layer: files written atomically ([`atomic`], [`outdir`]), timestamps
//! ([`time`]), the seeded random numbers ([`rng`]), the sparse matrix every later layer
//! passes rows in ([`sparse`]), progress bars ([`progress`]) and memory housekeeping
//! ([`memory`]). Nothing here knows about posts or models.

pub mod atomic;
pub mod memory;
pub mod outdir;
pub mod progress;
pub mod rng;
pub mod sparse;
pub mod time;
