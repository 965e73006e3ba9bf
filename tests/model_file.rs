use crate::workdir::Workdir;

#[test]
fn same_data_and_options_give_identical_bytes_at_any_thread_count() {
    let w = Workdir::new();
    w.demo_csv("d.csv", 2500, 3);
    let mut files = Vec::new();
    for (name, threads) in [("a.model", "1"), ("b.model", "2"), ("c.model", "3")] {
        let out = w
            .cmd("trollwatch")
            .args(["train", "d.csv", "--out", name, "-q"])
            .env("RAYON_NUM_THREADS", threads)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        files.push(std::fs::read(w.path(name)).unwrap());
    }
    assert!(
        files[0] == files[1] && files[1] == files[2],
        "model bytes differ between runs"
    );
    // A different option gives a different model.
    w.ok(&["train", "d.csv", "--out", "e.model", "-q", "--c", "2"]);
    assert_ne!(std::fs::read(w.path("e.model")).unwrap(), files[0]);
}

#[test]
fn save_load_round_trip_gives_identical_scores() {
    let w = Workdir::new();
    let data = w.demo_csv("d.csv", 2000, 4);
    let labeled = trollwatch::read_labeled(
        data.to_str().unwrap(),
        trollwatch::ReadOptions::default(),
        "label",
        "1",
        |_| {},
    )
    .unwrap();
    let cols = trollwatch::InputColumns {
        text_col: "text".into(),
        label_col: "label".into(),
    };
    let (model, _) = trollwatch::train(
        labeled.clone(),
        "d.csv",
        cols,
        &trollwatch::TrainConfig::default(),
        None,
        &[],
        &trollwatch::Progress::hidden(),
    )
    .unwrap();
    let path = w.path("m.model");
    model.save(&path).unwrap();
    let loaded = trollwatch::Model::load(&path).unwrap();
    assert_eq!(loaded.meta, model.meta);
    assert_eq!(loaded.vectorizer, model.vectorizer);
    assert_eq!(loaded.head, model.head);
    let before = model.score_batch(&labeled.texts, 0.5, 3);
    let after = loaded.score_batch(&labeled.texts, 0.5, 3);
    assert_eq!(before, after);
    assert_eq!(loaded.to_bytes().unwrap(), std::fs::read(&path).unwrap());
}

fn model_bytes(w: &Workdir) -> Vec<u8> {
    w.demo_csv("d.csv", 1500, 6);
    w.ok(&["train", "d.csv", "--out", "good.model", "-q"]);
    std::fs::read(w.path("good.model")).unwrap()
}

/// Length of the metadata JSON of a model file.
fn meta_len(b: &[u8]) -> usize {
    u64::from_le_bytes(b[20..28].try_into().unwrap()) as usize
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// A model file changed by `edit` (applied to everything before the checksum) with a new,
/// valid checksum.
fn resealed(good: &[u8], edit: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
    use sha2::Digest;
    let mut body = good[..good.len() - 32].to_vec();
    edit(&mut body);
    let digest = sha2::Sha256::digest(&body);
    body.extend_from_slice(&digest);
    body
}

#[test]
fn broken_and_foreign_model_files_are_refused() {
    let w = Workdir::new();
    let good = model_bytes(&w);
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty.model", Vec::new(), "is empty"),
        (
            "truncated.model",
            good[..good.len() / 2].to_vec(),
            "checksum",
        ),
        (
            "flipped.model",
            {
                let mut b = good.clone();
                let k = b.len() / 3;
                b[k] ^= 0x10;
                b
            },
            "checksum",
        ),
        (
            "other.model",
            b"PK\x03\x04 this is a zip file, not a model".to_vec(),
            "not a trollwatch model file",
        ),
        (
            "newer.model",
            {
                let mut b = good.clone();
                b[16..20].copy_from_slice(&99u32.to_le_bytes());
                b
            },
            "newer than this trollwatch",
        ),
        ("header.model", good[..18].to_vec(), "truncated"),
        (
            "older.model",
            {
                let mut b = good.clone();
                b[16..20].copy_from_slice(&0u32.to_le_bytes());
                b
            },
            "no longer reads; retrain",
        ),
        // Damage behind a valid checksum, as a buggy writer (or a fuzzer) would make it.
        (
            "huge_count.model",
            resealed(&good, |b| {
                let at = 28 + meta_len(b);
                b[at..at + 8].copy_from_slice(&(1u64 << 60).to_le_bytes());
            }),
            "claims 1152921504606846976 terms",
        ),
        (
            "nan_weight.model",
            resealed(&good, |b| {
                let end = b.len();
                b[end - 8..].copy_from_slice(&f64::NAN.to_le_bytes());
            }),
            "is not a finite number",
        ),
        (
            "bad_settings.model",
            resealed(&good, |b| {
                let at = find(b, b"\"ngram_min\":1").expect("ngram_min in the metadata");
                b[at + 12] = b'0';
            }),
            "vectorizer settings are invalid",
        ),
    ];
    for (name, bytes, needle) in cases {
        w.write(name, &bytes);
        w.fails(&["score", "-m", name, "text"], 2, &[name, needle]);
        w.fails(&["inspect", name], 2, &[needle]);
    }
    w.fails(
        &["score", "-m", "missing.model", "text"],
        2,
        &["missing.model"],
    );
    w.fails(&["inspect", "."], 2, &["directory"]);
    // A data file given for the model: refused from its first bytes.
    w.fails(
        &["score", "-m", "d.csv", "text"],
        2,
        &[
            "d.csv",
            "not a trollwatch model file",
            "starts with \"id,text,label,au\"",
        ],
    );
}

#[test]
fn failed_training_leaves_previous_model_intact() {
    let w = Workdir::new();
    let good = model_bytes(&w);
    w.write(
        "one_class.csv",
        "text,label\nsome text here,1\nmore text here,1\n",
    );
    w.fails(
        &["train", "one_class.csv", "--out", "good.model"],
        2,
        &["exactly two label values"],
    );
    assert_eq!(std::fs::read(w.path("good.model")).unwrap(), good);
    let leftovers: Vec<String> = std::fs::read_dir(w.dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn killing_train_never_leaves_a_torn_model_or_a_temporary_file() {
    let w = Workdir::new();
    let good = model_bytes(&w);
    w.demo_csv("big.csv", 12000, 8);
    // What a finished run writes (training is deterministic).
    w.ok(&["train", "big.csv", "--out", "new.model", "-q"]);
    let new = std::fs::read(w.path("new.model")).unwrap();
    // Kill at a spread of moments: while reading, tokenizing, fitting and writing.
    for delay_ms in [5u64, 40, 80, 120, 160, 200, 260, 320, 400, 500] {
        let mut c = w.cmd("trollwatch");
        c.args(["train", "big.csv", "--out", "good.model", "-q"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        let mut child = c.spawn().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = child.kill(); // SIGKILL
        let status = child.wait().unwrap();
        let now = std::fs::read(w.path("good.model")).unwrap();
        // Killed before the rename: the old model; after it (or finished): the whole new one.
        assert!(
            now == good || now == new,
            "killed after {delay_ms} ms ({status:?}): good.model is neither the old nor the new model"
        );
        let leftovers: Vec<String> = std::fs::read_dir(w.dir())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains(".tmp"))
            .collect();
        assert!(
            leftovers.is_empty(),
            "killed after {delay_ms} ms, left {leftovers:?}"
        );
    }
}

#[test]
fn ctrl_c_during_train_leaves_the_previous_model_and_no_temporary_file() {
    let w = Workdir::new();
    let good = model_bytes(&w);
    w.demo_csv("big.csv", 12000, 8);
    w.ok(&["train", "big.csv", "--out", "new.model", "-q"]);
    let new = std::fs::read(w.path("new.model")).unwrap();
    let mut interrupted = 0;
    // Training takes about a quarter of a second here: spread over reading, fitting, writing.
    for delay_ms in [5u64, 25, 50, 75, 100, 130, 160, 190, 220, 260] {
        let mut c = w.cmd("trollwatch");
        c.args(["train", "big.csv", "--out", "good.model", "-q"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        crate::workdir::sigint_as_in_a_terminal(&mut c);
        let mut child = c.spawn().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        // What Ctrl-C sends to the foreground process.
        unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
        let status = child.wait().unwrap();
        {
            use std::os::unix::process::ExitStatusExt;
            if status.signal() == Some(libc::SIGINT) {
                interrupted += 1;
            }
        }
        let now = std::fs::read(w.path("good.model")).unwrap();
        assert!(
            now == good || now == new,
            "Ctrl-C after {delay_ms} ms ({status:?}): good.model is neither the old nor the new model"
        );
        let leftovers: Vec<String> = std::fs::read_dir(w.dir())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains(".tmp"))
            .collect();
        assert!(
            leftovers.is_empty(),
            "Ctrl-C after {delay_ms} ms left {leftovers:?}"
        );
    }
    assert!(
        interrupted > 0,
        "no run was interrupted: the test proved nothing"
    );
}
