//! The HTTP server: routes, the accept loop, connection limits, graceful shutdown, and a
//! handle for embedding.
//!
//! The accept loop is ours rather than `axum::serve` so that an injected fault can drop a
//! connection without writing a byte (a response marked [`DropConnection`] becomes a service
//! error, on which hyper closes the connection), and so that every connection is bounded:
//!
//! - **at most `max_connections` at once** (by default 32 below the open-file limit, at most
//!   1024): past that the accept loop waits and new clients queue in the listen backlog, so the
//!   process never runs out of file descriptors; accept errors back off from 10 ms to 1 s;
//! - **a header deadline**: a connection's first request must have its headers in within
//!   `header_timeout` of the connection's start, a later one within `header_timeout` of its
//!   first byte, however slowly the bytes trickle;
//! - **a body deadline**: the body must be in within `body_timeout` of the headers, or the read
//!   fails and the gateway answers `InvalidParameter`;
//! - **a keep-alive deadline**: an idle connection (no new request, or a response the client
//!   does not read) is closed after `keep_alive_timeout` without progress.
//!
//! hyper's own `header_read_timeout` is one timer from the end of a response to the end of the
//! next headers, so it cannot tell a slow request from an idle keep-alive connection; a small
//! watchdog per connection, fed by the I/O wrapper [`Guarded`], keeps the two apart.
//!
//! The same wrapper gives hyper's own refusals a body: a request hyper cannot parse (a control
//! byte in a header, a URL of 64 KiB or more, more than 100 headers or ~400 KiB of them) is
//! answered by hyper with a 400, 414 or 431 and no body; the wrapper writes the Tencent envelope
//! in its place, with a RequestId (also in `X-TC-RequestId`), and journals it.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::panic::AssertUnwindSafe;
use std::pin::{Pin, pin};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, ready};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::DefaultBodyLimit;
use axum::extract::State;
use axum::http::{HeaderValue, Method, Request, Response, header};
use bytes::Bytes;
use futures_util::FutureExt;
use hyper::body::{Frame, Incoming, SizeHint};
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, oneshot};
use tokio::task::JoinHandle;
use tokio::time::{Instant, Sleep};
use tower::ServiceExt;
use tower_http::catch_panic::CatchPanicLayer;
use uuid::Uuid;

use crate::app::App;
use crate::config::Config;
use crate::control;
use crate::control::journal::Entry;
use crate::envelope;
use crate::error::{ApiError, Language};
use crate::gateway::{self, DropConnection};

/// How long a stop waits for in-flight requests before closing their connections.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(3);

/// Connections at once when neither the configuration nor the open-file limit says less.
pub const DEFAULT_MAX_CONNECTIONS: usize = 1024;

/// File descriptors kept free of connections: the listener, the runtime's, standard streams,
/// fixture files read at a reset, a healthcheck.
pub const RESERVED_FDS: usize = 32;

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

/// Whether the router is needed for `path`: it routes `/_mock` and `/_mock/…` to the control
/// plane and every other path to the gateway, so a path that does not start with `/_mock` goes
/// straight to the gateway ([`api`]).
fn is_control_plane(path: &str) -> bool {
    path.starts_with("/_mock")
}

/// The API's answer, as the router gives it but without its routing and per-request boxing:
/// the gateway's handler, a panic answered as the router's panic layer answers it, and the
/// router's finishing touches (a `content-length` from the body's size; no body for `HEAD`, nor
/// for a successful `CONNECT`).
async fn api(app: Arc<App>, request: Request<Body>) -> Response<Body> {
    let method = request.method().clone();
    let mut response = match AssertUnwindSafe(gateway::handle(State(app), request)).catch_unwind().await {
        Ok(response) => response,
        Err(_) => panic_response(),
    };
    if method == Method::CONNECT && response.status().is_success() {
        if response.headers().contains_key(header::CONTENT_LENGTH)
            || response.headers().contains_key(header::TRANSFER_ENCODING)
            || hyper::body::Body::size_hint(response.body()).lower() != 0
        {
            response = response.map(|_| Body::empty());
        }
        return response;
    }
    if !response.headers().contains_key(header::CONTENT_LENGTH)
        && let Some(size) = hyper::body::Body::size_hint(response.body()).exact()
    {
        let value = HeaderValue::from(size);
        response.headers_mut().insert(header::CONTENT_LENGTH, value);
    }
    if method == Method::HEAD {
        *response.body_mut() = Body::empty();
    }
    response
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

/// The open-file limit of the process (soft), when the platform tells.
pub fn open_file_limit() -> Option<u64> {
    #[cfg(unix)]
    {
        rlimit::Resource::NOFILE.get().ok().map(|(soft, _)| soft)
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// Connections served at once: the configured cap or [`DEFAULT_MAX_CONNECTIONS`], lowered to
/// stay [`RESERVED_FDS`] below the open-file limit (never below 1).
pub fn connection_cap(configured: Option<usize>, open_files: Option<u64>) -> usize {
    let wanted = configured.unwrap_or(DEFAULT_MAX_CONNECTIONS).max(1);
    match open_files.map(|limit| usize::try_from(limit).unwrap_or(usize::MAX)) {
        Some(limit) => wanted.min(limit.saturating_sub(RESERVED_FDS)).max(1),
        None => wanted,
    }
}

/// Sends the callbacks that fall due, off every request's path: woken by the clock and settings
/// changes, and every 100 ms as the virtual clock runs on.
async fn deliver_callbacks(app: Arc<App>) {
    loop {
        tokio::select! {
            () = tokio::time::sleep(Duration::from_millis(100)) => {}
            () = app.callbacks.wake.notified() => {}
        }
        app.callbacks.pump(&app.world).await;
    }
}

/// Serves `app` on an already-bound listener until `shutdown` completes, then lets in-flight
/// requests finish (for up to three seconds).
pub async fn serve(
    listener: TcpListener,
    app: Arc<App>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let router = router(Arc::clone(&app));
    let graceful = GracefulShutdown::new();
    let callbacks = tokio::spawn(deliver_callbacks(Arc::clone(&app)));
    let mut shutdown = pin!(shutdown);
    let open_files = open_file_limit();
    let cap = connection_cap(app.config.max_connections, open_files);
    if let Some(configured) = app.config.max_connections
        && configured > cap
    {
        tracing::warn!(configured, cap, open_files, "--max-connections lowered to stay below the open-file limit");
    }
    tracing::info!(
        max_connections = cap,
        open_files,
        header_timeout_ms = app.config.header_timeout.as_millis() as u64,
        body_timeout_ms = app.config.body_timeout.as_millis() as u64,
        keep_alive_timeout_ms = app.config.keep_alive_timeout.as_millis() as u64,
        "connection limits"
    );
    let slots = Arc::new(Semaphore::new(cap));
    let limits = Limits {
        header: app.config.header_timeout,
        body: app.config.body_timeout,
        keep_alive: app.config.keep_alive_timeout,
    };
    let mut backoff = Backoff::default();
    let mut last_full_warning: Option<Instant> = None;
    loop {
        // A free slot first: at the cap, new clients wait in the listen backlog.
        let slot = match Arc::clone(&slots).try_acquire_owned() {
            Ok(slot) => slot,
            Err(_) => {
                if last_full_warning.is_none_or(|at| at.elapsed() >= Duration::from_secs(10)) {
                    tracing::warn!(cap, "connection cap reached; new connections wait");
                    last_full_warning = Some(Instant::now());
                }
                tokio::select! {
                    slot = Arc::clone(&slots).acquire_owned() => slot.expect("the semaphore is never closed"),
                    () = &mut shutdown => break,
                }
            }
        };
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    backoff.reset();
                    stream
                }
                Err(err) => {
                    // Out of file descriptors and the like: back off, log now and then, keep serving.
                    let (pause, log) = backoff.next();
                    if log {
                        tracing::warn!(error = %err, retry_in_ms = pause.as_millis() as u64, "accept failed");
                    }
                    tokio::select! {
                        () = tokio::time::sleep(pause) => continue,
                        () = &mut shutdown => break,
                    }
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let state = Arc::new(ConnState::new(limits));
        let service = {
            let router = router.clone();
            let state = Arc::clone(&state);
            let app = Arc::clone(&app);
            hyper::service::service_fn(move |request: Request<Incoming>| {
                let router = router.clone();
                let state = Arc::clone(&state);
                let app = Arc::clone(&app);
                async move {
                    state.begin_request();
                    let since = Instant::now();
                    let request = request.map(|body| Body::new(DeadlineBody::new(body, since, limits.body)));
                    let response = if is_control_plane(request.uri().path()) {
                        router.oneshot(request).await.unwrap_or_else(|e: Infallible| match e {})
                    } else {
                        api(app, request).await
                    };
                    let dropped = response.extensions().get::<DropConnection>().is_some();
                    state.end_request(!dropped);
                    if dropped {
                        return Err(Dropped);
                    }
                    Ok(response)
                }
            })
        };
        let io = TokioIo::new(Guarded::new(stream, Arc::clone(&state), Arc::clone(&app)));
        let connection = hyper::server::conn::http1::Builder::new().serve_connection(io, service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            let _slot = slot;
            tokio::select! {
                _ = connection => {}
                () = state.watchdog() => {
                    // Dropping the connection closes its socket.
                    tracing::debug!("connection closed by its deadline");
                }
            }
        });
    }
    drop(listener);
    callbacks.abort();
    if tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown()).await.is_err() {
        tracing::warn!("requests still running after the shutdown grace period were cut");
    }
    Ok(())
}

/// Exponential back-off of the accept loop, logging on the first error and when it grows.
#[derive(Default)]
struct Backoff {
    pause: Option<Duration>,
}

impl Backoff {
    const FIRST: Duration = Duration::from_millis(10);
    const MAX: Duration = Duration::from_secs(1);

    /// The pause before the next accept, and whether to log this error.
    fn next(&mut self) -> (Duration, bool) {
        let (pause, log) = match self.pause {
            None => (Self::FIRST, true),
            Some(p) if p >= Self::MAX => (Self::MAX, false),
            Some(p) => ((p * 2).min(Self::MAX), (p * 2) >= Self::MAX),
        };
        self.pause = Some(pause);
        (pause, log)
    }

    fn reset(&mut self) {
        self.pause = None;
    }
}

/// The three connection deadlines.
#[derive(Clone, Copy, Debug)]
struct Limits {
    header: Duration,
    body: Duration,
    keep_alive: Duration,
}

/// Where a connection is in its request cycle.
#[derive(Clone, Copy, Debug)]
enum Phase {
    /// No byte of a request yet: since the connection started (`fresh`) or since the last
    /// response was handed to hyper.
    Waiting { since: Instant, fresh: bool },
    /// Reading a request's headers, begun at `since`.
    Head { since: Instant },
    /// A request is with the router (its body has its own deadline).
    Busy,
}

struct Cycle {
    phase: Phase,
    /// Last time bytes went in or out.
    last_io: Instant,
    /// Responses the router handed to hyper whose head is not written yet.
    heads_due: usize,
}

/// What the watchdog and the I/O wrapper of one connection share.
///
/// The watchdog is never woken by the connection: it sleeps until the current deadline, or for
/// at most the shorter of the header and keep-alive limits, and looks again. No change of phase
/// can bring a deadline closer than that: a request's head counts from its first byte, which
/// comes after the watchdog last looked, and a response starts the keep-alive limit afresh. So
/// a request costs the watchdog nothing (it used to be woken, and the connection's task polled
/// again, three times a request).
struct ConnState {
    limits: Limits,
    cycle: Mutex<Cycle>,
}

impl ConnState {
    fn new(limits: Limits) -> Self {
        let now = Instant::now();
        Self {
            limits,
            cycle: Mutex::new(Cycle { phase: Phase::Waiting { since: now, fresh: true }, last_io: now, heads_due: 0 }),
        }
    }

    fn cycle(&self) -> std::sync::MutexGuard<'_, Cycle> {
        // Nothing panics while holding it; a poisoned lock still holds a usable cycle.
        self.cycle.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn on_read(&self) {
        let now = Instant::now();
        let mut cycle = self.cycle();
        cycle.last_io = now;
        if let Phase::Waiting { since, fresh } = cycle.phase {
            // A first request's headers count from the connection's start.
            cycle.phase = Phase::Head { since: if fresh { since } else { now } };
        }
    }

    fn on_write(&self) {
        self.cycle().last_io = Instant::now();
    }

    fn begin_request(&self) {
        self.cycle().phase = Phase::Busy;
    }

    /// The router answered; `head` when hyper is to write the answer's head.
    fn end_request(&self, head: bool) {
        let now = Instant::now();
        let mut cycle = self.cycle();
        cycle.phase = Phase::Waiting { since: now, fresh: false };
        cycle.last_io = now;
        if head {
            cycle.heads_due += 1;
        }
    }

    /// Whether a response head about to be written is one the router made (then it is counted
    /// off when `written`), rather than hyper's own refusal.
    fn head_is_ours(&self, written: bool) -> bool {
        let mut cycle = self.cycle();
        if cycle.heads_due == 0 {
            return false;
        }
        if written {
            cycle.heads_due -= 1;
        }
        true
    }

    /// When the connection must close if nothing changes; `None` while the router works.
    fn deadline(&self) -> Option<Instant> {
        let cycle = self.cycle();
        match cycle.phase {
            Phase::Waiting { since, fresh: true } | Phase::Head { since } => Some(since + self.limits.header),
            Phase::Waiting { fresh: false, .. } => Some(cycle.last_io + self.limits.keep_alive),
            Phase::Busy => None,
        }
    }

    /// Completes when the connection has passed its deadline.
    async fn watchdog(&self) {
        let look_again = self.limits.header.min(self.limits.keep_alive);
        loop {
            let now = Instant::now();
            let wake = match self.deadline() {
                Some(deadline) if now >= deadline => return,
                Some(deadline) => deadline.min(now + look_again),
                None => now + look_again,
            };
            tokio::time::sleep_until(wake).await;
        }
    }
}

/// The error of a body that did not arrive in time.
#[derive(Debug)]
pub struct BodyTimedOut(pub Duration);

impl std::fmt::Display for BodyTimedOut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "it did not arrive within {} s of the headers", self.0.as_secs_f64())
    }
}

impl std::error::Error for BodyTimedOut {}

/// A request body that fails once its deadline passes. (tower-http's `TimeoutBody` restarts
/// its timer at every frame, which lets a client trickle a 10 MiB body for as long as it likes.)
/// The timer is set only when the body has to be waited for: a body that arrived with its
/// headers costs none.
struct DeadlineBody {
    inner: Incoming,
    deadline: Option<Pin<Box<Sleep>>>,
    /// The headers' arrival: the deadline is `limit` after it.
    since: Instant,
    limit: Duration,
}

impl DeadlineBody {
    fn new(inner: Incoming, since: Instant, limit: Duration) -> Self {
        Self { inner, deadline: None, since, limit }
    }
}

impl hyper::body::Body for DeadlineBody {
    type Data = Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = self.get_mut();
        if let Poll::Ready(frame) = Pin::new(&mut this.inner).poll_frame(cx) {
            return Poll::Ready(frame.map(|f| f.map_err(Into::into)));
        }
        let (since, limit) = (this.since, this.limit);
        let deadline = this.deadline.get_or_insert_with(|| Box::pin(tokio::time::sleep_until(since + limit)));
        if deadline.as_mut().poll(cx).is_ready() {
            return Poll::Ready(Some(Err(Box::new(BodyTimedOut(this.limit)))));
        }
        Poll::Pending
    }

    fn is_end_stream(&self) -> bool {
        hyper::body::Body::is_end_stream(&self.inner)
    }

    fn size_hint(&self) -> SizeHint {
        hyper::body::Body::size_hint(&self.inner)
    }
}

/// The connection's socket as hyper sees it: reports progress to the watchdog, and replaces
/// hyper's empty refusals with the envelope.
struct Guarded {
    stream: TcpStream,
    state: Arc<ConnState>,
    app: Arc<App>,
    /// The envelope being written in place of hyper's refusal, how much of it is out, and how
    /// many bytes to report to hyper for its own.
    rewrite: Option<(Vec<u8>, usize, usize)>,
    /// Set once a refusal is replaced: hyper's further bytes (none are expected) go nowhere.
    replaced: bool,
}

impl Guarded {
    fn new(stream: TcpStream, state: Arc<ConnState>, app: Arc<App>) -> Self {
        Self { stream, state, app, rewrite: None, replaced: false }
    }

    fn write_bufs(&mut self, cx: &mut Context<'_>, bufs: &[io::IoSlice<'_>]) -> Poll<io::Result<usize>> {
        let total = bufs.iter().map(|b| b.len()).sum::<usize>();
        if self.replaced {
            return Poll::Ready(Ok(total));
        }
        let first = bufs.iter().find(|b| !b.is_empty()).map_or(&[][..], |b| &b[..]);
        let head = is_final_head(first);
        if self.rewrite.is_none() && head && !self.state.head_is_ours(false) {
            match hyper_refusal(first) {
                Some(status) => self.rewrite = Some((refusal_envelope(&self.app, status, first), 0, total)),
                None => tracing::debug!("hyper wrote a head of its own that is not a refusal"),
            }
        }
        if let Some((bytes, written, report)) = &mut self.rewrite {
            while *written < bytes.len() {
                let n = ready!(Pin::new(&mut self.stream).poll_write(cx, &bytes[*written..]))?;
                if n == 0 {
                    return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
                }
                *written += n;
                self.state.on_write();
            }
            let report = *report;
            self.rewrite = None;
            self.replaced = true;
            return Poll::Ready(Ok(report));
        }
        let n = ready!(Pin::new(&mut self.stream).poll_write_vectored(cx, bufs))?;
        if n > 0 {
            self.state.on_write();
            if head {
                self.state.head_is_ours(true);
            }
        }
        Poll::Ready(Ok(n))
    }
}

impl AsyncRead for Guarded {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        ready!(Pin::new(&mut this.stream).poll_read(cx, buf))?;
        if buf.filled().len() > before {
            this.state.on_read();
        }
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for Guarded {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.get_mut().write_bufs(cx, &[io::IoSlice::new(buf)])
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().write_bufs(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}

/// Whether `bytes` start a final (non-1xx) response head.
fn is_final_head(bytes: &[u8]) -> bool {
    bytes.starts_with(b"HTTP/1.") && bytes.len() > 9 && bytes.get(9).is_some_and(|b| (b'2'..=b'5').contains(b))
}

/// The status of hyper's own refusal — a whole 4xx/5xx head without a body — if `head` is one.
fn hyper_refusal(head: &[u8]) -> Option<u16> {
    let end = head.windows(4).position(|w| w == b"\r\n\r\n")?;
    let text = std::str::from_utf8(&head[..end]).ok()?;
    let status: u16 = text.get(9..12)?.parse().ok()?;
    let empty = text.lines().any(|line| line.eq_ignore_ascii_case("content-length: 0"));
    (status >= 400 && empty).then_some(status)
}

/// The error hyper's refusal stands for.
fn refusal_error(status: u16) -> ApiError {
    match status {
        414 => ApiError::request_size_limit(gateway::parse::MAX_URL),
        431 => ApiError::request_headers_too_large(),
        _ => ApiError::malformed_http(),
    }
}

/// The response written in place of hyper's bodiless refusal: the same status line and date,
/// the envelope as body, its RequestId in `X-TC-RequestId`; and its journal entry.
fn refusal_envelope(app: &App, status: u16, head: &[u8]) -> Vec<u8> {
    let request_id = Uuid::new_v4();
    let err = refusal_error(status);
    let body = envelope::error(&err, Language::English, &request_id);
    let text = String::from_utf8_lossy(head);
    let status_line = text.lines().next().unwrap_or("HTTP/1.1 400 Bad Request");
    let date = text.lines().find(|l| l.to_ascii_lowercase().starts_with("date:"));
    let id = request_id.hyphenated().to_string();
    let mut out = format!(
        "{status_line}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nx-tc-requestid: {id}\r\nconnection: close\r\n",
        body.len()
    );
    if let Some(date) = date {
        out.push_str(date);
        out.push_str("\r\n");
    }
    out.push_str("\r\n");
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(&body);
    tracing::info!(target: "trtc_mock::request", request_id = id.as_str(), status, code = err.code(), "refused by the HTTP layer");
    app.journal.record(Entry {
        seq: 0,
        request_id: id,
        received_at_ms: app.world.clock.wall().now_ms(),
        virtual_time: app.world.clock.now(),
        method: String::new(),
        action: None,
        sdk_app_id: None,
        secret_id: None,
        signature_method: None,
        code: err.code().to_owned(),
        message: Some(err.message(Language::English).to_owned()),
        duration_us: 0,
        fault: None,
        signature: None,
        note: None,
    });
    bytes
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_stays_below_the_open_file_limit() {
        assert_eq!(connection_cap(None, None), DEFAULT_MAX_CONNECTIONS);
        assert_eq!(connection_cap(None, Some(600)), 600 - RESERVED_FDS);
        assert_eq!(connection_cap(None, Some(1_048_576)), DEFAULT_MAX_CONNECTIONS);
        assert_eq!(connection_cap(Some(5000), Some(1_048_576)), 5000);
        assert_eq!(connection_cap(Some(5000), Some(600)), 600 - RESERVED_FDS);
        assert_eq!(connection_cap(Some(8), Some(600)), 8);
        assert_eq!(connection_cap(Some(8), Some(10)), 1);
        assert_eq!(connection_cap(Some(0), None), 1);
    }

    #[test]
    fn accept_errors_back_off_and_log_rarely() {
        let mut backoff = Backoff::default();
        let steps: Vec<(Duration, bool)> = (0..12).map(|_| backoff.next()).collect();
        assert_eq!(steps[0], (Duration::from_millis(10), true));
        assert_eq!(steps[1], (Duration::from_millis(20), false));
        assert!(steps.iter().all(|(p, _)| *p <= Duration::from_secs(1)));
        assert_eq!(steps.iter().filter(|(_, log)| *log).count(), 2, "{steps:?}");
        assert_eq!(steps[11].0, Duration::from_secs(1));
        backoff.reset();
        assert_eq!(backoff.next(), (Duration::from_millis(10), true));
    }

    #[test]
    fn only_bodiless_error_heads_are_refusals() {
        let refusal = b"HTTP/1.1 431 Request Header Fields Too Large\r\nconnection: close\r\ncontent-length: 0\r\ndate: x\r\n\r\n";
        assert_eq!(hyper_refusal(refusal), Some(431));
        assert!(is_final_head(refusal));
        assert_eq!(hyper_refusal(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n"), None);
        assert_eq!(hyper_refusal(b"HTTP/1.1 404 Not Found\r\ncontent-length: 12\r\n\r\n"), None);
        assert_eq!(hyper_refusal(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n"), None, "an unfinished head");
        assert!(!is_final_head(b"HTTP/1.1 100 Continue\r\n\r\n"));
        assert!(!is_final_head(b"{\"Response\":{}}"));
    }
}
