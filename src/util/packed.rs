//! Texts kept compressed in memory: runs of [`BLOCK`] consecutive texts, each run one zstd
//! frame (level 1) of the texts' bytes and then their lengths. On social-media posts a text
//! takes about 40 % of its bytes (measured in `docs/measurements.md`); a text is read back by
//! decompressing its run, and many at once by [`PackedTexts::fetch`], which decompresses each
//! run they fall in once.

use rayon::prelude::*;

/// Texts a compressed run holds (a place in a run fits in a `u16`).
pub const BLOCK: usize = 1024;

/// zstd's fastest level: compressing must not slow the reading it runs beside.
const LEVEL: i32 = 1;

/// One compressed run: `BLOCK` texts, or the raw bytes when compression failed.
#[derive(Debug)]
struct Run {
    data: Box<[u8]>,
    /// Bytes once decompressed; `None`: `data` is stored as it is.
    raw_len: Option<u32>,
}

/// Append-only texts, all but the last fewer than [`BLOCK`] compressed.
#[derive(Debug, Default)]
pub struct PackedTexts {
    runs: Vec<Run>,
    /// Texts after the last full run, as they are.
    tail: Vec<u8>,
    tail_ends: Vec<u32>,
}

/// Texts fetched from a [`PackedTexts`]: row → text, for the rows asked for. Held as one
/// buffer of text a run they came from (with the ends of its texts), not a `String` a text:
/// millions of short texts would spend more on allocations than on their bytes.
#[derive(Debug, Default)]
pub struct Fetched {
    /// Per run of the texts: its part, or `NO_PART`.
    part_of_run: Vec<u32>,
    parts: Vec<FetchedPart>,
}

const NO_PART: u32 = u32::MAX;

/// The texts fetched from one run of a [`Fetched`].
#[derive(Debug, Default)]
struct FetchedPart {
    /// Their places in the run, ascending.
    at: Vec<u16>,
    text: String,
    /// End of each text in `text`.
    ends: Vec<u32>,
}

impl Fetched {
    /// The text of `row`, when it was fetched.
    pub fn get(&self, row: u32) -> Option<&str> {
        let (run, k) = (row as usize / BLOCK, (row as usize % BLOCK) as u16);
        let part = self.parts.get(*self.part_of_run.get(run)? as usize)?;
        let i = part.at.binary_search(&k).ok()?;
        let from = if i == 0 { 0 } else { part.ends[i - 1] as usize };
        part.text.get(from..part.ends[i] as usize)
    }
}

/// `texts` (each followed by nothing) and their lengths, in one buffer.
fn encode<'a>(texts: impl Iterator<Item = &'a str> + Clone) -> Vec<u8> {
    let bytes: usize = texts.clone().map(str::len).sum();
    let n = texts.clone().count();
    let mut out = Vec::with_capacity(bytes + 4 * n);
    for t in texts.clone() {
        out.extend_from_slice(t.as_bytes());
    }
    for t in texts {
        out.extend_from_slice(&(t.len() as u32).to_le_bytes());
    }
    out
}

fn compress(raw: Vec<u8>) -> Run {
    thread_local! {
        /// One compression context a thread, reused: making one per run (its tables fresh
        /// pages each time) cost as much as the compressing.
        static CONTEXT: std::cell::RefCell<Option<zstd::bulk::Compressor<'static>>> =
            const { std::cell::RefCell::new(None) };
    }
    let compressed = CONTEXT.with(|c| {
        let mut c = c.borrow_mut();
        if c.is_none() {
            *c = zstd::bulk::Compressor::new(LEVEL).ok();
        }
        match c.as_mut() {
            Some(ctx) => ctx.compress(&raw),
            None => zstd::bulk::compress(&raw, LEVEL),
        }
    });
    match compressed {
        Ok(c) if c.len() < raw.len() => Run {
            raw_len: Some(raw.len() as u32),
            data: c.into_boxed_slice(),
        },
        _ => Run {
            raw_len: None,
            data: raw.into_boxed_slice(),
        },
    }
}

impl Run {
    /// Calls `f` with the run's `n` texts, in order, borrowed from a buffer of the thread's
    /// own (texts are empty when its frame cannot be read back, which only a fault of memory
    /// could cause).
    fn with_texts<T>(&self, n: usize, f: impl FnOnce(&[&str]) -> T) -> T {
        thread_local! {
            /// One decompression context and buffer a thread, reused across runs.
            static CONTEXT: std::cell::RefCell<(Option<zstd::bulk::Decompressor<'static>>, Vec<u8>)> =
                const { std::cell::RefCell::new((None, Vec::new())) };
        }
        CONTEXT.with_borrow_mut(|(ctx, buf)| {
            let raw: &[u8] = match self.raw_len {
                None => &self.data,
                Some(len) => {
                    if ctx.is_none() {
                        *ctx = zstd::bulk::Decompressor::new().ok();
                    }
                    buf.clear();
                    buf.reserve(len as usize);
                    let done = match ctx.as_mut() {
                        Some(d) => d.decompress_to_buffer(&self.data[..], buf).is_ok(),
                        None => false,
                    };
                    if done && buf.len() == len as usize {
                        buf
                    } else {
                        &[]
                    }
                }
            };
            let texts = split_texts(raw, n);
            f(&texts)
        })
    }
}

/// The `n` texts of a decoded run (see [`encode`]); all empty when `raw` is not one.
fn split_texts(raw: &[u8], n: usize) -> Vec<&str> {
    let Some(lens_at) = raw.len().checked_sub(4 * n) else {
        return vec![""; n];
    };
    let (bytes, lens) = raw.split_at(lens_at);
    let lens = lens
        .chunks_exact(4)
        .map(|l| u32::from_le_bytes([l[0], l[1], l[2], l[3]]) as usize);
    let mut at = 0usize;
    // The texts were each valid UTF-8, so their concatenation is, with each boundary on a
    // character's: one check of all (SIMD, rather than a call a text), then slices checked
    // only at their ends. Each text is checked on its own only if that check fails.
    let all = simdutf8::basic::from_utf8(bytes).ok();
    lens.map(|len| {
        let range = at..at + len;
        at += len;
        match all {
            Some(all) => all.get(range),
            None => bytes.get(range).and_then(|b| std::str::from_utf8(b).ok()),
        }
        .unwrap_or_default()
    })
    .collect()
}

impl PackedTexts {
    pub fn len(&self) -> usize {
        self.runs.len() * BLOCK + self.tail_ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes held (compressed runs and the tail), for memory accounting.
    pub fn heap_bytes(&self) -> usize {
        self.runs.iter().map(|r| r.data.len()).sum::<usize>()
            + self.tail.len()
            + 4 * self.tail_ends.len()
    }

    fn tail_text(&self, k: usize) -> &str {
        let start = if k == 0 {
            0
        } else {
            self.tail_ends[k - 1] as usize
        };
        std::str::from_utf8(&self.tail[start..self.tail_ends[k] as usize]).unwrap_or_default()
    }

    /// Appends `n` texts, `text(i)` for `i` in `0..n`; the full runs among them are
    /// compressed in parallel.
    pub fn extend<'a>(&mut self, n: usize, text: impl Fn(usize) -> &'a str + Sync) {
        let mut i = 0;
        // Fill the tail up to a run first.
        while i < n && !self.tail_ends.is_empty() {
            self.push_tail(text(i));
            i += 1;
        }
        let full = (n - i) / BLOCK;
        let runs: Vec<Run> = (0..full)
            .into_par_iter()
            .map(|r| {
                let from = i + r * BLOCK;
                compress(encode((from..from + BLOCK).map(&text)))
            })
            .collect();
        self.runs.extend(runs);
        for k in i + full * BLOCK..n {
            self.push_tail(text(k));
        }
    }

    fn push_tail(&mut self, text: &str) {
        self.tail.extend_from_slice(text.as_bytes());
        self.tail_ends.push(self.tail.len() as u32);
        if self.tail_ends.len() == BLOCK {
            let texts: Vec<&str> = (0..BLOCK).map(|k| self.tail_text(k)).collect();
            let run = compress(encode(texts.iter().copied()));
            self.runs.push(run);
            self.tail.clear();
            self.tail_ends.clear();
        }
    }

    /// The text of row `i` (empty past the end).
    pub fn get(&self, i: usize) -> String {
        let (r, k) = (i / BLOCK, i % BLOCK);
        match self.runs.get(r) {
            Some(run) => run.with_texts(BLOCK, |t| {
                t.get(k).map_or_else(String::new, |s| s.to_string())
            }),
            None if k < self.tail_ends.len() && r == self.runs.len() => {
                self.tail_text(k).to_string()
            }
            None => String::new(),
        }
    }

    /// The texts of `rows`, each run they fall in decompressed once (in parallel).
    pub fn fetch(&self, rows: impl IntoIterator<Item = u32>) -> Fetched {
        let mut rows: Vec<u32> = rows
            .into_iter()
            .filter(|&r| (r as usize) < self.len())
            .collect();
        rows.sort_unstable();
        rows.dedup();
        let by_run: Vec<&[u32]> = rows
            .chunk_by(|a, b| *a as usize / BLOCK == *b as usize / BLOCK)
            .collect();
        let parts: Vec<FetchedPart> = by_run
            .par_iter()
            .map(|rs| {
                let r = rs[0] as usize / BLOCK;
                let pick = |all: &[&str]| -> FetchedPart {
                    let mut part = FetchedPart {
                        at: Vec::with_capacity(rs.len()),
                        text: String::new(),
                        ends: Vec::with_capacity(rs.len()),
                    };
                    for &row in rs.iter() {
                        let k = row as usize % BLOCK;
                        match all.get(k) {
                            Some(t) => part.text.push_str(t),
                            None => part.text.push_str(self.tail_text(k)),
                        }
                        part.at.push(k as u16);
                        part.ends.push(part.text.len() as u32);
                    }
                    part.text.shrink_to_fit();
                    part
                };
                match self.runs.get(r) {
                    Some(run) => run.with_texts(BLOCK, pick),
                    None => pick(&[]),
                }
            })
            .collect();
        let mut part_of_run = vec![NO_PART; self.run_count()];
        for (i, rs) in by_run.iter().enumerate() {
            part_of_run[rs[0] as usize / BLOCK] = i as u32;
        }
        Fetched { part_of_run, parts }
    }

    /// Runs of texts: the full runs of [`BLOCK`] texts and the tail, if any.
    pub fn run_count(&self) -> usize {
        self.runs.len() + usize::from(!self.tail_ends.is_empty())
    }

    /// What `f` makes of each run of texts in `runs` (of [`PackedTexts::run_count`]), in order
    /// and in parallel: `f(first, texts)`, `first` being the row of `texts[0]`.
    pub fn map_runs<T: Send>(
        &self,
        runs: std::ops::Range<usize>,
        f: impl Fn(usize, &[&str]) -> T + Sync,
    ) -> Vec<T> {
        let full = runs.start.min(self.runs.len())..runs.end.min(self.runs.len());
        let mut out: Vec<T> = self.runs[full.clone()]
            .par_iter()
            .enumerate()
            .map(|(r, run)| run.with_texts(BLOCK, |t| f((full.start + r) * BLOCK, t)))
            .collect();
        if runs.contains(&self.runs.len()) && !self.tail_ends.is_empty() {
            let tail: Vec<&str> = (0..self.tail_ends.len())
                .map(|k| self.tail_text(k))
                .collect();
            out.push(f(self.runs.len() * BLOCK, &tail));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(n: usize) -> Vec<String> {
        (0..n)
            .map(|i| match i % 4 {
                0 => String::new(),
                1 => format!("post {i} about the election #vote"),
                2 => "é ü 🙂 ".repeat(i % 9),
                _ => format!("RT @a{i}: {}", "word ".repeat(i % 30)),
            })
            .collect()
    }

    /// Every text comes back as it went in, by `get` and by `fetch`, whatever the sizes of
    /// the appended batches (runs filled across batches, a tail left over).
    #[test]
    fn texts_come_back_unchanged() {
        let all = texts(5 * BLOCK + 77);
        for batches in [
            vec![all.len()],
            vec![10, BLOCK, 3 * BLOCK + 5, 1, 2 * BLOCK],
        ] {
            let mut p = PackedTexts::default();
            let mut at = 0;
            for b in batches {
                let b = b.min(all.len() - at);
                p.extend(b, |i| all[at + i].as_str());
                at += b;
            }
            assert_eq!(p.len(), at);
            for i in (0..at).step_by(7).chain([0, at - 1]) {
                assert_eq!(p.get(i), all[i], "row {i}");
            }
            let want: Vec<u32> = (0..at as u32).rev().step_by(3).collect();
            let f = p.fetch(want.iter().copied().chain([at as u32 + 5]));
            for &r in &want {
                assert_eq!(f.get(r), Some(all[r as usize].as_str()), "row {r}");
            }
            assert_eq!(f.get(at as u32 + 5), None, "past the end");
            let owned = |first: usize, t: &[&str]| {
                (first, t.iter().map(|s| s.to_string()).collect::<Vec<_>>())
            };
            let mut back: Vec<String> = Vec::new();
            for (first, texts) in p.map_runs(0..p.run_count(), owned) {
                assert_eq!(first, back.len());
                back.extend(texts);
            }
            assert_eq!(back, all[..at]);
            // A range of runs, the tail among them or not.
            let n = p.run_count();
            for runs in [1..n, n - 1..n, 0..1, 2..2] {
                let got = p.map_runs(runs.clone(), owned);
                assert_eq!(got.len(), runs.len(), "{runs:?}");
                for ((first, texts), r) in got.into_iter().zip(runs) {
                    assert_eq!(first, r * BLOCK);
                    assert_eq!(texts, all[first..(first + BLOCK).min(at)]);
                }
            }
            assert_eq!(p.get(at + 5), "");
        }
    }

    #[test]
    fn posts_take_less_room() {
        let all: Vec<String> = (0..4 * BLOCK)
            .map(|i| format!("RT @user{}: the polls close at eight tonight #vote", i % 50))
            .collect();
        let mut p = PackedTexts::default();
        p.extend(all.len(), |i| all[i].as_str());
        let raw: usize = all.iter().map(String::len).sum();
        assert!(p.heap_bytes() * 4 < raw, "{} of {raw}", p.heap_bytes());
    }
}
