//! Coordination counts as model features (`--features text,coordination`), account-level
//! scoring (`score --by author`) and the account model (`train --account-model`).

use crate::workdir::{jsonl, Workdir};

/// Posts whose text says nothing about the class: every text is 8 words drawn from one pool,
/// posted by 4 accounts. Positives are campaign posts — the 4 within 30 s; negatives are 10
/// minutes apart. Only coordination (τ = 60 s) tells them apart, once the copies of a text
/// are kept in one fold (`--group-by item`).
fn campaign_csv(w: &Workdir, name: &str, campaigns: usize) -> std::path::PathBuf {
    const POOL: [&str; 40] = [
        "vote", "city", "news", "today", "people", "water", "game", "school", "road", "money",
        "family", "music", "night", "market", "rain", "team", "price", "movie", "park", "doctor",
        "coffee", "phone", "weekend", "power", "street", "friend", "morning", "border", "health",
        "job", "tax", "bank", "story", "truth", "church", "police", "farm", "train", "energy",
        "house",
    ];
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let text = |next: &mut dyn FnMut() -> u64| {
        (0..8)
            .map(|_| POOL[(next() % POOL.len() as u64) as usize])
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mut csv = String::from("id,text,label,author,timestamp,item\n");
    let mut id = 0;
    for c in 0..campaigns {
        let t0 = 1_500_000_000 + c as i64 * 7200;
        let body = text(&mut next);
        for k in 0..4 {
            id += 1;
            let author = format!("troll{}", (c * 4 + k) % 40);
            csv += &format!("p{id},{body},1,{author},{},c{c}\n", t0 + 10 * k as i64);
        }
        // The same text from 4 accounts too, but 10 minutes apart: only the timing differs.
        let body = text(&mut next);
        for k in 0..4 {
            id += 1;
            let author = format!("user{}", (c * 4 + k) % 120);
            csv += &format!(
                "p{id},{body},0,{author},{},n{c}\n",
                t0 + 1800 + 600 * k as i64
            );
        }
    }
    w.write(name, csv)
}

fn mean_auc(table: &str) -> f64 {
    let line = table
        .lines()
        .find(|l| l.starts_with("mean"))
        .unwrap_or_else(|| panic!("no mean row in\n{table}"));
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[test]
fn coordination_features_carry_what_text_cannot() {
    let w = Workdir::new();
    let data = campaign_csv(&w, "c.csv", 150);
    let data = data.to_str().unwrap();
    let text = mean_auc(&w.ok(&["evaluate", data, "--folds", "4", "--group-by", "item", "-q"]));
    let both = mean_auc(&w.ok(&[
        "evaluate",
        data,
        "--folds",
        "4",
        "--group-by",
        "item",
        "--features",
        "text,coordination",
        "--kinds",
        "text",
        "-q",
    ]));
    eprintln!("grouped 4-fold ROC-AUC: text {text:.4}, text+coordination {both:.4}");
    assert!(
        text < 0.7,
        "text alone should not separate these: AUC {text}"
    );
    assert!(both > 0.95, "coordination features should: AUC {both}");
}

#[test]
fn model_with_coordination_features_scores_batches_not_single_posts() {
    let w = Workdir::new();
    let data = campaign_csv(&w, "c.csv", 60);
    let data = data.to_str().unwrap();
    w.ok(&[
        "train",
        data,
        "--features",
        "text,coordination",
        "--kinds",
        "text,hashtag",
        "--out",
        "m.model",
        "-q",
    ]);
    w.ok(&[
        "train",
        data,
        "--features",
        "text,coordination",
        "--kinds",
        "text,hashtag",
        "--out",
        "m2.model",
        "-q",
    ]);
    let a = std::fs::read(w.path("m.model")).unwrap();
    assert_eq!(
        a,
        std::fs::read(w.path("m2.model")).unwrap(),
        "not deterministic"
    );
    // Coordination features with a calibration: format 4.
    assert_eq!(u32::from_le_bytes(a[16..20].try_into().unwrap()), 4);
    let info = w.ok(&["inspect", "m.model", "--json"]);
    let meta: serde_json::Value = serde_json::from_str(&info).unwrap();
    assert_eq!(
        meta["meta"]["coordination"]["kinds"],
        serde_json::json!(["text", "hashtag"])
    );

    // A single post: a clear message naming the missing columns.
    w.fails(
        &["score", "-m", "m.model", "some post"],
        2,
        &["coordination features", "author, timestamp", "--input"],
    );
    // The batch: campaign posts score high, and the strongest column is a coordination one.
    let rows = jsonl(&w.ok(&[
        "score",
        "-m",
        "m.model",
        "--input",
        data,
        "--format",
        "jsonl",
        "--explain",
        "1",
    ]));
    assert_eq!(rows.len(), 480);
    let labels: Vec<bool> = std::fs::read_to_string(w.path("c.csv"))
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(2) == Some("1"))
        .collect();
    let right = rows
        .iter()
        .zip(&labels)
        .filter(|(r, &l)| r["flagged"].as_bool() == Some(l))
        .count();
    assert!(right > 470, "{right} of 480 right");
    assert_eq!(rows[0]["explain"][0]["term"], "coordination:text");
    // Without the time column, a clear error.
    let no_time: String = std::fs::read_to_string(w.path("c.csv"))
        .unwrap()
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            format!("{},{},{},{}\n", f[0], f[1], f[2], f[3])
        })
        .collect();
    w.write("notime.csv", no_time);
    w.fails(
        &["score", "-m", "m.model", "--input", "notime.csv"],
        2,
        &["notime.csv", "timestamp"],
    );
}

#[test]
fn empty_author_is_an_error_or_a_counted_skip() {
    let w = Workdir::new();
    let mut csv = std::fs::read_to_string(campaign_csv(&w, "c.csv", 20)).unwrap();
    csv += "x1,vote city news today,0,,1500000000,x\n";
    w.write("bad.csv", csv);
    w.fails(
        &[
            "train",
            "bad.csv",
            "--features",
            "text,coordination",
            "--out",
            "m.model",
        ],
        2,
        &["bad.csv", "line 162", "\"author\" is empty"],
    );
    let err = w.fails(
        &[
            "train",
            "bad.csv",
            "--features",
            "text,coordination",
            "--skip-bad-rows",
            "--out",
            "m.model",
        ],
        0,
        &[],
    );
    assert!(err.contains("skipped 1 bad rows: 1 empty author"), "{err}");
}

#[test]
fn accounts_are_scored_and_the_account_model_ranks_campaign_accounts_first() {
    let w = Workdir::new();
    let data = w.demo_csv("demo.csv", 4000, 5);
    let data = data.to_str().unwrap();
    let err = w.fails(
        &[
            "train",
            data,
            "--features",
            "text,coordination",
            "--account-model",
            "--out",
            "m.model",
        ],
        0,
        &["account model"],
    );
    assert!(err.contains("accounts"), "{err}");
    let out = w.ok(&[
        "score", "-m", "m.model", "--input", data, "--by", "author", "--format", "csv",
    ]);
    let mut lines = out.lines();
    assert_eq!(
        lines.next(),
        Some(
            "account,posts,mean_score,shrunk_score,max_score,share_flagged,coordinated_posts,\
             share_coordinated,degree,max_edge_weight,cluster,cluster_size,account_score,label"
        )
    );
    // Accounts come most suspicious first; the demo's troll accounts are named apart from
    // ordinary ones only by the generator, so check against its labels.
    let truth: std::collections::HashMap<String, bool> = csv::Reader::from_path(data)
        .unwrap()
        .records()
        .map(|r| {
            let r = r.unwrap();
            (r[3].to_string(), &r[2] == "1")
        })
        .collect();
    let ranked: Vec<(String, f64)> = lines
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[0].to_string(), f[12].parse().unwrap())
        })
        .collect();
    assert_eq!(ranked.len(), truth.len());
    assert!(ranked.windows(2).all(|p| p[0].1 >= p[1].1), "not sorted");
    let trolls = truth.values().filter(|&&t| t).count();
    let top_right = ranked[..trolls].iter().filter(|(a, _)| truth[a]).count();
    assert!(
        top_right * 10 >= trolls * 9,
        "{top_right} of the top {trolls} accounts are trolls"
    );
    // Without --by, the model without an account model still scores by author.
    w.ok(&["train", data, "--out", "plain.model", "-q"]);
    // The arguments of `score --by author` with the plain model, JSON lines, and `extra`.
    let by_author = |extra: &[&'static str]| -> Vec<&str> {
        let base = [
            "score",
            "-m",
            "plain.model",
            "--input",
            data,
            "--by",
            "author",
            "--format",
            "jsonl",
        ];
        base.iter().chain(extra).copied().collect()
    };
    let j = jsonl(&w.ok(&by_author(&["--time-col", "timestamp"])));
    assert_eq!(j.len(), truth.len());
    assert!(j[0].get("degree").is_some() && j[0].get("account_score").is_none());
    // Without an account model, accounts rank by the shrunk mean: (Σ + m·μ) / (n + m), μ the
    // mean of all post scores, m = --shrinkage.
    let shrunk = |v: &serde_json::Value| v["shrunk_score"].as_f64().unwrap();
    assert!(
        j.windows(2).all(|p| shrunk(&p[0]) >= shrunk(&p[1])),
        "not sorted"
    );
    let posts: f64 = j.iter().map(|v| v["posts"].as_f64().unwrap()).sum();
    let mu = j
        .iter()
        .map(|v| v["mean_score"].as_f64().unwrap() * v["posts"].as_f64().unwrap())
        .sum::<f64>()
        / posts;
    for v in &j {
        let (mean, n) = (
            v["mean_score"].as_f64().unwrap(),
            v["posts"].as_f64().unwrap(),
        );
        assert!(
            (shrunk(v) - (mean * n + 5.0 * mu) / (n + 5.0)).abs() < 1e-9,
            "{v}"
        );
    }
    // --shrinkage 0 ranks by the plain mean; --min-posts leaves accounts out and says so.
    let plain = jsonl(&w.ok(&by_author(&["--shrinkage", "0"])));
    let mean = |v: &serde_json::Value| v["mean_score"].as_f64().unwrap();
    assert!(plain.windows(2).all(|p| mean(&p[0]) >= mean(&p[1])));
    let min_posts = j
        .iter()
        .map(|v| v["posts"].as_u64().unwrap())
        .max()
        .unwrap();
    let min_arg = min_posts.to_string();
    let mut args = by_author(&["--min-posts"]);
    args.push(&min_arg);
    let out = w.run(&args);
    let kept = jsonl(&String::from_utf8(out.stdout).unwrap());
    let stderr = String::from_utf8(out.stderr).unwrap();
    let few = j
        .iter()
        .filter(|v| v["posts"].as_u64().unwrap() < min_posts)
        .count();
    assert_eq!(kept.len(), j.len() - few);
    assert!(
        few > 0
            && stderr.contains(&format!(
                "{few} accounts of fewer than {min_posts} posts (--min-posts)"
            )),
        "{stderr}"
    );
}

#[test]
fn coordination_features_and_account_scores_are_refused_for_multiclass_models() {
    let w = Workdir::new();
    let data = w.demo_csv("demo.csv", 3000, 9);
    let data = data.to_str().unwrap();
    w.fails(
        &[
            "train",
            data,
            "--label-col",
            "category",
            "--features",
            "text,coordination",
            "--out",
            "m.model",
        ],
        2,
        &["coordination features", "two-class"],
    );
    w.fails(
        &[
            "evaluate",
            data,
            "--label-col",
            "category",
            "--features",
            "text,coordination",
        ],
        2,
        &["two-class"],
    );
    // Refused before the cross-validation (no table printed), and with --multiclass before
    // the input is even opened.
    let err = w.fails(
        &[
            "train",
            data,
            "--label-col",
            "category",
            "--features",
            "text,coordination",
            "--cv",
            "5",
            "--out",
            "m.model",
        ],
        2,
        &["two-class"],
    );
    assert!(!err.contains("RightTroll"), "{err}");
    for (cmd, option) in [
        ("train", "--account-model"),
        ("train", "--features=text,coordination"),
        ("evaluate", "--features=text,coordination"),
    ] {
        w.fails(
            &[
                cmd,
                "missing.csv",
                "--multiclass",
                "softmax",
                option,
                "--out",
                "m.model",
            ][..if cmd == "train" { 7 } else { 5 }],
            2,
            &[
                "two-class",
                &option[2..option.find('=').unwrap_or(option.len())],
            ],
        );
    }
    w.ok(&[
        "train",
        data,
        "--label-col",
        "category",
        "--out",
        "k.model",
        "-q",
    ]);
    w.fails(
        &["score", "-m", "k.model", "--input", data, "--by", "author"],
        2,
        &["account-level scores", "multi-class"],
    );
}

/// `score --by author` gives each account its own coordination statistics — those of
/// `trollwatch coordination` with the same settings — even when posts without a known term
/// (which get no score) come first.
#[test]
fn account_coordination_statistics_are_the_accounts_own() {
    let w = Workdir::new();
    let demo = std::fs::read_to_string(w.demo_csv("demo.csv", 3000, 7)).unwrap();
    let (header, rows) = demo.split_once('\n').unwrap();
    let mut data = format!("{header}\n");
    for i in 0..3 {
        data.push_str(&format!(
            "q{i},@nobody,0,aaa_quiet,2016-01-01T00:00:0{i}Z,none,\n"
        ));
    }
    data.push_str(rows);
    w.write("data.csv", data);
    w.ok(&["train", "data.csv", "--out", "plain.model", "-q"]);
    let scored = w.ok(&[
        "score",
        "-m",
        "plain.model",
        "--input",
        "data.csv",
        "--by",
        "author",
        "--format",
        "csv",
        "--time-col",
        "timestamp",
        "-q",
    ]);
    w.ok(&["coordination", "data.csv", "--out", "coord", "-q"]);
    let accounts = std::fs::read_to_string(w.path("coord/accounts.csv")).unwrap();
    // account,posts,coordinated_posts,share_coordinated,degree,max_edge_weight,cluster
    let want: std::collections::HashMap<&str, (&str, &str, &str)> = accounts
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[0], (f[2], f[4], f[5]))
        })
        .collect();
    let mut coordinated = 0;
    let mut lines = scored.lines();
    assert!(lines.next().unwrap().contains(",coordinated_posts,"));
    for l in lines {
        // account,posts,mean,shrunk,max,share_flagged,coordinated_posts,share,degree,
        // max_edge_weight,…
        let f: Vec<&str> = l.split(',').collect();
        assert_ne!(f[0], "aaa_quiet", "no scored post, no row");
        assert_eq!((f[6], f[8], f[9]), want[f[0]], "account {}", f[0]);
        coordinated += usize::from(f[6] != "0");
    }
    assert!(
        coordinated > 10,
        "{coordinated} accounts with coordinated posts"
    );
}

/// An object shared by more accounts than `--max-object-accounts` is left out of the
/// coordination features as it is out of `coordination`: the model records the limit, scoring
/// applies it, and both say what was left out; 0 lifts it.
#[test]
fn coordination_features_leave_out_hub_objects_and_say_so() {
    let wd = Workdir::new();
    let mut csv = String::from("id,author,timestamp,text,label\n");
    for i in 0..1200 {
        csv.push_str(&format!(
            "{i},acct{i:05},2016-09-01T13:05:{:02}Z,words{i} of account {} #breaking,{}\n",
            i % 60,
            i % 7,
            if i % 2 == 0 { "troll" } else { "ordinary" }
        ));
    }
    wd.write("hub.csv", csv);
    let train = |extra: &[&str]| {
        let mut args = vec![
            "train",
            "hub.csv",
            "--features",
            "text,coordination",
            "--positive",
            "troll",
            "--out",
            "m.model",
        ];
        args.extend_from_slice(extra);
        wd.ok_stderr(&args)
    };
    let said =
        "coordination features: 1 object (the largest: hashtag \"#breaking\", 1200 accounts, \
                1200 posts) shared by more than 1000 accounts left out of the counts";
    let err = train(&[]);
    assert!(err.contains(said), "{err}");
    let shown = wd.ok(&["inspect", "m.model"]);
    assert!(
        shown.contains("objects of at most 1000 accounts"),
        "{shown}"
    );
    assert!(shown.contains(said), "{shown}");
    let out = wd.run(&["score", "--model", "m.model", "--input", "hub.csv"]);
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(
            "warning: coordination features: 1 object (the largest: hashtag, 1200 accounts"
        ),
        "{err}"
    );
    let err = train(&["--max-object-accounts", "0"]);
    assert!(!err.contains("left out"), "{err}");
    let shown = wd.ok(&["inspect", "m.model"]);
    assert!(shown.contains("no account limit per object"), "{shown}");
    let out = wd.run(&["score", "--model", "m.model", "--input", "hub.csv"]);
    assert!(!String::from_utf8_lossy(&out.stderr).contains("left out"));
}
