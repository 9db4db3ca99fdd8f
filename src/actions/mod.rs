//! Action handlers: thin, typed, transport-free.
//!
//! A handler receives validated typed input and a [`Ctx`] (the world, the calling account, the
//! virtual `now`), and returns typed output or an [`ApiError`]. [`HANDLERS`] is the one table
//! of the actions answered by a handler; the gateway answers every other catalogued action
//! from its schema.

pub mod ai;
pub mod ai_conversation;
pub mod ai_transcription;
pub mod audio_moderation;
pub mod cloud_transcription;
pub mod dashboard;
pub mod generated;
pub mod ingest;
pub mod live_moderation;
pub mod mcu;
pub mod moderation;
pub mod monitoring;
pub mod pictures;
pub mod recording;
pub mod relay;
pub mod rooms;
pub mod rules;
pub mod slicing;
pub mod speech;
pub mod tasks;
pub mod usage;
pub mod vocab;
pub mod voiceprint;
pub mod web_record;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::config::Account;
use crate::error::{ApiError, ApiResult};
use crate::world::World;

/// What a handler may use besides its input.
pub struct Ctx<'a> {
    pub world: &'a World,
    pub account: &'a Account,
    /// Virtual now of this request, Unix seconds.
    pub now: u64,
    /// Why a handler refused, for the request journal where the client's message does not say
    /// (a UserSig minted with another key…); the client never sees it.
    pub note: std::sync::OnceLock<String>,
}

impl<'a> Ctx<'a> {
    pub fn new(world: &'a World, account: &'a Account, now: u64) -> Self {
        Self { world, account, now, note: std::sync::OnceLock::new() }
    }
}

/// An action's answer: the fields of `Response` as a JSON object, or a stream of server-sent
/// events (each a JSON object; the envelope adds the RequestId to each).
#[derive(Debug)]
pub enum Output {
    Json(Vec<u8>),
    Events(Vec<Map<String, Value>>),
}

/// A handler behind its typed signature: validated JSON input in, serialized output out.
pub type Run = fn(&Ctx<'_>, Value) -> ApiResult<Output>;

macro_rules! handlers {
    (
        $($action:literal => $handler:path,)* ;
        $($written:literal => $writer:path,)* ;
        $($stream:literal => $runs:path,)*
    ) => {
        /// Every action answered by a hand-written handler over the world, by action name: those
        /// whose answers write their own JSON (the hottest, looked up first), typed handlers, then
        /// those that answer a stream of events (already [`Run`]s).
        pub static HANDLERS: &[(&str, Run)] = &[
            $(($written, |ctx, input| written($writer, ctx, input)),)*
            $(($action, |ctx, input| typed($handler, ctx, input)),)*
            $(($stream, $runs),)*
        ];
    };
}

handlers! {
    "DescribeCallDetailInfo" => monitoring::describe_call_detail_info,
    "DescribeUserEvent" => monitoring::describe_user_event,
    "DescribeUnusualEvent" => monitoring::describe_unusual_event,
    "DescribeScaleInfo" => monitoring::describe_scale_info,
    "CreateCloudRecording" => recording::create_cloud_recording,
    "DescribeCloudRecording" => recording::describe_cloud_recording,
    "ModifyCloudRecording" => recording::modify_cloud_recording,
    "DeleteCloudRecording" => recording::delete_cloud_recording,
    "CreateCloudModeration" => moderation::create_cloud_moderation,
    "DescribeCloudModeration" => moderation::describe_cloud_moderation,
    "ModifyCloudModeration" => moderation::modify_cloud_moderation,
    "DeleteCloudModeration" => moderation::delete_cloud_moderation,
    "CreateLiveStreamModeration" => live_moderation::create_live_stream_moderation,
    "DescribeLiveStreamModeration" => live_moderation::describe_live_stream_moderation,
    "DeleteLiveStreamModeration" => live_moderation::delete_live_stream_moderation,
    "CreateAudioModerationSync" => audio_moderation::create_audio_moderation_sync,
    "CreateCloudSliceTask" => slicing::create_cloud_slice_task,
    "DescribeCloudSliceTask" => slicing::describe_cloud_slice_task,
    "ModifyCloudSliceTask" => slicing::modify_cloud_slice_task,
    "DeleteCloudSliceTask" => slicing::delete_cloud_slice_task,
    "CreatePicture" => pictures::create_picture,
    "DescribePicture" => pictures::describe_picture,
    "ModifyPicture" => pictures::modify_picture,
    "DeletePicture" => pictures::delete_picture,
    "StartStreamIngest" => ingest::start_stream_ingest,
    "DescribeStreamIngest" => ingest::describe_stream_ingest,
    "UpdateStreamIngest" => ingest::update_stream_ingest,
    "StopStreamIngest" => ingest::stop_stream_ingest,
    "StartWebRecord" => web_record::start_web_record,
    "DescribeWebRecord" => web_record::describe_web_record,
    "StopWebRecord" => web_record::stop_web_record,
    "StartPublishCdnStream" => relay::start_publish_cdn_stream,
    "UpdatePublishCdnStream" => relay::update_publish_cdn_stream,
    "StopPublishCdnStream" => relay::stop_publish_cdn_stream,
    "StartMCUMixTranscode" => mcu::start_mcu_mix_transcode,
    "StartMCUMixTranscodeByStrRoomId" => mcu::start_mcu_mix_transcode_by_str_room_id,
    "StopMCUMixTranscode" => mcu::stop_mcu_mix_transcode,
    "StopMCUMixTranscodeByStrRoomId" => mcu::stop_mcu_mix_transcode_by_str_room_id,
    "DismissRoom" => rooms::dismiss_room,
    "DismissRoomByStrRoomId" => rooms::dismiss_room_by_str_room_id,
    "RemoveUser" => rooms::remove_user,
    "RemoveUserByStrRoomId" => rooms::remove_user_by_str_room_id,
    "SetUserBlocked" => rooms::set_user_blocked,
    "SetUserBlockedByStrRoomId" => rooms::set_user_blocked_by_str_room_id,
    "DescribeTRTCRealTimeScaleData" => dashboard::describe_real_time_scale_data,
    "DescribeTRTCRealTimeQualityData" => dashboard::describe_real_time_quality_data,
    "DescribeTRTCMarketScaleData" => dashboard::describe_market_scale_data,
    "DescribeTRTCMarketQualityData" => dashboard::describe_market_quality_data,
    "DescribeTrtcUsage" => usage::describe_trtc_usage,
    "DescribeRecordingUsage" => usage::describe_recording_usage,
    "DescribeMixTranscodingUsage" => usage::describe_mix_transcoding_usage,
    "DescribeRelayUsage" => usage::describe_relay_usage,
    "DescribeTrtcRoomUsage" => usage::describe_trtc_room_usage,
    "DescribeTrtcMcuTranscodeTime" => usage::describe_trtc_mcu_transcode_time,
    "DescribeRecordStatistic" => usage::describe_record_statistic,
    "DescribeTRTCAIRecognitionUsage" => usage::describe_trtc_ai_recognition_usage,
    "DescribeTRTCDedicatedCloudAccUsage" => usage::describe_trtc_dedicated_cloud_acc_usage,
    "DescribeTRTCSegmentModerationUsage" => usage::describe_trtc_segment_moderation_usage,
    "StartAIConversation" => ai_conversation::start_ai_conversation,
    "DescribeAIConversation" => ai_conversation::describe_ai_conversation,
    "UpdateAIConversation" => ai_conversation::update_ai_conversation,
    "StopAIConversation" => ai_conversation::stop_ai_conversation,
    "ControlAIConversation" => ai_conversation::control_ai_conversation,
    "QueryAIMessageList" => ai_conversation::query_ai_message_list,
    "StartAITranscription" => ai_transcription::start_ai_transcription,
    "DescribeAITranscription" => ai_transcription::describe_ai_transcription,
    "StopAITranscription" => ai_transcription::stop_ai_transcription,
    "CreateCloudTranscription" => cloud_transcription::create_cloud_transcription,
    "DescribeCloudTranscription" => cloud_transcription::describe_cloud_transcription,
    "DeleteCloudTranscription" => cloud_transcription::delete_cloud_transcription,
    "TextToSpeech" => speech::text_to_speech,
    "VoiceClone" => speech::voice_clone,
    "AsyncTextToSpeech" => speech::async_text_to_speech,
    "DescribeAsyncTextToSpeech" => speech::describe_async_text_to_speech,
    "RegisterVoicePrint" => voiceprint::register_voice_print,
    "DescribeVoicePrint" => voiceprint::describe_voice_print,
    "UpdateVoicePrint" => voiceprint::update_voice_print,
    "DeleteVoicePrint" => voiceprint::delete_voice_print,
    "CreateRecognizeVocabV3" => vocab::create_recognize_vocab_v3,
    "GetRecognizeVocabV3" => vocab::get_recognize_vocab_v3,
    "GetRecognizeVocabListV3" => vocab::get_recognize_vocab_list_v3,
    "UpdateRecognizeVocabV3" => vocab::update_recognize_vocab_v3,
    "DeleteRecognizeVocabV3" => vocab::delete_recognize_vocab_v3,
    "DownloadRecognizeVocabV3" => vocab::download_recognize_vocab_v3,
    "SetVocabStateV3" => vocab::set_vocab_state_v3,
    ;
    "DescribeRoomInfo" => monitoring::describe_room_info,
    "DescribeUserInfo" => monitoring::describe_user_info,
    ;
    "TextToSpeechSSE" => speech::text_to_speech_sse_run,
}

/// The SdkAppId a request names, under any of the API's spellings (`SdkAppid` in
/// DescribeTrtcRoomUsage, `Sdkappid` in CreateAudioModerationSync) and types (a string in the
/// dashboard actions).
pub fn sdk_app_id_of(input: &Value) -> Option<u64> {
    ["SdkAppId", "SdkAppid", "Sdkappid"].iter().find_map(|key| match input.get(key)? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    })
}

/// The handler of `action`, if it has one.
pub fn handler(action: &str) -> Option<Run> {
    HANDLERS.iter().find(|(name, _)| *name == action).map(|(_, run)| *run)
}

/// An answer that writes its own JSON: the bytes `serde_json::to_vec` would write for it (a
/// test of each says so), without serde's field-by-field writer, for the answers served most.
pub trait WriteJson {
    fn write_json(&self, out: &mut Vec<u8>);
}

/// The handler's input, read from the validated JSON.
fn input_of<I: DeserializeOwned>(input: Value) -> ApiResult<I> {
    // Validation against the catalogue ran first, so a failure here is a bug of ours.
    serde_json::from_value(input).map_err(|e| {
        tracing::error!(error = %e, "validated input does not fit the handler's type");
        ApiError::internal_error()
    })
}

fn typed<I, O>(handler: fn(&Ctx<'_>, I) -> ApiResult<O>, ctx: &Ctx<'_>, input: Value) -> ApiResult<Output>
where
    I: DeserializeOwned,
    O: Serialize,
{
    let output = handler(ctx, input_of(input)?)?;
    serde_json::to_vec(&output).map(Output::Json).map_err(|e| {
        tracing::error!(error = %e, "output does not serialize");
        ApiError::internal_error()
    })
}

fn written<I, O>(handler: fn(&Ctx<'_>, I) -> ApiResult<O>, ctx: &Ctx<'_>, input: Value) -> ApiResult<Output>
where
    I: DeserializeOwned,
    O: WriteJson,
{
    let output = handler(ctx, input_of(input)?)?;
    let mut out = Vec::with_capacity(2048);
    output.write_json(&mut out);
    Ok(Output::Json(out))
}
