//! The HTTP server: routes, the accept loop, graceful shutdown, and a handle for embedding.
//!
//! The accept loop is ours rather than `axum::serve` so that an injected fault can drop a
//! connection without writing a byte: a response marked [`DropConnection`] becomes a service
//! error, on which hyper closes the connection.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::pin;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::DefaultBodyLimit;
use axum::http::{Request, Response};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tower::ServiceExt;
use tower_http::catch_panic::CatchPanicLayer;
use uuid::Uuid;

use crate::app::App;
use crate::config::Config;
use crate::control;
use crate::envelope;
use crate::error::{ApiError, Language};
use crate::gateway::{self, DropConnection};

/// How long a stop waits for in-flight requests before closing their connections.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(3);

/// The router: the control plane under `/_mock/`, the API everywhere else.
pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .nest_service("/_mock", control::routes(Arc::clone(&app)))
        .fallback(gateway::handle)
        .with_state(app)
        // The gateway enforces Tencent's own limits and answers them in the envelope.
        .layer(DefaultBodyLimit::disable())
        .layer(CatchPanicLayer::custom(|_| panic_response()))
}

fn panic_response() -> Response<Body> {
    tracing::error!("a handler panicked");
    envelope::http(envelope::error(&ApiError::internal_error(), Language::English, &Uuid::new_v4()))
}

/// The error that makes hyper drop a connection.
#[derive(Debug)]
struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by an injected fault")
    }
}

impl std::error::Error for Dropped {}

/// Serves `app` on an already-bound listener until `shutdown` completes, then lets in-flight
/// requests finish (for up to three seconds).
pub async fn serve(
    listener: TcpListener,
    app: Arc<App>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let router = router(app);
    let graceful = GracefulShutdown::new();
    let mut shutdown = pin!(shutdown);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(err) => {
                    // Out of file descriptors and the like: wait and keep serving.
                    tracing::warn!(error = %err, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let service = hyper::service::service_fn(move |request: Request<Incoming>| {
            let router = router.clone();
            async move {
                let response = router.oneshot(request.map(Body::new)).await.unwrap_or_else(|e: Infallible| match e {});
                if response.extensions().get::<DropConnection>().is_some() {
                    return Err(Dropped);
                }
                Ok(response)
            }
        });
        let connection = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            let _ = connection.await;
        });
    }
    drop(listener);
    if tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown()).await.is_err() {
        tracing::warn!("requests still running after the shutdown grace period were cut");
    }
    Ok(())
}

/// A server running in the background, for tests and embedding; stops when [`Running::stop`]
/// is called or it is dropped.
///
/// ```
/// use std::time::Duration;
/// use trtc_mock::{Config, Running};
///
/// # #[tokio::main]
/// # async fn main() {
/// let server = Running::start(Config { addr: "127.0.0.1:0".parse().unwrap(), ..Config::default() })
///     .await
///     .expect("the emulator starts");
/// // Point an SDK at server.url() (http://127.0.0.1:PORT) with these credentials.
/// assert!(server.url().starts_with("http://127.0.0.1:"));
/// assert_eq!(server.credentials(), ("AKIDmock", "mock-secret"));
///
/// // The control plane answers at /_mock/: here its health, as `trtc-mock healthcheck` asks it.
/// let addr = server.addr();
/// let health = tokio::task::spawn_blocking(move || {
///     trtc_mock::control::probe::check(addr, None, Duration::from_secs(2))
/// });
/// assert!(health.await.unwrap().unwrap().contains(r#""ready":true"#));
///
/// drop(server); // stops the server (or `server.stop().await` to wait for it)
/// # }
/// ```
pub struct Running {
    addr: SocketAddr,
    app: Arc<App>,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<io::Result<()>>>,
}

impl Running {
    /// Binds `config.addr` (port 0 picks a free port) and starts serving on the current Tokio
    /// runtime.
    pub async fn start(config: Config) -> Result<Self, String> {
        let listener =
            TcpListener::bind(config.addr).await.map_err(|e| format!("cannot listen on {}: {e}", config.addr))?;
        Self::start_on(listener, config).await
    }

    /// Starts serving on an already-bound listener.
    pub async fn start_on(listener: TcpListener, config: Config) -> Result<Self, String> {
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        let app = Arc::new(App::new(config)?);
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(serve(listener, Arc::clone(&app), async move {
            let _ = rx.await;
        }));
        Ok(Self { addr, app, shutdown: Some(tx), task: Some(task) })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The SecretId and SecretKey of the first configured account.
    pub fn credentials(&self) -> (&str, &str) {
        let account = &self.app.config.accounts[0];
        (&account.secret_id, &account.secret_key)
    }

    /// The state behind the server (clock, journal, faults…), for direct use from Rust.
    pub fn app(&self) -> &Arc<App> {
        &self.app
    }

    /// Stops accepting, finishes in-flight requests, and waits for the server to end.
    pub async fn stop(mut self) -> io::Result<()> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        match self.task.take() {
            Some(task) => task.await.unwrap_or_else(|e| Err(io::Error::other(e))),
            None => Ok(()),
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}
