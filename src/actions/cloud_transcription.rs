//! Cloud transcription: CreateCloudTranscription sends a transcription robot into the room
//! (`RoomIdType` 0 numeric, 1 string). The task is Idle until an anchor it takes (its
//! `SubscribeList`, everyone when empty, less its `UnSubscribeList`) publishes audio,
//! InProgress while one does, and ends on DeleteCloudTranscription, `MaxIdleTime` (default
//! 30 s, 5 to 86400) after the last anchor left or became audience, when its robot is removed or
//! the room dismissed; it shows Exited for ten seconds, then `ResourceNotFound`. Describe's
//! `StartTime` is in milliseconds.
//!
//! `TranslationParam.TargetLang` takes the sixteen documented languages; each `TTSParam` speaks
//! one of them (its `Language` must be in `TargetLang`), with model `flow_02_turbo` only, for a
//! `TargetUser` the task takes. Nothing is billed: no usage action documents this service.

use serde::{Deserialize, Serialize};

use super::Ctx;
use super::tasks::{
    RoomIdTypes, answering_task, check_app, idle_in_progress_exited, out_of_range, params, ranged, required, room_key,
    start_refused,
};
use super::tasks::{TaskInput, start};
use crate::error::{ApiError, ApiResult, Language};
use crate::world::live::Streams;
use crate::world::model::{Resolution, Services};
use crate::world::running::{NewTask, TaskView};
use crate::world::tasks::{Family, Idle, Robot, Rules, Subscription};

const OUT: &str = "InvalidParameter.OutOfRange";
const EXIT_GRACE: u64 = 10;
/// The languages transcripts are translated into.
pub const TARGET_LANGS: [&str; 16] =
    ["zh", "en", "yue", "vi", "ja", "ko", "id", "th", "pt", "ar", "es", "fr", "ms", "de", "it", "ru"];
const TTS_MODEL: &str = "flow_02_turbo";
const MAX_HOT_WORDS: usize = 128;
const MAX_ALTERNATIVE_LANGUAGES: usize = 4;

#[derive(Debug, Deserialize, Serialize, Clone)]
#[serde(rename_all = "PascalCase")]
pub struct UserInfo {
    pub user_id: String,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TranscriptionParam {
    pub user_id: String,
    #[serde(skip_serializing)]
    pub user_sig: String,
    pub subscribe_list: Option<Vec<UserInfo>>,
    pub un_subscribe_list: Option<Vec<UserInfo>>,
    pub max_idle_time: Option<u64>,
    pub send_custom_mode: Option<u64>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AsrParam {
    pub lang: String,
    pub vad_silence_time: Option<u64>,
    pub hot_word_list: Option<String>,
    pub alternative_language: Option<Vec<String>>,
    pub vad_level: Option<u64>,
    pub filter_dirty: Option<u64>,
    pub filter_modal: Option<u64>,
    pub filter_punc: Option<u64>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TermPair {
    pub source: String,
    pub target: String,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TerminologyItem {
    pub target_lang: String,
    pub terminology: Vec<TermPair>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TranslationParam {
    pub target_lang: Option<Vec<String>>,
    pub terminologies: Option<Vec<TerminologyItem>>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TtsVoice {
    pub voice_id: String,
    pub speed: Option<f64>,
    pub volume: Option<f64>,
    pub pitch: Option<i64>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TtsParam {
    pub model: String,
    pub language: String,
    pub target_user: UserInfo,
    #[serde(rename = "TTSRobotUser")]
    pub tts_robot_user: UserInfo,
    pub voice: TtsVoice,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateCloudTranscriptionInput {
    pub sdk_app_id: u64,
    pub room_id: String,
    pub room_id_type: Option<u64>,
    pub transcription_param: TranscriptionParam,
    pub asr_param: AsrParam,
    pub translation_param: Option<TranslationParam>,
    #[serde(rename = "TTSParam")]
    pub tts_param: Option<Vec<TtsParam>>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TaskIdOutput {
    pub task_id: String,
}

fn user_ids(list: Option<&Vec<UserInfo>>) -> Vec<String> {
    list.into_iter().flatten().map(|u| u.user_id.clone()).filter(|u| !u.is_empty()).collect()
}

fn check_asr(asr: &AsrParam) -> ApiResult<()> {
    required(&asr.lang, "MissingParameter.ASRLang")?;
    ranged(OUT, "AsrParam.VadSilenceTime", asr.vad_silence_time, 1000, 240, 2000)?;
    ranged(OUT, "AsrParam.VadLevel", asr.vad_level, 0, 0, 1)?;
    ranged(OUT, "AsrParam.FilterDirty", asr.filter_dirty, 0, 0, 2)?;
    ranged(OUT, "AsrParam.FilterModal", asr.filter_modal, 0, 0, 2)?;
    ranged(OUT, "AsrParam.FilterPunc", asr.filter_punc, 0, 0, 1)?;
    let alternatives = asr.alternative_language.as_ref().map_or(0, Vec::len);
    if alternatives > MAX_ALTERNATIVE_LANGUAGES {
        return Err(out_of_range(
            OUT,
            "AsrParam.AlternativeLanguage",
            &format!("{alternatives} languages"),
            "at most 4",
        ));
    }
    if let Some(words) = &asr.hot_word_list {
        super::ai_conversation::check_hot_words("AsrParam.HotWordList", words, MAX_HOT_WORDS).map_err(|e| {
            ApiError::business_with(
                OUT,
                e.message(Language::English).to_owned(),
                e.message(Language::Chinese).to_owned(),
            )
        })?;
    }
    Ok(())
}

/// Checks the translation and speech parameters against each other.
fn check_translation(input: &CreateCloudTranscriptionInput, subscription: &Subscription) -> ApiResult<()> {
    let langs: Vec<&str> =
        input.translation_param.iter().flat_map(|t| t.target_lang.iter().flatten()).map(String::as_str).collect();
    if let Some(bad) = langs.iter().find(|l| !TARGET_LANGS.contains(l)) {
        return Err(out_of_range(OUT, "TranslationParam.TargetLang", &format!("{bad:?}"), &TARGET_LANGS.join(", ")));
    }
    for item in input.translation_param.iter().flat_map(|t| t.terminologies.iter().flatten()) {
        if !langs.contains(&item.target_lang.as_str()) {
            return Err(out_of_range(
                OUT,
                "TranslationParam.Terminologies.TargetLang",
                &format!("{:?}", item.target_lang),
                "one of TranslationParam.TargetLang",
            ));
        }
    }
    for tts in input.tts_param.iter().flatten() {
        if tts.model != TTS_MODEL {
            return Err(out_of_range(OUT, "TTSParam.Model", &format!("{:?}", tts.model), TTS_MODEL));
        }
        if !langs.contains(&tts.language.as_str()) {
            return Err(out_of_range(
                OUT,
                "TTSParam.Language",
                &format!("{:?}", tts.language),
                "one of TranslationParam.TargetLang",
            ));
        }
        required(&tts.target_user.user_id, "MissingParameter.UserId")?;
        required(&tts.tts_robot_user.user_id, "MissingParameter.UserId")?;
        required(&tts.voice.voice_id, "MissingParameter")?;
        if !subscription.takes(&tts.target_user.user_id, crate::world::model::Stream::Audio) {
            return Err(out_of_range(
                OUT,
                "TTSParam.TargetUser",
                &format!("{:?}", tts.target_user.user_id),
                "a user in SubscribeList and not in UnSubscribeList",
            ));
        }
        if tts.tts_robot_user.user_id == input.transcription_param.user_id {
            return Err(out_of_range(
                OUT,
                "TTSParam.TTSRobotUser",
                &format!("{:?}", tts.tts_robot_user.user_id),
                "a UserId other than the transcription robot's",
            ));
        }
    }
    Ok(())
}

/// Starts transcribing a room.
pub fn create_cloud_transcription(ctx: &Ctx<'_>, input: CreateCloudTranscriptionInput) -> ApiResult<TaskIdOutput> {
    check_app(ctx, input.sdk_app_id, "InvalidParameter.SdkAppId")?;
    let key = room_key(
        &input.room_id,
        input.room_id_type.unwrap_or(0),
        RoomIdTypes::ZeroIsNumeric,
        "MissingParameter.RoomId",
        OUT,
    )?;
    let p = &input.transcription_param;
    required(&p.user_id, "MissingParameter.UserId")?;
    required(&p.user_sig, "MissingParameter.UserSig")?;
    super::tasks::check_user_sig(ctx, input.sdk_app_id, &p.user_id, &p.user_sig)?;
    let max_idle = ranged(OUT, "TranscriptionParam.MaxIdleTime", p.max_idle_time, 30, 5, 86_400)?;
    ranged(OUT, "TranscriptionParam.SendCustomMode", p.send_custom_mode, 0, 0, 1)?;
    check_asr(&input.asr_param)?;
    let allow = user_ids(p.subscribe_list.as_ref());
    let subscription = Subscription {
        audio_allow: (!allow.is_empty()).then_some(allow),
        audio_deny: user_ids(p.un_subscribe_list.as_ref()),
        ..Subscription::default()
    };
    check_translation(&input, &subscription)?;
    let new = NewTask {
        family: Family::CloudTranscription,
        room: Some(key),
        robot: Some(Robot { video: Resolution::new(1, 1), ..Robot::listener(p.user_id.clone()) }),
        rules: Rules {
            idle: Idle::NoAnchor,
            max_idle: Some(max_idle),
            max_duration: None,
            handle_secs: None,
            exit_grace: EXIT_GRACE,
        },
        subscription,
        streams: Streams { audio: true, video: false, sub_stream: false },
        params: params(&input),
        dedupe: None,
        limit: ctx.world.limits.get(Family::CloudTranscription),
        services: Services::default(),
    };
    let task_id = start(ctx, input.sdk_app_id, new, "CreateCloudTranscription")
        .map_err(|r| start_refused(r, "FailedOperation"))?;
    Ok(TaskIdOutput { task_id })
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeOutput {
    pub start_time: u64,
    pub status: &'static str,
    pub task_id: String,
}

fn not_found(task_id: &str) -> ApiError {
    ApiError::business_with(
        "ResourceNotFound",
        format!("The resource does not exist: the transcription task {task_id} does not exist or has ended."),
        format!("资源不存在：转录任务 {task_id} 不存在或已结束。"),
    )
}

fn answering(ctx: &Ctx<'_>, input: &TaskInput) -> ApiResult<TaskView> {
    check_app(ctx, input.sdk_app_id, "InvalidParameter.SdkAppId")?;
    answering_task(ctx, input.sdk_app_id, &input.task_id, Family::CloudTranscription, || not_found(&input.task_id))
}

pub fn describe_cloud_transcription(ctx: &Ctx<'_>, input: TaskInput) -> ApiResult<DescribeOutput> {
    let view = answering(ctx, &input)?;
    Ok(DescribeOutput {
        start_time: view.task.created_at.saturating_mul(1000),
        status: idle_in_progress_exited(view.state(ctx.now)),
        task_id: input.task_id,
    })
}

pub fn delete_cloud_transcription(ctx: &Ctx<'_>, input: TaskInput) -> ApiResult<TaskIdOutput> {
    answering(ctx, &input)?;
    ctx.world.stop_task(input.sdk_app_id, &input.task_id, ctx.now).map_err(|_| not_found(&input.task_id))?;
    Ok(TaskIdOutput { task_id: input.task_id })
}
