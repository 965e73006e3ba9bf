//! 128-bit hashes for grouping equal values (ids, normalised texts): two SipHash-1-3 hashes
//! with fixed keys, so the same on every run and machine, and with 2^-64 odds per pair that two
//! different values collide.

use std::hash::{DefaultHasher, Hash, Hasher};

/// Two SipHash-1-3 states fed the same values; `salt` makes the second differ from the first
/// (and one use's hashes from another's).
pub struct Hash128 {
    a: DefaultHasher,
    b: DefaultHasher,
}

impl Hash128 {
    pub fn new(salt: u64) -> Hash128 {
        let mut b = DefaultHasher::new();
        salt.hash(&mut b);
        Hash128 {
            a: DefaultHasher::new(),
            b,
        }
    }

    /// Feeds `v` to both states.
    pub fn add<T: Hash + ?Sized>(&mut self, v: &T) {
        v.hash(&mut self.a);
        v.hash(&mut self.b);
    }

    pub fn finish(&self) -> u128 {
        (u128::from(self.a.finish()) << 64) | u128::from(self.b.finish())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_values_hash_equal_and_salts_differ() {
        let h = |salt: u64, s: &str| {
            let mut x = Hash128::new(salt);
            x.add(s);
            x.finish()
        };
        assert_eq!(h(1, "post"), h(1, "post"));
        assert_ne!(h(1, "post"), h(1, "Post"));
        assert_ne!(h(1, "post"), h(2, "post"));
        let v = h(7, "x");
        assert_ne!(
            v >> 64,
            v & u128::from(u64::MAX),
            "the two halves are two hashes"
        );
    }
}
