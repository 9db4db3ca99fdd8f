//! The HTTP server: routes, start-up, graceful shutdown, and a handle for embedding.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::DefaultBodyLimit;
use axum::http::Response;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tower_http::catch_panic::CatchPanicLayer;
use uuid::Uuid;

use crate::app::App;
use crate::config::Config;
use crate::envelope;
use crate::error::{ApiError, Language};
use crate::gateway;

/// The router: the control plane under `/_mock/`, the API everywhere else.
pub fn router(app: Arc<App>) -> Router {
    Router::new()
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

/// Serves `app` on an already-bound listener until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    app: Arc<App>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    axum::serve(listener, router(app)).with_graceful_shutdown(shutdown).await
}

/// A server running in the background; stops when [`Running::stop`] is called or it is dropped.
pub struct Running {
    addr: SocketAddr,
    app: Arc<App>,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<io::Result<()>>>,
}

impl Running {
    /// Binds `config.addr` (port 0 picks a free port) and starts serving.
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
