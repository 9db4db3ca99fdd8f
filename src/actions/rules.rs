//! Argument rules several families share: whose SdkAppId it is, query windows and their
//! look-back, paging. Each rule takes the error codes of the action that applies it, because
//! TRTC names the same mistake differently from action to action.

use crate::error::{ApiError, ApiResult};

use super::Ctx;

pub const MAX_PAGE_SIZE: u64 = 100;

/// Checks that the calling account may use `sdk_app_id`; `missing` and `invalid` are the
/// action's codes for 0 and for an SdkAppId that is not the account's.
pub fn app(ctx: &Ctx<'_>, sdk_app_id: u64, missing: &'static str, invalid: &'static str) -> ApiResult<()> {
    if sdk_app_id == 0 {
        return Err(ApiError::business(missing));
    }
    if !ctx.account.allows(sdk_app_id) {
        return Err(ApiError::business_with(
            invalid,
            format!("`SdkAppId` {sdk_app_id} does not belong to this account."),
            format!("SdkAppId 参数错误：{sdk_app_id} 不属于当前账号。"),
        ));
    }
    Ok(())
}

/// The codes an action uses for the mistakes in a Unix-seconds window.
pub struct WindowCodes {
    pub missing_start: &'static str,
    pub missing_end: &'static str,
    /// StartTime not before EndTime.
    pub order: &'static str,
    /// The window is longer than the action allows.
    pub too_long: &'static str,
    /// StartTime is further back than the look-back.
    pub too_old: &'static str,
}

/// The codes of the call-quality monitoring family.
pub const MONITORING: WindowCodes = WindowCodes {
    missing_start: "MissingParameter.StartTs",
    missing_end: "MissingParameter.EndTs",
    order: "InvalidParameter.StartTs",
    too_long: "InvalidParameter.QueryScaleOversize",
    too_old: "InvalidParameter.StartTimeOversize",
};

/// Checks `[start, end]` (Unix seconds): both given, in order, at most `max_secs` long
/// (`None`: no limit), and starting no more than `look_back` seconds before `now`.
pub fn window(
    ctx: &Ctx<'_>,
    (start, end): (u64, u64),
    max_secs: Option<u64>,
    look_back: u64,
    codes: &WindowCodes,
) -> ApiResult<()> {
    if start == 0 {
        return Err(ApiError::business(codes.missing_start));
    }
    if end == 0 {
        return Err(ApiError::business(codes.missing_end));
    }
    if start >= end {
        return Err(ApiError::business_with(
            codes.order,
            "Invalid `StartTime`: it must be earlier than `EndTime`.",
            "StartTime 参数错误：StartTime 必须早于 EndTime。",
        ));
    }
    if let Some(max) = max_secs
        && end - start > max
    {
        return Err(ApiError::business_with(
            codes.too_long,
            format!("The query window is longer than the {max} seconds this action allows."),
            format!("查询时间范围超过本接口允许的 {max} 秒。"),
        ));
    }
    if start < ctx.now.saturating_sub(look_back) {
        return Err(ApiError::business_with(
            codes.too_old,
            format!("`StartTime` {start} is more than {} days back.", look_back / 86_400),
            format!("StartTime {start} 超过可查询的 {} 天。", look_back / 86_400),
        ));
    }
    Ok(())
}

/// Resolves (PageNumber, PageSize): both given, or the first page of `default_size`; the size
/// must be 1 to `max_size`. Returns (rows to skip, rows to take), overflow-free.
pub fn page(number: Option<u64>, size: Option<u64>, default_size: u64, max_size: u64) -> ApiResult<(u64, u64)> {
    match size {
        Some(0) => return Err(ApiError::business("InvalidParameter.PageSize")),
        Some(s) if s > max_size && max_size == MAX_PAGE_SIZE => {
            return Err(ApiError::business("InvalidParameter.PageSizeOversize"));
        }
        Some(s) if s > max_size => {
            return Err(ApiError::business_with(
                "InvalidParameter.PageSizeOversize",
                format!("`PageSize` {s} is over the maximum of {max_size}."),
                format!("PageSize {s} 超过上限 {max_size}。"),
            ));
        }
        _ => {}
    }
    Ok(match (number, size) {
        (Some(n), Some(s)) => (n.saturating_mul(s), s),
        _ => (0, default_size),
    })
}

/// The page `(skip, take)` of `items`.
pub fn slice<T>(items: Vec<T>, (skip, take): (u64, u64)) -> Vec<T> {
    let skip = usize::try_from(skip).unwrap_or(usize::MAX);
    let take = usize::try_from(take).unwrap_or(usize::MAX);
    items.into_iter().skip(skip).take(take).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paging_defaults_apply_when_either_half_is_missing() {
        assert_eq!(page(None, None, 6, 100), Ok((0, 6)));
        assert_eq!(page(Some(3), None, 6, 100), Ok((0, 6)));
        assert_eq!(page(None, Some(50), 10, 100), Ok((0, 10)));
        assert_eq!(page(Some(2), Some(50), 10, 100), Ok((100, 50)));
        assert_eq!(page(Some(u64::MAX), Some(100), 10, 100), Ok((u64::MAX, 100)));
        assert_eq!(page(Some(0), Some(0), 6, 100).unwrap_err().code(), "InvalidParameter.PageSize");
        assert_eq!(page(Some(0), Some(101), 6, 100).unwrap_err().code(), "InvalidParameter.PageSizeOversize");
        assert_eq!(page(Some(0), Some(7), 6, 6).unwrap_err().code(), "InvalidParameter.PageSizeOversize");
        assert_eq!(page(Some(0), Some(100), 6, 100), Ok((0, 100)));
    }

    #[test]
    fn slicing_past_the_end_is_empty() {
        assert_eq!(slice(vec![1, 2, 3], (2, 2)), vec![3]);
        assert!(slice(vec![1, 2, 3], (u64::MAX, u64::MAX)).is_empty());
    }
}
