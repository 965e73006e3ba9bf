//! What one request may ask of the server, checked before any scoring: the body size, the
//! posts per batch, the length of a post's text, the terms explained, the requests answered
//! at once and how long a client may take to send its body.

use std::time::Duration;

use crate::error::{Error, Result};

/// The limits, each at least 1.
#[derive(Debug, Clone, PartialEq)]
pub struct Limits {
    /// Largest request body, in bytes (413 above it).
    pub max_body_bytes: usize,
    /// Most posts in one request (413 above it).
    pub max_batch_posts: usize,
    /// Longest post text, in bytes (413 above it).
    pub max_text_bytes: usize,
    /// Most terms explained per post (400 above it).
    pub max_explain: usize,
    /// Scoring requests answered at once; one more is refused with 429 at once rather than
    /// queued.
    pub max_concurrent: usize,
    /// Longest time to receive a request's body (408 after it).
    pub body_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_body_bytes: 16 << 20,
            max_batch_posts: 10_000,
            max_text_bytes: 64 << 10,
            max_explain: 100,
            max_concurrent: 256,
            body_timeout: Duration::from_secs(30),
        }
    }
}

impl Limits {
    /// The limits, or an error naming the one that is zero.
    pub fn check(self) -> Result<Limits> {
        for (name, v) in [
            ("max-body-bytes", self.max_body_bytes),
            ("max-batch-posts", self.max_batch_posts),
            ("max-text-bytes", self.max_text_bytes),
            ("max-concurrent", self.max_concurrent),
        ] {
            if v == 0 {
                return Err(Error::param(name, 0, "must be at least 1"));
            }
        }
        if self.body_timeout.is_zero() {
            return Err(Error::param("body-timeout", 0, "must be at least 1 second"));
        }
        Ok(self)
    }
}
