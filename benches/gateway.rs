//! Criterion benches of the gateway: the signature arithmetic on its own, and whole API calls
//! through the real router, in-process (no sockets), so that each can be read as a ratio to a
//! request that fails at the very first check.
//!
//! ```sh
//! cargo bench --bench gateway                 # everything (~35 s)
//! cargo bench --bench gateway -- router/      # only the round trips
//! ```
//!
//! Requests are signed per iteration in criterion's untimed setup (`iter_batched`) with the
//! current wall clock, so the signatures never go stale however long the bench runs.

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{Method, Request};
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use http_body_util::BodyExt;
use tokio::runtime::Runtime;
use tower::ServiceExt;
use trtc_mock::config::{DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY, RateLimitMode};
use trtc_mock::gateway::{tc3, v1};
use trtc_mock::{App, Config};

/// What the SDKs send as Host when pointed at a local emulator.
const HOST: &str = "127.0.0.1:8080";
const SERVICE: &str = "trtc";
const CONTENT_TYPE: &str = "application/json";
const SIGNED_HEADERS: &str = "content-type;host";

/// Virtual "now" of both worlds: just after the documentation example's call.
const NOW: i64 = 1_590_066_000;
const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/describe-user-info-example.json");

/// The DescribeUserInfo call of the documentation example (answered from the fixture).
const USER_INFO_BODY: &str = r#"{"SdkAppId":1400188366,"CommId":"1400188366_218695_1590065777","StartTime":1590065777,"EndTime":1590065877,"UserIds":["user1_54816741","user2_2107025"]}"#;

/// A 24-hour DescribeRoomInfo window ending at `NOW`, over generated history.
fn room_info_body() -> String {
    format!(r#"{{"SdkAppId":1400000001,"StartTime":{},"EndTime":{NOW}}}"#, NOW - 86_400)
}

fn wall_clock_secs() -> i64 {
    let elapsed = SystemTime::now().duration_since(UNIX_EPOCH).expect("clock after 1970");
    i64::try_from(elapsed.as_secs()).expect("seconds fit in i64")
}

/// The `Authorization` value of a TC3 POST, computed from scratch as an SDK does.
fn tc3_authorization(timestamp: i64, body: &str) -> String {
    let date = trtc_mock::pure::civil::utc_date(timestamp);
    let canonical = tc3::canonical_request(
        "POST",
        "",
        &[("content-type", CONTENT_TYPE), ("host", HOST)],
        SIGNED_HEADERS,
        &tc3::sha256_hex(body.as_bytes()),
    );
    let to_sign = tc3::string_to_sign(&timestamp.to_string(), &date, SERVICE, &canonical);
    let key = tc3::signing_key(DEFAULT_SECRET_KEY, &date, SERVICE);
    let signature = hex::encode(tc3::signature(&key, &to_sign));
    format!(
        "TC3-HMAC-SHA256 Credential={DEFAULT_SECRET_ID}/{date}/{SERVICE}/tc3_request, \
         SignedHeaders={SIGNED_HEADERS}, Signature={signature}"
    )
}

/// A TC3-signed POST of `action`, timestamped now.
fn signed_post(action: &str, body: &str) -> Request<Body> {
    let timestamp = wall_clock_secs();
    Request::builder()
        .method(Method::POST)
        .uri("/")
        .header("host", HOST)
        .header("content-type", CONTENT_TYPE)
        .header("x-tc-action", action)
        .header("x-tc-timestamp", timestamp.to_string())
        .header("x-tc-version", "2019-07-22")
        .header("x-tc-region", "ap-guangzhou")
        .header("authorization", tc3_authorization(timestamp, body))
        .body(Body::from(body.to_owned()))
        .expect("valid request")
}

/// An unsigned `PUT /`: refused with UnsupportedProtocol at the gateway's first check.
fn unsupported_put() -> Request<Body> {
    Request::builder().method(Method::PUT).uri("/").header("host", HOST).body(Body::empty()).expect("valid request")
}

/// A router over an `App` built like the load runs' server (rate limits off, frozen clock).
fn router(fixtures: bool) -> Router {
    let config = Config {
        rate_limit: RateLimitMode::Off,
        fixtures: if fixtures { vec![FIXTURE.into()] } else { Vec::new() },
        start_time: Some(NOW),
        freeze: true,
        ..Config::default()
    };
    trtc_mock::router(Arc::new(App::new(config).expect("bench configuration loads")))
}

/// One whole call: routing, gateway, handler, envelope, and the body read to its end.
async fn call(router: Router, request: Request<Body>) -> Bytes {
    let response = router.oneshot(request).await.expect("the router is infallible");
    response.into_body().collect().await.expect("in-memory body").to_bytes()
}

/// Fails the bench loudly if a request does not get the answer it is meant to measure.
fn expect_answer(runtime: &Runtime, router: &Router, request: Request<Body>, wanted: &str, what: &str) {
    let body = runtime.block_on(call(router.clone(), request));
    let text = String::from_utf8_lossy(&body);
    assert!(text.contains(wanted), "{what}: expected `{wanted}` in {text}");
    if wanted != "UnsupportedProtocol" {
        assert!(!text.contains("\"Error\""), "{what}: answered an error: {text}");
    }
}

fn signature(c: &mut Criterion) {
    let mut group = c.benchmark_group("signature");
    let timestamp = 1_590_066_000_i64;
    let timestamp_text = timestamp.to_string();
    let date = trtc_mock::pure::civil::utc_date(timestamp);
    let headers = [("content-type", CONTENT_TYPE), ("host", HOST)];

    // (a) everything a server does per request without a key cache.
    group.bench_function("tc3_full", |b| {
        b.iter(|| {
            let body = black_box(USER_INFO_BODY);
            let canonical =
                tc3::canonical_request("POST", "", &headers, SIGNED_HEADERS, &tc3::sha256_hex(body.as_bytes()));
            let to_sign = tc3::string_to_sign(&timestamp_text, &date, SERVICE, &canonical);
            let key = tc3::signing_key(black_box(DEFAULT_SECRET_KEY), &date, SERVICE);
            tc3::signature(&key, &to_sign)
        });
    });

    // (b) the same with the derived key cached per (secret, date, service).
    let key = tc3::signing_key(DEFAULT_SECRET_KEY, &date, SERVICE);
    group.bench_function("tc3_cached_key", |b| {
        b.iter(|| {
            let body = black_box(USER_INFO_BODY);
            let canonical =
                tc3::canonical_request("POST", "", &headers, SIGNED_HEADERS, &tc3::sha256_hex(body.as_bytes()));
            let to_sign = tc3::string_to_sign(&timestamp_text, &date, SERVICE, &canonical);
            tc3::signature(black_box(&key), &to_sign)
        });
    });

    // (c) v1 HmacSHA256 of the same call sent as form parameters.
    let params: [(&str, &str); 13] = [
        ("Action", "DescribeUserInfo"),
        ("Version", "2019-07-22"),
        ("Region", "ap-guangzhou"),
        ("Nonce", "5249979066121302518"),
        ("Timestamp", "1590066000"),
        ("SecretId", DEFAULT_SECRET_ID),
        ("SignatureMethod", "HmacSHA256"),
        ("SdkAppId", "1400188366"),
        ("CommId", "1400188366_218695_1590065777"),
        ("StartTime", "1590065777"),
        ("EndTime", "1590065877"),
        ("UserIds.0", "user1_54816741"),
        ("UserIds.1", "user2_2107025"),
    ];
    group.bench_function("v1_hmac_sha256", |b| {
        b.iter(|| {
            let to_sign = v1::string_to_sign("POST", HOST, black_box(&params));
            v1::sign(v1::Method::HmacSha256, black_box(DEFAULT_SECRET_KEY), &to_sign)
        });
    });
    group.finish();
}

fn round_trips(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("tokio runtime");
    let with_fixture = router(true);
    let generated = router(false);
    let room_body = room_info_body();

    expect_answer(&runtime, &with_fixture, unsupported_put(), "UnsupportedProtocol", "baseline");
    expect_answer(
        &runtime,
        &with_fixture,
        signed_post("DescribeUserInfo", USER_INFO_BODY),
        "user2_2107025",
        "DescribeUserInfo",
    );
    expect_answer(&runtime, &generated, signed_post("DescribeRoomInfo", &room_body), "\"CommId\"", "DescribeRoomInfo");

    let mut group = c.benchmark_group("router");
    group.bench_function("baseline_put_unsupported_protocol", |b| {
        b.iter_batched(
            unsupported_put,
            |request| runtime.block_on(call(with_fixture.clone(), request)),
            BatchSize::SmallInput,
        );
    });
    group.bench_function("describe_user_info_fixture", |b| {
        b.iter_batched(
            || signed_post("DescribeUserInfo", USER_INFO_BODY),
            |request| runtime.block_on(call(with_fixture.clone(), request)),
            BatchSize::SmallInput,
        );
    });
    // Generated buckets are cached after the first call, so this is the warm path.
    group.sample_size(50);
    group.bench_function("describe_room_info_24h_generated", |b| {
        b.iter_batched(
            || signed_post("DescribeRoomInfo", &room_body),
            |request| runtime.block_on(call(generated.clone(), request)),
            BatchSize::SmallInput,
        );
    });
    group.finish();

    // The world alone, as the DescribeRoomInfo handler asks it: warm (rooms cached), and cold
    // (a fresh generator, so the page's rooms are built).
    let app =
        App::new(Config { start_time: Some(NOW), freeze: true, ..Config::default() }).expect("bench configuration");
    let now = u64::try_from(NOW).expect("positive");
    let mut group = c.benchmark_group("world");
    group.sample_size(50);
    group.bench_function("rooms_24h_generated", |b| {
        b.iter(|| app.world.rooms(black_box(1_400_000_001), black_box((now - 86_400, now)), now, None, 0, 10));
    });
    group.bench_function("rooms_24h_generated_cold", |b| {
        b.iter_batched(
            || trtc_mock::world::Generator::new(trtc_mock::config::DEFAULT_SEED, trtc_mock::world::Density::default()),
            |generator| {
                let (_, page) = generator.page(black_box(1_400_000_001), black_box(now - 86_400), now, now, 0, 10);
                page.iter().map(|s| generator.room(s)).collect::<Vec<_>>()
            },
            BatchSize::SmallInput,
        );
    });
    group.finish();
}

fn config() -> Criterion {
    Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3)).without_plots()
}

criterion_group! {
    name = benches;
    config = config();
    targets = signature, round_trips
}
criterion_main!(benches);
