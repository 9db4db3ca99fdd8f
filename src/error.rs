//! The one error type of the API: a Tencent error code with its message in both languages.
//!
//! Every failure a client can see — gateway, validation or business — is an [`ApiError`]; the
//! envelope builder is the only place that turns one into bytes. Messages of the common codes
//! follow the real gateway's wording as quoted in public reports; business codes take their
//! message from TRTC's error-code table (`spec/error-codes.json`, generated with the catalogue
//! from the official SDKs' error-code lists). Where no real Chinese message is on record, the
//! Chinese text is the official error-code table's description, with the parameter named.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::sync::LazyLock;

use serde::Deserialize;

/// The API version, named in the messages of some common codes.
const VERSION: &str = "2019-07-22";

#[derive(Deserialize)]
struct Messages {
    en: String,
    zh: String,
}

#[derive(Deserialize)]
struct Table {
    error_messages: HashMap<String, Messages>,
}

static TABLE: LazyLock<Table> = LazyLock::new(|| {
    serde_json::from_str(include_str!("../spec/error-codes.json")).expect("the embedded error-code table is valid")
});

/// English and Chinese message of a TRTC business error code, from the error-code table.
pub fn business_message(code: &str) -> Option<(&'static str, &'static str)> {
    TABLE.error_messages.get(code).map(|m| (m.en.as_str(), m.zh.as_str()))
}

/// The common error codes of API 3.0, which any action may answer besides its own.
pub const COMMON_CODES: &[&str] = &[
    "ActionOffline",
    "AuthFailure.InvalidAuthorization",
    "AuthFailure.InvalidSecretId",
    "AuthFailure.MFAFailure",
    "AuthFailure.SecretIdNotFound",
    "AuthFailure.SignatureExpire",
    "AuthFailure.SignatureFailure",
    "AuthFailure.TokenFailure",
    "AuthFailure.UnauthorizedOperation",
    "DryRunOperation",
    "FailedOperation",
    "InternalError",
    "InvalidAction",
    "InvalidParameter",
    "InvalidParameterValue",
    "InvalidRequest",
    "IpInBlacklist",
    "IpNotInWhitelist",
    "LimitExceeded",
    "MissingParameter",
    "NoSuchProduct",
    "NoSuchVersion",
    "RequestLimitExceeded",
    "RequestLimitExceeded.GlobalRegionUinLimitExceeded",
    "RequestLimitExceeded.IPLimitExceeded",
    "RequestLimitExceeded.UinLimitExceeded",
    "RequestSizeLimitExceeded",
    "ResourceInUse",
    "ResourceInsufficient",
    "ResourceNotFound",
    "ResourceUnavailable",
    "ResponseSizeLimitExceeded",
    "ServiceUnavailable",
    "UnauthorizedOperation",
    "UnknownParameter",
    "UnsupportedOperation",
    "UnsupportedProtocol",
    "UnsupportedRegion",
];

/// Whether `code` is in TRTC's error-code table.
pub fn is_business_code(code: &str) -> bool {
    TABLE.error_messages.contains_key(code)
}

/// Language of `Error.Message`, chosen by `X-TC-Language` / `Language`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Language {
    /// `en-US`, and what callers get when they send no language.
    #[default]
    English,
    /// `zh-CN`.
    Chinese,
}

impl Language {
    /// Parses the wire value; `None` for anything but the two documented values.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "en-US" => Some(Self::English),
            "zh-CN" => Some(Self::Chinese),
            _ => None,
        }
    }
}

type Text = Cow<'static, str>;

/// A Tencent Cloud API error: code plus English and Chinese message.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiError {
    code: Text,
    en: Text,
    zh: Text,
}

/// Result alias used along the whole request path.
pub type ApiResult<T> = Result<T, ApiError>;

impl fmt::Debug for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.en)
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}] {}", self.code, self.en)
    }
}

impl std::error::Error for ApiError {}

impl ApiError {
    /// An error with explicit messages.
    pub fn new(code: impl Into<Text>, en: impl Into<Text>, zh: impl Into<Text>) -> Self {
        Self { code: code.into(), en: en.into(), zh: zh.into() }
    }

    /// A TRTC business code (`InvalidParameter.PageSize`, …) with the message of the catalogue's
    /// error table; unknown codes fall back to the code's own name.
    pub fn business(code: &'static str) -> Self {
        match business_message(code) {
            Some((en, zh)) => Self::new(code, en.to_owned(), zh.to_owned()),
            None => Self::new(code, code, code),
        }
    }

    /// A business code with a message more precise than the table's.
    pub fn business_with(code: &'static str, en: impl Into<Text>, zh: impl Into<Text>) -> Self {
        Self::new(code, en, zh)
    }

    pub fn code(&self) -> &str {
        &self.code
    }

    pub fn message(&self, language: Language) -> &str {
        match language {
            Language::English => &self.en,
            Language::Chinese => &self.zh,
        }
    }

    // ---- transport ----------------------------------------------------------------------

    pub fn unsupported_protocol() -> Self {
        Self::new(
            "UnsupportedProtocol",
            "HTTP(S) request protocol error; only GET and POST requests are supported.",
            "http(s) 请求协议错误，只支持 GET 和 POST 请求。",
        )
    }

    pub fn request_size_limit(limit: usize) -> Self {
        Self::new(
            "RequestSizeLimitExceeded",
            format!("The request size exceeds the limit of `{limit}` bytes."),
            format!("请求包超过限制大小 `{limit}` 字节。"),
        )
    }

    /// What the real gateway answers for a v1 (HmacSHA1/HmacSHA256) POST body over 1 MiB.
    /// Headers past what the HTTP layer reads (more than 100 lines, or about 400 KiB).
    pub fn request_headers_too_large() -> Self {
        Self::new(
            "RequestSizeLimitExceeded",
            "The request headers exceed the limit of 100 headers or 408 KiB.",
            "请求头部超过限制：最多 100 个头部或 408 KiB。",
        )
    }

    /// Parameters holding more values than the emulator builds.
    pub fn too_many_values(limit: usize) -> Self {
        Self::new(
            "RequestSizeLimitExceeded",
            format!("The request parameters hold more than `{limit}` values."),
            format!("请求参数超过 `{limit}` 个值的限制。"),
        )
    }

    /// A request the HTTP layer could not parse (a control byte in a header, a bad request line…).
    pub fn malformed_http() -> Self {
        Self::new(
            "InvalidParameter",
            "The HTTP request is malformed: its request line or a header could not be parsed.",
            "参数错误：HTTP 请求格式错误，请求行或头部无法解析。",
        )
    }

    /// A body that could not be read whole: it did not arrive in time, or the connection broke.
    pub fn request_body_unreadable(detail: &str) -> Self {
        Self::new(
            "InvalidParameter",
            format!("The request body could not be read: {detail}."),
            format!("参数错误：请求包体无法读取：{detail}。"),
        )
    }

    pub fn v1_body_too_large() -> Self {
        Self::new(
            "AuthFailure.SignatureFailure",
            "The provided credentials could not be validated because of exceeding request size limit, please use new signature method `TC3-HMAC-SHA256`.",
            "由于请求包大小超过限制，请求签名验证失败，请使用新的签名方法 `TC3-HMAC-SHA256`",
        )
    }

    // ---- common parameters --------------------------------------------------------------

    pub fn missing_parameter(name: &str) -> Self {
        Self::new(
            "MissingParameter",
            format!("The request is missing a required parameter `{name}`."),
            format!("缺少参数错误：`{name}`。"),
        )
    }

    /// A common parameter that is not of its type (`Timestamp`, `Nonce`).
    pub fn parameter_type_error(name: &str) -> Self {
        Self::new(
            "InvalidParameter",
            format!("Parameter `{name}` type error."),
            format!("参数错误：`{name}` 类型错误。"),
        )
    }

    pub fn malformed_form() -> Self {
        Self::new(
            "InvalidParameter",
            "Url key and value should be splited by `=`.",
            "参数错误：Url 的键和值应以 `=` 分隔。",
        )
    }

    pub fn malformed_json() -> Self {
        Self::new(
            "InvalidParameter",
            "The request body is not a valid JSON object.",
            "参数错误：请求包体不是合法的 JSON 对象。",
        )
    }

    pub fn invalid_action(action: &str) -> Self {
        Self::new(
            "InvalidAction",
            format!(
                "The request action=`{action}` is invalid or not found in service=`trtc` and version=`{}`.",
                VERSION
            ),
            format!("接口不存在：action=`{action}`。"),
        )
    }

    pub fn no_such_version(version: &str) -> Self {
        Self::new(
            "NoSuchVersion",
            format!("The specified api version=`{version}` does not exist in service=`trtc`."),
            format!("接口版本不存在：version=`{version}`。"),
        )
    }

    /// A region name that is not a region; `param` is how the client sent it.
    pub fn invalid_region(param: &str) -> Self {
        Self::new(
            "InvalidParameterValue",
            format!("A value specified in `{param}` is not valid, is unsupported, or cannot be used."),
            format!("参数取值错误：`{param}`。"),
        )
    }

    pub fn unsupported_region() -> Self {
        Self::new("UnsupportedRegion", "The action not support this region.", "接口不支持所传地域。")
    }

    pub fn invalid_language() -> Self {
        Self::new(
            "InvalidParameterValue",
            "A value specified in `Language` is not valid, is unsupported, or cannot be used.",
            "参数取值错误：`Language`。",
        )
    }

    // ---- authentication -----------------------------------------------------------------

    pub fn invalid_authorization(detail: &str) -> Self {
        Self::new(
            "AuthFailure.InvalidAuthorization",
            format!("The request `Authorization` header does not conform to tencentcloud standards: {detail}."),
            format!("请求头部的 Authorization 不符合腾讯云标准：{detail}。"),
        )
    }

    pub fn signature_expire() -> Self {
        Self::new(
            "AuthFailure.SignatureExpire",
            "The signature is expired, please request again.",
            "签名过期。Timestamp 和服务器时间相差不得超过五分钟，请检查本地时间是否和标准时间同步。",
        )
    }

    pub fn secret_id_not_found() -> Self {
        Self::new(
            "AuthFailure.SecretIdNotFound",
            "The SecretId is not found, please ensure that your SecretId is correct.",
            "SecretId不存在，请输入正确的密钥。",
        )
    }

    pub fn signature_failure() -> Self {
        Self::new(
            "AuthFailure.SignatureFailure",
            "The provided credentials could not be validated. Please check your signature is correct.",
            "请求签名验证失败，请检查您的签名计算是否正确。",
        )
    }

    pub fn token_failure() -> Self {
        Self::new("AuthFailure.TokenFailure", "The provided token is invalid or expired.", "token 错误。")
    }

    // ---- throttling ---------------------------------------------------------------------

    /// `count` is this request's ordinal in the current window, `limit` the window's budget.
    pub fn request_limit_exceeded(count: u64, limit: u64) -> Self {
        Self::new(
            "RequestLimitExceeded",
            format!(
                "Your current request times equals to `{count}` in a second, which exceeds the frequency limit `{limit}` for a second. Please reduce the frequency of calls."
            ),
            format!("您当前每秒请求 `{count}` 次，超过了每秒频率上限 `{limit}`，请稍后重试。"),
        )
    }

    // ---- business parameters ------------------------------------------------------------

    pub fn unknown_parameter(path: &str) -> Self {
        Self::new(
            "UnknownParameter",
            format!("The parameter `{path}` is not recognized."),
            "未知参数错误，用户多传未定义的参数会导致错误。",
        )
    }

    /// A value of the wrong JSON type; `expected` is the catalogue's type name.
    pub fn invalid_parameter_type(path: &str, expected: &str) -> Self {
        Self::new(
            "InvalidParameter",
            format!("The value type of parameter `{path}` is not valid."),
            format!("参数 `{path}` 取值类型错误。参数类型应为 `{expected}`"),
        )
    }

    /// A value outside what the parameter accepts; `value` is shown as the client sent it.
    pub fn invalid_parameter_value(path: &str, value: &str) -> Self {
        Self::new(
            "InvalidParameterValue",
            format!("The value `{value}` specified in the parameter `{path}` is not valid."),
            format!("参数取值错误：参数`{path}`的值`{value}`无效。"),
        )
    }

    // ---- server side --------------------------------------------------------------------

    pub fn internal_error() -> Self {
        Self::new(
            "InternalError",
            "An internal error has occurred. Retry your request, but if the problem persists, contact us.",
            "内部错误。",
        )
    }

    pub fn unsupported_operation(en: impl Into<Text>, zh: impl Into<Text>) -> Self {
        Self::new("UnsupportedOperation", en, zh)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_limit_message_names_count_and_limit() {
        let err = ApiError::request_limit_exceeded(21, 20);
        assert_eq!(err.code(), "RequestLimitExceeded");
        assert_eq!(
            err.message(Language::English),
            "Your current request times equals to `21` in a second, which exceeds the frequency limit `20` for a second. Please reduce the frequency of calls."
        );
        assert_eq!(err.message(Language::Chinese), "您当前每秒请求 `21` 次，超过了每秒频率上限 `20`，请稍后重试。");
    }

    #[test]
    fn language_parses_only_documented_values() {
        assert_eq!(Language::parse("zh-CN"), Some(Language::Chinese));
        assert_eq!(Language::parse("en-US"), Some(Language::English));
        assert_eq!(Language::parse("fr-FR"), None);
    }
}
