//! Arbitrary bytes as a model file. Half the inputs (first byte odd) get a valid SHA-256
//! appended, so the fuzzer gets past the checksum into the parser: lengths, counts, metadata
//! JSON, vocabulary order. Loading must refuse or succeed, never panic, and never allocate
//! for a count the file cannot hold (libFuzzer's -rss_limit_mb/-malloc_limit_mb catch that).
#![no_main]

use libfuzzer_sys::fuzz_target;
use sha2::{Digest, Sha256};
use trollwatch::Model;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let path = std::path::Path::new("fuzz.model");
    let bytes = if mode & 1 == 1 {
        let mut b = rest.to_vec();
        let digest = Sha256::digest(&b);
        b.extend_from_slice(&digest);
        b
    } else {
        rest.to_vec()
    };
    if let Ok(model) = Model::from_bytes(&bytes, path) {
        // A model that loads must score, and what it saves must load again.
        let post = ["a post #tag @x http://t.co/a 2016 εστε"];
        for s in model.score_batch(&post, 0.5, 2) {
            let p = s.probabilities.as_deref().unwrap_or(&[]);
            let total: f64 = p.iter().sum();
            assert!(
                p.iter().all(|p| (0.0..=1.0).contains(p))
                    && (p.is_empty() || (total - 1.0).abs() < 1e-9)
                    && (p.is_empty() || s.class < p.len()),
                "class probabilities {p:?} (class {}) from a loaded model",
                s.class
            );
        }
        let binary = if model.head.is_binary() { &post[..] } else { &[][..] };
        for s in model.score_batch(binary, 0.5, 2) {
            assert!(
                s.score().is_none_or(|p| (0.0..=1.0).contains(&p)),
                "score {:?} from a loaded model",
                s.score()
            );
        }
        if let Ok(again) = model.to_bytes() {
            assert!(
                Model::from_bytes(&again, path).is_ok(),
                "a loaded model saves to bytes that do not load"
            );
        }
    }
});
