//! Coordination: accounts that post the same text, a near-duplicate text, the same link,
//! domain or hashtag, or repost the same post, within τ seconds of each other.
//!
//! Two posts by different accounts are coordinated when they share an object of a kind and
//! |t₁ − t₂| ≤ τ (a sliding, inclusive window). The stages, one file each: [`objects`] says
//! what the objects of a post are; [`input`] reads posts and extracts their objects while
//! reading; [`window`] and [`similar`] find, for each post, the other accounts that shared an
//! object with it inside τ; [`graph`] turns those into weighted account edges (A→B weighted by
//! how many distinct posts of A have a partner from B), clusters (connected components of the
//! edges kept at `min_weight`) and per-account and per-post statistics; [`output`] writes the
//! CSV files, GraphML and the terminal summary. It does not score posts: that is the model's.

pub mod community;
pub mod evidence;
pub mod graph;
pub mod input;
pub mod objects;
pub mod output;
pub mod similar;
pub mod window;

use std::fmt;

use crate::error::{Error, Result};

/// A kind of shared object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// Identical text after normalization (lowercase, @mentions removed, whitespace folded).
    Text,
    /// Near-duplicate text: Jaccard similarity of word-token sets ≥ the threshold.
    Similar,
    /// The same URL.
    Link,
    /// The same web domain (URL shorteners excepted).
    Domain,
    /// The same hashtag.
    Hashtag,
    /// Reposts of the same post.
    Repost,
}

/// Every kind, in the order of output columns.
pub const KINDS: [Kind; 6] = [
    Kind::Text,
    Kind::Similar,
    Kind::Link,
    Kind::Domain,
    Kind::Hashtag,
    Kind::Repost,
];

/// Index of the "any kind" column beside the six kinds.
pub const ANY: usize = 6;

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Text => "text",
            Kind::Similar => "similar",
            Kind::Link => "link",
            Kind::Domain => "domain",
            Kind::Hashtag => "hashtag",
            Kind::Repost => "repost",
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }

    pub fn parse(s: &str) -> Option<Kind> {
        KINDS.iter().copied().find(|k| k.name() == s)
    }

    /// Parses a comma-separated list (`all` for every kind); sorted, without repeats.
    pub fn parse_list(s: &str) -> std::result::Result<Vec<Kind>, String> {
        let mut out = Vec::new();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            if part == "all" {
                out.extend(KINDS);
                continue;
            }
            match Kind::parse(part) {
                Some(k) => out.push(k),
                None => {
                    return Err(format!(
                        "{part:?} is not a kind; kinds: text, similar, link, domain, hashtag, \
                         repost, all"
                    ))
                }
            }
        }
        out.sort_unstable();
        out.dedup();
        if out.is_empty() {
            return Err("no kind given".into());
        }
        Ok(out)
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Settings of a coordination analysis, as typed; [`CoordParams::check`] validates them once,
/// before any data is read.
#[derive(Debug, Clone)]
pub struct CoordParams {
    window: i64,
    kinds: Vec<Kind>,
    similarity: f64,
    min_weight: u32,
    min_tokens: usize,
    max_object_accounts: u32,
    resolution: f64,
    seed: u64,
    community_weights: CommunityWeights,
    quality: community::Quality,
}

/// Default resolution of the constant Potts model: communities in which more than half of
/// the members' pairs are tied.
pub const DEFAULT_CPM_RESOLUTION: f64 = 0.5;

/// The edge weights communities are found on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CommunityWeights {
    /// Each coordinated post counts 1 / (n − 1), n the accounts of the rarest object shared
    /// (`Edge::rarity_weight`).
    Rarity,
    /// Each coordinated post counts 1 (`Edge::weight`).
    Posts,
    /// Each pair of accounts joined by a kept edge counts 1, whatever its weight.
    Pairs,
}

impl CommunityWeights {
    /// As summaries name it: `pair`, `post` or `rarity` (weights).
    pub fn name(self) -> &'static str {
        match self {
            CommunityWeights::Pairs => "pair",
            CommunityWeights::Posts => "post",
            CommunityWeights::Rarity => "rarity",
        }
    }
}

/// Default of [`CoordParams::max_object_accounts`]: an object shared by more accounts than
/// this is left out (reported), so that one object's pairs cannot grow past about a million.
pub const DEFAULT_MAX_OBJECT_ACCOUNTS: u32 = 1000;

impl Default for CoordParams {
    fn default() -> Self {
        CoordParams {
            window: 60,
            kinds: KINDS.to_vec(),
            similarity: 0.8,
            min_weight: 1,
            min_tokens: 5,
            max_object_accounts: DEFAULT_MAX_OBJECT_ACCOUNTS,
            resolution: DEFAULT_CPM_RESOLUTION,
            seed: 42,
            community_weights: CommunityWeights::Pairs,
            quality: community::Quality::Cpm,
        }
    }
}

impl CoordParams {
    /// τ in seconds (default 60): posts at most this far apart can be coordinated.
    pub fn window(mut self, seconds: i64) -> Self {
        self.window = seconds;
        self
    }

    /// The kinds of objects compared (default: all six).
    pub fn kinds(mut self, kinds: Vec<Kind>) -> Self {
        self.kinds = kinds;
        self
    }

    /// Jaccard threshold of `similar` (default 0.8).
    pub fn similarity(mut self, t: f64) -> Self {
        self.similarity = t;
        self
    }

    /// Smallest edge weight kept (default 1).
    pub fn min_weight(mut self, w: u32) -> Self {
        self.min_weight = w;
        self
    }

    /// Posts with fewer distinct word tokens are never `similar` (default 5).
    pub fn min_tokens(mut self, n: usize) -> Self {
        self.min_tokens = n;
        self
    }

    /// Objects (a text, link, domain, hashtag or reposted post) used by more accounts than
    /// this are left out, and so are `similar` posts with near-duplicates from more accounts
    /// than this within τ: their pairs would grow with the square of their accounts. 0: no
    /// limit (default 1,000).
    pub fn max_object_accounts(mut self, n: u32) -> Self {
        self.max_object_accounts = n;
        self
    }

    /// Resolution γ of the community search (default 0.5 with CPM; 1 is plain modularity):
    /// higher gives more, smaller communities.
    pub fn resolution(mut self, gamma: f64) -> Self {
        self.resolution = gamma;
        self
    }

    /// Seed of the community search's node orders and random choices (default 42).
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The edge weights communities are found on (default: pairs).
    pub fn community_weights(mut self, w: CommunityWeights) -> Self {
        self.community_weights = w;
        self
    }

    /// What the communities maximise (default: the constant Potts model).
    pub fn quality(mut self, q: community::Quality) -> Self {
        self.quality = q;
        self
    }

    pub fn check(self) -> Result<CoordValidParams> {
        if !(self.resolution > 0.0 && self.resolution.is_finite()) {
            return Err(Error::param(
                "resolution",
                self.resolution,
                "must be a number above 0",
            ));
        }
        if self.window < 0 {
            return Err(Error::param("window", self.window, "must be 0 s or more"));
        }
        if !(self.similarity > 0.0 && self.similarity <= 1.0) {
            return Err(Error::param(
                "similarity",
                self.similarity,
                "must be in (0, 1]",
            ));
        }
        if self.min_weight == 0 {
            return Err(Error::param("min-weight", 0, "must be at least 1"));
        }
        if self.min_tokens == 0 {
            return Err(Error::param("min-tokens", 0, "must be at least 1"));
        }
        if self.max_object_accounts == 1 {
            return Err(Error::param(
                "max-object-accounts",
                1,
                "must be at least 2 (an object of one account gives no pair), or 0 for no limit",
            ));
        }
        let mut kinds = self.kinds;
        kinds.sort_unstable();
        kinds.dedup();
        if kinds.is_empty() {
            return Err(Error::param("kinds", "", "name at least one kind"));
        }
        Ok(CoordValidParams {
            window: self.window,
            kinds,
            similarity: self.similarity,
            min_weight: self.min_weight,
            min_tokens: self.min_tokens,
            max_object_accounts: match self.max_object_accounts {
                0 => u32::MAX,
                n => n,
            },
            resolution: self.resolution,
            seed: self.seed,
            community_weights: self.community_weights,
            quality: self.quality,
        })
    }
}

/// Checked settings.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CoordValidParams {
    pub window: i64,
    #[serde(serialize_with = "kind_names")]
    pub kinds: Vec<Kind>,
    pub similarity: f64,
    pub min_weight: u32,
    pub min_tokens: usize,
    /// Objects of more accounts are left out (`u32::MAX`: no limit).
    pub max_object_accounts: u32,
    /// Resolution γ of the community search.
    pub resolution: f64,
    /// Seed of the community search.
    pub seed: u64,
    /// The edge weights communities are found on.
    pub community_weights: CommunityWeights,
    /// What the communities maximise.
    pub quality: community::Quality,
}

fn kind_names<S: serde::Serializer>(kinds: &[Kind], s: S) -> std::result::Result<S::Ok, S::Error> {
    s.collect_seq(kinds.iter().map(|k| k.name()))
}

impl CoordValidParams {
    pub fn has(&self, k: Kind) -> bool {
        self.kinds.contains(&k)
    }

    /// What to extract from each post.
    pub fn extract(&self) -> objects::Extract {
        objects::Extract {
            text: self.has(Kind::Text),
            similar: self.has(Kind::Similar),
            link: self.has(Kind::Link),
            domain: self.has(Kind::Domain),
            hashtag: self.has(Kind::Hashtag),
            repost: self.has(Kind::Repost),
            min_tokens: self.min_tokens,
        }
    }
}

/// Finds the coordination among `posts` (whose objects `objects` holds, given up to the
/// indexes that replace them): indexes by kind, then partners, edges, clusters and statistics.
pub fn analyze(
    posts: &input::Posts,
    objects: objects::Objects,
    params: &CoordValidParams,
) -> (graph::Indexes, graph::Graph) {
    let ix = graph::Indexes::build(posts, objects, params);
    let g = graph::build(posts, &ix, params);
    (ix, g)
}

/// Parses a duration: `60s`, `5m`, `1h`, `1d` or plain seconds (`90`).
pub fn parse_duration(s: &str) -> std::result::Result<i64, String> {
    let t = s.trim();
    let (num, unit) = match t.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => t.split_at(i),
        None => (t, "s"),
    };
    let n: i64 = num
        .parse()
        .map_err(|_| format!("{s:?} is not a duration such as 60s, 5m, 1h or 90"))?;
    let mult = match unit.trim() {
        "s" | "sec" | "secs" => 1,
        "m" | "min" | "mins" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(format!("{s:?}: unknown unit {unit:?}; use s, m, h or d")),
    };
    n.checked_mul(mult)
        .ok_or_else(|| format!("{s:?} is too long a duration"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("60s"), Ok(60));
        assert_eq!(parse_duration("5m"), Ok(300));
        assert_eq!(parse_duration("1h"), Ok(3600));
        assert_eq!(parse_duration("90"), Ok(90));
        assert!(parse_duration("1 week").is_err());
        assert!(parse_duration("-5s").is_err());
        assert!(parse_duration("s").is_err());
    }

    #[test]
    fn kinds_and_params_are_checked() {
        assert_eq!(
            Kind::parse_list("repost,text,text"),
            Ok(vec![Kind::Text, Kind::Repost])
        );
        assert_eq!(Kind::parse_list("all").map(|k| k.len()), Ok(6));
        assert!(Kind::parse_list("text,tweets").is_err());
        let err = CoordParams::default().similarity(1.5).check().unwrap_err();
        assert!(err.to_string().contains("similarity = 1.5"), "{err}");
        assert!(CoordParams::default().min_weight(0).check().is_err());
        assert!(CoordParams::default().window(-1).check().is_err());
        assert!(CoordParams::default().kinds(vec![]).check().is_err());
        assert!(CoordParams::default()
            .max_object_accounts(1)
            .check()
            .is_err());
        let unlimited = CoordParams::default().max_object_accounts(0).check();
        assert_eq!(
            unlimited.map(|p| p.max_object_accounts).ok(),
            Some(u32::MAX)
        );
        assert_eq!(
            CoordParams::default().check().map(|p| p.window).ok(),
            Some(60)
        );
    }
}
