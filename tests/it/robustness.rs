//! Regression tests of issue 11 (defects found by probing the running server), over a real
//! socket with the independent signer of `tests/common`. Connection timeouts and the connection
//! cap are in `tests/it/connections.rs`.

use crate::common;
use crate::common::{Tc3, V1, assert_code, client, config, start, unix_now};
use serde_json::{Value, json};

const APP: u64 = 1_400_000_001;

fn valid() -> Tc3 {
    let now = common::GENERATED_NOW;
    Tc3::post("DescribeRoomInfo", json!({"SdkAppId": APP, "StartTime": now - 3600, "EndTime": now}))
}

// ---- 6. the timestamp window does not wrap ---------------------------------------------------

#[tokio::test]
async fn a_timestamp_2_pow_63_in_the_past_is_expired_in_both_signatures() {
    let server = start(config()).await;
    let url = server.url();
    let far = unix_now().wrapping_sub(i64::MIN); // now − 2⁶³

    let mut v1 = V1::new("GET", "DescribeRoomInfo", &[("SdkAppId", "1400000001")]);
    v1.set("Timestamp", &far.to_string());
    assert_code(&v1.send(&url).await, "AuthFailure.SignatureExpire");
    let mut v1_post = V1::new("POST", "DescribeRoomInfo", &[("SdkAppId", "1400000001")]);
    v1_post.set("Timestamp", &far.to_string());
    assert_code(&v1_post.send(&url).await, "AuthFailure.SignatureExpire");

    // Over TC3, signed with today's credential date (a date of year −292 billion is no date).
    let mut tc3 = valid();
    tc3.credential_date = Some(common::utc_date(unix_now()));
    tc3.timestamp = far;
    assert_code(&tc3.send(&url).await, "AuthFailure.SignatureExpire");
    for extreme in [i64::MIN, i64::MAX] {
        tc3.timestamp = extreme;
        assert_code(&tc3.send(&url).await, "AuthFailure.SignatureExpire");
    }
    valid().send(&url).await.ok();
}

// ---- 5. the virtual clock refuses what it cannot show ----------------------------------------

#[tokio::test]
async fn clock_values_that_cannot_be_represented_are_refused_with_the_reason() {
    let server = start(config()).await;
    let clock_url = format!("{}/_mock/clock", server.url());
    for body in [
        json!({"set": i64::MAX}),
        json!({"advance": i64::MAX}),
        json!({"set": -1}),
        json!({"set": 253_402_300_800i64}),
        json!({"set": 253_402_300_000i64, "advance": 1000}),
        json!({"set": 1, "advance": i64::MAX, "freeze": false}),
        json!({"set": 9_223_372_036_854_775_808u64}),
        json!({"advance": -1}),
    ] {
        let response = client().post(&clock_url).json(&body).send().await.unwrap();
        assert_eq!(response.status(), 400, "{body}");
        let refusal: Value = response.json().await.unwrap();
        assert!(refusal["error"].as_str().is_some_and(|e| !e.is_empty()), "{refusal}");
        let reading: Value = client().get(&clock_url).send().await.unwrap().json().await.unwrap();
        assert_eq!(reading, json!({"now": common::GENERATED_NOW, "frozen": true}), "unchanged after {body}");
    }
    let refusal: Value =
        client().post(&clock_url).json(&json!({"set": i64::MAX})).send().await.unwrap().json().await.unwrap();
    assert!(refusal["error"].as_str().unwrap().contains("253402300799"), "{refusal}");

    // The last representable second is accepted, and the clock stays there.
    let (status, reading) = {
        let response =
            client().post(&clock_url).json(&json!({"set": 253_402_300_799i64, "freeze": false})).send().await.unwrap();
        (response.status(), response.json::<Value>().await.unwrap())
    };
    assert_eq!(status, 200);
    assert_eq!(reading["now"], 253_402_300_799i64);
    // The world still answers at the end of time.
    let now = 253_402_300_799i64;
    let reply = Tc3::post("DescribeRoomInfo", json!({"SdkAppId": APP, "StartTime": now - 3600, "EndTime": now}))
        .send(&server.url())
        .await;
    assert!(reply.code() != Some("InternalError"), "{}", reply.raw);
}

// ---- 1. bounded work before authentication ----------------------------------------------------

/// An Authorization header of the known SecretId, signing `signed` (the signature is not
/// checked before the refusals tested here).
fn authorization(signed: &str) -> String {
    let date = common::utc_date(unix_now());
    format!(
        "TC3-HMAC-SHA256 Credential={}/{date}/trtc/tc3_request, SignedHeaders={signed}, Signature={}",
        common::ID,
        "0".repeat(64)
    )
}

#[tokio::test]
async fn repeated_or_excessive_signed_headers_are_refused_before_any_work() {
    let server = start(config()).await;
    let url = server.url();

    // One name thousands of times: the 112 KB request that took the server to 725 MB.
    let mut repeated = valid();
    repeated.authorization = Some(authorization(&format!("content-type;host{}", ";x-big".repeat(18_000))));
    repeated.extra_headers.push(("X-Big".into(), "b".repeat(64)));
    let reply = repeated.send(&url).await;
    assert_code(&reply, "AuthFailure.InvalidAuthorization");
    assert!(reply.message().contains("more than 32 headers"), "{}", reply.message());

    let mut twice = valid();
    twice.authorization = Some(authorization("content-type;host;x-big;x-big"));
    twice.extra_headers.push(("X-Big".into(), "b".repeat(64)));
    let reply = twice.send(&url).await;
    assert_code(&reply, "AuthFailure.InvalidAuthorization");
    assert!(reply.message().contains("more than once"), "{}", reply.message());

    // Distinct names whose values add up past the canonical-request cap.
    let mut wide = valid();
    let names: Vec<String> = (0..30).map(|i| format!("x-pad-{i}")).collect();
    wide.authorization = Some(authorization(&format!("content-type;host;{}", names.join(";"))));
    for name in &names {
        wide.extra_headers.push((name.clone(), "p".repeat(8 * 1024)));
    }
    let reply = wide.send(&url).await;
    assert_code(&reply, "AuthFailure.InvalidAuthorization");
    assert!(reply.message().contains("over the limit of 65536 bytes"), "{}", reply.message());

    // Under the cap, a wrong signature over a big signed header is an ordinary SignatureFailure.
    let mut big = valid();
    big.authorization = Some(authorization("content-type;host;x-big"));
    big.extra_headers.push(("X-Big".into(), "b".repeat(40 * 1024)));
    assert_code(&big.send(&url).await, "AuthFailure.SignatureFailure");

    valid().send(&url).await.ok();
}

// ---- 2. the journal keeps a bounded, useful record of refused signatures ----------------------

#[tokio::test]
async fn refused_signatures_are_journaled_cut_with_lengths_and_hashes_within_a_byte_bound() {
    let server = start(trtc_mock::Config { journal_bytes: 64 * 1024, ..config() }).await;
    let url = server.url();
    let big = "b".repeat(60 * 1024);
    for _ in 0..200 {
        let mut request = valid();
        request.authorization = Some(authorization("content-type;host;x-big"));
        request.extra_headers.push(("X-Big".into(), big.clone()));
        assert_code(&request.send(&url).await, "AuthFailure.SignatureFailure");
    }
    let response = client().get(format!("{url}/_mock/requests")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let body = response.bytes().await.unwrap();
    assert!(body.len() < 128 * 1024, "the journal answered {} bytes", body.len());
    let page: Value = serde_json::from_slice(&body).unwrap();
    assert!(page["bytes"].as_u64().unwrap() <= 64 * 1024, "{}", page["bytes"]);
    assert_eq!(page["max_bytes"], 64 * 1024);
    let held = page["held"].as_u64().unwrap();
    assert!(held > 10 && held < 200, "{held}");
    assert_eq!(page["dropped"].as_u64().unwrap() + held, 200);

    let signature = &page["entries"][0]["signature"];
    let canonical = signature["canonical_request"].as_str().unwrap();
    assert!(canonical.starts_with("POST\n/\n\ncontent-type:application/json\nhost:127.0.0.1:"), "{canonical}");
    assert!(canonical.contains(&format!("\nx-big:{}…(61440 bytes)\n\ncontent-type;host;x-big\n", "b".repeat(256))));
    let exact_len = signature["canonical_request_bytes"].as_u64().unwrap();
    assert!(exact_len > 61_440 && exact_len < 62_000, "{exact_len}");
    let canonical_hash = signature["canonical_request_sha256"].as_str().unwrap();
    let to_sign = signature["string_to_sign"].as_str().unwrap();
    assert!(to_sign.starts_with("TC3-HMAC-SHA256\n") && to_sign.ends_with(canonical_hash), "{to_sign}");
    assert_eq!(signature["payload_sha256"].as_str().unwrap(), canonical.rsplit('\n').next().unwrap());
    assert_eq!(signature["string_to_sign_sha256"].as_str().unwrap().len(), 64);
    assert_eq!(signature["string_to_sign_bytes"].as_u64().unwrap(), to_sign.len() as u64);

    // A hostile action name or SecretId is kept cut too.
    let mut long_action = valid();
    long_action.action = "A".repeat(100_000);
    assert_code(&long_action.send(&url).await, "InvalidAction");
    let (_, last) = journal_last(&url).await;
    assert!(last["action"].as_str().unwrap().ends_with("…(100000 bytes)"), "{}", last["action"]);
    assert!(last["message"].as_str().unwrap().len() < 1100);
}

async fn journal_last(url: &str) -> (u16, Value) {
    let response = client().get(format!("{url}/_mock/requests?limit=1")).send().await.unwrap();
    let status = response.status().as_u16();
    let mut page: Value = response.json().await.unwrap();
    (status, page["entries"][0].take())
}

// ---- 4. a failing handler still answers with its RequestId and is journaled -------------------

/// DescribeUserInfo of a call created within an hour of `u64::MAX` seconds.
fn end_of_time_call() -> Tc3 {
    let now = common::GENERATED_NOW;
    Tc3::post(
        "DescribeUserInfo",
        json!({"SdkAppId": APP, "CommId": "1400000001_1_18446744073709550000", "StartTime": now - 3600, "EndTime": now}),
    )
}

/// Sends `request`, checks the envelope, the `X-TC-RequestId` header and the journal entry
/// carry the same RequestId, and returns the code.
async fn code_with_request_id_and_journal(url: &str, request: &Tc3) -> Option<String> {
    let response = request.send_raw(url).await.unwrap();
    let header = response.headers().get("x-tc-requestid").map(|v| v.to_str().unwrap().to_owned());
    let reply = common::Reply::from(response).await;
    let id = reply.json["Response"]["RequestId"].as_str().unwrap().to_owned();
    assert_eq!(header.as_deref(), Some(id.as_str()), "X-TC-RequestId header: {}", reply.raw);
    let (_, entry) = journal_last(url).await;
    assert_eq!(entry["request_id"], id.as_str(), "journal entry: {entry}");
    assert_eq!(entry["code"].as_str(), Some(reply.code().unwrap_or("Success")));
    reply.code().map(str::to_owned)
}

#[tokio::test]
async fn a_panic_in_a_handler_keeps_the_request_id_header_and_the_journal_entry() {
    let server = start(config()).await;
    let url = server.url();
    // InternalError while the history generator overflows, a parameter error once it checks:
    // either way an envelope with its RequestId, in the header too, and journaled.
    let code = code_with_request_id_and_journal(&url, &end_of_time_call()).await;
    assert!(code.is_some(), "a call created at the end of u64 time is not served");
    // The server lives on.
    valid().send(&url).await.ok();
    assert_eq!(code_with_request_id_and_journal(&url, &valid()).await, None);
}

#[tokio::test]
async fn a_creation_time_near_u64_max_is_a_parameter_error() {
    let server = start(config()).await;
    let code = code_with_request_id_and_journal(&server.url(), &end_of_time_call()).await;
    let code = code.expect("refused");
    assert_eq!(code, "InvalidParameterValue", "a CommId no call can have");
}

// ---- 8. everything under /_mock/ answers JSON --------------------------------------------------

#[tokio::test]
async fn every_control_plane_answer_is_json() {
    let server = start(config()).await;
    let url = server.url();
    let cases: Vec<(reqwest::Method, &str, u16)> = vec![
        (reqwest::Method::DELETE, "/_mock/faults/abc", 400),
        (reqwest::Method::DELETE, "/_mock/faults/99999999999999999999999", 400),
        (reqwest::Method::PUT, "/_mock/clock", 405),
        (reqwest::Method::PATCH, "/_mock/requests", 405),
        (reqwest::Method::POST, "/_mock/health", 405),
        (reqwest::Method::GET, "/_mock/nothing-here", 404),
        (reqwest::Method::GET, "/_mock/requests?limit=many", 400),
        (reqwest::Method::GET, "/_mock/requests?surprise=1", 400),
    ];
    for (method, path, status) in cases {
        let response = client().request(method.clone(), format!("{url}{path}")).send().await.unwrap();
        assert_eq!(response.status(), status, "{method} {path}");
        assert_eq!(response.headers()["content-type"], "application/json", "{method} {path}");
        let body: Value = response.json().await.unwrap();
        assert!(body["error"].as_str().is_some_and(|e| !e.is_empty()), "{method} {path}: {body}");
    }
    let response = client().put(format!("{url}/_mock/clock")).send().await.unwrap();
    assert!(response.headers().contains_key("allow"));
    let body: Value = response.json().await.unwrap();
    assert!(body["error"].as_str().unwrap().contains("method"), "{body}");

    // A body declared over 64 MiB is refused before it is read.
    let head = raw_exchange(
        server.addr(),
        b"POST /_mock/fixtures HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 67108865\r\n\r\n",
    )
    .await;
    assert!(head.starts_with("HTTP/1.1 413"), "{head}");
    assert!(head.contains("content-type: application/json"), "{head}");
    let body: Value = serde_json::from_str(head.split("\r\n\r\n").nth(1).unwrap()).unwrap();
    assert!(body["error"].as_str().unwrap().contains("67108864"), "{body}");
}

/// Writes `bytes` on a fresh connection and reads until the server closes it (or 20 s pass).
async fn raw_exchange(addr: std::net::SocketAddr, bytes: &[u8]) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    // The server may answer and close before it has read everything: the write can then fail,
    // the answer is still there to read.
    let _ = stream.write_all(bytes).await;
    let mut out = Vec::new();
    let mut buf = [0u8; 8192];
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Ok(Ok(0) | Err(_)) => break,
            Ok(Ok(n)) => out.extend_from_slice(&buf[..n]),
            Err(_) => panic!("the server answers and closes: {}", String::from_utf8_lossy(&out)),
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

// ---- 7. what hyper refuses still comes with a JSON body ---------------------------------------

/// Splits a raw answer into status line, lower-cased headers and body.
fn split_answer(raw: &str) -> (String, Vec<(String, String)>, String) {
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((raw, ""));
    let mut lines = head.lines();
    let status = lines.next().unwrap_or_default().to_owned();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    (status, headers, body.to_owned())
}

#[tokio::test]
async fn requests_hyper_refuses_get_the_envelope_with_their_status_and_are_journaled() {
    let server = start(config()).await;
    let addr = server.addr();
    let many_headers: String = (0..120).map(|i| format!("X-H{i}: 1\r\n")).collect();
    let cases: Vec<(Vec<u8>, &str, &str)> = vec![
        (b"GET / HTTP/1.1\r\nHost: x\r\nX-A: a\x01b\r\n\r\n".to_vec(), "HTTP/1.1 400", "InvalidParameter"),
        (
            format!("GET /?{} HTTP/1.1\r\nHost: x\r\n\r\n", "a".repeat(70_000)).into_bytes(),
            "HTTP/1.1 414",
            "RequestSizeLimitExceeded",
        ),
        (
            format!("GET / HTTP/1.1\r\nHost: x\r\n{many_headers}\r\n").into_bytes(),
            "HTTP/1.1 431",
            "RequestSizeLimitExceeded",
        ),
        (
            format!("GET / HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n", "b".repeat(600_000)).into_bytes(),
            "HTTP/1.1 431",
            "RequestSizeLimitExceeded",
        ),
        (b"GET / HTTP/1.1\r\nHost: x\r\nBad Name: 1\r\n\r\n".to_vec(), "HTTP/1.1 400", "InvalidParameter"),
    ];
    for (request, status, code) in cases {
        let raw = raw_exchange(addr, &request).await;
        let (status_line, headers, body) = split_answer(&raw);
        assert!(status_line.starts_with(status), "{status_line} for {code}");
        let header = |name: &str| headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
        assert_eq!(header("content-type").as_deref(), Some("application/json"), "{raw}");
        assert_eq!(header("content-length"), Some(body.len().to_string()));
        let envelope: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(envelope["Response"]["Error"]["Code"], code, "{envelope}");
        assert!(!envelope["Response"]["Error"]["Message"].as_str().unwrap().is_empty());
        let id = envelope["Response"]["RequestId"].as_str().unwrap();
        assert_eq!(header("x-tc-requestid").as_deref(), Some(id));
        let (_, entry) = journal_last(&server.url()).await;
        assert_eq!((entry["request_id"].as_str(), entry["code"].as_str()), (Some(id), Some(code)));
    }

    // A URL over 32 KiB but under hyper's limit reaches the gateway: HTTP 200 and the envelope.
    let raw = raw_exchange(
        addr,
        format!("GET /?{} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", "a".repeat(40_000)).as_bytes(),
    )
    .await;
    let (status_line, _, body) = split_answer(&raw);
    assert_eq!(status_line, "HTTP/1.1 200 OK");
    let envelope: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(envelope["Response"]["Error"]["Code"], "RequestSizeLimitExceeded");
    valid().send(&server.url()).await.ok();
}
