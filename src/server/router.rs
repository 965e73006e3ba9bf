//! The routes and their handlers. Scoring a batch is CPU work and runs on a blocking thread
//! (the model scores it in parallel), so that single posts keep their latency; one post, or a
//! few, is scored in place.

use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use http_body_util::BodyExt;

use super::api::{
    id_text, json_response, ApiError, BatchAnswer, ErrorCode, ModelInfo, ModelRef, OneAnswer, Post,
    ScoreRequest,
};
use super::App;
use crate::pipeline::features;
use crate::pipeline::score::{JsonRow, ScoreOptions};

/// Posts up to this many are scored on the request's own thread.
const INLINE_POSTS: usize = 4;

/// Every route of the API.
pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/v1/score", post(score))
        .route("/v1/models", get(models))
        .route("/health/live", get(live))
        .route("/health/ready", get(ready))
        .route("/v2/health/live", get(live))
        .route("/v2/health/ready", get(ready))
        .route("/metrics", get(metrics))
        .route_layer(axum::middleware::from_fn_with_state(app.clone(), observe))
        .fallback(not_found)
        .method_not_allowed_fallback(wrong_method)
        .with_state(app)
}

/// The route's name in the metrics: one of a fixed set.
fn route_label(path: &str) -> &'static str {
    match path {
        "/v1/score" => "/v1/score",
        "/v1/models" => "/v1/models",
        "/health/live" => "/health/live",
        "/health/ready" => "/health/ready",
        "/v2/health/live" => "/v2/health/live",
        "/v2/health/ready" => "/v2/health/ready",
        "/metrics" => "/metrics",
        _ => "other",
    }
}

/// Counts every answer of a known route, its status, error code and (scoring) latency.
async fn observe(State(app): State<Arc<App>>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or("other", |p| route_label(p.as_str()));
    let response = next.run(req).await;
    if let Some(ErrorCode(code)) = response.extensions().get::<ErrorCode>() {
        app.metrics.error(code);
    }
    app.metrics.answered(
        route,
        response.status().as_u16(),
        started.elapsed(),
        route == "/v1/score",
    );
    response
}

async fn not_found(State(app): State<Arc<App>>, req: Request) -> Response {
    app.metrics.error("not_found");
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        format!(
            "no route {} {}: the API has POST /v1/score, GET /v1/models, GET /health/live, \
             GET /health/ready and GET /metrics",
            req.method(),
            req.uri().path()
        ),
    )
    .into_response()
}

async fn wrong_method(req: Request) -> Response {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        format!(
            "{} does not take {}: /v1/score takes POST, the others GET",
            req.uri().path(),
            req.method()
        ),
    )
    .into_response()
}

async fn live() -> Response {
    json_response(StatusCode::OK, r#"{"status":"live"}"#)
}

async fn ready(State(app): State<Arc<App>>) -> Response {
    if !app.ready.load(std::sync::atomic::Ordering::Relaxed) {
        return ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "shutting_down",
            "the server is shutting down: it finishes the requests it has and takes no new ones",
        )
        .into_response();
    }
    let registry = app.models.current();
    let body = serde_json::json!({ "status": "ready", "models": registry.names() });
    json_response(StatusCode::OK, body.to_string())
}

async fn models(State(app): State<Arc<App>>) -> Response {
    let registry = app.models.current();
    let list: Vec<ModelInfo> = registry
        .models
        .iter()
        .enumerate()
        .map(|(i, m)| ModelInfo::new(m, i == 0))
        .collect();
    match serde_json::to_string(&serde_json::json!({ "models": list })) {
        Ok(body) => json_response(StatusCode::OK, body),
        Err(e) => internal(e.to_string()).into_response(),
    }
}

async fn metrics(State(app): State<Arc<App>>) -> Response {
    let mut r = Response::new(Body::from(app.metrics.render()));
    r.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("text/plain; version=0.0.4"),
    );
    r
}

fn internal(message: String) -> ApiError {
    ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", message)
}

/// Decrements the in-flight gauge when a request ends, however it ends.
struct InFlight<'a>(&'a super::metrics::Metrics);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.ended();
    }
}

async fn score(State(app): State<Arc<App>>, headers: HeaderMap, body: Body) -> Response {
    let Ok(_permit) = app.permits.clone().try_acquire_owned() else {
        return ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_requests",
            format!(
                "{} scoring requests are being answered (--max-concurrent): retry later",
                app.limits.max_concurrent
            ),
        )
        .into_response();
    };
    app.metrics.started();
    let _in_flight = InFlight(&app.metrics);
    match score_request(&app, &headers, body).await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}

/// Reads the body, at most `--max-body-bytes` of it, within `--body-timeout`.
async fn read_body(app: &App, headers: &HeaderMap, mut body: Body) -> Result<Vec<u8>, ApiError> {
    let max = app.limits.max_body_bytes;
    let too_large = |n: String| {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            format!("the body has {n} bytes; the limit is {max} (--max-body-bytes)"),
        )
    };
    let declared = headers
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if let Some(n) = declared.filter(|&n| n > max as u64) {
        return Err(too_large(n.to_string()));
    }
    let read = async {
        let mut buf = Vec::with_capacity(declared.unwrap_or(0) as usize);
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|e| {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "bad_body",
                    format!("reading the body: {e}"),
                )
            })?;
            if let Ok(data) = frame.into_data() {
                if buf.len() + data.len() > max {
                    return Err(too_large(format!("more than {max}")));
                }
                buf.extend_from_slice(&data);
            }
        }
        Ok(buf)
    };
    match tokio::time::timeout(app.limits.body_timeout, read).await {
        Ok(r) => r,
        Err(_) => Err(ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            "body_timeout",
            format!(
                "the body did not arrive within {} s (--body-timeout)",
                app.limits.body_timeout.as_secs()
            ),
        )),
    }
}

fn bad_request(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "bad_request", message)
}

async fn score_request(app: &App, headers: &HeaderMap, body: Body) -> Result<Response, ApiError> {
    let bytes = read_body(app, headers, body).await?;
    let req: ScoreRequest = serde_json::from_slice(&bytes).map_err(|e| ApiError::bad_json(&e))?;
    drop(bytes);
    let registry = app.models.current();
    let served = registry.get(req.model.as_deref()).cloned().ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "unknown_model",
            format!(
                "no model {:?}; the models are {}",
                req.model.as_deref().unwrap_or(""),
                registry.names().join(", ")
            ),
        )
    })?;
    drop(registry);
    let opts = check_options(app, &req, &served)?;
    let explain = req.explain;
    let (single, posts) = match (req.text, req.posts) {
        (Some(text), None) => (true, vec![Post::text_only(req.id, text)]),
        (None, Some(posts)) => {
            if req.id.is_some() {
                return Err(bad_request(
                    "`id` goes with `text` (one post); in a batch each post has its own id",
                ));
            }
            if posts.len() > app.limits.max_batch_posts {
                return Err(ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "too_many_posts",
                    format!(
                        "the batch has {} posts; the limit is {} (--max-batch-posts)",
                        posts.len(),
                        app.limits.max_batch_posts
                    ),
                ));
            }
            (false, posts)
        }
        (Some(_), Some(_)) => {
            return Err(bad_request(
                "give `text` (one post) or `posts` (a batch), not both",
            ))
        }
        (None, None) => {
            return Err(bad_request(
                "give `text` (one post, with an optional `id`) or `posts` (a batch of \
                 {\"id\", \"text\"})",
            ))
        }
    };
    let ids = posts
        .iter()
        .enumerate()
        .map(|(i, p)| id_text(p.id.as_ref(), i))
        .collect::<Result<Vec<_>, ApiError>>()?;
    let max_text = app.limits.max_text_bytes;
    if let Some((i, (id, text))) = ids
        .iter()
        .zip(posts.iter().map(|p| &p.text))
        .enumerate()
        .find(|(_, (_, t))| t.len() > max_text)
    {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "text_too_long",
            format!(
                "post {} (id {}) has {} bytes of text; the limit is {max_text} (--max-text-bytes)",
                i + 1,
                crate::error::shown(id),
                text.len()
            ),
        ));
    }
    let times = match &served.model.meta.coordination {
        Some(_) if single => {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "needs_batch",
                format!(
                    "model {:?} has coordination features, counted over a batch of posts with \
                     their accounts and times: send {{\"posts\": [{{\"id\", \"text\", \"author\", \
                     \"time\"}}, ...]}}",
                    served.name
                ),
            ))
        }
        Some(_) => Some(coordination_times(&posts)?),
        None => None,
    };
    let n = posts.len();
    let inline = n <= INLINE_POSTS && times.is_none();
    let work = move || -> Result<Vec<u8>, ApiError> {
        let model = &served.model;
        let scored = match (&model.meta.coordination, &times) {
            (Some(spec), Some(times)) => {
                let rows: Vec<features::Row> = posts
                    .iter()
                    .zip(times)
                    .map(|(p, &time)| features::Row {
                        author: p.author.as_deref().unwrap_or(""),
                        time,
                        text: &p.text,
                        repost: p.repost,
                        urls: p.urls.as_deref(),
                    })
                    .collect();
                let analysis = features::coordination(spec, &rows)
                    .map_err(|e| internal(format!("the coordination analysis: {e}")))?;
                let texts: Vec<&str> = posts.iter().map(|p| p.text.as_str()).collect();
                model.score_batch_with(&texts, Some(&analysis.dense), opts, explain)
            }
            _ if n == 1 => vec![model.score_one(&posts[0].text, opts, explain)],
            _ => {
                let texts: Vec<&str> = posts.iter().map(|p| p.text.as_str()).collect();
                model.score_batch(&texts, opts, explain)
            }
        };
        let classes = model.class_names();
        let mut rows = ids
            .iter()
            .zip(&scored)
            .map(|(id, s)| JsonRow::new(id, s, model.label_of(s), classes, explain > 0));
        let body = if single {
            let row = rows
                .next()
                .ok_or_else(|| internal("no row scored".into()))?;
            serde_json::to_vec(&OneAnswer {
                row,
                model: ModelRef::from(&*served),
            })
        } else {
            serde_json::to_vec(&BatchAnswer {
                model: ModelRef::from(&*served),
                results: rows.collect(),
            })
        };
        body.map_err(|e| internal(format!("writing the answer: {e}")))
    };
    let body = if inline {
        work()?
    } else {
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|e| internal(format!("scoring failed: {e}")))??
    };
    app.metrics.scored(n);
    Ok(json_response(StatusCode::OK, body))
}

/// Each post's time in Unix seconds, for a model with coordination features: every post
/// needs an author and a time.
fn coordination_times(posts: &[Post]) -> Result<Vec<i64>, ApiError> {
    posts
        .iter()
        .enumerate()
        .map(|(i, p)| {
            if p.author.as_deref().is_none_or(|a| a.trim().is_empty()) {
                return Err(bad_request(format!(
                    "post {}: this model counts coordination between accounts: every post \
                     needs an `author`",
                    i + 1
                )));
            }
            p.unix_time().ok_or_else(|| {
                bad_request(format!(
                    "post {}: `time` is {}: give ISO 8601 (2016-09-01T13:05:00Z) or Unix \
                     seconds",
                    i + 1,
                    p.time
                        .as_ref()
                        .map_or("missing".into(), |t| crate::error::shown(&t.to_string()))
                ))
            })
        })
        .collect()
}

/// The request's `explain`, `threshold` and `prior`, checked against the limits and the model.
fn check_options(
    app: &App,
    req: &ScoreRequest,
    served: &super::models::Served,
) -> Result<ScoreOptions, ApiError> {
    if req.explain > app.limits.max_explain {
        return Err(bad_request(format!(
            "explain = {}: at most {} terms are explained per post",
            req.explain, app.limits.max_explain
        )));
    }
    let binary = served.model.head.is_binary();
    if let Some(t) = req.threshold {
        if !binary {
            return Err(bad_request(
                "threshold: a multi-class model predicts the most probable class; a threshold \
                 applies to two-class models",
            ));
        }
        if !(0.0..=1.0).contains(&t) {
            return Err(bad_request(format!("threshold = {t}: must be in [0, 1]")));
        }
    }
    if let Some(p) = req.prior {
        if !binary {
            return Err(bad_request(
                "prior: a multi-class model's probabilities are not shifted to a prior",
            ));
        }
        if !(p > 0.0 && p < 1.0) {
            return Err(bad_request(format!("prior = {p}: must be in (0, 1)")));
        }
    }
    Ok(ScoreOptions {
        threshold: req.threshold,
        prior: req.prior,
    })
}
