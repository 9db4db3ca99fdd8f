//! Every semantic handler answers only the error codes documented for its action, plus the
//! common API 3.0 codes. Each handler is driven from a valid request through many wrong ones
//! (each member zeroed, emptied, pushed to extremes, windows turned around, stretched, moved far
//! back and into the future) and every code it answers is checked against the list.

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};
use trtc_mock::actions::{Ctx, HANDLERS, Output, handler};
use trtc_mock::config::Config;
use trtc_mock::error::COMMON_CODES;
use trtc_mock::world::live::{Entry, Streams};
use trtc_mock::world::model::{Resolution, Role};
use trtc_mock::world::{Change, RoomKey};
use trtc_mock::{Account, App, catalog};

const APP: u64 = 1_400_000_001;
const NOW: u64 = 1_764_000_000;

/// A valid request of each semantic action; `task` is a running task of the action's family.
fn base(action: &str, task: &str) -> Option<Value> {
    let comm_id = format!("{APP}_1_{}", NOW - 7200);
    Some(match action {
        "DescribeRoomInfo" => json!({"SdkAppId": APP, "StartTime": NOW - 3600, "EndTime": NOW}),
        "DescribeUserInfo" => json!({"SdkAppId": APP, "CommId": comm_id, "StartTime": NOW - 3600, "EndTime": NOW}),
        "DescribeCallDetailInfo" => {
            json!({"SdkAppId": APP, "CommId": comm_id, "StartTime": NOW - 3600, "EndTime": NOW, "DataType": ["rtt"]})
        }
        "DescribeUserEvent" => {
            json!({"SdkAppId": APP, "CommId": comm_id, "StartTime": NOW - 3600, "EndTime": NOW, "UserId": "u", "RoomId": "1"})
        }
        "DescribeUnusualEvent" => json!({"SdkAppId": APP, "StartTime": NOW - 3600, "EndTime": NOW}),
        "DescribeScaleInfo" => json!({"SdkAppId": APP, "StartTime": NOW - 3 * 86_400, "EndTime": NOW}),
        "DescribeTRTCRealTimeQualityData" | "DescribeTRTCRealTimeScaleData" => {
            json!({"SdkAppId": APP.to_string(), "StartTime": NOW - 3600, "EndTime": NOW})
        }
        "CreateCloudRecording" => json!({
            "SdkAppId": APP, "RoomId": "1", "UserId": "rec", "UserSig": "s", "RecordParams": {"RecordMode": 1},
            "StorageParams": {"CloudStorage": {"Vendor": 0, "Region": "r", "Bucket": "b", "AccessKey": "a", "SecretKey": "k"}}
        }),
        "DescribeCloudRecording" | "ModifyCloudRecording" | "DeleteCloudRecording" => {
            json!({"SdkAppId": APP, "TaskId": task})
        }
        "CreateCloudModeration" => json!({
            "SdkAppId": APP, "RoomId": "1", "UserId": "moderator", "UserSig": "s", "ModerationParams": {"ModerationType": 3},
            "ModerationStorageParams": {"CloudModerationStorage": {"Vendor": 0, "Region": "r", "Bucket": "b", "AccessKey": "a", "SecretKey": "k"}}
        }),
        "DescribeCloudModeration" | "ModifyCloudModeration" | "DeleteCloudModeration" => {
            json!({"SdkAppId": APP, "TaskId": task})
        }
        "CreateLiveStreamModeration" => json!({
            "SdkAppId": APP, "Input": {"Url": "rtmp://live.example.com/app/s"}, "LiveModerationParams": {}, "DataId": "d"
        }),
        "DescribeLiveStreamModeration" | "DeleteLiveStreamModeration" => json!({"SdkAppId": APP, "TaskId": task}),
        "CreateAudioModerationSync" => {
            json!({"Sdkappid": APP, "DataId": "d", "FileName": "f", "FileUrl": "https://media.example/a.mp3"})
        }
        "CreateCloudSliceTask" => json!({
            "SdkAppId": APP, "RoomId": "1", "UserId": "slicer", "UserSig": "s", "SliceParams": {"SliceType": 3},
            "SliceStorageParams": {"CloudSliceStorage": {"Vendor": 0, "Region": "r", "Bucket": "b", "AccessKey": "a", "SecretKey": "k"}}
        }),
        "DescribeCloudSliceTask" | "ModifyCloudSliceTask" | "DeleteCloudSliceTask" => {
            json!({"SdkAppId": APP, "TaskId": task})
        }
        // A 1×1 PNG; the first picture of the app is 10001.
        "CreatePicture" => json!({
            "SdkAppId": APP, "Content": "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNgAAAAAgABSK+kcQAAAABJRU5ErkJggg==", "Suffix": "png",
            "Height": 10, "Width": 10, "XPosition": 0, "YPosition": 0
        }),
        "DescribePicture" => json!({"SdkAppId": APP, "PageSize": 10, "PageNo": 1}),
        "ModifyPicture" | "DeletePicture" => json!({"SdkAppId": APP, "PictureId": 10_001}),
        "StartStreamIngest" => json!({
            "SdkAppId": APP, "RoomId": "1", "RoomIdType": 1, "UserId": "ingest", "UserSig": "s",
            "StreamUrl": "https://media.example/v.mp4"
        }),
        "DescribeStreamIngest" | "UpdateStreamIngest" | "StopStreamIngest" => json!({"SdkAppId": APP, "TaskId": task}),
        "StartWebRecord" => json!({
            "RecordUrl": "https://page.example/", "SdkAppId": APP,
            "StorageParams": {"CloudStorage": {"Vendor": 0, "Region": "r", "Bucket": "b", "AccessKey": "a", "SecretKey": "k"}}
        }),
        "DescribeWebRecord" | "StopWebRecord" => json!({"TaskId": task}),
        "StartPublishCdnStream" => json!({
            "SdkAppId": APP, "RoomId": "1", "RoomIdType": 0, "AgentParams": {"UserId": "relay", "UserSig": "s"},
            "WithTranscoding": 1, "AudioParams": {"AudioEncode": {"SampleRate": 48000, "Channel": 2, "BitRate": 64}},
            "PublishCdnParams": [{"PublishCdnUrl": "rtmp://push.example.com/live/1", "IsTencentCdn": 1}]
        }),
        "UpdatePublishCdnStream" => json!({"SdkAppId": APP, "TaskId": task, "SequenceNumber": 1, "WithTranscoding": 1}),
        "StopPublishCdnStream" => json!({"SdkAppId": APP, "TaskId": task}),
        "StartMCUMixTranscode" | "StartMCUMixTranscodeByStrRoomId" => {
            let mut start = json!({
                "SdkAppId": APP, "OutputParams": {"StreamId": "mix_1"},
                "EncodeParams": {"AudioSampleRate": 48000, "AudioBitrate": 64, "AudioChannels": 2, "VideoWidth": 640,
                    "VideoHeight": 360, "VideoBitrate": 800, "VideoFramerate": 15, "VideoGop": 2},
                "LayoutParams": {"Template": 0}
            });
            if action == "StartMCUMixTranscode" {
                start["RoomId"] = json!(1)
            } else {
                start["StrRoomId"] = json!("r")
            }
            start
        }
        "StopMCUMixTranscode" => json!({"SdkAppId": APP, "RoomId": 1}),
        "StopMCUMixTranscodeByStrRoomId" => json!({"SdkAppId": APP, "StrRoomId": "r"}),
        "DismissRoom" => json!({"SdkAppId": APP, "RoomId": 1}),
        "DismissRoomByStrRoomId" => json!({"SdkAppId": APP, "RoomId": "r"}),
        "RemoveUser" => json!({"SdkAppId": APP, "RoomId": 1, "UserIds": ["u"]}),
        "RemoveUserByStrRoomId" => json!({"SdkAppId": APP, "RoomId": "r", "UserIds": ["u"]}),
        "SetUserBlocked" => json!({"SdkAppId": APP, "RoomId": 1, "UserId": "u", "IsMute": 1}),
        "SetUserBlockedByStrRoomId" => json!({"SdkAppId": APP, "StrRoomId": "r", "UserId": "u", "IsMute": 1}),
        "DescribeTrtcUsage"
        | "DescribeMixTranscodingUsage"
        | "DescribeRelayUsage"
        | "DescribeTrtcMcuTranscodeTime"
        | "DescribeRecordStatistic" => json!({"StartTime": "2025-11-20", "EndTime": "2025-11-24", "SdkAppId": APP}),
        "DescribeRecordingUsage" => {
            json!({"StartTime": "2025-11-20", "EndTime": "2025-11-24", "SdkAppId": APP, "MixType": "single"})
        }
        "DescribeTrtcRoomUsage" => {
            json!({"SdkAppid": APP, "StartTime": "2025-11-24 00:00", "EndTime": "2025-11-24 12:00"})
        }
        "DescribeTRTCAIRecognitionUsage" => {
            json!({"StartTime": "2025-11-24 00:00:00", "EndTime": "2025-11-24 12:00:00", "AuType": ["conversation", "tts"], "SdkAppId": APP.to_string()})
        }
        "DescribeTRTCDedicatedCloudAccUsage" => {
            json!({"StartTime": "2025-11-24 00:00:00", "EndTime": "2025-11-24 12:00:00", "SdkAppId": APP})
        }
        "DescribeTRTCSegmentModerationUsage" => {
            json!({"StartTime": "2025-11-24 00:00:00", "EndTime": "2025-11-24 12:00:00", "Type": "audio", "Business": 0, "SdkAppId": APP})
        }
        "StartAIConversation" => json!({
            "SdkAppId": APP, "RoomId": "1", "AgentConfig": {"UserId": "bot", "UserSig": "s", "TargetUserId": "u"},
            "LLMConfig": r#"{"LLMType":"openai","Model":"m","APIKey":"k","APIUrl":"https://llm.example/v1"}"#,
            "TTSConfig": r#"{"TTSType":"flow","VoiceId":"v"}"#
        }),
        "DescribeAIConversation" | "StopAIConversation" => json!({"TaskId": task}),
        "UpdateAIConversation" => json!({"TaskId": task, "WelcomeMessage": "hi"}),
        "ControlAIConversation" => {
            json!({"TaskId": task, "Command": "ServerPushText", "ServerPushText": {"Text": "hello"}})
        }
        "QueryAIMessageList" => json!({"SdkAppId": APP, "TaskId": task}),
        "StartAITranscription" => json!({
            "SdkAppId": APP, "RoomId": "1", "TranscriptionParams": {"UserId": "asr", "UserSig": "s"}
        }),
        "DescribeAITranscription" | "StopAITranscription" => json!({"TaskId": task}),
        "CreateCloudTranscription" => json!({
            "SdkAppId": APP, "RoomId": "1", "RoomIdType": 0,
            "TranscriptionParam": {"UserId": "ct", "UserSig": "s"}, "AsrParam": {"Lang": "bigmodel-zh"}
        }),
        "DescribeCloudTranscription" | "DeleteCloudTranscription" => json!({"SdkAppId": APP, "TaskId": task}),
        "DescribeTRTCMarketQualityData" | "DescribeTRTCMarketScaleData" => {
            json!({"SdkAppId": APP.to_string(), "StartTime": "2025-11-20", "EndTime": "2025-11-24", "Period": "d"})
        }
        "TextToSpeech" | "TextToSpeechSSE" | "AsyncTextToSpeech" => {
            json!({"SdkAppId": APP, "Text": "你好", "Voice": {"VoiceId": "v-female-R2s4N9qJ"}})
        }
        "VoiceClone" => json!({"SdkAppId": APP, "VoiceName": "v", "PromptAudio": wav_base64(8_000, 6_000)}),
        "DescribeAsyncTextToSpeech" => json!({"TaskId": task}),
        "RegisterVoicePrint" => json!({
            "Audio": wav_base64(16_000, 10_000), "ReqTimestamp": NOW * 1000, "AudioFormat": 0, "AudioName": "n"
        }),
        "DescribeVoicePrint" => json!({"DescribeMode": 0, "VoicePrintIdList": [task]}),
        "UpdateVoicePrint" => json!({"VoicePrintId": task, "ReqTimestamp": NOW * 1000, "AudioMetaInfo": "m"}),
        "DeleteVoicePrint" => json!({"VoicePrintId": task}),
        "CreateRecognizeVocabV3" => json!({"SdkAppId": APP, "Name": "n", "WordWeights": [{"Word": "w", "Weight": 5}]}),
        "GetRecognizeVocabV3" | "DeleteRecognizeVocabV3" | "DownloadRecognizeVocabV3" => {
            json!({"SdkAppId": APP, "VocabId": task})
        }
        "UpdateRecognizeVocabV3" => json!({"SdkAppId": APP, "VocabId": task, "Name": "n2"}),
        "SetVocabStateV3" => json!({"SdkAppId": APP, "VocabId": task, "State": 1}),
        "GetRecognizeVocabListV3" => json!({"SdkAppId": APP}),
        _ => return None,
    })
}

/// Base64 of a WAV of a tone: 16-bit mono at `rate`, `ms` long.
fn wav_base64(rate: u32, ms: u64) -> String {
    use base64::Engine;
    use trtc_mock::pure::audio::{Voice, wav};
    let voice = Voice { seed: 1, sample_rate: rate, duration_ms: ms, pitch_hz: 200.0, amplitude: 0.5 };
    base64::engine::general_purpose::STANDARD.encode(wav(&voice.pcm(), rate))
}

/// Wrong values for one member, by the JSON type of its valid value.
fn wrong_values(valid: &Value) -> Vec<Value> {
    match valid {
        Value::Number(n) if n.is_u64() => {
            let v = n.as_u64().unwrap();
            vec![
                json!(0),
                json!(1),
                json!(v.saturating_sub(15 * 86_400)),
                json!(v + 86_401),
                json!(v.saturating_sub(86_401)),
                json!(u64::MAX),
                json!(u64::MAX - 5),
                json!(253_402_300_800u64),
            ]
        }
        Value::String(_) => vec![
            json!(""),
            json!("x"),
            json!("0"),
            json!("1400000002"),
            json!("2025-11-25"),
            json!("2024-01-01"),
            json!("2025-11-24 12:00"),
            json!("2025-11-24 12:00:00"),
            json!("2025-12-31 00:00:00"),
            json!("multi"),
            json!("picture"),
            json!("1400000002_1_1763992800"),
            json!("1_2_18446744073709550000"),
            json!(format!("{APP}_1_18446744073709550000")),
            json!("all"),
            json!("2025-02-30"),
            json!("h"),
            json!("a".repeat(300)),
        ],
        Value::Array(_) => vec![
            json!([]),
            json!(["all"]),
            json!(["nope"]),
            json!((0..101).map(|i| format!("u{i}")).collect::<Vec<_>>()),
        ],
        _ => vec![Value::Null],
    }
}

#[test]
fn semantic_handlers_answer_only_their_documented_codes() {
    let config = Config { start_time: Some(NOW as i64), freeze: true, ..Config::default() };
    let app = App::new(config).unwrap();
    let restricted = Account { sdk_app_ids: Some(vec![APP]), ..Account::new("AKID", "key") };
    let ctx = Ctx::new(&app.world, &restricted, NOW);
    for (action, _) in HANDLERS {
        // The actions on a task need one running.
        let starter = match *action {
            "DescribeCloudRecording" | "ModifyCloudRecording" | "DeleteCloudRecording" => Some("CreateCloudRecording"),
            "DescribeCloudSliceTask" | "ModifyCloudSliceTask" | "DeleteCloudSliceTask" => Some("CreateCloudSliceTask"),
            "DescribeStreamIngest" | "UpdateStreamIngest" | "StopStreamIngest" => Some("StartStreamIngest"),
            "DescribeCloudModeration" | "ModifyCloudModeration" | "DeleteCloudModeration" => {
                Some("CreateCloudModeration")
            }
            "DescribeLiveStreamModeration" | "DeleteLiveStreamModeration" => Some("CreateLiveStreamModeration"),
            "DescribeWebRecord" | "StopWebRecord" => Some("StartWebRecord"),
            "UpdatePublishCdnStream" | "StopPublishCdnStream" => Some("StartPublishCdnStream"),
            "DescribeAIConversation"
            | "StopAIConversation"
            | "UpdateAIConversation"
            | "ControlAIConversation"
            | "QueryAIMessageList" => Some("StartAIConversation"),
            "DescribeAITranscription" | "StopAITranscription" => Some("StartAITranscription"),
            "DescribeCloudTranscription" | "DeleteCloudTranscription" => Some("CreateCloudTranscription"),
            "DescribeAsyncTextToSpeech" => Some("AsyncTextToSpeech"),
            "DescribeVoicePrint" | "UpdateVoicePrint" | "DeleteVoicePrint" => Some("RegisterVoicePrint"),
            "GetRecognizeVocabV3"
            | "UpdateRecognizeVocabV3"
            | "DeleteRecognizeVocabV3"
            | "DownloadRecognizeVocabV3"
            | "SetVocabStateV3" => Some("CreateRecognizeVocabV3"),
            _ => None,
        };
        // Vocabularies count against an account-wide limit that CreateRecognizeVocabV3's own
        // wrong requests fill: each action starts from an empty SdkAppId.
        if action.contains("Vocab") {
            app.world.reset(Some(APP));
        }
        let task = match starter {
            Some(starter) => {
                let mut request = base(starter, "").unwrap();
                if starter == "StartStreamIngest" {
                    // One ingest robot per task: a second of the same id in the room is refused.
                    request["UserId"] = json!(format!("ingest_{action}"));
                }
                if starter == "StartAITranscription" {
                    // One transcription robot per room: a second of the same id is refused.
                    request["TranscriptionParams"]["UserId"] = json!(format!("asr_{action}"));
                }
                if starter == "CreateLiveStreamModeration" {
                    // One task per stream: each action's task pulls its own.
                    request["Input"]["Url"] = json!(format!("rtmp://live.example.com/app/{action}"));
                }
                if starter == "CreateRecognizeVocabV3" {
                    request["Name"] = json!(format!("vocab_{action}"));
                }
                match handler(starter).unwrap()(&ctx, request) {
                    Ok(Output::Json(bytes)) => {
                        let started = serde_json::from_slice::<Value>(&bytes).unwrap();
                        let id = ["TaskId", "VoicePrintId", "VocabId"].iter().find_map(|k| started[*k].as_str());
                        id.unwrap().to_owned()
                    }
                    other => panic!("{starter} starts a task: {other:?}"),
                }
            }
            // A mixing session is keyed by its room: start one on the room the stop names.
            None if matches!(*action, "StopMCUMixTranscode" | "StopMCUMixTranscodeByStrRoomId") => {
                let start = action.replace("Stop", "Start");
                let started = handler(&start).unwrap()(&ctx, base(&start, "").unwrap());
                assert!(started.is_ok(), "{start}: {started:?}");
                String::new()
            }
            None => String::new(),
        };
        let valid =
            base(action, &task).unwrap_or_else(|| panic!("{action} needs a valid request in tests/it/codes.rs"));
        let documented: BTreeSet<&str> = catalog::get()
            .action(action)
            .unwrap()
            .error_codes
            .iter()
            .copied()
            .chain(COMMON_CODES.iter().copied())
            .collect();
        let run = handler(action).unwrap();
        // The room-control actions need someone in rooms 1 and "r".
        for key in [RoomKey::numeric(1), RoomKey::string("r")] {
            let entry = Entry {
                user_id: "u".into(),
                role: Role::Anchor,
                streams: Streams::NONE,
                video: Resolution::new(640, 360),
                task: None,
            };
            app.world.change(APP, &key, Change::Join(entry), NOW).unwrap();
        }
        let base = run(&ctx, valid.clone());
        assert!(base.is_ok(), "{action}: the base request is valid: {base:?}");
        let mut seen = BTreeSet::new();
        let members: Map<String, Value> = valid.as_object().unwrap().clone();
        let mut requests = Vec::new();
        for (name, value) in &members {
            for wrong in wrong_values(value) {
                let mut request = valid.clone();
                request[name.as_str()] = wrong;
                requests.push(request);
            }
            // Two members wrong at once: the first of a pair decides.
            for (other, other_value) in &members {
                if other != name {
                    let mut request = valid.clone();
                    request[name.as_str()] = wrong_values(value)[0].clone();
                    request[other.as_str()] = wrong_values(other_value)[0].clone();
                    requests.push(request);
                }
            }
        }
        for extra in [
            json!({"PageNumber": 0, "PageSize": 0}),
            json!({"PageNumber": 0, "PageSize": 101}),
            json!({"PageNumber": u64::MAX, "PageSize": 100}),
        ] {
            let mut request = valid.clone();
            request.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
            requests.push(request);
        }
        for request in requests {
            // Members the action does not have are the gateway's business (UnknownParameter).
            let input = catalog::get().object(catalog::get().action(action).unwrap().input).unwrap();
            if request.as_object().unwrap().keys().any(|k| input.member(k).is_none()) {
                continue;
            }
            if let Err(err) = run(&ctx, request.clone()) {
                assert!(documented.contains(err.code()), "{action} answered {} to {request}", err.code());
                seen.insert(err.code().to_owned());
            }
        }
        assert!(!seen.is_empty(), "{action}: the wrong requests were refused");
    }
}
