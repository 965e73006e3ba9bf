//! Dense features beside the text: each post's coordination counts, computed over the posts
//! it is trained or scored with.
//!
//! `--features text,coordination` adds, per chosen coordination kind and for any kind, the
//! number of distinct other accounts that shared an object of that kind with the post within
//! τ (the per-post counts of `trollwatch coordination`'s posts.csv), as `ln(1 + count)`. They
//! are columns after the vocabulary's in the matrix the model is fitted on; the model file
//! records the settings, so scoring computes the same counts over the scored batch. The counts
//! of a post depend on the other posts around it: a post scored alone has none to share with,
//! which is why scoring needs the batch and its author and time columns.

use serde::{Deserialize, Serialize};

use crate::coordination::input::{PostRow, Posts};
use crate::coordination::{self, graph::Graph, CoordParams, CoordValidParams, Kind};
use crate::error::{Error, Result};

/// Which features a model uses beside the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FeatureSet {
    pub coordination: bool,
}

impl FeatureSet {
    /// Parses `text`, `text,coordination` (the text features are always on).
    pub fn parse(s: &str) -> std::result::Result<FeatureSet, String> {
        let mut set = FeatureSet::default();
        let mut text = false;
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            match part {
                "text" => text = true,
                "coordination" => set.coordination = true,
                _ => {
                    return Err(format!(
                        "{part:?} is not a feature set; choose from: text, coordination"
                    ))
                }
            }
        }
        if !text {
            return Err(format!(
                "{s:?}: the text features are needed (write `text` or `text,coordination`)"
            ));
        }
        Ok(set)
    }
}

/// How a model's coordination features are computed: the columns and the analysis settings,
/// recorded in the model file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CoordinationSpec {
    pub author_col: String,
    pub time_col: String,
    /// Column and value marking a repost.
    pub repost_col: Option<String>,
    pub repost_value: Option<String>,
    /// Column of space-separated URLs (else URLs are found in the text).
    pub url_col: Option<String>,
    pub window_seconds: i64,
    pub kinds: Vec<String>,
    pub similarity: f64,
    pub min_tokens: usize,
    /// Objects shared by more accounts than this (and `similar` posts with near-duplicates
    /// from more) are left out of the counts, as `coordination --max-object-accounts` does:
    /// one object's pairs grow with the square of its accounts. 0: no limit (models written
    /// before the limit existed have none, and are scored as they were trained).
    #[serde(default)]
    pub max_object_accounts: u32,
}

impl CoordinationSpec {
    /// The checked analysis settings: the same at training and scoring, so that the counts
    /// are the features the model learned from.
    pub fn params(&self) -> Result<CoordValidParams> {
        let kinds = Kind::parse_list(&self.kinds.join(","))
            .map_err(|reason| Error::param("kinds", self.kinds.join(","), reason))?;
        CoordParams::default()
            .window(self.window_seconds)
            .kinds(kinds)
            .similarity(self.similarity)
            .min_tokens(self.min_tokens)
            .max_object_accounts(self.max_object_accounts)
            .check()
    }

    /// The kinds, parsed (valid once [`CoordinationSpec::params`] passed).
    fn kind_list(&self) -> Vec<Kind> {
        Kind::parse_list(&self.kinds.join(",")).unwrap_or_default()
    }

    /// Names of the feature columns: `coordination:<kind>` for each kind, then
    /// `coordination:any`.
    pub fn names(&self) -> Vec<String> {
        self.kind_list()
            .iter()
            .map(|k| format!("coordination:{}", k.name()))
            .chain(std::iter::once("coordination:any".to_string()))
            .collect()
    }

    pub fn width(&self) -> usize {
        self.kind_list().len() + 1
    }

    /// The columns to read beside the text, in a fixed order: author, time, then the repost
    /// and URL columns when set.
    pub fn columns(&self) -> Vec<String> {
        let mut c = vec![self.author_col.clone(), self.time_col.clone()];
        c.extend(self.repost_col.clone());
        c.extend(self.url_col.clone());
        c
    }

    /// Whether a row's value of the repost column marks a repost.
    pub fn is_repost(&self, value: &str) -> bool {
        self.repost_value.as_deref() == Some(value)
    }
}

/// A dense block of feature values, `width` per row, row-major.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Dense {
    pub names: Vec<String>,
    pub values: Vec<f32>,
}

impl Dense {
    pub fn width(&self) -> usize {
        self.names.len()
    }

    pub fn rows(&self) -> usize {
        self.values.len().checked_div(self.width()).unwrap_or(0)
    }

    pub fn row(&self, i: usize) -> &[f32] {
        let w = self.width();
        &self.values[i * w..(i + 1) * w]
    }

    /// Appends these columns to `x`, whose rows are this block's rows `rows`.
    pub fn append_to(&self, x: &mut crate::util::sparse::Csr, rows: &[usize]) {
        debug_assert_eq!(x.n_rows(), rows.len());
        x.append_columns(self.width(), |i| self.row(rows[i]));
    }
}

/// One post as the coordination features see it.
#[derive(Debug, Clone, Copy)]
pub struct Row<'a> {
    pub author: &'a str,
    pub time: i64,
    pub text: &'a str,
    pub repost: bool,
    pub urls: Option<&'a str>,
}

/// The coordination analysis of a batch: the features and the graph they came from.
pub struct Analysis {
    pub dense: Dense,
    pub posts: Posts,
    pub graph: Graph,
    /// What the account limit left out of the counts, as one warning (none when nothing was).
    pub capped: Option<String>,
}

/// Runs the coordination analysis over `rows` and turns its per-post counts into features.
pub fn coordination(spec: &CoordinationSpec, rows: &[Row<'_>]) -> Result<Analysis> {
    let params = spec.params()?;
    let posts = posts_of(rows);
    let mut objects = coordination::objects::Objects::default();
    extract_rows(rows, &params.extract(), &mut objects);
    let (ix, graph) = coordination::analyze(&posts, objects, &params);
    Ok(Analysis {
        dense: dense_of(spec, &graph),
        capped: capped_warning(spec, &posts, &ix),
        posts,
        graph,
    })
}

/// [`coordination`] over rows that come in batches: each batch's objects are extracted as it
/// comes and its texts are not kept, so memory grows with the posts' objects, not their
/// texts. The features and graph are the same as [`coordination`] gives for all the rows at
/// once; the analysis's posts have no texts.
pub struct Gatherer {
    spec: CoordinationSpec,
    params: CoordValidParams,
    objects: coordination::objects::Objects,
    /// Account names in order of appearance, and each row's place among them.
    names: std::collections::HashMap<String, u32>,
    name_list: Vec<String>,
    authors: Vec<u32>,
    times: Vec<i64>,
    reposts: Vec<bool>,
}

impl Gatherer {
    pub fn new(spec: &CoordinationSpec) -> Result<Gatherer> {
        Ok(Gatherer {
            spec: spec.clone(),
            params: spec.params()?,
            objects: coordination::objects::Objects::default(),
            names: std::collections::HashMap::new(),
            name_list: Vec::new(),
            authors: Vec::new(),
            times: Vec::new(),
            reposts: Vec::new(),
        })
    }

    /// Adds rows after those already added.
    pub fn push(&mut self, rows: &[Row<'_>]) {
        let reposts = extract_rows(rows, &self.params.extract(), &mut self.objects);
        self.reposts.extend_from_slice(&reposts);
        for r in rows {
            let id = match self.names.get(r.author) {
                Some(&id) => id,
                None => {
                    let id = self.name_list.len() as u32;
                    self.names.insert(r.author.to_string(), id);
                    self.name_list.push(r.author.to_string());
                    id
                }
            };
            self.authors.push(id);
            self.times.push(r.time);
        }
    }

    /// The analysis of every row added.
    pub fn finish(mut self) -> Analysis {
        // Appending left up to half of each buffer unused.
        self.objects.shrink_to_fit();
        let names = &self.name_list;
        let posts =
            Posts::from_columns(self.authors.iter().zip(&self.times).zip(&self.reposts).map(
                |((&a, &time), &repost)| PostRow {
                    id: "",
                    author: &names[a as usize],
                    time,
                    text: "",
                    repost,
                    urls: None,
                },
            ));
        let (ix, graph) = coordination::analyze(&posts, self.objects, &self.params);
        let dense = dense_of(&self.spec, &graph);
        Analysis {
            dense,
            capped: capped_warning(&self.spec, &posts, &ix),
            posts,
            graph,
        }
    }
}

/// The posts of `rows`, as the coordination analysis reads them.
/// Appends the objects of `rows` to `into`; their repost marks, as [`posts_of`] gives them.
fn extract_rows(
    rows: &[Row<'_>],
    extract: &coordination::objects::Extract,
    into: &mut coordination::objects::Objects,
) -> Vec<bool> {
    let mut texts = coordination::input::Texts::default();
    let mut urls = coordination::input::Texts::default();
    let mut reposts = Vec::with_capacity(rows.len());
    for r in rows {
        texts.push(r.text);
        urls.push(r.urls.unwrap_or(""));
        reposts.push(is_repost(r));
    }
    let with_urls = rows.iter().any(|r| r.urls.is_some());
    coordination::input::extract_range(&texts, &reposts, with_urls.then_some(&urls), extract, into);
    reposts
}

/// As `trollwatch coordination` reads them: a text starting `RT @x:` is a repost too.
fn is_repost(r: &Row<'_>) -> bool {
    r.repost || coordination::objects::rt_prefix_len(r.text).is_some()
}

fn posts_of(rows: &[Row<'_>]) -> Posts {
    Posts::from_columns(rows.iter().map(|r| PostRow {
        id: "",
        author: r.author,
        time: r.time,
        text: r.text,
        repost: is_repost(r),
        urls: r.urls,
    }))
}

/// One line on the objects (and `similar` posts) left out of the counts for their many
/// accounts, naming the largest, or `None` when nothing was.
fn capped_warning(
    spec: &CoordinationSpec,
    posts: &Posts,
    ix: &coordination::graph::Indexes,
) -> Option<String> {
    let mut objects = coordination::output::capped_objects(posts, ix);
    let similar = coordination::output::capped_similar(posts, ix);
    if objects.is_empty() && similar.is_none() {
        return None;
    }
    objects.sort_by_key(|c| std::cmp::Reverse((c.accounts, c.posts)));
    let mut parts = Vec::new();
    if let Some(top) = objects.first() {
        // Posts gathered in batches keep no texts to name the object by.
        let name = match top.object.as_str() {
            "" => top.kind.name().to_string(),
            o => format!("{} {o:?}", top.kind.name()),
        };
        parts.push(format!(
            "{} object{} (the largest: {name}, {} accounts, {} posts)",
            objects.len(),
            if objects.len() == 1 { "" } else { "s" },
            top.accounts,
            top.posts
        ));
    }
    if let Some(s) = similar {
        parts.push(format!(
            "{} near-duplicate post{} ({} accounts)",
            s.posts,
            if s.posts == 1 { "" } else { "s" },
            s.accounts
        ));
    }
    Some(format!(
        "coordination features: {} shared by more than {} accounts left out of the counts \
         (--max-object-accounts; 0 lifts the limit)",
        parts.join(" and "),
        spec.max_object_accounts
    ))
}

/// The features of each post: ln(1 + count) per kind of `spec`, then for any kind.
fn dense_of(spec: &CoordinationSpec, graph: &Graph) -> Dense {
    let kinds = spec.kind_list();
    let names = spec.names();
    let mut values = Vec::with_capacity(graph.post_counts.len() * names.len());
    for c in graph.post_counts.iter() {
        values.extend(kinds.iter().map(|k| log_count(c[k.index()])));
        values.push(log_count(c[coordination::ANY]));
    }
    Dense { names, values }
}

fn log_count(c: u32) -> f32 {
    (c as f64).ln_1p() as f32
}

/// Builds the coordination rows of a labeled file from its texts, parsed times and the
/// author, repost and URL columns read beside them. An empty author is an error naming the
/// line, as in `trollwatch coordination`.
#[allow(clippy::too_many_arguments)]
pub fn rows_from_columns<'a>(
    spec: &CoordinationSpec,
    texts: &'a [String],
    times: &'a [i64],
    authors: &'a [String],
    reposts: Option<&'a [String]>,
    urls: Option<&'a [String]>,
    lines: &[u64],
    source: &str,
) -> Result<Vec<Row<'a>>> {
    let mut rows = Vec::with_capacity(texts.len());
    for i in 0..texts.len() {
        if authors[i].trim().is_empty() {
            return Err(empty_author(
                spec,
                source,
                lines.get(i).copied().unwrap_or(0),
            ));
        }
        rows.push(Row {
            author: &authors[i],
            time: times[i],
            text: &texts[i],
            repost: reposts.is_some_and(|r| spec.is_repost(&r[i])),
            urls: urls.map(|u| u[i].as_str()),
        });
    }
    Ok(rows)
}

/// The error for a row without an account.
pub fn empty_author(spec: &CoordinationSpec, source: &str, line: u64) -> Error {
    Error::BadRow {
        path: source.into(),
        line,
        problem: format!(
            "column {:?} is empty; coordination features need the account of every post",
            spec.author_col
        ),
        hint: "; fill it, or pass --skip-bad-rows to skip such rows".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> CoordinationSpec {
        CoordinationSpec {
            author_col: "author".into(),
            time_col: "timestamp".into(),
            repost_col: None,
            repost_value: None,
            url_col: None,
            window_seconds: 60,
            kinds: vec!["text".into(), "hashtag".into()],
            similarity: 0.8,
            min_tokens: 5,
            max_object_accounts: 0,
        }
    }

    /// A model written before the account limit existed has none: its features are computed
    /// as they were when it was trained.
    #[test]
    fn specs_without_the_account_limit_have_none() {
        let mut v = serde_json::to_value(spec()).unwrap();
        v.as_object_mut().unwrap().remove("max_object_accounts");
        let old: CoordinationSpec = serde_json::from_value(v).unwrap();
        assert_eq!(old.max_object_accounts, 0);
        assert_eq!(old.params().unwrap().max_object_accounts, u32::MAX);
    }

    /// Rows given in batches give the features and graph of all the rows at once.
    #[test]
    fn batches_give_what_the_whole_gives() {
        let texts: Vec<String> = (0..200)
            .map(|i| format!("words {} and more words here #t{} RT", i % 7, i % 5))
            .collect();
        let authors: Vec<String> = (0..200).map(|i| format!("u{}", (i * 7) % 13)).collect();
        let rows: Vec<Row> = (0..200)
            .map(|i| Row {
                author: &authors[i],
                time: (i as i64 * 17) % 300,
                text: &texts[i],
                repost: i % 11 == 0,
                urls: None,
            })
            .collect();
        let mut s = spec();
        s.kinds = crate::coordination::KINDS
            .iter()
            .map(|k| k.name().to_string())
            .collect();
        let whole = coordination(&s, &rows).unwrap();
        let mut g = Gatherer::new(&s).unwrap();
        for chunk in rows.chunks(37) {
            g.push(chunk);
        }
        let parts = g.finish();
        assert_eq!(parts.dense, whole.dense);
        assert_eq!(parts.posts.author_names, whole.posts.author_names);
        assert_eq!(parts.posts.authors, whole.posts.authors);
        assert_eq!(parts.graph.edges, whole.graph.edges);
        assert_eq!(parts.graph.accounts, whole.graph.accounts);
        assert!(whole.graph.edges.len() > 20);
    }

    #[test]
    fn feature_sets() {
        assert_eq!(FeatureSet::parse("text"), Ok(FeatureSet::default()));
        assert_eq!(
            FeatureSet::parse("text,coordination"),
            Ok(FeatureSet { coordination: true })
        );
        assert!(FeatureSet::parse("coordination").is_err());
        assert!(FeatureSet::parse("text,emoji").is_err());
    }

    #[test]
    fn counts_become_log_features() {
        let s = spec();
        assert_eq!(
            s.names(),
            [
                "coordination:text",
                "coordination:hashtag",
                "coordination:any"
            ]
        );
        let rows = [
            Row {
                author: "a",
                time: 0,
                text: "Same words here #tag",
                repost: false,
                urls: None,
            },
            Row {
                author: "b",
                time: 60,
                text: "same words here #tag",
                repost: false,
                urls: None,
            },
            Row {
                author: "c",
                time: 30,
                text: "other words #tag",
                repost: false,
                urls: None,
            },
            Row {
                author: "d",
                time: 61,
                text: "same  words here #tag",
                repost: false,
                urls: None,
            },
        ];
        let a = coordination(&s, &rows).unwrap();
        let ln = |c: f64| c.ln_1p() as f32;
        // a: text with b (60 s) but not d (61 s); hashtag with b and c; any: b, c.
        assert_eq!(a.dense.row(0), [ln(1.0), ln(2.0), ln(2.0)]);
        // b: text with a and d (1 s); hashtag with a, c and d.
        assert_eq!(a.dense.row(1), [ln(2.0), ln(3.0), ln(3.0)]);
        // c: no text partner; hashtag with all three.
        assert_eq!(a.dense.row(2), [0.0, ln(3.0), ln(3.0)]);
        // d: text with b only; hashtag with b and c.
        assert_eq!(a.dense.row(3), [ln(1.0), ln(2.0), ln(2.0)]);
        assert_eq!(a.dense.rows(), 4);
    }

    #[test]
    fn rt_prefixed_texts_are_reposts() {
        let mut s = spec();
        s.kinds = vec!["text".into(), "repost".into()];
        let row = |author| Row {
            author,
            time: 0,
            text: "RT @someone: the very same words here",
            repost: false,
            urls: None,
        };
        let a = coordination(&s, &[row("a"), row("b")]).unwrap();
        let ln1 = 1f64.ln_1p() as f32;
        // Not identical-text partners (reposts are left out of `text`), but co-reposters.
        assert_eq!(a.dense.row(0), [0.0, ln1, ln1]);
        assert_eq!(a.dense.row(1), [0.0, ln1, ln1]);
    }

    #[test]
    fn dense_columns_append_to_a_matrix() {
        let mut x = crate::util::sparse::Csr::new(3);
        x.push_row(&[0, 2], &[1.0, 2.0]);
        x.push_row(&[], &[]);
        x.push_row(&[1], &[3.0]);
        let dense = Dense {
            names: vec!["f".into(), "g".into()],
            values: vec![0.0, 5.0, 6.0, 7.0, 0.0, 0.0, 8.0, 9.0],
        };
        // Matrix rows are dense rows 3, 1, 0.
        dense.append_to(&mut x, &[3, 1, 0]);
        assert_eq!(x.n_cols, 5);
        assert_eq!(x.row(0), (&[0, 2, 3, 4][..], &[1.0, 2.0, 8.0, 9.0][..]));
        assert_eq!(x.row(1), (&[3, 4][..], &[6.0, 7.0][..]));
        assert_eq!(x.row(2), (&[1, 4][..], &[3.0, 5.0][..]));
    }
}
