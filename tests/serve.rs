//! `trollwatch serve`: the real binary on a free port of 127.0.0.1, driven over raw HTTP/1.1:
//! every endpoint, every limit, bad JSON, a reload under load, and a graceful shutdown.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::workdir::{jsonl, Workdir};

const BUNDLED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/models/trollwatch-en.model");

/// A running `trollwatch serve`, killed when dropped.
struct Server {
    child: Child,
    addr: SocketAddr,
    /// Its stderr lines so far.
    log: Arc<Mutex<Vec<String>>>,
}

impl Server {
    /// Starts `trollwatch serve ARGS --addr 127.0.0.1:0` and waits for the address it prints.
    fn start(w: &Workdir, args: &[&str]) -> Server {
        let mut child = w
            .cmd("trollwatch")
            .arg("serve")
            .args(args)
            .args(["--addr", "127.0.0.1:0"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn trollwatch serve");
        let stderr = child.stderr.take();
        let log = Arc::new(Mutex::new(Vec::new()));
        // Owned by the server from here, so that it is killed and reaped however this ends.
        let mut server = Server {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            log: log.clone(),
        };
        let stderr = stderr.expect("stderr");
        let (tx, rx) = mpsc::channel();
        {
            let log = log.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stderr).lines() {
                    let Ok(line) = line else { break };
                    log.lock().unwrap().push(line.clone());
                    let _ = tx.send(line);
                }
            });
        }
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = rx
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("no address from serve; stderr: {}", server.log()));
            if let Some(at) = line.find("http://") {
                server.addr = line[at + 7..].trim().parse().expect("address");
                return server;
            }
        }
    }

    fn client(&self) -> Client {
        Client::connect(self.addr)
    }

    fn log(&self) -> String {
        self.log.lock().unwrap().join("\n")
    }

    fn signal(&self, sig: i32) {
        // SAFETY: kill(2) on the pid of a child this test started and has not reaped.
        let rc = unsafe { libc::kill(self.child.id() as i32, sig) };
        assert_eq!(rc, 0, "kill");
    }

    /// Waits for a line of stderr containing `needle`.
    fn wait_log(&self, needle: &str) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while !self.log().contains(needle) {
            assert!(
                Instant::now() < deadline,
                "no {needle:?} in the server's stderr:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An HTTP/1.1 answer.
#[derive(Debug)]
struct Answer {
    status: u16,
    headers: String,
    body: Vec<u8>,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "status {}: body is not JSON ({e}): {:?}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// Asserts the status and an error body `{"error": {"code": code, "message": ...}}`.
    fn error(&self, status: u16, code: &str) -> Value {
        assert_eq!(self.status, status, "{}", self.text());
        let v = self.json();
        assert_eq!(v["error"]["code"], code, "{v}");
        assert!(v["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()));
        v
    }
}

/// A keep-alive connection speaking just enough HTTP/1.1.
struct Client {
    reader: BufReader<TcpStream>,
}

impl Client {
    fn connect(addr: SocketAddr) -> Client {
        let s = TcpStream::connect(addr).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
        s.set_nodelay(true).unwrap();
        Client {
            reader: BufReader::new(s),
        }
    }

    /// Sends bytes; a server that has answered (413, say) and closed before all were sent
    /// makes the rest fail, which the answer read next shows.
    fn send(&mut self, raw: &[u8]) {
        if let Err(e) = self.reader.get_mut().write_all(raw) {
            use std::io::ErrorKind::{BrokenPipe, ConnectionReset};
            assert!(
                matches!(e.kind(), BrokenPipe | ConnectionReset),
                "send: {e}"
            );
        }
    }

    fn get(&mut self, path: &str) -> Answer {
        self.send(format!("GET {path} HTTP/1.1\r\nHost: t\r\n\r\n").as_bytes());
        self.answer()
    }

    fn post(&mut self, path: &str, body: &[u8]) -> Answer {
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\n\r\n",
            body.len()
        );
        self.send(head.as_bytes());
        self.send(body);
        self.answer()
    }

    fn score(&mut self, body: &Value) -> Answer {
        self.post("/v1/score", body.to_string().as_bytes())
    }

    fn answer(&mut self) -> Answer {
        let mut status_line = String::new();
        self.reader
            .read_line(&mut status_line)
            .expect("status line");
        let status = status_line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("bad status line {status_line:?}"));
        let mut headers = String::new();
        loop {
            let mut line = String::new();
            self.reader.read_line(&mut line).expect("header");
            if line == "\r\n" || line.is_empty() {
                break;
            }
            headers.push_str(&line.to_ascii_lowercase());
        }
        let len = headers
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .map(|v| v.trim().parse::<usize>().expect("length"));
        let mut body = Vec::new();
        match len {
            Some(n) => {
                body.resize(n, 0);
                self.reader.read_exact(&mut body).expect("body");
            }
            None => {
                assert!(headers.contains("chunked"), "no length: {headers}");
                loop {
                    let mut size = String::new();
                    self.reader.read_line(&mut size).expect("chunk size");
                    let n = usize::from_str_radix(size.trim(), 16).expect("chunk size");
                    let mut chunk = vec![0; n + 2];
                    self.reader.read_exact(&mut chunk).expect("chunk");
                    if n == 0 {
                        break;
                    }
                    body.extend_from_slice(&chunk[..n]);
                }
            }
        }
        Answer {
            status,
            headers,
            body,
        }
    }
}

fn sha256_hex(path: &std::path::Path) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(std::fs::read(path).expect("model"))
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The posts a few tests send.
fn sample_posts() -> Vec<(String, String)> {
    [
        ("a", "Hillary lies again, share this #MAGA"),
        ("b", "Lovely day at the beach 😍"),
        ("c", "https://t.co/xyz"),
        ("d", "Share this before it gets deleted! #WakeUpAmerica"),
        ("e", "vote vote vote @user 2016"),
        ("f", "The media will never tell you the truth about Obama"),
    ]
    .iter()
    .map(|(i, t)| (i.to_string(), t.to_string()))
    .collect()
}

/// The rows `trollwatch score --format jsonl ARGS` writes for `posts`.
fn cli_rows(w: &Workdir, model: &str, posts: &[(String, String)], args: &[&str]) -> Vec<Value> {
    let mut input = String::new();
    for (id, text) in posts {
        input.push_str(&json!({"id": id, "text": text}).to_string());
        input.push('\n');
    }
    w.write("posts.jsonl", input);
    let mut all = vec!["score", "--model", model, "--input", "posts.jsonl"];
    all.extend(["--format", "jsonl", "--quiet"]);
    all.extend(args);
    jsonl(&w.ok(&all))
}

#[test]
fn every_endpoint_answers_as_the_command_line_scores() {
    let w = Workdir::new();
    let server = Server::start(&w, &["--model", BUNDLED]);
    let mut c = server.client();
    let sha = sha256_hex(BUNDLED.as_ref());

    for path in ["/health/live", "/v2/health/live"] {
        let a = c.get(path);
        assert_eq!((a.status, a.json()["status"].clone()), (200, json!("live")));
    }
    for path in ["/health/ready", "/v2/health/ready"] {
        let a = c.get(path);
        assert_eq!(a.status, 200, "{}", a.text());
        assert_eq!(
            a.json(),
            json!({"status": "ready", "models": ["trollwatch-en"]})
        );
    }
    let models = c.get("/v1/models").json();
    let m = &models["models"][0];
    assert_eq!(models["models"].as_array().map(Vec::len), Some(1));
    assert_eq!(m["name"], "trollwatch-en");
    assert_eq!(m["sha256"], sha.as_str());
    assert_eq!(m["default"], true);
    assert_eq!(m["needs_batch"], false);
    assert_eq!(m["classes"], json!(["0", "1"]));

    // One post: the fields of `score --format jsonl`, and the model.
    let posts = sample_posts();
    let expected = cli_rows(&w, BUNDLED, &posts, &[]);
    let a = c.score(&json!({"id": "a", "text": posts[0].1}));
    assert_eq!(a.status, 200, "{}", a.text());
    assert!(a.headers.contains("content-type: application/json"));
    let mut one = a.json();
    let model = one.as_object_mut().unwrap().remove("model").expect("model");
    assert_eq!(one, expected[0]);
    assert_eq!(model["name"], "trollwatch-en");
    assert_eq!(model["sha256"], sha.as_str());
    assert!(model["version"].as_u64().is_some_and(|v| v >= 1));

    // A batch, with explanations: the rows of `score --explain 3`, in order.
    let explained = cli_rows(&w, BUNDLED, &posts, &["--explain", "3"]);
    let batch: Vec<Value> = posts
        .iter()
        .map(|(id, text)| json!({"id": id, "text": text}))
        .collect();
    let a = c.score(&json!({"posts": batch, "explain": 3}));
    assert_eq!(a.status, 200, "{}", a.text());
    let v = a.json();
    assert_eq!(v["model"]["sha256"], sha.as_str());
    assert_eq!(v["results"], json!(explained));
    // A post without a known term gets a null score, as on the command line.
    assert_eq!(v["results"][2]["score"], Value::Null);

    // Ids: numbers as their JSON text; missing ones are positions.
    let a = c.score(&json!({"posts": [{"id": 17, "text": "x"}, {"text": "y"}]}));
    let ids: Vec<Value> = a.json()["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].clone())
        .collect();
    assert_eq!(ids, [json!("17"), json!("2")]);

    // The threshold and the prior, as `score --threshold 0.01 --prior 0.1`.
    let low = cli_rows(
        &w,
        BUNDLED,
        &posts,
        &["--threshold", "0.01", "--prior", "0.1"],
    );
    let a = c.score(&json!({"posts": batch, "threshold": 0.01, "prior": 0.1}));
    assert_eq!(a.json()["results"], json!(low));
    assert!(low
        .iter()
        .filter(|r| !r["score"].is_null())
        .all(|r| r["flagged"] == true));

    // An empty batch is an empty answer.
    let a = c.score(&json!({"posts": []}));
    assert_eq!((a.status, a.json()["results"].clone()), (200, json!([])));

    // Unknown routes and methods answer JSON.
    c.get("/v1/nothing").error(404, "not_found");
    c.get("/v1/score").error(405, "method_not_allowed");

    let metrics = c.get("/metrics");
    assert_eq!(metrics.status, 200);
    assert!(metrics.headers.contains("content-type: text/plain"));
    let text = metrics.text();
    // 1 + 6 + 2 + 6 + 0 posts in five scoring requests.
    for line in [
        "trollwatch_posts_scored_total 15",
        "trollwatch_score_request_duration_seconds_count 5",
        "trollwatch_score_request_duration_seconds_bucket{le=\"+Inf\"} 5",
        "trollwatch_http_requests_total{route=\"/v1/score\",status=\"200\"} 5",
        "trollwatch_http_requests_total{route=\"/v1/models\",status=\"200\"} 1",
        "trollwatch_errors_total{code=\"not_found\"} 1",
        "trollwatch_requests_in_flight 0",
    ] {
        assert!(text.lines().any(|l| l == line), "no {line:?} in\n{text}");
    }
}

#[test]
fn limits_and_bad_requests_get_json_errors() {
    let w = Workdir::new();
    let server = Server::start(
        &w,
        &[
            "--model",
            &format!("en={BUNDLED}"),
            "--max-body-bytes",
            "2K",
            "--max-batch-posts",
            "3",
            "--max-text-bytes",
            "100",
            "--max-explain",
            "5",
        ],
    );
    let mut c = server.client();
    // Over the body limit, said by Content-Length ...
    let big = json!({"text": "x".repeat(3000)}).to_string();
    c.post("/v1/score", big.as_bytes())
        .error(413, "body_too_large");
    // ... and sent in chunks without one.
    let mut c = server.client();
    c.send(b"POST /v1/score HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n");
    for _ in 0..3 {
        c.send(format!("400\r\n{}\r\n", "y".repeat(0x400)).as_bytes());
    }
    c.send(b"0\r\n\r\n");
    c.answer().error(413, "body_too_large");

    let mut c = server.client();
    let four: Vec<Value> = (0..4).map(|i| json!({"id": i, "text": "hi"})).collect();
    c.score(&json!({"posts": four}))
        .error(413, "too_many_posts");
    let three: Vec<Value> = (0..3).map(|i| json!({"id": i, "text": "hi"})).collect();
    assert_eq!(c.score(&json!({"posts": three})).status, 200);
    let e = c
        .score(&json!({"posts": [{"id": "ok", "text": "fine"}, {"id": "long", "text": "z".repeat(101)}]}))
        .error(413, "text_too_long");
    assert!(
        e["error"]["message"].as_str().unwrap().contains("\"long\""),
        "{e}"
    );
    assert_eq!(c.score(&json!({"text": "z".repeat(100)})).status, 200);
    c.score(&json!({"text": "a", "explain": 6}))
        .error(400, "bad_request");

    // Bad JSON: where it went wrong.
    let e = c
        .post(
            "/v1/score",
            b"{\"posts\": [\n  {\"id\": 1, \"text\": \"a\"},\n  {\"id\": 2 \"text\": \"b\"}]}",
        )
        .error(400, "bad_json");
    assert_eq!(
        (e["error"]["line"].clone(), e["error"]["column"].clone()),
        (json!(3), json!(12)),
        "{e}"
    );
    c.post("/v1/score", b"").error(400, "bad_json");
    c.post("/v1/score", &[0xff, 0xfe, b'{'])
        .error(400, "bad_json");
    let e = c.score(&json!({"txt": "a"})).error(400, "bad_json");
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("unknown field `txt`"),
        "{e}"
    );
    c.score(&json!({"posts": [{"id": 1}]}))
        .error(400, "bad_json");
    c.score(&json!({"text": 5})).error(400, "bad_json");
    c.score(&json!({"text": "a", "posts": []}))
        .error(400, "bad_request");
    c.score(&json!({})).error(400, "bad_request");
    c.score(&json!({"id": {"x": 1}, "text": "a"}))
        .error(400, "bad_request");
    c.score(&json!({"id": "a", "posts": []}))
        .error(400, "bad_request");
    c.score(&json!({"text": "a", "threshold": 1.5}))
        .error(400, "bad_request");
    c.score(&json!({"text": "a", "prior": 0}))
        .error(400, "bad_request");
    let e = c
        .score(&json!({"text": "a", "model": "fr"}))
        .error(404, "unknown_model");
    assert!(
        e["error"]["message"].as_str().unwrap().contains("en"),
        "{e}"
    );
    assert_eq!(c.score(&json!({"text": "a", "model": "en"})).status, 200);

    // Still answering, and nothing panicked.
    assert_eq!(c.get("/health/ready").status, 200);
    let text = c.get("/metrics").text();
    assert!(
        text.contains("trollwatch_errors_total{code=\"bad_json\"} 6"),
        "{text}"
    );
    assert!(
        text.contains("trollwatch_errors_total{code=\"body_too_large\"} 2"),
        "{text}"
    );
    assert!(!server.log().contains("panicked"), "{}", server.log());
}

#[test]
fn busy_and_slow_requests_are_refused_not_queued() {
    let w = Workdir::new();
    let server = Server::start(
        &w,
        &[
            "--model",
            BUNDLED,
            "--max-concurrent",
            "1",
            "--body-timeout",
            "2",
        ],
    );
    // A client that sends half its body holds the one permit ...
    let mut slow = server.client();
    slow.send(b"POST /v1/score HTTP/1.1\r\nHost: t\r\nContent-Length: 40\r\n\r\n{\"text\":");
    std::thread::sleep(Duration::from_millis(300));
    // ... so another request is refused at once with 429, while health checks still answer.
    let mut c = server.client();
    let started = Instant::now();
    c.score(&json!({"text": "a"}))
        .error(429, "too_many_requests");
    assert!(started.elapsed() < Duration::from_secs(2));
    // A refused request's connection may be closed (its body was never read): new ones.
    assert_eq!(server.client().get("/health/live").status, 200);
    // The slow body times out with 408, and the permit is free again.
    slow.answer().error(408, "body_timeout");
    assert_eq!(server.client().score(&json!({"text": "a"})).status, 200);
}

#[test]
fn reload_under_load_drops_nothing_and_shutdown_finishes_the_request_under_way() {
    let w = Workdir::new();
    let live = w.path("live.model");
    std::fs::copy(BUNDLED, &live).expect("copy model");
    w.demo_csv("train.csv", 2000, 3);
    w.ok(&["train", "train.csv", "--out", "other.model", "--quiet"]);
    let (old_sha, new_sha) = (sha256_hex(&live), sha256_hex(&w.path("other.model")));
    assert_ne!(old_sha, new_sha);
    let server = Server::start(&w, &["--model", "live.model"]);

    // Four clients score single posts and batches without pause.
    let stop = Arc::new(AtomicBool::new(false));
    let clients: Vec<_> = (0..4)
        .map(|k| {
            let (stop, addr) = (stop.clone(), server.addr);
            std::thread::spawn(move || {
                let mut c = Client::connect(addr);
                let (mut answers, mut shas) = (0, std::collections::BTreeSet::new());
                while !stop.load(Ordering::Relaxed) {
                    let body = if k % 2 == 0 {
                        json!({"text": "Hillary lies again, share this #MAGA"})
                    } else {
                        let posts: Vec<Value> = (0..200)
                            .map(|i| json!({"id": i, "text": format!("post {i} share this #MAGA")}))
                            .collect();
                        json!({"posts": posts})
                    };
                    let a = c.score(&body);
                    assert_eq!(a.status, 200, "{}", a.text());
                    shas.insert(a.json()["model"]["sha256"].as_str().unwrap().to_string());
                    answers += 1;
                }
                (answers, shas)
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    // The new model replaces the file (as a deploy would: written beside, then renamed).
    std::fs::copy(w.path("other.model"), w.path("next.model")).unwrap();
    std::fs::rename(w.path("next.model"), &live).unwrap();
    server.signal(libc::SIGHUP);
    server.wait_log("SIGHUP: reloaded");
    let mut c = server.client();
    assert_eq!(
        c.get("/v1/models").json()["models"][0]["sha256"],
        new_sha.as_str()
    );
    std::thread::sleep(Duration::from_millis(300));
    // A broken file is refused and the model in use stays.
    std::fs::write(w.path("next.model"), b"not a model").unwrap();
    std::fs::rename(w.path("next.model"), &live).unwrap();
    server.signal(libc::SIGHUP);
    server.wait_log("SIGHUP: reload refused");
    std::thread::sleep(Duration::from_millis(300));
    stop.store(true, Ordering::Relaxed);
    let mut seen = std::collections::BTreeSet::new();
    for t in clients {
        let (answers, shas) = t.join().expect("client thread");
        assert!(answers > 0);
        seen.extend(shas);
    }
    // Both models answered, every request got 200 (asserted in the clients).
    assert!(
        seen.contains(&old_sha) && seen.contains(&new_sha),
        "{seen:?}"
    );
    assert_eq!(seen.len(), 2);
    assert_eq!(
        c.get("/v1/models").json()["models"][0]["sha256"],
        new_sha.as_str()
    );
    let metrics = c.get("/metrics").text();
    assert!(
        metrics.contains("trollwatch_model_reloads_total 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("trollwatch_model_reload_failures_total 1"),
        "{metrics}"
    );

    // SIGTERM while a request's body is half sent: it is answered, then the server exits 0.
    let mut slow = server.client();
    let body = json!({"text": "Share this before it gets deleted!"}).to_string();
    slow.send(
        format!(
            "POST /v1/score HTTP/1.1\r\nHost: t\r\nContent-Length: {}\r\n\r\n",
            body.len()
        )
        .as_bytes(),
    );
    slow.send(&body.as_bytes()[..10]);
    std::thread::sleep(Duration::from_millis(200));
    server.signal(libc::SIGTERM);
    server.wait_log("SIGTERM: shutting down");
    slow.send(&body.as_bytes()[10..]);
    let a = slow.answer();
    assert_eq!(a.status, 200, "{}", a.text());
    assert_eq!(a.json()["model"]["sha256"], new_sha.as_str());
    let mut server = server;
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(s) = server.child.try_wait().expect("wait") {
            break s;
        }
        assert!(
            Instant::now() < deadline,
            "serve did not exit after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "{status:?}\n{}", server.log());
    assert!(TcpStream::connect(server.addr).is_err(), "still listening");
    assert!(!server.log().contains("panicked"), "{}", server.log());
}

#[test]
fn bad_models_and_settings_fail_before_listening() {
    let w = Workdir::new();
    w.write("junk.model", b"junk");
    w.fails(
        &["serve", "--model", "junk.model", "--addr", "127.0.0.1:0"],
        2,
        &["junk.model"],
    );
    w.fails(
        &["serve", "--model", "missing.model", "--addr", "127.0.0.1:0"],
        2,
        &["missing.model"],
    );
    w.fails(
        &[
            "serve",
            "--model",
            BUNDLED,
            "--model",
            BUNDLED,
            "--addr",
            "127.0.0.1:0",
        ],
        2,
        &["two models have this name"],
    );
    w.fails(
        &[
            "serve",
            "--model",
            BUNDLED,
            "--max-concurrent",
            "0",
            "--addr",
            "127.0.0.1:0",
        ],
        2,
        &["max-concurrent"],
    );
    w.fails(
        &["serve", "--model", BUNDLED, "--addr", "nowhere"],
        2,
        &["nowhere"],
    );
}

#[test]
fn a_coordination_model_scores_batches_as_the_command_line_does() {
    let w = Workdir::new();
    w.demo_csv("train.csv", 2000, 4);
    w.ok(&[
        "train",
        "train.csv",
        "--features",
        "text,coordination",
        "--time-col",
        "timestamp",
        "--out",
        "coord.model",
        "--quiet",
    ]);
    let batch_csv = w.demo_csv("batch.csv", 400, 41);
    let server = Server::start(&w, &["--model", BUNDLED, "--model", "coord.model"]);
    let mut c = server.client();
    let models = c.get("/v1/models").json();
    assert_eq!(models["models"][1]["needs_batch"], true, "{models}");
    let e = c
        .score(&json!({"text": "a", "model": "coord"}))
        .error(422, "needs_batch");
    assert!(
        e["error"]["message"].as_str().unwrap().contains("author"),
        "{e}"
    );

    // The batch form, with accounts and times: the rows `score` writes for the same file.
    let mut r = csv::Reader::from_path(&batch_csv).expect("batch.csv");
    let headers = r.headers().expect("header").clone();
    let col = |name: &str| headers.iter().position(|h| h == name).expect("column");
    let (id, text, author, time) = (col("id"), col("text"), col("author"), col("timestamp"));
    let posts: Vec<Value> = r
        .records()
        .map(|rec| {
            let rec = rec.expect("row");
            json!({"id": &rec[id], "text": &rec[text], "author": &rec[author], "time": &rec[time]})
        })
        .collect();
    let a = c.score(&json!({"posts": posts, "model": "coord"}));
    assert_eq!(a.status, 200, "{}", a.text());
    let expected = jsonl(&w.ok(&[
        "score",
        "-m",
        "coord.model",
        "--input",
        "batch.csv",
        "--format",
        "jsonl",
        "--quiet",
    ]));
    assert_eq!(a.json()["results"], json!(expected));

    // Without an author or with a time that is none: the post is named.
    let e = c
        .score(&json!({"model": "coord", "posts": [{"text": "a", "time": 1}]}))
        .error(400, "bad_request");
    assert!(
        e["error"]["message"].as_str().unwrap().contains("post 1"),
        "{e}"
    );
    let e = c
        .score(&json!({"model": "coord", "posts": [
            {"text": "a", "author": "x", "time": 1},
            {"text": "b", "author": "y", "time": "yesterday"}]}))
        .error(400, "bad_request");
    assert!(
        e["error"]["message"].as_str().unwrap().contains("post 2"),
        "{e}"
    );
}
