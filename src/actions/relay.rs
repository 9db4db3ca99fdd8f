//! Relay to CDN (Start/Update/StopPublishCdnStream): StartPublishCdnStream sends a relay robot
//! (`AgentParams.UserId`) into the room; the task is Idle until a stream it takes is published,
//! works while one is, and ends on StopPublishCdnStream, `AgentParams.MaxIdleTime` after none
//! of the anchors it takes publishes any more, when the room is dismissed or its robot removed.
//! The TaskId answers Update and Stop for 30 days from the start (the task itself is not bound
//! by that); Update of a task that ended is `FailedOperation.TaskFinished`, Stop of one is
//! `ResourceNotFound`. Updates are incremental (a block left out stays as it was) and carry a
//! `SequenceNumber` that must grow from one accepted update to the next.
//!
//! A mixing relay (`WithTranscoding` 1) bills its room for MCU transcoding at its output
//! resolution; pushing to a CDN that is not Tencent's (`IsTencentCdn` 0) bills relay bandwidth.
//! The rooms `FeedBackRoomParams` push the mix back into are validated, not entered.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::Ctx;
use super::generated::task_id_of;
use super::rules;
use super::tasks::{RoomIdTypes, check_user_sig, one_of, out_of_range, ranged, required, room_key};
use crate::error::{ApiError, ApiResult};
use crate::world::RoomKey;
use crate::world::live::Streams;
use crate::world::model::{Codec, Resolution, Services};
use crate::world::running::{NewTask, StartRefusal, TaskRefusal, TaskView};
use crate::world::tasks::{Family, Idle, Robot, Rules, Subscription};

const INVALID: &str = "InvalidParameter";
const MISSING: &str = "MissingParameter";
/// Seconds the TaskId answers Update and Stop.
const HANDLE_SECS: u64 = 30 * 86_400;
/// Seconds a relay that ended shows as exiting (on the control plane) before it is gone.
const EXIT_GRACE: u64 = 10;
/// Most CDN URLs, and most rooms pushed back into, per task.
const MAX_URLS: usize = 10;
/// Most streams a layout places.
const MAX_LAYOUT: usize = 16;
const SAMPLE_RATES: [u64; 6] = [48_000, 44_100, 32_000, 24_000, 16_000, 8_000];

// ---- the request's blocks ---------------------------------------------------------------------

#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
pub struct AgentParams {
    pub user_id: String,
    pub user_sig: Option<String>,
    pub max_idle_time: Option<u64>,
}

#[derive(Debug, Deserialize, Default, PartialEq, Eq)]
#[serde(rename_all = "PascalCase", default)]
pub struct AudioEncode {
    pub sample_rate: u64,
    pub channel: u64,
    pub bit_rate: u64,
    pub codec: Option<u64>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
pub struct MixUserInfo {
    pub user_id: String,
    pub room_id: Option<String>,
    pub room_id_type: Option<u64>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
pub struct McuUserInfoParams {
    pub user_info: Option<MixUserInfo>,
    pub sound_level: Option<u64>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
pub struct McuAudioParams {
    pub audio_encode: Option<AudioEncode>,
    pub subscribe_audio_list: Option<Vec<McuUserInfoParams>>,
    pub un_subscribe_audio_list: Option<Vec<McuUserInfoParams>>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
pub struct VideoEncode {
    pub width: u64,
    pub height: u64,
    pub fps: u64,
    pub bit_rate: u64,
    pub gop: u64,
}

#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
pub struct UserMediaStream {
    pub user_info: Option<MixUserInfo>,
    pub stream_type: Option<u64>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
pub struct McuLayout {
    pub user_media_stream: Option<UserMediaStream>,
    pub image_width: Option<u64>,
    pub image_height: Option<u64>,
    pub location_x: Option<u64>,
    pub location_y: Option<u64>,
    pub render_mode: Option<u64>,
    pub background_render_mode: Option<u64>,
    pub enable_stream_sei: Option<u64>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
pub struct McuLayoutParams {
    pub mix_layout_mode: Option<u64>,
    pub pure_audio_hold_place_mode: Option<u64>,
    pub mix_layout_list: Option<Vec<McuLayout>>,
    pub render_mode: Option<u64>,
    pub enable_stream_sei: Option<u64>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
pub struct McuVideoParams {
    pub video_encode: Option<VideoEncode>,
    pub layout_params: Option<McuLayoutParams>,
    pub back_ground_color: Option<String>,
    pub background_render_mode: Option<u64>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
pub struct SingleSubscribeParams {
    pub user_media_stream: Option<UserMediaStream>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
pub struct McuPublishCdnParam {
    pub publish_cdn_url: String,
    pub is_tencent_cdn: Option<u64>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
pub struct McuFeedBackRoomParams {
    pub room_id: String,
    pub room_id_type: u64,
    pub user_id: String,
    pub user_sig: String,
}

#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
pub struct McuLayoutVolume {
    pub app_data: Option<String>,
    pub payload_type: Option<u64>,
    pub follow_idr: Option<u64>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
pub struct McuPassThrough {
    pub payload_content: String,
    pub payload_type: u64,
    pub payload_uuid: Option<String>,
    pub follow_idr: Option<u64>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
pub struct McuSeiParams {
    pub layout_volume: Option<McuLayoutVolume>,
    pub pass_through: Option<McuPassThrough>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
pub struct McuRecordParams {
    pub uni_record: Option<u64>,
    pub record_key: Option<String>,
    pub record_wait_time: Option<u64>,
    pub record_format: Option<Vec<String>>,
    pub max_media_file_duration: Option<u64>,
    pub stream_type: Option<u64>,
    pub user_define_record_prefix: Option<String>,
}

/// The blocks Start and Update share.
#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
pub struct Blocks {
    pub with_transcoding: u64,
    pub audio_params: Option<McuAudioParams>,
    pub video_params: Option<McuVideoParams>,
    pub single_subscribe_params: Option<SingleSubscribeParams>,
    pub publish_cdn_params: Option<Vec<McuPublishCdnParam>>,
    pub sei_params: Option<McuSeiParams>,
    pub feed_back_room_params: Option<Vec<McuFeedBackRoomParams>>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
pub struct StartInput {
    pub sdk_app_id: u64,
    pub room_id: String,
    pub room_id_type: u64,
    pub agent_params: Option<AgentParams>,
    pub record_params: Option<McuRecordParams>,
    #[serde(flatten)]
    pub blocks: Blocks,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TaskIdOutput {
    pub task_id: String,
}

fn parse<T: serde::de::DeserializeOwned>(value: &Value) -> ApiResult<T> {
    // The catalogue validated the request: a failure here is a bug of ours.
    serde_json::from_value(value.clone()).map_err(|e| {
        tracing::error!(error = %e, "validated relay input does not fit its type");
        ApiError::internal_error()
    })
}

fn invalid(en: String, zh: String) -> ApiError {
    ApiError::business_with(INVALID, en, zh)
}

fn missing(name: &str) -> ApiError {
    ApiError::business_with(MISSING, format!("`{name}` is required."), format!("缺少参数 {name}。"))
}

// ---- checks -----------------------------------------------------------------------------------

fn check_audio_encode(a: &AudioEncode) -> ApiResult<()> {
    one_of(INVALID, "AudioEncode.SampleRate", a.sample_rate, &SAMPLE_RATES)?;
    ranged(INVALID, "AudioEncode.Channel", Some(a.channel), 2, 1, 2)?;
    ranged(INVALID, "AudioEncode.BitRate", Some(a.bit_rate), 64, 8, 500)?;
    let codec = ranged(INVALID, "AudioEncode.Codec", a.codec, 0, 0, 2)?;
    if codec == 2 && a.channel != 2 {
        return Err(out_of_range(INVALID, "AudioEncode.Channel", &a.channel.to_string(), "2 with HE-AACv2"));
    }
    if codec != 0 && a.sample_rate == 8_000 {
        return Err(out_of_range(INVALID, "AudioEncode.SampleRate", "8000", "48000 to 16000 with HE-AAC"));
    }
    Ok(())
}

fn check_user_info(name: &str, info: Option<&MixUserInfo>) -> ApiResult<()> {
    let info = info.ok_or_else(|| missing(&format!("{name}.UserInfo")))?;
    if info.user_id.is_empty() {
        return Err(missing(&format!("{name}.UserInfo.UserId")));
    }
    if let Some(room) = info.room_id.as_deref().filter(|r| !r.is_empty()) {
        room_key(room, info.room_id_type.unwrap_or(0), RoomIdTypes::ZeroIsNumeric, MISSING, INVALID)?;
    }
    Ok(())
}

fn check_audio(a: &McuAudioParams) -> ApiResult<()> {
    if let Some(encode) = &a.audio_encode {
        check_audio_encode(encode)?;
    }
    for (name, list) in
        [("SubscribeAudioList", &a.subscribe_audio_list), ("UnSubscribeAudioList", &a.un_subscribe_audio_list)]
    {
        for entry in list.iter().flatten() {
            check_user_info(name, entry.user_info.as_ref())?;
            ranged(INVALID, &format!("{name}.SoundLevel"), entry.sound_level, 100, 0, 100)?;
        }
    }
    Ok(())
}

fn check_stream(name: &str, s: &UserMediaStream) -> ApiResult<()> {
    if let Some(info) = &s.user_info {
        check_user_info(name, Some(info))?;
    }
    ranged(INVALID, &format!("{name}.StreamType"), s.stream_type, 0, 0, 1)?;
    Ok(())
}

/// `0xRRGGBB`.
fn check_color(name: &str, color: &str) -> ApiResult<()> {
    let ok = color.len() == 8
        && color.get(..2).is_some_and(|p| p.eq_ignore_ascii_case("0x"))
        && color.bytes().skip(2).all(|b| b.is_ascii_hexdigit());
    if ok { Ok(()) } else { Err(out_of_range(INVALID, name, &format!("{color:?}"), "0xRRGGBB")) }
}

fn check_video(v: &McuVideoParams, transcoding: bool) -> ApiResult<()> {
    match &v.video_encode {
        Some(e) => {
            ranged(INVALID, "VideoEncode.Width", Some(e.width), 0, 0, 1920)?;
            ranged(INVALID, "VideoEncode.Height", Some(e.height), 0, 0, 1920)?;
            ranged(INVALID, "VideoEncode.Fps", Some(e.fps), 15, 1, 60)?;
            ranged(INVALID, "VideoEncode.BitRate", Some(e.bit_rate), 1000, 1, 10_000)?;
            ranged(INVALID, "VideoEncode.Gop", Some(e.gop), 2, 1, 5)?;
        }
        // A mix with video needs its output described.
        None if transcoding => return Err(missing("VideoParams.VideoEncode")),
        None => {}
    }
    if let Some(layout) = &v.layout_params {
        let mode = ranged(INVALID, "LayoutParams.MixLayoutMode", layout.mix_layout_mode, 1, 1, 4)?;
        ranged(INVALID, "LayoutParams.PureAudioHoldPlaceMode", layout.pure_audio_hold_place_mode, 0, 0, 1)?;
        ranged(INVALID, "LayoutParams.RenderMode", layout.render_mode, 0, 0, 2)?;
        ranged(INVALID, "LayoutParams.EnableStreamSEI", layout.enable_stream_sei, 1, 0, 1)?;
        let list = layout.mix_layout_list.as_deref().unwrap_or_default();
        if mode == 4 && list.is_empty() {
            return Err(missing("LayoutParams.MixLayoutList"));
        }
        if list.len() > MAX_LAYOUT {
            return Err(out_of_range(INVALID, "MixLayoutList", &format!("{} entries", list.len()), "at most 16"));
        }
        let (width, height) = v.video_encode.as_ref().map_or((1920, 1920), |e| (e.width, e.height));
        for item in list {
            if let Some(stream) = &item.user_media_stream {
                check_stream("MixLayoutList.UserMediaStream", stream)?;
            }
            for (name, at, size, bound) in [
                ("LocationX + ImageWidth", item.location_x, item.image_width, width),
                ("LocationY + ImageHeight", item.location_y, item.image_height, height),
            ] {
                let end = at.unwrap_or(0).checked_add(size.unwrap_or(0));
                if end.is_none_or(|end| end > bound) {
                    let shown = end.map_or_else(|| "beyond 2^64".to_owned(), |e| e.to_string());
                    return Err(out_of_range(INVALID, name, &shown, &format!("at most {bound}, the output's size")));
                }
            }
            ranged(INVALID, "MixLayoutList.RenderMode", item.render_mode, 0, 0, 2)?;
            ranged(INVALID, "MixLayoutList.BackgroundRenderMode", item.background_render_mode, 3, 0, 4)?;
            ranged(INVALID, "MixLayoutList.EnableStreamSEI", item.enable_stream_sei, 1, 0, 1)?;
        }
    }
    if let Some(color) = &v.back_ground_color {
        check_color("VideoParams.BackGroundColor", color)?;
    }
    ranged(INVALID, "VideoParams.BackgroundRenderMode", v.background_render_mode, 2, 0, 2)?;
    Ok(())
}

fn check_single(s: &SingleSubscribeParams) -> ApiResult<()> {
    let stream = s.user_media_stream.as_ref().ok_or_else(|| missing("SingleSubscribeParams.UserMediaStream"))?;
    check_user_info("SingleSubscribeParams.UserMediaStream", stream.user_info.as_ref())?;
    check_stream("SingleSubscribeParams.UserMediaStream", stream)
}

fn check_cdn(list: &[McuPublishCdnParam]) -> ApiResult<()> {
    if list.len() > MAX_URLS {
        return Err(out_of_range(INVALID, "PublishCdnParams", &format!("{} URLs", list.len()), "at most 10"));
    }
    for p in list {
        if p.publish_cdn_url.is_empty() {
            return Err(missing("PublishCdnParams.PublishCdnUrl"));
        }
        let rtmp = p.publish_cdn_url.get(..7).is_some_and(|s| s.eq_ignore_ascii_case("rtmp://"));
        if !rtmp || p.publish_cdn_url.len() <= 7 {
            return Err(invalid(
                format!("`PublishCdnUrl` {:?} is not an RTMP URL (only rtmp:// is supported).", p.publish_cdn_url),
                format!("PublishCdnUrl {:?} 不是 RTMP 地址（仅支持 rtmp://）。", p.publish_cdn_url),
            ));
        }
        ranged(INVALID, "PublishCdnParams.IsTencentCdn", p.is_tencent_cdn, 1, 0, 1)?;
    }
    Ok(())
}

fn check_feedback(list: &[McuFeedBackRoomParams]) -> ApiResult<()> {
    if list.len() > MAX_URLS {
        return Err(out_of_range(INVALID, "FeedBackRoomParams", &format!("{} rooms", list.len()), "at most 10"));
    }
    for room in list {
        room_key(&room.room_id, room.room_id_type, RoomIdTypes::ZeroIsNumeric, MISSING, INVALID)?;
        required(&room.user_id, MISSING)?;
        required(&room.user_sig, MISSING)?;
    }
    Ok(())
}

fn check_sei(s: &McuSeiParams) -> ApiResult<()> {
    let custom = |t: u64| (100..=254).contains(&t) && t != 244;
    if let Some(v) = &s.layout_volume {
        if v.app_data.as_ref().is_some_and(|d| d.len() >= 4096) {
            return Err(out_of_range(INVALID, "LayoutVolume.AppData", "4096 bytes or more", "under 4096 bytes"));
        }
        let t = v.payload_type.unwrap_or(100);
        if !custom(t) {
            return Err(out_of_range(INVALID, "LayoutVolume.PayloadType", &t.to_string(), "100 to 254 but 244"));
        }
        ranged(INVALID, "LayoutVolume.FollowIdr", v.follow_idr, 0, 0, 1)?;
    }
    if let Some(p) = &s.pass_through {
        required(&p.payload_content, MISSING)?;
        if p.payload_type != 5 && !custom(p.payload_type) {
            let shown = p.payload_type.to_string();
            return Err(out_of_range(INVALID, "PassThrough.PayloadType", &shown, "5, or 100 to 254 but 244"));
        }
        let uuid = p.payload_uuid.as_deref().unwrap_or_default();
        if p.payload_type == 5 && !(uuid.len() == 32 && uuid.bytes().all(|b| b.is_ascii_hexdigit())) {
            return Err(out_of_range(INVALID, "PassThrough.PayloadUuid", &format!("{uuid:?}"), "32 hex digits"));
        }
        ranged(INVALID, "PassThrough.FollowIdr", p.follow_idr, 0, 0, 1)?;
    }
    Ok(())
}

/// `[A-Za-z0-9_-]`, at most `max` bytes.
fn check_key(name: &str, value: &str, max: usize) -> ApiResult<()> {
    if value.len() > max || !value.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-') {
        return Err(out_of_range(INVALID, name, &format!("{value:?}"), &format!("at most {max} of [A-Za-z0-9_-]")));
    }
    Ok(())
}

fn check_record(r: &McuRecordParams) -> ApiResult<()> {
    ranged(INVALID, "RecordParams.UniRecord", r.uni_record, 1, 0, 3)?;
    if let Some(key) = &r.record_key {
        check_key("RecordParams.RecordKey", key, 128)?;
    }
    ranged(INVALID, "RecordParams.RecordWaitTime", r.record_wait_time, 30, 5, 86_400)?;
    if let Some(formats) = &r.record_format {
        if let Some(bad) = formats.iter().find(|f| !["hls", "mp4", "aac"].contains(&f.as_str())) {
            return Err(out_of_range(INVALID, "RecordParams.RecordFormat", &format!("{bad:?}"), "hls, mp4, aac"));
        }
        if formats.iter().any(|f| f == "mp4") && formats.iter().any(|f| f == "aac") {
            return Err(invalid(
                "`RecordFormat` cannot hold both mp4 and aac.".to_owned(),
                "RecordFormat 中 mp4 与 aac 不能同时指定。".to_owned(),
            ));
        }
    }
    ranged(INVALID, "RecordParams.MaxMediaFileDuration", r.max_media_file_duration, 1440, 1, 1440)?;
    ranged(INVALID, "RecordParams.StreamType", r.stream_type, 0, 0, 2)?;
    if let Some(prefix) = &r.user_define_record_prefix {
        check_key("RecordParams.UserDefineRecordPrefix", prefix, 64)?;
    }
    Ok(())
}

/// Checks each block given; `WithTranscoding` decides which are allowed.
fn check_blocks(b: &Blocks) -> ApiResult<()> {
    let transcoding = one_of(INVALID, "WithTranscoding", b.with_transcoding, &[0, 1])? == 1;
    if let Some(audio) = &b.audio_params {
        check_audio(audio)?;
    }
    if let Some(video) = &b.video_params {
        check_video(video, transcoding)?;
    }
    if let Some(single) = &b.single_subscribe_params {
        if transcoding {
            return Err(invalid(
                "`SingleSubscribeParams` relays one stream as it is: it needs `WithTranscoding` 0.".to_owned(),
                "单流旁路转推（SingleSubscribeParams）时 WithTranscoding 需要设置为 0。".to_owned(),
            ));
        }
        check_single(single)?;
    }
    check_cdn(b.publish_cdn_params.as_deref().unwrap_or_default())?;
    check_feedback(b.feed_back_room_params.as_deref().unwrap_or_default())?;
    if let Some(sei) = &b.sei_params {
        check_sei(sei)?;
    }
    Ok(())
}

/// What the blocks in force together require: somewhere to push to, and a stream to relay
/// when nothing is mixed.
fn check_complete(b: &Blocks) -> ApiResult<()> {
    let cdn = b.publish_cdn_params.as_ref().is_some_and(|l| !l.is_empty());
    let feedback = b.feed_back_room_params.as_ref().is_some_and(|l| !l.is_empty());
    if !cdn && !feedback {
        return Err(ApiError::business_with(
            MISSING,
            "One of `PublishCdnParams` and `FeedBackRoomParams` is required.",
            "PublishCdnParams 和 FeedBackRoomParams 必须填写一个。",
        ));
    }
    if b.with_transcoding == 0 && b.single_subscribe_params.is_none() {
        return Err(ApiError::business_with(
            MISSING,
            "`WithTranscoding` 0 relays one stream: name it in `SingleSubscribeParams` (mixing needs `WithTranscoding` 1).",
            "WithTranscoding 为 0 时为单流旁路转推，需要填写 SingleSubscribeParams（混流必须转码，WithTranscoding 需设置为 1）。",
        ));
    }
    Ok(())
}

// ---- what the task takes and bills ------------------------------------------------------------

/// The users of the main room a list names (entries naming another room are cross-room mixes).
fn users_here(list: &[McuUserInfoParams], main: &RoomKey) -> Vec<String> {
    list.iter()
        .filter_map(|e| e.user_info.as_ref())
        .filter(|u| {
            u.room_id.as_deref().is_none_or(|r| r.is_empty())
                || (u.room_id.as_deref() == Some(main.id.as_str())
                    && (u.room_id_type.unwrap_or(0) == 1) != main.numeric)
        })
        .map(|u| u.user_id.clone())
        .collect()
}

/// Whose streams the relay takes: the single stream's user, or the mix's audio lists (an empty
/// or absent allow list: every anchor).
fn subscription(b: &Blocks, main: &RoomKey) -> Subscription {
    if let Some(user) =
        b.single_subscribe_params.as_ref().and_then(|s| s.user_media_stream.as_ref()).and_then(|s| s.user_info.as_ref())
    {
        let only = Some(vec![user.user_id.clone()]);
        return Subscription { audio_allow: only.clone(), video_allow: only, ..Subscription::default() };
    }
    let audio = b.audio_params.as_ref();
    let allow = audio.and_then(|a| a.subscribe_audio_list.as_deref()).filter(|l| !l.is_empty());
    Subscription {
        audio_allow: allow.map(|l| users_here(l, main)),
        audio_deny: audio
            .and_then(|a| a.un_subscribe_audio_list.as_deref())
            .map_or_else(Vec::new, |l| users_here(l, main)),
        ..Subscription::default()
    }
}

/// Which streams the relay takes: audio always, video only with `VideoParams` (the single stream
/// relayed: its main or its sub stream).
fn streams(b: &Blocks) -> Streams {
    let video = b.video_params.is_some();
    let single = b.single_subscribe_params.as_ref().and_then(|s| s.user_media_stream.as_ref()).map(|s| s.stream_type);
    match single {
        Some(stream_type) => Streams {
            audio: true,
            video: video && stream_type.unwrap_or(0) == 0,
            sub_stream: video && stream_type == Some(1),
        },
        None => Streams { audio: true, video, sub_stream: video },
    }
}

/// MCU transcoding at the output for a mix; relay bandwidth to each CDN that is not Tencent's.
fn services(b: &Blocks) -> Services {
    let encode = b.video_params.as_ref().and_then(|v| v.video_encode.as_ref());
    let mixing = (b.with_transcoding == 1).then(|| {
        let (w, h) = encode.map_or((0, 0), |e| (e.width, e.height));
        (Resolution::new(u32::try_from(w).unwrap_or(0), u32::try_from(h).unwrap_or(0)), Codec::H264)
    });
    let third_party = b.publish_cdn_params.iter().flatten().filter(|p| p.is_tencent_cdn == Some(0)).count();
    let audio_kbps = b.audio_params.as_ref().and_then(|a| a.audio_encode.as_ref()).map_or(0, |a| a.bit_rate);
    let kbps = audio_kbps.saturating_add(encode.map_or(0, |e| e.bit_rate));
    let relay_kbps = (third_party > 0)
        .then(|| u32::try_from(kbps.saturating_mul(third_party as u64)).unwrap_or(u32::MAX))
        .filter(|k| *k > 0);
    Services { mixing, relay_kbps, ..Services::default() }
}

/// The request as the task keeps it: without the signatures and what names the call.
fn kept(input: &Value) -> Value {
    let mut kept = input.clone();
    if let Some(map) = kept.as_object_mut() {
        for key in ["SdkAppId", "TaskId", "SequenceNumber"] {
            map.remove(key);
        }
        if let Some(agent) = map.get_mut("AgentParams").and_then(Value::as_object_mut) {
            agent.remove("UserSig");
        }
        for room in map.get_mut("FeedBackRoomParams").and_then(Value::as_array_mut).into_iter().flatten() {
            if let Some(room) = room.as_object_mut() {
                room.remove("UserSig");
            }
        }
    }
    if let Some(storage) =
        kept.pointer_mut("/RecordParams/McuStorageParams/CloudStorage").and_then(Value::as_object_mut)
    {
        storage.remove("AccessKey");
        storage.remove("SecretKey");
    }
    kept
}

// ---- Start ------------------------------------------------------------------------------------

/// Starts relaying (and mixing) a room's streams.
pub fn start_publish_cdn_stream(ctx: &Ctx<'_>, input: Value) -> ApiResult<TaskIdOutput> {
    let req: StartInput = parse(&input)?;
    rules::app(ctx, req.sdk_app_id, MISSING, "InvalidParameter.SdkAppId")?;
    let key = room_key(&req.room_id, req.room_id_type, RoomIdTypes::ZeroIsNumeric, MISSING, INVALID)?;
    let agent = req.agent_params.as_ref().ok_or_else(|| missing("AgentParams"))?;
    if agent.user_id.is_empty() {
        return Err(missing("AgentParams.UserId"));
    }
    let max_idle = ranged(INVALID, "AgentParams.MaxIdleTime", agent.max_idle_time, 30, 5, 86_400)?;
    check_user_sig(ctx, req.sdk_app_id, &agent.user_id, agent.user_sig.as_deref().unwrap_or_default())?;
    check_blocks(&req.blocks)?;
    // Audio is always transcoded: its encoding is needed from the start.
    if req.blocks.audio_params.as_ref().is_none_or(|a| a.audio_encode.is_none()) {
        return Err(missing("AudioParams.AudioEncode"));
    }
    check_complete(&req.blocks)?;
    if let Some(record) = &req.record_params {
        check_record(record)?;
    }
    let new = NewTask {
        family: Family::PublishCdn,
        room: Some(key.clone()),
        robot: Some(Robot::listener(agent.user_id.clone())),
        rules: Rules {
            idle: Idle::NothingPublished,
            max_idle: Some(max_idle),
            max_duration: None,
            handle_secs: Some(HANDLE_SECS),
            exit_grace: EXIT_GRACE,
        },
        subscription: subscription(&req.blocks, &key),
        streams: streams(&req.blocks),
        params: kept(&input),
        dedupe: None,
        limit: ctx.world.limits.get(Family::PublishCdn),
        services: services(&req.blocks),
    };
    let now = ctx.now;
    let task_id = ctx
        .world
        .start_task(req.sdk_app_id, new, now, |hash| task_id_of("StartPublishCdnStream", now, hash))
        .map_err(|refusal| match refusal {
            StartRefusal::Concurrency => ApiError::business_with(
                "FailedOperation.RestrictedConcurrency",
                "Maximum number of concurrent relay tasks reached. Contact us to raise the limit.",
                "转推任务并发数已达上限，请联系我们增大并发路数。",
            ),
            StartRefusal::Duplicate => ApiError::business("FailedOperation"),
        })?;
    Ok(TaskIdOutput { task_id })
}

// ---- Update, Stop -----------------------------------------------------------------------------

#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
pub struct UpdateInput {
    pub sdk_app_id: u64,
    pub task_id: String,
    pub sequence_number: u64,
    #[serde(flatten)]
    pub blocks: Blocks,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct StopInput {
    pub sdk_app_id: u64,
    pub task_id: String,
    pub record_key: Option<String>,
}

fn not_found(task_id: &str) -> ApiError {
    ApiError::business_with(
        "ResourceNotFound",
        format!("The relay task {task_id} does not exist, has ended, or its TaskId has expired."),
        format!("转推任务 {task_id} 不存在、已结束或 TaskId 已过期。"),
    )
}

fn finished(task_id: &str) -> ApiError {
    ApiError::business_with(
        "FailedOperation.TaskFinished",
        format!("The relay task {task_id} has ended."),
        format!("转推任务 {task_id} 已结束。"),
    )
}

/// A relay of the app whose TaskId still answers (running or not).
fn answering(ctx: &Ctx<'_>, sdk_app_id: u64, task_id: &str) -> ApiResult<TaskView> {
    rules::app(ctx, sdk_app_id, MISSING, "AuthFailure.UnauthorizedOperation")?;
    if task_id.is_empty() {
        return Err(missing("TaskId"));
    }
    ctx.world
        .task(sdk_app_id, task_id, ctx.now)
        .filter(|v| v.task.family == Family::PublishCdn && v.answers)
        .ok_or_else(|| not_found(task_id))
}

/// Changes a running relay: the blocks given replace theirs, the others stay.
pub fn update_publish_cdn_stream(ctx: &Ctx<'_>, input: Value) -> ApiResult<TaskIdOutput> {
    let req: UpdateInput = parse(&input)?;
    answering(ctx, req.sdk_app_id, &req.task_id)?;
    check_blocks(&req.blocks)?;
    let update = kept(&input);
    let now = ctx.now;
    let mut why: Option<ApiError> = None;
    let result = ctx.world.update_task(req.sdk_app_id, &req.task_id, now, |task, _| {
        let outcome = (|| {
            if let Some(last) = task.sequence
                && req.sequence_number <= last
            {
                return Err(ApiError::business_with(
                    "FailedOperation.RequestOutdated",
                    format!("`SequenceNumber` {} is not above {last}, the last one accepted.", req.sequence_number),
                    format!("请求过期：SequenceNumber {} 不大于上次接受的 {last}。", req.sequence_number),
                ));
            }
            let current = task.params_at(now);
            let before: Blocks = parse(&current)?;
            if before.with_transcoding != req.blocks.with_transcoding {
                return Err(invalid(
                    format!("`WithTranscoding` cannot change from {}.", before.with_transcoding),
                    format!("WithTranscoding 不能从 {} 更改。", before.with_transcoding),
                ));
            }
            if req.blocks.video_params.is_some() && before.video_params.is_none() {
                return Err(invalid(
                    "An audio-only relay cannot add video.".to_owned(),
                    "纯音频转推不能切换为音视频转推。".to_owned(),
                ));
            }
            let encode = req.blocks.audio_params.as_ref().and_then(|a| a.audio_encode.as_ref());
            if encode.is_some() && encode != before.audio_params.as_ref().and_then(|a| a.audio_encode.as_ref()) {
                return Err(invalid(
                    "The audio encoding (codec, sample rate, bitrate, channels) cannot change.".to_owned(),
                    "不支持更新音频 Codec、采样率、码率和声道数。".to_owned(),
                ));
            }
            let mut merged = current;
            crate::world::tasks::merge(&mut merged, &update);
            let after: Blocks = parse(&merged)?;
            check_complete(&after)?;
            let key = task.room.as_ref().map(|(k, _)| k.clone()).unwrap_or_else(|| RoomKey::string(""));
            Ok(subscription(&after, &key))
        })();
        match outcome {
            Ok(subscription) => {
                task.sequence = Some(req.sequence_number);
                task.params.push((now, update.clone()));
                task.subscriptions.push((now, subscription));
                true
            }
            Err(e) => {
                why = Some(e);
                false
            }
        }
    });
    match result {
        Ok(_) => Ok(TaskIdOutput { task_id: req.task_id }),
        Err(TaskRefusal::Refused) => Err(why.unwrap_or_else(|| ApiError::business("FailedOperation"))),
        Err(TaskRefusal::Ended) => Err(finished(&req.task_id)),
        Err(TaskRefusal::Unknown) => Err(not_found(&req.task_id)),
    }
}

/// Stops a relay now: its robot leaves the room.
pub fn stop_publish_cdn_stream(ctx: &Ctx<'_>, input: StopInput) -> ApiResult<TaskIdOutput> {
    answering(ctx, input.sdk_app_id, &input.task_id)?;
    if let Some(key) = &input.record_key {
        check_key("RecordKey", key, 128)?;
    }
    ctx.world.stop_task(input.sdk_app_id, &input.task_id, ctx.now).map_err(|_| not_found(&input.task_id))?;
    Ok(TaskIdOutput { task_id: input.task_id })
}
