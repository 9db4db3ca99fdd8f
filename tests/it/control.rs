//! The control plane over a real socket: health, reset, run-time fixtures, the request journal,
//! fault injection and the clock, as a test suite would use them.

use crate::common;
use std::time::{Duration, Instant};

use crate::common::{GENERATED_NOW, Tc3, assert_code, client, config, start};
use serde_json::{Value, json};
use trtc_mock::config::RateLimitMode;
use trtc_mock::{Config, Running};

const APP: u64 = 1_400_000_001;
const NOW: u64 = GENERATED_NOW as u64;

async fn get(server: &Running, path: &str) -> (u16, Value) {
    let response = client().get(format!("{}/_mock{path}", server.url())).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

async fn post(server: &Running, path: &str, body: Value) -> (u16, Value) {
    let response = client().post(format!("{}/_mock{path}", server.url())).json(&body).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

async fn delete(server: &Running, path: &str) -> (u16, Value) {
    let response = client().delete(format!("{}/_mock{path}", server.url())).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

fn rooms_request(app: u64) -> Tc3 {
    Tc3::post("DescribeRoomInfo", json!({"SdkAppId": app, "StartTime": NOW - 3600, "EndTime": NOW}))
}

fn fixture(app: u64, room: u64, create: u64) -> Value {
    json!({"Apps": [{"SdkAppId": app, "Rooms": [{"RoomId": room, "CreateTime": create, "DestroyTime": create + 60,
            "Users": [{"UserId": "fixture_user", "JoinTs": create, "LeaveTs": create + 60}]}]}]})
}

#[tokio::test]
async fn health_reports_readiness_and_counts() {
    let server = start(Config { fixtures: vec!["fixtures/describe-user-info-example.json".into()], ..config() }).await;
    let (status, health) = get(&server, "/health").await;
    assert_eq!(status, 200);
    assert_eq!(health["ready"], true);
    assert_eq!(health["status"], "ready");
    assert_eq!(health["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(health["actions"], 89);
    assert_eq!(health["seed"], trtc_mock::config::DEFAULT_SEED);
    assert_eq!(health["clock"], json!({"now": GENERATED_NOW, "frozen": true}));
    assert_eq!(health["fixtures"]["rooms"], 1);
    assert_eq!(health["journal"]["entries"], 0);
}

#[tokio::test]
async fn fixtures_load_at_run_time_all_or_nothing() {
    let server = start(config()).await;
    let url = server.url();
    let before = rooms_request(42).send(&url).await;
    assert!(before.ok()["Total"].as_u64().unwrap() > 0, "generated history before any fixture");

    let (status, listed) = post(&server, "/fixtures", fixture(42, 7, NOW - 600)).await;
    assert_eq!(status, 201, "{listed}");
    assert_eq!(listed["apps"], json!([{"sdk_app_id": 42, "rooms": 1}]));
    let after = rooms_request(42).send(&url).await;
    assert_eq!(after.ok()["Total"], 1, "the fixture replaces the generated history");
    assert_eq!(after.ok()["RoomList"][0]["RoomString"], "7");

    // A document with one good and one bad room is refused whole, with the reason.
    let mut bad = fixture(43, 8, NOW - 600);
    bad["Apps"]
        .as_array_mut()
        .unwrap()
        .push(json!({"SdkAppId": 44, "Rooms": [{"RoomId": 9, "CreateTime": 100, "DestroyTime": 50}]}));
    let (status, refusal) = post(&server, "/fixtures", bad).await;
    assert_eq!(status, 422);
    let reason = refusal["error"].as_str().unwrap();
    assert!(
        reason.contains("Apps[1].Rooms[0]") && reason.contains("DestroyTime 50 is before CreateTime 100"),
        "{reason}"
    );
    let (_, listed) = get(&server, "/fixtures").await;
    assert_eq!(listed["apps"], json!([{"sdk_app_id": 42, "rooms": 1}]), "nothing of the refused document");

    let (status, dup) = post(&server, "/fixtures", fixture(42, 7, NOW - 600)).await;
    assert_eq!(status, 422);
    assert!(dup["error"].as_str().unwrap().contains("defined twice"));
    let (status, junk) = post(&server, "/fixtures", json!({"Rooms": []})).await;
    assert_eq!(status, 422, "{junk}");
}

#[tokio::test]
async fn the_journal_records_outcomes_and_explains_refused_signatures() {
    let server = start(Config { journal_size: 5, ..config() }).await;
    let url = server.url();
    rooms_request(APP).send(&url).await.ok();
    let mut bad = rooms_request(APP);
    bad.secret_key = "wrong".into();
    assert_code(&bad.send(&url).await, "AuthFailure.SignatureFailure");
    common::V1::new("GET", "DescribeRoomInfo", &[("SdkAppId", "1400000001"), ("StartTime", "1"), ("EndTime", "2")])
        .send(&url)
        .await;

    let (_, page) = get(&server, "/requests").await;
    let entries = page["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 3);
    let ok = &entries[0];
    assert_eq!(ok["action"], "DescribeRoomInfo");
    assert_eq!(ok["code"], "Success");
    assert_eq!(ok["sdk_app_id"], APP);
    assert_eq!(ok["secret_id"], common::ID);
    assert_eq!(ok["signature_method"], "TC3-HMAC-SHA256");
    assert_eq!(ok["virtual_time"], GENERATED_NOW);
    assert!(ok["duration_us"].as_u64().is_some() && ok["request_id"].as_str().unwrap().len() == 36);
    let refused = &entries[1];
    assert_eq!(refused["code"], "AuthFailure.SignatureFailure");
    let canonical = refused["signature"]["canonical_request"].as_str().unwrap();
    assert!(canonical.starts_with("POST\n/\n\ncontent-type:application/json\nhost:127.0.0.1:"), "{canonical}");
    let to_sign = refused["signature"]["string_to_sign"].as_str().unwrap();
    assert!(to_sign.starts_with("TC3-HMAC-SHA256\n"), "{to_sign}");
    assert_eq!(entries[2]["signature_method"], "HmacSHA256");
    assert!(entries[2]["signature"].is_null());

    let (_, only) = get(&server, "/requests?code=AuthFailure.SignatureFailure").await;
    assert_eq!(only["entries"].as_array().unwrap().len(), 1);
    let since = entries[1]["seq"].as_u64().unwrap();
    let (_, later) = get(&server, &format!("/requests?since={since}&action=DescribeRoomInfo")).await;
    assert_eq!(later["entries"].as_array().unwrap().len(), 1);
    let (status, _) = get(&server, "/requests?limit=many").await;
    assert_eq!(status, 400);

    // Bounded: the oldest are dropped and counted.
    for _ in 0..4 {
        rooms_request(APP).send(&url).await.ok();
    }
    let (_, page) = get(&server, "/requests").await;
    assert_eq!(page["entries"].as_array().unwrap().len(), 5);
    assert_eq!(page["dropped"], 2);
    assert_eq!(page["entries"][0]["seq"], 3);
    let (_, _) = delete(&server, "/requests").await;
    let (_, page) = get(&server, "/requests").await;
    assert_eq!((page["held"].as_u64(), page["dropped"].as_u64()), (Some(0), Some(0)));
}

#[tokio::test]
async fn faults_answer_codes_for_the_next_calls_then_stop() {
    let server = start(config()).await;
    let url = server.url();
    let (status, fault) = post(
        &server,
        "/faults",
        json!({"action": "DescribeRoomInfo", "error": {"code": "InternalError", "message": "injected"}, "count": 2}),
    )
    .await;
    assert_eq!(status, 201, "{fault}");
    let id = fault["id"].as_u64().unwrap();
    for _ in 0..2 {
        let reply = rooms_request(APP).send(&url).await;
        assert_code(&reply, "InternalError");
        assert_eq!(reply.message(), "injected");
    }
    rooms_request(APP).send(&url).await.ok();
    let (_, listed) = get(&server, "/faults").await;
    assert_eq!(listed["faults"], json!([]), "spent faults disappear");
    let (_, journal) = get(&server, "/requests?code=InternalError").await;
    assert_eq!(journal["entries"][0]["fault"], id);

    // Faults stand for the backend: a bad signature is still refused first.
    post(&server, "/faults", json!({"error": {"code": "FailedOperation.RoomNotExist"}})).await;
    let mut bad = rooms_request(APP);
    bad.secret_key = "nope".into();
    assert_code(&bad.send(&url).await, "AuthFailure.SignatureFailure");
    let reply = rooms_request(APP).send(&url).await;
    assert_code(&reply, "FailedOperation.RoomNotExist");
    assert_eq!(reply.message(), "The room does not exist.", "the TRTC error table's message by default");
    let (_, cleared) = delete(&server, "/faults").await;
    assert_eq!(cleared["faults"], json!([]));

    // Scoped to an SdkAppId.
    post(&server, "/faults", json!({"sdk_app_id": 7, "error": {"code": "ResourceNotFound"}})).await;
    rooms_request(APP).send(&url).await.ok();
    assert_code(&rooms_request(7).send(&url).await, "ResourceNotFound");

    for bad in [
        json!({"action": "Nope", "latency_ms": 1}),
        json!({"action": "DescribeRoomInfo"}),
        json!({"latency_ms": 1, "probability": 2.0}),
        json!({"oops": 1}),
    ] {
        let (status, body) = post(&server, "/faults", bad).await;
        assert_eq!(status, 400, "{body}");
    }
    let (status, _) = delete(&server, "/faults/999").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn faults_add_latency_and_drop_connections() {
    let server = start(config()).await;
    let url = server.url();
    post(&server, "/faults", json!({"latency_ms": 300, "count": 1})).await;
    let started = Instant::now();
    rooms_request(APP).send(&url).await.ok();
    assert!(started.elapsed() >= Duration::from_millis(300));

    post(&server, "/faults", json!({"action": "DescribeRoomInfo", "drop_connection": true, "count": 1})).await;
    let dropped = rooms_request(APP).send_raw(&url).await;
    assert!(dropped.is_err(), "the connection is closed without an answer: {dropped:?}");
    let (_, journal) = get(&server, "/requests?code=ConnectionDropped").await;
    assert_eq!(journal["entries"].as_array().unwrap().len(), 1);
    rooms_request(APP).send(&url).await.ok();
}

#[tokio::test]
async fn probabilistic_faults_replay_under_their_seed() {
    let mut runs = Vec::new();
    for _ in 0..2 {
        let server = start(config()).await;
        post(&server, "/faults", json!({"error": {"code": "InternalError"}, "probability": 0.5, "seed": 11})).await;
        let mut outcome = Vec::new();
        for _ in 0..24 {
            outcome.push(rooms_request(APP).send(&server.url()).await.code().is_some());
        }
        runs.push(outcome);
    }
    assert_eq!(runs[0], runs[1]);
    let failures = runs[0].iter().filter(|f| **f).count();
    assert!((4..20).contains(&failures), "{failures} of 24");
}

#[tokio::test]
async fn clock_reads_sets_advances_and_drives_the_world() {
    let server = start(config()).await;
    let url = server.url();
    let (_, clock) = get(&server, "/clock").await;
    assert_eq!(clock, json!({"now": GENERATED_NOW, "frozen": true}));

    // A room open now is finished once the clock has moved past its end.
    let listed = rooms_request(APP).send(&url).await;
    let open: Vec<Value> =
        listed.ok()["RoomList"].as_array().unwrap().iter().filter(|r| r["IsFinished"] == false).cloned().collect();
    let room = open.first().expect("a room is open at now").clone();
    assert_eq!(room["DestroyTime"], GENERATED_NOW);
    let comm_id = room["CommId"].as_str().unwrap();
    let create = room["CreateTime"].as_u64().unwrap();
    let users = |end: u64| {
        Tc3::post(
            "DescribeUserInfo",
            json!({"SdkAppId": APP, "CommId": comm_id, "StartTime": create, "EndTime": end, "PageNumber": 0, "PageSize": 100}),
        )
    };
    let present = users(NOW).send(&url).await;
    assert!(
        present.ok()["UserList"]
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u["Finished"] == false && u["LeaveTs"] == GENERATED_NOW)
    );

    let (status, clock) = post(&server, "/clock", json!({"advance": 4 * 3600})).await;
    assert_eq!(status, 200);
    assert_eq!(clock, json!({"now": GENERATED_NOW + 4 * 3600, "frozen": true}));
    let later = NOW + 4 * 3600;
    let after = Tc3::post(
        "DescribeRoomInfo",
        json!({"SdkAppId": APP, "StartTime": create, "EndTime": create + 60, "RoomId": room["RoomString"]}),
    )
    .send(&url)
    .await;
    let same =
        after.ok()["RoomList"].as_array().unwrap().iter().find(|r| r["CommId"] == room["CommId"]).unwrap().clone();
    assert_eq!(same["IsFinished"], true);
    let destroyed = same["DestroyTime"].as_u64().unwrap();
    assert!(destroyed > NOW && destroyed < later, "it ended in the skipped interval: {destroyed}");
    let gone = users(create + 4 * 3600).send(&url).await;
    assert!(
        gone.ok()["UserList"]
            .as_array()
            .unwrap()
            .iter()
            .all(|u| u["Finished"] == true && u["LeaveTs"].as_u64().unwrap() <= destroyed)
    );

    // The look-back follows the clock too.
    assert_code(
        &Tc3::post(
            "DescribeRoomInfo",
            json!({"SdkAppId": APP, "StartTime": NOW - 14 * 86_400, "EndTime": NOW - 14 * 86_400 + 60}),
        )
        .send(&url)
        .await,
        "InvalidParameter.StartTimeOversize",
    );

    let (_, clock) = post(&server, "/clock", json!({"set": 1_600_000_000, "freeze": false})).await;
    assert_eq!(clock["frozen"], false);
    assert!(clock["now"].as_i64().unwrap() >= 1_600_000_000);
    let (status, _) = post(&server, "/clock", json!({"advance": -5})).await;
    assert_eq!(status, 400);
    let (status, _) = post(&server, "/clock", json!({"rewind": 5})).await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn reset_restores_the_start_up_state_everywhere_or_for_one_app() {
    let mut cfg = config();
    cfg.rate_limit = RateLimitMode::PerSecond(1);
    cfg.fixtures = vec!["fixtures/describe-user-info-example.json".into()];
    let server = start(cfg).await;
    let url = server.url();
    post(&server, "/fixtures", fixture(42, 7, NOW - 600)).await;
    post(&server, "/fixtures", fixture(43, 8, NOW - 600)).await;
    post(&server, "/faults", json!({"sdk_app_id": 42, "latency_ms": 1})).await;
    post(&server, "/faults", json!({"sdk_app_id": 43, "latency_ms": 1})).await;
    post(&server, "/clock", json!({"advance": 60})).await;
    rooms_request(42).send(&url).await.ok();
    assert_code(&rooms_request(42).send(&url).await, "RequestLimitExceeded");

    // Scoped: app 42 back to its start-up state (no fixture: generated), app 43 untouched.
    let (status, body) = post(&server, "/reset", json!({"sdk_app_id": 42})).await;
    assert_eq!((status, body), (200, json!({"reset": {"sdk_app_id": 42}})));
    let (_, listed) = get(&server, "/fixtures").await;
    assert_eq!(listed["apps"], json!([{"sdk_app_id": 43, "rooms": 1}, {"sdk_app_id": 1400188366, "rooms": 1}]));
    let (_, faults) = get(&server, "/faults").await;
    assert_eq!(faults["faults"].as_array().unwrap().len(), 1);
    assert_eq!(faults["faults"][0]["sdk_app_id"], 43);
    let (_, journal) = get(&server, "/requests?sdk_app_id=42").await;
    assert_eq!(journal["entries"], json!([]));
    rooms_request(42).send(&url).await.ok(); // its rate-limit window was forgotten
    let (_, clock) = get(&server, "/clock").await;
    assert_eq!(clock["now"], GENERATED_NOW + 60, "the clock is shared: a scoped reset leaves it");

    let (status, body) = post(&server, "/reset", json!({})).await;
    assert_eq!(status, 200);
    assert_eq!(body["clock"], json!({"now": GENERATED_NOW, "frozen": true}));
    let (_, listed) = get(&server, "/fixtures").await;
    assert_eq!(listed["apps"], json!([{"sdk_app_id": 1400188366, "rooms": 1}]));
    let (_, health) = get(&server, "/health").await;
    assert_eq!((health["faults"].as_u64(), health["journal"]["entries"].as_u64()), (Some(0), Some(0)));
    let empty = client().post(format!("{url}/_mock/reset")).send().await.unwrap();
    assert_eq!(empty.status(), 200, "no body means everything");
}

#[tokio::test]
async fn the_control_plane_can_be_protected_or_disabled_and_is_never_an_action() {
    let server = start(Config { control_token: Some("s3cret".into()), ..config() }).await;
    let url = server.url();
    let (status, _) = get(&server, "/health").await;
    assert_eq!(status, 200, "health needs no token");
    let (status, body) = get(&server, "/requests").await;
    assert_eq!(status, 401, "{body}");
    let authorized = client().get(format!("{url}/_mock/requests")).bearer_auth("s3cret").send().await.unwrap();
    assert_eq!(authorized.status(), 200);
    let wrong = client().get(format!("{url}/_mock/requests")).bearer_auth("guess").send().await.unwrap();
    assert_eq!(wrong.status(), 401);

    let off = start(Config { control_plane: false, ..config() }).await;
    let (status, _) = get(&off, "/health").await;
    assert_eq!(status, 200);
    for path in ["/reset", "/faults", "/clock"] {
        let (status, body) = post(&off, path, json!({})).await;
        assert_eq!(status, 404, "{path}: {body}");
    }

    // A signed API request aimed under /_mock/ never reaches the gateway.
    let response = client()
        .post(format!("{url}/_mock/"))
        .header("X-TC-Action", "DescribeRoomInfo")
        .header("Content-Type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    assert!(response.json::<Value>().await.unwrap().get("Response").is_none());
}

#[test]
fn embedding_in_a_synchronous_test() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime.block_on(Running::start(config())).unwrap();
    assert_eq!(server.credentials(), (common::ID, common::KEY));
    let health = trtc_mock::control::probe::check(server.addr(), None, Duration::from_secs(2)).unwrap();
    assert!(health.contains("\"ready\":true"));
    let addr = server.addr();
    drop(server);
    // Dropping the handle stops the server.
    let deadline = Instant::now() + Duration::from_secs(5);
    while std::net::TcpStream::connect(addr).is_ok() {
        assert!(Instant::now() < deadline, "the server stops when dropped");
        std::thread::sleep(Duration::from_millis(20));
    }
}
