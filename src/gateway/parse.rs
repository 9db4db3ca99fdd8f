//! First stage of the gateway: read the HTTP request and find its common parameters.
//!
//! Nothing here is normalised that a signature covers: the Host header, the query string and
//! the body are kept exactly as received, because the signature is over those bytes.

use axum::body::Body;
use std::borrow::Cow;

use axum::http::header::{AUTHORIZATION, AsHeaderName, CONTENT_TYPE, HeaderName};
use axum::http::{HeaderMap, Method, Request};
use bytes::{Bytes, BytesMut};
use http_body_util::BodyExt;

use super::{tc3, v1};
use crate::error::{ApiError, ApiResult, Language};

/// Tencent's limits: whole URL of a GET, body of a TC3 POST, body of a v1 POST.
pub const MAX_URL: usize = 32 * 1024;
pub const MAX_TC3_BODY: usize = 10 * 1024 * 1024;
pub const MAX_V1_BODY: usize = 1024 * 1024;
/// How much of an oversized body is still read (and dropped) so the client sees the error
/// instead of a reset connection.
const DRAIN_LIMIT: usize = 64 * 1024 * 1024;
/// Most JSON values (or flat parameters) a request's parameters may hold. No TRTC request comes
/// near it; it bounds the tree built from a 10 MiB body (a body of `[0,0,…]` would otherwise
/// build some 170 MB of it).
pub const MAX_VALUES: usize = 100_000;

/// Names that are common parameters in v1 requests (and never business parameters there).
pub const V1_COMMON: &[&str] = &[
    "Action",
    "Language",
    "Nonce",
    "Region",
    "RequestClient",
    "SecretId",
    "Signature",
    "SignatureMethod",
    "Timestamp",
    "Token",
    "Version",
];

/// An HTTP request as the gateway received it.
#[derive(Debug)]
pub struct Received {
    pub method: Method,
    /// The raw `Host` header (it can be `http://127.0.0.1:8080` with tccli).
    pub host: String,
    /// The raw query string, without `?`.
    pub query: String,
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// Reads the request: method and size checks, then the body.
pub async fn receive(request: Request<Body>) -> ApiResult<Received> {
    let (parts, body) = request.into_parts();
    let body = read_body(body).await?;
    if parts.method != Method::GET && parts.method != Method::POST {
        return Err(ApiError::unsupported_protocol());
    }
    let target_len = parts.uri.path_and_query().map_or(0, |pq| pq.as_str().len());
    if target_len > MAX_URL {
        return Err(ApiError::request_size_limit(MAX_URL));
    }
    let body = body.ok_or_else(|| ApiError::request_size_limit(MAX_TC3_BODY))?;
    let host = parts
        .headers
        .get(axum::http::header::HOST)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        .unwrap_or_default();
    // A GET is signed over an empty payload whatever it carries.
    let body = if parts.method == Method::GET { Bytes::new() } else { body };
    Ok(Received {
        query: parts.uri.query().unwrap_or("").to_owned(),
        method: parts.method,
        host,
        headers: parts.headers,
        body,
    })
}

/// The body, or `None` when it is over the TC3 limit (then drained up to [`DRAIN_LIMIT`]); an
/// error when it could not be read whole (the server's body deadline passed, or the connection
/// broke), rather than a truncated body that would fail its signature.
async fn read_body(mut body: Body) -> ApiResult<Option<Bytes>> {
    let mut buf = BytesMut::new();
    let mut seen = 0usize;
    while let Some(frame) = body.frame().await {
        let frame = match frame {
            Ok(frame) => frame,
            Err(err) if seen > MAX_TC3_BODY => {
                tracing::debug!(error = %err, "an oversized body stopped");
                break;
            }
            Err(err) => {
                let cause = std::error::Error::source(&err).map_or_else(|| err.to_string(), ToString::to_string);
                return Err(ApiError::request_body_unreadable(&cause));
            }
        };
        let Ok(data) = frame.into_data() else { continue };
        seen = seen.saturating_add(data.len());
        if seen <= MAX_TC3_BODY {
            buf.extend_from_slice(&data);
        } else if seen > DRAIN_LIMIT {
            break;
        }
    }
    Ok((seen <= MAX_TC3_BODY).then(|| buf.freeze()))
}

/// Whether `body` (JSON) holds at most `max` values, counted without building them: every
/// scalar, array, object and key counts one. Invalid JSON passes (the parser reports it).
pub fn json_values_within(body: &[u8], max: usize) -> bool {
    use serde::de::{DeserializeSeed, Deserializer, Error, IgnoredAny, MapAccess, SeqAccess, Visitor};
    use std::cell::Cell;

    struct Count<'c>(&'c Cell<usize>);

    impl Count<'_> {
        fn take<E: Error>(&self) -> Result<(), E> {
            match self.0.get().checked_sub(1) {
                Some(left) => {
                    self.0.set(left);
                    Ok(())
                }
                None => Err(E::custom("too many values")),
            }
        }
    }

    impl<'de> DeserializeSeed<'de> for Count<'_> {
        type Value = ();
        fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
            deserializer.deserialize_any(self)
        }
    }

    impl<'de> Visitor<'de> for Count<'_> {
        type Value = ();
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("any JSON value")
        }
        fn visit_bool<E: Error>(self, _: bool) -> Result<(), E> {
            self.take()
        }
        fn visit_i64<E: Error>(self, _: i64) -> Result<(), E> {
            self.take()
        }
        fn visit_u64<E: Error>(self, _: u64) -> Result<(), E> {
            self.take()
        }
        fn visit_f64<E: Error>(self, _: f64) -> Result<(), E> {
            self.take()
        }
        fn visit_str<E: Error>(self, _: &str) -> Result<(), E> {
            self.take()
        }
        fn visit_unit<E: Error>(self) -> Result<(), E> {
            self.take()
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
            self.take()?;
            while seq.next_element_seed(Count(self.0))?.is_some() {}
            Ok(())
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            self.take()?;
            while map.next_key::<IgnoredAny>()?.is_some() {
                self.take()?;
                map.next_value_seed(Count(self.0))?;
            }
            Ok(())
        }
    }

    let left = Cell::new(max);
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    match Count(&left).deserialize(&mut deserializer) {
        Ok(()) => true,
        Err(_) => left.get() > 0,
    }
}

/// How the request is signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Tc3,
    V1(v1::Method),
}

impl Style {
    pub fn name(self) -> &'static str {
        match self {
            Style::Tc3 => "TC3-HMAC-SHA256",
            Style::V1(m) => m.name(),
        }
    }
}

/// Where the action's own parameters are.
#[derive(Debug)]
pub enum Business {
    /// A TC3 POST body, parsed later so that a broken body is reported after authentication.
    Json(Bytes),
    /// Decoded flat pairs (v1, or TC3 GET), common parameters removed.
    Flat(Vec<(String, String)>),
}

/// The common parameters, whichever way they travelled: borrowed from the request's headers
/// (TC3), or owned (v1, decoded from the query or the form body).
#[derive(Debug)]
pub struct Common<'r> {
    pub style: Style,
    pub action: Cow<'r, str>,
    pub version: Cow<'r, str>,
    /// Absent or empty means not sent.
    pub region: Option<Cow<'r, str>>,
    /// The name the region was sent under, for messages (`Region` or `X-TC-Region`).
    pub region_param: &'static str,
    pub timestamp: i64,
    pub timestamp_text: Cow<'r, str>,
    pub token: Option<Cow<'r, str>>,
    pub language: Language,
    /// The TC3 `Authorization` header.
    pub authorization: Option<&'r str>,
    /// The TC3 `Authorization` header parsed once, or what does not conform in it.
    pub tc3: Option<Result<tc3::Authorization<'r>, &'static str>>,
    /// v1: `SecretId`, `Signature`, and every signed pair (all parameters but `Signature`).
    pub v1: Option<V1Params>,
    /// v1 `Language` parameter as sent (a business parameter for a few actions).
    pub v1_language: Option<String>,
}

#[derive(Debug)]
pub struct V1Params {
    pub secret_id: String,
    pub signature: String,
    pub signed: Vec<(String, String)>,
}

/// Language of the answer, from `X-TC-Language` or a v1 `Language` parameter; read before
/// anything else so that every error, even a missing `Action`, comes in the caller's language.
pub fn language(received: &Received, v1_pairs: Option<&[(String, String)]>) -> Language {
    let from_param = v1_pairs.and_then(|pairs| pairs.iter().find(|(k, _)| k == "Language").map(|(_, v)| v.as_str()));
    let value = from_param.or_else(|| header(&received.headers, &X_TC_LANGUAGE));
    value.and_then(Language::parse).unwrap_or_default()
}

/// Classifies the request and extracts the common parameters. `v1_pairs` are the decoded pairs
/// of a request without `Authorization` (see [`v1_pairs`]).
pub fn common(received: &Received, v1_pairs: Option<Vec<(String, String)>>) -> ApiResult<(Common<'_>, Business)> {
    let language = language(received, v1_pairs.as_deref());
    match header(&received.headers, &AUTHORIZATION) {
        Some(authorization) => tc3(received, authorization, language),
        None => v1_common(received, v1_pairs.unwrap_or_default(), language),
    }
}

/// Decoded pairs of a request signed with v1: the query of a GET, the form body of a POST.
pub fn v1_pairs(received: &Received) -> ApiResult<Vec<(String, String)>> {
    if received.method == Method::POST && received.body.len() > MAX_V1_BODY && is_form(&received.headers) {
        return Err(ApiError::v1_body_too_large());
    }
    let raw: &[u8] = if received.method == Method::GET {
        received.query.as_bytes()
    } else if is_form(&received.headers) {
        &received.body
    } else {
        b""
    };
    decode_form(raw)
}

fn is_form(headers: &HeaderMap) -> bool {
    header(headers, &CONTENT_TYPE).is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"))
}

/// Form-decodes `a=b&c=d`; a non-empty segment without `=` is the real gateway's
/// "should be splited by `=`" error.
pub fn decode_form(raw: &[u8]) -> ApiResult<Vec<(String, String)>> {
    if raw.split(|b| *b == b'&').any(|segment| !segment.is_empty() && !segment.contains(&b'=')) {
        return Err(ApiError::malformed_form());
    }
    if raw.split(|b| *b == b'&').nth(MAX_VALUES).is_some() {
        return Err(ApiError::too_many_values(MAX_VALUES));
    }
    Ok(form_urlencoded::parse(raw).into_owned().collect())
}

fn tc3<'r>(received: &'r Received, authorization: &'r str, language: Language) -> ApiResult<(Common<'r>, Business)> {
    let headers = &received.headers;
    let action = required_header(headers, &X_TC_ACTION, "Action")?;
    let timestamp_text = required_header(headers, &X_TC_TIMESTAMP, "Timestamp")?;
    let version = required_header(headers, &X_TC_VERSION, "Version")?;
    let timestamp = timestamp_text.parse::<i64>().map_err(|_| ApiError::parameter_type_error("Timestamp"))?;
    let business = if received.method == Method::GET {
        let pairs = decode_form(received.query.as_bytes())?;
        Business::Flat(pairs.into_iter().filter(|(k, _)| !V1_COMMON.contains(&k.as_str())).collect())
    } else {
        Business::Json(received.body.clone())
    };
    let common = Common {
        style: Style::Tc3,
        action: Cow::Borrowed(action),
        version: Cow::Borrowed(version),
        region: header(headers, &X_TC_REGION).filter(|r| !r.is_empty()).map(Cow::Borrowed),
        region_param: "X-TC-Region",
        timestamp,
        timestamp_text: Cow::Borrowed(timestamp_text),
        token: header(headers, &X_TC_TOKEN).filter(|t| !t.is_empty()).map(Cow::Borrowed),
        language,
        authorization: Some(authorization),
        tc3: Some(tc3::Authorization::parse(authorization)),
        v1: None,
        v1_language: None,
    };
    Ok((common, business))
}

fn v1_common(
    received: &Received,
    pairs: Vec<(String, String)>,
    language: Language,
) -> ApiResult<(Common<'static>, Business)> {
    let get = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    // A JSON POST without Authorization is a TC3 request that forgot to sign.
    if get("Action").is_none() && header(&received.headers, &X_TC_ACTION).is_some() {
        return Err(ApiError::invalid_authorization("`Authorization` missing"));
    }
    let need =
        |name: &'static str| get(name).filter(|v| !v.is_empty()).ok_or_else(|| ApiError::missing_parameter(name));
    let action = need("Action")?;
    let secret_id = need("SecretId")?;
    let timestamp_text = need("Timestamp")?;
    let nonce = need("Nonce")?;
    let signature = need("Signature")?;
    let version = need("Version")?;
    let timestamp = timestamp_text.parse::<i64>().map_err(|_| ApiError::parameter_type_error("Timestamp"))?;
    nonce.parse::<u64>().map_err(|_| ApiError::parameter_type_error("Nonce"))?;
    let method = v1::Method::from_param(get("SignatureMethod"));
    let owned = |text: &str| Cow::Owned(text.to_owned());
    let common = Common {
        style: Style::V1(method),
        action: owned(action),
        version: owned(version),
        region: get("Region").filter(|r| !r.is_empty()).map(owned),
        region_param: "Region",
        timestamp,
        timestamp_text: owned(timestamp_text),
        token: get("Token").filter(|t| !t.is_empty()).map(owned),
        language,
        authorization: None,
        tc3: None,
        v1: Some(V1Params {
            secret_id: secret_id.to_owned(),
            signature: signature.to_owned(),
            signed: pairs.iter().filter(|(k, _)| k != "Signature").cloned().collect(),
        }),
        v1_language: get("Language").map(str::to_owned),
    };
    let business = pairs.into_iter().filter(|(k, _)| !V1_COMMON.contains(&k.as_str())).collect();
    Ok((common, Business::Flat(business)))
}

fn required_header<'h>(headers: &'h HeaderMap, name: &HeaderName, param: &'static str) -> ApiResult<&'h str> {
    header(headers, name).filter(|v| !v.is_empty()).ok_or_else(|| ApiError::missing_parameter(param))
}

/// A header as text; values that are not visible ASCII/UTF-8 count as absent. `name` is a
/// [`HeaderName`] (below, or `http::header::*`), which is looked up without parsing it, or a
/// lower-case `&str`.
pub fn header(headers: &HeaderMap, name: impl AsHeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| std::str::from_utf8(v.as_bytes()).ok())
}

/// The headers the gateway reads, named once.
pub static X_TC_ACTION: HeaderName = HeaderName::from_static("x-tc-action");
pub static X_TC_TIMESTAMP: HeaderName = HeaderName::from_static("x-tc-timestamp");
pub static X_TC_VERSION: HeaderName = HeaderName::from_static("x-tc-version");
pub static X_TC_REGION: HeaderName = HeaderName::from_static("x-tc-region");
pub static X_TC_TOKEN: HeaderName = HeaderName::from_static("x-tc-token");
pub static X_TC_LANGUAGE: HeaderName = HeaderName::from_static("x-tc-language");
pub static X_TC_TRACEID: HeaderName = HeaderName::from_static("x-tc-traceid");
pub static X_TC_CONTENT_SHA256: HeaderName = HeaderName::from_static("x-tc-content-sha256");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_decoding_follows_both_sdks() {
        let pairs = decode_form(b"UserIds.0=u+1&UserIds.1=%E7%94%A8%E6%88%B72&RoomId=a%20b").unwrap();
        assert_eq!(pairs[0], ("UserIds.0".into(), "u 1".into()));
        assert_eq!(pairs[1], ("UserIds.1".into(), "用户2".into()));
        assert_eq!(pairs[2], ("RoomId".into(), "a b".into()));
        assert_eq!(decode_form(b"").unwrap(), vec![]);
    }

    #[test]
    fn json_values_are_counted_without_building_them() {
        assert!(json_values_within(br#"{"a": [1, 2, {"b": null}], "c": "x"}"#, 10));
        assert!(!json_values_within(br#"{"a": [1, 2, {"b": null}], "c": "x"}"#, 9));
        let zeros = format!("[{}0]", "0,".repeat(200_000));
        assert!(!json_values_within(zeros.as_bytes(), MAX_VALUES));
        assert!(json_values_within(b"{broken", 5), "left to the parser");
        assert!(json_values_within(b"", 1));
        let form = "a=1&".repeat(MAX_VALUES + 1);
        assert_eq!(decode_form(form.as_bytes()).unwrap_err().code(), "RequestSizeLimitExceeded");
    }

    #[test]
    fn a_segment_without_equals_is_refused() {
        assert_eq!(decode_form(b"Action=X&oops").unwrap_err().code(), "InvalidParameter");
    }
}
