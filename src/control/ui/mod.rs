//! The inspector: a web page at `/_mock/ui` that shows the world as pictures — the clock,
//! rooms and their timelines, call quality as the TRTC console charts it, tasks, the request
//! journal, callbacks and faults — and drives the clock and the rooms through the control
//! plane's own endpoints.
//!
//! Its three assets are compiled into the binary (no build step, nothing fetched at run time).
//! The data the page reads comes from the endpoints the control plane already has
//! (`/_mock/requests`, `/_mock/faults`, `/_mock/callbacks`, `/_mock/clock`, `/_mock/rooms/…`)
//! and from a few of its own under `/_mock/ui/api/` ([`api`]), whose charts are SVG drawn here
//! from the world's numbers ([`svg`]): every figure is the one the API serves.
//!
//! It sits behind the same guard as the rest of the control plane. A browser cannot send a
//! bearer token when it follows a link, so `/_mock/ui?token=T` (checked by the guard) answers
//! with a cookie holding the token (`HttpOnly`, `SameSite=Strict`, path `/_mock`), which the
//! guard then takes in place of the header.

pub mod api;
pub mod svg;

use std::sync::Arc;

use axum::Router;
use axum::extract::RawQuery;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use percent_encoding::{NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

use crate::app::App;

/// The cookie that carries the control token for the page.
pub const COOKIE: &str = "trtc_mock_token";

const INDEX: &str = include_str!("../../../assets/ui/index.html");
const SCRIPT: &str = include_str!("../../../assets/ui/app.js");
const STYLE: &str = include_str!("../../../assets/ui/style.css");

/// The inspector's routes, to be nested in the guarded control plane at `/ui`.
pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/ui", get(index))
        .route("/ui/", get(index))
        .route("/ui/app.js", get(|| async { asset("text/javascript; charset=utf-8", SCRIPT) }))
        .route("/ui/style.css", get(|| async { asset("text/css; charset=utf-8", STYLE) }))
        .route("/ui/api/pulse", get(api::pulse))
        .route("/ui/api/overview", get(api::overview))
        .route("/ui/api/rooms", get(api::rooms))
        .route("/ui/api/timeline.svg", get(api::timeline))
        .route("/ui/api/call", get(api::call))
        .route("/ui/api/chart.svg", get(api::chart))
        .route("/ui/api/dashboard.svg", get(api::dashboard))
        .route("/ui/api/tasks", get(api::tasks))
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

/// The page; with `?token=`, which the guard has checked, the token moves into a cookie and
/// the browser is sent back to the page without it in its address.
async fn index(RawQuery(query): RawQuery) -> Response {
    match query.as_deref().and_then(token_in_query) {
        Some(token) => {
            let cookie = format!(
                "{COOKIE}={}; Path=/_mock; HttpOnly; SameSite=Strict",
                utf8_percent_encode(&token, NON_ALPHANUMERIC)
            );
            let mut response = StatusCode::SEE_OTHER.into_response();
            let headers = response.headers_mut();
            headers.insert(header::LOCATION, HeaderValue::from_static("/_mock/ui"));
            if let Ok(value) = HeaderValue::from_str(&cookie) {
                headers.insert(header::SET_COOKIE, value);
            }
            response
        }
        None => asset("text/html; charset=utf-8", INDEX),
    }
}

/// The `token` parameter of a query string.
pub fn token_in_query(query: &str) -> Option<String> {
    form_urlencoded::parse(query.as_bytes()).find(|(k, _)| k == "token").map(|(_, v)| v.into_owned())
}

/// The token a request's cookie carries.
pub fn token_in_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().strip_prefix(COOKIE)?.strip_prefix('='))
        .find_map(|v| percent_decode_str(v).decode_utf8().ok().map(|v| v.into_owned()))
}
