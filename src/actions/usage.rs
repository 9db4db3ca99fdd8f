//! Usage and billing: audio/video minutes by resolution tier, recording, mixing, relay, the
//! legacy mixing and recording durations, AI recognition, dedicated acceleration and
//! moderation/slicing — all computed by [`crate::world::usage`] from the one history of the
//! world, so that they agree with what the monitoring actions show of the same rooms.
//!
//! Rules shared by the family (the README's "Usage and billing figures" has the whole list):
//!
//! - Dates are UTC+8. `YYYY-MM-DD` windows hold both dates; `YYYY-MM-DD HH:MM[:SS]` windows are
//!   `[StartTime, EndTime)`. EndTime before StartTime (or, for time windows, not after it),
//!   and malformed values, answer `InvalidParameter`; the documentation's examples, which swap
//!   the two dates, are refused.
//! - Windows of at most a day answer a row per five minutes, longer ones a row per day, up to
//!   31 days (`InvalidParameter.QueryScaleOversize` where the action lists it, else
//!   `InvalidParameter`). Rows whose bucket has not begun at the virtual now are left out;
//!   past rows without usage are zeros.
//! - Without `SdkAppId`, the figures add up every SdkAppId of the account: its `sdk_app_ids`
//!   if it has a list, and every fixture SdkAppId it may use. An account without a list and
//!   without fixtures has no known SdkAppId: its aggregate is zeros.
//! - Minutes are shown rounded half up to two decimals, each figure from its own seconds.

use serde::{Deserialize, Serialize};

use super::Ctx;
use crate::error::{ApiError, ApiResult};
use crate::pure::civil::{self, Precision};
use crate::world::usage::{self, Business, Grid, Media, Mix, Query, Step};

/// Longest window of the family, in days.
pub const MAX_DAYS: u64 = 31;
const DAY: u64 = 86_400;

const TIER_KEYS: [&str; 6] = ["Audio", "SD", "HD", "FullHD", "2K", "4K"];
const MIX_KEYS: [&str; 11] = [
    "Audio",
    "SDH264",
    "HDH264",
    "FullHDH264",
    "2KH264",
    "4KH264",
    "SDH265",
    "HDH265",
    "FullHDH265",
    "2KH265",
    "4KH265",
];
/// The header of `DescribeTrtcRoomUsage`'s CSV, as documented (lower-case `hd` included).
pub const ROOM_USAGE_HEADER: &str = "RoomId,Audio,SD,hd,FullHD,2K,4K";

// ---- shared rules -----------------------------------------------------------------------------

fn invalid(en: String, zh: String) -> ApiError {
    ApiError::business_with("InvalidParameter", en, zh)
}

/// Parses `text` (UTC+8) in exactly the form of `precision`; `name` and `form` are for the
/// message.
fn parse(name: &str, text: &str, precision: Precision, form: &str) -> ApiResult<u64> {
    civil::parse_local(text, precision).and_then(|t| u64::try_from(t).ok()).ok_or_else(|| {
        invalid(
            format!("`{name}` {text:?} is not a time of the form {form} (UTC+8)."),
            format!("{name} 参数错误：{text:?} 不是 {form} 格式的时间（UTC+8）。"),
        )
    })
}

fn too_long(code: &'static str, max: &str) -> ApiError {
    ApiError::business_with(
        code,
        format!("The query window is longer than the {max} this action allows."),
        format!("查询时间范围超过本接口允许的 {max}。"),
    )
}

fn order() -> ApiError {
    invalid(
        "Invalid `EndTime`: it must not be earlier than `StartTime`.".to_owned(),
        "EndTime 参数错误：EndTime 不能早于 StartTime。".to_owned(),
    )
}

/// A window of whole days `YYYY-MM-DD`, both inclusive, at most [`MAX_DAYS`]: one day is cut
/// every five minutes, more every day.
fn date_window(start: &str, end: &str, too_long_code: &'static str) -> ApiResult<(Grid, Step)> {
    let first = parse("StartTime", start, Precision::Day, "YYYY-MM-DD")?;
    let last = parse("EndTime", end, Precision::Day, "YYYY-MM-DD")?;
    if last < first {
        return Err(order());
    }
    let days = (last - first) / DAY + 1;
    if days > MAX_DAYS {
        return Err(too_long(too_long_code, "31 days"));
    }
    let step = if days == 1 { Step::FiveMinutes } else { Step::Day };
    Ok((Grid::new(first, last + DAY, step), step))
}

/// A window `[start, end)` of `YYYY-MM-DD HH:mm:ss` times, at most [`MAX_DAYS`] long: up to a
/// day it is cut every five minutes, beyond every day.
fn time_window(start: &str, end: &str, too_long_code: &'static str) -> ApiResult<Grid> {
    let from = parse("StartTime", start, Precision::Second, "YYYY-MM-DD HH:mm:ss")?;
    let to = parse("EndTime", end, Precision::Second, "YYYY-MM-DD HH:mm:ss")?;
    if to <= from {
        return Err(invalid(
            "Invalid `StartTime`: it must be earlier than `EndTime`.".to_owned(),
            "StartTime 参数错误：StartTime 必须早于 EndTime。".to_owned(),
        ));
    }
    if to - from > MAX_DAYS * DAY {
        return Err(too_long(too_long_code, "31 days"));
    }
    Ok(Grid::new(from, to, if to - from <= DAY { Step::FiveMinutes } else { Step::Day }))
}

/// The SdkAppIds a request adds up: the one asked for (which the account must be allowed to
/// use; `code` is the action's code otherwise), or every SdkAppId the account is known to have.
fn apps(ctx: &Ctx<'_>, requested: Option<u64>, code: &'static str) -> ApiResult<Vec<u64>> {
    if let Some(app) = requested {
        if app == 0 || !ctx.account.allows(app) {
            return Err(ApiError::business_with(
                code,
                format!("`SdkAppId` {app} does not belong to this account."),
                format!("SdkAppId 参数错误：{app} 不属于当前账号。"),
            ));
        }
        return Ok(vec![app]);
    }
    let mut apps = ctx.account.sdk_app_ids.clone().unwrap_or_default();
    apps.extend(ctx.world.fixtures().apps().map(|(app, _)| app).filter(|app| ctx.account.allows(*app)));
    apps.sort_unstable();
    apps.dedup();
    Ok(apps)
}

fn query<'a>(ctx: &Ctx<'a>, apps: &'a [u64], grid: Grid) -> Query<'a> {
    Query { world: ctx.world, apps, grid, now: ctx.now }
}

/// `YYYY-MM-DD HH:MM:SS` (UTC+8) of a bucket's start.
fn datetime(t: u64) -> String {
    civil::local_datetime(i64::try_from(t).unwrap_or(i64::MAX))
}

fn date(t: u64) -> String {
    civil::local_date(i64::try_from(t).unwrap_or(i64::MAX))
}

/// The rows of the buckets begun at now, with their index and start.
fn begun<'r, T>(grid: &Grid, rows: &'r [T], now: u64) -> impl Iterator<Item = (u64, &'r T)> + use<'r, T> {
    let grid = *grid;
    rows.iter().take(grid.begun(now)).enumerate().map(move |(i, row)| (grid.bucket_start(i), row))
}

// ---- DescribeTrtcUsage, DescribeRecordingUsage, DescribeMixTranscodingUsage, DescribeRelayUsage

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UsageInput {
    pub start_time: String,
    pub end_time: String,
    pub sdk_app_id: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RecordingUsageInput {
    pub start_time: String,
    pub end_time: String,
    pub mix_type: String,
    pub sdk_app_id: Option<u64>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TrtcUsageOutput {
    pub usage_key: Vec<&'static str>,
    pub usage_list: Vec<TrtcUsage>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TrtcUsage {
    pub time_key: String,
    pub time_stamp_key: u64,
    pub usage_value: Vec<f64>,
}

const USAGE_SDK_APP_ID: &str = "InvalidParameter.SdkAppId";
const USAGE_TOO_LONG: &str = "InvalidParameter.QueryScaleOversize";

fn trtc_usage<const N: usize>(
    keys: &[&'static str],
    grid: &Grid,
    rows: &[[u64; N]],
    now: u64,
    value: impl Fn(u64) -> f64,
) -> TrtcUsageOutput {
    TrtcUsageOutput {
        usage_key: keys.to_vec(),
        usage_list: begun(grid, rows, now)
            .map(|(start, row)| TrtcUsage {
                time_key: datetime(start),
                time_stamp_key: start,
                usage_value: row.iter().map(|s| value(*s)).collect(),
            })
            .collect(),
    }
}

/// Minutes of audio and video by tier of received video (`Audio, SD, HD, FullHD, 2K, 4K`).
pub fn describe_trtc_usage(ctx: &Ctx<'_>, input: UsageInput) -> ApiResult<TrtcUsageOutput> {
    let apps = apps(ctx, input.sdk_app_id, USAGE_SDK_APP_ID)?;
    let (grid, _) = date_window(&input.start_time, &input.end_time, USAGE_TOO_LONG)?;
    let rows = usage::audio_video(&query(ctx, &apps, grid));
    Ok(trtc_usage(&TIER_KEYS, &grid, &rows, ctx.now, usage::minutes))
}

/// Minutes of single-stream (`single`) or mixed (`multi`) recording by input tier.
pub fn describe_recording_usage(ctx: &Ctx<'_>, input: RecordingUsageInput) -> ApiResult<TrtcUsageOutput> {
    let apps = apps(ctx, input.sdk_app_id, USAGE_SDK_APP_ID)?;
    let (grid, _) = date_window(&input.start_time, &input.end_time, USAGE_TOO_LONG)?;
    let mix = match input.mix_type.as_str() {
        "single" => Mix::Single,
        "multi" => Mix::Multi,
        other => return Err(ApiError::invalid_parameter_value("MixType", other)),
    };
    let rows = usage::recording(&query(ctx, &apps, grid), mix);
    Ok(trtc_usage(&TIER_KEYS, &grid, &rows, ctx.now, usage::minutes))
}

/// Minutes of MCU mixing by aggregate input tier and output codec.
pub fn describe_mix_transcoding_usage(ctx: &Ctx<'_>, input: UsageInput) -> ApiResult<TrtcUsageOutput> {
    let apps = apps(ctx, input.sdk_app_id, USAGE_SDK_APP_ID)?;
    let (grid, _) = date_window(&input.start_time, &input.end_time, USAGE_TOO_LONG)?;
    let rows = usage::mixing(&query(ctx, &apps, grid));
    Ok(trtc_usage(&MIX_KEYS, &grid, &rows, ctx.now, usage::minutes))
}

/// The peak relay bandwidth of each bucket, in Mbps (`Bandwidth`).
pub fn describe_relay_usage(ctx: &Ctx<'_>, input: UsageInput) -> ApiResult<TrtcUsageOutput> {
    let apps = apps(ctx, input.sdk_app_id, USAGE_SDK_APP_ID)?;
    let (grid, _) = date_window(&input.start_time, &input.end_time, USAGE_TOO_LONG)?;
    let rows: Vec<[u64; 1]> = usage::relay(&query(ctx, &apps, grid)).into_iter().map(|kbps| [kbps]).collect();
    Ok(trtc_usage(&["Bandwidth"], &grid, &rows, ctx.now, |kbps| kbps as f64 / 1000.0))
}

// ---- DescribeTrtcRoomUsage --------------------------------------------------------------------

#[derive(Debug, Deserialize)]
pub struct RoomUsageInput {
    #[serde(rename = "SdkAppid")]
    pub sdk_app_id: u64,
    #[serde(rename = "StartTime")]
    pub start_time: String,
    #[serde(rename = "EndTime")]
    pub end_time: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RoomUsageOutput {
    pub data: String,
}

/// A CSV field: quoted when it holds a comma, a quote or a line break.
fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) { format!("\"{}\"", text.replace('"', "\"\"")) } else { text.to_owned() }
}

/// Seconds of audio and video by tier per room id, `[StartTime, EndTime)` of at most 24 hours,
/// as CSV text.
pub fn describe_trtc_room_usage(ctx: &Ctx<'_>, input: RoomUsageInput) -> ApiResult<RoomUsageOutput> {
    let app = input.sdk_app_id;
    if app == 0 || !ctx.account.allows(app) {
        return Err(ApiError::business_with(
            "FailedOperation.SdkAppIdNotExist",
            format!("The application {app} does not exist in this account."),
            format!("应用ID不存在：{app} 不属于当前账号。"),
        ));
    }
    let start = parse("StartTime", &input.start_time, Precision::Minute, "YYYY-MM-DD HH:MM")?;
    let end = parse("EndTime", &input.end_time, Precision::Minute, "YYYY-MM-DD HH:MM")?;
    if end <= start {
        return Err(invalid(
            "Invalid `StartTime`: it must be earlier than `EndTime`.".to_owned(),
            "StartTime 参数错误：StartTime 必须早于 EndTime。".to_owned(),
        ));
    }
    if end - start > DAY {
        return Err(too_long("InvalidParameter", "24 hours"));
    }
    let mut data = format!("{ROOM_USAGE_HEADER}\n");
    for (room, seconds) in usage::audio_video_by_room(ctx.world, app, (start, end), ctx.now) {
        let cells: Vec<String> = seconds.iter().map(u64::to_string).collect();
        data.push_str(&format!("{},{}\n", csv_field(&room), cells.join(",")));
    }
    Ok(RoomUsageOutput { data })
}

// ---- DescribeTrtcMcuTranscodeTime, DescribeRecordStatistic (legacy) ---------------------------

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct McuTranscodeTimeOutput {
    pub usages: Vec<OneSdkAppIdTranscodeTimeUsagesInfo>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct OneSdkAppIdTranscodeTimeUsagesInfo {
    pub sdk_app_id_transcode_time_usages: Vec<SdkAppIdTrtcMcuTranscodeTimeUsage>,
    pub total_num: u64,
    pub sdk_app_id: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SdkAppIdTrtcMcuTranscodeTimeUsage {
    pub time_key: String,
    pub audio_time: u64,
    pub video_time_sd: u64,
    pub video_time_hd: u64,
    pub video_time_fhd: u64,
    pub flux: f64,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RecordStatisticOutput {
    pub sdk_app_id_usages: Vec<SdkAppIdRecordUsage>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SdkAppIdRecordUsage {
    pub sdk_app_id: String,
    pub usages: Vec<RecordUsage>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RecordUsage {
    pub time_key: String,
    pub class1_video_time: u64,
    pub class2_video_time: u64,
    pub class3_video_time: u64,
    pub audio_time: u64,
}

/// How a bucket's start is written.
type TimeKey = fn(u64) -> String;

/// The legacy actions' window: dates as the others, days keyed `YYYY-MM-DD`, five-minute
/// buckets `YYYY-MM-DD HH:MM:SS`; every mistake is `InvalidParameter`.
fn legacy_window(input: &UsageInput) -> ApiResult<(Grid, TimeKey)> {
    let (grid, step) = date_window(&input.start_time, &input.end_time, "InvalidParameter")?;
    Ok((grid, if step == Step::Day { date } else { datetime }))
}

/// Who the legacy figures are of: the SdkAppId asked for, or `total`.
fn legacy_name(input: &UsageInput) -> String {
    input.sdk_app_id.map_or_else(|| "total".to_owned(), |app| app.to_string())
}

/// Seconds of mixing by output class, and the relay peak (`Flux`, Mbps).
pub fn describe_trtc_mcu_transcode_time(ctx: &Ctx<'_>, input: UsageInput) -> ApiResult<McuTranscodeTimeOutput> {
    let apps = apps(ctx, input.sdk_app_id, "InvalidParameter.SdkAppId")?;
    let (grid, key) = legacy_window(&input)?;
    let rows = usage::legacy_transcoding(&query(ctx, &apps, grid));
    let usages: Vec<SdkAppIdTrtcMcuTranscodeTimeUsage> = begun(&grid, &rows, ctx.now)
        .map(|(start, row)| SdkAppIdTrtcMcuTranscodeTimeUsage {
            time_key: key(start),
            audio_time: row.audio,
            video_time_sd: row.sd,
            video_time_hd: row.hd,
            video_time_fhd: row.fhd,
            flux: row.peak_kbps as f64 / 1000.0,
        })
        .collect();
    Ok(McuTranscodeTimeOutput {
        usages: vec![OneSdkAppIdTranscodeTimeUsagesInfo {
            total_num: usages.len() as u64,
            sdk_app_id_transcode_time_usages: usages,
            sdk_app_id: legacy_name(&input),
        }],
    })
}

/// Seconds of recorded files by class (SD, HD, super-HD) and of audio.
pub fn describe_record_statistic(ctx: &Ctx<'_>, input: UsageInput) -> ApiResult<RecordStatisticOutput> {
    let apps = apps(ctx, input.sdk_app_id, "InvalidParameter.SdkAppId")?;
    let (grid, key) = legacy_window(&input)?;
    let rows = usage::legacy_recording(&query(ctx, &apps, grid));
    Ok(RecordStatisticOutput {
        sdk_app_id_usages: vec![SdkAppIdRecordUsage {
            sdk_app_id: legacy_name(&input),
            usages: begun(&grid, &rows, ctx.now)
                .map(|(start, row)| RecordUsage {
                    time_key: key(start),
                    class1_video_time: row.sd,
                    class2_video_time: row.hd,
                    class3_video_time: row.fhd,
                    audio_time: row.audio,
                })
                .collect(),
        }],
    })
}

// ---- DescribeTRTCAIRecognitionUsage, DescribeTRTCDedicatedCloudAccUsage,
// ---- DescribeTRTCSegmentModerationUsage

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AiRecognitionUsageInput {
    pub start_time: String,
    pub end_time: String,
    pub au_type: Vec<String>,
    /// A string in this action.
    pub sdk_app_id: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DedicatedCloudAccUsageInput {
    pub start_time: String,
    pub end_time: String,
    pub sdk_app_id: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SegmentModerationUsageInput {
    pub start_time: String,
    pub end_time: String,
    pub r#type: String,
    pub business: u64,
    pub sdk_app_id: Option<u64>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UsageListOutput<T> {
    pub usage_key: Vec<&'static str>,
    pub usage_list: Vec<UsageRow>,
    pub total_usage: Vec<T>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UsageRow {
    pub time_key: String,
    pub usage_value: Vec<f64>,
}

/// The AI kinds, their keys, and their column in [`usage::Ai`].
const AU_TYPES: [(&str, &str); 4] =
    [("conversation", "Conversation"), ("asr", "ASR"), ("translation", "Translation"), ("tts", "TTS")];

const AI_TOO_LONG: &str = "InvalidParameter.QueryScaleOversize";

fn seconds_of(ai: &usage::Ai, column: usize) -> u64 {
    [ai.conversation, ai.asr, ai.translation, ai.tts][column]
}

/// Minutes of AI conversation, transcription (`ASR`), translation and speech synthesis (`TTS`),
/// for the kinds asked, in the order asked.
pub fn describe_trtc_ai_recognition_usage(
    ctx: &Ctx<'_>,
    input: AiRecognitionUsageInput,
) -> ApiResult<UsageListOutput<f64>> {
    let requested = match input.sdk_app_id.as_deref() {
        None | Some("") => None,
        Some(text) => Some(
            text.parse::<u64>()
                .ok()
                .filter(|_| text.bytes().all(|b| b.is_ascii_digit()))
                .ok_or_else(|| ApiError::invalid_parameter_value("SdkAppId", text))?,
        ),
    };
    let apps = apps(ctx, requested, "InvalidParameter")?;
    let grid = time_window(&input.start_time, &input.end_time, AI_TOO_LONG)?;
    if input.au_type.is_empty() {
        return Err(invalid(
            "`AuType` must name at least one of conversation, asr, translation, tts.".to_owned(),
            "AuType 参数错误：至少填写 conversation、asr、translation、tts 之一。".to_owned(),
        ));
    }
    let mut columns: Vec<usize> = Vec::new();
    for kind in &input.au_type {
        let Some(column) = AU_TYPES.iter().position(|(name, _)| name == kind) else {
            return Err(ApiError::invalid_parameter_value("AuType", kind));
        };
        if !columns.contains(&column) {
            columns.push(column);
        }
    }
    let rows = usage::ai(&query(ctx, &apps, grid));
    let shown: Vec<(u64, &usage::Ai)> = begun(&grid, &rows, ctx.now).collect();
    Ok(UsageListOutput {
        usage_key: columns.iter().map(|c| AU_TYPES[*c].1).collect(),
        usage_list: shown
            .iter()
            .map(|(start, row)| UsageRow {
                time_key: datetime(*start),
                usage_value: columns.iter().map(|c| usage::minutes(seconds_of(row, *c))).collect(),
            })
            .collect(),
        total_usage: columns
            .iter()
            .map(|c| usage::minutes(shown.iter().map(|(_, row)| seconds_of(row, *c)).sum()))
            .collect(),
    })
}

/// One column of figures as a usage list: `value` shows a bucket, `total` the whole window.
fn single_column(
    key: &'static str,
    grid: &Grid,
    rows: &[u64],
    now: u64,
    value: fn(u64) -> f64,
    total: fn(u64) -> u64,
) -> UsageListOutput<u64> {
    let shown: Vec<(u64, &u64)> = begun(grid, rows, now).collect();
    UsageListOutput {
        usage_key: vec![key],
        usage_list: shown
            .iter()
            .map(|(start, n)| UsageRow { time_key: datetime(*start), usage_value: vec![value(**n)] })
            .collect(),
        total_usage: vec![total(shown.iter().map(|(_, n)| **n).sum())],
    }
}

/// Minutes users of accelerated rooms stayed (`Time`); the total in whole minutes, rounded up.
pub fn describe_trtc_dedicated_cloud_acc_usage(
    ctx: &Ctx<'_>,
    input: DedicatedCloudAccUsageInput,
) -> ApiResult<UsageListOutput<u64>> {
    let apps = apps(ctx, input.sdk_app_id, "InvalidParameter")?;
    let grid = time_window(&input.start_time, &input.end_time, AI_TOO_LONG)?;
    let rows = usage::dedicated(&query(ctx, &apps, grid));
    Ok(single_column("Time", &grid, &rows, ctx.now, usage::minutes, usage::whole_minutes))
}

/// Minutes of audio (`Audio`) or number of pictures (`Picture`) taken by moderation
/// (`Business` 0) or slicing (1); the audio total in whole minutes, rounded up.
pub fn describe_trtc_segment_moderation_usage(
    ctx: &Ctx<'_>,
    input: SegmentModerationUsageInput,
) -> ApiResult<UsageListOutput<u64>> {
    let apps = apps(ctx, input.sdk_app_id, "InvalidParameter")?;
    let grid = time_window(&input.start_time, &input.end_time, AI_TOO_LONG)?;
    let media = match input.r#type.as_str() {
        "audio" => Media::Audio,
        "picture" => Media::Picture,
        other => return Err(ApiError::invalid_parameter_value("Type", other)),
    };
    let business = match input.business {
        0 => Business::Moderation,
        1 => Business::Slicing,
        other => return Err(ApiError::invalid_parameter_value("Business", &other.to_string())),
    };
    let rows = usage::segments(&query(ctx, &apps, grid), business, media);
    Ok(match media {
        Media::Audio => single_column("Audio", &grid, &rows, ctx.now, usage::minutes, usage::whole_minutes),
        Media::Picture => single_column("Picture", &grid, &rows, ctx.now, |n| n as f64, |n| n),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_windows_hold_both_dates() {
        let day = 1_764_000_000; // 2025-11-25 00:00 UTC+8
        let (one, step) = date_window("2025-11-25", "2025-11-25", "X").unwrap();
        assert_eq!(step, Step::FiveMinutes);
        assert_eq!((one.window(), one.count()), ((day, day + DAY), 288));
        let (two, step) = date_window("2025-11-25", "2025-11-26", "X").unwrap();
        assert_eq!(step, Step::Day);
        assert_eq!((two.window(), two.count()), ((day, day + 2 * DAY), 2));
        assert_eq!(date_window("2025-11-01", "2025-12-01", "X").unwrap().0.count(), 31);
        assert_eq!(date_window("2025-11-01", "2025-12-02", "X").unwrap_err().code(), "X");
        for (start, end) in
            [("2025-11-26", "2025-11-25"), ("2025-11-25 00:00", "2025-11-25"), ("1969-12-31", "1970-01-01")]
        {
            assert_eq!(date_window(start, end, "X").unwrap_err().code(), "InvalidParameter", "{start} {end}");
        }
    }

    #[test]
    fn time_windows_are_half_open() {
        let day = 1_764_000_000;
        let one = time_window("2025-11-25 00:00:00", "2025-11-26 00:00:00", "X").unwrap();
        assert_eq!((one.window(), one.count()), ((day, day + DAY), 288));
        let more = time_window("2025-11-25 10:00:00", "2025-11-26 10:00:01", "X").unwrap();
        assert_eq!((more.count(), more.bucket_start(0)), (2, day));
        assert_eq!(time_window("2025-11-01 00:00:00", "2025-12-02 00:00:00", "X").unwrap().count(), 31);
        assert_eq!(time_window("2025-11-01 00:00:00", "2025-12-02 00:00:01", "X").unwrap_err().code(), "X");
        assert_eq!(
            time_window("2025-11-25 00:00:00", "2025-11-25 00:00:00", "X").unwrap_err().code(),
            "InvalidParameter"
        );
        assert_eq!(time_window("2025-11-25", "2025-11-26", "X").unwrap_err().code(), "InvalidParameter");
    }

    #[test]
    fn csv_fields_are_quoted_when_needed() {
        assert_eq!(csv_field("room-1"), "room-1");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }
}
