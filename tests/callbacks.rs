//! TRTC callbacks over real sockets: a receiver on loopback gets the room, media and task
//! events of the world, signed with the app's key (checked here with an HMAC written from the
//! documentation), with TRTC's retries on the virtual clock; and UserSigs verified with every
//! official library's output.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use trtc_mock::Running;

use common::{GENERATED_NOW, advance, assert_code, call, client, config, control, inspect, start};

const APP: u64 = 1_400_000_001;
const KEY: &str = "EmuKey123";

/// What the receiver got: headers of interest and the raw body.
#[derive(Debug, Clone)]
struct Got {
    sign: Option<String>,
    sdk_app_id: Option<String>,
    content_type: Option<String>,
    body: String,
}

impl Got {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap()
    }
    fn event_type(&self) -> u64 {
        self.json()["EventType"].as_u64().unwrap()
    }
}

#[derive(Clone, Default)]
struct Receiver {
    got: Arc<Mutex<Vec<Got>>>,
    /// Status to answer, and a delay before answering.
    status: Arc<Mutex<(u16, u64)>>,
}

async fn receive(State(r): State<Receiver>, headers: HeaderMap, body: Bytes) -> (StatusCode, &'static str) {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    r.got.lock().unwrap().push(Got {
        sign: header("sign"),
        sdk_app_id: header("sdkappid"),
        content_type: header("content-type"),
        body: String::from_utf8(body.to_vec()).unwrap(),
    });
    let (status, delay) = *r.status.lock().unwrap();
    tokio::time::sleep(Duration::from_millis(delay)).await;
    (StatusCode::from_u16(status).unwrap(), "{\"code\":0}")
}

async fn receiver() -> (Receiver, String) {
    let r = Receiver { status: Arc::new(Mutex::new((200, 0))), ..Receiver::default() };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/trtc/callback", listener.local_addr().unwrap());
    let app = Router::new().route("/trtc/callback", axum::routing::post(receive)).with_state(r.clone());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (r, url)
}

fn sign(key: &str, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).unwrap();
    mac.update(body.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

async fn put(server: &Running, path: &str, body: Value) -> reqwest::Response {
    client().put(format!("{}/_mock/{path}", server.url())).json(&body).send().await.unwrap()
}

async fn configure(server: &Running, urls: Value, extra: Value) {
    let mut body = json!({"key": KEY, "urls": urls});
    body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    let response = put(server, &format!("apps/{APP}/callbacks"), body).await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
}

async fn deliver(server: &Running) -> Value {
    control(server, "callbacks/deliver", json!({})).await
}

fn types(r: &Receiver) -> Vec<u64> {
    r.got.lock().unwrap().iter().map(Got::event_type).collect()
}

async fn join(server: &Running, room: Value, user: &str, extra: Value) {
    let mut body = json!({"sdk_app_id": APP, "room_id": room, "user_id": user});
    body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    control(server, "rooms/join", body).await;
}

#[tokio::test]
async fn room_and_media_events_arrive_signed_in_the_documented_layout() {
    let server = start(config()).await;
    let (r, url) = receiver().await;
    configure(&server, json!({"room": url, "media": url}), json!({})).await;
    join(&server, json!(8489), "alice", json!({"role": "anchor", "audio": true, "video": true})).await;
    deliver(&server).await;
    assert_eq!(types(&r), vec![101, 103, 201, 203], "{:?}", r.got.lock().unwrap());
    for got in r.got.lock().unwrap().iter() {
        assert_eq!(got.sign.as_deref(), Some(sign(KEY, &got.body).as_str()), "{}", got.body);
        assert_eq!(got.sdk_app_id.as_deref(), Some(APP.to_string().as_str()));
        assert_eq!(got.content_type.as_deref(), Some("application/json"));
        // cJSON's layout, as the documented samples.
        assert!(got.body.starts_with("{\n\t\"EventGroupId\":\t"), "{}", got.body);
        let v = got.json();
        let info = &v["EventInfo"];
        assert_eq!(info["RoomId"], 8489, "a numeric room is a number");
        let ms = info["EventMsTs"].as_u64().unwrap();
        assert_eq!(info["EventTs"].as_u64().unwrap(), ms / 1000);
        assert_eq!(ms / 1000, GENERATED_NOW as u64);
        assert!(v["CallbackTs"].as_u64().unwrap() >= ms);
    }
    let enter = r.got.lock().unwrap()[1].json();
    assert_eq!(enter["EventGroupId"], 1);
    assert_eq!(enter["EventInfo"]["UserId"], "alice");
    assert_eq!(enter["EventInfo"]["Role"], 20);
    assert_eq!(enter["EventInfo"]["Reason"], 1);
    let keys: Vec<&str> =
        ["RoomId", "EventTs", "EventMsTs", "UserId", "Role", "TerminalType", "UserType", "Reason"].into();
    let body = r.got.lock().unwrap()[1].body.clone();
    let positions: Vec<usize> = keys.iter().map(|k| body.find(&format!("\"{k}\":")).unwrap()).collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "documented key order: {body}");

    // Nothing is sent twice.
    deliver(&server).await;
    assert_eq!(r.got.lock().unwrap().len(), 4);

    // A string room's id is a string; leaving gives 104 (and no 202/204), then the room ends.
    join(&server, json!("class-a"), "bob", json!({"role": "audience"})).await;
    advance(&server, 5).await;
    control(&server, "rooms/leave", json!({"sdk_app_id": APP, "room_id": 8489, "user_id": "alice"})).await;
    advance(&server, 2).await;
    deliver(&server).await;
    let got: Vec<Value> = r.got.lock().unwrap()[4..].iter().map(Got::json).collect();
    let summary: Vec<(u64, Value)> =
        got.iter().map(|g| (g["EventType"].as_u64().unwrap(), g["EventInfo"]["RoomId"].clone())).collect();
    assert_eq!(summary, vec![(101, json!("class-a")), (103, json!("class-a")), (104, json!(8489)), (102, json!(8489))]);
    assert_eq!(got[1]["EventInfo"]["Role"], 21);
    assert_eq!(got[2]["EventInfo"]["Reason"], 1);
    assert!(got[3]["EventInfo"].get("UserId").is_none(), "102 names no user");

    // The journal shows every delivery with its body and Sign.
    let journal = inspect(&server, &format!("callbacks?sdk_app_id={APP}")).await;
    let list = journal["deliveries"].as_array().unwrap();
    assert_eq!(list.len(), 8);
    assert!(list.iter().all(|d| d["status"] == "delivered" && d["attempts"].as_array().unwrap().len() == 1));
    assert_eq!(list[0]["sign"].as_str(), Some(sign(KEY, list[0]["body"].as_str().unwrap()).as_str()));
}

#[tokio::test]
async fn the_generated_history_is_called_back_only_when_asked() {
    let server = start(config()).await;
    let (r, url) = receiver().await;
    configure(&server, json!({"*": url}), json!({})).await;
    advance(&server, 3 * 3600).await;
    deliver(&server).await;
    assert!(r.got.lock().unwrap().is_empty(), "no run-time room, no callback");

    configure(&server, json!({"*": url}), json!({"history": true})).await;
    advance(&server, 3 * 3600).await;
    deliver(&server).await;
    let got = r.got.lock().unwrap().clone();
    assert!(got.iter().any(|g| g.event_type() == 103) && got.iter().any(|g| g.event_type() == 104), "{got:?}");
    let times: Vec<u64> = got.iter().map(|g| g.json()["EventInfo"]["EventMsTs"].as_u64().unwrap()).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "in order of time under a frozen clock");
}

#[tokio::test]
async fn failures_are_retried_at_once_then_every_ten_seconds_for_a_minute() {
    let server = start(config()).await;
    let (r, url) = receiver().await;
    *r.status.lock().unwrap() = (500, 0);
    configure(&server, json!({"room": url}), json!({})).await;
    join(&server, json!(7), "carol", json!({})).await;
    deliver(&server).await;
    let journal = inspect(&server, &format!("callbacks?sdk_app_id={APP}&event_type=103")).await;
    let d = &journal["deliveries"][0];
    assert_eq!(d["status"], "pending");
    assert_eq!(d["attempts"].as_array().unwrap().len(), 2, "the first failure is retried at once: {d}");
    assert_eq!(d["attempts"][0]["status"], 500);
    let next = d["next_at_ms"].as_u64().unwrap();
    assert_eq!(next, GENERATED_NOW as u64 * 1000 + 10_000);

    // Nothing more until the clock reaches the next try.
    advance(&server, 9).await;
    deliver(&server).await;
    let attempts = |j: &Value| j["deliveries"][0]["attempts"].as_array().unwrap().len();
    assert_eq!(attempts(&inspect(&server, &format!("callbacks?sdk_app_id={APP}&event_type=103")).await), 2);
    advance(&server, 1).await;
    deliver(&server).await;
    assert_eq!(attempts(&inspect(&server, &format!("callbacks?sdk_app_id={APP}&event_type=103")).await), 3);
    for _ in 0..5 {
        advance(&server, 10).await;
        deliver(&server).await;
    }
    let journal = inspect(&server, &format!("callbacks?sdk_app_id={APP}&event_type=103")).await;
    let d = &journal["deliveries"][0];
    assert_eq!(d["status"], "gave_up", "{d}");
    // At 0, at once, then at 10, 20 … 60 s: eight attempts.
    assert_eq!(attempts(&journal), 8, "{d}");
    assert_eq!(r.got.lock().unwrap().iter().filter(|g| g.event_type() == 103).count(), 8);

    // A replay sends the same bytes again.
    *r.status.lock().unwrap() = (200, 0);
    let id = d["id"].as_u64().unwrap();
    let replayed = control(&server, &format!("callbacks/{id}/replay"), json!({})).await;
    assert_eq!(replayed["attempts"].as_array().unwrap().last().unwrap()["status"], 200);
    let got = r.got.lock().unwrap().clone();
    assert_eq!(got.last().unwrap().body, got.iter().find(|g| g.event_type() == 103).unwrap().body);
}

#[tokio::test]
async fn a_slow_or_absent_receiver_fails_without_slowing_the_api() {
    let server = start(config()).await;
    let (r, url) = receiver().await;
    *r.status.lock().unwrap() = (200, 2000);
    configure(&server, json!({"room": url}), json!({"timeout_ms": 300})).await;
    join(&server, json!(9), "dave", json!({})).await;
    // The background loop is sending to the slow receiver; the API answers meanwhile.
    tokio::time::sleep(Duration::from_millis(150)).await;
    let started = std::time::Instant::now();
    call(
        &server,
        "DescribeScaleInfo",
        json!({"SdkAppId": APP, "StartTime": GENERATED_NOW - 86400, "EndTime": GENERATED_NOW}),
    )
    .await
    .ok();
    assert!(started.elapsed() < Duration::from_millis(250), "{:?}", started.elapsed());
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let journal = inspect(&server, &format!("callbacks?sdk_app_id={APP}&event_type=101")).await;
    let error = journal["deliveries"][0]["attempts"][0]["error"].as_str().unwrap_or_default().to_owned();
    assert!(error.contains("no answer within 300 ms"), "{journal}");

    // A receiver that is down: the connection is refused.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = format!("http://{}/cb", closed.local_addr().unwrap());
    drop(closed);
    configure(&server, json!({"room": dead}), json!({})).await;
    join(&server, json!(10), "erin", json!({})).await;
    deliver(&server).await;
    let journal = inspect(&server, &format!("callbacks?sdk_app_id={APP}&event_type=103")).await;
    let erin = journal["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["body"].as_str().unwrap().contains("erin"))
        .unwrap()
        .clone();
    assert!(erin["attempts"][0]["error"].as_str().unwrap().starts_with("connect"), "{erin}");
}

#[tokio::test]
async fn recording_relay_ingest_and_web_record_report_their_lifecycles() {
    let server = start(config()).await;
    let (r, url) = receiver().await;
    configure(&server, json!({"recording": url, "relay": url, "ingest": url, "web_record": url}), json!({})).await;
    join(&server, json!(77), "alice", json!({"role": "anchor", "audio": true, "video": true})).await;
    let task = call(&server, "CreateCloudRecording", json!({
        "SdkAppId": APP, "RoomId": "77", "RoomIdType": 1, "UserId": "rec", "UserSig": "sig",
        "RecordParams": {"RecordMode": 1},
        "StorageParams": {"CloudStorage": {"Vendor": 0, "Region": "ap-guangzhou", "Bucket": "b-125", "AccessKey": "ak", "SecretKey": "sk"}}
    })).await.ok()["TaskId"].as_str().unwrap().to_owned();
    let ingest = call(
        &server,
        "StartStreamIngest",
        json!({
            "SdkAppId": APP, "RoomId": "77", "RoomIdType": 1, "UserId": "ingest", "UserSig": "sig",
            "StreamUrl": "rtmp://live.example/app/stream"
        }),
    )
    .await
    .ok()["TaskId"]
        .as_str()
        .unwrap()
        .to_owned();
    let web = call(&server, "StartWebRecord", json!({
        "RecordUrl": "https://class.example/board", "SdkAppId": APP, "MaxDurationLimit": 1800,
        "StorageParams": {"CloudStorage": {"Vendor": 0, "Region": "ap-guangzhou", "Bucket": "b-125", "AccessKey": "ak", "SecretKey": "sk"}}
    })).await.ok()["TaskId"].as_str().unwrap().to_owned();
    deliver(&server).await;
    advance(&server, 30).await;
    call(&server, "DeleteCloudRecording", json!({"SdkAppId": APP, "TaskId": task})).await.ok();
    call(&server, "StopStreamIngest", json!({"SdkAppId": APP, "TaskId": ingest})).await.ok();
    advance(&server, 1800).await;
    deliver(&server).await;
    let got: Vec<Value> = r.got.lock().unwrap().iter().map(Got::json).collect();
    let of = |task: &str| -> Vec<u64> {
        got.iter().filter(|g| g["EventInfo"]["TaskId"] == task).map(|g| g["EventType"].as_u64().unwrap()).collect()
    };
    assert_eq!(of(&task), vec![301, 302]);
    assert_eq!(of(&ingest), vec![701, 702]);
    assert_eq!(of(&web), vec![801, 804, 802], "MaxDurationLimit reached");
    let stop = got.iter().find(|g| g["EventType"] == 302).unwrap();
    assert_eq!(stop["EventInfo"]["Payload"]["LeaveCode"], 0);
    assert_eq!(stop["EventInfo"]["UserId"], "rec");
    assert_eq!(stop["EventInfo"]["RoomId"], 77);
    let raw = r.got.lock().unwrap().iter().find(|g| g.body.contains("\"EventType\":701")).unwrap().clone();
    assert!(raw.body.starts_with("{\"EventGroupId\":7,\"EventType\":701,\"CallbackMsTs\":"), "{}", raw.body);
    assert!(raw.json()["EventInfo"].get("RoomId").is_none());
}

#[tokio::test]
async fn settings_are_checked_and_reset_goes_back_to_the_start_up_ones() {
    let server = start(config()).await;
    for (bad, why) in [
        (json!({"urls": {"room": "https://x.test/cb"}}), "plain http"),
        (json!({"urls": {"room": "ftp://x"}}), "http://"),
        (json!({"urls": {"rooms": "http://x"}}), "category"),
        (json!({"key": "bad key!", "urls": {}}), "letters and digits"),
    ] {
        let response = put(&server, &format!("apps/{APP}/callbacks"), bad).await;
        assert_eq!(response.status(), 400);
        assert!(response.text().await.unwrap().contains(why), "{why}");
    }
    configure(&server, json!({"*": "http://127.0.0.1:9/cb"}), json!({})).await;
    assert_eq!(
        inspect(&server, &format!("apps/{APP}/callbacks")).await["callbacks"]["urls"]["*"],
        "http://127.0.0.1:9/cb"
    );
    control(&server, "reset", json!({})).await;
    let response = client().get(format!("{}/_mock/apps/{APP}/callbacks", server.url())).send().await.unwrap();
    assert_eq!(response.status(), 404);
}

// ---- UserSig -----------------------------------------------------------------------------

fn recording(app: u64, user: &str, sig: &str) -> Value {
    json!({
        "SdkAppId": app, "RoomId": "5", "RoomIdType": 1, "UserId": user, "UserSig": sig,
        "RecordParams": {"RecordMode": 1},
        "StorageParams": {"CloudStorage": {"Vendor": 0, "Region": "ap-guangzhou", "Bucket": "b-125", "AccessKey": "ak", "SecretKey": "sk"}}
    })
}

#[tokio::test]
async fn usersigs_of_every_official_library_are_accepted_and_bad_ones_refused_with_the_reason() {
    let mut config = config();
    config.start_time = Some(1_700_000_000);
    let server = start(config).await;
    let vectors: Value = serde_json::from_str(include_str!("vectors/usersig-vectors.json")).unwrap();
    for v in vectors["vectors"].as_array().unwrap() {
        let (id, app, user, sig) = (
            v["id"].as_str().unwrap(),
            v["sdkappid"].as_u64().unwrap(),
            v["identifier"].as_str().unwrap(),
            v["usersig"].as_str().unwrap(),
        );
        if !user.is_ascii() {
            continue; // a robot UserId is ASCII; the pure verifier's tests cover V9
        }
        assert_eq!(put(&server, &format!("apps/{app}/usersig-key"), json!({"key": v["key"]})).await.status(), 200);
        let reply = call(&server, "CreateCloudRecording", recording(app, user, sig)).await;
        assert!(reply.code().is_none(), "{id}: {}", reply.raw);
        call(&server, "DeleteCloudRecording", json!({"SdkAppId": app, "TaskId": reply.ok()["TaskId"]})).await.ok();
    }

    // With the libraries' sample key on APP: minted by the control plane, then refused for
    // each documented reason.
    let key = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e";
    put(&server, &format!("apps/{APP}/usersig-key"), json!({"key": key})).await;
    let minted = control(&server, "usersig", json!({"sdk_app_id": APP, "user_id": "rec", "expire": 300})).await;
    let sig = minted["user_sig"].as_str().unwrap().to_owned();
    let ok = call(&server, "CreateCloudRecording", recording(APP, "rec", &sig)).await;
    assert!(ok.code().is_none(), "{}", ok.raw);
    call(&server, "DeleteCloudRecording", json!({"SdkAppId": APP, "TaskId": ok.ok()["TaskId"]})).await.ok();

    let cases = [
        (recording(APP, "other", &sig), "minted for UserId \"rec\""),
        (recording(APP, "rec", "not-a-sig"), "not a UserSig"),
    ];
    for (body, why) in cases {
        let reply = call(&server, "CreateCloudRecording", body).await;
        assert_code(&reply, "InvalidParameter.UserSig");
        assert_eq!(reply.message(), "UserSig is expired or wrong");
        let journal = inspect(&server, "requests?action=CreateCloudRecording&limit=1").await;
        let note = journal["entries"][0]["note"].as_str().unwrap_or_default().to_owned();
        assert!(note.contains(why), "{why}: {journal}");
    }
    // Another app's key, the same sig: minted for another SdkAppId.
    put(&server, "apps/1400000002/usersig-key", json!({"key": key})).await;
    let reply = call(&server, "CreateCloudRecording", recording(1_400_000_002, "rec", &sig)).await;
    assert_code(&reply, "InvalidParameter.UserSig");
    // A wrong key.
    put(&server, &format!("apps/{APP}/usersig-key"), json!({"key": "another"})).await;
    let reply = call(&server, "StartStreamIngest", json!({
        "SdkAppId": APP, "RoomId": "5", "RoomIdType": 1, "UserId": "rec", "UserSig": sig, "StreamUrl": "rtmp://live.example/a"
    })).await;
    assert_code(&reply, "InvalidParameter.UserSig");
    let journal = inspect(&server, "requests?action=StartStreamIngest&limit=1").await;
    assert!(journal["entries"][0]["note"].as_str().unwrap().contains("wrong key"), "{journal}");
    // Expired on the virtual clock: valid at time + expire, refused a second later.
    put(&server, &format!("apps/{APP}/usersig-key"), json!({"key": key})).await;
    advance(&server, 300).await;
    let reply = call(&server, "CreateCloudRecording", recording(APP, "rec", &sig)).await;
    assert!(reply.code().is_none(), "{}", reply.raw);
    call(&server, "DeleteCloudRecording", json!({"SdkAppId": APP, "TaskId": reply.ok()["TaskId"]})).await.ok();
    advance(&server, 1).await;
    let reply = call(&server, "CreateCloudRecording", recording(APP, "rec", &sig)).await;
    assert_code(&reply, "InvalidParameter.UserSig");
    let journal = inspect(&server, "requests?action=CreateCloudRecording&limit=1").await;
    assert!(journal["entries"][0]["note"].as_str().unwrap().contains("expired"), "{journal}");

    // Without a key nothing is checked.
    client().delete(format!("{}/_mock/apps/{APP}/usersig-key", server.url())).send().await.unwrap();
    let reply = call(&server, "CreateCloudRecording", recording(APP, "rec", "anything")).await;
    assert!(reply.code().is_none(), "{}", reply.raw);
}
