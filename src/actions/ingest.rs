//! Stream ingest: StartStreamIngest sends a robot into the room (making it if nobody is in it)
//! as an anchor that plays an online media source as its audio and video, so everyone in the
//! room, and every task on it, sees the robot's streams. The emulator fetches nothing: a source
//! whose path ends in a media file's extension is a file of [`FILE_SECS`] seconds, played
//! `RepeatNum` times from `SeekSecond` at `Tempo` (`RepeatNum` -1 loops until `MaxDuration`
//! minutes, if given); anything else is a live stream, played until stopped. Audio-only files
//! (mp3, m4a, aac…) send audio alone.
//!
//! The task ends when it has played its source out, on StopStreamIngest, when the room is
//! dismissed or its robot removed (or replaced by a user of its id), and after a pause of 12
//! hours (`IdleTimeout` seconds when given). UpdateStreamIngest switches the source (the new
//! one plays from its start, `RepeatNum` times again), pauses and resumes (the robot stops
//! sending while paused; playback holds), changes the volume and tempo. Describe answers
//! `InProgress` while it runs and `NotExist` for a task that ended or never was.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::Ctx;
use super::tasks::{RoomIdTypes, check_app, check_private_map_key, check_user_sig, out_of_range, params, room_key};
use super::tasks::{TaskInput, start};
use crate::error::{ApiError, ApiResult};
use crate::pure::usersig::privilege;
use crate::world::live::{Change, Streams};
use crate::world::model::{Resolution, Role, Services};
use crate::world::running::{NewTask, StartRefusal, TaskRefusal, TaskView};
use crate::world::tasks::{Family, Idle, Robot, Rules, State, Subscription, Task};

const VALUE: &str = "InvalidParameterValue";
const BAD_URL: &str = "InvalidParameter.StreamUrl";
/// Seconds one play of a media file lasts.
pub const FILE_SECS: u64 = 600;
/// Seconds a paused task lasts (documented: 12 hours), unless `IdleTimeout` says otherwise.
pub const PAUSE_SECS: u64 = 12 * 3600;
/// Longest source URL taken.
const MAX_URL: usize = 2048;
const VIDEO_FILES: &[&str] = &["mp4", "mov", "mkv", "webm", "avi", "wmv", "3gp", "m4v"];
const AUDIO_FILES: &[&str] = &["mp3", "m4a", "aac", "wav", "ogg", "flac", "opus", "wma"];
/// The TaskId's length: 115 characters of `[A-Za-z0-9+-]` and a `.`.
const TASK_ID_LEN: usize = 116;

#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct VideoEncodeParams {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub width: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub height: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fps: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bit_rate: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gop: Option<u64>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AudioEncodeParams {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sample_rate: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bit_rate: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub volume: Option<u64>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct StartStreamIngestInput {
    pub sdk_app_id: u64,
    pub room_id: String,
    pub room_id_type: u64,
    pub user_id: String,
    #[serde(skip_serializing)]
    pub user_sig: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stream_url: Option<String>,
    #[serde(skip_serializing)]
    pub private_map_key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub video_encode_params: Option<VideoEncodeParams>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audio_encode_params: Option<AudioEncodeParams>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_url: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seek_second: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auto_push: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repeat_num: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_duration: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub volume: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enable_progress: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tempo: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idle_timeout: Option<i64>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TaskIdOutput {
    pub task_id: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct StatusOutput {
    pub status: &'static str,
}

#[derive(Debug, Serialize)]
pub struct Empty {}

/// What a source URL is, as far as its name tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    /// A live stream: it plays until stopped.
    Live,
    /// A media file, with or without video.
    File { video: bool },
}

fn source(url: &str) -> Source {
    let path = url.split(['?', '#']).next().unwrap_or_default();
    let last = path.rsplit('/').next().unwrap_or_default();
    let ext = last.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    if VIDEO_FILES.contains(&ext.as_str()) {
        Source::File { video: true }
    } else if AUDIO_FILES.contains(&ext.as_str()) {
        Source::File { video: false }
    } else {
        Source::Live
    }
}

/// What the robot sends while it plays `url`.
fn sends(url: &str) -> Streams {
    let video = source(url) != Source::File { video: false };
    Streams { audio: true, video, sub_stream: false }
}

fn bad_url(reason: String) -> ApiError {
    ApiError::business_with(
        BAD_URL,
        format!("Invalid StreamUrl: {reason}."),
        format!("StreamUrl参数校验失败：{reason}。"),
    )
}

/// A source URL TRTC can pull: http(s), rtmp(s), srt or rtsp, with a host, printable, at most
/// [`MAX_URL`] bytes.
fn check_url(url: &str) -> ApiResult<()> {
    if url.is_empty() {
        return Err(bad_url("it is empty".into()));
    }
    if url.len() > MAX_URL {
        return Err(bad_url(format!("it is {} bytes, more than {MAX_URL}", url.len())));
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad_url(format!("{url:?} holds white space or control characters")));
    }
    let Some((scheme, rest)) = url.split_once("://") else {
        return Err(bad_url(format!("{url:?} is not a URL")));
    };
    if !["http", "https", "rtmp", "rtmps", "srt", "rtsp"].contains(&scheme.to_ascii_lowercase().as_str()) {
        return Err(bad_url(format!("scheme {scheme:?} is not one of http, https, rtmp, rtmps, srt, rtsp")));
    }
    if rest.split(['/', '?', '#']).next().is_none_or(str::is_empty) {
        return Err(bad_url(format!("{url:?} has no host")));
    }
    Ok(())
}

/// The URL the task pulls: `StreamUrl`, or the one address of the deprecated `SourceUrl`.
fn start_url(input: &StartStreamIngestInput) -> ApiResult<String> {
    let url = match (&input.stream_url, &input.source_url) {
        (Some(url), _) if !url.is_empty() => url.clone(),
        (_, Some(urls)) if urls.len() == 1 => urls[0].clone(),
        (_, Some(urls)) if urls.len() > 1 => {
            return Err(bad_url(format!("SourceUrl takes one address, got {}", urls.len())));
        }
        _ => return Err(bad_url("StreamUrl is required".into())),
    };
    check_url(&url)?;
    Ok(url)
}

fn within(name: &str, value: i64, low: i64, high: i64) -> ApiResult<()> {
    if (low..=high).contains(&value) {
        Ok(())
    } else {
        Err(out_of_range(VALUE, name, &value.to_string(), &format!("{low} to {high}")))
    }
}

fn within_u(name: &str, value: Option<u64>, low: u64, high: u64) -> ApiResult<()> {
    match value {
        Some(v) if !(low..=high).contains(&v) => {
            Err(out_of_range(VALUE, name, &v.to_string(), &format!("{low} to {high}")))
        }
        _ => Ok(()),
    }
}

/// `Tempo` in quarters (0.5 → 2 … 2.0 → 8): one of 0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0.
fn tempo_quarters(tempo: f64) -> Option<u64> {
    let quarters = tempo * 4.0;
    (quarters.fract() == 0.0 && (2.0..=8.0).contains(&quarters)).then_some(quarters as u64)
}

fn check_tempo(tempo: Option<f64>) -> ApiResult<()> {
    match tempo {
        Some(t) if tempo_quarters(t).is_none() => {
            Err(out_of_range(VALUE, "Tempo", &t.to_string(), "0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0"))
        }
        _ => Ok(()),
    }
}

fn check_encoding(video: Option<&VideoEncodeParams>, audio: Option<&AudioEncodeParams>) -> ApiResult<()> {
    if let Some(v) = video {
        within_u("VideoEncodeParams.Width", v.width, 0, 1920)?;
        within_u("VideoEncodeParams.Height", v.height, 0, 1080)?;
        within_u("VideoEncodeParams.Fps", v.fps, 1, 60)?;
        within_u("VideoEncodeParams.BitRate", v.bit_rate, 1, 10_000)?;
        within_u("VideoEncodeParams.Gop", v.gop, 1, 2)?;
    }
    if let Some(a) = audio {
        if let Some(rate) = a.sample_rate
            && ![48_000, 44_100].contains(&rate)
        {
            return Err(out_of_range(VALUE, "AudioEncodeParams.SampleRate", &rate.to_string(), "48000, 44100"));
        }
        within_u("AudioEncodeParams.Channel", a.channel, 1, 2)?;
        within_u("AudioEncodeParams.BitRate", a.bit_rate, 8, 500)?;
        within_u("AudioEncodeParams.Volume", a.volume, 0, 300)?;
    }
    Ok(())
}

/// Pushes an online media stream into a room.
pub fn start_stream_ingest(ctx: &Ctx<'_>, input: StartStreamIngestInput) -> ApiResult<TaskIdOutput> {
    check_app(ctx, input.sdk_app_id, "InvalidParameter.SdkAppId")?;
    // A string room id that is not one is `StrRoomId`'s mistake, a numeric one `RoomId`'s.
    let invalid = if input.room_id_type == 0 { "InvalidParameter.StrRoomId" } else { "InvalidParameter.RoomId" };
    let key =
        room_key(&input.room_id, input.room_id_type, RoomIdTypes::ZeroIsString, "MissingParameter.RoomId", invalid)?;
    if input.user_id.is_empty() {
        return Err(ApiError::business_with(
            "MissingParameter",
            "`UserId` (the ingest robot's) is missing.",
            "缺少参数 UserId（输入在线媒体流机器人的 UserId）。",
        ));
    }
    if input.user_sig.is_empty() {
        return Err(ApiError::business("InvalidParameter.UserSig"));
    }
    check_user_sig(ctx, input.sdk_app_id, &input.user_id, &input.user_sig)?;
    let send = privilege::SEND_AUDIO | privilege::SEND_VIDEO;
    check_private_map_key(ctx, input.sdk_app_id, &input.user_id, &key, input.private_map_key.as_deref(), send)?;
    let url = start_url(&input)?;
    let repeat = input.repeat_num.unwrap_or(1);
    within("RepeatNum", repeat, -1, 1000)?;
    if repeat == 0 {
        return Err(out_of_range(VALUE, "RepeatNum", "0", "-1 (loop) or 1 to 1000"));
    }
    if let Some(minutes) = input.max_duration {
        within("MaxDuration", minutes, 1, 10_080)?;
    }
    if let Some(seek) = input.seek_second {
        within("SeekSecond", seek, 0, i64::MAX)?;
    }
    within_u("Volume", input.volume, 0, 200)?;
    check_tempo(input.tempo)?;
    if let Some(idle) = input.idle_timeout {
        within("IdleTimeout", idle, 0, 600)?;
    }
    check_encoding(input.video_encode_params.as_ref(), input.audio_encode_params.as_ref())?;
    let video = input.video_encode_params.as_ref().map_or(Resolution::new(1280, 720), |v| {
        match (v.width.and_then(|w| u32::try_from(w).ok()), v.height.and_then(|h| u32::try_from(h).ok())) {
            (Some(w), Some(h)) if w > 0 && h > 0 => Resolution::new(w, h),
            _ => Resolution::new(1280, 720),
        }
    });
    let dedupe = format!("{}:{}:{}", key.numeric, key.id, input.user_id);
    let mut kept = params(&input);
    // What it pulls, whichever member named it.
    kept["StreamUrl"] = json!(url);
    let mut new = NewTask {
        family: Family::StreamIngest,
        room: Some(key),
        robot: Some(Robot { user_id: input.user_id.clone(), role: Role::Anchor, sends: sends(&url), video }),
        rules: Rules { idle: Idle::Never, max_idle: None, max_duration: None, handle_secs: None, exit_grace: 0 },
        subscription: Subscription::default(),
        streams: Streams::NONE,
        params: kept.clone(),
        dedupe: Some(dedupe),
        limit: ctx.world.limits.get(Family::StreamIngest),
        services: Services::default(),
    };
    new.rules.max_duration = own_end(0, &[(0, kept)]);
    let task_id = start(ctx, input.sdk_app_id, new, "StartStreamIngest").map_err(|refusal| match refusal {
        StartRefusal::Duplicate => ApiError::business_with(
            "FailedOperation.TaskExist",
            format!("Task already exists: robot {:?} is already ingesting into this room.", input.user_id),
            format!("任务已存在：机器人 {} 已在该房间输入媒体流。", input.user_id),
        ),
        StartRefusal::Concurrency => ApiError::business_with(
            "FailedOperation.RestrictedConcurrency",
            "Maximum number of concurrent stream ingest tasks reached. Contact us to raise the limit.",
            "单用户并发过载，请联系我们增大并发路数到合理值。",
        ),
    })?;
    Ok(TaskIdOutput { task_id })
}

/// When a task that started at `start` with `params` (the start's, then each update's, with
/// their times) ends on its own, in seconds after its start: the source played out, a pause
/// too long, `MaxDuration` of a loop. `None` while it has no end of its own (a live stream, a
/// loop without `MaxDuration`).
fn own_end(start: u64, params: &[(u64, Value)]) -> Option<u64> {
    let (_, first) = params.first()?;
    let repeat = first["RepeatNum"].as_i64().unwrap_or(1);
    // Media left to play, in quarter seconds (Tempo is a multiple of 0.25).
    let media = |url: &str, seek: u64| match (source(url), u64::try_from(repeat)) {
        (Source::File { .. }, Ok(times)) => {
            Some(times.saturating_mul(FILE_SECS).saturating_sub(seek).saturating_mul(4))
        }
        _ => None,
    };
    let seek = first["SeekSecond"].as_u64().unwrap_or(0);
    let mut left = media(first["StreamUrl"].as_str().unwrap_or_default(), seek);
    let mut tempo = first["Tempo"].as_f64().and_then(tempo_quarters).unwrap_or(4);
    let pause_limit = first["IdleTimeout"].as_u64().filter(|s| *s > 0).unwrap_or(PAUSE_SECS);
    let mut paused: Option<u64> = None;
    let mut last = start;
    for (t, update) in &params[1..] {
        if paused.is_none()
            && let Some(left) = &mut left
        {
            *left = left.saturating_sub(t.saturating_sub(last).saturating_mul(tempo));
        }
        last = (*t).max(last);
        if let Some(url) = update["StreamUrl"].as_str() {
            left = media(url, 0);
        }
        match update["IsPause"].as_bool() {
            Some(true) => paused = paused.or(Some(last)),
            Some(false) => paused = None,
            None => {}
        }
        if let Some(q) = update["Tempo"].as_f64().and_then(tempo_quarters) {
            tempo = q;
        }
    }
    let played_out = match paused {
        Some(since) => Some(since.saturating_add(pause_limit)),
        None => left.map(|l| last.saturating_add(l.div_ceil(tempo))),
    };
    let cap = first["MaxDuration"]
        .as_u64()
        .filter(|_| repeat == -1)
        .map(|minutes| start.saturating_add(minutes.saturating_mul(60)));
    let end = match (played_out, cap) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    end.map(|e| e.saturating_sub(start))
}

// ---- Describe, Update, Stop -------------------------------------------------------------------

/// Whether `id` has the shape of an ingest TaskId.
fn well_formed(id: &str) -> bool {
    id.len() == TASK_ID_LEN
        && id.ends_with('.')
        && id[..TASK_ID_LEN - 1].bytes().all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'-')
}

fn bad_task_id(id: &str) -> ApiError {
    ApiError::business_with(
        "InvalidParameter.TaskId",
        format!("TaskId parameter error: {id:?} is not a stream ingest TaskId."),
        format!("TaskId 参数错误：{id:?} 不是输入在线媒体流任务的 TaskId。"),
    )
}

/// The checks of Describe and Update: the app, then the TaskId's presence and shape.
fn checked_task_id<'a>(ctx: &Ctx<'_>, input: &'a TaskInput) -> ApiResult<&'a str> {
    check_app(ctx, input.sdk_app_id, "AuthFailure.UnauthorizedOperation")?;
    if input.task_id.is_empty() {
        return Err(ApiError::business("MissingParameter.TaskId"));
    }
    if !well_formed(&input.task_id) {
        return Err(bad_task_id(&input.task_id));
    }
    Ok(&input.task_id)
}

/// The ingest task `id` while it runs.
fn running(ctx: &Ctx<'_>, app: u64, id: &str) -> Option<TaskView> {
    ctx.world
        .task(app, id, ctx.now)
        .filter(|v| v.task.family == Family::StreamIngest && v.running() && v.state(ctx.now) != State::Gone)
}

pub fn describe_stream_ingest(ctx: &Ctx<'_>, input: TaskInput) -> ApiResult<StatusOutput> {
    let id = checked_task_id(ctx, &input)?;
    let status = if running(ctx, input.sdk_app_id, id).is_some() { "InProgress" } else { "NotExist" };
    Ok(StatusOutput { status })
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateStreamIngestInput {
    #[serde(skip_serializing)]
    pub sdk_app_id: u64,
    #[serde(skip_serializing)]
    pub task_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stream_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub volume: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_pause: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enable_progress: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tempo: Option<f64>,
}

fn not_exist(id: &str) -> ApiError {
    ApiError::business_with(
        "FailedOperation.TaskNotExist",
        format!("The run does not exist or is stopped: no stream ingest task {id} is running."),
        format!("任务不存在或已结束：输入在线媒体流任务 {id} 未在运行。"),
    )
}

/// Switches the source, pauses or resumes, changes volume or tempo.
pub fn update_stream_ingest(ctx: &Ctx<'_>, input: UpdateStreamIngestInput) -> ApiResult<StatusOutput> {
    let ids = TaskInput { sdk_app_id: input.sdk_app_id, task_id: input.task_id.clone() };
    let id = checked_task_id(ctx, &ids)?;
    if let Some(url) = &input.stream_url {
        check_url(url)?;
    }
    within_u("Volume", input.volume, 0, 200)?;
    check_tempo(input.tempo)?;
    if running(ctx, input.sdk_app_id, id).is_none() {
        return Err(not_exist(id));
    }
    let now = ctx.now;
    let update = params(&input);
    let view = ctx
        .world
        .update_task(input.sdk_app_id, id, now, |task: &mut Task, _| {
            if task.family != Family::StreamIngest {
                return false;
            }
            task.params.push((now, update));
            task.rules.max_duration = own_end(task.created_at, &task.params);
            true
        })
        .map_err(|_: TaskRefusal| not_exist(id))?;
    // The robot sends what it now plays, or nothing while paused.
    if input.stream_url.is_some() || input.is_pause.is_some() {
        let in_force = view.task.params_at(now);
        let streams = if in_force["IsPause"] == true {
            Streams::NONE
        } else {
            sends(in_force["StreamUrl"].as_str().unwrap_or_default())
        };
        if let (Some((key, _)), Some(robot)) = (&view.task.room, &view.task.robot) {
            // The robot is in the room while its task runs, so the change finds it.
            let _ = ctx.world.change(
                input.sdk_app_id,
                key,
                Change::Publish { user_id: robot.user_id.clone(), streams },
                now,
            );
        }
    }
    Ok(StatusOutput { status: "InProgress" })
}

/// Stops a task: its robot leaves the room.
pub fn stop_stream_ingest(ctx: &Ctx<'_>, input: TaskInput) -> ApiResult<Empty> {
    // Stop's one code for a missing SdkAppId and for one not the caller's.
    super::rules::app(ctx, input.sdk_app_id, "InvalidParameter.SdkAppId", "InvalidParameter.SdkAppId")?;
    if !well_formed(&input.task_id) {
        return Err(bad_task_id(&input.task_id));
    }
    let known =
        ctx.world.task(input.sdk_app_id, &input.task_id, ctx.now).filter(|v| v.task.family == Family::StreamIngest);
    if known.is_none() {
        return Err(ApiError::business_with(
            "InvalidParameter.TaskId",
            format!("TaskId parameter error: no stream ingest task {} was started.", input.task_id),
            format!("TaskId 参数错误：未启动过输入在线媒体流任务 {}。", input.task_id),
        ));
    }
    ctx.world.stop_task(input.sdk_app_id, &input.task_id, ctx.now).map_err(|_| {
        ApiError::business_with(
            "FailedOperation.TaskFinished",
            format!("Task has ended when calling the interface: {} is no longer running.", input.task_id),
            format!("调用接口时任务已结束：{} 已不在运行。", input.task_id),
        )
    })?;
    Ok(Empty {})
}

#[cfg(test)]
mod tests {
    use super::*;

    fn started(extra: Value) -> Value {
        let mut p = json!({"StreamUrl": "https://a.b/v.mp4"});
        p.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        p
    }

    #[test]
    fn files_play_repeat_num_times_from_the_seek_at_the_tempo() {
        assert_eq!(own_end(100, &[(100, started(json!({})))]), Some(FILE_SECS));
        assert_eq!(
            own_end(100, &[(100, started(json!({"RepeatNum": 3, "SeekSecond": 60})))]),
            Some(3 * FILE_SECS - 60)
        );
        assert_eq!(own_end(100, &[(100, started(json!({"Tempo": 2.0})))]), Some(FILE_SECS / 2));
        assert_eq!(own_end(100, &[(100, started(json!({"Tempo": 0.75})))]), Some(800));
        assert_eq!(own_end(100, &[(100, started(json!({"RepeatNum": -1})))]), None);
        assert_eq!(own_end(100, &[(100, started(json!({"RepeatNum": -1, "MaxDuration": 2})))]), Some(120));
        // MaxDuration applies to loops only.
        assert_eq!(own_end(100, &[(100, started(json!({"MaxDuration": 2})))]), Some(FILE_SECS));
        assert_eq!(own_end(100, &[(100, json!({"StreamUrl": "rtmp://live.example/app/s"}))]), None);
    }

    #[test]
    fn pauses_hold_playback_and_a_new_source_starts_over() {
        let start = (0, started(json!({})));
        // Paused at 100 for 50 s: the end moves 50 s later.
        let params = vec![start.clone(), (100, json!({"IsPause": true})), (150, json!({"IsPause": false}))];
        assert_eq!(own_end(0, &params), Some(FILE_SECS + 50));
        // Still paused: ends 12 h after the pause began.
        assert_eq!(own_end(0, &params[..2]), Some(100 + PAUSE_SECS));
        let idle = vec![(0, started(json!({"IdleTimeout": 30}))), (100, json!({"IsPause": true}))];
        assert_eq!(own_end(0, &idle), Some(130));
        // A new file at 500 plays in full from then; a live stream has no end.
        assert_eq!(own_end(0, &[start.clone(), (500, json!({"StreamUrl": "http://x/y.mp3"}))]), Some(500 + FILE_SECS));
        assert_eq!(own_end(0, &[start, (500, json!({"StreamUrl": "rtmp://x/live"}))]), None);
    }

    #[test]
    fn sources_and_task_ids() {
        assert_eq!(sends("https://a.b/song.MP3?x=1"), Streams { audio: true, video: false, sub_stream: false });
        assert_eq!(sends("rtmp://a.b/live/x"), Streams { audio: true, video: true, sub_stream: false });
        assert!(check_url("ftp://a.b/x.mp4").is_err());
        assert!(check_url("https:///x.mp4").is_err());
        assert!(check_url("https://a.b/x y.mp4").is_err());
        assert!(check_url("srt://a.b:9000").is_ok());
        let id = crate::actions::generated::task_id_of("StartStreamIngest", 0, 7);
        assert!(well_formed(&id), "{id}");
        assert!(!well_formed(&id[1..]));
        assert_eq!(tempo_quarters(1.25), Some(5));
        assert_eq!(tempo_quarters(2.25), None);
        assert_eq!(tempo_quarters(0.6), None);
    }
}
