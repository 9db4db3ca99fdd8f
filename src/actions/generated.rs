//! What the values of schema-generated answers look like, for the actions that have no handler
//! yet: TRTC's formats, named by member. The shape comes from the API definition (the gateway
//! walks it); this module gives each scalar a plausible value: timestamps near the virtual
//! clock, task ids in each family's shape (observed in the documentation's examples), CommIds,
//! URLs under the configured media base, the running status of each family.
//!
//! Also the event stream of `TextToSpeechSSE`, which has no schema walk.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use fake::Fake;
use fake::faker::internet::en::IPv4;
use fake::faker::lorem::en::{Word, Words};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Number, Value};

use super::sdk_app_id_of;
use crate::pure::civil;

/// Begin/end member pairs a generated answer keeps in order.
pub const RANGES: &[(&str, &str)] = &[
    ("StartTime", "EndTime"),
    ("StartTime", "FinishTime"),
    ("CreateTime", "DestroyTime"),
    ("CreateTime", "UpdateTime"),
    ("JoinTs", "LeaveTs"),
    ("TimeBeginMs", "TimeEndMs"),
    ("TextBegin", "TextEnd"),
    ("WordBegin", "WordEnd"),
];

/// The scalar types of the API definition, by their names there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scalar {
    String,
    Date,
    Datetime,
    Uint64,
    Int64,
    Float,
    Bool,
}

/// What generated values depend on besides the member.
pub struct Generated<'a> {
    pub action: &'a str,
    /// The validated request parameters.
    pub input: &'a Value,
    /// Virtual now, Unix seconds.
    pub now: u64,
    /// Base of every URL (no trailing slash).
    pub media_url_base: &'a str,
}

impl Generated<'_> {
    /// A value for member `name` of type `ty`, the `index`th of its list (or in the `index`th
    /// object of one).
    pub fn value(&self, name: &str, ty: Scalar, index: usize, rng: &mut ChaCha8Rng) -> Value {
        match ty {
            Scalar::String => Value::String(self.string(name, index, rng)),
            Scalar::Date => Value::String(date(self.recent(rng))),
            Scalar::Datetime => Value::String(datetime(self.recent(rng))),
            Scalar::Uint64 => Value::Number(self.unsigned(name, rng).into()),
            Scalar::Int64 => Value::Number(signed(name, rng).into()),
            Scalar::Float => {
                let x = f64::from(rng.random_range(0..10_000u32)) / 100.0;
                Number::from_f64(x).map_or_else(|| Value::from(0), Value::Number)
            }
            Scalar::Bool => Value::Bool(match name {
                "IsFinished" | "Finished" => true,
                _ => rng.random_bool(0.5),
            }),
        }
    }

    /// A time in the last hour of the virtual clock.
    fn recent(&self, rng: &mut ChaCha8Rng) -> u64 {
        self.now.saturating_sub(rng.random_range(0..3600))
    }

    fn sdk_app_id(&self) -> u64 {
        sdk_app_id_of(self.input).unwrap_or(1_400_000_001)
    }

    fn unsigned(&self, name: &str, rng: &mut ChaCha8Rng) -> u64 {
        match name {
            "SdkAppId" => self.sdk_app_id(),
            "AppId" => 1_250_000_000 + rng.random_range(0..1_000_000),
            "BeginTimeStamp" | "ReqTimestamp" => self.recent(rng) * 1000 + rng.random_range(0..1000),
            "TotalDurationMs" => rng.random_range(1_000..600_000),
            "TimeBeginMs" | "TimeEndMs" | "WordBegin" | "WordEnd" | "TextBegin" | "TextEnd" => {
                rng.random_range(0..10_000)
            }
            "AudioFormat" => 0,
            "Width" => 1280,
            "Height" => 720,
            "PictureId" => rng.random_range(10_000..100_000),
            "Time" | "CreateTime" | "DestroyTime" | "EventTime" | "StartTime" | "EndTime" => self.recent(rng),
            n if n.ends_with("Ts") => self.recent(rng),
            // Everything else named for time is a duration, in seconds.
            n if n.contains("Time") => rng.random_range(0..36_000),
            _ => rng.random_range(0..100),
        }
    }

    fn string(&self, name: &str, index: usize, rng: &mut ChaCha8Rng) -> String {
        match name {
            "TaskId" => self.task_id(rng),
            n if n.ends_with("Url") => self.url(n, rng),
            "Status" => self.status().to_owned(),
            "CommId" => format!("{}_{}_{}", self.sdk_app_id(), rng.random_range(1..1_000_000u32), self.recent(rng)),
            "UserId" | "PeerId" => format!("user_{}", rng.random_range(1..100_000u32)),
            "RoomId" | "RoomStr" | "RoomString" => rng.random_range(1..1_000_000u32).to_string(),
            "SdkAppId" => self.sdk_app_id().to_string(),
            "SessionId" | "DataId" | "RecordId" | "RecorderKey" => hex(rng, 24),
            "VoiceId" | "VocabId" | "VoicePrintId" => {
                format!("{}-{}", &name[..name.len() - 2].to_lowercase(), hex(rng, 12))
            }
            // The AI families give their start as a local time with microseconds.
            "StartTime" => format!("{}.{:06}", datetime(self.recent(rng)), rng.random_range(0..1_000_000u32)),
            "CreateTime" | "UpdateTime" => datetime(self.now.saturating_sub(rng.random_range(0..86_400))),
            "FileName" => format!("{}.m3u8", hex(rng, 16)),
            "TrackType" => "audio_video".to_owned(),
            "Role" => if index % 2 == 0 { "user" } else { "assistant" }.to_owned(),
            "Label" | "SubLabel" => "Normal".to_owned(),
            "Audio" => {
                let bytes: Vec<u8> = (0..48).map(|_| rng.random()).collect();
                STANDARD.encode(bytes)
            }
            "DeviceType" => ["ios", "android", "windows", "mac", "web"][rng.random_range(0..5)].to_owned(),
            "SdkVersion" => "12.1.0.16002".to_owned(),
            "ClientIp" => IPv4().fake_with_rng(rng),
            "WordWeightStr" => {
                let word: String = Word().fake_with_rng(rng);
                format!("{word}|{}", rng.random_range(1..=11))
            }
            "Text" | "AudioText" | "Content" | "Desc" | "Description" | "SeverityDesc" | "Keywords" => {
                let words: Vec<String> = Words(3..8).fake_with_rng(rng);
                words.join(" ")
            }
            "Name" | "AudioName" | "LibName" | "Scene" | "Word" => Word().fake_with_rng(rng),
            other => format!("{}-{:04}", other.to_lowercase(), rng.random_range(0..10_000u32)),
        }
    }

    fn task_id(&self, rng: &mut ChaCha8Rng) -> String {
        task_id(self.action, self.now, rng)
    }

    /// The running state of the family's tasks.
    fn status(&self) -> &'static str {
        if self.action.contains("AsyncTextToSpeech") { "Success" } else { "InProgress" }
    }

    fn url(&self, name: &str, rng: &mut ChaCha8Rng) -> String {
        let ext = if name.contains("Subtitle") {
            "srt"
        } else if name.contains("Audio") {
            "mp3"
        } else {
            "m3u8"
        };
        let path: String = self.action.chars().flat_map(char::to_lowercase).collect();
        format!("{}/{path}/{}.{ext}", self.media_url_base.trim_end_matches('/'), hex(rng, 16))
    }
}

/// A task id in the shape the family of `action` uses (observed in the documentation's
/// examples): base64 with `/` as `-` and `=` as `.` for the media families, `v2_YYYYMMDD_…` for
/// the AI ones, a UUID for speech synthesis and audio moderation.
pub fn task_id(action: &str, now: u64, rng: &mut ChaCha8Rng) -> String {
    const BASE64ISH: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+-";
    const WORDISH: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_";
    if action.contains("AIConversation") || action.contains("AITranscription") || action == "QueryAIMessageList" {
        let day = date(now).replace('-', "");
        format!("v2_{day}_{}", chars(rng, WORDISH, 56))
    } else if action.contains("StreamIngest") {
        format!("{}.", chars(rng, BASE64ISH, 115))
    } else if action.contains("WebRecord") {
        format!("{}..", chars(rng, BASE64ISH, 126))
    } else if action.contains("LiveStreamModeration") {
        chars(rng, b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-", 116)
    } else if action.contains("TextToSpeech") || action.contains("AudioModeration") {
        let h = hex(rng, 32);
        format!("{}-{}-{}-{}-{}", &h[..8], &h[8..12], &h[12..16], &h[16..20], &h[20..])
    } else {
        format!("-{}.", chars(rng, BASE64ISH, 72))
    }
}

/// A task id for `action` from a hash (the task store numbers its tasks).
pub fn task_id_of(action: &str, now: u64, hash: u64) -> String {
    task_id(action, now, &mut ChaCha8Rng::seed_from_u64(hash))
}

fn signed(name: &str, rng: &mut ChaCha8Rng) -> i64 {
    match name {
        "Duration" => rng.random_range(1_000..60_000),
        "ParamOne" | "ParamTwo" => -1,
        "Status" => 1,
        "Suggest" | "StatementID" => 0,
        "MediaType" => 1,
        "Weight" => rng.random_range(1..=11),
        "Severity" => rng.random_range(1..=4),
        "State" => rng.random_range(0..=1),
        _ => rng.random_range(0..100),
    }
}

fn hex(rng: &mut ChaCha8Rng, len: usize) -> String {
    (0..len).map(|_| char::from(b"0123456789abcdef"[rng.random_range(0..16)])).collect()
}

fn chars(rng: &mut ChaCha8Rng, alphabet: &[u8], len: usize) -> String {
    (0..len).map(|_| char::from(alphabet[rng.random_range(0..alphabet.len())])).collect()
}

/// `YYYY-MM-DD` (UTC+8, the zone TRTC's consoles use).
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

    fn generated<'a>(action: &'a str, input: &'a Value) -> Generated<'a> {
        Generated { action, input, now: 1_764_000_000, media_url_base: "https://media.test/" }
    }

    #[test]
    fn task_ids_take_their_family_s_shape() {
        let input = json!({});
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let task = |action| generated(action, &input).value("TaskId", Scalar::String, 0, &mut rng.clone());
        let recording = task("CreateCloudRecording");
        let recording = recording.as_str().unwrap();
        assert!(recording.starts_with('-') && recording.ends_with('.') && recording.len() == 74, "{recording}");
        assert!(task("StartAIConversation").as_str().unwrap().starts_with("v2_20251125_"));
        assert!(task("StartWebRecord").as_str().unwrap().ends_with(".."));
        assert_eq!(
            generated("DescribeAsyncTextToSpeech", &input).value("Status", Scalar::String, 0, &mut rng),
            "Success"
        );
    }

    #[test]
    fn times_are_near_now_and_urls_under_the_base() {
        let input = json!({"SdkAppId": 1400000009u64});
        let g = generated("DescribeAsyncTextToSpeech", &input);
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        let url = g.value("AudioDownloadUrl", Scalar::String, 0, &mut rng);
        assert!(url.as_str().unwrap().starts_with("https://media.test/describeasynctexttospeech/"), "{url}");
        let start = g.value("StartTime", Scalar::String, 0, &mut rng);
        let start = start.as_str().unwrap();
        let at = civil::parse_local(&start[..19], civil::Precision::Second).unwrap();
        assert!((1_764_000_000 - 3600..=1_764_000_000).contains(&at) && start.len() == 26, "{start}");
        assert_eq!(g.value("SdkAppId", Scalar::Uint64, 0, &mut rng), 1400000009u64);
    }
}
