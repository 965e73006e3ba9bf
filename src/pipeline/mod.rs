//! The stages put together: the coordination counts as features ([`features`]), the model
//! file ([`model`]), training ([`train`]), cross-validation of two or K classes
//! ([`evaluate`]), tuning ([`tune`]), scoring posts ([`score`]) and accounts
//! ([`account`]).

pub mod account;
pub mod config;
pub mod evaluate;
pub mod features;
pub mod folds;
pub mod load;
pub mod model;
pub mod score;
pub mod train;
pub mod tune;
