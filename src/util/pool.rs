//! Scratch space for parallel jobs, made once and handed from job to job: rayon may call
//! `map_init`'s init once per job rather than once per thread, and scratch the size of the
//! input remade per job costs page faults (and unmapping) that outweigh the work.

use std::sync::{Mutex, PoisonError};

/// Values free for the taking.
pub struct Pool<T> {
    free: Mutex<Vec<T>>,
}

impl<T> Default for Pool<T> {
    fn default() -> Self {
        Pool {
            free: Mutex::new(Vec::new()),
        }
    }
}

impl<T> Pool<T> {
    /// A lease of a free value, made by `make` when the first access finds none free; it goes
    /// back to the pool when the lease is dropped.
    pub fn lease<F: Fn() -> T>(&self, make: F) -> Lease<'_, T, F> {
        let value = self
            .free
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        Lease {
            value,
            make,
            pool: self,
        }
    }
}

/// A value leased from a [`Pool`].
pub struct Lease<'a, T, F: Fn() -> T> {
    value: Option<T>,
    make: F,
    pool: &'a Pool<T>,
}

impl<T, F: Fn() -> T> Lease<'_, T, F> {
    /// The value, made now if the pool had none free.
    pub fn get(&mut self) -> &mut T {
        self.value.get_or_insert_with(&self.make)
    }
}

impl<T, F: Fn() -> T> Drop for Lease<'_, T, F> {
    fn drop(&mut self) {
        if let Some(v) = self.value.take() {
            self.pool
                .free
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rayon::prelude::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn values_are_made_only_when_none_is_free_and_come_back() {
        let made = AtomicUsize::new(0);
        let pool = Pool::default();
        let make = || {
            made.fetch_add(1, Ordering::Relaxed);
            vec![0u8; 16]
        };
        {
            let mut a = pool.lease(make);
            a.get()[0] = 7;
            let _untouched = pool.lease(make);
        }
        assert_eq!(
            made.load(Ordering::Relaxed),
            1,
            "one lease only made a value"
        );
        assert_eq!(pool.lease(make).get()[0], 7, "the same value comes back");
        let sums: Vec<usize> = (0..10_000)
            .into_par_iter()
            .map_init(|| pool.lease(make), |s, i| s.get().len() + i)
            .collect();
        assert_eq!(sums[9_999], 16 + 9_999);
        let threads = rayon::current_num_threads();
        assert!(
            made.load(Ordering::Relaxed) <= threads + 1,
            "{} made for {threads} threads",
            made.load(Ordering::Relaxed)
        );
    }
}
