//! The API 3.0 gateway: every request to the API goes through [`handle`].
//!
//! parse → authenticate → common parameters → throttle → validate → dispatch, in the order of
//! the real gateway's checks, each stage returning the first error it finds. The answer is
//! always an envelope (HTTP 200, `application/json`, fresh RequestId), errors included.

pub mod auth;
pub mod dispatch;
pub mod parse;
pub mod tc3;
pub mod throttle;
pub mod v1;

use std::borrow::Cow;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderName, HeaderValue, Request, Response};
use futures_util::FutureExt;
use serde_json::Value;
use uuid::Uuid;

use crate::actions::{Ctx, Output};
use crate::app::App;
use crate::catalog::{self, Action, regions};
use crate::config::{Account, AuthMode};
use crate::control::faults::Hit;
use crate::control::journal::{self, Entry, RefusedSignature};
use crate::envelope;
use crate::error::{ApiError, ApiResult, Language};
use parse::{Business, Common, Received, Style};

/// What the gateway learnt about one request, whatever its outcome (logged, and kept in the
/// request journal).
#[derive(Debug, Default)]
pub struct Record {
    pub action: Option<String>,
    pub style: Option<Style>,
    pub secret_id: Option<String>,
    pub sdk_app_id: Option<u64>,
    pub signature: Option<auth::SignatureDebug>,
    pub fault: Option<u64>,
    /// A handler's note on why it refused.
    pub note: Option<String>,
}

/// Marks a response whose connection must be dropped instead (an injected fault); the server
/// closes the connection without writing anything.
#[derive(Debug, Clone, Copy)]
pub struct DropConnection;

/// The answer's RequestId header.
pub static X_TC_REQUESTID: HeaderName = HeaderName::from_static("x-tc-requestid");

/// Journal code of a request whose connection a fault dropped (not a Tencent code).
pub const DROPPED: &str = "ConnectionDropped";

enum Outcome {
    Answer(ApiResult<Output>),
    Drop,
}

/// Axum handler for the API (every method and path outside the control plane).
pub async fn handle(State(app): State<Arc<App>>, request: Request<Body>) -> Response<Body> {
    let request_id = Uuid::new_v4();
    let started = Instant::now();
    let received_at_ms = app.world.clock.wall().now_ms();
    let method = request.method().as_str().to_owned();
    let trace_id = request.headers().get(&parse::X_TC_TRACEID).cloned();
    let mut record = Record::default();
    // A panic anywhere on the request's path still gets the envelope, the RequestId header and
    // its journal entry (the router's own panic layer can give none of them).
    let (language, outcome) = match AssertUnwindSafe(run(&app, request, &mut record)).catch_unwind().await {
        Ok(done) => done,
        Err(panic) => {
            tracing::error!(request_id = %request_id, panic = panic_message(&*panic), "the gateway panicked");
            (Language::default(), Outcome::Answer(Err(ApiError::internal_error())))
        }
    };
    let (mut response, code, message) = match outcome {
        Outcome::Answer(Ok(Output::Json(output))) => {
            (envelope::http(envelope::success(&output, &request_id)), "Success".to_owned(), None)
        }
        Outcome::Answer(Ok(Output::Events(events))) => {
            (envelope::event_stream(events, &request_id), "Success".to_owned(), None)
        }
        Outcome::Answer(Err(err)) => {
            let body = envelope::error(&err, language, &request_id);
            (envelope::http(body), err.code().to_owned(), Some(err.message(Language::English).to_owned()))
        }
        Outcome::Drop => {
            let mut response = Response::new(Body::empty());
            response.extensions_mut().insert(DropConnection);
            (response, DROPPED.to_owned(), None)
        }
    };
    let duration_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
    let request_id = request_id.hyphenated().to_string();
    // What the client chose is logged cut, as the journal keeps it.
    fn shown(value: &Option<String>) -> Cow<'_, str> {
        value.as_deref().map_or(Cow::Borrowed("-"), |v| journal::clip(v, journal::SHOWN))
    }
    tracing::info!(
        target: "trtc_mock::request",
        request_id = request_id.as_str(),
        action = &*shown(&record.action),
        signature = record.style.map_or("-", Style::name),
        secret_id = &*shown(&record.secret_id),
        sdk_app_id = record.sdk_app_id.unwrap_or_default(),
        code = code.as_str(),
        micros = duration_us,
    );
    if let Ok(id) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert(X_TC_REQUESTID.clone(), id);
    }
    app.journal.record(Entry {
        seq: 0,
        request_id,
        received_at_ms,
        virtual_time: app.world.clock.now(),
        method,
        action: record.action,
        sdk_app_id: record.sdk_app_id,
        secret_id: record.secret_id,
        signature_method: record.style.map(Style::name),
        code,
        message,
        duration_us,
        fault: record.fault,
        signature: record.signature.map(refused_signature),
        note: record.note,
    });
    // Node SDK errors carry the response's trace id when there is one.
    if let Some(trace_id) = trace_id {
        response.headers_mut().insert(parse::X_TC_TRACEID.clone(), trace_id);
    }
    response
}

/// The journal's record of a refused signature: the server's computation, cut for keeping.
fn refused_signature(debug: auth::SignatureDebug) -> RefusedSignature {
    match debug.canonical_request {
        Some(canonical) => RefusedSignature::tc3(&canonical, &debug.string_to_sign),
        None => RefusedSignature::v1(&debug.string_to_sign),
    }
}

/// Every check of the gateway, in the real gateway's order, up to the handler: the language
/// of the answer, and the request ready for its handler or the Tencent error refusing it.
/// `record` collects what was learnt on the way, whatever the outcome.
///
/// Its future never waits on anything but the request body, so over a body already in memory
/// it completes on its first poll (the fuzz target relies on it).
pub async fn admit(app: &App, request: Request<Body>, record: &mut Record) -> (Language, ApiResult<Ready>) {
    let header_language =
        parse::header(request.headers(), &parse::X_TC_LANGUAGE).and_then(Language::parse).unwrap_or_default();
    let received = match parse::receive(request).await {
        Ok(received) => received,
        Err(err) => return (header_language, Err(err)),
    };
    let v1_pairs = if parse::header(&received.headers, &axum::http::header::AUTHORIZATION).is_some() {
        None
    } else {
        match parse::v1_pairs(&received) {
            Ok(pairs) => Some(pairs),
            Err(err) => return (header_language, Err(err)),
        }
    };
    let language = parse::language(&received, v1_pairs.as_deref());
    (language, prepare(app, &received, v1_pairs, record))
}

async fn run(app: &App, request: Request<Body>, record: &mut Record) -> (Language, Outcome) {
    let (language, ready) = admit(app, request, record).await;
    let ready = match ready {
        Ok(ready) => ready,
        Err(err) => return (language, Outcome::Answer(Err(err))),
    };
    if let Some(hit) = ready.fault {
        record.fault = Some(hit.id);
        if let Some(latency) = hit.latency {
            tokio::time::sleep(latency).await;
        }
        if hit.drop_connection {
            return (language, Outcome::Drop);
        }
        if let Some(err) = hit.error {
            return (language, Outcome::Answer(Err(err)));
        }
    }
    let ctx = Ctx::new(&app.world, &ready.account, u64::try_from(app.world.clock.now()).unwrap_or_default());
    let generation = dispatch::Generation {
        seed: app.config.seed,
        unimplemented: app.config.unimplemented,
        media_url_base: &app.config.media_url_base,
    };
    let answer = contain_panic(ready.action.name, || dispatch::dispatch(ready.action, &ctx, &generation, ready.input));
    record.note = ctx.note.into_inner();
    (language, Outcome::Answer(answer))
}

/// Runs a handler; a panic in it becomes `InternalError` (and a log line naming the action)
/// instead of unwinding through the gateway.
fn contain_panic<T>(action: &str, handler: impl FnOnce() -> ApiResult<T>) -> ApiResult<T> {
    std::panic::catch_unwind(AssertUnwindSafe(handler)).unwrap_or_else(|panic| {
        tracing::error!(action, panic = panic_message(&*panic), "a handler panicked");
        Err(ApiError::internal_error())
    })
}

/// The message a panic was raised with, when it has one.
fn panic_message(panic: &(dyn std::any::Any + Send)) -> &str {
    panic.downcast_ref::<&str>().copied().or_else(|| panic.downcast_ref::<String>().map(String::as_str)).unwrap_or("-")
}

/// A request that passed every check, ready for its handler.
#[derive(Debug)]
pub struct Ready {
    pub action: &'static Action,
    pub account: Arc<Account>,
    /// The action's parameters, validated against the API definition.
    pub input: Value,
    /// The injected fault that fires for it, if any.
    pub fault: Option<Hit>,
}

fn prepare(
    app: &App,
    received: &Received,
    v1_pairs: Option<Vec<(String, String)>>,
    record: &mut Record,
) -> ApiResult<Ready> {
    let (common, business) = parse::common(received, v1_pairs)?;
    record.action = Some(common.action.to_string());
    record.style = Some(common.style);
    record.secret_id = auth::claimed_secret_id(&common);

    let wall_ms = app.world.clock.wall().now_ms();
    let account = match app.config.auth {
        AuthMode::Enforce => auth::authenticate(&app.credentials, received, &common, wall_ms.div_euclid(1000))
            .map_err(|refusal| {
                record.signature = refusal.debug;
                refusal.error
            })?,
        AuthMode::Off => {
            let secret_id = record.secret_id.clone().unwrap_or_default();
            app.credentials.account(&secret_id).cloned().unwrap_or_else(|| Arc::new(Account::new(secret_id, "")))
        }
    };

    let action = check_common(&common)?;
    // The input is read before throttling so the window knows its SdkAppId, but its errors are
    // reported after, in the gateway's order.
    let input = business_input(action, &common, business);
    record.sdk_app_id = input.as_ref().ok().and_then(crate::actions::sdk_app_id_of);
    app.throttle.check(&account.secret_id, action.name, record.sdk_app_id, action.rate_limit, wall_ms)?;
    let input = input?;
    catalog::validate(catalog::get(), action.input, &input)?;
    let fault = app.faults.check(action.name, record.sdk_app_id);
    Ok(Ready { action, account, input, fault })
}

/// Action, version and region, checked after authentication as the real gateway does.
fn check_common(common: &Common) -> ApiResult<&'static Action> {
    let action = catalog::get().action(&common.action).ok_or_else(|| ApiError::invalid_action(&common.action))?;
    if common.version != catalog::VERSION {
        return Err(ApiError::no_such_version(&common.version));
    }
    match &common.region {
        None if action.region_required => Err(ApiError::missing_parameter("Region")),
        None => Ok(action),
        Some(region) if !regions::is_known(region) => Err(ApiError::invalid_region(common.region_param)),
        Some(region) => match &action.regions {
            Some(served) if !served.iter().any(|r| *r == region.as_ref()) => Err(ApiError::unsupported_region()),
            _ => Ok(action),
        },
    }
}

/// The action's parameters as JSON: the body of a TC3 POST, or flat pairs rebuilt by type.
fn business_input(action: &Action, common: &Common, business: Business) -> ApiResult<Value> {
    match business {
        Business::Json(body) => {
            if body.iter().all(u8::is_ascii_whitespace) {
                return Ok(Value::Object(serde_json::Map::new()));
            }
            // Every value takes at least one byte: a body no longer than the limit is within it.
            if body.len() > parse::MAX_VALUES && !parse::json_values_within(&body, parse::MAX_VALUES) {
                return Err(ApiError::too_many_values(parse::MAX_VALUES));
            }
            match serde_json::from_slice::<Value>(&body) {
                Ok(value @ Value::Object(_)) => Ok(value),
                _ => Err(ApiError::malformed_json()),
            }
        }
        Business::Flat(mut pairs) => {
            // `Language` is a common v1 parameter, except for the few actions that have a
            // business parameter of that name (TextToSpeech…).
            let input = catalog::get().object(action.input);
            if let (Some(language), Some(input)) = (&common.v1_language, input)
                && input.member("Language").is_some()
            {
                pairs.push(("Language".to_owned(), language.clone()));
            }
            Ok(catalog::unflatten(catalog::get(), action.input, pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panicking_handler_answers_internal_error() {
        let answer: ApiResult<()> = contain_panic("DescribeUserInfo", || panic!("attempt to add with overflow"));
        assert_eq!(answer.unwrap_err().code(), "InternalError");
        let owned: ApiResult<()> = contain_panic("X", || panic!("{}", String::from("owned")));
        assert_eq!(owned.unwrap_err().code(), "InternalError");
        assert_eq!(contain_panic("X", || Ok(5)), Ok(5));
        assert_eq!(panic_message(&"text"), "text");
        assert_eq!(panic_message(&String::from("owned")), "owned");
        assert_eq!(panic_message(&5u8), "-");
    }
}
