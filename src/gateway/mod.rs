//! The API 3.0 gateway: every request to the API goes through [`handle`].
//!
//! parse → authenticate → common parameters → throttle → validate → dispatch, in the order of
//! the real gateway's checks, each stage returning the first error it finds. The answer is
//! always an envelope (HTTP 200, `application/json`, fresh RequestId), errors included.

pub mod auth;
pub mod parse;
pub mod tc3;
pub mod throttle;
pub mod v1;

use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, Request, Response};
use serde_json::Value;
use uuid::Uuid;

use crate::actions::{self, Ctx};
use crate::app::App;
use crate::catalog::{self, Action, regions};
use crate::config::{Account, AuthMode};
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
}

/// Axum handler for the API (every method and path outside the control plane).
pub async fn handle(State(app): State<Arc<App>>, request: Request<Body>) -> Response<Body> {
    let request_id = Uuid::new_v4();
    let started = Instant::now();
    let trace_id = request.headers().get("x-tc-traceid").cloned();
    let mut record = Record::default();
    let (language, result) = run(&app, request, &mut record).await;
    let (body, code) = match &result {
        Ok(output) => (envelope::success(output, &request_id), "Success"),
        Err(err) => (envelope::error(err, language, &request_id), err.code()),
    };
    tracing::info!(
        target: "trtc_mock::request",
        request_id = %request_id,
        action = record.action.as_deref().unwrap_or("-"),
        signature = record.style.map_or("-", Style::name),
        secret_id = record.secret_id.as_deref().unwrap_or("-"),
        sdk_app_id = record.sdk_app_id.unwrap_or_default(),
        code,
        micros = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX),
    );
    let mut response = envelope::http(body);
    // Node SDK errors carry the response's trace id when there is one.
    if let Some(trace_id) = trace_id {
        response.headers_mut().insert("x-tc-traceid", trace_id);
    }
    if let Ok(id) = HeaderValue::from_str(&request_id.hyphenated().to_string()) {
        response.headers_mut().insert("x-tc-requestid", id);
    }
    response
}

async fn run(app: &App, request: Request<Body>, record: &mut Record) -> (Language, ApiResult<Vec<u8>>) {
    let header_language =
        parse::header(request.headers(), "x-tc-language").and_then(Language::parse).unwrap_or_default();
    let received = match parse::receive(request).await {
        Ok(received) => received,
        Err(err) => return (header_language, Err(err)),
    };
    let v1_pairs = if parse::header(&received.headers, "authorization").is_some() {
        None
    } else {
        match parse::v1_pairs(&received) {
            Ok(pairs) => Some(pairs),
            Err(err) => return (header_language, Err(err)),
        }
    };
    let language = parse::language(&received, v1_pairs.as_deref());
    (language, stages(app, &received, v1_pairs, record))
}

fn stages(
    app: &App,
    received: &Received,
    v1_pairs: Option<Vec<(String, String)>>,
    record: &mut Record,
) -> ApiResult<Vec<u8>> {
    let (common, business) = parse::common(received, v1_pairs)?;
    record.action = Some(common.action.clone());
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
    app.throttle.check(&account.secret_id, &action.name, action.rate_limit, wall_ms)?;

    let input = business_input(action, &common, business)?;
    catalog::validate(catalog::get(), &action.input, &input)?;
    record.sdk_app_id = input.get("SdkAppId").and_then(Value::as_u64);

    let now = u64::try_from(app.world.clock.now()).unwrap_or_default();
    let ctx = Ctx { world: &app.world, account: &account, now };
    match actions::dispatch(action, &ctx, input) {
        Some(result) => result,
        None => Err(ApiError::unsupported_operation(
            format!("The action `{}` is not implemented by trtc-mock yet.", action.name),
            format!("trtc-mock 暂不支持接口 `{}`。", action.name),
        )),
    }
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
            Some(served) if !served.iter().any(|r| r == region) => Err(ApiError::unsupported_region()),
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
            match serde_json::from_slice::<Value>(&body) {
                Ok(value @ Value::Object(_)) => Ok(value),
                _ => Err(ApiError::malformed_json()),
            }
        }
        Business::Flat(mut pairs) => {
            // `Language` is a common v1 parameter, except for the few actions that have a
            // business parameter of that name (TextToSpeech…).
            let input = catalog::get().object(&action.input);
            if let (Some(language), Some(input)) = (&common.v1_language, input)
                && input.member("Language").is_some()
            {
                pairs.push(("Language".to_owned(), language.clone()));
            }
            Ok(catalog::unflatten(catalog::get(), &action.input, pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))))
        }
    }
}
