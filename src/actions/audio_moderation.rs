//! CreateAudioModerationSync (CN): a synchronous verdict on a short audio clip.
//!
//! The clip comes as `FileContent` (base64 of a wav, mp3 or m4a file as `FileFormat` says, at
//! most 5 MB and 60 s; wav 16-bit PCM, every format 16–48 kHz, mono or stereo) or as `FileUrl`,
//! which the emulator does not fetch. The content must decode as the stated format.
//!
//! The verdict is a function of the content (or the URL) and the seed: most clips pass, some are
//! for review, some blocked. Tests choose one with a marker in `FileName` or `DataId`:
//! `label-<Label>` (one of the documented labels) and, optionally, `suggest-<0|1|2>`; a label
//! other than Normal is blocked (2) unless the marker says otherwise. The same request always
//! gets the same answer, TaskId included.
//!
//! The action documents no codes of its own, so its refusals are the common ones: a value that
//! is not allowed `InvalidParameterValue`, content that is not what it should be
//! `InvalidParameter`, neither content nor URL `MissingParameter`.

use std::io::Cursor;

use base64::Engine;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use symphonia::core::codecs::{CodecParameters, Decoder, DecoderOptions};
use symphonia::core::formats::{FormatOptions, FormatReader};
use symphonia::core::io::MediaSourceStream;

use super::Ctx;
use super::generated::task_id_of;
use crate::error::{ApiError, ApiResult};
use crate::pure::hash::mix;

/// Largest decoded `FileContent`.
pub const MAX_BYTES: usize = 5 * 1024 * 1024;
/// Longest clip, in milliseconds.
pub const MAX_MILLIS: u64 = 60_000;
/// Longest `DataId` and `FileName`, in characters.
pub const MAX_NAME_CHARS: usize = 64;
/// The labels a verdict may carry, as documented.
pub const LABELS: [&str; 11] =
    ["Normal", "Ad", "Porn", "Abuse", "Illegal", "Polity", "Terror", "Sexy", "Moan", "QRCode", "Custom"];

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateAudioModerationSyncInput {
    pub sdkappid: Option<i64>,
    pub biz_type: Option<String>,
    pub data_id: Option<String>,
    pub file_format: Option<String>,
    pub file_name: Option<String>,
    pub file_content: Option<String>,
    pub file_url: Option<String>,
}

#[derive(Debug, Serialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct CheckDetail {
    pub scene: String,
    pub label: String,
    pub sub_label: String,
    pub suggest: i64,
    pub lib_name: String,
    pub keywords: Vec<String>,
    pub desc: String,
    pub score: i64,
    pub severity: i64,
    pub severity_desc: String,
    pub audio_segments: AudioSegments,
    pub image_location: ImageLocation,
}

/// Where in the clip the hit is, in seconds: the whole clip.
#[derive(Debug, Serialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct AudioSegments {
    pub start_time: f64,
    pub finish_time: f64,
}

/// Where in a picture the hit is: a clip has none, so the origin.
#[derive(Debug, Serialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct ImageLocation {
    pub x: f64,
    pub y: f64,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateAudioModerationSyncOutput {
    pub data_id: String,
    pub task_id: String,
    pub file_name: String,
    pub media_type: i64,
    pub suggest: i64,
    pub rate: i64,
    pub label: String,
    pub sub_label: String,
    pub audio: String,
    pub audio_text: String,
    pub duration: i64,
    pub check_detail: Vec<CheckDetail>,
}

fn invalid_value(name: &str, why: &str) -> ApiError {
    ApiError::business_with(
        "InvalidParameterValue",
        format!("`{name}` {why}."),
        format!("参数 {name} 取值错误：{why}。"),
    )
}

fn invalid(name: &str, why: &str) -> ApiError {
    ApiError::business_with("InvalidParameter", format!("`{name}` {why}."), format!("参数 {name} 错误：{why}。"))
}

/// `DataId` and `FileName`: letters, digits, `_`, `-`, `@`, `#`; at most 64 characters.
fn check_name(name: &str, value: &str) -> ApiResult<()> {
    if value.chars().count() > MAX_NAME_CHARS {
        return Err(invalid_value(name, "is longer than 64 characters"));
    }
    if !value.bytes().all(|b| b.is_ascii_alphanumeric() || b"_-@#".contains(&b)) {
        return Err(invalid_value(name, "may hold only letters, digits, `_`, `-`, `@` and `#`"));
    }
    Ok(())
}

/// What a clip is, once decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clip {
    pub millis: u64,
    pub sample_rate: u32,
    pub channels: u16,
}

/// Decodes `bytes` as `format` (wav, mp3, m4a), or says why it is not one.
pub fn decode(format: &str, bytes: &[u8]) -> Result<Clip, String> {
    let clip = match format {
        "wav" => wav(bytes)?,
        "mp3" => compressed(bytes, Compressed::Mp3)?,
        _ => compressed(bytes, Compressed::M4a)?,
    };
    if !(16_000..=48_000).contains(&clip.sample_rate) {
        return Err(format!("is sampled at {} Hz, not 16 kHz to 48 kHz", clip.sample_rate));
    }
    if !(1..=2).contains(&clip.channels) {
        return Err(format!("has {} channels, not mono or stereo", clip.channels));
    }
    Ok(clip)
}

fn wav(bytes: &[u8]) -> Result<Clip, String> {
    let reader = hound::WavReader::new(Cursor::new(bytes)).map_err(|e| format!("is not a WAV file ({e})"))?;
    let spec = reader.spec();
    if spec.sample_format != hound::SampleFormat::Int || spec.bits_per_sample != 16 {
        return Err("is not 16-bit PCM".to_owned());
    }
    let frames = u64::from(reader.duration());
    let rate = spec.sample_rate.max(1);
    // Every sample the header announces must be there.
    let samples = reader.into_samples::<i16>().try_fold(0u64, |n, s| s.map(|_| n + 1));
    match samples {
        Ok(n) if n == frames * u64::from(spec.channels) => {}
        _ => return Err("is cut short of the samples its header announces".to_owned()),
    }
    Ok(Clip { millis: frames * 1000 / u64::from(rate), sample_rate: spec.sample_rate, channels: spec.channels })
}

#[derive(Clone, Copy)]
enum Compressed {
    Mp3,
    M4a,
}

fn compressed(bytes: &[u8], kind: Compressed) -> Result<Clip, String> {
    let name = match kind {
        Compressed::Mp3 => "an MP3 file",
        Compressed::M4a => "an M4A (MPEG-4 audio) file",
    };
    let not = |e: &dyn std::fmt::Display| format!("is not {name} ({e})");
    // A file starts as its format does (an MP3 with an ID3 tag or a frame, an MPEG-4 file with
    // its `ftyp` box), so that a decoder hunting for a frame sync finds none in other data.
    let starts_right = match kind {
        Compressed::Mp3 => bytes.starts_with(b"ID3") || (bytes.len() > 1 && bytes[0] == 0xFF && bytes[1] >= 0xE0),
        Compressed::M4a => bytes.get(4..8) == Some(b"ftyp".as_slice()),
    };
    if !starts_right {
        return Err(not(&"it does not start as one"));
    }
    let source = MediaSourceStream::new(Box::new(Cursor::new(bytes.to_vec())), Default::default());
    let options = FormatOptions::default();
    let mut reader: Box<dyn FormatReader> = match kind {
        Compressed::Mp3 => {
            Box::new(symphonia::default::formats::MpaReader::try_new(source, &options).map_err(|e| not(&e))?)
        }
        Compressed::M4a => {
            Box::new(symphonia::default::formats::IsoMp4Reader::try_new(source, &options).map_err(|e| not(&e))?)
        }
    };
    let track = reader.default_track().ok_or_else(|| format!("is not {name} (no audio track)"))?;
    let (track_id, params): (u32, CodecParameters) = (track.id, track.codec_params.clone());
    let decoder_options = DecoderOptions::default();
    let mut decoder: Box<dyn Decoder> = match kind {
        Compressed::Mp3 => Box::new(
            <symphonia::default::codecs::MpaDecoder as Decoder>::try_new(&params, &decoder_options)
                .map_err(|e| not(&e))?,
        ),
        Compressed::M4a => Box::new(
            <symphonia::default::codecs::AacDecoder as Decoder>::try_new(&params, &decoder_options)
                .map_err(|e| not(&e))?,
        ),
    };
    let (mut frames, mut rate, mut channels) = (0u64, 0u32, 0u16);
    loop {
        let packet = match reader.next_packet() {
            Ok(packet) => packet,
            Err(symphonia::core::errors::Error::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => break,
            Err(e) => return Err(not(&e)),
        };
        if packet.track_id() != track_id {
            continue;
        }
        let decoded = decoder.decode(&packet).map_err(|e| not(&e))?;
        let spec = *decoded.spec();
        frames += decoded.frames() as u64;
        rate = spec.rate;
        channels = u16::try_from(spec.channels.count()).unwrap_or(u16::MAX);
        // Past the limit there is no need to read on.
        if rate > 0 && frames * 1000 / u64::from(rate) > MAX_MILLIS {
            break;
        }
    }
    if frames == 0 || rate == 0 {
        return Err(format!("is not {name} (no audio in it)"));
    }
    Ok(Clip { millis: frames * 1000 / u64::from(rate), sample_rate: rate, channels })
}

/// The verdict: label, suggestion, confidence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub label: &'static str,
    pub suggest: i64,
    pub rate: i64,
}

/// The verdict on content hashed to `hash`, unless a marker in `names` decides it.
pub fn verdict(hash: u64, names: &[&str]) -> Verdict {
    let marked_label = names.iter().find_map(|n| marker(n, "label-", |v| LABELS.iter().find(|l| **l == v).copied()));
    let marked_suggest =
        names.iter().find_map(|n| marker(n, "suggest-", |v| ["0", "1", "2"].iter().position(|s| *s == v)));
    let rate = 80 + i64::try_from(hash % 21).unwrap_or(0);
    let (label, suggest) = match (marked_label, marked_suggest) {
        (Some(label), Some(s)) => (label, s as i64),
        (Some(label), None) => (label, if label == "Normal" { 0 } else { 2 }),
        (None, marked) => {
            // Most clips pass; one in ten is for review, one in ten blocked.
            let harmful = LABELS[1 + (hash >> 8) as usize % (LABELS.len() - 1)];
            match (marked, (hash >> 16) % 10) {
                (Some(0), _) => ("Normal", 0),
                (Some(s), _) => (harmful, s as i64),
                (None, 0) => (harmful, 1),
                (None, 1) => (harmful, 2),
                (None, _) => ("Normal", 0),
            }
        }
    };
    Verdict { label, suggest, rate }
}

/// The value after `prefix` in a name (up to the next `_`, `@` or `#`), if `parse` takes it.
fn marker<T>(name: &str, prefix: &str, parse: impl Fn(&str) -> Option<T>) -> Option<T> {
    name.match_indices(prefix).find_map(|(at, _)| {
        let rest = &name[at + prefix.len()..];
        let value = rest.split(['_', '@', '#', '-']).next().unwrap_or_default();
        parse(value)
    })
}

/// Moderates one clip now.
pub fn create_audio_moderation_sync(
    ctx: &Ctx<'_>,
    input: CreateAudioModerationSyncInput,
) -> ApiResult<CreateAudioModerationSyncOutput> {
    if let Some(app) = input.sdkappid {
        let app = u64::try_from(app)
            .ok()
            .filter(|a| *a > 0)
            .ok_or_else(|| invalid_value("Sdkappid", "is not an SdkAppId"))?;
        super::rules::app(ctx, app, "MissingParameter", "AuthFailure.UnauthorizedOperation")?;
    }
    let data_id = input.data_id.unwrap_or_default();
    check_name("DataId", &data_id)?;
    let file_name = input.file_name.unwrap_or_default();
    check_name("FileName", &file_name)?;
    let content = input.file_content.filter(|c| !c.is_empty());
    let url = input.file_url.filter(|u| !u.is_empty());
    let format = input.file_format.filter(|f| !f.is_empty());
    if let Some(f) = &format
        && !["wav", "mp3", "m4a"].contains(&f.as_str())
    {
        return Err(invalid_value("FileFormat", "is none of wav, mp3, m4a"));
    }
    let (hash, millis, audio) = match (content, url) {
        (Some(_), Some(_)) => return Err(invalid("FileContent", "and `FileUrl` are both given; give one")),
        (None, None) => return Err(ApiError::missing_parameter("FileContent")),
        (Some(content), None) => {
            let format = format.ok_or_else(|| ApiError::missing_parameter("FileFormat"))?;
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(content.as_bytes())
                .map_err(|_| invalid_value("FileContent", "is not base64"))?;
            if bytes.len() > MAX_BYTES {
                return Err(invalid("FileContent", "is larger than 5 MB"));
            }
            let clip = decode(&format, &bytes).map_err(|why| invalid("FileContent", &why))?;
            if clip.millis > MAX_MILLIS {
                return Err(invalid("FileContent", "is longer than 60 s"));
            }
            (content_hash(&bytes), clip.millis, String::new())
        }
        (None, Some(url)) => {
            let lower = url.to_ascii_lowercase();
            let host = ["http://", "https://"]
                .iter()
                .find_map(|s| lower.strip_prefix(s))
                .map(|rest| rest.split(['/', '?', '#']).next().unwrap_or_default());
            if host.is_none_or(str::is_empty) || url.chars().any(char::is_whitespace) || url.len() > 2048 {
                return Err(invalid_value("FileUrl", "is not an http(s) address"));
            }
            // Nothing is fetched: the verdict follows the address, the duration is not known.
            (content_hash(url.as_bytes()), 0, url)
        }
    };
    let hash = mix(ctx.world.generator.seed, &[0xa0d1, hash]);
    let v = verdict(hash, &[&file_name, &data_id]);
    let check_detail = if v.label == "Normal" {
        Vec::new()
    } else {
        vec![CheckDetail {
            scene: v.label.to_owned(),
            label: v.label.to_owned(),
            sub_label: String::new(),
            suggest: v.suggest,
            lib_name: String::new(),
            keywords: Vec::new(),
            desc: String::new(),
            score: v.rate,
            severity: if v.suggest == 2 { 2 } else { 1 },
            severity_desc: String::new(),
            audio_segments: AudioSegments { start_time: 0.0, finish_time: millis as f64 / 1000.0 },
            image_location: ImageLocation { x: 0.0, y: 0.0 },
        }]
    };
    Ok(CreateAudioModerationSyncOutput {
        data_id,
        task_id: task_id_of("CreateAudioModerationSync", ctx.now, hash),
        file_name,
        media_type: 1,
        suggest: v.suggest,
        rate: v.rate,
        label: v.label.to_owned(),
        sub_label: String::new(),
        audio,
        audio_text: String::new(),
        duration: i64::try_from(millis).unwrap_or(i64::MAX),
        check_detail,
    })
}

fn content_hash(bytes: &[u8]) -> u64 {
    let digest = Sha256::digest(bytes);
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_le_bytes(first)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_decide_the_verdict_and_the_hash_decides_the_rest() {
        assert_eq!(verdict(0, &["clip_label-Porn"]).label, "Porn");
        assert_eq!(verdict(0, &["clip_label-Porn"]).suggest, 2);
        assert_eq!(verdict(0, &["label-Ad_suggest-1"]).suggest, 1);
        assert_eq!(verdict(0, &["", "label-Normal"]), Verdict { label: "Normal", suggest: 0, rate: 80 });
        assert_eq!(verdict(0, &["label-Nope"]), verdict(0, &[]), "an unknown label is no marker");
        // Without a marker: a tenth for review, a tenth blocked, the rest pass.
        let outcomes: Vec<i64> = (0..1000u64).map(|i| verdict(crate::pure::hash::splitmix64(i), &[]).suggest).collect();
        for (s, low, high) in [(0, 700, 900), (1, 50, 150), (2, 50, 150)] {
            let n = outcomes.iter().filter(|o| **o == s).count();
            assert!((low..=high).contains(&n), "suggest {s}: {n}");
        }
        assert_eq!(verdict(7, &["suggest-0"]).label, "Normal");
    }

    #[test]
    fn names_take_the_documented_characters() {
        assert!(check_name("DataId", "a-Z_0@#").is_ok());
        assert!(check_name("DataId", "a.wav").is_err());
        assert!(check_name("DataId", &"a".repeat(65)).is_err());
        assert!(check_name("DataId", &"a".repeat(64)).is_ok());
    }
}
