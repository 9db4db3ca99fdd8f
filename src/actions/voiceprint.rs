//! Voiceprints: RegisterVoicePrint takes 8 to 18 seconds of 16 kHz, 16-bit mono WAV (at most
//! 2 MB of base64, at least 6 seconds of it voiced) and answers a VoicePrintId the account can
//! describe, update, delete, and name in an AI conversation's voiceprint config. The actions name
//! no SdkAppId: voiceprints belong to the calling account.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};

use super::Ctx;
use super::speech::uuid_of;
use crate::error::{ApiError, ApiResult};
use crate::pure::audio;
use crate::pure::civil::local_datetime;
use crate::pure::hash::{fnv1a, mix};
use crate::world::speech::VoicePrint;

/// Most voiceprints one account may register (not documented).
pub const MAX_VOICEPRINTS: usize = 100;
/// Most base64 characters of one voiceprint's audio.
pub const MAX_AUDIO_BASE64: usize = 2 * 1024 * 1024;
/// Most ids DescribeMode 0 takes.
pub const MAX_LISTED_IDS: usize = 100;
/// The smallest page DescribeMode 1 serves.
pub const MIN_PAGE_SIZE: u64 = 20;

fn bad_audio(en: String, zh: String) -> ApiError {
    ApiError::business_with(
        "InvalidParameter.InvalidAudioInput",
        format!("Invalid Audio parameter: {en}"),
        format!("Audio 参数不合法：{zh}"),
    )
}

fn check_failed(en: String, zh: String) -> ApiError {
    ApiError::business_with(
        "FailedOperation.VoicePrintAudioCheckFailed",
        format!("Voiceprint audio check failed: {en}"),
        format!("声纹音频检测出现异常：{zh}"),
    )
}

/// The milliseconds of a valid voiceprint recording, or why it is not one.
fn check_audio(audio_b64: &str, format: u64) -> ApiResult<u64> {
    if format != 0 {
        return Err(bad_audio(
            format!("`AudioFormat` {format} is not 0 (WAV)."),
            format!("AudioFormat {format} 不是 0（wav）。"),
        ));
    }
    if audio_b64.len() > MAX_AUDIO_BASE64 {
        return Err(bad_audio(
            format!("the audio is {} bytes of base64, over 2 MB.", audio_b64.len()),
            format!("音频 base64 共 {} 字节，超过 2M。", audio_b64.len()),
        ));
    }
    let bytes = STANDARD
        .decode(audio_b64.trim())
        .map_err(|_| bad_audio("`Audio` is not base64.".into(), "Audio 不是 base64。".into()))?;
    let probe = audio::probe(&bytes)
        .filter(|p| p.format == "wav")
        .ok_or_else(|| bad_audio("`Audio` is not a WAV file.".into(), "Audio 不是 wav 文件。".into()))?;
    if (probe.sample_rate, probe.bits_per_sample, probe.channels) != (16_000, 16, 1) {
        return Err(bad_audio(
            format!(
                "the WAV is {} Hz, {}-bit, {} channel(s); it must be 16000 Hz, 16-bit, mono.",
                probe.sample_rate, probe.bits_per_sample, probe.channels
            ),
            format!(
                "wav 为 {} Hz、{} 位、{} 声道，须为 16k 采样率、16bit 位深、单声道。",
                probe.sample_rate, probe.bits_per_sample, probe.channels
            ),
        ));
    }
    if !(8_000..=18_000).contains(&probe.duration_ms) {
        return Err(check_failed(
            format!("the audio lasts {} ms; it must last 8 to 18 seconds.", probe.duration_ms),
            format!("音频时长 {} 毫秒，须在 8 到 18 秒之间。", probe.duration_ms),
        ));
    }
    if probe.voiced_ms < 6_000 {
        return Err(check_failed(
            format!("only {} ms of the audio is voiced; at least 6 seconds must be.", probe.voiced_ms),
            format!("有效音频仅 {} 毫秒，不能少于 6 秒。", probe.voiced_ms),
        ));
    }
    Ok(probe.duration_ms)
}

fn check_lengths(name: Option<&str>, meta: Option<&str>) -> ApiResult<()> {
    if let Some(name) = name
        && (name.is_empty() || name.chars().count() > 32)
    {
        return Err(ApiError::invalid_parameter_value("AudioName", name));
    }
    if let Some(meta) = meta
        && meta.chars().count() > 512
    {
        return Err(ApiError::invalid_parameter_value(
            "AudioMetaInfo",
            &format!("{} characters", meta.chars().count()),
        ));
    }
    Ok(())
}

fn not_found(id: &str) -> ApiError {
    ApiError::business_with(
        "FailedOperation.UpdateVoicePrintIdNotFound",
        format!("VoicePrintId does not exist: {id:?}."),
        format!("VoicePrintId不存在：{id:?}。"),
    )
}

/// The AppId an account's voiceprints show (the account's, derived from its SecretId).
fn app_id(secret_id: &str) -> u64 {
    1_250_000_000 + fnv1a(secret_id) % 100_000_000
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RegisterVoicePrintInput {
    pub audio: String,
    pub req_timestamp: u64,
    pub audio_format: u64,
    pub audio_name: String,
    pub audio_meta_info: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RegisterVoicePrintOutput {
    pub voice_print_id: String,
}

pub fn register_voice_print(ctx: &Ctx<'_>, input: RegisterVoicePrintInput) -> ApiResult<RegisterVoicePrintOutput> {
    if input.req_timestamp == 0 {
        return Err(ApiError::missing_parameter("ReqTimestamp"));
    }
    check_lengths(Some(&input.audio_name), input.audio_meta_info.as_deref())?;
    let audio_ms = check_audio(&input.audio, input.audio_format)?;
    let account = ctx.account.secret_id.as_str();
    let (seed, now) = (ctx.world.generator.seed, ctx.now);
    ctx.world.update_voiceprints(account, |prints| {
        if prints.prints.len() >= MAX_VOICEPRINTS {
            return Err(ApiError::business_with(
                "FailedOperation.VoicePrintRegistrationLimit",
                format!("Per-user voiceprint registration quota reached: this account has {MAX_VOICEPRINTS}."),
                format!("单用户声纹注册数量受限：当前账号已有 {MAX_VOICEPRINTS} 个声纹。"),
            ));
        }
        prints.made += 1;
        let id = uuid_of(mix(seed, &[0x5019, fnv1a(account), prints.made]));
        prints.prints.push(VoicePrint {
            voice_print_id: id.clone(),
            app_id: app_id(account),
            name: input.audio_name.clone(),
            meta_info: input.audio_meta_info.clone().unwrap_or_default(),
            audio_format: input.audio_format,
            req_timestamp: input.req_timestamp,
            created_at: now,
            updated_at: now,
            audio_ms,
        });
        Ok(RegisterVoicePrintOutput { voice_print_id: id })
    })
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeVoicePrintInput {
    pub describe_mode: u64,
    pub voice_print_id_list: Option<Vec<String>>,
    pub page_index: Option<u64>,
    pub page_size: Option<u64>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct VoicePrintInfo {
    pub voice_print_id: String,
    pub app_id: u64,
    pub voice_print_meta_info: String,
    pub create_time: String,
    pub update_time: String,
    pub audio_format: u64,
    pub audio_name: String,
    pub req_timestamp: u64,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeVoicePrintOutput {
    pub total_count: u64,
    pub data: Vec<VoicePrintInfo>,
}

fn info(p: &VoicePrint) -> VoicePrintInfo {
    VoicePrintInfo {
        voice_print_id: p.voice_print_id.clone(),
        app_id: p.app_id,
        voice_print_meta_info: p.meta_info.clone(),
        create_time: local_datetime(p.created_at as i64),
        update_time: local_datetime(p.updated_at as i64),
        audio_format: p.audio_format,
        audio_name: p.name.clone(),
        req_timestamp: p.req_timestamp,
    }
}

/// Mode 0: the listed voiceprints that exist; mode 1: a page of all of them, in order of
/// registration (PageIndex from 1, PageSize 20 at least).
pub fn describe_voice_print(ctx: &Ctx<'_>, input: DescribeVoicePrintInput) -> ApiResult<DescribeVoicePrintOutput> {
    let prints = ctx.world.voiceprints(&ctx.account.secret_id).prints;
    match input.describe_mode {
        0 => {
            let ids: Vec<&String> = input.voice_print_id_list.iter().flatten().filter(|id| !id.is_empty()).collect();
            if ids.is_empty() || ids.len() > MAX_LISTED_IDS {
                return Err(ApiError::business_with(
                    "InvalidParameter.InvalidVoicePrintIdList",
                    format!("VoicePrintIdList empty or too long: it names {} ids (1 to {MAX_LISTED_IDS}).", ids.len()),
                    format!("VoicePrintIdList 不能为空，也不能过长：共 {} 个 ID（1 到 {MAX_LISTED_IDS}）。", ids.len()),
                ));
            }
            let data: Vec<VoicePrintInfo> =
                prints.iter().filter(|p| ids.contains(&&p.voice_print_id)).map(info).collect();
            Ok(DescribeVoicePrintOutput { total_count: data.len() as u64, data })
        }
        1 => {
            let index = input.page_index.unwrap_or(1);
            if index == 0 {
                return Err(ApiError::invalid_parameter_value("PageIndex", "0"));
            }
            let size = input.page_size.unwrap_or(MIN_PAGE_SIZE);
            if size < MIN_PAGE_SIZE {
                return Err(ApiError::business_with(
                    "InvalidParameter",
                    format!("`PageSize` {size} is under the minimum of {MIN_PAGE_SIZE}."),
                    format!("PageSize {size} 小于最小值 {MIN_PAGE_SIZE}。"),
                ));
            }
            let skip = usize::try_from((index - 1).saturating_mul(size)).unwrap_or(usize::MAX);
            let take = usize::try_from(size).unwrap_or(usize::MAX);
            Ok(DescribeVoicePrintOutput {
                total_count: prints.len() as u64,
                data: prints.iter().skip(skip).take(take).map(info).collect(),
            })
        }
        other => Err(ApiError::invalid_parameter_value("DescribeMode", &other.to_string())),
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateVoicePrintInput {
    pub voice_print_id: String,
    pub req_timestamp: u64,
    pub audio_format: Option<u64>,
    pub audio: Option<String>,
    pub audio_meta_info: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct Empty {}

/// Replaces a voiceprint's audio and/or meta info (one of them at least).
pub fn update_voice_print(ctx: &Ctx<'_>, input: UpdateVoicePrintInput) -> ApiResult<Empty> {
    if input.req_timestamp == 0 {
        return Err(ApiError::missing_parameter("ReqTimestamp"));
    }
    let audio = input.audio.as_deref().filter(|a| !a.is_empty());
    let meta = input.audio_meta_info.as_deref().filter(|m| !m.is_empty());
    let id = input.voice_print_id.as_str();
    let account = ctx.account.secret_id.as_str();
    if !ctx.world.voiceprint_exists(account, id) {
        return Err(not_found(id));
    }
    if audio.is_none() && meta.is_none() {
        return Err(ApiError::business("MissingParameter.MissingVoicePrintUpdateParams"));
    }
    check_lengths(None, meta)?;
    let audio_ms = audio.map(|a| check_audio(a, input.audio_format.unwrap_or(0))).transpose()?;
    let now = ctx.now;
    ctx.world.update_voiceprints(account, |prints| {
        let print = prints.prints.iter_mut().find(|p| p.voice_print_id == id).ok_or_else(|| not_found(id))?;
        if let Some(ms) = audio_ms {
            print.audio_ms = ms;
            print.audio_format = input.audio_format.unwrap_or(0);
        }
        if let Some(meta) = meta {
            print.meta_info = meta.to_owned();
        }
        print.req_timestamp = input.req_timestamp;
        print.updated_at = now;
        Ok(Empty {})
    })
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeleteVoicePrintInput {
    pub voice_print_id: String,
}

pub fn delete_voice_print(ctx: &Ctx<'_>, input: DeleteVoicePrintInput) -> ApiResult<Empty> {
    let id = input.voice_print_id.as_str();
    ctx.world.update_voiceprints(&ctx.account.secret_id, |prints| {
        let at = prints.prints.iter().position(|p| p.voice_print_id == id).ok_or_else(|| not_found(id))?;
        prints.prints.remove(at);
        Ok(Empty {})
    })
}
