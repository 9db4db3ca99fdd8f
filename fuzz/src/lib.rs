//! The fuzz target of the gateway's request decoding and authentication: method, headers,
//! query and body in, a request ready for its handler or a Tencent error out
//! ([`trtc_mock::gateway::admit`], every check before the handler).
//!
//! Shared by the libFuzzer target (`fuzz_targets/gateway.rs`, run by `scripts/fuzz` or
//! `cargo fuzz run gateway`) and by `tests/fuzz_harness.rs`, which runs it without libFuzzer
//! over proptest's random inputs and the regression inputs of issue 11.
//!
//! Inputs are structured so that the fuzzer gets past the signature: a fuzzed request may be
//! signed (TC3 or v1) with the one account's key over whatever headers and parameters it
//! carries, so the checks after authentication are fuzzed too. What is checked:
//!
//! - nothing panics, and admission never waits (its future completes on the first poll);
//! - a refusal is one of Tencent's codes (the 38 common codes, or TRTC's table), never
//!   `InternalError`, with both messages, and its envelope is JSON with the code;
//! - the canonical request the server built for a refused signature is within its cap;
//! - an accepted request's parameters are a JSON object.
//!
//! Memory: `scripts/fuzz` runs libFuzzer with `-malloc_limit_mb` and `-rss_limit_mb`, so an
//! allocation that grows with the input (issue 11's amplification) is a crash.

use std::sync::{Arc, LazyLock};

use arbitrary::Arbitrary;
use axum::body::Body;
use axum::http::{HeaderName, HeaderValue, Method, Request, Uri};
use base64::Engine;
use futures_util::FutureExt;
use trtc_mock::config::RateLimitMode;
use trtc_mock::error::{COMMON_CODES, Language};
use trtc_mock::gateway::{self, Record, tc3, v1};
use trtc_mock::world::WallClock;
use trtc_mock::{Account, App, Config};

pub const SECRET_ID: &str = "AKIDfuzz";
pub const SECRET_KEY: &str = "fuzz-secret";
/// The wall clock of the fuzzed server (fixed, so runs replay), Unix seconds.
pub const NOW: i64 = 1_764_000_000;
pub const HOST: &str = "127.0.0.1:8080";

struct Fixed;

impl WallClock for Fixed {
    fn now_ms(&self) -> i64 {
        NOW * 1000 + 500
    }
}

static APP: LazyLock<App> = LazyLock::new(|| {
    let config = Config {
        accounts: vec![Account::new(SECRET_ID, SECRET_KEY)],
        rate_limit: RateLimitMode::Off,
        start_time: Some(NOW),
        freeze: true,
        journal_size: 16,
        ..Config::default()
    };
    App::with_wall_clock(config, Arc::new(Fixed)).expect("the fuzzed server starts")
});

#[derive(Arbitrary, Debug, Clone)]
pub enum Verb {
    Get,
    Post,
    Put,
    Other(String),
}

/// A header name: the ones the gateway reads, or any other.
#[derive(Arbitrary, Debug, Clone, PartialEq, Eq)]
pub enum Name {
    Authorization,
    ContentType,
    Host,
    Action,
    Timestamp,
    Version,
    Region,
    Token,
    Language,
    ContentSha256,
    Other(String),
}

impl Name {
    fn header(&self) -> Option<HeaderName> {
        let name = match self {
            Name::Authorization => "authorization",
            Name::ContentType => "content-type",
            Name::Host => "host",
            Name::Action => "x-tc-action",
            Name::Timestamp => "x-tc-timestamp",
            Name::Version => "x-tc-version",
            Name::Region => "x-tc-region",
            Name::Token => "x-tc-token",
            Name::Language => "x-tc-language",
            Name::ContentSha256 => "x-tc-content-sha256",
            Name::Other(other) => return HeaderName::from_bytes(other.as_bytes()).ok(),
        };
        Some(HeaderName::from_static(name))
    }
}

/// How the fuzzed request is signed, with the account's key, over what it carries.
#[derive(Arbitrary, Debug, Clone)]
pub enum Sign {
    None,
    /// TC3 over `content-type`, `host` and these headers (repeats and all), in the scope of
    /// `service` (default `trtc`); `date_shift` days off the timestamp's date.
    Tc3 {
        extra: Vec<Name>,
        service: Option<String>,
        date_shift: i8,
        lower_values: bool,
    },
    /// v1 over the query (GET) or form body (POST), common parameters added where missing.
    V1 {
        sha256: bool,
    },
}

#[derive(Arbitrary, Debug, Clone)]
pub struct Input {
    pub verb: Verb,
    pub query: String,
    /// Start from a plausible request (Host, Content-Type, X-TC-Action of `action`, Version,
    /// Timestamp, Region); `headers` replace those of the same name and add the others.
    pub plausible: bool,
    pub action: u8,
    pub headers: Vec<(Name, Vec<u8>)>,
    pub body: Vec<u8>,
    pub sign: Sign,
}

fn action_name(index: u8) -> String {
    let actions = trtc_mock::catalog::get().actions();
    actions[usize::from(index) % actions.len()].name.to_owned()
}

/// The HTTP request `input` stands for, or `None` where the `http` crate refuses it (hyper
/// refuses such a request before the gateway sees it).
pub fn build(input: Input) -> Option<Request<Body>> {
    let method = match &input.verb {
        Verb::Get => Method::GET,
        Verb::Post => Method::POST,
        Verb::Put => Method::PUT,
        Verb::Other(other) => Method::from_bytes(other.as_bytes()).ok()?,
    };
    let get = method == Method::GET;
    let fuzzed: Vec<(HeaderName, HeaderValue)> = input
        .headers
        .iter()
        .filter_map(|(name, value)| Some((name.header()?, HeaderValue::from_bytes(value).ok()?)))
        .collect();
    let mut headers: Vec<(HeaderName, HeaderValue)> = Vec::new();
    if input.plausible {
        let content_type = if get || matches!(input.sign, Sign::V1 { .. }) {
            "application/x-www-form-urlencoded"
        } else {
            "application/json"
        };
        for (name, value) in [
            ("host", HOST.to_owned()),
            ("content-type", content_type.to_owned()),
            ("x-tc-action", action_name(input.action)),
            ("x-tc-version", "2019-07-22".to_owned()),
            ("x-tc-timestamp", NOW.to_string()),
            ("x-tc-region", "ap-guangzhou".to_owned()),
        ] {
            // A fuzzed header of the same name replaces the plausible one.
            if !fuzzed.iter().any(|(n, _)| n == name) {
                headers.push((HeaderName::from_static(name), HeaderValue::from_str(&value).ok()?));
            }
        }
    }
    headers.extend(fuzzed);
    let mut query = input.query.clone();
    let mut body = input.body.clone();
    match &input.sign {
        Sign::None => {}
        Sign::Tc3 { extra, service, date_shift, lower_values } => {
            let authorization =
                tc3_authorization(&method, &query, &headers, &body, extra, service, *date_shift, *lower_values);
            if let Ok(value) = HeaderValue::from_str(&authorization) {
                headers.retain(|(name, _)| name != "authorization");
                headers.push((HeaderName::from_static("authorization"), value));
            }
        }
        Sign::V1 { sha256 } => {
            let raw = if get { query.as_bytes().to_vec() } else { body.clone() };
            let signed = v1_sign(&method, &raw, &headers, &input, *sha256);
            if get {
                query = signed;
            } else {
                body = signed.into_bytes();
            }
        }
    }
    let uri = Uri::try_from(format!("/?{query}")).ok()?;
    let mut request = Request::builder().method(method).uri(uri).body(Body::from(body)).ok()?;
    for (name, value) in headers {
        request.headers_mut().append(name, value);
    }
    Some(request)
}

fn header_text<'h>(headers: &'h [(HeaderName, HeaderValue)], name: &str) -> Vec<&'h str> {
    headers.iter().filter(|(n, _)| n == name).filter_map(|(_, v)| v.to_str().ok()).collect()
}

#[allow(clippy::too_many_arguments)]
fn tc3_authorization(
    method: &Method,
    query: &str,
    headers: &[(HeaderName, HeaderValue)],
    body: &[u8],
    extra: &[Name],
    service: &Option<String>,
    date_shift: i8,
    lower_values: bool,
) -> String {
    let mut names = vec!["content-type".to_owned(), "host".to_owned()];
    names.extend(extra.iter().filter_map(Name::header).map(|n| n.as_str().to_owned()));
    let values: Vec<(String, String)> = names
        .iter()
        .map(|name| {
            let value = header_text(headers, name).join(",");
            (name.clone(), if lower_values { value.to_ascii_lowercase() } else { value })
        })
        .collect();
    let pairs: Vec<(&str, &str)> = values.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    let signed_headers = names.join(";");
    let get = method == Method::GET;
    let payload = if get { tc3::sha256_hex(b"") } else { tc3::sha256_hex(body) };
    let canonical =
        tc3::canonical_request(method.as_str(), if get { query } else { "" }, &pairs, &signed_headers, &payload);
    let timestamp = header_text(headers, "x-tc-timestamp").first().map_or_else(|| NOW.to_string(), |t| (*t).to_owned());
    let seconds = timestamp.parse::<i64>().unwrap_or(NOW);
    let day = seconds.div_euclid(86_400).saturating_add(i64::from(date_shift)).clamp(0, 2_932_896);
    let date = trtc_mock::pure::civil::utc_date(day * 86_400);
    let service = service.clone().unwrap_or_else(|| "trtc".to_owned());
    let to_sign = tc3::string_to_sign(&timestamp, &date, &service, &canonical);
    let signature = tc3::signature(&tc3::signing_key(SECRET_KEY, &date, &service), &to_sign);
    format!(
        "TC3-HMAC-SHA256 Credential={SECRET_ID}/{date}/{service}/tc3_request, SignedHeaders={signed_headers}, Signature={}",
        hex_lower(&signature)
    )
}

fn hex_lower(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn v1_sign(method: &Method, raw: &[u8], headers: &[(HeaderName, HeaderValue)], input: &Input, sha256: bool) -> String {
    let mut params: Vec<(String, String)> =
        form_urlencoded::parse(raw).into_owned().filter(|(k, _)| k != "Signature").collect();
    let action = action_name(input.action);
    for (name, value) in [
        ("Action", action.as_str()),
        ("Version", "2019-07-22"),
        ("Region", "ap-guangzhou"),
        ("Timestamp", &NOW.to_string()),
        ("Nonce", "1"),
        ("SecretId", SECRET_ID),
        ("SignatureMethod", if sha256 { "HmacSHA256" } else { "HmacSHA1" }),
    ] {
        if input.plausible && !params.iter().any(|(k, _)| k == name) {
            params.push((name.to_owned(), value.to_owned()));
        }
    }
    let host = header_text(headers, "host").first().copied().unwrap_or_default().to_owned();
    let pairs: Vec<(&str, &str)> = params.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let chosen = v1::Method::from_param(pairs.iter().find(|(k, _)| *k == "SignatureMethod").map(|(_, v)| *v));
    let to_sign = v1::string_to_sign(method.as_str(), &host, &pairs);
    let signature = base64::engine::general_purpose::STANDARD.encode(v1::sign(chosen, SECRET_KEY, &to_sign));
    let mut form = form_urlencoded::Serializer::new(String::new());
    for (k, v) in &params {
        form.append_pair(k, v);
    }
    form.append_pair("Signature", &signature);
    form.finish()
}

/// One fuzzed request through admission, with the invariants checked (panics on a breach).
/// Returns `None` for a request the `http` crate cannot represent, else `Ok` for an admitted
/// request or the code it was refused with.
pub fn run(input: Input) -> Option<Result<(), String>> {
    let request = build(input)?;
    let mut record = Record::default();
    let (language, result) = gateway::admit(&APP, request, &mut record)
        .now_or_never()
        .expect("admission of an in-memory request completes without waiting");
    if let Some(debug) = &record.signature
        && let Some(canonical) = &debug.canonical_request
    {
        assert!(canonical.len() <= tc3::MAX_CANONICAL_REQUEST, "a canonical request of {} bytes", canonical.len());
    }
    match result {
        Ok(ready) => {
            assert!(ready.input.is_object(), "{:?}", ready.input);
            Some(Ok(()))
        }
        Err(err) => {
            check_refusal(&err, language);
            Some(Err(err.code().to_owned()))
        }
    }
}

/// A refusal is one of Tencent's codes with both messages, in a JSON envelope.
pub fn check_refusal(err: &trtc_mock::ApiError, language: Language) {
    let code = err.code();
    assert!(
        COMMON_CODES.contains(&code) || trtc_mock::error::is_business_code(code),
        "`{code}` is not a Tencent error code"
    );
    assert_ne!(code, "InternalError", "{err}");
    assert!(!err.message(Language::English).is_empty() && !err.message(Language::Chinese).is_empty(), "{err}");
    let body = trtc_mock::envelope::error(err, language, &uuid::Uuid::nil());
    let envelope: serde_json::Value = serde_json::from_slice(&body).expect("the envelope is JSON");
    assert_eq!(envelope["Response"]["Error"]["Code"], code);
}
