//! What a labeled set's rows say about each other, before anything is learned from them:
//! texts that repeat (kept in one cross-validation fold, else a fold is tested on copies of
//! its own training rows), texts under more than one label, a text column that holds the
//! labels, classes too small to learn from. Each finding is a warning naming the lines, or an
//! error where the set cannot be valid.

use crate::error::{Error, Result};
use crate::text::dataset::Labeled;

/// Fewer rows than this in a class: a warning that the model will be little better than a guess.
pub const FEW_ROWS: u64 = 10;

/// A text as duplicates are found: lower case, runs of white space as one space, no white
/// space at either end, hashed to 128 bits (`util::hash::Hash128`, so the
/// same on every run and machine).
pub fn text_key(text: &str) -> u128 {
    let mut h = crate::util::hash::Hash128::new(0x9e37_79b9_7f4a_7c15);
    let mut space = false;
    let mut started = false;
    for c in text.chars() {
        if c.is_whitespace() {
            space = started;
            continue;
        }
        if space {
            h.add(&' ');
            space = false;
        }
        started = true;
        for l in c.to_lowercase() {
            h.add(&l);
        }
    }
    h.finish()
}

/// Each row's text cluster: rows with the same [`text_key`] share an id; ids are given in
/// order of first appearance. Returns the ids and, per id, its number of rows.
pub fn text_clusters(texts: &[String]) -> (Vec<u32>, Vec<u32>) {
    let mut ids: std::collections::HashMap<u128, u32> =
        std::collections::HashMap::with_capacity(texts.len());
    let mut of_row = Vec::with_capacity(texts.len());
    let mut sizes: Vec<u32> = Vec::new();
    for t in texts {
        let next = sizes.len() as u32;
        let id = *ids.entry(text_key(t)).or_insert(next);
        if id == next {
            sizes.push(0);
        }
        sizes[id as usize] += 1;
        of_row.push(id);
    }
    (of_row, sizes)
}

/// Rows whose text repeats another row's: each row's cluster id (as [`text_clusters`]), or an
/// empty vector when every text is distinct.
pub fn same_text(texts: &[String]) -> Vec<u32> {
    let (of_row, sizes) = text_clusters(texts);
    if sizes.iter().all(|&s| s == 1) {
        Vec::new()
    } else {
        of_row
    }
}

/// Where row `i` is, for a message: `line 9`, or `a.csv line 9` when the set has several files.
fn at(data: &Labeled, i: usize) -> String {
    if data.files.len() > 1 {
        format!("{} line {}", data.file(i), data.lines[i])
    } else {
        format!("line {}", data.lines[i])
    }
}

/// The checks on a labeled set: warnings (each naming lines), or an error when the text column
/// holds the labels on every row. `text_col` and `label_col` name the columns for messages.
pub fn check(data: &Labeled, text_col: &str, label_col: &str) -> Result<Vec<String>> {
    let n = data.len();
    let mut out = Vec::new();
    if n == 0 {
        return Ok(out);
    }
    let (class_of, names) = (&data.classes.of_row, &data.classes.names);
    let source = data.files.join(" + ");

    // The text column holding the label values.
    let same_as_label = (0..n)
        .filter(|&i| data.texts[i].trim() == names[class_of[i] as usize].trim())
        .count();
    if same_as_label == n {
        return Err(Error::bad_input(
            &source,
            format!(
                "the text of every row is its label value: is the text column {text_col:?} \
                 the label column {label_col:?}? a model would learn the label from itself \
                 and tell nothing about real posts; name the column of post texts with \
                 --text-col"
            ),
        ));
    }
    if same_as_label * 2 > n {
        let first = (0..n)
            .find(|&i| data.texts[i].trim() == names[class_of[i] as usize].trim())
            .unwrap_or(0);
        out.push(format!(
            "{source}: the text of {same_as_label} of {n} rows is their label value (first at \
             {}): is {text_col:?} the column of post texts? the model learns those rows' \
             labels from themselves",
            at(data, first)
        ));
    }

    // Classes too small to learn from.
    let mut counts = vec![0u64; names.len()];
    for &c in class_of {
        counts[c as usize] += 1;
    }
    for (name, &c) in names.iter().zip(&counts) {
        if c < FEW_ROWS {
            out.push(format!(
                "{source}: class {} has only {c} row{}: the model will be little better than \
                 a guess at it; give at least a few dozen posts of each class",
                crate::error::shown(name),
                if c == 1 { "" } else { "s" }
            ));
        }
    }

    // Repeated texts, and texts under more than one label.
    let (cluster, sizes) = text_clusters(&data.texts);
    if sizes.iter().any(|&s| s > 1) {
        let mut first_row = vec![usize::MAX; sizes.len()];
        let mut classes_of: Vec<u32> = vec![u32::MAX; sizes.len()];
        let mut mixed = vec![false; sizes.len()];
        let mut repeats = 0usize;
        let mut example: Option<(usize, usize)> = None;
        let mut conflict: Option<(usize, usize)> = None;
        for i in 0..n {
            let k = cluster[i] as usize;
            if first_row[k] == usize::MAX {
                first_row[k] = i;
                classes_of[k] = class_of[i];
                continue;
            }
            repeats += 1;
            example.get_or_insert((first_row[k], i));
            if classes_of[k] != class_of[i] && !mixed[k] {
                mixed[k] = true;
                conflict.get_or_insert((first_row[k], i));
            }
        }
        let texts_repeated = sizes.iter().filter(|&&s| s > 1).count();
        if let Some((a, b)) = example {
            out.push(format!(
                "{source}: {repeats} rows repeat the text of an earlier row ({texts_repeated} \
                 texts), e.g. {} repeats {}; identical texts are kept in one cross-validation \
                 fold, and each copy weighs as a post of its own in training",
                at(data, b),
                at(data, a)
            ));
        }
        if let Some((a, b)) = conflict {
            let n_mixed = mixed.iter().filter(|&&m| m).count();
            let rows_mixed = (0..n).filter(|&i| mixed[cluster[i] as usize]).count();
            let what = if rows_mixed == n {
                "every text appears under more than one label: the texts cannot tell the \
                 classes apart, and the model will give every post about the same score"
                    .to_string()
            } else {
                "the model cannot tell those rows apart and learns nothing from them (check \
                 the labels)"
                    .to_string()
            };
            out.push(format!(
                "{source}: {n_mixed} texts ({rows_mixed} rows) appear under more than one label, \
                 e.g. {} ({}) and {} ({}); {what}",
                at(data, a),
                crate::error::shown(&names[class_of[a] as usize]),
                at(data, b),
                crate::error::shown(&names[class_of[b] as usize]),
            ));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_ignore_case_and_spacing_only() {
        assert_eq!(text_key("Hello  World"), text_key(" hello world\n"));
        assert_eq!(text_key("ÉTÉ"), text_key("été"));
        assert_ne!(text_key("hello world"), text_key("helloworld"));
        assert_ne!(text_key("a b"), text_key("a  c"));
    }

    #[test]
    fn clusters_in_order_of_first_appearance() {
        let t: Vec<String> = ["b", "a", "B", "c", "a "].map(String::from).to_vec();
        let (of_row, sizes) = text_clusters(&t);
        assert_eq!(of_row, vec![0, 1, 0, 2, 1]);
        assert_eq!(sizes, vec![2, 2, 1]);
        assert!(same_text(&["x".to_string(), "y".to_string()]).is_empty());
    }
}
