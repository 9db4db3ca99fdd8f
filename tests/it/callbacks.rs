//! TRTC callbacks over real sockets: a receiver on loopback gets the room, media and task
//! events of the world, signed with the app's key (checked here with an HMAC written from the
//! documentation), with TRTC's retries on the virtual clock; and UserSigs verified with every
//! official library's output.

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

use crate::common::{GENERATED_NOW, Tc3, advance, assert_code, call, client, config, control, inspect, start};

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

/// The TaskId of a task `action` started.
async fn start_task(server: &Running, action: &str, body: Value) -> String {
    call(server, action, body).await.ok()["TaskId"].as_str().unwrap().to_owned()
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
    let task = start_task(&server, "CreateCloudRecording", json!({
        "SdkAppId": APP, "RoomId": "77", "RoomIdType": 1, "UserId": "rec", "UserSig": "sig",
        "RecordParams": {"RecordMode": 1},
        "StorageParams": {"CloudStorage": {"Vendor": 0, "Region": "ap-guangzhou", "Bucket": "b-125", "AccessKey": "ak", "SecretKey": "sk"}}
    })).await;
    let ingest = start_task(
        &server,
        "StartStreamIngest",
        json!({
            "SdkAppId": APP, "RoomId": "77", "RoomIdType": 1, "UserId": "ingest", "UserSig": "sig",
            "StreamUrl": "rtmp://live.example/app/stream"
        }),
    )
    .await;
    let web = start_task(&server, "StartWebRecord", json!({
        "RecordUrl": "https://class.example/board", "SdkAppId": APP, "MaxDurationLimit": 1800,
        "StorageParams": {"CloudStorage": {"Vendor": 0, "Region": "ap-guangzhou", "Bucket": "b-125", "AccessKey": "ak", "SecretKey": "sk"}}
    })).await;
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
    // alice's audio and video and the ingest robot's: four index files, each announced by its
    // first slice (307) and its m3u8 (304) after the upload began (303); 305 after the stop.
    assert_eq!(of(&task), vec![301, 303, 307, 307, 307, 307, 304, 304, 304, 304, 302, 305]);
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

/// The reader of the world skips what cannot have changed (a task read to its end, a world
/// with no change at the same second): nothing it skips may be an event. A change at a frozen
/// second is still read, and after a reset the same TaskId, started again, is called back again.
#[tokio::test]
async fn what_the_reader_skips_is_never_an_event() {
    let server = start(config()).await;
    let (r, url) = receiver().await;
    configure(&server, json!({"*": url}), json!({})).await;
    join(&server, json!(78), "alice", json!({"role": "anchor", "audio": true, "video": false})).await;
    let recording = json!({
        "SdkAppId": APP, "RoomId": "78", "RoomIdType": 1, "UserId": "rec", "UserSig": "sig",
        "RecordParams": {"RecordMode": 1},
        "StorageParams": {"CloudStorage": {"Vendor": 0, "Region": "ap-guangzhou", "Bucket": "b-125", "AccessKey": "ak", "SecretKey": "sk"}}
    });
    let task = start_task(&server, "CreateCloudRecording", recording.clone()).await;
    advance(&server, 30).await;
    call(&server, "DeleteCloudRecording", json!({"SdkAppId": APP, "TaskId": task})).await.ok();
    advance(&server, 10).await;
    deliver(&server).await;
    let of_task = |r: &Receiver, task: &str| -> usize {
        r.got.lock().unwrap().iter().filter(|g| g.json()["EventInfo"]["TaskId"] == task).count()
    };
    let first = of_task(&r, &task);
    assert!(first >= 4, "301, 303, 307, 304, 302, 305…: {:?}", types(&r));
    // Read to its end: more time and more readings add nothing, and repeat nothing.
    for _ in 0..3 {
        advance(&server, 5).await;
        deliver(&server).await;
    }
    assert_eq!(of_task(&r, &task), first);

    // The clock is frozen: a join at the same second is a change, and is read.
    deliver(&server).await;
    let before = r.got.lock().unwrap().len();
    join(&server, json!(78), "bob", json!({"role": "anchor", "audio": true, "video": false})).await;
    deliver(&server).await;
    let got: Vec<Value> = r.got.lock().unwrap()[before..].iter().map(Got::json).collect();
    assert!(
        got.iter().any(|g| g["EventType"] == 103 && g["EventInfo"]["UserId"] == "bob"),
        "bob's 103 at the frozen second: {got:?}"
    );

    // After a reset the app starts over: its TaskIds too, and each is called back again.
    control(&server, "reset", json!({"sdk_app_id": APP})).await;
    configure(&server, json!({"*": url}), json!({})).await;
    join(&server, json!(78), "alice", json!({"role": "anchor", "audio": true, "video": false})).await;
    let again = start_task(&server, "CreateCloudRecording", recording).await;
    assert_eq!(again, task, "TaskIds are numbered per app from the seed");
    advance(&server, 30).await;
    call(&server, "DeleteCloudRecording", json!({"SdkAppId": APP, "TaskId": again})).await.ok();
    advance(&server, 10).await;
    deliver(&server).await;
    assert_eq!(of_task(&r, &task), 2 * first, "{:?}", types(&r));
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
    let vectors: Value = serde_json::from_str(include_str!("../vectors/usersig-vectors.json")).unwrap();
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

// ---- Role switches and what tasks made --------------------------------------------------------

async fn role(server: &Running, room: Value, user: &str, role: &str, extra: Value) -> Value {
    let mut body = json!({"sdk_app_id": APP, "room_id": room, "user_id": user, "role": role});
    body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    control(server, "rooms/role", body).await
}

#[tokio::test]
async fn a_role_switch_is_105_with_the_new_role_and_stops_or_starts_what_the_user_sends() {
    let server = start(config()).await;
    let (r, url) = receiver().await;
    configure(&server, json!({"room": url, "media": url}), json!({})).await;
    join(&server, json!(31), "alice", json!({"role": "anchor", "audio": true, "video": true})).await;
    join(&server, json!(31), "bob", json!({"role": "anchor", "audio": true, "video": false})).await;
    advance(&server, 10).await;
    let room = role(&server, json!(31), "alice", "audience", json!({})).await;
    let alice = room["room"]["users"].as_array().unwrap().iter().find(|u| u["user_id"] == "alice").unwrap().clone();
    assert_eq!((alice["role"].as_str(), alice["publishing"].as_array().unwrap().len()), (Some("audience"), 0));
    // An audience user publishes nothing.
    let refused = client()
        .post(format!("{}/_mock/rooms/publish", server.url()))
        .json(&json!({"sdk_app_id": APP, "room_id": 31, "user_id": "alice", "audio": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 409);
    advance(&server, 10).await;
    // Switching to the role one has is nothing.
    role(&server, json!(31), "alice", "audience", json!({})).await;
    role(&server, json!(31), "alice", "anchor", json!({"video": false})).await;
    advance(&server, 10).await;
    control(&server, "rooms/leave", json!({"sdk_app_id": APP, "room_id": 31, "user_id": "alice"})).await;
    // Someone not in the room cannot switch.
    let missing = client()
        .post(format!("{}/_mock/rooms/role", server.url()))
        .json(&json!({"sdk_app_id": APP, "room_id": 31, "user_id": "carol", "role": "anchor"}))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    deliver(&server).await;
    let got: Vec<Value> = r.got.lock().unwrap().iter().map(Got::json).collect();
    let alice: Vec<(u64, Value)> = got
        .iter()
        .filter(|g| g["EventInfo"]["UserId"] == "alice" && g["EventType"] != 101)
        .map(|g| (g["EventType"].as_u64().unwrap(), g["EventInfo"]["Role"].clone()))
        .collect();
    let kinds: Vec<u64> = alice.iter().map(|(k, _)| *k).collect();
    // Entered sending audio and video; to audience (video and audio stop); back to anchor with
    // audio only; left (104 implies the stop of what was sent).
    let mut first = kinds[..3].to_vec();
    first.sort();
    assert_eq!(first, vec![103, 201, 203], "{alice:?}");
    let mut switched = kinds[3..6].to_vec();
    switched.sort();
    assert_eq!(switched, vec![105, 202, 204], "{alice:?}");
    let mut back = kinds[6..8].to_vec();
    back.sort();
    assert_eq!(back, vec![105, 203], "{alice:?}");
    assert_eq!(kinds[8..], [104], "{alice:?}");
    let roles: Vec<&Value> = alice.iter().filter(|(k, _)| *k == 105).map(|(_, role)| role).collect();
    assert_eq!(roles, vec![&json!(21), &json!(20)]);
    assert_eq!(alice.last().unwrap().1, json!(20), "104 carries the role at exit");
    for g in r.got.lock().unwrap().iter().filter(|g| g.event_type() == 105) {
        assert_eq!(g.sign.as_deref(), Some(sign(KEY, &g.body).as_str()));
        // In the documented order.
        let at: Vec<usize> = ["\"RoomId\"", "\"EventTs\"", "\"EventMsTs\"", "\"UserId\"", "\"Role\""]
            .iter()
            .map(|k| g.body.find(k).unwrap())
            .collect();
        assert!(at.windows(2).all(|w| w[0] < w[1]), "{}", g.body);
        assert_eq!(g.json()["EventInfo"].as_object().unwrap().len(), 5);
    }
}

fn cos() -> Value {
    json!({"CloudStorage": {"Vendor": 0, "Region": "ap-guangzhou", "Bucket": "b-125", "AccessKey": "ak", "SecretKey": "sk"}})
}

#[tokio::test]
async fn recordings_announce_their_files_in_cos_and_commit_them_to_vod() {
    let server = start(config()).await;
    let (r, url) = receiver().await;
    configure(&server, json!({"recording": url}), json!({})).await;
    join(&server, json!(41), "alice", json!({"role": "anchor", "audio": true, "video": true})).await;
    let start = |body: Value| {
        let server = &server;
        async move { call(server, "CreateCloudRecording", body).await.ok()["TaskId"].as_str().unwrap().to_owned() }
    };
    let in_cos = start(json!({
        "SdkAppId": APP, "RoomId": "41", "RoomIdType": 1, "UserId": "rec_cos", "UserSig": "sig",
        "RecordParams": {"RecordMode": 1, "OutputFormat": 1, "MaxMediaFileDuration": 1}, "StorageParams": cos()
    }))
    .await;
    let in_vod = start(json!({
        "SdkAppId": APP, "RoomId": "41", "RoomIdType": 1, "UserId": "rec_vod", "UserSig": "sig",
        "RecordParams": {"RecordMode": 2, "MaxMediaFileDuration": 1},
        "StorageParams": {"CloudVod": {"TencentVod": {"MediaType": 0}}}
    }))
    .await;
    advance(&server, 90).await;
    let listed = call(&server, "DescribeCloudRecording", json!({"SdkAppId": APP, "TaskId": in_cos})).await.ok().clone();
    for task in [&in_cos, &in_vod] {
        call(&server, "DeleteCloudRecording", json!({"SdkAppId": APP, "TaskId": task})).await.ok();
    }
    advance(&server, 5).await;
    deliver(&server).await;
    let got: Vec<Value> = r.got.lock().unwrap().iter().map(Got::json).collect();
    let of = |task: &str| -> Vec<&Value> { got.iter().filter(|g| g["EventInfo"]["TaskId"] == task).collect() };

    // COS: every index file DescribeCloudRecording lists is announced with the same name and
    // first-slice time; after the stop, the mp4 files (cut every minute) and the upload's end.
    let cos_events = of(&in_cos);
    let kinds: Vec<u64> = cos_events.iter().map(|g| g["EventType"].as_u64().unwrap()).collect();
    assert_eq!(kinds, vec![301, 303, 307, 307, 304, 304, 302, 310, 305]);
    let listed: Vec<(String, u64)> = listed["StorageFileList"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["FileName"].as_str().unwrap().to_owned(), f["BeginTimeStamp"].as_u64().unwrap()))
        .collect();
    let mut sliced: Vec<(String, u64)> = cos_events
        .iter()
        .filter(|g| g["EventType"] == 307)
        .map(|g| {
            let p = &g["EventInfo"]["Payload"];
            assert_eq!(p["UserId"], "alice");
            (p["FileName"].as_str().unwrap().to_owned(), p["BeginTimeStamp"].as_u64().unwrap())
        })
        .collect();
    sliced.sort();
    let mut listed_sorted = listed.clone();
    listed_sorted.sort();
    assert_eq!(sliced, listed_sorted);
    let mp4 = &cos_events.iter().find(|g| g["EventType"] == 310).unwrap()["EventInfo"]["Payload"];
    assert_eq!(mp4["Status"], 0);
    let messages = mp4["FileMessage"].as_array().unwrap();
    assert_eq!(mp4["FileList"].as_array().unwrap().len(), messages.len());
    assert_eq!(messages.len(), 4, "two tracks of 90 s, cut every 60 s: {mp4}");
    for m in messages {
        let (from, to) = (m["StartTimeStamp"].as_u64().unwrap(), m["EndTimeStamp"].as_u64().unwrap());
        assert!(from < to && to - from <= 60_000, "{m}");
        assert!(m["FileName"].as_str().unwrap().ends_with(".mp4"));
        assert_eq!((m["UserId"].as_str(), m["MediaId"].as_str()), (Some("alice"), Some("main")));
    }
    let total: u64 =
        messages.iter().map(|m| m["EndTimeStamp"].as_u64().unwrap() - m["StartTimeStamp"].as_u64().unwrap()).sum();
    assert_eq!(total, 2 * 90_000, "the files cover the recorded time");

    // VOD: nothing uploaded as it goes; each complete file committed (311), then the end (312).
    let vod_events = of(&in_vod);
    let kinds: Vec<u64> = vod_events.iter().map(|g| g["EventType"].as_u64().unwrap()).collect();
    assert_eq!(kinds, vec![301, 302, 311, 311, 312]);
    let mut ids = Vec::new();
    for g in vod_events.iter().filter(|g| g["EventType"] == 311) {
        let vod = &g["EventInfo"]["Payload"]["TencentVod"];
        assert_eq!(g["EventInfo"]["Payload"]["Status"], 0);
        let id = vod["FileId"].as_str().unwrap();
        assert!(id.len() >= 15 && id.bytes().all(|b| b.is_ascii_digit()), "{vod}");
        assert!(vod["VideoUrl"].as_str().unwrap().ends_with(vod["CacheFile"].as_str().unwrap()));
        assert_eq!((vod["UserId"].as_str(), vod["TrackType"].as_str()), (Some(""), Some("audio_video")));
        ids.push(id.to_owned());
    }
    ids.dedup();
    assert_eq!(ids.len(), 2);
    // The control plane shows the same committed files.
    let tasks = inspect(&server, &format!("tasks?sdk_app_id={APP}")).await;
    let shown = tasks["tasks"].as_array().unwrap().iter().find(|t| t["task_id"] == in_vod.as_str()).unwrap().clone();
    let shown: Vec<String> =
        shown["files"].as_array().unwrap().iter().map(|f| f["file_id"].as_str().unwrap().to_owned()).collect();
    assert_eq!(shown, ids);
}

#[tokio::test]
async fn a_relay_reports_each_url_as_updates_add_and_remove_them() {
    let server = start(config()).await;
    let (r, url) = receiver().await;
    configure(&server, json!({"relay": url}), json!({})).await;
    join(&server, json!(51), "alice", json!({"role": "anchor", "audio": true, "video": true})).await;
    let (one, two) = ("rtmp://push.example.com/live/one", "rtmp://push.example.com/live/two");
    let task = start_task(
        &server,
        "StartPublishCdnStream",
        json!({
            "SdkAppId": APP, "RoomId": "51", "RoomIdType": 0, "AgentParams": {"UserId": "relay", "UserSig": "s"},
            "WithTranscoding": 1, "AudioParams": {"AudioEncode": {"SampleRate": 48000, "Channel": 2, "BitRate": 64}},
            "PublishCdnParams": [{"PublishCdnUrl": one, "IsTencentCdn": 1}]
        }),
    )
    .await;
    advance(&server, 10).await;
    call(
        &server,
        "UpdatePublishCdnStream",
        json!({
            "SdkAppId": APP, "TaskId": task, "SequenceNumber": 1, "WithTranscoding": 1,
            "PublishCdnParams": [{"PublishCdnUrl": two, "IsTencentCdn": 1}]
        }),
    )
    .await
    .ok();
    advance(&server, 10).await;
    call(&server, "StopPublishCdnStream", json!({"SdkAppId": APP, "TaskId": task})).await.ok();
    advance(&server, 2).await;
    deliver(&server).await;
    let got: Vec<Value> = r.got.lock().unwrap().iter().map(Got::json).filter(|g| g["EventType"] == 401).collect();
    let of = |url: &str| -> Vec<u64> {
        got.iter()
            .filter(|g| g["EventInfo"]["Payload"]["Url"] == url)
            .map(|g| g["EventInfo"]["Payload"]["Status"].as_u64().unwrap())
            .collect()
    };
    assert_eq!(of(one), vec![1, 2, 5, 0], "started, then removed by the update");
    assert_eq!(of(two), vec![1, 2, 5, 0], "added by the update, then stopped");
    let at = |url: &str, status: u64| {
        got.iter()
            .find(|g| g["EventInfo"]["Payload"]["Url"] == url && g["EventInfo"]["Payload"]["Status"] == status)
            .unwrap()["EventInfo"]["EventMsTs"]
            .as_u64()
            .unwrap()
    };
    assert_eq!(at(one, 5) / 1000, at(two, 1) / 1000, "the update swaps the URLs at one moment");
    assert!(got.iter().all(|g| g["EventInfo"]["TaskId"] == task.as_str() && g["EventInfo"]["UserId"] == "relay"));
}

#[tokio::test]
async fn an_ai_conversation_reports_its_rounds_as_query_ai_message_list_tells_them() {
    let server = start(config()).await;
    let (r, url) = receiver().await;
    configure(&server, json!({"ai": url}), json!({})).await;
    join(&server, json!(61), "u", json!({"role": "anchor", "audio": true, "video": false})).await;
    let task = start_task(&server, "StartAIConversation", json!({
        "SdkAppId": APP, "RoomId": "61", "AgentConfig": {"UserId": "bot", "UserSig": "s", "TargetUserId": "u", "WelcomeMessage": "Hello there"},
        "LLMConfig": r#"{"LLMType":"openai","Model":"m","APIKey":"k","APIUrl":"https://llm.example/v1"}"#,
        "TTSConfig": r#"{"TTSType":"flow","VoiceId":"v"}"#
    })).await;
    advance(&server, 10).await;
    call(
        &server,
        "ControlAIConversation",
        json!({
            "TaskId": task, "Command": "InvokeLLM", "InvokeLLM": {"Content": "What is TRTC?"}
        }),
    )
    .await
    .ok();
    advance(&server, 30).await;
    let messages = call(&server, "QueryAIMessageList", json!({"SdkAppId": APP, "TaskId": task})).await.ok().clone();
    call(&server, "StopAIConversation", json!({"TaskId": task})).await.ok();
    advance(&server, 2).await;
    deliver(&server).await;
    let got: Vec<Value> = r.got.lock().unwrap().iter().map(Got::json).collect();
    let kinds: Vec<u64> = got.iter().map(|g| g["EventType"].as_u64().unwrap()).collect();
    assert_eq!(kinds, vec![901, 909, 905, 904, 903, 903, 906, 906, 905, 902], "{got:?}");
    let texts: Vec<&str> = got
        .iter()
        .filter(|g| g["EventType"] == 903)
        .map(|g| g["EventInfo"]["Payload"]["Text"].as_str().unwrap())
        .collect();
    let listed: Vec<&str> =
        messages["MessageList"].as_array().unwrap().iter().map(|m| m["Content"].as_str().unwrap()).collect();
    assert_eq!(listed[0], "Hello there");
    assert_eq!(texts, listed[1..], "the user's turn and the LLM's answer, as listed");
    let payload = |kind: u64, n: usize| {
        got.iter().filter(|g| g["EventType"] == kind).nth(n).unwrap()["EventInfo"]["Payload"].clone()
    };
    assert_eq!(payload(903, 0)["UserId"], "u");
    assert_eq!(payload(903, 1)["UserId"], "bot");
    let round = payload(904, 0)["RoundId"].clone();
    assert!(round.as_str().is_some_and(|r| !r.is_empty()));
    assert_eq!(payload(903, 1)["RoundId"], round);
    assert_eq!(payload(906, 0)["Tag"]["RoundId"], round);
    assert_eq!(payload(906, 0)["Metric"], "llm_first_token");
    assert_eq!(payload(905, 1)["Text"], listed[2]);
    assert_eq!(payload(905, 0)["Text"], "Hello there");
    let info = &got[0]["EventInfo"];
    assert_eq!((info["RoomId"].as_str(), info["RoomIdType"].as_i64()), (Some("61"), Some(0)));
}

#[tokio::test]
async fn slicing_announces_its_files_and_moderation_its_work() {
    let server = start(config()).await;
    let (r, url) = receiver().await;
    configure(&server, json!({"slice": url, "moderation": url}), json!({})).await;
    join(&server, json!(71), "alice", json!({"role": "anchor", "audio": true, "video": true})).await;
    let storage = json!({"Vendor": 0, "Region": "r", "Bucket": "b", "AccessKey": "a", "SecretKey": "k"});
    let slice = start_task(
        &server,
        "CreateCloudSliceTask",
        json!({
            "SdkAppId": APP, "RoomId": "71", "UserId": "slicer", "UserSig": "s",
            "SliceParams": {"SliceType": 3, "SliceAudio": 15, "SliceVideo": 5},
            "SliceStorageParams": {"CloudSliceStorage": storage}
        }),
    )
    .await;
    // Moderation is served in Shanghai and Singapore.
    let mut create = Tc3::post(
        "CreateCloudModeration",
        json!({
            "SdkAppId": APP, "RoomId": "71", "UserId": "moderator", "UserSig": "s", "ModerationParams": {"ModerationType": 3},
            "ModerationStorageParams": {"CloudModerationStorage": storage}
        }),
    );
    create.region = Some("ap-shanghai".to_owned());
    let moderation = create.send(&server.url()).await.ok()["TaskId"].as_str().unwrap().to_owned();
    advance(&server, 30).await;
    let tasks = inspect(&server, &format!("tasks?sdk_app_id={APP}")).await;
    call(&server, "DeleteCloudSliceTask", json!({"SdkAppId": APP, "TaskId": slice})).await.ok();
    let mut delete = Tc3::post("DeleteCloudModeration", json!({"SdkAppId": APP, "TaskId": moderation}));
    delete.region = Some("ap-shanghai".to_owned());
    delete.send(&server.url()).await.ok();
    advance(&server, 3).await;
    deliver(&server).await;
    let got: Vec<Value> = r.got.lock().unwrap().iter().map(Got::json).collect();
    let of = |task: &str| -> Vec<&Value> { got.iter().filter(|g| g["EventInfo"]["TaskId"] == task).collect() };
    let sliced = of(&slice);
    let kinds: Vec<u64> = sliced.iter().map(|g| g["EventType"].as_u64().unwrap()).filter(|k| *k != 1004).collect();
    assert_eq!(kinds, vec![1001, 1003, 1002, 1005]);
    let mut announced: Vec<String> = sliced
        .iter()
        .filter(|g| g["EventType"] == 1004)
        .map(|g| {
            assert_eq!(g["EventInfo"]["Payload"]["StreamUserId"], "alice");
            g["EventInfo"]["Payload"]["FileName"].as_str().unwrap().to_owned()
        })
        .collect();
    announced.sort();
    let shown = tasks["tasks"].as_array().unwrap().iter().find(|t| t["task_id"] == slice.as_str()).unwrap().clone();
    let mut files: Vec<String> =
        shown["files"].as_array().unwrap().iter().map(|f| f["path"].as_str().unwrap().to_owned()).collect();
    files.sort();
    assert_eq!(announced, files, "every file the control plane shows, announced once");
    assert!(announced.iter().any(|f| f.contains("/audios/")) && announced.iter().any(|f| f.contains("/images/")));
    let kinds: Vec<u64> = of(&moderation).iter().map(|g| g["EventType"].as_u64().unwrap()).collect();
    assert_eq!(kinds, vec![1101, 1103, 1102, 1105]);
}

#[tokio::test]
async fn private_map_keys_are_checked_against_the_room_user_and_privileges() {
    let mut config = config();
    config.start_time = Some(1_700_000_000);
    let server = start(config).await;
    let key = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e";
    put(&server, &format!("apps/{APP}/usersig-key"), json!({"key": key})).await;
    let mint = |user: &str, room: Value, privileges: u32| {
        let server = &server;
        let body =
            json!({"sdk_app_id": APP, "user_id": user, "expire": 600, "room_id": room, "privileges": privileges});
        async move {
            let minted = control(server, "usersig", body).await;
            (minted["user_sig"].as_str().unwrap().to_owned(), minted["private_map_key"].as_str().unwrap().to_owned())
        }
    };
    let with_key = |sig: &str, pmk: &str| {
        let mut body = recording(APP, "rec", sig);
        body["PrivateMapKey"] = json!(pmk);
        body
    };
    let (sig, good) = mint("rec", json!(5), 255).await;
    let reply = call(&server, "CreateCloudRecording", with_key(&sig, &good)).await;
    assert!(reply.code().is_none(), "{}", reply.raw);
    call(&server, "DeleteCloudRecording", json!({"SdkAppId": APP, "TaskId": reply.ok()["TaskId"]})).await.ok();

    let (_, other_room) = mint("rec", json!(6), 255).await;
    let (_, string_room) = mint("rec", json!("5"), 255).await;
    let (_, send_only) = mint("rec", json!(5), 2 | 4 | 16).await;
    let (_, other_user) = mint("someone", json!(5), 255).await;
    for (pmk, why) in [
        (other_room.as_str(), "for room \"6\""),
        (string_room.as_str(), "for room \"5\""),
        (send_only.as_str(), "none of the bits"),
        (other_user.as_str(), "minted for UserId \"someone\""),
        (sig.as_str(), "not a PrivateMapKey"),
    ] {
        let reply = call(&server, "CreateCloudRecording", with_key(&sig, pmk)).await;
        assert_code(&reply, "InvalidParameter");
        let journal = inspect(&server, "requests?action=CreateCloudRecording&limit=1").await;
        let note = journal["entries"][0]["note"].as_str().unwrap_or_default().to_owned();
        assert!(note.starts_with("PrivateMapKey: ") && note.contains(why), "{why}: {note}");
    }
    // A robot that brings a stream in needs to send; the same send-only key lets ingest in.
    let reply = call(
        &server,
        "StartStreamIngest",
        json!({
            "SdkAppId": APP, "RoomId": "5", "RoomIdType": 1, "UserId": "rec", "UserSig": sig,
            "StreamUrl": "rtmp://live.example/a", "PrivateMapKey": send_only
        }),
    )
    .await;
    assert!(reply.code().is_none(), "{}", reply.raw);
    // The official Node library's PrivateMapKeys (numeric and string rooms), with its UserSig.
    let vectors: Value = serde_json::from_str(include_str!("../vectors/usersig-vectors.json")).unwrap();
    let vector = |id: &str| vectors["vectors"].as_array().unwrap().iter().find(|v| v["id"] == id).unwrap().clone();
    let app = vector("V6")["sdkappid"].as_u64().unwrap();
    put(&server, &format!("apps/{app}/usersig-key"), json!({"key": vector("V6")["key"]})).await;
    for (id, room, room_type) in [("V6", "10000", 1), ("V7", "1000000040", 0)] {
        let mut body = recording(app, "xiaojun", vector("V1")["usersig"].as_str().unwrap());
        body["RoomId"] = json!(room);
        body["RoomIdType"] = json!(room_type);
        body["PrivateMapKey"] = vector(id)["usersig"].clone();
        let reply = call(&server, "CreateCloudRecording", body).await;
        assert!(reply.code().is_none(), "{id}: {}", reply.raw);
    }
    // Expired on the virtual clock.
    advance(&server, 601).await;
    let (sig, _) = mint("rec", json!(5), 255).await;
    let reply = call(&server, "CreateCloudRecording", with_key(&sig, &good)).await;
    assert_code(&reply, "InvalidParameter");
}
