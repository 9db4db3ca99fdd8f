//! The API 3.0 envelope: the one place that turns results into HTTP responses.
//!
//! `{"Response": {...fields, "RequestId": "<uuid>"}}` on success, `{"Response": {"Error":
//! {"Code", "Message"}, "RequestId"}}` on failure; always HTTP 200 and `Content-Type:
//! application/json` exactly (the Python SDK only looks for `Error` under that exact type).

use axum::body::Body;
use axum::http::{HeaderValue, Response, StatusCode, header};
use serde::Serialize;
use uuid::Uuid;

use crate::error::{ApiError, Language};

const JSON: HeaderValue = HeaderValue::from_static("application/json");

/// Wraps an action's serialized output object (`{...}`) into the envelope.
pub fn success(output: &[u8], request_id: &Uuid) -> Vec<u8> {
    let mut id = Uuid::encode_buffer();
    let id = request_id.hyphenated().encode_lower(&mut id);
    let fields = output.strip_prefix(b"{").and_then(|o| o.strip_suffix(b"}")).unwrap_or(b"");
    let mut body = Vec::with_capacity(output.len() + 64);
    body.extend_from_slice(b"{\"Response\":{");
    body.extend_from_slice(fields);
    if !fields.is_empty() {
        body.push(b',');
    }
    body.extend_from_slice(b"\"RequestId\":\"");
    body.extend_from_slice(id.as_bytes());
    body.extend_from_slice(b"\"}}");
    body
}

#[derive(Serialize)]
struct ErrorEnvelope<'a> {
    #[serde(rename = "Response")]
    response: ErrorResponse<'a>,
}

#[derive(Serialize)]
struct ErrorResponse<'a> {
    #[serde(rename = "Error")]
    error: ErrorBody<'a>,
    #[serde(rename = "RequestId")]
    request_id: String,
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    #[serde(rename = "Code")]
    code: &'a str,
    #[serde(rename = "Message")]
    message: &'a str,
}

/// The error envelope, with the message in `language`.
pub fn error(err: &ApiError, language: Language, request_id: &Uuid) -> Vec<u8> {
    let envelope = ErrorEnvelope {
        response: ErrorResponse {
            error: ErrorBody { code: err.code(), message: err.message(language) },
            request_id: request_id.hyphenated().to_string(),
        },
    };
    serde_json::to_vec(&envelope).expect("strings always serialize")
}

/// A `text/event-stream` answer: each event's JSON carries the RequestId, which is also in the
/// `X-TC-RequestId` header (the documented place for streamed answers).
pub fn event_stream(events: Vec<serde_json::Map<String, serde_json::Value>>, request_id: &Uuid) -> Response<Body> {
    let id = request_id.hyphenated().to_string();
    let mut body = Vec::new();
    for mut event in events {
        event.insert("RequestId".into(), id.clone().into());
        body.extend_from_slice(b"data: ");
        body.extend_from_slice(&serde_json::to_vec(&event).expect("JSON values always serialize"));
        body.extend_from_slice(b"\n\n");
    }
    let mut response = Response::new(Body::from(body));
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/event-stream"));
    response
}

/// An HTTP response carrying an envelope.
pub fn http(body: Vec<u8>) -> Response<Body> {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = StatusCode::OK;
    response.headers_mut().insert(header::CONTENT_TYPE, JSON);
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn success_appends_the_request_id() {
        let id = Uuid::nil();
        let body = success(br#"{"Total":1,"List":[]}"#, &id);
        assert_eq!(
            String::from_utf8(body).unwrap(),
            r#"{"Response":{"Total":1,"List":[],"RequestId":"00000000-0000-0000-0000-000000000000"}}"#
        );
        let empty = success(b"{}", &id);
        assert_eq!(
            String::from_utf8(empty).unwrap(),
            r#"{"Response":{"RequestId":"00000000-0000-0000-0000-000000000000"}}"#
        );
    }

    #[test]
    fn errors_carry_code_message_and_request_id() {
        let body = error(&ApiError::signature_failure(), Language::Chinese, &Uuid::nil());
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["Response"]["Error"]["Code"], "AuthFailure.SignatureFailure");
        assert_eq!(v["Response"]["Error"]["Message"], "请求签名验证失败，请检查您的签名计算是否正确。");
        assert_eq!(v["Response"]["RequestId"], "00000000-0000-0000-0000-000000000000");
    }
}
