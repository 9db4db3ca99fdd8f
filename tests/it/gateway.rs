//! The gateway over a real socket: what official clients send is accepted, and every check
//! answers Tencent's code, in the real gateway's order, inside the envelope.

use crate::common;
use crate::common::{ID, KEY, Reply, Tc3, V1, assert_code, client, config, start, unix_now};
use serde_json::{Value, json};
use trtc_mock::Account;

const APP: u64 = 1_400_000_001;

fn room_info(now: i64) -> Value {
    json!({"SdkAppId": APP, "StartTime": now - 3600, "EndTime": now})
}

fn valid() -> Tc3 {
    Tc3::post("DescribeRoomInfo", room_info(common::GENERATED_NOW))
}

#[tokio::test]
async fn signed_requests_of_every_style_are_served() {
    let server = start(config()).await;
    let url = server.url();
    let now = common::GENERATED_NOW;
    valid().send(&url).await.ok();

    let query = format!("SdkAppId={APP}&StartTime={}&EndTime={now}", now - 3600);
    Tc3::get("DescribeRoomInfo", &query).send(&url).await.ok();

    let business = [("SdkAppId", "1400000001"), ("StartTime", "1763996400"), ("EndTime", "1764000000")];
    for method in ["GET", "POST"] {
        V1::new(method, "DescribeRoomInfo", &business).send(&url).await.ok();
        V1::new(method, "DescribeRoomInfo", &business).sha1().send(&url).await.ok();
    }
    // Node's nonce may be 0.
    let mut zero = V1::new("POST", "DescribeRoomInfo", &business);
    zero.set("Nonce", "0");
    zero.send(&url).await.ok();
}

#[tokio::test]
async fn what_real_clients_sign_is_accepted() {
    let server = start(config()).await;
    let url = server.url();
    let authority = url.trim_start_matches("http://").to_owned();

    // Node SDK: signs the host without its port, and the endpoint's first label as service.
    let mut node = valid();
    node.signed_host = Some("127.0.0.1".into());
    node.service = "127".into();
    node.payload = serde_json::to_string(&room_info(common::GENERATED_NOW)).unwrap();
    node.send(&url).await.ok();

    // tccli and the Python SDK given an http:// endpoint send and sign `Host: http://…`.
    let mut tccli = valid();
    tccli.sent_host = Some(format!("http://{authority}"));
    tccli.send(&url).await.ok();

    // Java sends a charset; the Python SDK's form of the JSON has spaces and \u escapes.
    let mut java = valid();
    java.content_type = "application/json; charset=utf-8".into();
    java.payload = format!(
        "{{\"SdkAppId\": {APP}, \"StartTime\": {}, \"EndTime\": {}, \"RoomId\": \"\\u623f\\u95f4 1\"}}",
        common::GENERATED_NOW - 3600,
        common::GENERATED_NOW
    );
    java.send(&url).await.ok();

    // UNSIGNED-PAYLOAD: the body is not covered by the signature.
    let mut unsigned = valid();
    unsigned.unsigned_payload = true;
    unsigned.send(&url).await.ok();

    // The documentation's lower-cased header values.
    let mut lowered = valid();
    lowered.content_type = "Application/JSON".into();
    let auth = {
        let mut lower = lowered.clone();
        lower.content_type = "application/json".into();
        lower.authorization_for(&authority)
    };
    lowered.authorization = Some(auth);
    lowered.send(&url).await.ok();

    // A Python v1 request through an http:// endpoint signs the Host it sends.
    let business = [("SdkAppId", "1400000001"), ("StartTime", "1763996400"), ("EndTime", "1764000000")];
    let v1 = V1::new("POST", "DescribeRoomInfo", &business);
    let body = v1.encoded(&format!("http://{authority}"));
    let reply = client()
        .post(format!("{url}/"))
        .header("Host", format!("http://{authority}"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    Reply::from(reply).await.ok();
}

#[tokio::test]
async fn transport_errors() {
    let server = start(config()).await;
    let url = server.url();
    for method in ["PUT", "DELETE", "PATCH", "OPTIONS"] {
        let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let reply = Reply::from(client().request(m, format!("{url}/")).send().await.unwrap()).await;
        assert_code(&reply, "UnsupportedProtocol");
    }

    let mut big = valid();
    big.payload = format!("{{\"Pad\": \"{}\"}}", "x".repeat(10 * 1024 * 1024));
    assert_code(&big.send(&url).await, "RequestSizeLimitExceeded");

    let long_query = format!("SdkAppId=1&Pad={}", "y".repeat(33 * 1024));
    assert_code(&Tc3::get("DescribeRoomInfo", &long_query).send(&url).await, "RequestSizeLimitExceeded");

    // A v1 form body over 1 MiB gets the real service's answer.
    let pad = "z".repeat(1024 * 1024);
    let v1 = V1::new("POST", "DescribeRoomInfo", &[("Pad", pad.as_str())]);
    let reply = v1.send(&url).await;
    assert_code(&reply, "AuthFailure.SignatureFailure");
    assert!(reply.message().contains("exceeding request size limit"), "{}", reply.message());
}

#[tokio::test]
async fn missing_common_parameters() {
    let server = start(config()).await;
    let url = server.url();
    for (header, name) in [("X-TC-Action", "Action"), ("X-TC-Timestamp", "Timestamp"), ("X-TC-Version", "Version")] {
        let mut request = valid();
        request.omit.push(header);
        let reply = request.send(&url).await;
        assert_code(&reply, "MissingParameter");
        assert_eq!(reply.message(), format!("The request is missing a required parameter `{name}`."));
    }
    let mut no_region = valid();
    no_region.region = None;
    let reply = no_region.send(&url).await;
    assert_code(&reply, "MissingParameter");
    assert!(reply.message().contains("`Region`"));

    for name in ["Action", "SecretId", "Timestamp", "Nonce", "Version"] {
        let mut v1 = V1::new("GET", "DescribeRoomInfo", &[]);
        v1.remove(name);
        let reply = v1.send(&url).await;
        assert_code(&reply, "MissingParameter");
        assert!(reply.message().contains(&format!("`{name}`")), "{}", reply.raw);
    }
    // Nothing at all.
    let reply = Reply::from(client().get(format!("{url}/")).send().await.unwrap()).await;
    assert_eq!(reply.message(), "The request is missing a required parameter `Action`.");

    let mut bad_nonce = V1::new("GET", "DescribeRoomInfo", &[]);
    bad_nonce.set("Nonce", "abc");
    let reply = bad_nonce.send(&url).await;
    assert_code(&reply, "InvalidParameter");
    assert_eq!(reply.message(), "Parameter `Nonce` type error.");

    let mut bad_ts = valid();
    bad_ts.omit.push("X-TC-Timestamp");
    bad_ts.authorization = Some(bad_ts.authorization_for("x"));
    let reply = Reply::from(
        client()
            .post(format!("{url}/"))
            .header("Authorization", bad_ts.authorization.clone().unwrap())
            .header("X-TC-Action", "DescribeRoomInfo")
            .header("X-TC-Version", "2019-07-22")
            .header("X-TC-Timestamp", "soon")
            .header("Content-Type", "application/json")
            .body("{}")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_code(&reply, "InvalidParameter");

    let broken_form =
        Reply::from(client().get(format!("{url}/?Action=DescribeRoomInfo&oops")).send().await.unwrap()).await;
    assert_code(&broken_form, "InvalidParameter");
    assert_eq!(broken_form.message(), "Url key and value should be splited by `=`.");
}

#[tokio::test]
async fn authentication_errors_in_order() {
    let server = start(config()).await;
    let url = server.url();

    let mut garbage = valid();
    garbage.authorization = Some("TC3-HMAC-SHA256 Credential=oops".into());
    assert_code(&garbage.send(&url).await, "AuthFailure.InvalidAuthorization");
    let mut skip = valid();
    skip.authorization = Some("SKIP".into());
    assert_code(&skip.send(&url).await, "AuthFailure.InvalidAuthorization");
    // A JSON request that names its action but carries no signature.
    let unsigned = Reply::from(
        client()
            .post(format!("{url}/"))
            .header("X-TC-Action", "DescribeRoomInfo")
            .header("Content-Type", "application/json")
            .body("{}")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_code(&unsigned, "AuthFailure.InvalidAuthorization");

    for skew in [-301, 301] {
        let mut stale = valid();
        stale.timestamp = unix_now() + skew;
        let reply = stale.send(&url).await;
        assert_code(&reply, "AuthFailure.SignatureExpire");
        assert_eq!(reply.message(), "The signature is expired, please request again.");
    }
    let mut stale_v1 = V1::new("GET", "DescribeRoomInfo", &[]);
    stale_v1.set("Timestamp", &(unix_now() - 1000).to_string());
    assert_code(&stale_v1.send(&url).await, "AuthFailure.SignatureExpire");
    // Expiry is checked before the SecretId.
    let mut stale_unknown = valid();
    stale_unknown.timestamp -= 1000;
    stale_unknown.secret_id = "AKIDnobody".into();
    assert_code(&stale_unknown.send(&url).await, "AuthFailure.SignatureExpire");

    let mut unknown = valid();
    unknown.secret_id = "AKIDnobody".into();
    let reply = unknown.send(&url).await;
    assert_code(&reply, "AuthFailure.SecretIdNotFound");
    assert_eq!(reply.message(), "The SecretId is not found, please ensure that your SecretId is correct.");
    let mut unknown_v1 = V1::new("POST", "DescribeRoomInfo", &[]);
    unknown_v1.set("SecretId", "AKIDnobody");
    assert_code(&unknown_v1.send(&url).await, "AuthFailure.SecretIdNotFound");

    let mut wrong_key = valid();
    wrong_key.secret_key = "not-the-key".into();
    let reply = wrong_key.send(&url).await;
    assert_code(&reply, "AuthFailure.SignatureFailure");
    assert_eq!(
        reply.message(),
        "The provided credentials could not be validated. Please check your signature is correct."
    );
    let mut tampered = valid();
    tampered.authorization = Some(tampered.authorization_for(url.trim_start_matches("http://")));
    tampered.payload = tampered.payload.replace("1400000001", "1400000002");
    assert_code(&tampered.send(&url).await, "AuthFailure.SignatureFailure");
    let mut other_host = valid();
    other_host.signed_host = Some("trtc.tencentcloudapi.com".into());
    assert_code(&other_host.send(&url).await, "AuthFailure.SignatureFailure");
    let mut wrong_v1 = V1::new("GET", "DescribeRoomInfo", &[]);
    wrong_v1.secret_key = "nope".into();
    assert_code(&wrong_v1.send(&url).await, "AuthFailure.SignatureFailure");
    let mut sha_mismatch = V1::new("GET", "DescribeRoomInfo", &[]);
    sha_mismatch.sha256 = false; // signs SHA-1 while announcing HmacSHA256
    assert_code(&sha_mismatch.send(&url).await, "AuthFailure.SignatureFailure");

    // Signature is checked before the action exists.
    let mut bad_both = valid();
    bad_both.action = "NoSuchThing".into();
    bad_both.secret_key = "nope".into();
    assert_code(&bad_both.send(&url).await, "AuthFailure.SignatureFailure");

    let mut zh = wrong_key.clone();
    zh.language = Some("zh-CN".into());
    assert_eq!(zh.send(&url).await.message(), "请求签名验证失败，请检查您的签名计算是否正确。");
}

#[tokio::test]
async fn temporary_credentials_need_their_token() {
    let mut cfg = config();
    cfg.accounts = vec![Account { token: Some("tok-1".into()), ..Account::new(ID, KEY) }];
    let server = start(cfg).await;
    let url = server.url();
    let mut with = valid();
    with.token = Some("tok-1".into());
    with.send(&url).await.ok();
    let mut wrong = valid();
    wrong.token = Some("tok-2".into());
    assert_code(&wrong.send(&url).await, "AuthFailure.TokenFailure");
    assert_code(&valid().send(&url).await, "AuthFailure.TokenFailure");
    let mut v1 = V1::new(
        "GET",
        "DescribeRoomInfo",
        &[("SdkAppId", "1400000001"), ("StartTime", "1763996400"), ("EndTime", "1764000000")],
    );
    v1.set("Token", "tok-1");
    v1.send(&url).await.ok();
}

#[tokio::test]
async fn permanent_keys_refuse_a_token() {
    let server = start(config()).await;
    let mut request = valid();
    request.token = Some("stray".into());
    assert_code(&request.send(&server.url()).await, "AuthFailure.TokenFailure");
}

#[tokio::test]
async fn action_version_and_region() {
    let server = start(config()).await;
    let url = server.url();
    let mut action = valid();
    action.action = "DescribeNothing".into();
    let reply = action.send(&url).await;
    assert_code(&reply, "InvalidAction");
    assert_eq!(
        reply.message(),
        "The request action=`DescribeNothing` is invalid or not found in service=`trtc` and version=`2019-07-22`."
    );
    let mut version = valid();
    version.version = "2020-01-01".into();
    version.region = Some("gz".into());
    let reply = version.send(&url).await;
    assert_code(&reply, "NoSuchVersion");
    assert_eq!(reply.message(), "The specified api version=`2020-01-01` does not exist in service=`trtc`.");

    let mut not_a_region = valid();
    not_a_region.region = Some("gz".into());
    let reply = not_a_region.send(&url).await;
    assert_code(&reply, "InvalidParameterValue");
    assert_eq!(reply.message(), "A value specified in `X-TC-Region` is not valid, is unsupported, or cannot be used.");
    let mut v1 = V1::new("GET", "DescribeRoomInfo", &[]);
    v1.set("Region", "gz");
    assert_eq!(
        v1.send(&url).await.message(),
        "A value specified in `Region` is not valid, is unsupported, or cannot be used."
    );

    let mut unserved = valid();
    unserved.region = Some("ap-shanghai".into());
    let reply = unserved.send(&url).await;
    assert_code(&reply, "UnsupportedRegion");
    assert_eq!(reply.message(), "The action not support this region.");
    for region in ["ap-beijing", "ap-guangzhou", "ap-mumbai", "ap-singapore", "na-toronto"] {
        let mut served = valid();
        served.region = Some(region.into());
        served.send(&url).await.ok();
    }
}

#[tokio::test]
async fn business_parameters_unknown_missing_type() {
    let server = start(config()).await;
    let url = server.url();
    let now = common::GENERATED_NOW;
    let send = |body: Value| Tc3::post("DescribeUserInfo", body);

    let reply = send(json!({"SdkAppId": APP, "Surprise": 1, "StartTime": "x"})).send(&url).await;
    assert_code(&reply, "UnknownParameter");
    assert_eq!(reply.message(), "The parameter `Surprise` is not recognized.");

    let reply = send(json!({"SdkAppId": APP, "StartTime": now - 60, "EndTime": now})).send(&url).await;
    assert_code(&reply, "MissingParameter");
    assert_eq!(reply.message(), "The request is missing a required parameter `CommId`.");

    let reply = send(json!({"SdkAppId": "1400000001", "CommId": "1_2_3", "StartTime": now - 60, "EndTime": now}))
        .send(&url)
        .await;
    assert_code(&reply, "InvalidParameter");
    assert_eq!(reply.message(), "The value type of parameter `SdkAppId` is not valid.");

    let reply =
        send(json!({"SdkAppId": APP, "CommId": "1_2_3", "StartTime": now - 60, "EndTime": now, "UserIds": ["a", 7]}))
            .send(&url)
            .await;
    assert_eq!(reply.message(), "The value type of parameter `UserIds.1` is not valid.");

    let reply =
        send(json!({"SdkAppId": -5, "CommId": "1_2_3", "StartTime": now - 60, "EndTime": now})).send(&url).await;
    assert_code(&reply, "InvalidParameter");

    let mut broken = valid();
    broken.payload = "{\"SdkAppId\": ".into();
    assert_code(&broken.send(&url).await, "InvalidParameter");
    let mut array = valid();
    array.payload = "[1, 2]".into();
    assert_code(&array.send(&url).await, "InvalidParameter");

    // Flat parameters are rebuilt with the catalogue's types and named by their flat path.
    let v1 = V1::new(
        "GET",
        "DescribeUserInfo",
        &[("SdkAppId", "abc"), ("CommId", "1_2_3"), ("StartTime", "1"), ("EndTime", "2")],
    );
    let reply = v1.send(&url).await;
    assert_code(&reply, "InvalidParameter");
    assert!(reply.message().contains("`SdkAppId`"));
    let v1 = V1::new("POST", "DescribeUserInfo", &[("Nope.0", "x")]);
    assert_eq!(v1.send(&url).await.message(), "The parameter `Nope` is not recognized.");

    // Empty or absent body: every required parameter is missing.
    let mut empty = valid();
    empty.payload = String::new();
    assert_code(&empty.send(&url).await, "MissingParameter");
}

#[tokio::test]
async fn auth_off_serves_any_signature() {
    let mut cfg = config();
    cfg.auth = trtc_mock::config::AuthMode::Off;
    let server = start(cfg).await;
    let mut request = valid();
    request.secret_id = "AKIDanyone".into();
    request.authorization = Some("TC3-HMAC-SHA256 Credential=AKIDanyone/2020-01-01/trtc/tc3_request, SignedHeaders=content-type;host, Signature=0000000000000000000000000000000000000000000000000000000000000000".into());
    request.send(&server.url()).await.ok();
}

#[tokio::test]
async fn request_ids_are_fresh_and_trace_ids_echoed() {
    let server = start(config()).await;
    let a = valid().send(&server.url()).await;
    let b = valid().send(&server.url()).await;
    assert_ne!(a.json["Response"]["RequestId"], b.json["Response"]["RequestId"]);
    let response = client().put(format!("{}/", server.url())).header("X-TC-TraceId", "trace-1").send().await.unwrap();
    assert_eq!(response.headers().get("x-tc-traceid").unwrap(), "trace-1");
}

#[tokio::test]
async fn hostile_input_is_answered_and_the_server_lives_on() {
    let server = start(config()).await;
    let url = server.url();
    let deep = vec!["A"; 8000].join(".");
    let reply = V1::new("GET", "DescribeRoomInfo", &[(deep.as_str(), "1")]).send(&url).await;
    assert_code(&reply, "UnknownParameter");

    let mut nested = valid();
    nested.payload = format!("{{\"SdkAppId\": {}1{}}}", "[".repeat(5000), "]".repeat(5000));
    assert_code(&nested.send(&url).await, "InvalidParameter");

    let mut huge = valid();
    huge.payload = format!("{{\"SdkAppId\": 1{}}}", "0".repeat(400));
    assert_code(&huge.send(&url).await, "InvalidParameter");

    valid().send(&url).await.ok();
}
