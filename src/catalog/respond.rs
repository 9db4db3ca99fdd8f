//! Schema-driven answers for the actions that have no hand-written handler.
//!
//! Every output member of the catalogue is present, typed and never `null` (the definitions'
//! "nullable" flag says what may happen, not what to answer); lists have one to three
//! plausible elements. Values are deterministic for (seed, action,
//! input, virtual now) and recognisable: timestamps near the virtual clock, ids in the formats
//! TRTC uses (task ids per family, `SdkAppId_Room_CreateTime` CommIds), URLs under the
//! configured media base, the request's own values echoed where the output names them
//! (`TaskId`, `SdkAppId`…), totals equal to the length of the list they count, and row values
//! as wide as their column list.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use fake::Fake;
use fake::faker::internet::en::IPv4;
use fake::faker::lorem::en::{Word, Words};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Map, Number, Value};

use super::{Action, Catalog, Member, Object, Type};
use crate::pure::civil;
use crate::pure::hash::{fnv1a, mix};

/// Deepest nesting generated (the definitions have no cycles, this is a guard).
const MAX_DEPTH: usize = 8;

/// What a generated answer depends on besides the catalogue.
pub struct Inputs<'a> {
    pub action: &'a Action,
    /// The validated request parameters.
    pub input: &'a Value,
    pub seed: u64,
    /// Virtual now, Unix seconds.
    pub now: u64,
    /// Base of every URL in answers (no trailing slash).
    pub media_url_base: &'a str,
}

/// The output object of `inputs.action` (without `RequestId`, which the envelope adds).
pub fn answer(catalog: &Catalog, inputs: &Inputs<'_>) -> Map<String, Value> {
    let canonical = serde_json::to_string(inputs.input).unwrap_or_default();
    let seed = mix(inputs.seed, &[fnv1a(&inputs.action.name), fnv1a(&canonical)]);
    let mut responder = Responder { catalog, inputs, rng: ChaCha8Rng::seed_from_u64(seed), width: None };
    match catalog.object(&inputs.action.output) {
        Some(object) => responder.object(object, 0, true, 0),
        None => Map::new(),
    }
}

/// Audio chunks of a streamed text-to-speech answer (`TextToSpeechSSE`): the documented
/// `{"Type": "chunk", "ChunkId", "Audio", "Seq", "IsEnd"}` events, without their RequestId.
pub fn speech_chunks(inputs: &Inputs<'_>) -> Vec<Map<String, Value>> {
    let text = inputs.input.get("Text").and_then(Value::as_str).unwrap_or_default();
    let mut rng = ChaCha8Rng::seed_from_u64(mix(inputs.seed, &[fnv1a(&inputs.action.name), fnv1a(text)]));
    let count = text.chars().count().div_ceil(16).clamp(1, 16);
    (0..count)
        .map(|seq| {
            let audio: Vec<u8> = (0..48).map(|_| rng.random()).collect();
            let mut event = Map::new();
            event.insert("Type".into(), "chunk".into());
            event.insert("ChunkId".into(), format!("chunk_{seq}").into());
            event.insert("Audio".into(), STANDARD.encode(audio).into());
            event.insert("Seq".into(), seq.into());
            event.insert("IsEnd".into(), (seq + 1 == count).into());
            event
        })
        .collect()
}

struct Responder<'a> {
    catalog: &'a Catalog,
    inputs: &'a Inputs<'a>,
    rng: ChaCha8Rng,
    /// Width of the last column list (`Columns`): rows of values follow it.
    width: Option<usize>,
}

impl Responder<'_> {
    fn action(&self) -> &str {
        &self.inputs.action.name
    }

    /// An object; `index` is its position when it is an element of a list.
    fn object(&mut self, object: &Object, depth: usize, top: bool, index: usize) -> Map<String, Value> {
        let mut map = Map::new();
        for member in &object.members {
            if member.name == "RequestId" {
                continue;
            }
            // "Nullable" in the definition says what may happen, not what to answer by default:
            // every member gets a value.
            let value = if let Some(echo) = top.then(|| self.echo(member)).flatten() {
                echo
            } else {
                self.member(member, depth, index)
            };
            map.insert(member.name.clone(), value);
        }
        order_ranges(&mut map);
        // A total counts the list beside it (an absent, null list counts zero).
        let listed = object.members.iter().find(|m| m.list && m.ty == Type::Object).map(|m| match map.get(&m.name) {
            Some(Value::Array(items)) => items.len(),
            _ => 0,
        });
        if let Some(len) = listed {
            for name in ["Total", "TotalCount", "TotalNum"] {
                if map.get(name).is_some_and(Value::is_number) {
                    map.insert(name.into(), len.into());
                }
            }
        }
        map
    }

    /// The request's own value for a top-level output member of the same name and type.
    fn echo(&self, member: &Member) -> Option<Value> {
        let sent = self.inputs.input.get(&member.name)?;
        let fits = match (member.list, member.ty) {
            (true, _) => sent.is_array(),
            (false, Type::String | Type::Date | Type::Datetime) => sent.is_string(),
            (false, Type::Uint64) => sent.is_u64(),
            (false, Type::Int64) => sent.is_i64(),
            (false, Type::Float) => sent.is_number(),
            (false, Type::Bool) => sent.is_boolean(),
            (false, Type::Object) => false,
        };
        fits.then(|| sent.clone())
    }

    fn member(&mut self, member: &Member, depth: usize, index: usize) -> Value {
        if !member.list {
            return self.item(member, depth, index);
        }
        let count = match (&*member.name, member.ty) {
            ("Columns", _) => {
                let width = self.columns().len();
                self.width = Some(width);
                width
            }
            ("RowValue" | "RowValueFloat" | "Values", t) if t != Type::Object => self.width.unwrap_or(3),
            _ if depth >= 3 => 1,
            _ => self.rng.random_range(1..=3),
        };
        Value::Array((0..count).map(|i| self.item(member, depth, i)).collect())
    }

    fn item(&mut self, member: &Member, depth: usize, index: usize) -> Value {
        let name = member.name.as_str();
        match member.ty {
            Type::Object => {
                let inner = member.object.as_deref().and_then(|o| self.catalog.object(o));
                match inner {
                    Some(object) if depth < MAX_DEPTH => Value::Object(self.object(object, depth + 1, false, index)),
                    _ => Value::Object(Map::new()),
                }
            }
            Type::String if member.list && name == "Columns" => {
                self.columns().get(index).map_or(Value::Null, |c| Value::String((*c).to_owned()))
            }
            Type::String => Value::String(self.string(name, index)),
            Type::Date => Value::String(date(self.recent())),
            Type::Datetime => Value::String(datetime(self.recent())),
            Type::Uint64 => Value::Number(self.unsigned(name).into()),
            Type::Int64 => Value::Number(self.signed(name).into()),
            Type::Float => {
                let x = f64::from(self.rng.random_range(0..10_000u32)) / 100.0;
                Number::from_f64(x).map_or(Value::Null, Value::Number)
            }
            Type::Bool => Value::Bool(match name {
                "IsFinished" | "Finished" => true,
                _ => self.rng.random_bool(0.5),
            }),
        }
    }

    /// A time in the last hour of the virtual clock.
    fn recent(&mut self) -> u64 {
        self.inputs.now.saturating_sub(self.rng.random_range(0..3600))
    }

    fn sdk_app_id(&self) -> u64 {
        super::sdk_app_id_of(self.inputs.input).unwrap_or(1_400_000_001)
    }

    fn unsigned(&mut self, name: &str) -> u64 {
        let now = self.inputs.now;
        match name {
            "SdkAppId" => self.sdk_app_id(),
            "AppId" => 1_250_000_000 + self.rng.random_range(0..1_000_000),
            "BeginTimeStamp" | "ReqTimestamp" => self.recent() * 1000 + self.rng.random_range(0..1000),
            "TotalDurationMs" => self.rng.random_range(1_000..600_000),
            "TimeBeginMs" | "TimeEndMs" | "WordBegin" | "WordEnd" | "TextBegin" | "TextEnd" => {
                self.rng.random_range(0..10_000)
            }
            "EventId" => [32768, 32769, 32788, 32791, 32793][self.rng.random_range(0..5)],
            "AbnormalEventId" => [2011, 2012, 2014, 2021][self.rng.random_range(0..4)],
            "Type" => [0, 2, 3, 7][self.rng.random_range(0..4)],
            "AudioFormat" => 0,
            "Width" => 1280,
            "Height" => 720,
            "PictureId" => self.rng.random_range(10_000..100_000),
            "UserNumber" | "UserCount" | "RoomNumbers" => self.rng.random_range(1..500),
            // Event times in milliseconds, as the API gives them for user events.
            "Time" if self.action() == "DescribeUserEvent" => self.recent() * 1000 + self.rng.random_range(0..1000),
            "Time" | "CreateTime" | "DestroyTime" | "EventTime" | "StartTime" | "EndTime" => {
                now.saturating_sub(self.rng.random_range(0..3600))
            }
            n if n.ends_with("Ts") => now.saturating_sub(self.rng.random_range(0..3600)),
            // Everything else named for time is a duration (AudioTime, VideoTimeSd…), in seconds.
            n if n.contains("Time") => self.rng.random_range(0..36_000),
            _ => self.rng.random_range(0..100),
        }
    }

    fn signed(&mut self, name: &str) -> i64 {
        match name {
            "Duration" => self.rng.random_range(1_000..60_000),
            "ParamOne" | "ParamTwo" => -1,
            "Status" => 1,
            "Suggest" | "StatementID" => 0,
            "MediaType" => 1,
            "Weight" => self.rng.random_range(1..=11),
            "Severity" => self.rng.random_range(1..=4),
            "State" => self.rng.random_range(0..=1),
            _ => self.rng.random_range(0..100),
        }
    }

    fn string(&mut self, name: &str, index: usize) -> String {
        let now = self.inputs.now;
        match name {
            "TaskId" => self.task_id(),
            n if n.ends_with("Url") => self.url(n),
            "Status" => self.status().to_owned(),
            "CommId" => {
                let created = self.recent();
                format!("{}_{}_{created}", self.sdk_app_id(), self.rng.random_range(1..1_000_000u32))
            }
            "UserId" | "PeerId" => format!("user_{}", self.rng.random_range(1..100_000u32)),
            "RoomId" | "RoomStr" | "RoomString" => self.rng.random_range(1..1_000_000u32).to_string(),
            "SdkAppId" => self.sdk_app_id().to_string(),
            "SessionId" | "DataId" | "RecordId" | "RecorderKey" => self.hex(24),
            "VoiceId" | "VocabId" | "VoicePrintId" => {
                format!("{}-{}", &name[..name.len() - 2].to_lowercase(), self.hex(12))
            }
            // The AI families give their start as a local time with microseconds.
            "StartTime" => format!("{}.{:06}", datetime(self.recent()), self.rng.random_range(0..1_000_000u32)),
            "CreateTime" | "UpdateTime" => datetime(now.saturating_sub(self.rng.random_range(0..86_400))),
            "FileName" => format!("{}.m3u8", self.hex(16)),
            "TrackType" => "audio_video".to_owned(),
            "Role" => if index % 2 == 0 { "user" } else { "assistant" }.to_owned(),
            "Label" | "SubLabel" => "Normal".to_owned(),
            "Audio" => {
                let bytes: Vec<u8> = (0..48).map(|_| self.rng.random()).collect();
                STANDARD.encode(bytes)
            }
            "DataType" => {
                ["appCpu", "sysCpu", "aBit", "aBlock", "bigvBit", "rtt"][self.rng.random_range(0..6)].to_owned()
            }
            "DeviceType" => ["ios", "android", "windows", "mac", "web"][self.rng.random_range(0..5)].to_owned(),
            "SdkVersion" => "12.1.0.16002".to_owned(),
            "ClientIp" => IPv4().fake_with_rng(&mut self.rng),
            "WordWeightStr" => {
                let word: String = Word().fake_with_rng(&mut self.rng);
                format!("{word}|{}", self.rng.random_range(1..=11))
            }
            "Text" | "AudioText" | "Content" | "Desc" | "Description" | "SeverityDesc" | "Keywords" => {
                let words: Vec<String> = Words(3..8).fake_with_rng(&mut self.rng);
                words.join(" ")
            }
            "Name" | "AudioName" | "LibName" | "Scene" | "Word" => Word().fake_with_rng(&mut self.rng),
            other => format!("{}-{:04}", other.to_lowercase(), self.rng.random_range(0..10_000u32)),
        }
    }

    /// Column names of the dashboard actions (first the time).
    fn columns(&self) -> &'static [&'static str] {
        match self.action() {
            "DescribeTRTCRealTimeQualityData" => &["time", "videoFreezeRate", "audioFreezeRate"],
            "DescribeTRTCRealTimeScaleData" => &["time", "userCount", "roomCount"],
            "DescribeTRTCMarketQualityData" => &[
                "time",
                "videoFreezeRate",
                "audioFreezeRate",
                "networkDelay",
                "joinSuccessRate",
                "joinSuccessIn5sRate",
            ],
            _ => &["time", "peakCurrentUsers", "peakCurrentChannels", "userCount", "roomCount"],
        }
    }

    fn hex(&mut self, len: usize) -> String {
        (0..len).map(|_| char::from(b"0123456789abcdef"[self.rng.random_range(0..16)])).collect()
    }

    fn chars(&mut self, alphabet: &[u8], len: usize) -> String {
        (0..len).map(|_| char::from(alphabet[self.rng.random_range(0..alphabet.len())])).collect()
    }

    /// A task id in the shape its family uses (observed in the documentation's examples).
    fn task_id(&mut self) -> String {
        const BASE64ISH: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+-";
        const WORDISH: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_";
        let action = self.action().to_owned();
        if action.contains("AIConversation") || action.contains("AITranscription") || action == "QueryAIMessageList" {
            let day = date(self.inputs.now).replace('-', "");
            format!("v2_{day}_{}", self.chars(WORDISH, 56))
        } else if action.contains("StreamIngest") {
            format!("{}.", self.chars(BASE64ISH, 115))
        } else if action.contains("WebRecord") {
            format!("{}..", self.chars(BASE64ISH, 126))
        } else if action.contains("LiveStreamModeration") {
            self.chars(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-", 116)
        } else if action.contains("TextToSpeech") || action.contains("AudioModeration") {
            let h = self.hex(32);
            format!("{}-{}-{}-{}-{}", &h[..8], &h[8..12], &h[12..16], &h[16..20], &h[20..])
        } else {
            format!("-{}.", self.chars(BASE64ISH, 72))
        }
    }

    /// The running state of the family's tasks.
    fn status(&self) -> &'static str {
        if self.action().contains("AsyncTextToSpeech") { "Success" } else { "InProgress" }
    }

    fn url(&mut self, name: &str) -> String {
        let ext = if name.contains("Subtitle") {
            "srt"
        } else if name.contains("Audio") {
            "mp3"
        } else {
            "m3u8"
        };
        let path: String = self.action().chars().flat_map(char::to_lowercase).collect();
        format!("{}/{path}/{}.{ext}", self.inputs.media_url_base.trim_end_matches('/'), self.hex(16))
    }
}

/// Orders generated ranges: a begin never after its end.
fn order_ranges(map: &mut Map<String, Value>) {
    const PAIRS: &[(&str, &str)] = &[
        ("StartTime", "EndTime"),
        ("StartTime", "FinishTime"),
        ("CreateTime", "DestroyTime"),
        ("CreateTime", "UpdateTime"),
        ("JoinTs", "LeaveTs"),
        ("TimeBeginMs", "TimeEndMs"),
        ("TextBegin", "TextEnd"),
        ("WordBegin", "WordEnd"),
    ];
    for (begin, end) in PAIRS {
        let (Some(a), Some(b)) = (map.get(*begin), map.get(*end)) else { continue };
        let swap = match (a, b) {
            (Value::Number(x), Value::Number(y)) => x.as_f64() > y.as_f64(),
            (Value::String(x), Value::String(y)) => x > y,
            _ => false,
        };
        if swap {
            let (a, b) = (a.clone(), b.clone());
            map.insert((*begin).to_owned(), b);
            map.insert((*end).to_owned(), a);
        }
    }
}

/// `YYYY-MM-DD` (UTC+8, the zone TRTC's consoles and usage keys use).
fn date(t: u64) -> String {
    civil::local_date(i64::try_from(t).unwrap_or(i64::MAX))
}

/// `YYYY-MM-DD HH:MM:SS` in UTC+8.
fn datetime(t: u64) -> String {
    civil::local_datetime(i64::try_from(t).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::catalog;
    use crate::pure::civil::Precision;

    /// Parses `YYYY-MM-DD`, `YYYY-MM-DD HH:MM` or `YYYY-MM-DD HH:MM:SS` in UTC+8 to Unix seconds.
    fn parse_local(text: &str) -> Option<u64> {
        [Precision::Day, Precision::Minute, Precision::Second]
            .into_iter()
            .find_map(|p| civil::parse_local(text, p))
            .and_then(|t| u64::try_from(t).ok())
    }

    fn run(action: &str, input: Value) -> Map<String, Value> {
        let catalog = catalog::get();
        let action = catalog.action(action).unwrap();
        let inputs =
            Inputs { action, input: &input, seed: 1, now: 1_764_000_000, media_url_base: "https://media.test" };
        answer(catalog, &inputs)
    }

    #[test]
    fn answers_are_deterministic_and_depend_on_the_input() {
        let a = run("CreateCloudRecording", json!({"SdkAppId": 1400000001u64, "RoomId": "r1"}));
        let b = run("CreateCloudRecording", json!({"SdkAppId": 1400000001u64, "RoomId": "r1"}));
        let c = run("CreateCloudRecording", json!({"SdkAppId": 1400000001u64, "RoomId": "r2"}));
        assert_eq!(a, b);
        assert_ne!(a["TaskId"], c["TaskId"]);
        let task = a["TaskId"].as_str().unwrap();
        assert!(task.starts_with('-') && task.ends_with('.') && task.len() == 74, "{task}");
    }

    #[test]
    fn echoes_inputs_and_counts_lists() {
        let out = run("DescribeCloudRecording", json!({"SdkAppId": 1400000001u64, "TaskId": "-abc."}));
        assert_eq!(out["TaskId"], "-abc.");
        assert_eq!(out["Status"], "InProgress");
        let pictures = run("DescribePicture", json!({"SdkAppId": 1400000001u64}));
        assert_eq!(pictures["Total"].as_u64().unwrap() as usize, pictures["PictureInfo"].as_array().unwrap().len());
    }

    #[test]
    fn rows_are_as_wide_as_their_columns() {
        let out = run("DescribeTRTCMarketQualityData", json!({"SdkAppId": "1400000001"}));
        for series in out["Data"]["Series"].as_array().unwrap() {
            let columns = series["Columns"].as_array().unwrap().len();
            assert_eq!(columns, 6);
            for row in series["Values"].as_array().unwrap() {
                assert_eq!(row["RowValue"].as_array().unwrap().len(), columns);
            }
        }
    }

    #[test]
    fn times_are_near_now_and_urls_under_the_base() {
        let out = run("DescribeAsyncTextToSpeech", json!({"TaskId": "t"}));
        assert!(out["AudioDownloadUrl"].as_str().unwrap().starts_with("https://media.test/describeasynctexttospeech/"));
        assert_eq!(out["Status"], "Success");
        let ai = run("DescribeAIConversation", json!({"TaskId": "v2_x"}));
        let start = ai["StartTime"].as_str().unwrap();
        let at = parse_local(&start[..19]).unwrap();
        assert!((1_764_000_000 - 3600..=1_764_000_000).contains(&at) && start.len() == 26, "{start}");
        assert_eq!(datetime(1_764_000_000), "2025-11-25 00:00:00");
    }

    #[test]
    fn ranges_are_ordered_and_empty_lists_count_zero() {
        let tts = run("TextToSpeech", json!({"Text": "hi", "Voice": {"VoiceId": "v"}, "SdkAppId": 1}));
        for item in tts["Alignments"].as_array().unwrap() {
            assert!(item["TextBegin"].as_u64() <= item["TextEnd"].as_u64());
        }
        let pictures = run("DescribePicture", json!({"SdkAppId": 1}));
        assert!(pictures["PictureInfo"].as_array().is_some_and(|p| !p.is_empty()));
        assert_eq!(parse_local("2025-11-25 08:00:00"), Some(1_764_028_800));
        assert_eq!(parse_local("2025-11-25"), Some(1_763_999_999 + 1));
        assert_eq!(parse_local("nope"), None);
    }

    #[test]
    fn speech_streams_in_chunks_ending_with_is_end() {
        let catalog = catalog::get();
        let action = catalog.action("TextToSpeechSSE").unwrap();
        let input = json!({"Text": "a text long enough for three chunks of speech", "SdkAppId": 1});
        let inputs = Inputs { action, input: &input, seed: 1, now: 0, media_url_base: "" };
        let chunks = speech_chunks(&inputs);
        assert_eq!(chunks.len(), 3);
        assert!(chunks.iter().take(2).all(|c| c["IsEnd"] == false));
        assert_eq!(chunks[2]["IsEnd"], true);
    }

    fn nulls(value: &Value, path: &str, found: &mut Vec<String>) {
        match value {
            Value::Null => found.push(path.to_owned()),
            Value::Array(items) => items.iter().enumerate().for_each(|(i, v)| nulls(v, &format!("{path}.{i}"), found)),
            Value::Object(map) => map.iter().for_each(|(k, v)| nulls(v, &format!("{path}.{k}"), found)),
            _ => {}
        }
    }

    #[test]
    fn no_generated_answer_holds_a_null() {
        for action in catalog::get().actions() {
            let out = Value::Object(run(&action.name, json!({"SdkAppId": 1400000001u64})));
            let mut found = Vec::new();
            nulls(&out, &action.name, &mut found);
            assert!(found.is_empty(), "{found:?}");
        }
    }
}
