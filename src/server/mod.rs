//! `trollwatch serve`: scoring over HTTP. This is an edge of the library, like the command
//! line: it owns the HTTP API (routes, JSON, limits, metrics, reload and shutdown) and
//! scores with the pipeline's scorer, answering each post with the fields `score --format
//! jsonl` writes. It prints nothing: what it has to say goes to the caller's `log`.
//!
//! The models sit behind a handle swapped whole on SIGHUP, after the new set has loaded and
//! been checked; SIGTERM (or SIGINT) stops taking connections, finishes the requests under
//! way and returns.

pub mod api;
pub mod limits;
pub mod metrics;
pub mod models;
pub mod router;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use axum::serve::ListenerExt;

use crate::error::{Error, Result};
pub use limits::Limits;
pub use models::{ModelSpec, Models};

/// Where the server's messages go.
pub type Log = Box<dyn Fn(&str) + Send + Sync>;

/// What to serve, where, and within which limits.
pub struct Config {
    /// The models, the first the default.
    pub models: Vec<ModelSpec>,
    pub addr: String,
    pub limits: Limits,
    /// Threads answering requests [default: one per core]. Batches are scored on the
    /// scorer's thread pool.
    pub threads: Option<usize>,
    /// Where the server's messages go (listening, reloads, shutdown).
    pub log: Log,
}

/// What every request shares.
pub struct App {
    pub models: Models,
    pub limits: Limits,
    pub metrics: metrics::Metrics,
    /// One permit per scoring request answered at once (`--max-concurrent`).
    pub permits: Arc<tokio::sync::Semaphore>,
    /// False once shutdown has begun: `/health/ready` then says 503.
    pub ready: AtomicBool,
}

/// Loads the models, binds `config.addr`, calls `on_listen` with the address bound (port 0
/// asks for a free one) and answers requests until SIGTERM or SIGINT.
pub fn run(config: Config, on_listen: impl FnOnce(SocketAddr)) -> Result<()> {
    let limits = config.limits.check()?;
    let models = Models::load(config.models)?;
    let mut rt = tokio::runtime::Builder::new_multi_thread();
    if let Some(n) = config.threads {
        rt.worker_threads(n.max(1));
    }
    let rt = rt
        .enable_all()
        .build()
        .map_err(|e| Error::io("the server's threads", e))?;
    let log = Arc::new(config.log);
    let addr = config.addr;
    rt.block_on(async move {
        // A wrong, taken or forbidden address is the user's to fix.
        let listener = tokio::net::TcpListener::bind(&addr)
            .await
            .map_err(|e| Error::param("addr", &addr, format!("cannot listen there: {e}")))?;
        let bound = listener
            .local_addr()
            .map_err(|e| Error::io(format!("--addr {addr}"), e))?;
        let app = Arc::new(App {
            permits: Arc::new(tokio::sync::Semaphore::new(limits.max_concurrent)),
            models,
            limits,
            metrics: metrics::Metrics::default(),
            ready: AtomicBool::new(true),
        });
        let mut hangup = signal(tokio::signal::unix::SignalKind::hangup())?;
        let mut terminate = signal(tokio::signal::unix::SignalKind::terminate())?;
        let mut interrupt = signal(tokio::signal::unix::SignalKind::interrupt())?;
        let reloader = {
            let (app, log) = (app.clone(), log.clone());
            tokio::spawn(async move {
                while hangup.recv().await.is_some() {
                    reload(&app, &log).await;
                }
            })
        };
        let shutdown = {
            let (app, log) = (app.clone(), log.clone());
            async move {
                let which = tokio::select! {
                    _ = terminate.recv() => "SIGTERM",
                    _ = interrupt.recv() => "SIGINT",
                };
                app.ready.store(false, Ordering::Relaxed);
                log(&format!(
                    "{which}: shutting down after the requests under way are answered"
                ));
            }
        };
        let names = app.models.current().names().join(", ");
        on_listen(bound);
        log(&format!("serving {names} on http://{bound}"));
        let listener = listener.tap_io(|tcp| {
            // Small answers go out at once rather than waiting to fill a packet.
            let _ = tcp.set_nodelay(true);
        });
        let served = axum::serve(listener, router::router(app))
            .with_graceful_shutdown(shutdown)
            .await;
        reloader.abort();
        served.map_err(|e| Error::io(format!("serving on {bound}"), e))?;
        log("stopped");
        Ok(())
    })
}

fn signal(kind: tokio::signal::unix::SignalKind) -> Result<tokio::signal::unix::Signal> {
    tokio::signal::unix::signal(kind).map_err(|e| Error::io("installing a signal handler", e))
}

/// Loads the model files again and puts the new set in use, or keeps the old one and says
/// why.
async fn reload(app: &Arc<App>, log: &Arc<Log>) {
    let loading = app.clone();
    let result = tokio::task::spawn_blocking(move || loading.models.reload()).await;
    match result {
        Ok(Ok(registry)) => {
            app.metrics.reloaded(true);
            let what: Vec<String> = registry
                .models
                .iter()
                .map(|m| format!("{} (sha256 {})", m.name, &m.sha256[..12]))
                .collect();
            log(&format!("SIGHUP: reloaded {}", what.join(", ")));
        }
        Ok(Err(e)) => {
            app.metrics.reloaded(false);
            log(&format!(
                "SIGHUP: reload refused, the models in use stay: {e}"
            ));
        }
        Err(e) => {
            app.metrics.reloaded(false);
            log(&format!(
                "SIGHUP: reload failed, the models in use stay: {e}"
            ));
        }
    }
}
