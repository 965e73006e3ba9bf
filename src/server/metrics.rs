//! The server's Prometheus metrics, kept in atomics and written in the text exposition
//! format: requests by route and status, the latency of scoring requests as a histogram,
//! posts scored, errors by code, requests in flight, and model reloads.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Mutex;
use std::time::Duration;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Counters shared by every request.
#[derive(Debug, Default)]
pub struct Metrics {
    /// (route, status) → requests answered.
    requests: Mutex<BTreeMap<(&'static str, u16), u64>>,
    /// Per bucket of [`BUCKETS`], then +Inf: scoring requests answered within it.
    buckets: [AtomicU64; BUCKETS.len() + 1],
    latency_sum_micros: AtomicU64,
    latency_count: AtomicU64,
    posts_scored: AtomicU64,
    /// Error code → responses with it.
    errors: Mutex<BTreeMap<&'static str, u64>>,
    in_flight: AtomicU64,
    reloads: AtomicU64,
    reload_failures: AtomicU64,
}

fn bump<K: Ord>(map: &Mutex<BTreeMap<K, u64>>, key: K) {
    let mut m = match map.lock() {
        Ok(m) => m,
        Err(poisoned) => poisoned.into_inner(),
    };
    *m.entry(key).or_insert(0) += 1;
}

impl Metrics {
    /// A request answered on `route` with `status`; `scoring`: a `/v1/score` request, whose
    /// latency goes into the histogram.
    pub fn answered(&self, route: &'static str, status: u16, took: Duration, scoring: bool) {
        bump(&self.requests, (route, status));
        if scoring {
            let secs = took.as_secs_f64();
            let i = BUCKETS
                .iter()
                .position(|&b| secs <= b)
                .unwrap_or(BUCKETS.len());
            self.buckets[i].fetch_add(1, Relaxed);
            self.latency_sum_micros
                .fetch_add(took.as_micros() as u64, Relaxed);
            self.latency_count.fetch_add(1, Relaxed);
        }
    }

    pub fn scored(&self, posts: usize) {
        self.posts_scored.fetch_add(posts as u64, Relaxed);
    }

    pub fn error(&self, code: &'static str) {
        bump(&self.errors, code);
    }

    pub fn started(&self) {
        self.in_flight.fetch_add(1, Relaxed);
    }

    pub fn ended(&self) {
        self.in_flight.fetch_sub(1, Relaxed);
    }

    pub fn reloaded(&self, ok: bool) {
        if ok {
            &self.reloads
        } else {
            &self.reload_failures
        }
        .fetch_add(1, Relaxed);
    }

    /// The text exposition format (version 0.0.4).
    pub fn render(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "# HELP trollwatch_http_requests_total HTTP requests answered, by route and status."
        );
        let _ = writeln!(s, "# TYPE trollwatch_http_requests_total counter");
        for ((route, status), n) in lock(&self.requests).iter() {
            let _ = writeln!(
                s,
                "trollwatch_http_requests_total{{route=\"{route}\",status=\"{status}\"}} {n}"
            );
        }
        let _ = writeln!(s, "# HELP trollwatch_score_request_duration_seconds Time from a /v1/score request's arrival to its answer.");
        let _ = writeln!(
            s,
            "# TYPE trollwatch_score_request_duration_seconds histogram"
        );
        let mut cumulative = 0;
        for (i, b) in BUCKETS.iter().enumerate() {
            cumulative += self.buckets[i].load(Relaxed);
            let _ = writeln!(
                s,
                "trollwatch_score_request_duration_seconds_bucket{{le=\"{b}\"}} {cumulative}"
            );
        }
        cumulative += self.buckets[BUCKETS.len()].load(Relaxed);
        let _ = writeln!(
            s,
            "trollwatch_score_request_duration_seconds_bucket{{le=\"+Inf\"}} {cumulative}"
        );
        let _ = writeln!(
            s,
            "trollwatch_score_request_duration_seconds_sum {}",
            self.latency_sum_micros.load(Relaxed) as f64 / 1e6
        );
        let _ = writeln!(
            s,
            "trollwatch_score_request_duration_seconds_count {}",
            self.latency_count.load(Relaxed)
        );
        let counter = |s: &mut String, name: &str, help: &str, v: u64| {
            let _ = writeln!(s, "# HELP {name} {help}");
            let _ = writeln!(s, "# TYPE {name} counter");
            let _ = writeln!(s, "{name} {v}");
        };
        counter(
            &mut s,
            "trollwatch_posts_scored_total",
            "Posts scored.",
            self.posts_scored.load(Relaxed),
        );
        let _ = writeln!(
            s,
            "# HELP trollwatch_errors_total Error responses, by error code."
        );
        let _ = writeln!(s, "# TYPE trollwatch_errors_total counter");
        for (code, n) in lock(&self.errors).iter() {
            let _ = writeln!(s, "trollwatch_errors_total{{code=\"{code}\"}} {n}");
        }
        let _ = writeln!(
            s,
            "# HELP trollwatch_requests_in_flight Scoring requests being answered."
        );
        let _ = writeln!(s, "# TYPE trollwatch_requests_in_flight gauge");
        let _ = writeln!(
            s,
            "trollwatch_requests_in_flight {}",
            self.in_flight.load(Relaxed)
        );
        counter(
            &mut s,
            "trollwatch_model_reloads_total",
            "Model sets reloaded and put in use.",
            self.reloads.load(Relaxed),
        );
        counter(
            &mut s,
            "trollwatch_model_reload_failures_total",
            "Reloads refused (a model did not load; the old set stayed).",
            self.reload_failures.load(Relaxed),
        );
        s
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_is_cumulative() {
        let m = Metrics::default();
        m.answered("/v1/score", 200, Duration::from_micros(300), true);
        m.answered("/v1/score", 200, Duration::from_millis(3), true);
        m.answered("/v1/score", 413, Duration::from_secs(20), true);
        m.answered("/metrics", 200, Duration::from_secs(20), false);
        let text = m.render();
        for line in [
            "trollwatch_score_request_duration_seconds_bucket{le=\"0.0005\"} 1",
            "trollwatch_score_request_duration_seconds_bucket{le=\"0.002\"} 1",
            "trollwatch_score_request_duration_seconds_bucket{le=\"0.005\"} 2",
            "trollwatch_score_request_duration_seconds_bucket{le=\"10\"} 2",
            "trollwatch_score_request_duration_seconds_bucket{le=\"+Inf\"} 3",
            "trollwatch_score_request_duration_seconds_count 3",
            "trollwatch_http_requests_total{route=\"/v1/score\",status=\"200\"} 2",
            "trollwatch_http_requests_total{route=\"/v1/score\",status=\"413\"} 1",
            "trollwatch_http_requests_total{route=\"/metrics\",status=\"200\"} 1",
        ] {
            assert!(
                text.lines().any(|l| l == line),
                "missing {line:?} in\n{text}"
            );
        }
    }
}
