//! Relay to CDN (Start/Update/StopPublishCdnStream) and legacy MCU mixing
//! (Start/StopMCUMixTranscode and their ByStrRoomId twins) over a real socket, on the virtual
//! clock: lifecycles (idle, working, idle exit, stop, dismissal, removal of the robot), updates
//! and their sequence numbers, racing stops and starts, the concurrency limit, what the tasks
//! bill their room for, and every code the handlers answer.

use crate::common;
use crate::common::{GENERATED_NOW, Tc3, advance, assert_code, call, client, config, control, room_users, start};
use serde_json::{Value, json};
use trtc_mock::{Config, Running};

const APP: u64 = 1_400_000_001;
const NOW: u64 = GENERATED_NOW as u64;

async fn join(server: &Running, room: Value, user: &str, audio: bool) {
    let body = json!({"sdk_app_id": APP, "room_id": room, "user_id": user, "audio": audio, "video": false});
    control(server, "rooms/join", body).await;
}

async fn publish(server: &Running, room: Value, user: &str, audio: bool, video: bool) {
    let body = json!({"sdk_app_id": APP, "room_id": room, "user_id": user, "audio": audio, "video": video});
    control(server, "rooms/publish", body).await;
}

/// The task as `/_mock/tasks` shows it.
async fn shown(server: &Running, task: &str) -> Value {
    let escaped: String = task.bytes().map(|b| format!("%{b:02X}")).collect();
    let url = format!("{}/_mock/tasks?sdk_app_id={APP}&task_id={escaped}", server.url());
    let tasks: Value = client().get(url).send().await.unwrap().json().await.unwrap();
    tasks["tasks"][0].clone()
}

async fn family(server: &Running, family: &str) -> Vec<Value> {
    let url = format!("{}/_mock/tasks?sdk_app_id={APP}&family={family}", server.url());
    let tasks: Value = client().get(url).send().await.unwrap().json().await.unwrap();
    tasks["tasks"].as_array().unwrap().clone()
}

async fn users_of(server: &Running, room: Value) -> Vec<Value> {
    room_users(server, APP, &room).await
}

/// A valid mixing relay of numeric room `room` to a Tencent CDN, with `extra` merged in.
fn relay(room: &str, extra: Value) -> Value {
    let mut body = json!({
        "SdkAppId": APP, "RoomId": room, "RoomIdType": 0,
        "AgentParams": {"UserId": "relay_robot", "UserSig": "sig", "MaxIdleTime": 30},
        "WithTranscoding": 1,
        "AudioParams": {"AudioEncode": {"SampleRate": 48000, "Channel": 2, "BitRate": 64}},
        "PublishCdnParams": [{"PublishCdnUrl": "rtmp://push.example.com/live/a", "IsTencentCdn": 1}]
    });
    body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    body
}

async fn start_relay(server: &Running, body: Value) -> String {
    let reply = call(server, "StartPublishCdnStream", body).await;
    reply.ok()["TaskId"].as_str().unwrap().to_owned()
}

fn update(task: &str, sequence: u64, extra: Value) -> Value {
    let mut body = json!({"SdkAppId": APP, "TaskId": task, "SequenceNumber": sequence, "WithTranscoding": 1});
    body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    body
}

#[tokio::test]
async fn a_relay_idles_until_a_stream_works_while_one_is_published_and_exits_max_idle_time_after() {
    let server = start(config()).await;
    join(&server, json!(3001), "host", false).await;
    let task = start_relay(&server, relay("3001", json!({}))).await;
    assert!(task.starts_with('-') && task.ends_with('.'), "{task}");
    let robot = users_of(&server, json!(3001)).await.into_iter().find(|u| u["user_id"] == "relay_robot").unwrap();
    assert_eq!((robot["role"].as_str(), robot["task_id"].as_str()), (Some("audience"), Some(task.as_str())));
    assert_eq!(shown(&server, &task).await["state"], "idle", "an anchor in the room, publishing nothing");

    // An anchor who publishes nothing does not keep a relay: it has no data to push.
    advance(&server, 20).await;
    publish(&server, json!(3001), "host", true, false).await;
    assert_eq!(shown(&server, &task).await["state"], "working");
    advance(&server, 100).await;
    publish(&server, json!(3001), "host", false, false).await;
    advance(&server, 29).await;
    assert_eq!(shown(&server, &task).await["state"], "idle");
    assert!(call(&server, "UpdatePublishCdnStream", update(&task, 1, json!({}))).await.code().is_none());
    advance(&server, 1).await;
    let ended = shown(&server, &task).await;
    assert_eq!(ended["state"], "exiting");
    assert_eq!(ended["ended"], json!({"at": NOW + 150, "reason": "idle_timeout"}));
    assert_eq!(
        ended["history"],
        json!([
            {"at": NOW, "state": "idle"},
            {"at": NOW + 20, "state": "working"},
            {"at": NOW + 120, "state": "idle"},
            {"at": NOW + 150, "state": "exiting"},
        ])
    );
    // The TaskId still answers for 30 days: an update says the task has finished, a stop that
    // there is nothing to stop.
    advance(&server, 86_400).await;
    assert_code(
        &call(&server, "UpdatePublishCdnStream", update(&task, 2, json!({}))).await,
        "FailedOperation.TaskFinished",
    );
    assert_code(
        &call(&server, "StopPublishCdnStream", json!({"SdkAppId": APP, "TaskId": task})).await,
        "ResourceNotFound",
    );
    advance(&server, 30 * 86_400).await;
    assert_code(&call(&server, "UpdatePublishCdnStream", update(&task, 3, json!({}))).await, "ResourceNotFound");
    // The robot left when the task ended.
    assert!(users_of(&server, json!(3001)).await.iter().all(|u| u["user_id"] != "relay_robot"));
}

#[tokio::test]
async fn updates_need_a_growing_sequence_number_and_change_only_what_they_name() {
    let server = start(config()).await;
    join(&server, json!("pk-room"), "host", false).await;
    join(&server, json!("pk-room"), "guest", false).await;
    let body = relay(
        "pk-room",
        json!({"RoomIdType": 1, "AudioParams": {
            "AudioEncode": {"SampleRate": 48000, "Channel": 2, "BitRate": 64},
            "SubscribeAudioList": [{"UserInfo": {"UserId": "host"}}]
        }}),
    );
    let task = start_relay(&server, body).await;
    // Only the host's audio is mixed: the guest's does not make the task work.
    publish(&server, json!("pk-room"), "guest", true, false).await;
    assert_eq!(shown(&server, &task).await["state"], "idle");

    let urls = json!({"PublishCdnParams": [
        {"PublishCdnUrl": "rtmp://push.example.com/live/b", "IsTencentCdn": 1},
        {"PublishCdnUrl": "rtmp://push.example.com/live/c", "IsTencentCdn": 1}
    ]});
    advance(&server, 5).await;
    assert!(call(&server, "UpdatePublishCdnStream", update(&task, 5, urls.clone())).await.code().is_none());
    for stale in [5, 4, 0] {
        assert_code(
            &call(&server, "UpdatePublishCdnStream", update(&task, stale, json!({}))).await,
            "FailedOperation.RequestOutdated",
        );
    }
    // An empty allow list mixes everyone: now the guest's audio counts.
    let everyone = json!({"AudioParams": {"SubscribeAudioList": []}});
    advance(&server, 5).await;
    assert!(call(&server, "UpdatePublishCdnStream", update(&task, 6, everyone)).await.code().is_none());
    let now = shown(&server, &task).await;
    assert_eq!(now["state"], "working");
    assert_eq!(now["updates"], 2);
    assert_eq!(now["params"]["PublishCdnParams"], urls["PublishCdnParams"], "a list given replaces the list");
    assert_eq!(now["params"]["AudioParams"]["AudioEncode"]["BitRate"], 64, "blocks left out stay");
    assert!(now["params"]["AgentParams"].get("UserSig").is_none(), "signatures are not kept");

    // What an update cannot change; a refused update does not spend its sequence number.
    let refusals = [
        update(&task, 7, json!({"WithTranscoding": 0})),
        update(
            &task,
            7,
            json!({"VideoParams": {"VideoEncode": {"Width": 640, "Height": 360, "Fps": 15, "BitRate": 800, "Gop": 2}}}),
        ),
        update(&task, 7, json!({"AudioParams": {"AudioEncode": {"SampleRate": 44100, "Channel": 2, "BitRate": 64}}})),
        update(&task, 7, json!({"PublishCdnParams": []})),
        update(&task, 7, json!({"PublishCdnParams": [{"PublishCdnUrl": "https://push.example.com/live/a"}]})),
    ];
    let codes = ["InvalidParameter", "InvalidParameter", "InvalidParameter", "MissingParameter", "InvalidParameter"];
    for (body, code) in refusals.into_iter().zip(codes) {
        assert_code(&call(&server, "UpdatePublishCdnStream", body).await, code);
    }
    assert!(call(&server, "UpdatePublishCdnStream", update(&task, 7, json!({}))).await.code().is_none());
    assert_code(&call(&server, "UpdatePublishCdnStream", update("-nope.", 8, json!({}))).await, "ResourceNotFound");
    assert_code(
        &call(
            &server,
            "UpdatePublishCdnStream",
            json!({"SdkAppId": APP, "TaskId": "", "SequenceNumber": 1, "WithTranscoding": 1}),
        )
        .await,
        "MissingParameter",
    );
}

#[tokio::test]
async fn racing_stops_and_updates_get_one_answer_each() {
    let server = start(config()).await;
    join(&server, json!(3002), "host", true).await;
    let task = start_relay(&server, relay("3002", json!({}))).await;
    let url = server.url();
    // Six updates with one sequence number: one is accepted, the others are outdated.
    let handles: Vec<_> = (0..6)
        .map(|_| {
            let (url, body) = (url.clone(), update(&task, 9, json!({})));
            tokio::spawn(async move { Tc3::post("UpdatePublishCdnStream", body).send(&url).await })
        })
        .collect();
    let mut codes = Vec::new();
    for h in handles {
        codes.push(h.await.unwrap().code().map(str::to_owned));
    }
    assert_eq!(codes.iter().filter(|c| c.is_none()).count(), 1, "{codes:?}");
    assert!(codes.iter().flatten().all(|c| c == "FailedOperation.RequestOutdated"), "{codes:?}");

    let body = json!({"SdkAppId": APP, "TaskId": task});
    let handles: Vec<_> = (0..6)
        .map(|_| {
            let (url, body) = (url.clone(), body.clone());
            tokio::spawn(async move { Tc3::post("StopPublishCdnStream", body).send(&url).await })
        })
        .collect();
    let mut codes = Vec::new();
    for h in handles {
        let reply = h.await.unwrap();
        if reply.code().is_none() {
            assert_eq!(reply.ok()["TaskId"], task.as_str());
        }
        codes.push(reply.code().map(str::to_owned));
    }
    assert_eq!(codes.iter().filter(|c| c.is_none()).count(), 1, "{codes:?}");
    assert!(codes.iter().flatten().all(|c| c == "ResourceNotFound"), "{codes:?}");
    assert_eq!(shown(&server, &task).await["ended"], json!({"at": NOW, "reason": "stopped"}));
    assert_code(
        &call(&server, "UpdatePublishCdnStream", update(&task, 10, json!({}))).await,
        "FailedOperation.TaskFinished",
    );
}

#[tokio::test]
async fn a_dismissal_or_the_robot_s_removal_ends_a_relay() {
    let server = start(config()).await;
    join(&server, json!(3003), "host", true).await;
    let first = start_relay(&server, relay("3003", json!({}))).await;
    let second = start_relay(&server, relay("3003", json!({"AgentParams": {"UserId": "relay_2"}}))).await;
    advance(&server, 10).await;
    assert!(
        call(&server, "RemoveUser", json!({"SdkAppId": APP, "RoomId": 3003, "UserIds": ["relay_2"]}))
            .await
            .code()
            .is_none()
    );
    assert_eq!(shown(&server, &second).await["ended"], json!({"at": NOW + 10, "reason": "robot_removed"}));
    assert_eq!(shown(&server, &first).await["state"], "working");
    advance(&server, 10).await;
    assert!(call(&server, "DismissRoom", json!({"SdkAppId": APP, "RoomId": 3003})).await.code().is_none());
    assert_eq!(shown(&server, &first).await["ended"], json!({"at": NOW + 20, "reason": "room_dismissed"}));
    assert_code(
        &call(&server, "StopPublishCdnStream", json!({"SdkAppId": APP, "TaskId": first})).await,
        "ResourceNotFound",
    );
}

#[tokio::test]
async fn relays_bill_mixing_at_their_output_and_third_party_cdns_for_bandwidth() {
    let server = start(config()).await;
    join(&server, json!(3004), "host", true).await;
    let video = json!({"VideoEncode": {"Width": 1280, "Height": 720, "Fps": 15, "BitRate": 1500, "Gop": 2}});
    let mixed = start_relay(
        &server,
        relay(
            "3004",
            json!({"VideoParams": video, "PublishCdnParams": [
                {"PublishCdnUrl": "rtmp://a.example.com/live/1", "IsTencentCdn": 0},
                {"PublishCdnUrl": "rtmp://b.example.com/live/1", "IsTencentCdn": 0},
                {"PublishCdnUrl": "rtmp://push.example.com/live/1", "IsTencentCdn": 1}
            ]}),
        ),
    )
    .await;
    assert_eq!(
        shown(&server, &mixed).await["services"],
        json!([
            {"service": "mixing", "width": 1280, "height": 720, "codec": "h264"},
            {"service": "relay", "kbps": (64 + 1500) * 2},
        ])
    );
    // One user's stream relayed as it is, to Tencent's CDN: nothing transcoded, nothing billed.
    let single = start_relay(
        &server,
        relay(
            "3004",
            json!({"WithTranscoding": 0, "AgentParams": {"UserId": "relay_single"},
                "SingleSubscribeParams": {"UserMediaStream": {"UserInfo": {"UserId": "host"}, "StreamType": 0}}}),
        ),
    )
    .await;
    let shown_single = shown(&server, &single).await;
    assert_eq!(shown_single["services"], json!([]));
    assert_eq!(shown_single["state"], "working", "the host's audio is relayed");
}

#[tokio::test]
async fn the_concurrency_limit_is_configurable() {
    let mut cfg = config();
    cfg.task_limits = trtc_mock::world::tasks::Limits::parse("publish_cdn=2").unwrap();
    let server = start(cfg).await;
    let first = start_relay(&server, relay("3005", json!({"AgentParams": {"UserId": "r1"}}))).await;
    start_relay(&server, relay("3005", json!({"AgentParams": {"UserId": "r2"}}))).await;
    let third = relay("3006", json!({"AgentParams": {"UserId": "r3"}}));
    assert_code(&call(&server, "StartPublishCdnStream", third.clone()).await, "FailedOperation.RestrictedConcurrency");
    call(&server, "StopPublishCdnStream", json!({"SdkAppId": APP, "TaskId": first})).await.ok();
    start_relay(&server, third).await;
    // A relay of an empty room made it; with nothing published it idles out like the others.
    advance(&server, 30).await;
    assert_eq!(family(&server, "publish_cdn").await.iter().filter(|t| t["ended"].is_null()).count(), 0);
}

#[tokio::test]
async fn start_codes() {
    let restricted = Config {
        accounts: vec![trtc_mock::Account {
            sdk_app_ids: Some(vec![APP]),
            ..trtc_mock::Account::new(common::ID, common::KEY)
        }],
        ..config()
    };
    let server = start(restricted).await;
    let audio = |encode: Value| json!({"AudioParams": {"AudioEncode": encode}});
    let video = |encode: Value| json!({"VideoParams": {"VideoEncode": encode}});
    let single = json!({"UserMediaStream": {"UserInfo": {"UserId": "host"}}});
    let urls = |n: usize| json!({"PublishCdnParams": (0..n).map(|i| json!({"PublishCdnUrl": format!("rtmp://x.example.com/live/{i}")})).collect::<Vec<_>>()});
    let feedback = json!({"RoomId": "9", "RoomIdType": 0, "UserId": "fb", "UserSig": "s"});
    let cases = [
        (json!({"SdkAppId": 0}), "MissingParameter"),
        (json!({"SdkAppId": 1_400_000_002u64}), "InvalidParameter.SdkAppId"),
        (json!({"RoomId": ""}), "MissingParameter"),
        (json!({"RoomId": "abc"}), "InvalidParameter"),
        (json!({"RoomId": "0"}), "InvalidParameter"),
        (json!({"RoomId": "4294967296"}), "InvalidParameter"),
        (json!({"RoomId": "a/b", "RoomIdType": 1}), "InvalidParameter"),
        (json!({"RoomIdType": 2}), "InvalidParameter"),
        (json!({"AgentParams": {"UserId": ""}}), "MissingParameter"),
        (json!({"AgentParams": {"UserId": "r", "MaxIdleTime": 4}}), "InvalidParameter"),
        (json!({"AgentParams": {"UserId": "r", "MaxIdleTime": 86_401}}), "InvalidParameter"),
        (json!({"WithTranscoding": 2}), "InvalidParameter"),
        (json!({"AudioParams": {}}), "MissingParameter"),
        (audio(json!({"SampleRate": 22050, "Channel": 2, "BitRate": 64})), "InvalidParameter"),
        (audio(json!({"SampleRate": 48000, "Channel": 3, "BitRate": 64})), "InvalidParameter"),
        (audio(json!({"SampleRate": 48000, "Channel": 2, "BitRate": 501})), "InvalidParameter"),
        (audio(json!({"SampleRate": 48000, "Channel": 1, "BitRate": 64, "Codec": 2})), "InvalidParameter"),
        (audio(json!({"SampleRate": 8000, "Channel": 2, "BitRate": 64, "Codec": 1})), "InvalidParameter"),
        (
            json!({"AudioParams": {"AudioEncode": {"SampleRate": 48000, "Channel": 2, "BitRate": 64},
                "SubscribeAudioList": [{"UserInfo": {"UserId": "a"}, "SoundLevel": 101}]}}),
            "InvalidParameter",
        ),
        (video(json!({"Width": 1921, "Height": 720, "Fps": 15, "BitRate": 1000, "Gop": 2})), "InvalidParameter"),
        (video(json!({"Width": 1280, "Height": 720, "Fps": 61, "BitRate": 1000, "Gop": 2})), "InvalidParameter"),
        (video(json!({"Width": 1280, "Height": 720, "Fps": 15, "BitRate": 10_001, "Gop": 2})), "InvalidParameter"),
        (video(json!({"Width": 1280, "Height": 720, "Fps": 15, "BitRate": 1000, "Gop": 6})), "InvalidParameter"),
        (json!({"VideoParams": {}}), "MissingParameter"),
        (
            json!({"VideoParams": {"VideoEncode": {"Width": 640, "Height": 360, "Fps": 15, "BitRate": 800, "Gop": 2},
            "LayoutParams": {"MixLayoutMode": 4}}}),
            "MissingParameter",
        ),
        (
            json!({"VideoParams": {"VideoEncode": {"Width": 640, "Height": 360, "Fps": 15, "BitRate": 800, "Gop": 2},
            "LayoutParams": {"MixLayoutMode": 4, "MixLayoutList": [{"LocationX": 600, "ImageWidth": 41}]}}}),
            "InvalidParameter",
        ),
        (
            json!({"VideoParams": {"VideoEncode": {"Width": 640, "Height": 360, "Fps": 15, "BitRate": 800, "Gop": 2},
            "LayoutParams": {"MixLayoutMode": 4, "MixLayoutList": [{"LocationX": u64::MAX, "ImageWidth": 2}]}}}),
            "InvalidParameter",
        ),
        (
            json!({"VideoParams": {"VideoEncode": {"Width": 640, "Height": 360, "Fps": 15, "BitRate": 800, "Gop": 2},
            "LayoutParams": {"MixLayoutMode": 5}}}),
            "InvalidParameter",
        ),
        (
            json!({"VideoParams": {"VideoEncode": {"Width": 640, "Height": 360, "Fps": 15, "BitRate": 800, "Gop": 2},
            "BackGroundColor": "red"}}),
            "InvalidParameter",
        ),
        (json!({"SingleSubscribeParams": single.clone()}), "InvalidParameter"),
        (json!({"WithTranscoding": 0}), "MissingParameter"),
        (
            json!({"WithTranscoding": 0, "SingleSubscribeParams": {"UserMediaStream": {"UserInfo": {"UserId": ""}}}}),
            "MissingParameter",
        ),
        (
            json!({"WithTranscoding": 0, "SingleSubscribeParams": {"UserMediaStream": {"UserInfo": {"UserId": "h"}, "StreamType": 2}}}),
            "InvalidParameter",
        ),
        (json!({"PublishCdnParams": []}), "MissingParameter"),
        (urls(11), "InvalidParameter"),
        (json!({"PublishCdnParams": [{"PublishCdnUrl": "http://x.example.com/live/1"}]}), "InvalidParameter"),
        (
            json!({"PublishCdnParams": [{"PublishCdnUrl": "rtmp://x.example.com/live/1", "IsTencentCdn": 2}]}),
            "InvalidParameter",
        ),
        (json!({"PublishCdnParams": [], "FeedBackRoomParams": vec![feedback.clone(); 11]}), "InvalidParameter"),
        (
            json!({"PublishCdnParams": [], "FeedBackRoomParams": [{"RoomId": "9", "RoomIdType": 0, "UserId": "fb", "UserSig": ""}]}),
            "MissingParameter",
        ),
        (
            json!({"PublishCdnParams": [], "FeedBackRoomParams": [{"RoomId": "x", "RoomIdType": 0, "UserId": "fb", "UserSig": "s"}]}),
            "InvalidParameter",
        ),
        (json!({"SeiParams": {"LayoutVolume": {"PayloadType": 244}}}), "InvalidParameter"),
        (
            json!({"SeiParams": {"PassThrough": {"PayloadContent": "x", "PayloadType": 5, "PayloadUuid": "zz"}}}),
            "InvalidParameter",
        ),
        (json!({"RecordParams": {"UniRecord": 4}}), "InvalidParameter"),
        (json!({"RecordParams": {"UniRecord": 3, "RecordFormat": ["mp4", "aac"]}}), "InvalidParameter"),
        (json!({"RecordParams": {"UniRecord": 3, "RecordFormat": ["flv"]}}), "InvalidParameter"),
        (json!({"RecordParams": {"UniRecord": 3, "RecordKey": "a b"}}), "InvalidParameter"),
        (json!({"RecordParams": {"UniRecord": 3, "RecordWaitTime": 4}}), "InvalidParameter"),
    ];
    for (extra, code) in cases {
        let reply = call(&server, "StartPublishCdnStream", relay("7", extra.clone())).await;
        assert_eq!(reply.code(), Some(code), "{extra}: {}", reply.raw);
    }
    // Pushing back into rooms alone is enough (their robots are not sent), as is the string
    // room namespace with RoomIdType 1.
    let ok = relay("room-7", json!({"RoomIdType": 1, "PublishCdnParams": [], "FeedBackRoomParams": [feedback]}));
    assert!(call(&server, "StartPublishCdnStream", ok).await.code().is_none());
    for (body, code) in [
        (json!({"SdkAppId": 0, "TaskId": "x"}), "MissingParameter"),
        (json!({"SdkAppId": 1_400_000_002u64, "TaskId": "x"}), "AuthFailure.UnauthorizedOperation"),
        (json!({"SdkAppId": APP, "TaskId": ""}), "MissingParameter"),
        (json!({"SdkAppId": APP, "TaskId": "x"}), "ResourceNotFound"),
    ] {
        assert_code(&call(&server, "StopPublishCdnStream", body).await, code);
    }
}

// ---- legacy MCU mixing ------------------------------------------------------------------------

fn mix(room: Value, extra: Value) -> Value {
    let mut body = json!({
        "SdkAppId": APP, "OutputParams": {"StreamId": "mix_stream"},
        "EncodeParams": {"AudioSampleRate": 48000, "AudioBitrate": 64, "AudioChannels": 2, "VideoWidth": 640,
            "VideoHeight": 360, "VideoBitrate": 800, "VideoFramerate": 15, "VideoGop": 2},
        "LayoutParams": {"Template": 0}
    });
    if room.is_string() {
        body["StrRoomId"] = room;
    } else {
        body["RoomId"] = room;
    }
    body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    body
}

#[tokio::test]
async fn a_mixing_session_is_keyed_by_its_room() {
    let server = start(config()).await;
    assert_code(
        &call(&server, "StartMCUMixTranscode", mix(json!(8001), json!({}))).await,
        "FailedOperation.RoomNotExist",
    );
    assert_code(
        &call(&server, "StopMCUMixTranscode", json!({"SdkAppId": APP, "RoomId": 8001})).await,
        "FailedOperation.RoomNotExist",
    );
    join(&server, json!(8001), "host", false).await;
    assert_code(
        &call(&server, "StopMCUMixTranscode", json!({"SdkAppId": APP, "RoomId": 8001})).await,
        "FailedOperation.MixSessionNotExist",
    );
    let started = call(
        &server,
        "StartMCUMixTranscode",
        mix(
            json!(8001),
            json!({"PublishCdnParams": {"BizId": 1234, "PublishCdnUrls": ["rtmp://x.example.com/live/m"]}}),
        ),
    )
    .await;
    assert_eq!(started.ok().as_object().unwrap().keys().collect::<Vec<_>>(), vec!["RequestId"]);
    let sessions = family(&server, "mcu_mix").await;
    assert_eq!(sessions.len(), 1);
    assert_eq!(sessions[0]["state"], "idle", "nobody publishes yet");
    assert_eq!(sessions[0]["robot"], Value::Null, "legacy mixing sends no robot");
    assert_eq!(sessions[0]["handle_expires"], Value::Null, "a session is addressed by its room: no handle expires");
    assert_eq!(
        sessions[0]["services"],
        json!([{"service": "mixing", "width": 640, "height": 360, "codec": "h264"}, {"service": "relay", "kbps": 864}])
    );
    advance(&server, 10).await;
    publish(&server, json!(8001), "host", true, true).await;
    assert_eq!(family(&server, "mcu_mix").await[0]["state"], "working");

    // A second start on the room replaces the session's parameters: still one session.
    advance(&server, 10).await;
    let again = mix(json!(8001), json!({"OutputParams": {"StreamId": "mix_stream_2"}}));
    assert!(call(&server, "StartMCUMixTranscode", again).await.code().is_none());
    let sessions = family(&server, "mcu_mix").await;
    assert_eq!(sessions.len(), 1);
    assert_eq!(sessions[0]["params"]["OutputParams"]["StreamId"], "mix_stream_2");
    assert_eq!(sessions[0]["params"]["PublishCdnParams"], Value::Null, "what the new start leaves out is gone");
    assert_eq!(sessions[0]["updates"], 1);

    // The string room of the same name is another room.
    assert_code(
        &call(&server, "StopMCUMixTranscodeByStrRoomId", json!({"SdkAppId": APP, "StrRoomId": "8001"})).await,
        "FailedOperation.RoomNotExist",
    );
    advance(&server, 10).await;
    assert!(call(&server, "StopMCUMixTranscode", json!({"SdkAppId": APP, "RoomId": 8001})).await.code().is_none());
    assert_code(
        &call(&server, "StopMCUMixTranscode", json!({"SdkAppId": APP, "RoomId": 8001})).await,
        "FailedOperation.MixSessionNotExist",
    );
    let sessions = family(&server, "mcu_mix").await;
    assert_eq!(sessions[0]["ended"], json!({"at": NOW + 30, "reason": "stopped"}));
    // A new start after the stop is a new session.
    assert!(call(&server, "StartMCUMixTranscode", mix(json!(8001), json!({}))).await.code().is_none());
    assert_eq!(family(&server, "mcu_mix").await.len(), 2);
}

#[tokio::test]
async fn mixing_ends_with_its_room_and_racing_starts_make_one_session() {
    let server = start(config()).await;
    join(&server, json!("mix-room"), "host", true).await;
    let url = server.url();
    let handles: Vec<_> = (0..6)
        .map(|i| {
            let url = url.clone();
            let body = mix(json!("mix-room"), json!({"OutputParams": {"StreamId": format!("s{i}")}}));
            tokio::spawn(async move { Tc3::post("StartMCUMixTranscodeByStrRoomId", body).send(&url).await })
        })
        .collect();
    for h in handles {
        assert!(h.await.unwrap().code().is_none());
    }
    let sessions = family(&server, "mcu_mix").await;
    assert_eq!(sessions.len(), 1, "{sessions:?}");
    assert_eq!(sessions[0]["updates"], 5);
    assert_eq!(sessions[0]["state"], "working");
    advance(&server, 15).await;
    assert!(
        call(&server, "DismissRoomByStrRoomId", json!({"SdkAppId": APP, "RoomId": "mix-room"})).await.code().is_none()
    );
    let sessions = family(&server, "mcu_mix").await;
    assert_eq!(sessions[0]["ended"], json!({"at": NOW + 15, "reason": "room_dismissed"}));
    assert_code(
        &call(&server, "StopMCUMixTranscodeByStrRoomId", json!({"SdkAppId": APP, "StrRoomId": "mix-room"})).await,
        "FailedOperation.RoomNotExist",
    );
    // A room whose last user leaves ends too, and its session with it.
    join(&server, json!(8002), "host", true).await;
    assert!(call(&server, "StartMCUMixTranscode", mix(json!(8002), json!({}))).await.code().is_none());
    advance(&server, 5).await;
    control(&server, "rooms/leave", json!({"sdk_app_id": APP, "room_id": 8002, "user_id": "host"})).await;
    let ended: Vec<Value> =
        family(&server, "mcu_mix").await.into_iter().filter(|s| s["room"]["room_id"] == 8002).collect();
    assert_eq!(ended[0]["ended"], json!({"at": NOW + 20, "reason": "room_dismissed"}));
}

#[tokio::test]
async fn mixing_codes() {
    let restricted = Config {
        accounts: vec![trtc_mock::Account {
            sdk_app_ids: Some(vec![APP]),
            ..trtc_mock::Account::new(common::ID, common::KEY)
        }],
        ..config()
    };
    let server = start(restricted).await;
    join(&server, json!(9), "host", true).await;
    join(&server, json!("nine"), "host", true).await;
    let encode = |k: &str, v: Value| {
        let mut e = json!({"AudioSampleRate": 48000, "AudioBitrate": 64, "AudioChannels": 2, "VideoWidth": 640,
            "VideoHeight": 360, "VideoBitrate": 800, "VideoFramerate": 15, "VideoGop": 2});
        e[k] = v;
        json!({"EncodeParams": e})
    };
    let layout = |l: Value| json!({"LayoutParams": l});
    let shared = [
        (json!({"OutputParams": {"StreamId": ""}}), "MissingParameter.StreamId"),
        (json!({"OutputParams": {"StreamId": "a".repeat(65)}}), "InvalidParameter.StreamId"),
        (json!({"OutputParams": {"StreamId": "a/b"}}), "InvalidParameter.StreamId"),
        (json!({"OutputParams": {"StreamId": "s", "PureAudioStream": 2}}), "InvalidParameter.PureAudioStream"),
        (json!({"OutputParams": {"StreamId": "s", "RecordId": "a b"}}), "InvalidParameter.RecordId"),
        (json!({"OutputParams": {"StreamId": "s", "RecordAudioOnly": 2}}), "InvalidParameter.RecordAudioOnly"),
        (encode("AudioSampleRate", json!(0)), "MissingParameter.AudioEncodeParams"),
        (encode("AudioSampleRate", json!(22050)), "InvalidParameter.AudioEncodeParams"),
        (encode("AudioBitrate", json!(501)), "InvalidParameter.AudioEncodeParams"),
        (encode("AudioChannels", json!(3)), "InvalidParameter.AudioEncodeParams"),
        (encode("AudioCodec", json!(3)), "InvalidParameter.AudioEncodeParams"),
        (encode("VideoGop", Value::Null), "MissingParameter.VideoEncodeParams"),
        (encode("VideoWidth", json!(1921)), "InvalidParameter.VideoResolution"),
        (encode("VideoHeight", json!(1081)), "InvalidParameter.VideoResolution"),
        (encode("VideoBitrate", json!(0)), "InvalidParameter.EncodeParams"),
        (encode("VideoFramerate", json!(61)), "InvalidParameter.EncodeParams"),
        (encode("BackgroundColor", json!(0x100_0000)), "InvalidParameter.EncodeParams"),
        (layout(json!({"Template": 5})), "InvalidParameter"),
        (layout(json!({"MainVideoStreamType": 2})), "InvalidParameter.MainVideoStreamType"),
        (layout(json!({"Template": 3})), "InvalidParameter.SmallVideoLayoutParams"),
        (
            layout(json!({"Template": 3, "SmallVideoLayoutParams": {"UserId": "a", "StreamType": 2}})),
            "InvalidParameter.SmallVideoStreamType",
        ),
        (
            layout(
                json!({"Template": 3, "SmallVideoLayoutParams": {"UserId": "a", "StreamType": 0, "LocationX": 600, "ImageWidth": 41}}),
            ),
            "InvalidParameter.SmallVideoLayoutParams",
        ),
        (layout(json!({"Template": 4})), "MissingParameter.PresetLayoutConfig"),
        (
            layout(json!({"Template": 4, "PresetLayoutConfig": [{"LocationY": u64::MAX, "ImageHeight": 1}]})),
            "InvalidParameter.PresetLayoutConfig",
        ),
        (
            layout(json!({"Template": 4, "PresetLayoutConfig": [{"MixInputType": 3}]})),
            "InvalidParameter.PresetLayoutConfig",
        ),
        (json!({"PublishCdnParams": {"BizId": 0, "PublishCdnUrls": ["rtmp://x/y"]}}), "MissingParameter.BizId"),
        (json!({"PublishCdnParams": {"BizId": 1, "PublishCdnUrls": []}}), "MissingParameter.PublishCdnUrls"),
        (
            json!({"PublishCdnParams": {"BizId": 1, "PublishCdnUrls": ["rtmp://x/y", "rtmp://x/z"]}}),
            "InvalidParameter.PublishCdnUrls",
        ),
        (
            json!({"PublishCdnParams": {"BizId": 1, "PublishCdnUrls": ["http://x/y"]}}),
            "InvalidParameter.PublishCdnUrls",
        ),
    ];
    for (extra, code) in shared.iter() {
        for room in [json!(9), json!("nine")] {
            let action = if room.is_string() { "StartMCUMixTranscodeByStrRoomId" } else { "StartMCUMixTranscode" };
            let reply = call(&server, action, mix(room, extra.clone())).await;
            assert_eq!(reply.code(), Some(*code), "{action} {extra}: {}", reply.raw);
        }
    }
    // Audio-only output needs no video encoding.
    let audio_only = mix(
        json!(9),
        json!({"OutputParams": {"StreamId": "s", "PureAudioStream": 1}, "EncodeParams": {"AudioSampleRate": 48000, "AudioBitrate": 64, "AudioChannels": 2}}),
    );
    assert!(call(&server, "StartMCUMixTranscode", audio_only).await.code().is_none());
    // Where the two namespaces differ.
    let numeric = [
        (json!({"SdkAppId": 0}), "MissingParameter.SdkAppId"),
        (json!({"SdkAppId": 1_400_000_002u64}), "UnauthorizedOperation.SdkAppId"),
        (json!({"RoomId": 0}), "MissingParameter.RoomId"),
        (json!({"RoomId": 4_294_967_296u64}), "InvalidParameterValue.RoomId"),
        (layout(json!({"MainVideoRightAlign": 2})), "InvalidParameter.MainVideoRightAlign"),
        (encode("BackgroundImageUrl", json!("a".repeat(513))), "InvalidParameter.BackgroundImageUrl"),
    ];
    for (extra, code) in numeric {
        assert_code(&call(&server, "StartMCUMixTranscode", mix(json!(9), extra)).await, code);
    }
    let string = [
        (json!({"SdkAppId": 0}), "InvalidParameter.SdkAppId"),
        (json!({"StrRoomId": ""}), "InvalidParameter.StrRoomId"),
        (json!({"StrRoomId": "a/b"}), "InvalidParameter.StrRoomId"),
        (layout(json!({"MainVideoRightAlign": 2})), "InvalidParameter"),
        (encode("BackgroundImageUrl", json!("a".repeat(513))), "InvalidParameter.EncodeParams"),
    ];
    for (extra, code) in string {
        assert_code(&call(&server, "StartMCUMixTranscodeByStrRoomId", mix(json!("nine"), extra)).await, code);
    }
    for (action, body, code) in [
        ("StopMCUMixTranscode", json!({"SdkAppId": 0, "RoomId": 9}), "MissingParameter.SdkAppId"),
        ("StopMCUMixTranscode", json!({"SdkAppId": 1_400_000_002u64, "RoomId": 9}), "UnauthorizedOperation.SdkAppId"),
        ("StopMCUMixTranscode", json!({"SdkAppId": APP, "RoomId": 0}), "MissingParameter.RoomId"),
        ("StopMCUMixTranscode", json!({"SdkAppId": APP, "RoomId": 4_294_967_296u64}), "InvalidParameterValue.RoomId"),
        ("StopMCUMixTranscodeByStrRoomId", json!({"SdkAppId": APP, "StrRoomId": ""}), "MissingParameter.RoomId"),
        ("StopMCUMixTranscodeByStrRoomId", json!({"SdkAppId": APP, "StrRoomId": "a/b"}), "InvalidParameter.StrRoomId"),
        (
            "StopMCUMixTranscodeByStrRoomId",
            json!({"SdkAppId": APP, "StrRoomId": "nine"}),
            "FailedOperation.MixSessionNotExist",
        ),
    ] {
        assert_code(&call(&server, action, body).await, code);
    }
}

#[tokio::test]
async fn the_mixing_limit_is_configurable() {
    let mut cfg = config();
    cfg.task_limits = trtc_mock::world::tasks::Limits::parse("mcu_mix=1").unwrap();
    let server = start(cfg).await;
    join(&server, json!(9101), "a", true).await;
    join(&server, json!(9102), "a", true).await;
    assert!(call(&server, "StartMCUMixTranscode", mix(json!(9101), json!({}))).await.code().is_none());
    // An update of the running session is not a new one.
    assert!(call(&server, "StartMCUMixTranscode", mix(json!(9101), json!({}))).await.code().is_none());
    assert_code(
        &call(&server, "StartMCUMixTranscode", mix(json!(9102), json!({}))).await,
        "ResourceInsufficient.RequestRejection",
    );
}
