//! twarc2's JSON lines: Twitter API v2 results as researchers hold them. Two layouts, told
//! apart line by line: a response page as `twarc2 search` and `timeline` write it (`data`, an
//! array of tweets, with `includes.users` naming each `author_id`), and one tweet a line as
//! `twarc2 flatten` writes it (the author embedded as an `author` object). Every tweet becomes
//! one row whose line is the line it came from (a page's tweets share theirs), with columns
//! named as the rest of trollwatch asks for them:
//!
//! | column | from |
//! |---|---|
//! | `id` | `id` |
//! | `text` | `note_tweet.text` when the tweet has one (a long post), else `text` |
//! | `author` | `author.username`, else the page's user for `author_id`, else `author_id` |
//! | `timestamp` | `created_at` |
//! | `post_type` | `retweet`, `quote` or `reply` by `referenced_tweets[].type`, else `tweet` |
//! | `urls` | `entities.urls[].expanded_url` (else `url`), space-separated |
//!
//! and any other field of the tweet that is a string, number or boolean under its own name
//! (`author_id`, `created_at`, `lang`, `conversation_id`, ...). It owns this mapping only:
//! reading lines and bad-row handling are [`super`]'s.

use std::collections::{HashMap, VecDeque};

use serde_json::{Map, Value};

use super::{check_field, check_text, find_column, BadRow, ReadOptions, Record, RowContext};
use crate::error::Result;

/// The columns made from a tweet's fields.
pub const DERIVED: &[&str] = &["id", "text", "author", "timestamp", "post_type", "urls"];

/// Tweet fields of the API that are strings, numbers or booleans when present: columns
/// whatever the first tweet holds.
const SCALAR_FIELDS: &[&str] = &[
    "author_id",
    "conversation_id",
    "created_at",
    "in_reply_to_user_id",
    "lang",
    "possibly_sensitive",
    "reply_settings",
    "source",
];

/// The warning for a response page that holds API errors and no tweet.
const ERRORS_ONLY: &str = "a twarc2 response page with API errors and no tweet, passed over";

/// Whether a JSON line is twarc2's: a response page (a `data` array beside `includes` or
/// `__twarc`) or a flattened tweet (`__twarc`, or an `author` object beside `author_id`).
pub fn is_twarc(line: &str) -> bool {
    let Ok(Value::Object(o)) = serde_json::from_str::<Value>(line) else {
        return false;
    };
    let page = matches!(o.get("data"), Some(Value::Array(_)))
        && (o.contains_key("includes") || o.contains_key("__twarc"));
    let flat = o.contains_key("id")
        && (o.contains_key("__twarc")
            || (matches!(o.get("author"), Some(Value::Object(_))) && o.contains_key("author_id")));
    page || flat
}

/// twarc2 lines being read: the tweets of the last line not yet returned.
#[derive(Default)]
pub struct Twarc {
    pending: VecDeque<std::result::Result<Record, BadRow>>,
    /// The columns asked for were checked against the first tweet.
    checked: bool,
}

impl Twarc {
    /// The next tweet of the last line read, if any is left.
    pub fn pop(&mut self) -> Option<std::result::Result<Record, BadRow>> {
        self.pending.pop_front()
    }

    /// Reads line `line` (`s`), a response page or one tweet, into rows. An error is a column
    /// asked for that no tweet has.
    pub(super) fn read_line(&mut self, s: &str, line: u64, cx: &mut RowContext) -> Result<()> {
        let value: Value = match serde_json::from_str(s) {
            Ok(v) => v,
            Err(e) => {
                let what = e.to_string();
                let what = match what.rfind(" at line ") {
                    Some(k) => format!("{} (column {})", &what[..k], e.column()),
                    None => what,
                };
                self.pending.push_back(Err((
                    line,
                    "invalid JSON",
                    format!("invalid JSON: {what}"),
                )));
                return Ok(());
            }
        };
        let Value::Object(obj) = value else {
            self.pending
                .push_back(Err((line, "invalid JSON", "expected a JSON object".into())));
            return Ok(());
        };
        let tweets: Vec<&Value> = match obj.get("data") {
            Some(Value::Array(tweets)) => tweets.iter().collect(),
            Some(tweet @ Value::Object(_)) => vec![tweet],
            Some(_) => {
                self.pending.push_back(Err((
                    line,
                    "invalid JSON",
                    "field \"data\" is neither an array of tweets nor a tweet".into(),
                )));
                return Ok(());
            }
            None if !obj.contains_key("id") && !obj.contains_key("text") => {
                // A page without tweets: no result, or API errors only.
                if obj.contains_key("errors") {
                    cx.warnings.add(ERRORS_ONLY, line);
                }
                return Ok(());
            }
            None => {
                let users = HashMap::new();
                self.tweet(&obj, &users, line, cx)?;
                return Ok(());
            }
        };
        let users = users_of(&obj);
        for t in tweets {
            match t {
                Value::Object(t) => self.tweet(t, &users, line, cx)?,
                _ => self.pending.push_back(Err((
                    line,
                    "invalid JSON",
                    "an element of \"data\" is not a tweet (a JSON object)".into(),
                ))),
            }
        }
        Ok(())
    }

    fn tweet(
        &mut self,
        t: &Map<String, Value>,
        users: &HashMap<&str, &str>,
        line: u64,
        cx: &RowContext,
    ) -> Result<()> {
        if !self.checked {
            self.checked = true;
            check_columns(t, cx)?;
        }
        self.pending.push_back(record(t, users, line, cx.opts));
        Ok(())
    }
}

/// `includes.users` of a page: username by user id.
fn users_of(page: &Map<String, Value>) -> HashMap<&str, &str> {
    let mut users = HashMap::new();
    let list = page
        .get("includes")
        .and_then(|i| i.get("users"))
        .and_then(Value::as_array);
    for u in list.into_iter().flatten() {
        if let (Some(id), Some(name)) = (
            u.get("id").and_then(Value::as_str),
            u.get("username").and_then(Value::as_str),
        ) {
            users.insert(id, name);
        }
    }
    users
}

/// The columns asked for must be ones a tweet can have: an error names the one missing and
/// the columns there are.
fn check_columns(t: &Map<String, Value>, cx: &RowContext) -> Result<()> {
    let mut names: Vec<String> = DERIVED
        .iter()
        .chain(SCALAR_FIELDS)
        .map(|s| s.to_string())
        .collect();
    for (k, v) in t {
        if !matches!(v, Value::Array(_) | Value::Object(_)) && !names.contains(k) {
            names.push(k.clone());
        }
    }
    let opts = cx.opts;
    let explicit_id = opts.id_col_explicit.then_some(&opts.id_col);
    for col in std::iter::once(&opts.text_col)
        .chain(explicit_id)
        .chain(&opts.extra_cols)
    {
        find_column(cx.path, &names, col, 0)?;
    }
    Ok(())
}

/// A tweet as a row.
fn record(
    t: &Map<String, Value>,
    users: &HashMap<&str, &str>,
    line: u64,
    opts: &ReadOptions,
) -> std::result::Result<Record, BadRow> {
    let get = |name: &str| -> std::result::Result<Option<String>, BadRow> {
        match column(t, users, name) {
            Ok(Some(v)) => {
                check_field(v.len(), name, line, opts)?;
                Ok(Some(v))
            }
            Ok(None) => Ok(None),
            Err(what) => Err((
                line,
                "invalid JSON",
                format!("field {name:?} is not a string or number (it is {what})"),
            )),
        }
    };
    let text = match get(&opts.text_col)? {
        Some(t) => t,
        None if opts.allow_empty_text => String::new(),
        None => {
            return Err((
                line,
                "missing text",
                format!("a tweet without {:?}", opts.text_col),
            ))
        }
    };
    check_text(&text, &opts.text_col, line, opts.allow_empty_text)?;
    let id = get(&opts.id_col)?.ok_or_else(|| {
        (
            line,
            "missing id",
            format!("a tweet without {:?}", opts.id_col),
        )
    })?;
    let mut fields = Vec::with_capacity(opts.extra_cols.len() + opts.optional_cols.len());
    for c in opts.extra_cols.iter().chain(&opts.optional_cols) {
        fields.push(get(c)?.unwrap_or_default());
    }
    Ok(Record {
        line,
        id,
        text,
        fields,
        id_given: true,
    })
}

/// Column `name` of tweet `t`: `None` when the tweet has no such value, `Err` (what it is) for
/// an array or object.
fn column(
    t: &Map<String, Value>,
    users: &HashMap<&str, &str>,
    name: &str,
) -> std::result::Result<Option<String>, &'static str> {
    match name {
        "text" => match t.get("note_tweet").and_then(|n| n.get("text")) {
            Some(Value::String(long)) => Ok(Some(long.clone())),
            _ => scalar(t.get("text")),
        },
        "author" => {
            if let Some(name) = t
                .get("author")
                .and_then(|a| a.get("username"))
                .and_then(Value::as_str)
            {
                return Ok(Some(name.to_string()));
            }
            let id = scalar(t.get("author_id"))?;
            Ok(id.map(|id| users.get(id.as_str()).map_or(id.clone(), |u| u.to_string())))
        }
        "timestamp" => scalar(t.get("created_at")),
        "post_type" => Ok(Some(post_type(t).to_string())),
        "urls" => Ok(Some(urls(t))),
        _ => scalar(t.get(name)),
    }
}

/// A JSON value as a field: a string's content, a number as written, `true` or `false`.
fn scalar(v: Option<&Value>) -> std::result::Result<Option<String>, &'static str> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(Value::Bool(b)) => Ok(Some(b.to_string())),
        Some(Value::Array(_)) => Err("an array"),
        Some(Value::Object(_)) => Err("an object"),
    }
}

/// `retweet`, `quote` or `reply` (in that order, when a tweet references several), else
/// `tweet`.
fn post_type(t: &Map<String, Value>) -> &'static str {
    let types: Vec<&str> = t
        .get("referenced_tweets")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|r| r.get("type").and_then(Value::as_str))
        .collect();
    if types.contains(&"retweeted") {
        "retweet"
    } else if types.contains(&"quoted") {
        "quote"
    } else if types.contains(&"replied_to") {
        "reply"
    } else {
        "tweet"
    }
}

/// The expanded URLs of a tweet's entities, space-separated.
fn urls(t: &Map<String, Value>) -> String {
    let list = t
        .get("entities")
        .and_then(|e| e.get("urls"))
        .and_then(Value::as_array);
    let mut out = String::new();
    for u in list.into_iter().flatten() {
        let url = u
            .get("expanded_url")
            .and_then(Value::as_str)
            .or_else(|| u.get("url").and_then(Value::as_str));
        if let Some(url) = url.map(str::trim).filter(|s| !s.is_empty()) {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(url);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::{PostReader, ReadOptions};
    use super::*;

    /// A response page of two tweets (a retweet with a link, and a reply whose author the
    /// page's users do not name), then a page with API errors only, then a flattened tweet.
    const MIXED: &str = concat!(
        r#"{"data":[{"id":"1001","text":"RT @ann: polls are rigged","author_id":"11","created_at":"2020-10-01T12:00:00.000Z","referenced_tweets":[{"type":"retweeted","id":"900"}],"entities":{"urls":[{"url":"https://t.co/x","expanded_url":"https://news.example/a"}]},"lang":"en"},"#,
        r#"{"id":"1002","text":"@ann agreed","author_id":"12","created_at":"2020-10-01T12:00:30.000Z","referenced_tweets":[{"type":"replied_to","id":"1001"}]}],"#,
        r#""includes":{"users":[{"id":"11","username":"bob_b","name":"Bob"}]},"meta":{"result_count":2},"__twarc":{"url":"https://api.example/2/tweets/search/all","version":"2.14.0"}}"#,
        "\n",
        r#"{"errors":[{"title":"Not Found Error","detail":"Could not find tweet"}],"__twarc":{"version":"2.14.0"}}"#,
        "\n\n",
        r#"{"id":"1003","text":"short","note_tweet":{"text":"the whole long post"},"author_id":"13","author":{"id":"13","username":"cy"},"created_at":"2020-10-01T12:01:00.000Z","__twarc":{"version":"2.14.0"}}"#,
        "\n"
    );

    #[test]
    fn pages_and_flattened_tweets_become_rows_with_the_columns_asked_for() {
        assert!(is_twarc(MIXED.lines().next().unwrap()));
        assert!(is_twarc(MIXED.lines().nth(3).unwrap()));
        assert!(!is_twarc(r#"{"id":"1","text":"plain"}"#));
        let opts = ReadOptions {
            extra_cols: vec![
                "author".into(),
                "timestamp".into(),
                "post_type".into(),
                "urls".into(),
            ],
            optional_cols: vec!["lang".into()],
            ..ReadOptions::default()
        };
        // Named .jsonl: recognized by the first line.
        let mut r = PostReader::from_reader(
            "tweets.jsonl",
            Box::new(std::io::Cursor::new(MIXED.as_bytes().to_vec())),
            opts.clone(),
        )
        .unwrap();
        let mut rows = Vec::new();
        while let Some(rec) = r.next_record().unwrap() {
            rows.push((rec.line, rec.id, rec.text, rec.fields));
        }
        let f = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            rows,
            vec![
                (
                    1,
                    "1001".into(),
                    "RT @ann: polls are rigged".into(),
                    f(&[
                        "bob_b",
                        "2020-10-01T12:00:00.000Z",
                        "retweet",
                        "https://news.example/a",
                        "en"
                    ])
                ),
                (
                    1,
                    "1002".into(),
                    "@ann agreed".into(),
                    f(&["12", "2020-10-01T12:00:30.000Z", "reply", "", ""])
                ),
                (
                    4,
                    "1003".into(),
                    "the whole long post".into(),
                    f(&["cy", "2020-10-01T12:01:00.000Z", "tweet", "", ""])
                ),
            ]
        );
        assert_eq!(r.warnings.by_reason[ERRORS_ONLY].first_line, 2);
        // Forced plain JSON lines: the page is one object without a text.
        let plain = ReadOptions {
            format: Some(super::super::InputFormat::Jsonl),
            skip_bad_rows: true,
            ..ReadOptions::default()
        };
        let mut r = PostReader::from_reader(
            "tweets.jsonl",
            Box::new(std::io::Cursor::new(MIXED.as_bytes().to_vec())),
            plain,
        )
        .unwrap();
        let mut n = 0;
        while r.next_record().unwrap().is_some() {
            n += 1;
        }
        assert_eq!(n, 1, "only the flattened tweet has a text");
    }

    #[test]
    fn a_column_no_tweet_has_is_an_error_listing_the_columns() {
        let opts = ReadOptions {
            format: Some(super::super::InputFormat::Twarc2),
            extra_cols: vec!["label".into()],
            ..ReadOptions::default()
        };
        let mut r = PostReader::from_reader(
            "<stdin>",
            Box::new(std::io::Cursor::new(MIXED.as_bytes().to_vec())),
            opts,
        )
        .unwrap();
        let err = r.next_record().unwrap_err().to_string();
        assert!(
            err.contains("\"label\"") && err.contains("post_type") && err.contains("lang"),
            "{err}"
        );
    }
}
