//! The JSON of the HTTP API: requests, answers and errors. An error is always
//! `{"error": {"code": "...", "message": "..."}}` (bad JSON adds `line` and `column`), with
//! an HTTP status that says whose fault it is.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use crate::pipeline::score::JsonRow;
use crate::server::models::Served;

/// A `POST /v1/score` body: one post (`id`, `text`) or a batch (`posts`), with options.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScoreRequest {
    #[serde(default)]
    pub id: Option<serde_json::Value>,
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub posts: Option<Vec<Post>>,
    /// Terms to report per post (0: none).
    #[serde(default)]
    pub explain: usize,
    #[serde(default)]
    pub threshold: Option<f64>,
    #[serde(default)]
    pub prior: Option<f64>,
    /// The model's name [default: the first served].
    #[serde(default)]
    pub model: Option<String>,
}

/// One post of a batch. `author`, `time`, `repost` and `urls` are for models with
/// coordination features, which count them over the batch.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Post {
    #[serde(default)]
    pub id: Option<serde_json::Value>,
    pub text: String,
    /// The account that posted it.
    #[serde(default)]
    pub author: Option<String>,
    /// When: ISO 8601 (`2016-09-01T13:05:00Z`) or Unix seconds, as a string or a number.
    #[serde(default)]
    pub time: Option<serde_json::Value>,
    /// Whether it reposts another post (texts starting `RT @x:` are reposts too).
    #[serde(default)]
    pub repost: bool,
    /// Its links, space-separated [default: the links in the text].
    #[serde(default)]
    pub urls: Option<String>,
}

impl Post {
    /// A post with a text and an id only.
    pub fn text_only(id: Option<serde_json::Value>, text: String) -> Post {
        Post {
            id,
            text,
            author: None,
            time: None,
            repost: false,
            urls: None,
        }
    }

    /// The time as Unix seconds, if it is one.
    pub fn unix_time(&self) -> Option<i64> {
        match self.time.as_ref()? {
            serde_json::Value::String(s) => crate::util::time::parse(s),
            serde_json::Value::Number(n) => crate::util::time::parse(&n.to_string()),
            _ => None,
        }
    }
}

/// An id as the answer gives it back: a string as it was, a number in its JSON form.
pub fn id_text(id: Option<&serde_json::Value>, position: usize) -> Result<String, ApiError> {
    match id {
        None | Some(serde_json::Value::Null) => Ok((position + 1).to_string()),
        Some(serde_json::Value::String(s)) => Ok(s.clone()),
        Some(serde_json::Value::Number(n)) => Ok(n.to_string()),
        Some(other) => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            format!(
                "post {}: id must be a string or a number, not {}",
                position + 1,
                crate::error::shown(&other.to_string())
            ),
        )),
    }
}

/// What an answer says of the model that scored it.
#[derive(Debug, Serialize)]
pub struct ModelRef<'a> {
    pub name: &'a str,
    /// The model file's format version.
    pub version: u32,
    /// SHA-256 of the model file.
    pub sha256: &'a str,
}

impl<'a> From<&'a Served> for ModelRef<'a> {
    fn from(m: &'a Served) -> ModelRef<'a> {
        ModelRef {
            name: &m.name,
            version: m.version(),
            sha256: &m.sha256,
        }
    }
}

/// The answer to one post: its row (as `score --format jsonl`), and the model.
#[derive(Debug, Serialize)]
pub struct OneAnswer<'a> {
    #[serde(flatten)]
    pub row: JsonRow<'a>,
    pub model: ModelRef<'a>,
}

/// The answer to a batch: the model, and a row per post in request order.
#[derive(Debug, Serialize)]
pub struct BatchAnswer<'a> {
    pub model: ModelRef<'a>,
    pub results: Vec<JsonRow<'a>>,
}

/// A served model as `GET /v1/models` lists it.
#[derive(Debug, Serialize)]
pub struct ModelInfo<'a> {
    pub name: &'a str,
    pub path: String,
    pub version: u32,
    pub sha256: &'a str,
    /// Whether requests without `model` use it.
    pub default: bool,
    /// Two classes: the negative and the positive (troll) label; K classes: their names.
    pub classes: Vec<&'a str>,
    /// The probability a two-class model flags at by default; `null` for K classes.
    pub threshold: Option<f64>,
    /// The text column the model was trained on.
    pub text_col: &'a str,
    pub trained_on: &'a str,
    pub trollwatch_version: &'a str,
    /// Whether the model needs a batch of posts with their accounts and times
    /// (coordination features): it scores only the batch form.
    pub needs_batch: bool,
}

impl<'a> ModelInfo<'a> {
    pub fn new(m: &'a Served, default: bool) -> ModelInfo<'a> {
        let meta = &m.model.meta;
        let classes = match m.model.class_names() {
            Some(names) => names.iter().map(String::as_str).collect(),
            None => vec![meta.labels.negative.as_str(), meta.labels.positive.as_str()],
        };
        ModelInfo {
            name: &m.name,
            path: m.path.display().to_string(),
            version: m.version(),
            sha256: &m.sha256,
            default,
            classes,
            threshold: meta
                .is_binary()
                .then(|| m.model.effective_threshold(&Default::default())),
            text_col: &meta.input.text_col,
            trained_on: &meta.data.trained_on,
            trollwatch_version: &meta.data.trollwatch_version,
            needs_batch: m.needs_batch(),
        }
    }
}

/// An error answer.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// Where in the body bad JSON went wrong (1-based).
    pub position: Option<(usize, usize)>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            position: None,
        }
    }

    /// A body that is not the JSON asked for, with where serde_json stopped.
    pub fn bad_json(e: &serde_json::Error) -> ApiError {
        ApiError {
            position: Some((e.line(), e.column())),
            ..ApiError::new(
                StatusCode::BAD_REQUEST,
                "bad_json",
                format!("the body is not a valid request: {e}"),
            )
        }
    }

    /// The JSON body.
    pub fn body(&self) -> String {
        #[derive(Serialize)]
        struct Inner<'a> {
            code: &'a str,
            message: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            line: Option<usize>,
            #[serde(skip_serializing_if = "Option::is_none")]
            column: Option<usize>,
        }
        #[derive(Serialize)]
        struct Outer<'a> {
            error: Inner<'a>,
        }
        let outer = Outer {
            error: Inner {
                code: self.code,
                message: &self.message,
                line: self.position.map(|p| p.0),
                column: self.position.map(|p| p.1),
            },
        };
        serde_json::to_string(&outer).unwrap_or_else(|_| {
            format!(
                "{{\"error\":{{\"code\":\"{}\",\"message\":\"\"}}}}",
                self.code
            )
        })
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut r = json_response(self.status, self.body());
        r.extensions_mut().insert(ErrorCode(self.code));
        r
    }
}

/// The code of an error answer, for the metrics.
#[derive(Debug, Clone, Copy)]
pub struct ErrorCode(pub &'static str);

/// A JSON answer with `status`.
pub fn json_response(status: StatusCode, body: impl Into<axum::body::Body>) -> Response {
    let mut r = Response::new(body.into());
    *r.status_mut() = status;
    r.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("application/json"),
    );
    r
}
