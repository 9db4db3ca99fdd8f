//! The monitoring dashboard: real-time and market (data overview) figures of an app, counted
//! from the same history as the monitoring actions ([`crate::world::scale`]).
//!
//! Every answer is one `TRTCDataResult`: `StatementID` 0, `Total` 1, one series whose
//! `Columns` start with `"time"` (Unix seconds) and whose rows are `RowValue` int64s, in the
//! column order of the documentation's examples. `RowValueFloat` is always present: empty,
//! except for `DescribeTRTCMarketQualityData` with `IsFloat: true`, which gives the same row
//! with the percentages to two decimals.
//!
//! - **Real-time** (`SdkAppId` a string of digits, `StartTime`/`EndTime` Unix seconds,
//!   optional `RoomId`): a point at every multiple of 10 s in `(StartTime, EndTime]` that has
//!   come by the virtual now. `StartTime` at most 12 hours back (the CN Advanced dashboard);
//!   `EndTime` after `StartTime` and at most 12 hours after it. Scale at a point is the presence
//!   at that instant; quality is over the 10 s ending at it, `[t − 10, t)`.
//! - **Market** (`StartTime`/`EndTime` `YYYY-MM-DD` dates in UTC+8, both included; `Period`
//!   `d` or `h`): a row per UTC+8 day (at its 00:00) or per whole hour that has begun by the
//!   virtual now; the current one is partial. `StartTime` at most 60 days before today (the
//!   Advanced dashboard). Daily `userCount` and `roomCount` are `DescribeScaleInfo`'s
//!   `UserNumber` and `RoomNumbers` of that day.

use serde::{Deserialize, Serialize};

use super::Ctx;
use crate::error::{ApiError, ApiResult};
use crate::pure::civil::{self, Precision};
use crate::world::scale::{self, Grid, Ratio};

/// How far back the real-time dashboards reach, and their longest window.
pub const REAL_TIME_LOOK_BACK_SECS: u64 = 12 * 3600;
/// Seconds between two real-time points.
pub const REAL_TIME_STEP: u64 = 10;
/// How many days before today the market dashboards reach.
pub const MARKET_LOOK_BACK_DAYS: u64 = 60;

const DAY: u64 = 86_400;
const HOUR: u64 = 3600;

// ---- the answer -------------------------------------------------------------------------------

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DashboardOutput {
    pub data: TrtcDataResult,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TrtcDataResult {
    #[serde(rename = "StatementID")]
    pub statement_id: i64,
    pub series: Vec<SeriesInfos>,
    pub total: i64,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SeriesInfos {
    pub columns: Vec<&'static str>,
    pub values: Vec<RowValues>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RowValues {
    pub row_value: Vec<i64>,
    pub row_value_float: Vec<f64>,
}

impl DashboardOutput {
    fn of(columns: &[&'static str], values: Vec<RowValues>) -> Self {
        Self {
            data: TrtcDataResult {
                statement_id: 0,
                series: vec![SeriesInfos { columns: columns.to_vec(), values }],
                total: 1,
            },
        }
    }
}

fn row(values: Vec<i64>) -> RowValues {
    RowValues { row_value: values, row_value_float: Vec::new() }
}

fn time(t: u64) -> i64 {
    i64::try_from(t).unwrap_or(i64::MAX)
}

fn count(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

// ---- the SdkAppId -----------------------------------------------------------------------------

/// The codes an action gives for a bad `SdkAppId`: empty, not a number, not the caller's.
struct AppCodes {
    missing: &'static str,
    malformed: &'static str,
    not_allowed: &'static str,
}

const REAL_TIME_QUALITY: AppCodes = AppCodes {
    missing: "MissingParameter.SdkAppId",
    malformed: "InvalidParameter.InvalidSdkAppId",
    not_allowed: "InvalidParameter.InvalidSdkAppId",
};
/// DescribeTRTCRealTimeScaleData documents no code of its own for these: the common ones.
const REAL_TIME_SCALE: AppCodes =
    AppCodes { missing: "MissingParameter", malformed: "InvalidParameterValue", not_allowed: "InvalidParameter" };
const MARKET: AppCodes = AppCodes {
    missing: "MissingParameter.SdkAppId",
    malformed: "InvalidParameterValue",
    not_allowed: "InvalidParameter",
};

/// The SdkAppId of a dashboard request: a string of digits naming an app the caller may use.
fn app(ctx: &Ctx<'_>, text: &str, codes: &AppCodes) -> ApiResult<u64> {
    if text.is_empty() {
        return Err(match codes.missing {
            "MissingParameter" => ApiError::missing_parameter("SdkAppId"),
            code => ApiError::business(code),
        });
    }
    let number =
        text.bytes().all(|b| b.is_ascii_digit()).then(|| text.parse::<u64>().ok()).flatten().filter(|n| *n > 0);
    let Some(app) = number else {
        return Err(match codes.malformed {
            "InvalidParameterValue" => ApiError::invalid_parameter_value("SdkAppId", text),
            code => ApiError::business_with(
                code,
                format!("`SdkAppId` {text:?} is not an SdkAppId (a string of digits, e.g. \"1400000001\")."),
                format!("SdkAppId 参数错误：{text:?} 不是有效的 SdkAppId（数字字符串，如 \"1400000001\"）。"),
            ),
        });
    };
    if !ctx.account.allows(app) {
        return Err(ApiError::business_with(
            codes.not_allowed,
            format!("`SdkAppId` {app} does not belong to this account."),
            format!("SdkAppId 参数错误：{app} 不属于当前账号。"),
        ));
    }
    Ok(app)
}

// ---- real time --------------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RealTimeInput {
    pub sdk_app_id: String,
    pub start_time: i64,
    pub end_time: i64,
    pub room_id: Option<String>,
}

fn invalid(en: String, zh: String) -> ApiError {
    ApiError::business_with("InvalidParameter", en, zh)
}

/// The real-time points of a request: every multiple of 10 s in `(StartTime, EndTime]` up to
/// now, after checking the window.
fn points(ctx: &Ctx<'_>, input: &RealTimeInput) -> ApiResult<Vec<u64>> {
    let (start, end) = (input.start_time, input.end_time);
    if end <= start {
        return Err(invalid(
            format!("`EndTime` {end} must be later than `StartTime` {start}."),
            format!("EndTime 参数错误：EndTime {end} 必须晚于 StartTime {start}。"),
        ));
    }
    let earliest = ctx.now.saturating_sub(REAL_TIME_LOOK_BACK_SECS);
    if start < 0 || (start as u64) < earliest {
        return Err(invalid(
            format!("`StartTime` {start} is more than 12 hours back: the real-time dashboard starts at {earliest}."),
            format!("StartTime 参数错误：{start} 超过可查询的近 12 小时（最早 {earliest}）。"),
        ));
    }
    if end.abs_diff(start) > REAL_TIME_LOOK_BACK_SECS {
        return Err(invalid(
            "The window from `StartTime` to `EndTime` is longer than 12 hours.".to_owned(),
            "查询时间范围超过 12 小时。".to_owned(),
        ));
    }
    let start = start as u64;
    let first = (start / REAL_TIME_STEP + 1) * REAL_TIME_STEP;
    let last = (end as u64).min(ctx.now);
    Ok((first..=last).step_by(REAL_TIME_STEP as usize).collect())
}

/// Online users (each user once per room they are in) and online rooms at each 10-second point.
pub fn describe_real_time_scale_data(ctx: &Ctx<'_>, input: RealTimeInput) -> ApiResult<DashboardOutput> {
    let app = app(ctx, &input.sdk_app_id, &REAL_TIME_SCALE)?;
    let points = points(ctx, &input)?;
    let room_id = input.room_id.as_deref().filter(|r| !r.is_empty());
    let counts = scale::at_instants(ctx.world, app, room_id, &points, ctx.now);
    let rows = points.iter().zip(counts).map(|(t, p)| row(vec![time(*t), count(p.users), count(p.rooms)])).collect();
    Ok(DashboardOutput::of(&["time", "userCount", "roomCount"], rows))
}

/// Video and audio freeze rates, in integer percent, over the 10 s before each point.
pub fn describe_real_time_quality_data(ctx: &Ctx<'_>, input: RealTimeInput) -> ApiResult<DashboardOutput> {
    let app = app(ctx, &input.sdk_app_id, &REAL_TIME_QUALITY)?;
    let points = points(ctx, &input)?;
    let room_id = input.room_id.as_deref().filter(|r| !r.is_empty());
    let rows = match points.first() {
        None => Vec::new(),
        Some(first) => {
            let grid = Grid::new(first - REAL_TIME_STEP, REAL_TIME_STEP, points.len());
            let quality = scale::quality(ctx.world, app, room_id, grid, ctx.now);
            points.iter().zip(quality).map(|(t, q)| row(vec![time(*t), q.video.percent(), q.audio.percent()])).collect()
        }
    };
    Ok(DashboardOutput::of(&["time", "videoFreezeRate", "audioFreezeRate"], rows))
}

// ---- market -----------------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MarketInput {
    pub sdk_app_id: String,
    pub start_time: String,
    pub end_time: String,
    pub period: String,
    /// DescribeTRTCMarketQualityData only.
    pub is_float: Option<bool>,
}

fn date(name: &str, text: &str) -> ApiResult<u64> {
    civil::parse_local(text, Precision::Day)
        .and_then(|t| u64::try_from(t).ok())
        .ok_or_else(|| ApiError::invalid_parameter_value(name, text))
}

/// The periods of a market request that have begun by now, after checking it.
fn periods(ctx: &Ctx<'_>, input: &MarketInput) -> ApiResult<Grid> {
    let start = date("StartTime", &input.start_time)?;
    let end = date("EndTime", &input.end_time)?;
    let step = match input.period.as_str() {
        "d" => DAY,
        "h" => HOUR,
        other => return Err(ApiError::invalid_parameter_value("Period", other)),
    };
    if end < start {
        return Err(invalid(
            format!("`EndTime` {} is before `StartTime` {}.", input.end_time, input.start_time),
            format!("EndTime 参数错误：{} 早于 StartTime {}。", input.end_time, input.start_time),
        ));
    }
    let today = u64::try_from(civil::local_midnight(i64::try_from(ctx.now).unwrap_or(i64::MAX))).unwrap_or(0);
    let earliest = today.saturating_sub(MARKET_LOOK_BACK_DAYS * DAY);
    if start < earliest {
        let first = civil::local_date(i64::try_from(earliest).unwrap_or(0));
        return Err(ApiError::business_with(
            "InvalidParameter.QueryScaleOversize",
            format!("`StartTime` {} is more than 60 days back: the data overview starts at {first}.", input.start_time),
            format!("查询范围超过限制：StartTime {} 超过可查询的近 60 天（最早 {first}）。", input.start_time),
        ));
    }
    // Through the end of EndTime's day, but only what has begun by now.
    let until = (end + DAY).min(ctx.now.saturating_add(1));
    let count = until.saturating_sub(start).div_ceil(step);
    Ok(Grid::new(start, step, usize::try_from(count).unwrap_or(0)))
}

/// Peak concurrent users and rooms, users (once per room) and rooms of each day or hour.
pub fn describe_market_scale_data(ctx: &Ctx<'_>, input: MarketInput) -> ApiResult<DashboardOutput> {
    let app = app(ctx, &input.sdk_app_id, &MARKET)?;
    let grid = periods(ctx, &input)?;
    let rows = scale::over_periods(ctx.world, app, grid, ctx.now)
        .into_iter()
        .enumerate()
        .map(|(i, s)| {
            let t = time(grid.period(i).0);
            row(vec![t, count(s.peak_users), count(s.peak_rooms), count(s.users), count(s.rooms)])
        })
        .collect();
    Ok(DashboardOutput::of(&["time", "peakCurrentUsers", "peakCurrentChannels", "userCount", "roomCount"], rows))
}

/// Freeze rates, network delay and join success of each day or hour, in percent.
pub fn describe_market_quality_data(ctx: &Ctx<'_>, input: MarketInput) -> ApiResult<DashboardOutput> {
    let app = app(ctx, &input.sdk_app_id, &MARKET)?;
    let grid = periods(ctx, &input)?;
    let float = input.is_float == Some(true);
    let rows = scale::quality(ctx.world, app, None, grid, ctx.now)
        .into_iter()
        .enumerate()
        .map(|(i, q)| {
            let t = grid.period(i).0;
            let ratios: [Ratio; 5] = [q.video, q.audio, q.delay, q.joined, q.joined_in_5s];
            let mut values = vec![time(t)];
            values.extend(ratios.iter().map(|r| r.percent()));
            let mut floats = Vec::new();
            if float {
                floats.push(t as f64);
                floats.extend(ratios.iter().map(|r| r.percent_2dp()));
            }
            RowValues { row_value: values, row_value_float: floats }
        })
        .collect();
    let columns =
        ["time", "videoFreezeRate", "audioFreezeRate", "networkDelay", "joinSuccessRate", "joinSuccessIn5sRate"];
    Ok(DashboardOutput::of(&columns, rows))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_serialize_in_the_documented_shape() {
        let out = DashboardOutput::of(&["time", "userCount", "roomCount"], vec![row(vec![1695711350, 22, 18])]);
        assert_eq!(
            serde_json::to_string(&out).unwrap(),
            r#"{"Data":{"StatementID":0,"Series":[{"Columns":["time","userCount","roomCount"],"Values":[{"RowValue":[1695711350,22,18],"RowValueFloat":[]}]}],"Total":1}}"#
        );
    }
}
