//! Speech over a real socket: synthesized audio decoded in every format with its duration
//! checked, the synthesis limits at and just past each boundary, voice cloning into TTS, the
//! async synthesis lifecycle on the virtual clock, voiceprints, and ASR vocabularies; each
//! documented code reached.

use crate::common;
use crate::common::{Tc3, advance, assert_code, call, client, config, inspect, start};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use trtc_mock::Running;

const APP: u64 = 1_400_000_001;
const OTHER_APP: u64 = 1_400_000_002;
const TEXT: &str = "你好，欢迎使用实时音视频。Hello TRTC!";

fn tts(text: &str, voice: Value, format: Value) -> Value {
    json!({"SdkAppId": APP, "Text": text, "Voice": voice, "AudioFormat": format})
}

async fn audio_of(server: &Running, body: Value) -> (Vec<u8>, u64) {
    let reply = call(server, "TextToSpeech", body).await;
    let ok = reply.ok();
    (STANDARD.decode(ok["Audio"].as_str().unwrap()).unwrap(), ok["TotalDurationMs"].as_u64().unwrap())
}

/// Decodes a WAV or MP3 with symphonia: (sample rate, frames decoded, peak sample).
fn decode(bytes: Vec<u8>, extension: &str) -> (u32, u64, f32) {
    use symphonia::core::audio::SampleBuffer;
    use symphonia::core::codecs::DecoderOptions;
    use symphonia::core::formats::FormatOptions;
    use symphonia::core::io::MediaSourceStream;
    use symphonia::core::meta::MetadataOptions;
    use symphonia::core::probe::Hint;
    let stream = MediaSourceStream::new(Box::new(std::io::Cursor::new(bytes)), Default::default());
    let mut hint = Hint::new();
    hint.with_extension(extension);
    let probed = symphonia::default::get_probe()
        .format(&hint, stream, &FormatOptions::default(), &MetadataOptions::default())
        .expect("a known format");
    let mut format = probed.format;
    let track = format.default_track().unwrap().clone();
    let mut decoder = symphonia::default::get_codecs().make(&track.codec_params, &DecoderOptions::default()).unwrap();
    let (mut frames, mut peak, mut rate) = (0u64, 0f32, 0u32);
    while let Ok(packet) = format.next_packet() {
        let decoded = decoder.decode(&packet).expect("every packet decodes");
        rate = decoded.spec().rate;
        frames += decoded.frames() as u64;
        let mut samples = SampleBuffer::<f32>::new(decoded.capacity() as u64, *decoded.spec());
        samples.copy_interleaved_ref(decoded);
        peak = samples.samples().iter().fold(peak, |p, s| p.max(s.abs()));
    }
    (rate, frames, peak)
}

/// Reads an Ogg Opus file page by page, checking each page's CRC and each packet's TOC:
/// (input sample rate in OpusHead, final granule position less pre-skip, packets).
fn read_ogg_opus(bytes: &[u8]) -> (u32, u64, usize) {
    fn crc(data: &[u8]) -> u32 {
        let mut crc = 0u32;
        for b in data {
            crc ^= u32::from(*b) << 24;
            for _ in 0..8 {
                crc = if crc & 0x8000_0000 != 0 { (crc << 1) ^ 0x04c1_1db7 } else { crc << 1 };
            }
        }
        crc
    }
    let (mut at, mut packets, mut granule, mut pre_skip, mut rate, mut page_no) =
        (0usize, Vec::new(), 0u64, 0u64, 0u32, 0);
    while at < bytes.len() {
        assert_eq!(&bytes[at..at + 4], b"OggS", "page {page_no} starts with its capture pattern");
        let segments = bytes[at + 26] as usize;
        let lacing = &bytes[at + 27..at + 27 + segments];
        let body: usize = lacing.iter().map(|l| *l as usize).sum();
        let end = at + 27 + segments + body;
        let mut page = bytes[at..end].to_vec();
        let stated = u32::from_le_bytes(page[22..26].try_into().unwrap());
        page[22..26].fill(0);
        assert_eq!(crc(&page), stated, "page {page_no} has a valid CRC");
        granule = u64::from_le_bytes(bytes[at + 6..at + 14].try_into().unwrap());
        let mut p = at + 27 + segments;
        let mut current = Vec::new();
        for l in lacing {
            current.extend_from_slice(&bytes[p..p + *l as usize]);
            p += *l as usize;
            if *l < 255 {
                packets.push(std::mem::take(&mut current));
            }
        }
        at = end;
        page_no += 1;
    }
    assert!(packets[0].starts_with(b"OpusHead"));
    pre_skip = pre_skip.max(u64::from(u16::from_le_bytes([packets[0][10], packets[0][11]])));
    rate = rate.max(u32::from_le_bytes(packets[0][12..16].try_into().unwrap()));
    assert!(packets[1].starts_with(b"OpusTags"));
    for audio in &packets[2..] {
        // RFC 6716 §3.1: config 31 (CELT fullband, 20 ms), mono, one frame.
        assert_eq!(audio[0], 0xf8, "TOC byte");
        assert!(audio.len() >= 2);
    }
    (rate, granule - pre_skip, packets.len() - 2)
}

#[tokio::test]
async fn every_format_decodes_at_its_sample_rate_for_the_duration_it_states() {
    let server = start(config()).await;
    let voice = json!({"VoiceId": "v-female-R2s4N9qJ"});
    for rate in [8_000u32, 16_000, 24_000] {
        let (wav, ms) = audio_of(&server, tts(TEXT, voice.clone(), json!({"Format": "wav", "SampleRate": rate}))).await;
        assert!((3_000..6_000).contains(&ms), "{ms} ms for {} characters", TEXT.chars().count());
        let reader = hound::WavReader::new(std::io::Cursor::new(&wav)).unwrap();
        assert_eq!((reader.spec().sample_rate, reader.spec().channels, reader.spec().bits_per_sample), (rate, 1, 16));
        let (decoded_rate, frames, peak) = decode(wav, "wav");
        assert_eq!((decoded_rate, frames), (rate, ms * u64::from(rate) / 1000));
        assert!(peak > 0.05, "the tone is audible: {peak}");

        let (pcm, pcm_ms) =
            audio_of(&server, tts(TEXT, voice.clone(), json!({"Format": "pcm", "SampleRate": rate}))).await;
        assert_eq!((pcm.len() as u64, pcm_ms), (ms * u64::from(rate) / 1000 * 2, ms), "16-bit mono samples");

        let (mp3, mp3_ms) =
            audio_of(&server, tts(TEXT, voice.clone(), json!({"Format": "mp3", "SampleRate": rate, "Bitrate": 64})))
                .await;
        assert_eq!(mp3_ms, ms);
        let (decoded_rate, frames, peak) = decode(mp3, "mp3");
        assert_eq!(decoded_rate, rate);
        let want = ms * u64::from(rate) / 1000;
        assert!(frames >= want && frames < want + 576, "{frames} frames for {want} samples");
        assert!(peak > 0.01, "the tone is audible: {peak}");

        let (opus, opus_ms) =
            audio_of(&server, tts(TEXT, voice.clone(), json!({"Format": "opus", "SampleRate": rate}))).await;
        assert_eq!(opus_ms, ms);
        let (input_rate, samples_48k, packets) = read_ogg_opus(&opus);
        assert_eq!((input_rate, samples_48k), (rate, ms * 48));
        assert_eq!(packets as u64, (ms * 48 + 312).div_ceil(960), "the packets cover the pre-skip and the duration");
        opusdec_agrees(&opus, ms);
    }
}

/// Where opus-tools is installed, its decoder plays the file for the stated duration.
fn opusdec_agrees(opus: &[u8], ms: u64) {
    let dir = std::env::temp_dir().join(format!("trtc-mock-opus-{}-{ms}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (input, output) = (dir.join("a.opus"), dir.join("a.wav"));
    std::fs::write(&input, opus).unwrap();
    let Ok(status) =
        std::process::Command::new("opusdec").args(["--quiet", "--rate", "48000"]).arg(&input).arg(&output).status()
    else {
        return;
    };
    assert!(status.success(), "opusdec decodes the file");
    let reader = hound::WavReader::open(&output).unwrap();
    let decoded_ms = u64::from(reader.duration()) * 1000 / u64::from(reader.spec().sample_rate);
    assert!(decoded_ms.abs_diff(ms) <= 2, "opusdec played {decoded_ms} ms of {ms}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn audio_is_deterministic_for_seed_text_and_voice_and_follows_speed() {
    let server = start(config()).await;
    let voice = json!({"VoiceId": "v-male-Bk7vD3xP"});
    let format = json!({"Format": "wav", "SampleRate": 16000});
    let (a, ms) = audio_of(&server, tts(TEXT, voice.clone(), format.clone())).await;
    assert_eq!(audio_of(&server, tts(TEXT, voice.clone(), format.clone())).await.0, a);
    assert_ne!(audio_of(&server, tts("另一段文本。", voice.clone(), format.clone())).await.0, a);
    assert_ne!(audio_of(&server, tts(TEXT, json!({"VoiceId": "v-female-R2s4N9qJ"}), format.clone())).await.0, a);
    let (_, fast) =
        audio_of(&server, tts(TEXT, json!({"VoiceId": "v-male-Bk7vD3xP", "Speed": 2.0}), format.clone())).await;
    let (_, slow) =
        audio_of(&server, tts(TEXT, json!({"VoiceId": "v-male-Bk7vD3xP", "Speed": 0.5}), format.clone())).await;
    assert_eq!((fast, slow), (ms.div_ceil(2).max(ms / 2), ms * 2));
    let other_seed = start(trtc_mock::Config { seed: 99, ..config() }).await;
    assert_ne!(audio_of(&other_seed, tts(TEXT, voice, format)).await.0, a);
    let subtitles = call(&server, "TextToSpeech", json!({"SdkAppId": APP, "Text": "第一句。第二句！", "Voice": {"VoiceId": "v-male-Bk7vD3xP"}, "AlignmentMode": 1})).await;
    let items = subtitles.ok()["Alignments"].as_array().unwrap().clone();
    assert_eq!(items.len(), 2);
    assert_eq!((items[0]["Text"].as_str().unwrap(), items[1]["TextBegin"].as_u64().unwrap()), ("第一句。", 4));
    assert_eq!(items[1]["TimeEndMs"], subtitles.ok()["TotalDurationMs"]);
}

async fn tts_code(server: &Running, action: &str, body: Value) -> Option<String> {
    if action == "TextToSpeechSSE" {
        let response = Tc3::post(action, body).send_raw(&server.url()).await.unwrap();
        let text = response.text().await.unwrap();
        return serde_json::from_str::<Value>(&text)
            .ok()
            .and_then(|v| v["Response"]["Error"]["Code"].as_str().map(str::to_owned));
    }
    call(server, action, body).await.code().map(str::to_owned)
}

#[tokio::test]
async fn synthesis_limits_hold_at_and_just_past_each_boundary() {
    let server = start(config()).await;
    let small = json!({"Format": "mp3", "SampleRate": 8000, "Bitrate": 64});
    for (action, max) in [("TextToSpeech", 2_000usize), ("TextToSpeechSSE", 20_000)] {
        let at =
            |text: String, voice: Value| json!({"SdkAppId": APP, "Text": text, "Voice": voice, "AudioFormat": small});
        let v = |extra: Value| {
            let mut voice = json!({"VoiceId": "v-female-R2s4N9qJ"});
            voice.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
            voice
        };
        if action == "TextToSpeech" {
            assert_eq!(tts_code(&server, action, at("a".repeat(max), v(json!({})))).await, None);
        }
        assert_eq!(
            tts_code(&server, action, at("a".repeat(max + 1), v(json!({})))).await.as_deref(),
            Some("InvalidParameter.TextLength")
        );
        let empty = if action == "TextToSpeech" { "MissingParameter.Text" } else { "InvalidParameter.TextLength" };
        assert_eq!(tts_code(&server, action, at(String::new(), v(json!({})))).await.as_deref(), Some(empty));
        for (member, ok, bad, code) in [
            ("Speed", vec![json!(0.5), json!(2.0)], vec![json!(0.49), json!(2.01)], "InvalidParameter.Speed"),
            ("Volume", vec![json!(0.01), json!(10)], vec![json!(0), json!(10.01)], "InvalidParameter.Volume"),
            ("Pitch", vec![json!(-12), json!(12)], vec![json!(-13), json!(13)], "InvalidParameter.Pitch"),
        ] {
            for value in ok {
                assert_eq!(
                    tts_code(&server, action, at("hi".into(), v(json!({member: value})))).await,
                    None,
                    "{member} {value}"
                );
            }
            for value in bad {
                assert_eq!(
                    tts_code(&server, action, at("hi".into(), v(json!({member: value})))).await.as_deref(),
                    Some(code),
                    "{member} {value}"
                );
            }
        }
        let with = |extra: Value| {
            let mut body = at("hi".into(), v(json!({})));
            body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
            body
        };
        for (extra, code) in [
            (json!({"AudioFormat": {"SampleRate": 44100}}), Some("InvalidParameter.SampleRate")),
            (json!({"AudioFormat": {"SampleRate": 16000}}), None),
            (json!({"Model": "flow_03"}), Some("InvalidParameter.Model")),
            (json!({"Model": "flow_01_ex", "Language": "fr"}), None),
            (json!({"Language": "fr"}), Some("InvalidParameter.Language")),
            (json!({"Voice": {"VoiceId": "v-female-nope"}}), Some("InvalidParameter.VoiceId")),
            (
                json!({"PronunciationDict": [{"Word": "行", "Pronunciation": ""}]}),
                Some("InvalidParameter.PronunciationDict"),
            ),
            (json!({"APIKey": ""}), Some("MissingParameter.APIKey")),
            (json!({"AudioFormat": {"Format": "flac"}}), Some("InvalidParameter")),
        ] {
            assert_eq!(tts_code(&server, action, with(extra.clone())).await.as_deref(), code, "{action} {extra}");
        }
    }
    assert_eq!(
        tts_code(&server, "TextToSpeechSSE", json!({"SdkAppId": APP, "Text": "hi", "Voice": {"VoiceId": "v-male-Bk7vD3xP"}, "AudioFormat": {"Format": "wav"}})).await.as_deref(),
        Some("InvalidParameter"),
        "the stream has no WAV"
    );
}

#[tokio::test]
async fn the_event_stream_carries_the_file_in_order() {
    let server = start(config()).await;
    let body = json!({"SdkAppId": APP, "Text": TEXT.repeat(4), "Voice": {"VoiceId": "v-female-R2s4N9qJ"}, "AudioFormat": {"Format": "pcm", "SampleRate": 16000}});
    let response = Tc3::post("TextToSpeechSSE", body.clone()).send_raw(&server.url()).await.unwrap();
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    let text = response.text().await.unwrap();
    let events: Vec<Value> = text
        .split("\n\n")
        .filter(|e| !e.is_empty())
        .map(|e| serde_json::from_str(e.strip_prefix("data: ").unwrap()).unwrap())
        .collect();
    assert!(events.len() > 1, "{} events", events.len());
    let mut audio = Vec::new();
    for (i, e) in events.iter().enumerate() {
        assert_eq!((e["Seq"].as_u64().unwrap(), e["IsEnd"].as_bool().unwrap()), (i as u64, i + 1 == events.len()));
        audio.extend(STANDARD.decode(e["Audio"].as_str().unwrap()).unwrap());
    }
    let mut sync = body;
    sync["AudioFormat"]["Format"] = json!("pcm");
    let (whole, _) = audio_of(&server, sync).await;
    assert_eq!(audio, whole, "the chunks put end to end are TextToSpeech's audio");
}

#[tokio::test]
async fn a_cloned_voice_speaks_in_its_sdk_app_id_only() {
    let server = start(config()).await;
    let clone =
        |audio: Vec<u8>, name: &str| json!({"SdkAppId": APP, "VoiceName": name, "PromptAudio": STANDARD.encode(audio)});
    assert_code(
        &call(&server, "VoiceClone", clone(common::wav(599, 8000, 1, true), "short")).await,
        "InvalidParameter.AudioPrompt",
    );
    assert_code(
        &call(&server, "VoiceClone", clone(common::wav(18_001, 8000, 1, true), "long")).await,
        "InvalidParameter.AudioPrompt",
    );
    assert_code(
        &call(&server, "VoiceClone", clone(b"not audio at all".to_vec(), "junk")).await,
        "InvalidParameter.AudioPrompt",
    );
    assert_code(
        &call(&server, "VoiceClone", clone(common::wav(600, 8000, 1, true), "bad-name")).await,
        "InvalidParameter.VoiceName",
    );
    assert_code(
        &call(&server, "VoiceClone", clone(common::wav(600, 8000, 1, true), &"a".repeat(37))).await,
        "InvalidParameter.VoiceName",
    );
    assert_code(
        &call(&server, "VoiceClone", json!({"SdkAppId": APP, "VoiceName": "k", "PromptAudio": STANDARD.encode(common::wav(600, 8000, 1, true)), "APIKey": ""})).await,
        "MissingParameter.APIKey",
    );
    let long = call(&server, "VoiceClone", clone(common::wav(18_000, 8000, 1, true), &"a".repeat(36))).await;
    assert!(long.ok()["VoiceId"].as_str().unwrap().starts_with("v-clone-"));
    // An MP3 prompt: seven seconds of synthesized speech.
    let (mp3, _) =
        audio_of(&server, tts(&"你好".repeat(14), json!({"VoiceId": "v-male-Bk7vD3xP"}), json!({"Format": "mp3"})))
            .await;
    let voice = call(&server, "VoiceClone", clone(mp3, "from_mp3")).await.ok()["VoiceId"].as_str().unwrap().to_owned();
    let speak = |app: u64| json!({"SdkAppId": app, "Text": "克隆的声音", "Voice": {"VoiceId": voice}});
    call(&server, "TextToSpeech", speak(APP)).await.ok();
    assert_code(&call(&server, "TextToSpeech", speak(OTHER_APP)).await, "InvalidParameter.VoiceId");
    let unknown = json!({"SdkAppId": APP, "Text": "x", "Voice": {"VoiceId": "v-clone-AAAAAAAAAAAAAAAA"}});
    let reply = call(&server, "TextToSpeech", unknown).await;
    assert_code(&reply, "InvalidParameter.VoiceId");
    assert!(reply.message().starts_with("Invalid VoiceId"), "{}", reply.message());
    // The limit: 100 voices an SdkAppId.
    let prompt = STANDARD.encode(common::wav(600, 8000, 1, true));
    for i in 2..100 {
        call(&server, "VoiceClone", json!({"SdkAppId": APP, "VoiceName": format!("v{i}"), "PromptAudio": prompt}))
            .await
            .ok();
    }
    let full =
        call(&server, "VoiceClone", json!({"SdkAppId": APP, "VoiceName": "one_more", "PromptAudio": prompt})).await;
    assert_code(&full, "LimitExceeded.VoiceCloneMaxNumLimit");
    call(&server, "VoiceClone", json!({"SdkAppId": OTHER_APP, "VoiceName": "elsewhere", "PromptAudio": prompt}))
        .await
        .ok();
}

async fn async_status(server: &Running, task: &str) -> Value {
    call(server, "DescribeAsyncTextToSpeech", json!({"TaskId": task})).await.ok().clone()
}

#[tokio::test]
async fn an_async_task_processes_succeeds_then_expires_on_the_clock() {
    let mut cfg = config();
    cfg.task_limits = trtc_mock::world::tasks::Limits::parse("async_tts=2").unwrap();
    cfg.media_url_base = "https://media.example/trtc".into();
    let server = start(cfg).await;
    // 400 CJK characters: 100 s of audio, 10 s of processing.
    let body = json!({"SdkAppId": APP, "Text": "语".repeat(400), "Voice": {"VoiceId": "v-female-R2s4N9qJ"}, "AlignmentMode": 1});
    let task = call(&server, "AsyncTextToSpeech", body.clone()).await.ok()["TaskId"].as_str().unwrap().to_owned();
    assert_eq!(task.len(), 36);
    let status = async_status(&server, &task).await;
    assert_eq!((status["Status"].as_str().unwrap(), status["AudioDownloadUrl"].as_str().unwrap()), ("Processing", ""));
    let second = call(&server, "AsyncTextToSpeech", body.clone()).await.ok()["TaskId"].as_str().unwrap().to_owned();
    assert_code(&call(&server, "AsyncTextToSpeech", body.clone()).await, "UnsupportedOperation.TaskLimit");
    let shown = inspect(&server, &format!("tasks?sdk_app_id={APP}&family=async_tts")).await;
    assert_eq!(shown["tasks"].as_array().unwrap().len(), 2);
    advance(&server, 9).await;
    assert_eq!(async_status(&server, &task).await["Status"], "Processing");
    advance(&server, 1).await;
    let done = async_status(&server, &task).await;
    assert_eq!(done["Status"], "Success");
    assert_eq!(done["AudioDownloadUrl"], format!("https://media.example/trtc/async-tts/{task}/result.mp3"));
    assert_eq!(done["SubtitleDownloadUrl"], format!("https://media.example/trtc/async-tts/{task}/subtitle.json"));
    assert_eq!(done["TotalDurationMs"], 100_000);
    assert_eq!(async_status(&server, &second).await["Status"], "Success");
    call(&server, "AsyncTextToSpeech", body.clone()).await.ok();
    advance(&server, 86_400).await;
    let expired = async_status(&server, &task).await;
    assert_eq!((expired["Status"].as_str().unwrap(), expired["AudioDownloadUrl"].as_str().unwrap()), ("Expired", ""));
    let unknown =
        call(&server, "DescribeAsyncTextToSpeech", json!({"TaskId": "86edb448-dc2f-4853-be31-8f05c7d3f6fe"})).await;
    assert_code(&unknown, "FailedOperation.TaskNotExist");
    assert_code(
        &call(&server, "DescribeAsyncTextToSpeech", json!({"TaskId": "nope"})).await,
        "InvalidParameter.TaskId",
    );
    client().post(format!("{}/_mock/reset", server.url())).send().await.unwrap();
    assert_code(
        &call(&server, "DescribeAsyncTextToSpeech", json!({"TaskId": task})).await,
        "FailedOperation.TaskNotExist",
    );
}

#[tokio::test]
async fn async_text_counts_cjk_twice() {
    let server = start(config()).await;
    let body = |text: String| json!({"SdkAppId": APP, "Text": text, "Voice": {"VoiceId": "v-female-R2s4N9qJ"}});
    call(&server, "AsyncTextToSpeech", body("字".repeat(25_000))).await.ok();
    assert_code(
        &call(&server, "AsyncTextToSpeech", body("字".repeat(25_000) + "a")).await,
        "InvalidParameter.TextLength",
    );
    call(&server, "AsyncTextToSpeech", body("a".repeat(50_000))).await.ok();
    assert_code(&call(&server, "AsyncTextToSpeech", body("a".repeat(50_001))).await, "InvalidParameter.TextLength");
    assert_code(&call(&server, "AsyncTextToSpeech", body(" ".into())).await, "InvalidParameter.Text");
    let wav = json!({"SdkAppId": APP, "Text": "x", "Voice": {"VoiceId": "v-female-R2s4N9qJ"}, "AudioFormat": {"Format": "wav"}});
    assert_code(&call(&server, "AsyncTextToSpeech", wav).await, "InvalidParameter");
}

fn register(audio: Vec<u8>, name: &str) -> Value {
    json!({"Audio": STANDARD.encode(audio), "ReqTimestamp": 1_764_000_000_000u64, "AudioFormat": 0, "AudioName": name, "AudioMetaInfo": "{\"user\":\"alice\"}"})
}

#[tokio::test]
async fn voiceprints_register_describe_update_and_delete() {
    let server = start(config()).await;
    for (audio, code) in [
        (common::wav(799, 16_000, 1, true), "FailedOperation.VoicePrintAudioCheckFailed"),
        (common::wav(1_801, 16_000, 1, true), "FailedOperation.VoicePrintAudioCheckFailed"),
        (common::wav(1_000, 16_000, 1, false), "FailedOperation.VoicePrintAudioCheckFailed"),
        (common::wav(1_000, 8_000, 1, true), "InvalidParameter.InvalidAudioInput"),
        (common::wav(1_000, 16_000, 2, true), "InvalidParameter.InvalidAudioInput"),
        (b"RIFF....WAVEjunk".to_vec(), "InvalidParameter.InvalidAudioInput"),
    ] {
        assert_code(&call(&server, "RegisterVoicePrint", register(audio, "x")).await, code);
    }
    let mut big = register(common::wav(1_000, 16_000, 1, true), "big");
    big["Audio"] = json!("A".repeat(2 * 1024 * 1024 + 4));
    assert_code(&call(&server, "RegisterVoicePrint", big).await, "InvalidParameter.InvalidAudioInput");
    let mut wrong_format = register(common::wav(1_000, 16_000, 1, true), "fmt");
    wrong_format["AudioFormat"] = json!(1);
    assert_code(&call(&server, "RegisterVoicePrint", wrong_format).await, "InvalidParameter.InvalidAudioInput");
    let first = call(&server, "RegisterVoicePrint", register(common::wav(800, 16_000, 1, true), "alice")).await;
    let id = first.ok()["VoicePrintId"].as_str().unwrap().to_owned();
    call(&server, "RegisterVoicePrint", register(common::wav(1_800, 16_000, 1, true), "bob")).await.ok();
    let by_id =
        call(&server, "DescribeVoicePrint", json!({"DescribeMode": 0, "VoicePrintIdList": [id, "unknown"]})).await;
    let data = by_id.ok()["Data"].as_array().unwrap().clone();
    assert_eq!((by_id.ok()["TotalCount"].as_u64(), data.len()), (Some(1), 1));
    assert_eq!((data[0]["AudioName"].as_str(), data[0]["AudioFormat"].as_u64()), (Some("alice"), Some(0)));
    assert_eq!(data[0]["VoicePrintMetaInfo"], "{\"user\":\"alice\"}");
    assert_code(
        &call(&server, "DescribeVoicePrint", json!({"DescribeMode": 0, "VoicePrintIdList": []})).await,
        "InvalidParameter.InvalidVoicePrintIdList",
    );
    let page = call(&server, "DescribeVoicePrint", json!({"DescribeMode": 1, "PageIndex": 1, "PageSize": 20})).await;
    assert_eq!((page.ok()["TotalCount"].as_u64(), page.ok()["Data"].as_array().unwrap().len()), (Some(2), 2));
    let past = call(&server, "DescribeVoicePrint", json!({"DescribeMode": 1, "PageIndex": 2, "PageSize": 20})).await;
    assert_eq!(past.ok()["Data"], json!([]));
    assert_code(
        &call(&server, "DescribeVoicePrint", json!({"DescribeMode": 1, "PageIndex": 1, "PageSize": 19})).await,
        "InvalidParameter",
    );
    let update = |extra: Value| {
        let mut body = json!({"VoicePrintId": id, "ReqTimestamp": 1_764_000_001_000u64});
        body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        body
    };
    assert_code(
        &call(&server, "UpdateVoicePrint", update(json!({}))).await,
        "MissingParameter.MissingVoicePrintUpdateParams",
    );
    call(&server, "UpdateVoicePrint", update(json!({"AudioMetaInfo": "new"}))).await.ok();
    let audio = STANDARD.encode(common::wav(500, 16_000, 1, true));
    assert_code(
        &call(&server, "UpdateVoicePrint", update(json!({"Audio": audio}))).await,
        "FailedOperation.VoicePrintAudioCheckFailed",
    );
    let audio = STANDARD.encode(common::wav(1_000, 22_050, 1, true));
    assert_code(
        &call(&server, "UpdateVoicePrint", update(json!({"Audio": audio}))).await,
        "InvalidParameter.InvalidAudioInput",
    );
    let again = call(&server, "DescribeVoicePrint", json!({"DescribeMode": 0, "VoicePrintIdList": [id]})).await;
    assert_eq!(again.ok()["Data"][0]["VoicePrintMetaInfo"], "new");
    let unknown =
        json!({"VoicePrintId": "00000000-0000-4000-8000-000000000000", "ReqTimestamp": 1u64, "AudioMetaInfo": "m"});
    assert_code(&call(&server, "UpdateVoicePrint", unknown).await, "FailedOperation.UpdateVoicePrintIdNotFound");
    call(&server, "DeleteVoicePrint", json!({"VoicePrintId": id})).await.ok();
    assert_code(
        &call(&server, "DeleteVoicePrint", json!({"VoicePrintId": id})).await,
        "FailedOperation.UpdateVoicePrintIdNotFound",
    );
    let gone = call(&server, "DescribeVoicePrint", json!({"DescribeMode": 0, "VoicePrintIdList": [id]})).await;
    assert_eq!(gone.ok()["Data"], json!([]));
    // The registration limit: 100 an account.
    let audio = common::wav(800, 16_000, 1, true);
    for i in 1..100 {
        call(&server, "RegisterVoicePrint", register(audio.clone(), &format!("p{i}"))).await.ok();
    }
    assert_code(
        &call(&server, "RegisterVoicePrint", register(audio, "full")).await,
        "FailedOperation.VoicePrintRegistrationLimit",
    );
}

fn words(n: usize) -> Value {
    Value::Array((0..n).map(|i| json!({"Word": format!("word{i}"), "Weight": 5})).collect())
}

#[tokio::test]
async fn vocabularies_keep_their_words_limits_and_default() {
    let server = start(config()).await;
    let create = |app: u64, name: &str, words: Value| json!({"SdkAppId": app, "Name": name, "WordWeights": words});
    let reply = call(
        &server,
        "CreateRecognizeVocabV3",
        create(APP, "main", json!([{"Word": "腾讯云", "Weight": 10}, {"Word": "语音识别", "Weight": 5}])),
    )
    .await;
    let id = reply.ok()["VocabId"].as_str().unwrap().to_owned();
    assert_eq!(id.len(), 32);
    let got = call(&server, "GetRecognizeVocabV3", json!({"SdkAppId": APP, "VocabId": id})).await;
    assert_eq!(got.ok()["WordWeights"], json!([{"Word": "腾讯云", "Weight": 10}, {"Word": "语音识别", "Weight": 5}]));
    assert!(got.ok()["CreateTime"].as_str().unwrap().ends_with("+08:00"));
    let download = call(&server, "DownloadRecognizeVocabV3", json!({"SdkAppId": APP, "VocabId": id})).await;
    assert_eq!(download.ok()["WordWeightStr"], "6IW+6K6v5LqRfDEwCuivremfs+ivhuWIq3w1", "the documented example");
    assert_code(
        &call(&server, "CreateRecognizeVocabV3", create(APP, "main", json!([]))).await,
        "InvalidParameterValue",
    );
    call(&server, "CreateRecognizeVocabV3", create(OTHER_APP, "main", json!([]))).await.ok();
    for (weight, ok) in [(0, false), (1, true), (11, true), (12, false), (99, false), (100, true), (101, false)] {
        let reply = call(
            &server,
            "CreateRecognizeVocabV3",
            create(APP, &format!("w{weight}"), json!([{"Word": "词", "Weight": weight}])),
        )
        .await;
        assert_eq!(reply.code(), if ok { None } else { Some("InvalidParameterValue.InvalidWordWeight") }, "{weight}");
    }
    for (i, (word, ok)) in [
        ("一二三四五六七八九十", true),
        ("一二三四五六七八九十一", false),
        ("a".repeat(30).as_str(), true),
        ("a".repeat(31).as_str(), false),
        ("标点！", false),
    ]
    .into_iter()
    .enumerate()
    {
        let reply = call(
            &server,
            "CreateRecognizeVocabV3",
            create(APP, &format!("word{i}"), json!([{"Word": word, "Weight": 3}])),
        )
        .await;
        assert_eq!(reply.code(), if ok { None } else { Some("InvalidParameterValue") }, "{word}");
    }
    call(&server, "CreateRecognizeVocabV3", create(APP, "thousand", words(1000))).await.ok();
    assert_code(
        &call(&server, "CreateRecognizeVocabV3", create(APP, "thousand_one", words(1001))).await,
        "InvalidParameterValue",
    );
    let text =
        |t: &str| json!({"SdkAppId": APP, "Name": format!("text_{}", t.len()), "WordWeightStr": STANDARD.encode(t)});
    call(&server, "CreateRecognizeVocabV3", text("你好|5\r\nworld|11\n")).await.ok();
    assert_code(
        &call(&server, "CreateRecognizeVocabV3", text("no weight here")).await,
        "InvalidParameterValue.InvalidWordWeightStr",
    );
    let mut not_base64 = text("x");
    not_base64["WordWeightStr"] = json!("%%%");
    assert_code(
        &call(&server, "CreateRecognizeVocabV3", not_base64).await,
        "InvalidParameterValue.InvalidWordWeightStr",
    );
    // 30 an account: OTHER_APP's counts too.
    let list = call(&server, "GetRecognizeVocabListV3", json!({"SdkAppId": APP, "Offset": 0, "Limit": 100})).await;
    let held = list.ok()["TotalCount"].as_u64().unwrap() + 1;
    for i in held..30 {
        call(&server, "CreateRecognizeVocabV3", create(APP, &format!("fill{i}"), json!([]))).await.ok();
    }
    assert_code(
        &call(&server, "CreateRecognizeVocabV3", create(APP, "thirty_one", json!([]))).await,
        "LimitExceeded.VocabFull",
    );
    assert_code(
        &call(&server, "CreateRecognizeVocabV3", create(OTHER_APP, "thirty_one", json!([]))).await,
        "LimitExceeded.VocabFull",
    );
    let page = call(&server, "GetRecognizeVocabListV3", json!({"SdkAppId": APP, "Offset": 28, "Limit": 10})).await;
    assert_eq!((page.ok()["TotalCount"].as_u64(), page.ok()["VocabList"].as_array().unwrap().len()), (Some(29), 1));
    // One default vocabulary.
    let second = page.ok()["VocabList"][0]["VocabId"].as_str().unwrap().to_owned();
    let state = |vocab: &str, s: i64| json!({"SdkAppId": APP, "VocabId": vocab, "State": s});
    call(&server, "SetVocabStateV3", state(&id, 1)).await.ok();
    call(&server, "SetVocabStateV3", state(&second, 1)).await.ok();
    let get = |vocab: &str| json!({"SdkAppId": APP, "VocabId": vocab});
    assert_eq!(call(&server, "GetRecognizeVocabV3", get(&id)).await.ok()["State"], 0);
    assert_eq!(call(&server, "GetRecognizeVocabV3", get(&second)).await.ok()["State"], 1);
    assert_code(&call(&server, "SetVocabStateV3", state(&id, 2)).await, "InvalidParameter.InvalidVocabState");
    assert_code(
        &call(&server, "SetVocabStateV3", state("0123456789abcdef0123456789abcdef", 1)).await,
        "InvalidParameterValue.InvalidVocabId",
    );
    // Update replaces the words, keeps the name unique, moves UpdateTime.
    advance(&server, 60).await;
    let update =
        json!({"SdkAppId": APP, "VocabId": id, "Description": "d", "WordWeightStr": STANDARD.encode("新词|7")});
    call(&server, "UpdateRecognizeVocabV3", update).await.ok();
    let got = call(&server, "GetRecognizeVocabV3", get(&id)).await;
    assert_eq!(
        (got.ok()["WordWeights"].clone(), got.ok()["Description"].as_str()),
        (json!([{"Word": "新词", "Weight": 7}]), Some("d"))
    );
    assert_ne!(got.ok()["CreateTime"], got.ok()["UpdateTime"]);
    assert_code(
        &call(&server, "UpdateRecognizeVocabV3", json!({"SdkAppId": APP, "VocabId": id, "Name": "thousand"})).await,
        "InvalidParameterValue",
    );
    assert_code(
        &call(
            &server,
            "UpdateRecognizeVocabV3",
            json!({"SdkAppId": APP, "VocabId": id, "WordWeights": [{"Word": "x", "Weight": 0}]}),
        )
        .await,
        "InvalidParameterValue.InvalidWordWeight",
    );
    call(&server, "DeleteRecognizeVocabV3", get(&id)).await.ok();
    for action in ["GetRecognizeVocabV3", "DeleteRecognizeVocabV3", "DownloadRecognizeVocabV3"] {
        assert_code(&call(&server, action, get(&id)).await, "InvalidParameterValue.InvalidVocabId");
    }
    assert_code(
        &call(&server, "UpdateRecognizeVocabV3", json!({"SdkAppId": APP, "VocabId": id, "Name": "n"})).await,
        "InvalidParameterValue.InvalidVocabId",
    );
    call(&server, "CreateRecognizeVocabV3", create(APP, "after_delete", json!([]))).await.ok();
}
