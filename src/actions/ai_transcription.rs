//! AI transcription: StartAITranscription sends a transcription robot into the room. In
//! `TranscriptionMode` 0 (default) it listens to everyone, in mode 1 to `TargetUserId` (required
//! there). It is Idle until someone it listens to is in the room, Preparing for two seconds,
//! then InProgress; it ends on StopAITranscription, `MaxIdleTime` (default 60 s) after the last
//! of them left, or when its robot is removed or the room dismissed; it shows Stopped for five
//! seconds, then `FailedOperation.TaskNotExist`.
//!
//! Starts are deduplicated on SdkAppId + RoomId + RoomIdType + robot UserId, and on SessionId
//! when given (`FailedOperation.TaskExist`). Robots of several mode-0 tasks in one room listen
//! to each other: while only they are left, a task idles out after ten hours, not `MaxIdleTime`.
//! DescribeAITranscription with an empty TaskId finds the task by SdkAppId + SessionId. The task
//! bills ASR minutes (and translation minutes with a `TranslationConfig`) for each published
//! audio stream it takes (DescribeTRTCAIRecognitionUsage).

use serde::{Deserialize, Serialize};

use super::Ctx;
use super::ai::{DEFAULT_MAX_IDLE, EXIT_GRACE, by_task_id, check_voice_print, invalid, missing, not_exist, within};
use super::ai_conversation::{DescribeOutput, Empty, TaskIdOutput, TurnDetection, VoicePrint, check_hot_words};
use super::generated::task_id_of;
use super::tasks::{RoomIdTypes, params, room_key};
use crate::error::{ApiError, ApiResult};
use crate::world::live::Streams;
use crate::world::model::{Resolution, Services, Transcription};
use crate::world::running::{NewTask, StartRefusal};
use crate::world::tasks::{Family, Idle, Robot, Rules, Subscription};

/// Seconds a mode-0 task kept only by the robots of other mode-0 tasks runs idle.
pub const FELLOWS_IDLE_SECS: u64 = 10 * 3600;
const MAX_HOT_WORDS: usize = 300;

#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TranscriptionParams {
    pub user_id: String,
    #[serde(skip_serializing)]
    pub user_sig: String,
    #[serde(rename = "IMAdminUserId")]
    pub im_admin_user_id: Option<String>,
    #[serde(rename = "IMAdminUserSig", skip_serializing)]
    pub im_admin_user_sig: Option<String>,
    pub max_idle_time: Option<u64>,
    pub transcription_mode: Option<u64>,
    pub target_user_id: Option<String>,
    pub target_user_id_list: Option<Vec<String>>,
    pub voice_print: Option<VoicePrint>,
    pub turn_detection: Option<TurnDetection>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RecognizeConfig {
    pub language: Option<String>,
    pub alternative_language: Option<Vec<String>>,
    pub model: Option<String>,
    pub translation_language: Option<String>,
    pub hot_word_list: Option<String>,
    pub vad_silence_time: Option<u64>,
    pub vad_level: Option<u64>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TtsVoice {
    pub voice_id: String,
    pub model: Option<String>,
    pub speed: Option<f64>,
    pub volume: Option<f64>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Terminology {
    pub source: String,
    pub target: String,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TranslationConfig {
    pub target_languages: Vec<String>,
    pub mode: Option<u64>,
    #[serde(rename = "TTSConfig")]
    pub tts_config: Option<TtsVoice>,
    pub terminology: Option<Vec<Terminology>>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct StartAITranscriptionInput {
    pub sdk_app_id: u64,
    pub room_id: String,
    pub transcription_params: TranscriptionParams,
    pub session_id: Option<String>,
    pub room_id_type: Option<u64>,
    pub recognize_config: Option<RecognizeConfig>,
    pub translation_config: Option<TranslationConfig>,
}

/// Checks the robot's parameters; the users it listens to (`None`: everyone).
fn check_params(p: &TranscriptionParams) -> ApiResult<Option<Vec<String>>> {
    if p.user_id.is_empty() {
        return Err(missing("TranscriptionParams.UserId"));
    }
    if p.user_sig.is_empty() {
        return Err(ApiError::business("InvalidParameter.UserSig"));
    }
    let admin = p.im_admin_user_id.as_deref().unwrap_or_default();
    let admin_sig = p.im_admin_user_sig.as_deref().unwrap_or_default();
    match (admin.is_empty(), admin_sig.is_empty()) {
        (false, true) => return Err(missing("TranscriptionParams.IMAdminUserSig")),
        (true, false) => return Err(missing("TranscriptionParams.IMAdminUserId")),
        _ => {}
    }
    if let Some(vp) = &p.voice_print {
        check_voice_print(vp.mode, vp.id_list.as_deref())?;
    }
    match p.transcription_mode.unwrap_or(0) {
        0 => Ok(None),
        1 => {
            let target = p.target_user_id.as_deref().unwrap_or_default();
            if target.is_empty() {
                return Err(missing("TranscriptionParams.TargetUserId"));
            }
            if target == p.user_id {
                return Err(invalid("TranscriptionParams.TargetUserId", "is the robot's own UserId"));
            }
            let mut users = vec![target.to_owned()];
            users.extend(p.target_user_id_list.iter().flatten().filter(|u| !u.is_empty()).cloned());
            Ok(Some(users))
        }
        other => Err(invalid("TranscriptionParams.TranscriptionMode", &format!("is {other}, not 0 or 1"))),
    }
}

fn check_configs(input: &StartAITranscriptionInput) -> ApiResult<()> {
    if let Some(r) = &input.recognize_config {
        within("RecognizeConfig.VadSilenceTime", r.vad_silence_time, 240, 2000)?;
        within("RecognizeConfig.VadLevel", r.vad_level, 0, 3)?;
        if let Some(words) = &r.hot_word_list {
            check_hot_words("RecognizeConfig.HotWordList", words, MAX_HOT_WORDS)?;
        }
    }
    if let Some(t) = &input.translation_config {
        if t.target_languages.iter().all(String::is_empty) {
            return Err(missing("TranslationConfig.TargetLanguages"));
        }
        within("TranslationConfig.Mode", t.mode, 1, 2)?;
        if t.mode == Some(2) && t.tts_config.as_ref().is_none_or(|c| c.voice_id.is_empty()) {
            return Err(missing("TranslationConfig.TTSConfig.VoiceId"));
        }
        if t.terminology.iter().flatten().any(|term| term.source.is_empty() || term.target.is_empty()) {
            return Err(missing("TranslationConfig.Terminology.Source"));
        }
    }
    Ok(())
}

/// Starts transcribing a room.
pub fn start_ai_transcription(ctx: &Ctx<'_>, input: StartAITranscriptionInput) -> ApiResult<TaskIdOutput> {
    let app = input.sdk_app_id;
    super::rules::app(ctx, app, "MissingParameter", "FailedOperation.SdkAppIdNotUnderAppId")?;
    if input.room_id.is_empty() {
        return Err(missing("RoomId"));
    }
    let key = room_key(
        &input.room_id,
        input.room_id_type.unwrap_or(0),
        RoomIdTypes::ZeroIsNumeric,
        "MissingParameter",
        "InvalidParameter",
    )?;
    let p = &input.transcription_params;
    let users = check_params(p)?;
    super::tasks::check_user_sig(ctx, app, &p.user_id, &p.user_sig)?;
    check_configs(&input)?;
    let session = input.session_id.clone().filter(|s| !s.is_empty());
    // The robot in its room, and the SessionId: either one shared with a running task refuses.
    let mut dedupe = format!("robot:{}:{}:{}", u8::from(key.numeric), key.id, p.user_id);
    if let Some(s) = &session {
        dedupe.push_str(&format!("\nsession:{s}"));
    }
    let whole_room = users.is_none();
    let new = NewTask {
        family: Family::AiTranscription,
        room: Some(key),
        robot: Some(Robot { video: Resolution::new(1, 1), ..Robot::listener(p.user_id.clone()) }),
        rules: Rules {
            idle: Idle::NobodyTaken { fellows: whole_room.then_some(FELLOWS_IDLE_SECS) },
            max_idle: Some(p.max_idle_time.unwrap_or(DEFAULT_MAX_IDLE)),
            max_duration: None,
            handle_secs: None,
            exit_grace: EXIT_GRACE,
        },
        subscription: Subscription { audio_allow: users, ..Subscription::default() },
        streams: Streams { audio: true, video: false, sub_stream: false },
        params: params(&input),
        dedupe: Some(dedupe),
        limit: ctx.world.limits.get(Family::AiTranscription),
        services: Services {
            transcription: Some(Transcription { translation: input.translation_config.is_some() }),
            ..Services::default()
        },
    };
    let now = ctx.now;
    let task_id = ctx.world.start_task(app, new, now, |hash| task_id_of("StartAITranscription", now, hash)).map_err(
        |r| match r {
            StartRefusal::Duplicate => ApiError::business_with(
                "FailedOperation.TaskExist",
                format!(
                    "Task already exists: robot {} is already transcribing room {}{}.",
                    p.user_id,
                    input.room_id,
                    session.as_deref().map(|s| format!(", or SessionId {s:?} is in use")).unwrap_or_default()
                ),
                format!("任务已存在：机器人 {} 已在房间 {} 中转录，或 SessionId 已被使用。", p.user_id, input.room_id),
            ),
            StartRefusal::Concurrency => ApiError::business_with(
                "ResourceInsufficient.RequestRejection",
                format!(
                    "Insufficient resources: SdkAppId {app} runs the {} AI transcriptions it may at once.",
                    ctx.world.limits.get(Family::AiTranscription)
                ),
                format!("资源不足：SdkAppId {app} 的并发 AI 转录任务已达上限。"),
            ),
        },
    )?;
    Ok(TaskIdOutput { task_id })
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeInput {
    pub task_id: String,
    pub sdk_app_id: Option<i64>,
    pub session_id: Option<String>,
}

pub fn describe_ai_transcription(ctx: &Ctx<'_>, input: DescribeInput) -> ApiResult<DescribeOutput> {
    // A named SdkAppId that is no app (negative) matches no task.
    let app = input.sdk_app_id.map(|a| u64::try_from(a).unwrap_or(u64::MAX));
    let view = super::ai_conversation::described(
        ctx,
        Family::AiTranscription,
        app,
        Some(&input.task_id),
        input.session_id.as_deref(),
    )?;
    Ok(super::ai_conversation::describe_output(&view, ctx.now))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct StopInput {
    pub task_id: String,
}

pub fn stop_ai_transcription(ctx: &Ctx<'_>, input: StopInput) -> ApiResult<Empty> {
    let (app, _) = by_task_id(ctx, Family::AiTranscription, &input.task_id, None, true)?;
    ctx.world.stop_task(app, &input.task_id, ctx.now).map_err(|_| not_exist(&input.task_id))?;
    Ok(Empty {})
}
