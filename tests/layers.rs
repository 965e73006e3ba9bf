//! The crate's layers: every module imports only from its own layer or the ones below, and no
//! two modules import each other, directly or through others. Read from the sources: every
//! `crate::…` path and `super::…` path outside comments is an import of the module it names.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The layers, bottom first: a module's layer is that of its first path segment.
const LAYERS: &[&[&str]] = &[
    &["error", "util"],
    &["text"],
    &["learn"],
    &["coordination"],
    &["pipeline"],
    &["report"],
    &["server"],
    &["cli"],
];

fn layer_of(module: &str) -> Option<usize> {
    let top = module.split("::").next()?;
    LAYERS.iter().position(|l| l.contains(&top))
}

/// Every `.rs` file under `dir`, with its module path (`text::tokenize::social`).
fn modules(src: &Path) -> BTreeMap<String, PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).expect("src readable") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    let mut files = Vec::new();
    walk(src, &mut files);
    let mut out = BTreeMap::new();
    for f in files {
        let rel = f.strip_prefix(src).expect("under src");
        let mut parts: Vec<String> = rel
            .iter()
            .map(|s| s.to_string_lossy().trim_end_matches(".rs").to_string())
            .collect();
        if parts[0] == "bin" || parts == ["lib"] {
            continue;
        }
        if parts.last().is_some_and(|p| p == "mod") {
            parts.pop();
        }
        out.insert(parts.join("::"), f);
    }
    out
}

/// The source without comments (so that doc links are not imports), string and character
/// literals, and with every non-ASCII character made a space.
fn code_of(src: &str) -> String {
    let mut out = String::with_capacity(src.len());
    let b = src.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if !src.is_char_boundary(i) {
            out.push(' ');
            i += 1;
            continue;
        }
        let rest = &src[i..];
        if rest.starts_with("//") {
            i += rest.find('\n').unwrap_or(rest.len());
        } else if let Some(raw) = rest.strip_prefix("r#\"") {
            i += 3 + raw.find("\"#").map_or(raw.len(), |e| e + 2);
            out.push_str("\"\"");
        } else if b[i] == b'"' {
            i += 1;
            while i < b.len() && b[i] != b'"' {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
            i += 1;
            out.push_str("\"\"");
        } else if rest.starts_with("'\\") {
            i += rest[1..].find('\'').map_or(rest.len(), |e| e + 2);
        } else if b[i] == b'\'' && b.get(i + 2) == Some(&b'\'') {
            i += 3;
        } else {
            out.push(if b[i].is_ascii() { b[i] as char } else { ' ' });
            i += 1;
        }
    }
    out
}

/// The modules `module`'s code names: each `crate::a::b::…` (and `super::…`) path resolved to
/// the longest module it starts with, including the paths inside `use crate::{…}` groups.
fn imports(module: &str, code: &str, known: &BTreeMap<String, PathBuf>) -> BTreeSet<String> {
    let is_folder = known
        .get(module)
        .is_some_and(|p| p.file_name().is_some_and(|n| n == "mod.rs"));
    let parent: Vec<&str> = {
        let mut p: Vec<&str> = module.split("::").collect();
        if !is_folder {
            p.pop();
        }
        p
    };
    let mut found = BTreeSet::new();
    let words: Vec<(usize, &str)> = code
        .match_indices(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
        .scan(0usize, |start, (i, _)| {
            let w = (*start, &code[*start..i]);
            *start = i + 1;
            Some(w)
        })
        .collect();
    for (at, word) in words {
        let (base, rest): (Vec<&str>, &str) = if let Some(r) = word.strip_prefix("crate::") {
            (Vec::new(), r)
        } else if let Some(r) = word.strip_prefix("super::") {
            // `super::` in a file module is its folder; in a folder's mod.rs, the folder's parent.
            let mut b = parent.clone();
            if is_folder {
                b.pop();
            }
            (b, r)
        } else {
            continue;
        };
        let mut path: Vec<&str> = base;
        path.extend(rest.split("::").filter(|s| !s.is_empty()));
        // `use crate::a::{b, c::d}`: the group's members extend the path.
        let mut heads: Vec<Vec<String>> = vec![path.iter().map(|s| s.to_string()).collect()];
        if word.ends_with("::") && code[at + word.len()..].starts_with('{') {
            let body = &code[at + word.len() + 1..];
            let end = body.find('}').unwrap_or(body.len());
            heads = body[..end]
                .split(',')
                .map(|m| {
                    let mut h: Vec<String> = path.iter().map(|s| s.to_string()).collect();
                    h.extend(
                        m.trim()
                            .split(|c: char| c.is_whitespace() || c == '{')
                            .next()
                            .unwrap_or("")
                            .split("::")
                            .filter(|s| !s.is_empty() && *s != "self")
                            .map(str::to_string),
                    );
                    h
                })
                .collect();
        }
        for h in heads {
            for n in (1..=h.len()).rev() {
                let candidate = h[..n].join("::");
                if known.contains_key(&candidate) {
                    if candidate != module && !candidate.starts_with(&format!("{module}::")) {
                        found.insert(candidate);
                    }
                    break;
                }
            }
        }
    }
    found
}

fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let known = modules(&src);
    known
        .iter()
        .map(|(m, path)| {
            let code = code_of(&std::fs::read_to_string(path).expect("readable"));
            (m.clone(), imports(m, &code, &known))
        })
        .collect()
}

#[test]
fn every_module_imports_only_from_its_layer_or_below() {
    let g = graph();
    assert!(g.len() > 30, "too few modules found: {:?}", g.keys());
    let mut wrong = Vec::new();
    for (m, deps) in &g {
        let Some(lm) = layer_of(m) else {
            wrong.push(format!("{m}: in no layer"));
            continue;
        };
        for d in deps {
            match layer_of(d) {
                Some(ld) if ld <= lm => {}
                _ => wrong.push(format!("{m} (layer {lm}) imports {d}")),
            }
        }
    }
    assert!(wrong.is_empty(), "imports upward:\n{}", wrong.join("\n"));
}

#[test]
fn no_two_modules_import_each_other() {
    let g = graph();
    // Tarjan's strongly connected components: any of more than one module is a cycle.
    struct State<'a> {
        g: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on: BTreeSet<&'a str>,
        cycles: Vec<Vec<&'a str>>,
    }
    fn visit<'a>(s: &mut State<'a>, v: &'a str) {
        let i = s.index.len();
        s.index.insert(v, i);
        s.low.insert(v, i);
        s.stack.push(v);
        s.on.insert(v);
        for w in &s.g[v] {
            let w = w.as_str();
            if !s.index.contains_key(w) {
                visit(s, w);
                let lw = s.low[w];
                let lv = s.low.get_mut(v).expect("visited");
                *lv = (*lv).min(lw);
            } else if s.on.contains(w) {
                let iw = s.index[w];
                let lv = s.low.get_mut(v).expect("visited");
                *lv = (*lv).min(iw);
            }
        }
        if s.low[v] == s.index[v] {
            let mut comp = Vec::new();
            loop {
                let w = s.stack.pop().expect("on the stack");
                s.on.remove(w);
                comp.push(w);
                if w == v {
                    break;
                }
            }
            if comp.len() > 1 {
                comp.sort_unstable();
                s.cycles.push(comp);
            }
        }
    }
    let mut s = State {
        g: &g,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on: BTreeSet::new(),
        cycles: Vec::new(),
    };
    for v in g.keys() {
        if !s.index.contains_key(v.as_str()) {
            visit(&mut s, v);
        }
    }
    assert!(
        s.cycles.is_empty(),
        "modules that import each other: {:?}",
        s.cycles
    );
}

/// The checker itself sees imports in the forms the code uses.
#[test]
fn the_checker_reads_paths_groups_and_super() {
    let known: BTreeMap<String, PathBuf> = [
        ("a", "a.rs"),
        ("a::b", "a/b.rs"),
        ("a::c", "a/c.rs"),
        ("d", "d/mod.rs"),
        ("d::e", "d/e.rs"),
    ]
    .into_iter()
    .map(|(m, p)| (m.to_string(), PathBuf::from(p)))
    .collect();
    let code = code_of(
        "use crate::a::{b::X, c};\n// crate::d::e in a comment\nfn f() { super::c::g(); \
         let s = \"crate::d\"; }",
    );
    assert_eq!(
        imports("a::b", &code, &known),
        ["a::c"].iter().map(|s| s.to_string()).collect()
    );
    let code = code_of("use crate::a::{b::X, c}; use super::e; crate::d::e::f();");
    assert_eq!(
        imports("d", &code, &known),
        ["a::b", "a::c"].iter().map(|s| s.to_string()).collect(),
        "super:: in a folder's mod.rs is its parent; its own children are not imports"
    );
}
