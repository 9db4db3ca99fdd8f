//! AI conversation: StartAIConversation sends a bot (its `AgentConfig.UserId`, an anchor) into
//! the room to talk with `TargetUserId`. The task is Idle until the target is in the room,
//! Preparing for two seconds, then InProgress; it ends on StopAIConversation, `MaxIdleTime`
//! (default 60 s) after the target left (or after the start, if the target never came), when
//! its robot is removed or the room dismissed, or after a `ServerPushText` with `StopAfterPlay`
//! was spoken; it shows Stopped for five seconds, then `FailedOperation.TaskNotExist`.
//!
//! A running bot with the same SessionId (per SdkAppId) refuses a start
//! (`FailedOperation.TaskExist`). `LLMConfig` and `TTSConfig` are JSON objects in strings,
//! documented as mandatory: absent, or missing `LLMType`, `Model`, `APIKey`, `APIUrl` (or
//! `TTSType`), they are `MissingParameter`; not JSON objects, `InvalidParameter`. The API key is
//! not kept.
//!
//! QueryAIMessageList answers the conversation so far, on the virtual clock: the welcome message
//! (as configured when the bot began to talk), each `ServerPushText` (assistant), each
//! `InvokeLLM` (the user's content, then one second later the reply of the LLM configured then,
//! worded from the seeded hash). `TransparentData` goes to the client, not into the
//! conversation. The bot bills AI conversation minutes (and TTS minutes with `TTSType` "flow",
//! TRTC's own synthesis) while the target publishes audio (DescribeTRTCAIRecognitionUsage).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::Ctx;
use super::ai::{
    DEFAULT_MAX_IDLE, EXIT_GRACE, by_session_id, by_task_id, check_voice_print, config_number, invalid, json_config,
    missing, start_time, status, within,
};
use super::generated::task_id_of;
use super::tasks::{RoomIdTypes, params, room_key};
use crate::error::{ApiError, ApiResult};
use crate::world::conversation;
use crate::world::live::Streams;
use crate::world::model::{AiConversation, Resolution, Role, Services};
use crate::world::running::{NewTask, StartRefusal, TaskView};
use crate::world::tasks::{Family, Idle, Robot, Rules, State, Subscription};

/// Most hot words in `STTConfig.HotWordList`.
const MAX_HOT_WORDS: usize = 128;

const LLM_REQUIRED: [&str; 4] = ["LLMType", "Model", "APIKey", "APIUrl"];

#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct VoicePrint {
    pub mode: Option<u64>,
    pub id_list: Option<Vec<String>>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AmbientSound {
    pub scene: String,
    pub volume: Option<f64>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TurnDetection {
    pub semantic_eagerness: Option<String>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AgentConfig {
    pub user_id: String,
    #[serde(skip_serializing)]
    pub user_sig: String,
    pub target_user_id: String,
    pub max_idle_time: Option<u64>,
    pub welcome_message: Option<String>,
    pub interrupt_mode: Option<u64>,
    pub interrupt_speech_duration: Option<u64>,
    pub turn_detection_mode: Option<u64>,
    pub filter_one_word: Option<bool>,
    pub welcome_message_priority: Option<u64>,
    pub filter_brackets_content: Option<u64>,
    pub ambient_sound: Option<AmbientSound>,
    pub voice_print: Option<VoicePrint>,
    pub turn_detection: Option<TurnDetection>,
    pub subtitle_mode: Option<u64>,
    pub interrupt_word_list: Option<Vec<String>>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SttConfig {
    pub language: Option<String>,
    pub alternative_language: Option<Vec<String>>,
    pub custom_param: Option<String>,
    pub vad_silence_time: Option<u64>,
    pub hot_word_list: Option<String>,
    pub vad_level: Option<u64>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct StartAIConversationInput {
    pub sdk_app_id: u64,
    pub room_id: String,
    pub agent_config: AgentConfig,
    pub session_id: Option<String>,
    pub room_id_type: Option<u64>,
    #[serde(rename = "STTConfig")]
    pub stt_config: Option<SttConfig>,
    #[serde(rename = "LLMConfig")]
    pub llm_config: Option<String>,
    #[serde(rename = "TTSConfig")]
    pub tts_config: Option<String>,
    pub avatar_config: Option<String>,
    pub experimental_params: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TaskIdOutput {
    pub task_id: String,
}

#[derive(Debug, Serialize)]
pub struct Empty {}

/// The LLM config as kept: checked, without its API key.
fn llm_config(text: Option<&str>) -> ApiResult<String> {
    let mut config = json_config("LLMConfig", text.unwrap_or_default(), &LLM_REQUIRED)?;
    let url = config["APIUrl"].as_str().unwrap_or_default();
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return Err(invalid("LLMConfig.APIUrl", "is not an http or https URL"));
    }
    config_number(&config, "LLMConfig", "History", 0.0, 50.0)?;
    config_number(&config, "LLMConfig", "HistoryMode", 0.0, 1.0)?;
    config.remove("APIKey");
    Ok(Value::Object(config).to_string())
}

/// The TTS config as kept: checked, without its secrets.
fn tts_config(text: Option<&str>) -> ApiResult<(String, bool)> {
    let mut config = json_config("TTSConfig", text.unwrap_or_default(), &["TTSType"])?;
    config_number(&config, "TTSConfig", "Speed", 0.5, 2.0)?;
    config_number(&config, "TTSConfig", "Volume", 0.0, 10.0)?;
    config_number(&config, "TTSConfig", "Pitch", -12.0, 12.0)?;
    let flow = config["TTSType"] == "flow";
    for secret in ["APIKey", "SecretKey", "SecretId"] {
        config.remove(secret);
    }
    Ok((Value::Object(config).to_string(), flow))
}

fn check_agent(agent: &AgentConfig) -> ApiResult<()> {
    if agent.user_id.is_empty() {
        return Err(missing("AgentConfig.UserId"));
    }
    if agent.user_sig.is_empty() {
        return Err(ApiError::business("InvalidParameter.UserSig"));
    }
    if agent.target_user_id.is_empty() {
        return Err(missing("AgentConfig.TargetUserId"));
    }
    if agent.target_user_id == agent.user_id {
        return Err(invalid("AgentConfig.TargetUserId", "is the bot's own UserId"));
    }
    within("AgentConfig.InterruptMode", agent.interrupt_mode, 0, 1)?;
    within("AgentConfig.TurnDetectionMode", agent.turn_detection_mode, 0, 3)?;
    within("AgentConfig.WelcomeMessagePriority", agent.welcome_message_priority, 0, 1)?;
    within("AgentConfig.FilterBracketsContent", agent.filter_brackets_content, 1, 5)?;
    within("AgentConfig.SubtitleMode", agent.subtitle_mode, 0, 1)?;
    if let Some(sound) = &agent.ambient_sound {
        if sound.scene.is_empty() {
            return Err(missing("AgentConfig.AmbientSound.Scene"));
        }
        if sound.volume.is_some_and(|v| !(0.0..=2.0).contains(&v)) {
            return Err(invalid("AgentConfig.AmbientSound.Volume", "is outside 0 to 2"));
        }
    }
    if let Some(eagerness) = agent.turn_detection.as_ref().and_then(|t| t.semantic_eagerness.as_deref())
        && !["low", "medium", "high", "auto"].contains(&eagerness)
    {
        return Err(invalid("AgentConfig.TurnDetection.SemanticEagerness", "is not low, medium, high or auto"));
    }
    if let Some(vp) = &agent.voice_print {
        check_voice_print(vp.mode, vp.id_list.as_deref())?;
    }
    Ok(())
}

/// `word|weight` entries separated by commas, weights 1 to 11 or 100.
pub fn check_hot_words(name: &str, list: &str, most: usize) -> ApiResult<()> {
    let entries: Vec<&str> = list.split(',').filter(|e| !e.trim().is_empty()).collect();
    if entries.len() > most {
        return Err(invalid(name, &format!("holds {} words, more than {most}", entries.len())));
    }
    for entry in entries {
        let ok = entry.split_once('|').is_some_and(|(word, weight)| {
            !word.trim().is_empty()
                && word.chars().count() <= 30
                && weight.trim().parse::<u64>().is_ok_and(|w| (1..=11).contains(&w) || w == 100)
        });
        if !ok {
            return Err(invalid(name, &format!("has {entry:?}, not \"word|weight\" with a weight of 1 to 11 or 100")));
        }
    }
    Ok(())
}

fn check_stt(stt: &SttConfig) -> ApiResult<()> {
    within("STTConfig.VadSilenceTime", stt.vad_silence_time, 240, 2000)?;
    within("STTConfig.VadLevel", stt.vad_level, 0, 5)?;
    if let Some(words) = &stt.hot_word_list {
        check_hot_words("STTConfig.HotWordList", words, MAX_HOT_WORDS)?;
    }
    Ok(())
}

/// Starts a bot.
pub fn start_ai_conversation(ctx: &Ctx<'_>, input: StartAIConversationInput) -> ApiResult<TaskIdOutput> {
    let app = input.sdk_app_id;
    super::rules::app(ctx, app, "MissingParameter", "AuthFailure.UnauthorizedOperation")?;
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
    let agent = &input.agent_config;
    check_agent(agent)?;
    // Voiceprints belong to the account (their actions name no SdkAppId).
    if let Some(VoicePrint { mode: Some(1), id_list: Some(ids) }) = &agent.voice_print
        && let Some(id) = ids.first()
        && !ctx.world.voiceprint_exists(&ctx.account.secret_id, id)
    {
        return Err(super::ai::invalid(
            "AgentConfig.VoicePrint.IdList",
            &format!("names {id:?}, a voiceprint the account has not registered (RegisterVoicePrint)"),
        ));
    }
    super::tasks::check_user_sig(ctx, app, &agent.user_id, &agent.user_sig)?;
    if let Some(stt) = &input.stt_config {
        check_stt(stt)?;
    }
    let llm = llm_config(input.llm_config.as_deref())?;
    let (tts, flow) = tts_config(input.tts_config.as_deref())?;
    let session = input.session_id.clone().filter(|s| !s.is_empty());
    let mut kept = params(&input);
    kept["LLMConfig"] = json!(llm);
    kept["TTSConfig"] = json!(tts);
    let new = NewTask {
        family: Family::AiConversation,
        room: Some(key),
        robot: Some(Robot {
            user_id: agent.user_id.clone(),
            role: Role::Anchor,
            sends: Streams::NONE,
            video: Resolution::new(1, 1),
        }),
        rules: Rules {
            idle: Idle::NobodyTaken { fellows: None },
            max_idle: Some(agent.max_idle_time.unwrap_or(DEFAULT_MAX_IDLE)),
            max_duration: None,
            handle_secs: None,
            exit_grace: EXIT_GRACE,
        },
        subscription: Subscription { audio_allow: Some(vec![agent.target_user_id.clone()]), ..Subscription::default() },
        streams: Streams { audio: true, video: false, sub_stream: false },
        params: kept,
        dedupe: session.as_ref().map(|s| format!("session:{s}")),
        limit: ctx.world.limits.get(Family::AiConversation),
        services: Services { ai_conversation: Some(AiConversation { tts: flow }), ..Services::default() },
    };
    let now = ctx.now;
    let task_id = ctx.world.start_task(app, new, now, |hash| task_id_of("StartAIConversation", now, hash)).map_err(
        |r| match r {
            StartRefusal::Duplicate => ApiError::business_with(
                "FailedOperation.TaskExist",
                format!(
                    "Task already exists: a conversation with SessionId {:?} is running.",
                    session.as_deref().unwrap_or_default()
                ),
                format!("任务已存在：SessionId 为 {} 的对话任务正在进行。", session.as_deref().unwrap_or_default()),
            ),
            StartRefusal::Concurrency => ApiError::business_with(
                "ResourceInsufficient.RequestRejection",
                format!(
                    "Insufficient resources: SdkAppId {app} runs the {} AI conversations it may at once.",
                    ctx.world.limits.get(Family::AiConversation)
                ),
                format!("资源不足：SdkAppId {app} 的并发 AI 对话任务已达上限。"),
            ),
        },
    )?;
    Ok(TaskIdOutput { task_id })
}

// ---- Describe, Stop ---------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeInput {
    pub sdk_app_id: Option<u64>,
    pub task_id: Option<String>,
    pub session_id: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeOutput {
    pub start_time: String,
    pub status: &'static str,
    pub task_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
}

/// The bot a Describe names: by TaskId (within the SdkAppId when given), else by SdkAppId and
/// SessionId.
pub fn described(
    ctx: &Ctx<'_>,
    family: Family,
    app: Option<u64>,
    task_id: Option<&str>,
    session_id: Option<&str>,
) -> ApiResult<TaskView> {
    let app = app.filter(|a| *a != 0);
    match (task_id.filter(|t| !t.is_empty()), session_id.filter(|s| !s.is_empty())) {
        (Some(task_id), _) => Ok(by_task_id(ctx, family, task_id, app, true)?.1),
        (None, Some(session)) => match app {
            Some(app) => by_session_id(ctx, family, app, session),
            None => Err(ApiError::business_with(
                "InvalidParameter.TaskId",
                "TaskId parameter error: a lookup by `SessionId` needs the `SdkAppId` the task was started with.",
                "TaskId 参数错误：按 SessionId 查询时需要传入发起任务时的 SdkAppId。",
            )),
        },
        (None, None) => Err(ApiError::business_with(
            "InvalidParameter.TaskId",
            "TaskId parameter error: give the `TaskId`, or the `SdkAppId` and `SessionId`, of the task.",
            "TaskId 参数错误：请传入任务的 TaskId，或 SdkAppId 与 SessionId。",
        )),
    }
}

/// The output of a Describe of either AI family.
pub fn describe_output(view: &TaskView, now: u64) -> DescribeOutput {
    let session = view.task.params.first().and_then(|(_, p)| p["SessionId"].as_str()).filter(|s| !s.is_empty());
    DescribeOutput {
        start_time: start_time(view),
        status: status(view, now),
        task_id: view.task.id.clone(),
        session_id: session.map(str::to_owned),
    }
}

pub fn describe_ai_conversation(ctx: &Ctx<'_>, input: DescribeInput) -> ApiResult<DescribeOutput> {
    let view = described(
        ctx,
        Family::AiConversation,
        input.sdk_app_id,
        input.task_id.as_deref(),
        input.session_id.as_deref(),
    )?;
    Ok(describe_output(&view, ctx.now))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct StopInput {
    pub task_id: String,
}

pub fn stop_ai_conversation(ctx: &Ctx<'_>, input: StopInput) -> ApiResult<Empty> {
    let (app, _) = by_task_id(ctx, Family::AiConversation, &input.task_id, None, true)?;
    ctx.world.stop_task(app, &input.task_id, ctx.now).map_err(|_| super::ai::not_exist(&input.task_id))?;
    Ok(Empty {})
}

// ---- Update, Control --------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateInput {
    pub task_id: String,
    pub welcome_message: Option<String>,
    pub interrupt_mode: Option<u64>,
    pub interrupt_speech_duration: Option<u64>,
    #[serde(rename = "LLMConfig")]
    pub llm_config: Option<String>,
    #[serde(rename = "TTSConfig")]
    pub tts_config: Option<String>,
}

/// Changes what the bot says from now on (omitted members unchanged).
pub fn update_ai_conversation(ctx: &Ctx<'_>, input: UpdateInput) -> ApiResult<Empty> {
    let (app, _) = by_task_id(ctx, Family::AiConversation, &input.task_id, None, false)?;
    within("InterruptMode", input.interrupt_mode, 0, 1)?;
    let mut update = Map::new();
    let mut agent = Map::new();
    if let Some(welcome) = &input.welcome_message {
        agent.insert("WelcomeMessage".into(), json!(welcome));
    }
    if let Some(mode) = input.interrupt_mode {
        agent.insert("InterruptMode".into(), json!(mode));
    }
    if let Some(ms) = input.interrupt_speech_duration {
        agent.insert("InterruptSpeechDuration".into(), json!(ms));
    }
    if !agent.is_empty() {
        update.insert("AgentConfig".into(), Value::Object(agent));
    }
    if let Some(text) = input.llm_config.as_deref().filter(|t| !t.is_empty()) {
        update.insert("LLMConfig".into(), json!(llm_config(Some(text))?));
    }
    if let Some(text) = input.tts_config.as_deref().filter(|t| !t.is_empty()) {
        update.insert("TTSConfig".into(), json!(tts_config(Some(text))?.0));
    }
    let now = ctx.now;
    ctx.world
        .update_task(app, &input.task_id, now, |task, _| {
            if !update.is_empty() {
                task.params.push((now, Value::Object(update)));
            }
            true
        })
        .map_err(|_| super::ai::not_exist(&input.task_id))?;
    Ok(Empty {})
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ServerPushText {
    pub text: Option<String>,
    pub interrupt: Option<bool>,
    pub stop_after_play: Option<bool>,
    /// Audio to play instead of the text; not kept.
    #[serde(skip_serializing)]
    pub audio: Option<String>,
    pub drop_mode: Option<u64>,
    pub priority: Option<u64>,
    pub add_history: Option<bool>,
    pub meta_info: Option<String>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct InvokeLlm {
    pub content: Option<String>,
    pub interrupt: Option<bool>,
    pub experimental_params: Option<String>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TransparentData {
    pub data: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ControlInput {
    pub task_id: String,
    pub command: String,
    pub server_push_text: Option<ServerPushText>,
    #[serde(rename = "InvokeLLM")]
    pub invoke_llm: Option<InvokeLlm>,
    pub transparent_data: Option<TransparentData>,
}

fn check_push(push: &ServerPushText) -> ApiResult<u64> {
    let text = push.text.as_deref().unwrap_or_default();
    let audio = push.audio.as_deref().unwrap_or_default();
    if text.is_empty() && audio.is_empty() {
        return Err(missing("ServerPushText.Text"));
    }
    if !audio.is_empty() {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD
            .decode(audio)
            .map_err(|_| invalid("ServerPushText.Audio", "is not base64"))?;
    }
    within("ServerPushText.DropMode", push.drop_mode, 0, 1)?;
    if push.priority.is_some_and(|p| p != 0) {
        return Err(invalid("ServerPushText.Priority", "takes only 0 unless the account is allowed 1"));
    }
    if let Some(meta) = push.meta_info.as_deref().filter(|m| !m.is_empty())
        && !matches!(serde_json::from_str::<Value>(meta), Ok(Value::Object(_)))
    {
        return Err(invalid("ServerPushText.MetaInfo", "is not a JSON object in a string"));
    }
    Ok(conversation::speaking_secs(text))
}

/// Sends the bot a command.
pub fn control_ai_conversation(ctx: &Ctx<'_>, input: ControlInput) -> ApiResult<Empty> {
    let (app, _) = by_task_id(ctx, Family::AiConversation, &input.task_id, None, true)?;
    let now = ctx.now;
    let (control, stop_at) = match input.command.as_str() {
        "ServerPushText" => {
            let push = input.server_push_text.as_ref().ok_or_else(|| missing("ServerPushText"))?;
            let play = check_push(push)?;
            let stop = push.stop_after_play.unwrap_or(false).then(|| now.saturating_add(play));
            (json!({"Command": "ServerPushText", "ServerPushText": push}), stop)
        }
        "InvokeLLM" => {
            let invoke = input.invoke_llm.as_ref().ok_or_else(|| missing("InvokeLLM"))?;
            if invoke.content.as_deref().unwrap_or_default().is_empty() {
                return Err(missing("InvokeLLM.Content"));
            }
            (json!({"Command": "InvokeLLM", "InvokeLLM": invoke}), None)
        }
        "TransparentData" => {
            let data = input.transparent_data.as_ref().ok_or_else(|| missing("TransparentData"))?;
            if data.data.is_empty() {
                return Err(missing("TransparentData.Data"));
            }
            (json!({"Command": "TransparentData", "TransparentData": data}), None)
        }
        other => {
            return Err(invalid("Command", &format!("is {other:?}, not ServerPushText, InvokeLLM or TransparentData")));
        }
    };
    ctx.world
        .update_task(app, &input.task_id, now, |task, _| {
            task.params.push((now, json!({ "Control": control })));
            if stop_at.is_some() {
                task.stopped_at = stop_at;
            }
            true
        })
        .map_err(|_| super::ai::not_exist(&input.task_id))?;
    Ok(Empty {})
}

// ---- QueryAIMessageList -----------------------------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct QueryInput {
    pub sdk_app_id: u64,
    pub task_id: String,
}

#[derive(Debug, Serialize, Clone, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct MessageInfo {
    pub role: &'static str,
    pub content: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct QueryOutput {
    pub total: u64,
    pub message_list: Vec<MessageInfo>,
}

pub fn query_ai_message_list(ctx: &Ctx<'_>, input: QueryInput) -> ApiResult<QueryOutput> {
    super::rules::app(ctx, input.sdk_app_id, "MissingParameter.SdkAppId", "AuthFailure.UnauthorizedOperation")?;
    if input.task_id.is_empty() {
        return Err(ApiError::business("MissingParameter.TaskId"));
    }
    let view = ctx
        .world
        .task(input.sdk_app_id, &input.task_id, ctx.now)
        .filter(|v| v.task.family == Family::AiConversation && v.state(ctx.now) != State::Gone)
        .ok_or_else(|| {
            ApiError::business_with(
                "ResourceNotFound",
                format!(
                    "The resource does not exist: no AI conversation {} of SdkAppId {}.",
                    input.task_id, input.sdk_app_id
                ),
                format!("资源不存在：SdkAppId {} 下没有 AI 对话任务 {}。", input.sdk_app_id, input.task_id),
            )
        })?;
    let list: Vec<MessageInfo> = conversation::messages(&view, ctx.world.generator.seed, ctx.now)
        .into_iter()
        .map(|m| MessageInfo { role: m.role, content: m.content })
        .collect();
    Ok(QueryOutput { total: list.len() as u64, message_list: list })
}
