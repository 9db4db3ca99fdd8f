//! Speech synthesis: TextToSpeech answers the whole audio, TextToSpeechSSE streams it in chunks,
//! VoiceClone makes a voice from prompt audio, and AsyncTextToSpeech starts a task that is
//! Processing for a time proportional to its text, then Success with its files under
//! `--media-url-base`, then Expired after [`ASYNC_RETENTION_SECS`].
//!
//! The audio is a voice-like tone ([`crate::pure::audio`]): its length follows the text and the
//! speed, its pitch the voice and Pitch, its loudness Volume; the same seed, text and voice give
//! the same bytes.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::tasks::params;
use super::{Ctx, Output};
use crate::error::{ApiError, ApiResult};
use crate::pure::audio::{self, Voice as Tone};
use crate::pure::hash::{fnv1a, mix};
use crate::world::live::Streams;
use crate::world::model::Services;
use crate::world::running::NewTask;
use crate::world::speech::ClonedVoice;
use crate::world::tasks::{Family, Idle, Rules, State, Subscription};

/// Most characters TextToSpeech takes.
pub const TTS_MAX_CHARS: usize = 2_000;
/// Most characters TextToSpeechSSE takes.
pub const SSE_MAX_CHARS: usize = 20_000;
/// Most characters AsyncTextToSpeech takes (a CJK character counts 2).
pub const ASYNC_MAX_CHARS: usize = 50_000;
/// Seconds an async task's files stay downloadable once made (not documented: one day).
pub const ASYNC_RETENTION_SECS: u64 = 86_400;
/// Voices one SdkAppId may clone (not documented).
pub const MAX_CLONED_VOICES: usize = 100;
/// Milliseconds of audio the async service makes per second of processing.
const ASYNC_MS_PER_SECOND: u64 = 10_000;

const MODELS: [&str; 2] = ["flow_02_turbo", "flow_01_ex"];
const TURBO_LANGUAGES: [&str; 10] = ["zh", "en", "ja", "ko", "yue", "ms", "ar", "id", "th", "vi"];
const EX_LANGUAGES: [&str; 41] = [
    "zh", "zh-tw", "en", "ja", "ko", "ms", "yue", "ar", "ru", "es", "fr", "pt", "de", "tr", "nl", "uk", "vi", "id",
    "it", "th", "pl", "ro", "el", "cs", "fi", "hi", "bg", "da", "he", "fa", "sk", "sv", "hr", "tl", "hu", "no", "sl",
    "ca", "nn", "ta", "af",
];
const EMOTIONS: [&str; 9] = ["happy", "sad", "angry", "fearful", "disgusted", "surprised", "calm", "fluent", "whisper"];
const SAMPLE_RATES: [u64; 3] = [8_000, 16_000, 24_000];
const BITRATES: [u64; 4] = [64, 128, 192, 256];

#[derive(Debug, Deserialize, Serialize, Clone)]
#[serde(rename_all = "PascalCase")]
pub struct VoiceInput {
    pub voice_id: String,
    pub speed: Option<f64>,
    pub volume: Option<f64>,
    pub pitch: Option<i64>,
    pub emotion: Option<String>,
}

#[derive(Debug, Deserialize, Serialize, Clone, Default)]
#[serde(rename_all = "PascalCase")]
pub struct AudioFormatInput {
    pub format: Option<String>,
    pub sample_rate: Option<u64>,
    pub bitrate: Option<u64>,
}

#[derive(Debug, Deserialize, Serialize, Clone)]
#[serde(rename_all = "PascalCase")]
pub struct PronunciationDictInput {
    pub word: String,
    pub pronunciation: String,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TextToSpeechInput {
    pub text: String,
    pub voice: VoiceInput,
    pub sdk_app_id: u64,
    pub audio_format: Option<AudioFormatInput>,
    #[serde(rename = "APIKey", skip_serializing)]
    pub api_key: Option<String>,
    pub model: Option<String>,
    pub language: Option<String>,
    pub pronunciation_dict: Option<Vec<PronunciationDictInput>>,
    pub alignment_mode: Option<u64>,
    pub extra_params: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AlignmentItem {
    pub text: String,
    pub time_begin_ms: u64,
    pub time_end_ms: u64,
    pub text_begin: u64,
    pub text_end: u64,
    pub words: Vec<Value>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TextToSpeechOutput {
    pub audio: String,
    pub alignments: Vec<AlignmentItem>,
    pub total_duration_ms: u64,
}

/// Which synthesis action checks a request: their limits and codes differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Sync,
    Sse,
    Async,
    /// VoiceClone checks the model and language too, under its own codes.
    Clone,
}

impl Kind {
    fn formats(self) -> &'static [&'static str] {
        match self {
            Kind::Sync => &["pcm", "wav", "mp3", "opus"],
            Kind::Sse | Kind::Async | Kind::Clone => &["pcm", "mp3", "opus"],
        }
    }

    fn default_format(self) -> &'static str {
        if self == Kind::Async { "mp3" } else { "pcm" }
    }

    /// The code of a parameter rule, or `InvalidParameter` where the action documents none
    /// (AsyncTextToSpeech lists only its text and task codes, VoiceClone no model codes).
    fn code(self, specific: &'static str) -> &'static str {
        if matches!(self, Kind::Async | Kind::Clone) { "InvalidParameter" } else { specific }
    }
}

/// What was asked, checked.
#[derive(Debug, Clone)]
pub struct Synthesis {
    pub text: String,
    pub voice_id: String,
    pub speed: f64,
    pub volume: f64,
    pub pitch: i64,
    pub format: String,
    pub sample_rate: u32,
    pub bitrate: u32,
}

fn invalid(code: &'static str, en: String, zh: String) -> ApiError {
    ApiError::business_with(code, en, zh)
}

/// Whether `id` has the shape of a TRTC system voice (`v-female-R2s4N9qJ`, `v-male-Bk7vD3xP`).
pub fn is_system_voice(id: &str) -> bool {
    let mut parts = id.splitn(3, '-');
    matches!(
        (parts.next(), parts.next(), parts.next()),
        (Some("v"), Some("female" | "male"), Some(tail)) if tail.len() == 8 && tail.bytes().all(|b| b.is_ascii_alphanumeric())
    )
}

fn check_voice(ctx: &Ctx<'_>, app: u64, voice: &VoiceInput, kind: Kind) -> ApiResult<(f64, f64, i64)> {
    let id = voice.voice_id.as_str();
    let known = is_system_voice(id) || ctx.world.cloned_voice(app, id).is_some();
    if !known {
        return Err(invalid(
            kind.code("InvalidParameter.VoiceId"),
            format!("Invalid VoiceId: {id:?} is neither a system voice nor a voice cloned for SdkAppId {app}."),
            format!("无效的VoiceId：{id:?} 既不是系统音色，也不是 SdkAppId {app} 克隆的音色。"),
        ));
    }
    let speed = voice.speed.unwrap_or(1.0);
    if !(0.5..=2.0).contains(&speed) {
        return Err(invalid(
            kind.code("InvalidParameter.Speed"),
            format!("Invalid speed of sound: `Voice.Speed` {speed} is outside [0.5, 2.0]."),
            format!("无效的音速：Voice.Speed {speed} 超出 [0.5, 2.0]。"),
        ));
    }
    let volume = voice.volume.unwrap_or(1.0);
    if !(volume > 0.0 && volume <= 10.0) {
        return Err(invalid(
            kind.code("InvalidParameter.Volume"),
            format!("Invalid volume: `Voice.Volume` {volume} is outside (0, 10]."),
            format!("无效的音量：Voice.Volume {volume} 超出 (0, 10]。"),
        ));
    }
    let pitch = voice.pitch.unwrap_or(0);
    if !(-12..=12).contains(&pitch) {
        return Err(invalid(
            kind.code("InvalidParameter.Pitch"),
            format!("Invalid tone: `Voice.Pitch` {pitch} is outside [-12, 12]."),
            format!("无效的语调：Voice.Pitch {pitch} 超出 [-12, 12]。"),
        ));
    }
    if let Some(emotion) = voice.emotion.as_deref().filter(|e| !e.is_empty())
        && !EMOTIONS.contains(&emotion)
    {
        return Err(ApiError::invalid_parameter_value("Voice.Emotion", emotion));
    }
    Ok((speed, volume, pitch))
}

fn check_format(format: Option<&AudioFormatInput>, kind: Kind) -> ApiResult<(String, u32, u32)> {
    let format = format.cloned().unwrap_or_default();
    let name = format.format.filter(|f| !f.is_empty()).unwrap_or_else(|| kind.default_format().to_owned());
    if !kind.formats().contains(&name.as_str()) {
        return Err(invalid(
            "InvalidParameter",
            format!("`AudioFormat.Format` {name:?} is not one of {}.", kind.formats().join(", ")),
            format!("AudioFormat.Format {name:?} 不是 {} 之一。", kind.formats().join("、")),
        ));
    }
    let rate = format.sample_rate.unwrap_or(24_000);
    if !SAMPLE_RATES.contains(&rate) {
        return Err(invalid(
            kind.code("InvalidParameter.SampleRate"),
            format!("Invalid sampling rate: `AudioFormat.SampleRate` {rate} is not 8000, 16000 or 24000."),
            format!("无效的采样率：AudioFormat.SampleRate {rate} 不是 8000、16000 或 24000。"),
        ));
    }
    let bitrate = format.bitrate.unwrap_or(128);
    if !BITRATES.contains(&bitrate) {
        return Err(ApiError::invalid_parameter_value("AudioFormat.Bitrate", &bitrate.to_string()));
    }
    Ok((name, rate as u32, bitrate as u32))
}

/// Characters as the async service counts them: a CJK (non-ASCII) character counts 2.
pub fn weighted_len(text: &str) -> usize {
    text.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum()
}

fn check_text(text: &str, kind: Kind) -> ApiResult<()> {
    let (len, max) = match kind {
        Kind::Sync => (text.chars().count(), TTS_MAX_CHARS),
        Kind::Sse | Kind::Clone => (text.chars().count(), SSE_MAX_CHARS),
        Kind::Async => (weighted_len(text), ASYNC_MAX_CHARS),
    };
    if text.trim().is_empty() {
        return Err(match kind {
            Kind::Sync => ApiError::business("MissingParameter.Text"),
            Kind::Sse | Kind::Clone => ApiError::business_with(
                "InvalidParameter.TextLength",
                "Invalid text length: `Text` is empty.",
                "无效的文本长度：Text 为空。",
            ),
            Kind::Async => ApiError::business_with(
                "InvalidParameter.Text",
                "Invalid text: `Text` is empty.",
                "无效文本：Text 为空。",
            ),
        });
    }
    if len > max {
        let unit = if kind == Kind::Async { " (a CJK character counts 2)" } else { "" };
        return Err(ApiError::business_with(
            "InvalidParameter.TextLength",
            format!("Invalid text length: `Text` has {len} characters{unit}, over the {max} this action takes."),
            format!("无效的文本长度：Text 共 {len} 字符，超过本接口上限 {max}。"),
        ));
    }
    Ok(())
}

fn check_model(model: Option<&str>, language: Option<&str>, alignment: Option<u64>, kind: Kind) -> ApiResult<()> {
    let model = model.filter(|m| !m.is_empty()).unwrap_or("flow_02_turbo");
    let allowed: &[&str] = if kind == Kind::Async { &MODELS[..1] } else { &MODELS };
    if !allowed.contains(&model) {
        return Err(invalid(
            kind.code("InvalidParameter.Model"),
            format!("Invalid Model: {model:?} is not one of {}.", allowed.join(", ")),
            format!("无效的Model参数：{model:?} 不是 {} 之一。", allowed.join("、")),
        ));
    }
    if let Some(language) = language.filter(|l| !l.is_empty()) {
        let languages: &[&str] = if model == "flow_01_ex" { &EX_LANGUAGES } else { &TURBO_LANGUAGES };
        if !languages.contains(&language) {
            return Err(invalid(
                kind.code("InvalidParameter.Language"),
                format!("Invalid language: {model} does not synthesize {language:?}."),
                format!("无效的语言参数：{model} 不支持 {language:?}。"),
            ));
        }
    }
    match alignment.unwrap_or(0) {
        0 | 1 => Ok(()),
        2 if kind != Kind::Async && model == "flow_01_ex" => Ok(()),
        2 if matches!(kind, Kind::Sync | Kind::Sse) => Err(invalid(
            "InvalidParameter.Model",
            "Invalid Model: word-level subtitles (AlignmentMode 2) need flow_01_ex.".into(),
            "无效的Model参数：词级别字幕（AlignmentMode 2）仅 flow_01_ex 支持。".into(),
        )),
        other => Err(ApiError::invalid_parameter_value("AlignmentMode", &other.to_string())),
    }
}

fn check_dict(dict: Option<&[PronunciationDictInput]>, kind: Kind) -> ApiResult<()> {
    if let Some(bad) = dict.into_iter().flatten().find(|d| d.word.is_empty() || d.pronunciation.is_empty()) {
        return Err(invalid(
            kind.code("InvalidParameter.PronunciationDict"),
            format!("Invalid pronunciation dictionary entry: {:?} needs both a Word and a Pronunciation.", bad.word),
            format!("发音纠正词典条目参数错误：{:?} 需要 Word 与 Pronunciation。", bad.word),
        ));
    }
    Ok(())
}

fn check_extra(extra: Option<&str>) -> ApiResult<()> {
    match extra.filter(|e| !e.is_empty()) {
        Some(e) if serde_json::from_str::<Value>(e).map(|v| !v.is_object()).unwrap_or(true) => {
            Err(ApiError::invalid_parameter_value("ExtraParams", e))
        }
        _ => Ok(()),
    }
}

/// Checks a synthesis request as `kind` does.
fn check(ctx: &Ctx<'_>, input: &TextToSpeechInput, kind: Kind) -> ApiResult<Synthesis> {
    super::rules::app(ctx, input.sdk_app_id, "MissingParameter", "AuthFailure.UnauthorizedOperation")?;
    check_text(&input.text, kind)?;
    if kind != Kind::Async && input.api_key.as_deref() == Some("") {
        return Err(ApiError::business("MissingParameter.APIKey"));
    }
    check_model(input.model.as_deref(), input.language.as_deref(), input.alignment_mode, kind)?;
    let (speed, volume, pitch) = check_voice(ctx, input.sdk_app_id, &input.voice, kind)?;
    let (format, sample_rate, bitrate) = check_format(input.audio_format.as_ref(), kind)?;
    check_dict(input.pronunciation_dict.as_deref(), kind)?;
    check_extra(input.extra_params.as_deref())?;
    Ok(Synthesis {
        text: input.text.clone(),
        voice_id: input.voice.voice_id.clone(),
        speed,
        volume,
        pitch,
        format,
        sample_rate,
        bitrate,
    })
}

/// Milliseconds of speech in `text` at `speed`: 250 ms a CJK character, 70 ms a Latin letter or
/// digit, 120 ms a space or punctuation mark; 300 ms at least.
pub fn speech_ms(text: &str, speed: f64) -> u64 {
    let ms: u64 = text
        .chars()
        .map(|c| {
            if !c.is_ascii() {
                250
            } else if c.is_ascii_alphanumeric() {
                70
            } else {
                120
            }
        })
        .sum();
    ((ms.max(300) as f64 / speed).round() as u64).max(1)
}

impl Synthesis {
    fn tone(&self, seed: u64) -> Tone {
        let voice = fnv1a(&self.voice_id);
        let seed = mix(seed, &[0x7755, voice, fnv1a(&self.text)]);
        // Female voices sit an octave above male ones; clones anywhere between.
        let base = match self.voice_id.split('-').nth(1) {
            Some("female") => 220.0,
            Some("male") => 120.0,
            _ => 120.0 + 100.0 * crate::pure::hash::unit(voice),
        };
        Tone {
            seed,
            sample_rate: self.sample_rate,
            duration_ms: speech_ms(&self.text, self.speed),
            pitch_hz: base * 2f64.powf(self.pitch as f64 / 12.0),
            amplitude: (0.3 * self.volume).min(0.95),
        }
    }

    /// The audio file and its duration.
    pub fn render(&self, seed: u64) -> (Vec<u8>, u64) {
        let tone = self.tone(seed);
        let bytes = match self.format.as_str() {
            "wav" => audio::wav(&tone.pcm(), tone.sample_rate),
            "mp3" => audio::mp3(&tone, self.bitrate),
            "opus" => audio::ogg_opus(&tone, self.bitrate),
            _ => audio::pcm_bytes(&tone.pcm()),
        };
        (bytes, tone.duration_ms)
    }

    /// Sentence-level subtitles: the text cut after each sentence mark, each sentence's time in
    /// proportion to its speech.
    fn alignments(&self, total_ms: u64) -> Vec<AlignmentItem> {
        let mut sentences: Vec<(usize, String)> = Vec::new();
        let mut current = String::new();
        let mut begin = 0usize;
        for (i, c) in self.text.chars().enumerate() {
            current.push(c);
            if matches!(c, '。' | '！' | '？' | '.' | '!' | '?' | '；' | ';' | '\n') {
                sentences.push((begin, std::mem::take(&mut current)));
                begin = i + 1;
            }
        }
        if !current.trim().is_empty() {
            sentences.push((begin, current));
        }
        let whole: u64 = sentences.iter().map(|(_, s)| speech_ms(s, 1.0)).sum::<u64>().max(1);
        let mut at = 0u64;
        let mut spoken = 0u64;
        sentences
            .into_iter()
            .map(|(begin, text)| {
                let chars = text.chars().count();
                spoken += speech_ms(&text, 1.0);
                let end = (spoken.min(whole) * total_ms) / whole;
                let item = AlignmentItem {
                    text,
                    time_begin_ms: at,
                    time_end_ms: end,
                    text_begin: begin as u64,
                    text_end: (begin + chars) as u64,
                    words: Vec::new(),
                };
                at = end;
                item
            })
            .collect()
    }
}

/// Synthesizes a text and answers the whole audio, base64.
pub fn text_to_speech(ctx: &Ctx<'_>, input: TextToSpeechInput) -> ApiResult<TextToSpeechOutput> {
    let synthesis = check(ctx, &input, Kind::Sync)?;
    let (bytes, total_ms) = synthesis.render(ctx.world.generator.seed);
    let alignments = if input.alignment_mode.unwrap_or(0) == 0 { Vec::new() } else { synthesis.alignments(total_ms) };
    Ok(TextToSpeechOutput { audio: STANDARD.encode(bytes), alignments, total_duration_ms: total_ms })
}

/// Bytes of audio in one streamed chunk.
const CHUNK_BYTES: usize = 16 * 1024;

/// Synthesizes a text and streams it: chunks whose audio, put end to end, is the file.
pub fn text_to_speech_sse(ctx: &Ctx<'_>, input: TextToSpeechInput) -> ApiResult<Output> {
    let synthesis = check(ctx, &input, Kind::Sse)?;
    let (bytes, _) = synthesis.render(ctx.world.generator.seed);
    let chunks: Vec<&[u8]> = bytes.chunks(CHUNK_BYTES).collect();
    let count = chunks.len();
    Ok(Output::Events(
        chunks
            .into_iter()
            .enumerate()
            .map(|(seq, chunk)| {
                let mut event = Map::new();
                event.insert("Type".into(), "chunk".into());
                event.insert("ChunkId".into(), format!("chunk_{seq}").into());
                event.insert("Audio".into(), STANDARD.encode(chunk).into());
                event.insert("Seq".into(), seq.into());
                event.insert("IsEnd".into(), (seq + 1 == count).into());
                event
            })
            .collect(),
    ))
}

/// TextToSpeechSSE behind the handler table's signature (its answer is a stream, not JSON).
pub fn text_to_speech_sse_run(ctx: &Ctx<'_>, input: Value) -> ApiResult<Output> {
    let input = serde_json::from_value(input).map_err(|e| {
        tracing::error!(error = %e, "validated input does not fit the handler's type");
        ApiError::internal_error()
    })?;
    text_to_speech_sse(ctx, input)
}

// ---- VoiceClone -------------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct VoiceCloneInput {
    pub sdk_app_id: u64,
    pub voice_name: String,
    pub prompt_audio: String,
    #[serde(rename = "APIKey")]
    pub api_key: Option<String>,
    pub prompt_text: Option<String>,
    pub model: Option<String>,
    pub language: Option<String>,
    pub extra_params: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct VoiceCloneOutput {
    pub voice_id: String,
}

fn bad_prompt(en: String, zh: String) -> ApiError {
    ApiError::business_with(
        "InvalidParameter.AudioPrompt",
        format!("Invalid reference audio: {en}"),
        format!("无效的参考音频：{zh}"),
    )
}

/// Makes a voice from 6 to 180 seconds of WAV, MP3 or M4A; its VoiceId works in the synthesis
/// actions of the same SdkAppId.
pub fn voice_clone(ctx: &Ctx<'_>, input: VoiceCloneInput) -> ApiResult<VoiceCloneOutput> {
    super::rules::app(ctx, input.sdk_app_id, "MissingParameter", "AuthFailure.UnauthorizedOperation")?;
    if input.api_key.as_deref() == Some("") {
        return Err(ApiError::business("MissingParameter.APIKey"));
    }
    let name = &input.voice_name;
    if name.is_empty() || name.len() > 36 || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return Err(ApiError::business_with(
            "InvalidParameter.VoiceName",
            format!("Invalid sound name: {name:?} must be 1 to 36 letters, digits or underscores."),
            format!("无效的声音名字：{name:?} 只能由 1 到 36 位数字、字母、下划线组成。"),
        ));
    }
    check_model(input.model.as_deref(), input.language.as_deref(), None, Kind::Clone)?;
    check_extra(input.extra_params.as_deref())?;
    let bytes = STANDARD
        .decode(input.prompt_audio.trim())
        .map_err(|_| bad_prompt("`PromptAudio` is not base64.".into(), "PromptAudio 不是 base64。".into()))?;
    let probe = audio::probe(&bytes).ok_or_else(|| {
        bad_prompt(
            "`PromptAudio` is not a WAV, MP3 or M4A file.".into(),
            "PromptAudio 不是 wav、mp3 或 m4a 文件。".into(),
        )
    })?;
    if !(6_000..=180_000).contains(&probe.duration_ms) {
        return Err(bad_prompt(
            format!("the {} is {} ms long; it must last 6 to 180 seconds.", probe.format, probe.duration_ms),
            format!("{} 时长 {} 毫秒，须在 6 到 180 秒之间。", probe.format, probe.duration_ms),
        ));
    }
    let model = input.model.clone().filter(|m| !m.is_empty()).unwrap_or_else(|| MODELS[0].to_owned());
    let (app, seed, now) = (input.sdk_app_id, ctx.world.generator.seed, ctx.now);
    ctx.world.update_speech(
        app,
        |_| false,
        |_, speech| {
            if speech.voices.len() >= MAX_CLONED_VOICES {
                return Err(ApiError::business_with(
                    "LimitExceeded.VoiceCloneMaxNumLimit",
                    format!("Voice-clone count exceeds maximum: SdkAppId {app} has {MAX_CLONED_VOICES} cloned voices."),
                    format!("克隆超过最大数量：SdkAppId {app} 已有 {MAX_CLONED_VOICES} 个克隆音色。"),
                ));
            }
            speech.made += 1;
            let voice_id = format!("v-clone-{}", alnum(mix(seed, &[0xc10e, app, speech.made]), 16));
            speech.voices.push(ClonedVoice {
                voice_id: voice_id.clone(),
                name: input.voice_name.clone(),
                model,
                created_at: now,
                prompt_ms: probe.duration_ms,
            });
            Ok(VoiceCloneOutput { voice_id })
        },
    )
}

/// `len` letters and digits from a hash.
pub fn alnum(hash: u64, len: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    (0..len as u64).map(|i| ALPHABET[(mix(hash, &[i]) % ALPHABET.len() as u64) as usize] as char).collect()
}

/// A UUID-shaped id from a hash (the shape of async TTS TaskIds and voiceprint ids).
pub fn uuid_of(hash: u64) -> String {
    let (a, b) = (mix(hash, &[1]), mix(hash, &[2]));
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        0x8000 | ((b >> 48) & 0x3fff),
        b & 0xffff_ffff_ffff
    )
}

// ---- AsyncTextToSpeech ------------------------------------------------------------------------

#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AsyncTextToSpeechInput {
    pub text: String,
    pub voice: VoiceInput,
    pub sdk_app_id: u64,
    pub audio_format: Option<AudioFormatInput>,
    pub model: Option<String>,
    pub pronunciation_dict: Option<Vec<PronunciationDictInput>>,
    pub alignment_mode: Option<u64>,
    pub language_code: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TaskIdOutput {
    pub task_id: String,
}

/// Starts synthesizing a long text; the task is Processing for a second per ten seconds of
/// audio (one at least).
pub fn async_text_to_speech(ctx: &Ctx<'_>, input: AsyncTextToSpeechInput) -> ApiResult<TaskIdOutput> {
    let as_sync = TextToSpeechInput {
        text: input.text.clone(),
        voice: input.voice.clone(),
        sdk_app_id: input.sdk_app_id,
        audio_format: input.audio_format.clone(),
        api_key: None,
        model: input.model.clone(),
        language: input.language_code.clone(),
        pronunciation_dict: input.pronunciation_dict.clone(),
        alignment_mode: input.alignment_mode,
        extra_params: None,
    };
    let synthesis = check(ctx, &as_sync, Kind::Async)?;
    let audio_ms = speech_ms(&synthesis.text, synthesis.speed);
    let processing = audio_ms.div_ceil(ASYNC_MS_PER_SECOND).max(1);
    let mut kept = params(&input);
    kept["AudioFormat"] = serde_json::json!({
        "Format": synthesis.format, "SampleRate": synthesis.sample_rate, "Bitrate": synthesis.bitrate
    });
    kept["TotalDurationMs"] = audio_ms.into();
    let new = NewTask {
        family: Family::AsyncTts,
        room: None,
        robot: None,
        rules: Rules {
            idle: Idle::Never,
            max_idle: None,
            max_duration: Some(processing),
            handle_secs: None,
            exit_grace: ASYNC_RETENTION_SECS,
        },
        subscription: Subscription::default(),
        streams: Streams::NONE,
        params: kept,
        dedupe: None,
        limit: ctx.world.limits.get(Family::AsyncTts),
        services: Services::default(),
    };
    let task_id = ctx.world.start_task(input.sdk_app_id, new, ctx.now, uuid_of).map_err(|_| {
        ApiError::business_with(
            "UnsupportedOperation.TaskLimit",
            format!(
                "Task concurrency limit: SdkAppId {} already has {} tasks processing.",
                input.sdk_app_id,
                ctx.world.limits.get(Family::AsyncTts)
            ),
            format!(
                "任务并发限制：SdkAppId {} 已有 {} 个任务在处理中。",
                input.sdk_app_id,
                ctx.world.limits.get(Family::AsyncTts)
            ),
        )
    })?;
    Ok(TaskIdOutput { task_id })
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeAsyncTextToSpeechInput {
    pub task_id: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeAsyncTextToSpeechOutput {
    pub status: &'static str,
    pub audio_download_url: String,
    pub subtitle_download_url: String,
    pub total_duration_ms: u64,
}

/// The audio and subtitle URLs of an async task under `base`, as TRTC's bucket names them.
pub fn async_files(base: &str, task_id: &str, params: &Value) -> (String, String) {
    let format = params["AudioFormat"]["Format"].as_str().unwrap_or("mp3");
    let dir = format!("{}/async-tts/{task_id}", base.trim_end_matches('/'));
    let subtitle = if params["AlignmentMode"] == 1 { format!("{dir}/subtitle.json") } else { String::new() };
    (format!("{dir}/result.{format}"), subtitle)
}

/// Processing, then Success with the files, then Expired.
pub fn describe_async_text_to_speech(
    ctx: &Ctx<'_>,
    input: DescribeAsyncTextToSpeechInput,
) -> ApiResult<DescribeAsyncTextToSpeechOutput> {
    let id = input.task_id.trim();
    let shaped = id.len() == 36 && id.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-');
    if !shaped {
        return Err(ApiError::business_with(
            "InvalidParameter.TaskId",
            format!("TaskId parameter error: {id:?} is not an async TTS TaskId."),
            format!("TaskId 参数错误：{id:?} 不是异步语音合成的 TaskId。"),
        ));
    }
    let view = ctx
        .world
        .task_anywhere(id, ctx.now, |app| ctx.account.allows(app))
        .filter(|v| v.task.family == Family::AsyncTts)
        .ok_or_else(|| ApiError::business("FailedOperation.TaskNotExist"))?;
    let params = view.task.params_at(ctx.now);
    let total = params["TotalDurationMs"].as_u64().unwrap_or_default();
    Ok(match view.state(ctx.now) {
        State::Idle | State::Working => DescribeAsyncTextToSpeechOutput {
            status: "Processing",
            audio_download_url: String::new(),
            subtitle_download_url: String::new(),
            total_duration_ms: 0,
        },
        State::Exiting => {
            let (audio, subtitle) = async_files(&ctx.world.media_url_base, id, &params);
            DescribeAsyncTextToSpeechOutput {
                status: "Success",
                audio_download_url: audio,
                subtitle_download_url: subtitle,
                total_duration_ms: total,
            }
        }
        State::Gone => DescribeAsyncTextToSpeechOutput {
            status: "Expired",
            audio_download_url: String::new(),
            subtitle_download_url: String::new(),
            total_duration_ms: total,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn system_voices_have_their_shape() {
        assert!(is_system_voice("v-female-R2s4N9qJ"));
        assert!(is_system_voice("v-male-Bk7vD3xP"));
        assert!(!is_system_voice("v-male-Bk7vD3x"));
        assert!(!is_system_voice("v-clone-Bk7vD3xP"));
    }

    #[test]
    fn uuids_are_uuid_shaped() {
        let id = uuid_of(42);
        assert_eq!(id.len(), 36);
        assert_eq!(id.matches('-').count(), 4);
    }

    #[test]
    fn speech_slows_with_speed() {
        assert_eq!(speech_ms("你好世界", 1.0), 1000);
        assert_eq!(speech_ms("你好世界", 2.0), 500);
        assert_eq!(weighted_len("ab你"), 4);
    }
}
