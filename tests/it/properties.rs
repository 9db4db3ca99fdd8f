//! Properties of signing and parameter decoding, over random inputs (proptest):
//!
//! - any single-byte change to a signed request's body, signed header values, timestamp,
//!   action, credential scope or signed-header list is refused with the code a model of the
//!   real gateway's checks predicts (over the socket, signed by `tests/common`);
//! - a correctly signed random valid request is always accepted, whatever the signature style,
//!   client quirk, region or parameters (over the socket);
//! - v1 flattening round-trips random nested parameters of every action's input definition
//!   (in process: flatten as the SDKs do, form-encode, decode, rebuild).

use crate::common;
use std::sync::LazyLock;

use crate::common::{GENERATED_NOW, ID, Tc3, V1, unix_now};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use serde_json::{Map, Number, Value, json};
use trtc_mock::Running;
use trtc_mock::catalog::{self, Type};

struct Server {
    runtime: tokio::runtime::Runtime,
    server: Running,
}

/// One server for every case (a test binary's tests run on threads of their own).
static SERVER: LazyLock<Server> = LazyLock::new(|| {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let server = runtime.block_on(common::start(common::config()));
    Server { runtime, server }
});

fn send(request: &Tc3) -> common::Reply {
    let server = &*SERVER;
    server.runtime.block_on(request.send(&server.server.url()))
}

fn send_v1(request: &V1) -> common::Reply {
    let server = &*SERVER;
    server.runtime.block_on(request.send(&server.server.url()))
}

fn authority() -> String {
    SERVER.server.url().trim_start_matches("http://").to_owned()
}

const APP: u64 = 1_400_000_001;

fn base(signed_action: bool) -> Tc3 {
    let now = GENERATED_NOW;
    let mut request = Tc3::post("DescribeRoomInfo", json!({"SdkAppId": APP, "StartTime": now - 3600, "EndTime": now}));
    request.signed_action = signed_action;
    request
}

/// The codes a change may get; more than one only where a timestamp lands within seconds of
/// the ±300 s window's edge.
fn expect(reply: &common::Reply, allowed: &[&str]) -> Result<(), TestCaseError> {
    let code = reply.code().unwrap_or("Success");
    prop_assert!(allowed.contains(&code), "got {} expected {:?}: {}", code, allowed, reply.raw);
    Ok(())
}

/// A byte a header value can carry (no control bytes), other than `old`.
fn header_byte(old: u8) -> impl Strategy<Value = u8> {
    prop_oneof![Just(b'\t'), 0x20u8..0x7f, 0x80u8..=0xff].prop_filter("a change", move |b| *b != old)
}

/// What the sent header value becomes after HTTP parsing (optional whitespace around it is not
/// part of it), or `None` when it is not UTF-8 (the gateway reads such a header as absent).
fn parsed(value: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(value).ok()?;
    Some(text.trim_matches([' ', '\t']).to_owned())
}

fn replaced(original: &[u8], at: usize, byte: u8) -> Vec<u8> {
    let mut out = original.to_vec();
    out[at] = byte;
    out
}

/// Sends `request` signed as it is, but with header `name` sent as `value`.
fn send_with_header(request: &Tc3, name: &'static str, value: Vec<u8>) -> common::Reply {
    let mut sent = request.clone();
    sent.authorization = Some(request.authorization_for(&authority()));
    sent.omit.push(name);
    sent.raw_headers.push((name.to_owned(), value));
    send(&sent)
}

fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10 && b.iter().enumerate().all(|(i, c)| if i == 4 || i == 7 { *c == b'-' } else { c.is_ascii_digit() })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn a_changed_body_byte_is_a_signature_failure(signed_action in any::<bool>(), at in any::<prop::sample::Index>(), byte in any::<u8>()) {
        let request = base(signed_action);
        let body = request.payload.as_bytes();
        let at = at.index(body.len());
        prop_assume!(body[at] != byte);
        let mut sent = request.clone();
        sent.authorization = Some(request.authorization_for(&authority()));
        sent.body_override = Some(replaced(body, at, byte));
        expect(&send(&sent), &["AuthFailure.SignatureFailure"])?;
    }

    #[test]
    fn a_changed_content_type_byte_is_a_signature_failure_unless_only_its_case_changed(
        at in any::<prop::sample::Index>(),
        byte in header_byte(0),
    ) {
        let request = base(false);
        let original = request.content_type.as_bytes();
        let at = at.index(original.len());
        prop_assume!(original[at] != byte);
        let value = replaced(original, at, byte);
        // The gateway also tries the values lower-cased, as the documentation signs them.
        let only_case = parsed(&value).is_some_and(|v| v.to_ascii_lowercase() == request.content_type);
        let reply = send_with_header(&request, "Content-Type", value);
        expect(&reply, if only_case { &["Success"] } else { &["AuthFailure.SignatureFailure"] })?;
    }

    #[test]
    fn a_changed_host_byte_is_a_signature_failure(at in any::<prop::sample::Index>(), byte in header_byte(0)) {
        let request = base(false);
        let host = authority();
        let at = at.index(host.len());
        prop_assume!(host.as_bytes()[at] != byte);
        let reply = send_with_header(&request, "Host", replaced(host.as_bytes(), at, byte));
        expect(&reply, &["AuthFailure.SignatureFailure"])?;
    }

    #[test]
    fn a_changed_timestamp_byte_is_refused_by_type_window_or_signature(at in any::<prop::sample::Index>(), byte in header_byte(0)) {
        let request = base(false);
        let text = request.timestamp.to_string();
        let at = at.index(text.len());
        prop_assume!(text.as_bytes()[at] != byte);
        let value = replaced(text.as_bytes(), at, byte);
        let allowed: &[&str] = match parsed(&value) {
            None => &["MissingParameter"],
            Some(v) => match v.parse::<i64>() {
                Err(_) => &["InvalidParameter"],
                Ok(ts) => {
                    let skew = unix_now().abs_diff(ts);
                    if skew > 305 {
                        &["AuthFailure.SignatureExpire"]
                    } else if skew < 295 {
                        &["AuthFailure.SignatureFailure"]
                    } else {
                        &["AuthFailure.SignatureExpire", "AuthFailure.SignatureFailure"]
                    }
                }
            },
        };
        expect(&send_with_header(&request, "X-TC-Timestamp", value), allowed)?;
    }

    #[test]
    fn a_changed_action_byte_is_a_signature_failure_when_signed_and_an_invalid_action_when_not(
        signed_action in any::<bool>(),
        at in any::<prop::sample::Index>(),
        byte in header_byte(0),
    ) {
        let request = base(signed_action);
        let at = at.index(request.action.len());
        prop_assume!(request.action.as_bytes()[at] != byte);
        let value = replaced(request.action.as_bytes(), at, byte);
        let allowed: &[&str] = match parsed(&value) {
            None => &["MissingParameter"],
            Some(_) if signed_action => &["AuthFailure.SignatureFailure"],
            Some(action) => {
                prop_assume!(catalog::get().action(&action).is_none());
                &["InvalidAction"]
            }
        };
        expect(&send_with_header(&request, "X-TC-Action", value), allowed)?;
    }

    #[test]
    fn a_changed_credential_scope_byte_is_refused_by_format_secret_id_or_signature(
        at in any::<prop::sample::Index>(),
        byte in prop::sample::select(b"abcxyzABCXYZ0123456789-_./".to_vec()),
    ) {
        let request = base(false);
        let authorization = request.authorization_for(&authority());
        let start = authorization.find("Credential=").unwrap() + "Credential=".len();
        let end = authorization[start..].find(',').unwrap() + start;
        let credential = &authorization[start..end];
        let at = at.index(credential.len());
        prop_assume!(credential.as_bytes()[at] != byte);
        let changed = String::from_utf8(replaced(credential.as_bytes(), at, byte)).unwrap();
        let mut parts = changed.rsplitn(4, '/');
        let (terminator, service, date, secret_id) = (parts.next(), parts.next(), parts.next(), parts.next());
        let expected = match (terminator, service, date, secret_id) {
            (Some("tc3_request"), Some(service), Some(date), Some(secret_id))
                if !service.is_empty() && !secret_id.is_empty() && is_date(date) =>
            {
                if secret_id == ID { "AuthFailure.SignatureFailure" } else { "AuthFailure.SecretIdNotFound" }
            }
            _ => "AuthFailure.InvalidAuthorization",
        };
        let mut sent = request.clone();
        sent.authorization = Some(format!("{}{changed}{}", &authorization[..start], &authorization[end..]));
        expect(&send(&sent), &[expected])?;
    }

    #[test]
    fn a_changed_signed_header_list_byte_is_refused_by_format_or_signature(
        signed_action in any::<bool>(),
        at in any::<prop::sample::Index>(),
        byte in prop::sample::select(b"abcdefghijklmnopqrstuvwxyz0123456789;-A_".to_vec()),
    ) {
        let request = base(signed_action);
        let authorization = request.authorization_for(&authority());
        let start = authorization.find("SignedHeaders=").unwrap() + "SignedHeaders=".len();
        let end = authorization[start..].find(',').unwrap() + start;
        let list = &authorization[start..end];
        let at = at.index(list.len());
        prop_assume!(list.as_bytes()[at] != byte);
        let changed = String::from_utf8(replaced(list.as_bytes(), at, byte)).unwrap();
        let names: Vec<&str> = changed.split(';').collect();
        let well_formed = names.iter().all(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'))
            && names.len() <= 32
            && names.iter().enumerate().all(|(i, n)| !names[..i].contains(n))
            && names.contains(&"content-type")
            && names.contains(&"host");
        let expected = if well_formed { "AuthFailure.SignatureFailure" } else { "AuthFailure.InvalidAuthorization" };
        let mut sent = request.clone();
        sent.authorization = Some(format!("{}{changed}{}", &authorization[..start], &authorization[end..]));
        expect(&send(&sent), &[expected])?;
    }
}

// ---- correctly signed valid requests are accepted -----------------------------------------------

#[derive(Debug, Clone)]
enum Style {
    Tc3Post { charset: bool, python_json: bool, unsigned_payload: bool, signed_action: bool },
    Tc3Get,
    V1 { post: bool, sha256: bool },
}

#[derive(Debug, Clone)]
enum Quirk {
    None,
    /// The Node SDK: signs the host without its port and the endpoint's first label as service.
    Node,
    /// tccli and Python with an `http://` endpoint: `Host: http://…`, signed as sent.
    SchemeInHost,
    /// Header values signed lower-cased, as the documentation shows.
    Lowered,
}

#[derive(Debug, Clone)]
struct RoomQuery {
    sdk_app_id: u64,
    /// Seconds before the virtual now the window ends, and its length.
    end_before: u64,
    length: u64,
    room_id: Option<String>,
    page: Option<(u64, u64)>,
}

fn room_query() -> impl Strategy<Value = RoomQuery> {
    (
        1u64..=u64::from(u32::MAX),
        0u64..(12 * 86_400),
        1u64..=86_400,
        prop::option::of("[a-z0-9_]{1,16}"),
        prop::option::of((0u64..20, 1u64..=100)),
    )
        .prop_map(|(sdk_app_id, end_before, length, room_id, page)| RoomQuery {
            sdk_app_id,
            end_before,
            length,
            room_id,
            page,
        })
}

fn style() -> impl Strategy<Value = Style> {
    prop_oneof![
        (any::<bool>(), any::<bool>(), any::<bool>(), any::<bool>()).prop_map(
            |(charset, python_json, unsigned_payload, signed_action)| Style::Tc3Post {
                charset,
                python_json,
                unsigned_payload,
                signed_action
            }
        ),
        Just(Style::Tc3Get),
        (any::<bool>(), any::<bool>()).prop_map(|(post, sha256)| Style::V1 { post, sha256 }),
    ]
}

fn quirk() -> impl Strategy<Value = Quirk> {
    prop_oneof![Just(Quirk::None), Just(Quirk::Node), Just(Quirk::SchemeInHost), Just(Quirk::Lowered)]
}

impl RoomQuery {
    fn pairs(&self) -> Vec<(String, String)> {
        let end = GENERATED_NOW as u64 - self.end_before;
        let mut pairs = vec![
            ("SdkAppId".to_owned(), self.sdk_app_id.to_string()),
            ("StartTime".to_owned(), (end - self.length).to_string()),
            ("EndTime".to_owned(), end.to_string()),
        ];
        if let Some(room) = &self.room_id {
            pairs.push(("RoomId".to_owned(), room.clone()));
        }
        if let Some((number, size)) = self.page {
            pairs.push(("PageNumber".to_owned(), number.to_string()));
            pairs.push(("PageSize".to_owned(), size.to_string()));
        }
        pairs
    }

    fn json(&self) -> Value {
        let mut map = Map::new();
        for (name, value) in self.pairs() {
            let value = if name == "RoomId" { Value::String(value) } else { json!(value.parse::<u64>().unwrap()) };
            map.insert(name, value);
        }
        Value::Object(map)
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn a_correctly_signed_valid_request_is_accepted(
        query in room_query(),
        style in style(),
        quirk in quirk(),
        region in prop::sample::select(vec!["ap-beijing", "ap-guangzhou", "ap-mumbai", "ap-singapore", "na-toronto"]),
    ) {
        let reply = match &style {
            Style::V1 { post, sha256 } => {
                let pairs = query.pairs();
                let business: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                let mut request = V1::new(if *post { "POST" } else { "GET" }, "DescribeRoomInfo", &business);
                request.set("Region", region);
                if !sha256 {
                    request = request.sha1();
                }
                if matches!(quirk, Quirk::Node) {
                    request.signed_host = Some("127.0.0.1".to_owned());
                }
                send_v1(&request)
            }
            Style::Tc3Get => {
                let query: Vec<String> = query.pairs().iter().map(|(k, v)| format!("{k}={v}")).collect();
                let mut request = Tc3::get("DescribeRoomInfo", &query.join("&"));
                request.region = Some(region.to_owned());
                send(&with_quirk(request, &quirk))
            }
            Style::Tc3Post { charset, python_json, unsigned_payload, signed_action } => {
                let mut request = Tc3::post("DescribeRoomInfo", query.json());
                if *python_json {
                    request.payload = serde_json::to_string_pretty(&query.json()).unwrap().replace("\n", "").replace("  ", " ");
                }
                if *charset {
                    request.content_type = "application/json; charset=utf-8".to_owned();
                }
                request.unsigned_payload = *unsigned_payload;
                request.signed_action = *signed_action;
                request.region = Some(region.to_owned());
                send(&with_quirk(request, &quirk))
            }
        };
        prop_assert!(reply.code().is_none(), "{:?} {:?} {:?}: {}", style, quirk, query, reply.raw);
    }
}

fn with_quirk(mut request: Tc3, quirk: &Quirk) -> Tc3 {
    match quirk {
        Quirk::None => {}
        Quirk::Node => {
            request.signed_host = Some("127.0.0.1".to_owned());
            request.service = "127".to_owned();
        }
        Quirk::SchemeInHost => request.sent_host = Some(format!("http://{}", authority())),
        Quirk::Lowered => {
            // Every signed value lower-cased (the documentation's X-TC-Action is `describeinstances`).
            let sent = request.content_type.to_ascii_uppercase();
            let mut lowered = request.clone();
            lowered.content_type = request.content_type.to_ascii_lowercase();
            lowered.action = request.action.to_ascii_lowercase();
            request.authorization = Some(lowered.authorization_for(&authority()));
            request.content_type = sent;
        }
    }
    request
}

// ---- v1 flattening round-trips ---------------------------------------------------------------

/// Random parameters of object `name` per the API definition: required members always,
/// optional ones sometimes, lists of 0–3, nested objects to `depth`.
fn object_value(name: &str, depth: u32) -> BoxedStrategy<Value> {
    let object = catalog::get().object(name).expect("a defined object");
    let members: Vec<BoxedStrategy<Option<(String, Value)>>> = object
        .members
        .iter()
        .filter(|m| depth > 0 || m.ty != Type::Object)
        .map(|member| {
            let name = member.name.to_owned();
            let item = item_value(member.ty, member.object, depth);
            let value: BoxedStrategy<Value> =
                if member.list { prop::collection::vec(item, 0..4).prop_map(Value::Array).boxed() } else { item };
            let present = if member.required { Just(true).boxed() } else { any::<bool>().boxed() };
            (present, value).prop_map(move |(present, value)| present.then(|| (name.clone(), value))).boxed()
        })
        .collect();
    members.prop_map(|members| Value::Object(members.into_iter().flatten().collect())).boxed()
}

fn item_value(ty: Type, object: Option<&str>, depth: u32) -> BoxedStrategy<Value> {
    match ty {
        Type::String | Type::Date | Type::Datetime => {
            prop_oneof!["\\PC{0,12}", "[a-z0-9 .&=+%/]{0,12}"].prop_map(Value::String).boxed()
        }
        Type::Uint64 => any::<u64>().prop_map(|n| json!(n)).boxed(),
        Type::Int64 => any::<i64>().prop_map(|n| json!(n)).boxed(),
        Type::Float => (any::<i32>(), 0u32..4)
            .prop_map(|(n, scale)| Value::Number(Number::from_f64(f64::from(n) / 10f64.powi(scale as i32)).unwrap()))
            .boxed(),
        Type::Bool => any::<bool>().prop_map(Value::Bool).boxed(),
        Type::Object => object_value(object.expect("an object type"), depth - 1),
    }
}

/// How an SDK writes a boolean.
#[derive(Debug, Clone, Copy)]
enum Booleans {
    Python,
    Node,
    Shouting,
}

/// Flat `(name, value)` pairs as the SDKs send them: arrays by index, objects by member, empty
/// arrays and objects sent as nothing.
fn flatten(prefix: &str, value: &Value, booleans: Booleans, out: &mut Vec<(String, String)>) {
    let join = |key: &str| if prefix.is_empty() { key.to_owned() } else { format!("{prefix}.{key}") };
    match value {
        Value::Object(map) => map.iter().for_each(|(k, v)| flatten(&join(k), v, booleans, out)),
        Value::Array(items) => {
            items.iter().enumerate().for_each(|(i, v)| flatten(&join(&i.to_string()), v, booleans, out))
        }
        Value::Bool(b) => out.push((
            prefix.to_owned(),
            match (booleans, b) {
                (Booleans::Python, true) => "True",
                (Booleans::Python, false) => "False",
                (Booleans::Node, true) => "true",
                (Booleans::Node, false) => "false",
                (Booleans::Shouting, true) => "TRUE",
                (Booleans::Shouting, false) => "FALSE",
            }
            .to_owned(),
        )),
        Value::Number(n) => out.push((prefix.to_owned(), n.to_string())),
        Value::String(s) => out.push((prefix.to_owned(), s.clone())),
        Value::Null => {}
    }
}

/// What survives flattening: empty arrays and objects (and array items that were empty) vanish.
fn normalized(value: &Value) -> Option<Value> {
    match value {
        Value::Object(map) => {
            let kept: Map<String, Value> = map.iter().filter_map(|(k, v)| Some((k.clone(), normalized(v)?))).collect();
            (!kept.is_empty()).then_some(Value::Object(kept))
        }
        Value::Array(items) => {
            let kept: Vec<Value> = items.iter().filter_map(normalized).collect();
            (!kept.is_empty()).then_some(Value::Array(kept))
        }
        Value::Null => None,
        other => Some(other.clone()),
    }
}

fn action_and_input() -> impl Strategy<Value = (String, Value)> {
    let names: Vec<String> = catalog::get().actions().iter().map(|a| a.name.to_owned()).collect();
    prop::sample::select(names).prop_flat_map(|name| {
        let input = catalog::get().action(&name).unwrap().input;
        (Just(name), object_value(input, 3))
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 500, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn v1_flattening_round_trips_random_nested_parameters(
        (action, input) in action_and_input(),
        booleans in prop_oneof![Just(Booleans::Python), Just(Booleans::Node), Just(Booleans::Shouting)],
        node_encoding in any::<bool>(),
    ) {
        let mut pairs = Vec::new();
        flatten("", &input, booleans, &mut pairs);
        // Python's urlencode writes a space as `+`, Node's querystring as `%20`.
        let mut form = form_urlencoded::Serializer::new(String::new());
        for (k, v) in &pairs {
            form.append_pair(k, v);
        }
        let mut wire = form.finish();
        if node_encoding {
            wire = wire.replace('+', "%20");
        }
        let decoded = trtc_mock::gateway::parse::decode_form(wire.as_bytes()).expect("the SDKs' encoding decodes");
        prop_assert_eq!(&decoded, &pairs);
        let action_input = &catalog::get().action(&action).unwrap().input;
        let rebuilt = catalog::unflatten(catalog::get(), action_input, decoded.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        let expected = normalized(&input).unwrap_or_else(|| Value::Object(Map::new()));
        prop_assert_eq!(rebuilt, expected, "{}: {}", action, wire);
    }
}
