//! The control plane under `/_mock/`: what a test suite needs around the API.
//!
//! JSON in and out, ordinary HTTP status codes (it is our API, not Tencent's). Never reachable
//! as a TRTC action. `--control-plane off` leaves only `/_mock/health`; `--control-token` requires
//! `Authorization: Bearer <token>` everywhere but `/_mock/health`.
//!
//! | endpoint | does |
//! |---|---|
//! | `GET /_mock/health` | ready, version, seed, clock, counts |
//! | `POST /_mock/reset` | back to the start-up state; `{"sdk_app_id": N}` scopes it |
//! | `GET/POST /_mock/fixtures` | list / load fixture documents at run time |
//! | `GET/DELETE /_mock/requests` | the request journal (filters: action, code, since, sdk_app_id, secret_id, limit) |
//! | `GET/POST/DELETE /_mock/faults`, `DELETE /_mock/faults/{id}` | injected faults |
//! | `GET/POST /_mock/clock` | read, set, advance, freeze the virtual clock |
//! | `POST /_mock/rooms/join`, `/leave`, `/publish`, `GET /_mock/rooms` | users in live rooms, and the rooms in use |
//! | `GET /_mock/tasks` | the tasks started through the API, with their state history |
//! | `/_mock/apps/{id}/callbacks`, `/_mock/apps/{id}/usersig-key`, `/_mock/usersig`, `/_mock/callbacks…` | callbacks and UserSig keys ([`callbacks`]) |
//! | `GET /_mock/ui`, `/_mock/ui/api/…` | the inspector, a web page, and the JSON and SVG it reads ([`ui`]) |

pub mod callbacks;
pub mod faults;
pub mod journal;
pub mod probe;
pub mod rooms;
pub mod tasks;
pub mod ui;

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use subtle::ConstantTimeEq;

use crate::app::App;
use crate::catalog;
use faults::FaultSpec;

/// Largest request body of the control plane.
pub const MAX_BODY: usize = 64 * 1024 * 1024;

/// The control plane's routes, to be nested under `/_mock`.
pub fn routes(app: Arc<App>) -> Router {
    let guarded = Router::new()
        .route("/reset", axum::routing::post(reset))
        .route("/fixtures", get(list_fixtures).post(load_fixtures))
        .route("/requests", get(requests).delete(clear_requests))
        .route("/faults", get(list_faults).post(add_fault).delete(clear_faults))
        .route("/faults/{id}", delete(remove_fault))
        .route("/clock", get(clock).post(set_clock))
        .route("/rooms", get(rooms::list))
        .route("/rooms/join", axum::routing::post(rooms::join))
        .route("/rooms/leave", axum::routing::post(rooms::leave))
        .route("/rooms/publish", axum::routing::post(rooms::publish))
        .route("/rooms/role", axum::routing::post(rooms::role))
        .route("/tasks", get(tasks::list))
        .route(
            "/apps/{id}/callbacks",
            get(callbacks::get_settings).put(callbacks::put_settings).delete(callbacks::delete_settings),
        )
        .route("/apps/{id}/usersig-key", get(callbacks::get_key).put(callbacks::put_key).delete(callbacks::delete_key))
        .route("/usersig", axum::routing::post(callbacks::mint))
        .route("/callbacks", get(callbacks::list))
        .route("/callbacks/deliver", axum::routing::post(callbacks::deliver))
        .route("/callbacks/{id}/replay", axum::routing::post(callbacks::replay))
        .merge(ui::routes())
        .fallback(not_found)
        .route_layer(middleware::from_fn_with_state(Arc::clone(&app), guard));
    Router::new()
        .route("/health", get(health))
        .merge(guarded)
        .fallback(not_found)
        .with_state(app)
        // Fixture documents are the largest bodies the control plane takes.
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(middleware::from_fn(refuse_declared_oversize))
        .layer(middleware::map_response(always_json))
}

/// A body declared larger than [`MAX_BODY`] is refused before a byte of it is read (one sent
/// without a length is cut at the limit by [`DefaultBodyLimit`]).
async fn refuse_declared_oversize(request: Request, next: Next) -> Response {
    let declared =
        request.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > MAX_BODY as u64) {
        return reply(
            StatusCode::PAYLOAD_TOO_LARGE,
            json!({"error": format!("the control plane takes bodies of at most {MAX_BODY} bytes")}),
        );
    }
    next.run(request).await
}

/// Everything under `/_mock/` answers JSON but the inspector's page, scripts and pictures:
/// the refusals axum makes itself (a path parameter that does not parse, a body over the
/// limit, a method the route does not take) come as text or empty, and become
/// `{"error": "…"}` with the same status and headers.
async fn always_json(response: Response) -> Response {
    // axum's refusals are `text/plain` or carry no type; every answer of ours names its type.
    let typed = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json") || !v.as_bytes().starts_with(b"text/plain"));
    let redirect = response.status().is_redirection();
    if typed || redirect {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    // axum's refusals are one line of text.
    let text = axum::body::to_bytes(body, 64 * 1024)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_owned())
        .unwrap_or_default();
    let error = if !text.is_empty() {
        text
    } else if parts.status == StatusCode::METHOD_NOT_ALLOWED {
        "this endpoint does not take that method (the Allow header lists those it takes)".to_owned()
    } else {
        parts.status.canonical_reason().unwrap_or("error").to_owned()
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(header::CONTENT_TYPE, header::HeaderValue::from_static("application/json"));
    Response::from_parts(parts, axum::body::Body::from(json!({"error": error}).to_string()))
}

/// A JSON answer with a status.
fn reply(status: StatusCode, body: Value) -> Response {
    let mut response = (status, body.to_string()).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, header::HeaderValue::from_static("application/json"));
    response
}

/// Already-serialized JSON with a status.
fn json_bytes(status: StatusCode, body: Vec<u8>) -> Response {
    let mut response = (status, body).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, header::HeaderValue::from_static("application/json"));
    response
}

fn ok(body: Value) -> Response {
    reply(StatusCode::OK, body)
}

fn bad_request(message: impl Into<String>) -> Response {
    reply(StatusCode::BAD_REQUEST, json!({"error": message.into()}))
}

async fn not_found() -> Response {
    reply(
        StatusCode::NOT_FOUND,
        json!({"error": "no such control-plane endpoint; see the README's control-plane section"}),
    )
}

/// Enforces `--control-plane off` and `--control-token` on every endpoint but health.
async fn guard(State(app): State<Arc<App>>, headers: HeaderMap, request: Request, next: Next) -> Response {
    if !app.config.control_plane {
        return reply(
            StatusCode::NOT_FOUND,
            json!({"error": "the control plane is disabled (--control-plane off); only /_mock/health is served"}),
        );
    }
    if let Some(token) = &app.config.control_token {
        // The page cannot send a header when a browser follows a link: it sends the token in
        // the inspector's address once, then in the cookie the inspector sets (see [`ui`]).
        let bearer = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::to_owned);
        let path = request.uri().path();
        let in_address =
            (path == "/ui" || path == "/ui/").then(|| request.uri().query().and_then(ui::token_in_query)).flatten();
        let matches =
            |sent: &Option<String>| sent.as_ref().is_some_and(|s| bool::from(s.as_bytes().ct_eq(token.as_bytes())));
        if !(matches(&bearer) || matches(&ui::token_in_cookie(&headers)) || matches(&in_address)) {
            return reply(
                StatusCode::UNAUTHORIZED,
                json!({"error": "the control plane needs `Authorization: Bearer <token>` (the inspector: open /_mock/ui?token=<token>)"}),
            );
        }
    }
    next.run(request).await
}

/// Parses an optional JSON body; an empty body is the type's default. The error is the reason.
fn body<T: DeserializeOwned + Default>(bytes: &Bytes) -> Result<T, String> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(bytes).map_err(|e| format!("invalid JSON body: {e}"))
}

async fn health(State(app): State<Arc<App>>) -> Response {
    let fixtures = app.world.fixtures();
    let wall_ms = app.world.clock.wall().now_ms();
    ok(json!({
        "status": "ready",
        "ready": true,
        "version": env!("CARGO_PKG_VERSION"),
        "service": "trtc",
        "api_version": catalog::VERSION,
        "actions": catalog::get().actions().len(),
        "semantic_actions": crate::actions::HANDLERS.len(),
        "seed": app.config.seed,
        "clock": app.world.clock.reading(),
        "fixtures": {"documents": fixtures.sources(), "apps": fixtures.app_count(), "rooms": fixtures.room_count()},
        "journal": {
            "entries": app.journal.len(),
            "capacity": app.config.journal_size,
            "bytes": app.journal.bytes(),
            "max_bytes": app.config.journal_bytes,
            "dropped": app.journal.dropped(),
        },
        "faults": app.faults.len(),
        "control_plane": app.config.control_plane,
        "uptime_ms": wall_ms - app.started_ms,
    }))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ResetScope {
    sdk_app_id: Option<u64>,
}

async fn reset(State(app): State<Arc<App>>, bytes: Bytes) -> Response {
    let scope: ResetScope = match body(&bytes) {
        Ok(scope) => scope,
        Err(reason) => return bad_request(reason),
    };
    app.reset(scope.sdk_app_id);
    match scope.sdk_app_id {
        Some(app_id) => ok(json!({"reset": {"sdk_app_id": app_id}})),
        None => ok(json!({"reset": "all", "clock": app.world.clock.reading()})),
    }
}

fn fixtures_view(app: &App) -> Value {
    let fixtures = app.world.fixtures();
    let apps: Vec<Value> = fixtures.apps().map(|(id, rooms)| json!({"sdk_app_id": id, "rooms": rooms})).collect();
    json!({"documents": fixtures.sources(), "apps": apps})
}

async fn list_fixtures(State(app): State<Arc<App>>) -> Response {
    ok(fixtures_view(&app))
}

async fn load_fixtures(State(app): State<Arc<App>>, bytes: Bytes) -> Response {
    let Ok(text) = std::str::from_utf8(&bytes) else {
        return bad_request("the fixture document is not UTF-8");
    };
    let source = format!("POST /_mock/fixtures #{}", app.world.fixtures().sources().len() + 1);
    match app.world.add_fixtures(&source, text) {
        Ok(()) => reply(StatusCode::CREATED, fixtures_view(&app)),
        Err(reason) => reply(StatusCode::UNPROCESSABLE_ENTITY, json!({"error": reason})),
    }
}

async fn requests(
    State(app): State<Arc<App>>,
    query: Result<Query<journal::Query>, axum::extract::rejection::QueryRejection>,
) -> Response {
    match query {
        Ok(Query(query)) => {
            let page = app.journal.query(&query);
            // Serialized straight to bytes: no second copy of the journal as a JSON tree.
            match serde_json::to_vec(&page) {
                Ok(bytes) => json_bytes(StatusCode::OK, bytes),
                Err(e) => reply(StatusCode::INTERNAL_SERVER_ERROR, json!({"error": e.to_string()})),
            }
        }
        Err(rejection) => bad_request(rejection.body_text()),
    }
}

async fn clear_requests(State(app): State<Arc<App>>) -> Response {
    app.journal.clear(None);
    ok(json!({"cleared": true}))
}

async fn list_faults(State(app): State<Arc<App>>) -> Response {
    ok(json!({"faults": app.faults.list()}))
}

async fn add_fault(State(app): State<Arc<App>>, bytes: Bytes) -> Response {
    let spec: FaultSpec = match serde_json::from_slice(&bytes) {
        Ok(spec) => spec,
        Err(e) => return bad_request(format!("invalid fault: {e}")),
    };
    match app.faults.add(spec) {
        Ok(view) => reply(StatusCode::CREATED, serde_json::to_value(view).unwrap_or_default()),
        Err(reason) => bad_request(reason),
    }
}

async fn clear_faults(State(app): State<Arc<App>>) -> Response {
    app.faults.clear(None);
    ok(json!({"faults": []}))
}

async fn remove_fault(State(app): State<Arc<App>>, Path(id): Path<u64>) -> Response {
    if app.faults.remove(id) {
        ok(json!({"removed": id}))
    } else {
        reply(StatusCode::NOT_FOUND, json!({"error": format!("no fault {id}")}))
    }
}

async fn clock(State(app): State<Arc<App>>) -> Response {
    ok(serde_json::to_value(app.world.clock.reading()).unwrap_or_default())
}

/// `POST /_mock/clock`: any of `set` (Unix seconds), `advance` (seconds, ≥ 0), `freeze` (bool),
/// applied in that order.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClockChange {
    set: Option<i64>,
    advance: Option<i64>,
    freeze: Option<bool>,
}

async fn set_clock(State(app): State<Arc<App>>, bytes: Bytes) -> Response {
    let change: ClockChange = match body(&bytes) {
        Ok(change) => change,
        Err(reason) => return bad_request(reason),
    };
    let clock = &app.world.clock;
    // Everything the world shows is derived from the clock (rooms open and close, users leave),
    // so whatever falls due in a skipped interval has happened, in order. A value the clock
    // cannot show is refused, and then nothing changes.
    if let Err(reason) = clock.change(change.set, change.advance) {
        return bad_request(reason.to_string());
    }
    if let Some(frozen) = change.freeze {
        clock.set_frozen(frozen);
    }
    // What fell due in the interval is called back now.
    app.callbacks.wake.notify_one();
    ok(serde_json::to_value(clock.reading()).unwrap_or_default())
}
