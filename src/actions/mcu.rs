//! Legacy MCU mixing (CN only): Start/StopMCUMixTranscode on numeric rooms and their
//! `…ByStrRoomId` twins on string rooms. A mixing session is keyed by its room, not by a TaskId:
//! a start on a room mixing already replaces the session's parameters, a stop ends it. The room
//! must be in use; the session needs no robot, works while anyone in the room publishes, and
//! ends with a stop or with the room. It is kept as a task of the `mcu_mix` family (shown by
//! `/_mock/tasks`), billing its room for MCU transcoding at its output and, with a third-party
//! CDN, for relay bandwidth. The pictures it names by id (`BackgroundImageId`, `PlaceImageId`,
//! `WaterMarkId`) must be pictures the app uploaded with CreatePicture.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::Ctx;
use super::generated::task_id_of;
use super::pictures::check_picture;
use super::rules;
use super::tasks::{one_of, out_of_range, ranged};
use crate::error::{ApiError, ApiResult};
use crate::world::RoomKey;
use crate::world::live::Streams;
use crate::world::model::{Codec, Resolution, Services};
use crate::world::running::{NewTask, StartRefusal, TaskView};
use crate::world::tasks::{Family, Idle, Rules, Subscription};

/// Seconds an ended session shows as exiting on the control plane.
const EXIT_GRACE: u64 = 10;
/// Most users in `MixVideoUids`, and most preset positions.
const MAX_USERS: usize = 16;
const SAMPLE_RATES: [u64; 6] = [48_000, 44_100, 32_000, 24_000, 16_000, 8_000];

#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
pub struct OutputParams {
    pub stream_id: String,
    pub pure_audio_stream: Option<u64>,
    pub record_id: Option<String>,
    pub record_audio_only: Option<u64>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
pub struct EncodeParams {
    pub audio_sample_rate: u64,
    pub audio_bitrate: u64,
    pub audio_channels: u64,
    pub video_width: Option<u64>,
    pub video_height: Option<u64>,
    pub video_bitrate: Option<u64>,
    pub video_framerate: Option<u64>,
    pub video_gop: Option<u64>,
    pub background_color: Option<u64>,
    pub audio_codec: Option<u64>,
    pub background_image_url: Option<String>,
    pub background_image_id: Option<u64>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
pub struct SmallVideoLayoutParams {
    pub user_id: String,
    pub stream_type: u64,
    pub image_width: Option<u64>,
    pub image_height: Option<u64>,
    pub location_x: Option<u64>,
    pub location_y: Option<u64>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
pub struct PresetLayoutConfig {
    pub stream_type: Option<u64>,
    pub image_width: Option<u64>,
    pub image_height: Option<u64>,
    pub location_x: Option<u64>,
    pub location_y: Option<u64>,
    pub render_mode: Option<u64>,
    pub mix_input_type: Option<u64>,
    pub place_image_id: Option<u64>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
pub struct WaterMarkParams {
    pub water_mark_id: u64,
    pub water_mark_url: Option<String>,
    pub water_mark_width: u64,
    pub water_mark_height: u64,
    pub location_x: u64,
    pub location_y: u64,
}

#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
pub struct LayoutParams {
    pub template: Option<u64>,
    pub main_video_stream_type: Option<u64>,
    pub small_video_layout_params: Option<SmallVideoLayoutParams>,
    pub main_video_right_align: Option<u64>,
    pub mix_video_uids: Option<Vec<String>>,
    pub preset_layout_config: Option<Vec<PresetLayoutConfig>>,
    pub place_holder_mode: Option<u64>,
    pub pure_audio_hold_place_mode: Option<u64>,
    pub water_mark_params: Option<WaterMarkParams>,
    pub render_mode: Option<u64>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
pub struct PublishCdnParams {
    pub biz_id: u64,
    pub publish_cdn_urls: Vec<String>,
}

/// What a start asks for, in either room namespace.
#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
pub struct Mix {
    pub sdk_app_id: u64,
    pub room_id: u64,
    pub str_room_id: String,
    pub output_params: Option<OutputParams>,
    pub encode_params: Option<EncodeParams>,
    pub layout_params: Option<LayoutParams>,
    pub publish_cdn_params: Option<PublishCdnParams>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct StopInput {
    pub sdk_app_id: u64,
    pub room_id: u64,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct StopByStrRoomIdInput {
    pub sdk_app_id: u64,
    pub str_room_id: String,
}

#[derive(Debug, Serialize)]
pub struct Empty {}

/// The codes that differ between the numeric and the string-room actions.
struct Codes {
    missing_app: &'static str,
    missing_room: &'static str,
    invalid_room: &'static str,
    right_align: &'static str,
    background_url: &'static str,
}

const NUMERIC: Codes = Codes {
    missing_app: "MissingParameter.SdkAppId",
    missing_room: "MissingParameter.RoomId",
    invalid_room: "InvalidParameterValue.RoomId",
    right_align: "InvalidParameter.MainVideoRightAlign",
    background_url: "InvalidParameter.BackgroundImageUrl",
};

/// StartMCUMixTranscodeByStrRoomId documents neither MissingParameter.SdkAppId nor
/// MissingParameter.RoomId, nor the numeric action's codes for the right alignment and the
/// background URL.
const STRING_START: Codes = Codes {
    missing_app: "InvalidParameter.SdkAppId",
    missing_room: "InvalidParameter.StrRoomId",
    invalid_room: "InvalidParameter.StrRoomId",
    right_align: "InvalidParameter",
    background_url: "InvalidParameter.EncodeParams",
};

const STRING_STOP: Codes = Codes {
    missing_app: "MissingParameter.SdkAppId",
    missing_room: "MissingParameter.RoomId",
    invalid_room: "InvalidParameter.StrRoomId",
    right_align: "InvalidParameter",
    background_url: "InvalidParameter.EncodeParams",
};

fn parse<T: serde::de::DeserializeOwned>(value: &Value) -> ApiResult<T> {
    // The catalogue validated the request: a failure here is a bug of ours.
    serde_json::from_value(value.clone()).map_err(|e| {
        tracing::error!(error = %e, "validated mixing input does not fit its type");
        ApiError::internal_error()
    })
}

fn coded(code: &'static str, en: String, zh: String) -> ApiError {
    ApiError::business_with(code, en, zh)
}

fn numeric_room(id: u64, codes: &Codes) -> ApiResult<RoomKey> {
    if id == 0 {
        return Err(ApiError::business(codes.missing_room));
    }
    RoomKey::checked_numeric(id)
        .map_err(|reason| coded(codes.invalid_room, format!("{reason}."), format!("房间号无效：{reason}。")))
}

fn string_room(id: &str, codes: &Codes) -> ApiResult<RoomKey> {
    if id.is_empty() {
        return Err(ApiError::business(codes.missing_room));
    }
    RoomKey::checked_string(id)
        .map_err(|reason| coded(codes.invalid_room, format!("{reason}."), format!("房间号无效：{reason}。")))
}

fn room_not_exist(key: &RoomKey) -> ApiError {
    coded(
        "FailedOperation.RoomNotExist",
        format!("The room {} does not exist (nobody is in it).", key.id),
        format!("房间 {} 不存在（房间内没有用户）。", key.id),
    )
}

fn no_session(key: &RoomKey) -> ApiError {
    coded(
        "FailedOperation.MixSessionNotExist",
        format!("Room {} has no mixing session.", key.id),
        format!("房间 {} 中没有设置混流模板。", key.id),
    )
}

/// A position `at + size` inside `bound`, in checked arithmetic.
fn inside(code: &'static str, name: &str, at: Option<u64>, size: Option<u64>, bound: u64) -> ApiResult<()> {
    match at.unwrap_or(0).checked_add(size.unwrap_or(0)) {
        Some(end) if end <= bound => Ok(()),
        end => {
            let shown = end.map_or_else(|| "beyond 2^64".to_owned(), |e| e.to_string());
            Err(out_of_range(code, name, &shown, &format!("at most {bound}, the output's size")))
        }
    }
}

/// `[A-Za-z0-9_-]` (and `.` where `dot`), 1 to `max` bytes.
fn word(value: &str, max: usize, dot: bool) -> bool {
    !value.is_empty()
        && value.len() <= max
        && value.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || (dot && b == b'.'))
}

fn check_output(o: &OutputParams) -> ApiResult<bool> {
    if o.stream_id.is_empty() {
        return Err(ApiError::business("MissingParameter.StreamId"));
    }
    if !word(&o.stream_id, 64, true) {
        return Err(out_of_range(
            "InvalidParameter.StreamId",
            "StreamId",
            &format!("{:?}", o.stream_id),
            "1 to 64 of [A-Za-z0-9_.-]",
        ));
    }
    let pure_audio = ranged("InvalidParameter.PureAudioStream", "PureAudioStream", o.pure_audio_stream, 0, 0, 1)?;
    if let Some(id) = o.record_id.as_deref().filter(|id| !word(id, 64, false)) {
        return Err(out_of_range(
            "InvalidParameter.RecordId",
            "RecordId",
            &format!("{id:?}"),
            "1 to 64 of [A-Za-z0-9_-]",
        ));
    }
    ranged("InvalidParameter.RecordAudioOnly", "RecordAudioOnly", o.record_audio_only, 0, 0, 1)?;
    Ok(pure_audio == 1)
}

/// Checks the encoding; the output's size when it has video.
fn check_encode(e: &EncodeParams, pure_audio: bool, codes: &Codes) -> ApiResult<(u64, u64)> {
    const AUDIO: &str = "InvalidParameter.AudioEncodeParams";
    if e.audio_sample_rate == 0 || e.audio_bitrate == 0 || e.audio_channels == 0 {
        return Err(ApiError::business("MissingParameter.AudioEncodeParams"));
    }
    one_of(AUDIO, "AudioSampleRate", e.audio_sample_rate, &SAMPLE_RATES)?;
    ranged(AUDIO, "AudioBitrate", Some(e.audio_bitrate), 64, 8, 500)?;
    ranged(AUDIO, "AudioChannels", Some(e.audio_channels), 2, 1, 2)?;
    let codec = ranged(AUDIO, "AudioCodec", e.audio_codec, 0, 0, 2)?;
    if codec == 2 && e.audio_channels != 2 {
        return Err(out_of_range(AUDIO, "AudioChannels", &e.audio_channels.to_string(), "2 with HE-AACv2"));
    }
    if codec != 0 && e.audio_sample_rate == 8_000 {
        return Err(out_of_range(AUDIO, "AudioSampleRate", "8000", "48000 to 16000 with HE-AAC"));
    }
    let video = [e.video_width, e.video_height, e.video_bitrate, e.video_framerate, e.video_gop];
    if !pure_audio && video.iter().any(Option::is_none) {
        return Err(ApiError::business("MissingParameter.VideoEncodeParams"));
    }
    const ENCODE: &str = "InvalidParameter.EncodeParams";
    let width = ranged("InvalidParameter.VideoResolution", "VideoWidth", e.video_width, 0, 0, 1920)?;
    let height = ranged("InvalidParameter.VideoResolution", "VideoHeight", e.video_height, 0, 0, 1080)?;
    ranged(ENCODE, "VideoBitrate", e.video_bitrate, 1000, 1, 10_000)?;
    ranged(ENCODE, "VideoFramerate", e.video_framerate, 15, 1, 60)?;
    ranged(ENCODE, "VideoGop", e.video_gop, 2, 1, 5)?;
    ranged(ENCODE, "BackgroundColor", e.background_color, 0, 0, 0xFF_FFFF)?;
    if let Some(url) = &e.background_image_url
        && url.len() > 512
    {
        return Err(out_of_range(
            codes.background_url,
            "BackgroundImageUrl",
            &format!("{} bytes", url.len()),
            "at most 512",
        ));
    }
    Ok((width, height))
}

fn check_layout(l: &LayoutParams, (width, height): (u64, u64), codes: &Codes) -> ApiResult<()> {
    const INVALID: &str = "InvalidParameter";
    let template = ranged(INVALID, "Template", l.template, 0, 0, 4)?;
    ranged("InvalidParameter.MainVideoStreamType", "MainVideoStreamType", l.main_video_stream_type, 0, 0, 1)?;
    ranged(codes.right_align, "MainVideoRightAlign", l.main_video_right_align, 0, 0, 1)?;
    const SMALL: &str = "InvalidParameter.SmallVideoLayoutParams";
    match &l.small_video_layout_params {
        Some(small) => {
            if small.user_id.is_empty() {
                return Err(coded(
                    SMALL,
                    "`SmallVideoLayoutParams.UserId` is required.".into(),
                    "SmallVideoLayoutParams 缺少 UserId。".into(),
                ));
            }
            one_of(
                "InvalidParameter.SmallVideoStreamType",
                "SmallVideoLayoutParams.StreamType",
                small.stream_type,
                &[0, 1],
            )?;
            inside(SMALL, "LocationX + ImageWidth", small.location_x, small.image_width, width)?;
            inside(SMALL, "LocationY + ImageHeight", small.location_y, small.image_height, height)?;
        }
        // Picture-in-picture places its small picture as told.
        None if template == 3 => {
            return Err(coded(
                SMALL,
                "Template 3 (picture-in-picture) needs `SmallVideoLayoutParams`.".into(),
                "画中画模板需要填写 SmallVideoLayoutParams。".into(),
            ));
        }
        None => {}
    }
    if let Some(uids) = &l.mix_video_uids
        && uids.len() > MAX_USERS
    {
        return Err(out_of_range(INVALID, "MixVideoUids", &format!("{} users", uids.len()), "at most 16"));
    }
    const PRESET: &str = "InvalidParameter.PresetLayoutConfig";
    let presets = l.preset_layout_config.as_deref().unwrap_or_default();
    if template == 4 && presets.is_empty() {
        return Err(ApiError::business("MissingParameter.PresetLayoutConfig"));
    }
    if presets.len() > MAX_USERS {
        return Err(out_of_range(PRESET, "PresetLayoutConfig", &format!("{} entries", presets.len()), "at most 16"));
    }
    for p in presets {
        ranged(PRESET, "PresetLayoutConfig.StreamType", p.stream_type, 0, 0, 1)?;
        ranged(PRESET, "PresetLayoutConfig.RenderMode", p.render_mode, 0, 0, 2)?;
        ranged(PRESET, "PresetLayoutConfig.MixInputType", p.mix_input_type, 0, 0, 2)?;
        inside(PRESET, "LocationX + ImageWidth", p.location_x, p.image_width, width)?;
        inside(PRESET, "LocationY + ImageHeight", p.location_y, p.image_height, height)?;
    }
    ranged(INVALID, "PlaceHolderMode", l.place_holder_mode, 0, 0, 1)?;
    ranged(INVALID, "PureAudioHoldPlaceMode", l.pure_audio_hold_place_mode, 0, 0, 2)?;
    ranged(INVALID, "RenderMode", l.render_mode, 0, 0, 2)?;
    if let Some(mark) = &l.water_mark_params {
        inside(
            INVALID,
            "WaterMarkParams LocationX + WaterMarkWidth",
            Some(mark.location_x),
            Some(mark.water_mark_width),
            width,
        )?;
        inside(
            INVALID,
            "WaterMarkParams LocationY + WaterMarkHeight",
            Some(mark.location_y),
            Some(mark.water_mark_height),
            height,
        )?;
    }
    Ok(())
}

/// The pictures the mix names by PictureId (background, placeholders, watermark) are pictures the
/// app uploaded; a watermark URL, when given, wins over its id.
fn check_pictures(ctx: &Ctx<'_>, app: u64, e: &EncodeParams, l: &LayoutParams) -> ApiResult<()> {
    let id = e.background_image_id.unwrap_or(0);
    check_picture(ctx, app, id, "InvalidParameter.EncodeParams", "BackgroundImageId")?;
    for p in l.preset_layout_config.iter().flatten() {
        let id = p.place_image_id.unwrap_or(0);
        check_picture(ctx, app, id, "InvalidParameter.PresetLayoutConfig", "PlaceImageId")?;
    }
    if let Some(mark) = &l.water_mark_params
        && mark.water_mark_url.as_deref().is_none_or(str::is_empty)
    {
        check_picture(ctx, app, mark.water_mark_id, "InvalidParameter", "WaterMarkId")?;
    }
    Ok(())
}

fn check_cdn(p: &PublishCdnParams) -> ApiResult<()> {
    if p.biz_id == 0 {
        return Err(ApiError::business("MissingParameter.BizId"));
    }
    if p.publish_cdn_urls.is_empty() {
        return Err(ApiError::business("MissingParameter.PublishCdnUrls"));
    }
    if p.publish_cdn_urls.len() > 1 {
        let n = p.publish_cdn_urls.len().to_string();
        return Err(out_of_range(
            "InvalidParameter.PublishCdnUrls",
            "PublishCdnUrls",
            &format!("{n} URLs"),
            "one third-party URL",
        ));
    }
    let url = &p.publish_cdn_urls[0];
    if url.len() <= 7 || !url.get(..7).is_some_and(|s| s.eq_ignore_ascii_case("rtmp://")) {
        return Err(out_of_range(
            "InvalidParameter.PublishCdnUrls",
            "PublishCdnUrls",
            &format!("{url:?}"),
            "an rtmp:// URL",
        ));
    }
    Ok(())
}

/// The parameters as a start replaces them: every member the previous start had and this one
/// lacks is cleared (a merge of objects would keep it).
fn replacing(old: &Value, new: &Value) -> Value {
    match (old, new) {
        (Value::Object(old), Value::Object(new)) => {
            let mut out: Map<String, Value> =
                old.keys().filter(|k| !new.contains_key(*k)).map(|k| (k.clone(), Value::Null)).collect();
            for (k, v) in new {
                out.insert(k.clone(), old.get(k).map_or_else(|| v.clone(), |o| replacing(o, v)));
            }
            Value::Object(out)
        }
        _ => new.clone(),
    }
}

/// The running session on a room.
fn session(ctx: &Ctx<'_>, app: u64, dedupe: &str) -> Option<TaskView> {
    ctx.world
        .tasks(app, Some(Family::McuMix), ctx.now)
        .into_iter()
        .find(|v| v.running() && v.task.dedupe.as_deref() == Some(dedupe))
}

fn dedupe_key(key: &RoomKey) -> String {
    format!("{}:{}", if key.numeric { "numeric" } else { "string" }, key.id)
}

fn start(ctx: &Ctx<'_>, input: &Value, string: bool) -> ApiResult<Empty> {
    let codes = if string { &STRING_START } else { &NUMERIC };
    let mix: Mix = parse(input)?;
    rules::app(ctx, mix.sdk_app_id, codes.missing_app, "UnauthorizedOperation.SdkAppId")?;
    let key = if string { string_room(&mix.str_room_id, codes)? } else { numeric_room(mix.room_id, codes)? };
    let output = mix.output_params.as_ref().ok_or_else(|| ApiError::business("MissingParameter.OutputParams"))?;
    let pure_audio = check_output(output)?;
    let encode = mix.encode_params.as_ref().ok_or_else(|| ApiError::business("MissingParameter.EncodeParams"))?;
    let size = check_encode(encode, pure_audio, codes)?;
    let layout = mix.layout_params.as_ref().ok_or_else(|| {
        ApiError::business_with("MissingParameter", "`LayoutParams` is required.", "缺少参数 LayoutParams。")
    })?;
    check_layout(layout, size, codes)?;
    check_pictures(ctx, mix.sdk_app_id, encode, layout)?;
    if let Some(cdn) = &mix.publish_cdn_params {
        check_cdn(cdn)?;
    }
    if ctx.world.room_in_use(mix.sdk_app_id, &key, ctx.now).is_none() {
        return Err(room_not_exist(&key));
    }
    let mut kept = input.clone();
    if let Some(map) = kept.as_object_mut() {
        map.remove("SdkAppId");
    }
    let video = !pure_audio;
    let output_size = if video { size } else { (0, 0) };
    let kbps = encode.audio_bitrate.saturating_add(if video { encode.video_bitrate.unwrap_or(0) } else { 0 });
    let services = Services {
        mixing: Some((
            Resolution::new(u32::try_from(output_size.0).unwrap_or(0), u32::try_from(output_size.1).unwrap_or(0)),
            Codec::H264,
        )),
        relay_kbps: mix.publish_cdn_params.as_ref().map(|_| u32::try_from(kbps).unwrap_or(u32::MAX)),
        ..Services::default()
    };
    let dedupe = dedupe_key(&key);
    let now = ctx.now;
    // A session found may end, and one may begin, between looking and acting: look again.
    for _ in 0..4 {
        if let Some(running) = session(ctx, mix.sdk_app_id, &dedupe) {
            let updated = ctx.world.update_task(mix.sdk_app_id, &running.task.id, now, |task, _| {
                let change = replacing(&task.params_at(now), &kept);
                task.params.push((now, change));
                true
            });
            if updated.is_ok() {
                return Ok(Empty {});
            }
            continue;
        }
        let new = NewTask {
            family: Family::McuMix,
            room: Some(key.clone()),
            robot: None,
            rules: Rules {
                idle: Idle::NothingPublished,
                max_idle: None,
                max_duration: None,
                // A session is addressed by its room: it has no handle to expire.
                handle_secs: None,
                exit_grace: EXIT_GRACE,
            },
            subscription: Subscription::default(),
            streams: Streams { audio: true, video, sub_stream: video },
            params: kept.clone(),
            dedupe: Some(dedupe.clone()),
            limit: ctx.world.limits.get(Family::McuMix),
            services,
        };
        match ctx.world.start_task(mix.sdk_app_id, new, now, |hash| task_id_of("StartMCUMixTranscode", now, hash)) {
            Ok(_) => return Ok(Empty {}),
            Err(StartRefusal::Duplicate) => continue,
            Err(StartRefusal::Concurrency) => {
                return Err(ApiError::business_with(
                    "ResourceInsufficient.RequestRejection",
                    "Maximum number of concurrent mixing sessions reached.",
                    "混流会话并发数已达上限。",
                ));
            }
        }
    }
    Err(ApiError::business("FailedOperation"))
}

fn stop(ctx: &Ctx<'_>, app: u64, key: &RoomKey) -> ApiResult<Empty> {
    let Some(running) = session(ctx, app, &dedupe_key(key)) else {
        if ctx.world.room_in_use(app, key, ctx.now).is_none() {
            return Err(room_not_exist(key));
        }
        return Err(no_session(key));
    };
    ctx.world.stop_task(app, &running.task.id, ctx.now).map_err(|_| no_session(key))?;
    Ok(Empty {})
}

/// Starts mixing a numeric room, or replaces the parameters of its session.
pub fn start_mcu_mix_transcode(ctx: &Ctx<'_>, input: Value) -> ApiResult<Empty> {
    start(ctx, &input, false)
}

/// Starts mixing a string room, or replaces the parameters of its session.
pub fn start_mcu_mix_transcode_by_str_room_id(ctx: &Ctx<'_>, input: Value) -> ApiResult<Empty> {
    start(ctx, &input, true)
}

/// Ends the mixing session of a numeric room.
pub fn stop_mcu_mix_transcode(ctx: &Ctx<'_>, input: StopInput) -> ApiResult<Empty> {
    rules::app(ctx, input.sdk_app_id, NUMERIC.missing_app, "UnauthorizedOperation.SdkAppId")?;
    let key = numeric_room(input.room_id, &NUMERIC)?;
    stop(ctx, input.sdk_app_id, &key)
}

/// Ends the mixing session of a string room.
pub fn stop_mcu_mix_transcode_by_str_room_id(ctx: &Ctx<'_>, input: StopByStrRoomIdInput) -> ApiResult<Empty> {
    rules::app(ctx, input.sdk_app_id, STRING_STOP.missing_app, "UnauthorizedOperation.SdkAppId")?;
    let key = string_room(&input.str_room_id, &STRING_STOP)?;
    stop(ctx, input.sdk_app_id, &key)
}
