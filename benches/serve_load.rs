//! Load on `trollwatch serve`: starts the built binary on a free port of 127.0.0.1 with the
//! bundled model, sends a fixed number of requests over keep-alive connections, and reports
//! throughput and latency percentiles for single posts and for batches of 1,000 posts, beside
//! the command line's posts/s on the same posts. Every answer is checked (status 200, one
//! result per post), so a fast wrong server cannot pass.
//!
//! `cargo bench --bench serve_load -- [--connections N] [--requests N] [--batch-connections N]
//! [--batch-requests N]`; the defaults are 32 connections × 200,000 single posts and
//! 2 connections × 200 batches.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BUNDLED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/models/trollwatch-en.model");
const EXE: &str = env!("CARGO_BIN_EXE_trollwatch");
const BATCH: usize = 1000;

struct Settings {
    connections: usize,
    requests: usize,
    batch_connections: usize,
    batch_requests: usize,
}

fn settings() -> Settings {
    let mut s = Settings {
        connections: 32,
        requests: 200_000,
        batch_connections: 2,
        batch_requests: 200,
    };
    let args: Vec<String> = std::env::args().collect();
    for pair in args.windows(2) {
        let n = || pair[1].parse::<usize>().expect("a number");
        match pair[0].as_str() {
            "--connections" => s.connections = n(),
            "--requests" => s.requests = n(),
            "--batch-connections" => s.batch_connections = n(),
            "--batch-requests" => s.batch_requests = n(),
            _ => {}
        }
    }
    s
}

/// Synthetic posts (fixed seed), as JSON strings.
fn posts(n: usize) -> Vec<trollwatch::SynthPost> {
    let cfg = trollwatch::SynthConfig {
        seed: 11,
        posts: n,
        ..trollwatch::SynthConfig::default()
    };
    trollwatch::generate(&cfg)
}

fn request(body: &str) -> Vec<u8> {
    format!(
        "POST /v1/score HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// Sends `req` and reads the answer; returns the status and the body.
fn exchange(r: &mut BufReader<TcpStream>, req: &[u8]) -> (u16, Vec<u8>) {
    r.get_mut().write_all(req).expect("send");
    let mut line = String::new();
    r.read_line(&mut line).expect("status");
    let status: u16 = line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status");
    let mut len = 0;
    loop {
        line.clear();
        r.read_line(&mut line).expect("header");
        if line == "\r\n" {
            break;
        }
        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            len = v.trim().parse().expect("length");
        }
    }
    let mut body = vec![0; len];
    r.read_exact(&mut body).expect("body");
    (status, body)
}

/// Runs `total` requests over `connections` connections, each request drawn in turn from
/// `reqs`; checks each answer with `check`; returns the wall time and every latency.
fn load(
    addr: SocketAddr,
    connections: usize,
    total: usize,
    reqs: &[Vec<u8>],
    check: fn(&[u8]),
) -> (Duration, Vec<Duration>) {
    let started = Instant::now();
    let mut latencies = Vec::with_capacity(total);
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..connections)
            .map(|c| {
                let n = total / connections + usize::from(c < total % connections);
                s.spawn(move || {
                    let stream = TcpStream::connect(addr).expect("connect");
                    stream.set_nodelay(true).expect("nodelay");
                    let mut r = BufReader::new(stream);
                    let mut lat = Vec::with_capacity(n);
                    for i in 0..n {
                        let req = &reqs[(c * 7919 + i) % reqs.len()];
                        let t = Instant::now();
                        let (status, body) = exchange(&mut r, req);
                        lat.push(t.elapsed());
                        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
                        check(&body);
                    }
                    lat
                })
            })
            .collect();
        for h in handles {
            latencies.extend(h.join().expect("client"));
        }
    });
    (started.elapsed(), latencies)
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i].as_secs_f64() * 1e3
}

fn report(what: &str, wall: Duration, mut lat: Vec<Duration>, posts_per_request: usize) -> f64 {
    lat.sort();
    let n = lat.len();
    let rps = n as f64 / wall.as_secs_f64();
    println!(
        "{what}: {n} requests in {:.2} s: {:.0} requests/s, {:.0} posts/s; latency p50 {:.3} ms, \
         p99 {:.3} ms, max {:.3} ms",
        wall.as_secs_f64(),
        rps,
        rps * posts_per_request as f64,
        percentile(&lat, 0.50),
        percentile(&lat, 0.99),
        percentile(&lat, 1.0),
    );
    rps * posts_per_request as f64
}

fn main() {
    let s = settings();
    let pool = posts(20_000);
    let mut server = Command::new(EXE)
        .args(["serve", "--model", BUNDLED, "--addr", "127.0.0.1:0"])
        .args(["--max-concurrent", "4096"])
        .stderr(Stdio::piped())
        .spawn()
        .expect("start trollwatch serve");
    let mut err = BufReader::new(server.stderr.take().expect("stderr"));
    let mut line = String::new();
    err.read_line(&mut line).expect("serve's first line");
    let at = line
        .find("http://")
        .unwrap_or_else(|| panic!("no address in {line:?}"));
    let addr: SocketAddr = line[at + 7..].trim().parse().expect("address");
    std::thread::spawn(move || std::io::copy(&mut err, &mut std::io::sink()));

    let singles: Vec<Vec<u8>> = pool
        .iter()
        .take(2000)
        .map(|p| request(&serde_json::json!({"id": p.id, "text": p.text}).to_string()))
        .collect();
    let batches: Vec<Vec<u8>> = pool
        .chunks(BATCH)
        .map(|chunk| {
            let posts: Vec<_> = chunk
                .iter()
                .map(|p| serde_json::json!({"id": p.id, "text": p.text}))
                .collect();
            request(&serde_json::json!({ "posts": posts }).to_string())
        })
        .collect();
    fn one(body: &[u8]) {
        assert!(
            body.starts_with(b"{\"id\":"),
            "{}",
            String::from_utf8_lossy(body)
        );
    }
    fn thousand(body: &[u8]) {
        let v: serde_json::Value = serde_json::from_slice(body).expect("JSON");
        assert_eq!(v["results"].as_array().map(Vec::len), Some(BATCH));
    }
    // Warm-up: connections, caches, the allocator.
    load(addr, s.connections, s.connections * 50, &singles, one);
    let (wall, lat) = load(addr, s.connections, s.requests, &singles, one);
    report(
        &format!("single posts, {} connections", s.connections),
        wall,
        lat,
        1,
    );
    let (wall, lat) = load(
        addr,
        s.batch_connections,
        s.batch_requests,
        &batches,
        thousand,
    );
    let served = report(
        &format!("batches of {BATCH}, {} connections", s.batch_connections),
        wall,
        lat,
        BATCH,
    );
    let _ = server.kill();
    let _ = server.wait();

    // The command line on the same posts, repeated to the same count, as JSON lines.
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("posts.jsonl");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&path).expect("create"));
    let total = s.batch_requests * BATCH;
    for p in pool.iter().cycle().take(total) {
        let line = serde_json::json!({"id": p.id, "text": p.text}).to_string();
        writeln!(f, "{line}").expect("write");
    }
    f.flush().expect("flush");
    drop(f);
    let started = Instant::now();
    let out = Command::new(EXE)
        .args([
            "score", "--model", BUNDLED, "--format", "jsonl", "--quiet", "--input",
        ])
        .arg(&path)
        .stdout(Stdio::piped())
        .output()
        .expect("trollwatch score");
    let wall = started.elapsed();
    assert!(out.status.success());
    assert_eq!(out.stdout.iter().filter(|&&b| b == b'\n').count(), total);
    let cli = total as f64 / wall.as_secs_f64();
    println!(
        "command line: {total} posts in {:.2} s: {cli:.0} posts/s (model load included); \
         the server's batches reach {:.2}× of it",
        wall.as_secs_f64(),
        served / cli
    );
}
