//! Action handlers: thin, typed, transport-free.
//!
//! A handler receives validated typed input and a [`Ctx`] (the world, the calling account, the
//! virtual `now`), and returns typed output or an [`ApiError`]. [`dispatch`] is the one place
//! that maps action names to handlers; every catalogued action without one is answered from its
//! schema ([`crate::catalog::respond`]), or refused when `--unimplemented error` says so.

pub mod monitoring;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::catalog::respond::{self, Inputs};
use crate::catalog::{self, Action};
use crate::config::{Account, Unimplemented};
use crate::error::{ApiError, ApiResult};
use crate::world::World;

/// What a handler may use besides its input.
pub struct Ctx<'a> {
    pub world: &'a World,
    pub account: &'a Account,
    /// Virtual now of this request, Unix seconds.
    pub now: u64,
    pub seed: u64,
    pub unimplemented: Unimplemented,
    pub media_url_base: &'a str,
}

/// An action's answer: the fields of `Response` as a JSON object, or a stream of server-sent
/// events (each a JSON object; the envelope adds the RequestId to each).
#[derive(Debug)]
pub enum Output {
    Json(Vec<u8>),
    Events(Vec<Map<String, Value>>),
}

/// How an action is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Implementation {
    /// A hand-written handler over the world.
    Semantic,
    /// A response of the right shape generated from the API definition.
    Generated,
    /// Server-sent events generated from the request (`TextToSpeechSSE`).
    GeneratedStream,
    /// Taken offline by Tencent: always `UnsupportedOperation`, as the real service answers.
    Retired,
}

impl Implementation {
    pub fn label(self) -> &'static str {
        match self {
            Implementation::Semantic => "semantic",
            Implementation::Generated => "schema-generated",
            Implementation::GeneratedStream => "schema-generated (event stream)",
            Implementation::Retired => "retired: UnsupportedOperation",
        }
    }
}

/// How `action` is answered.
pub fn implementation(action: &Action) -> Implementation {
    match action.name.as_str() {
        "DescribeRoomInfo" | "DescribeUserInfo" => Implementation::Semantic,
        "TextToSpeechSSE" => Implementation::GeneratedStream,
        _ if action.status == "deprecated" => Implementation::Retired,
        _ => Implementation::Generated,
    }
}

/// Runs `action` on validated `input`.
pub fn dispatch(action: &Action, ctx: &Ctx<'_>, input: Value) -> ApiResult<Output> {
    let implementation = implementation(action);
    if ctx.unimplemented == Unimplemented::Error
        && matches!(implementation, Implementation::Generated | Implementation::GeneratedStream)
    {
        return Err(ApiError::unsupported_operation(
            format!(
                "The action `{}` is not implemented by trtc-mock (started with --unimplemented error).",
                action.name
            ),
            format!("trtc-mock 未实现接口 `{}`（以 --unimplemented error 启动）。", action.name),
        ));
    }
    let inputs = Inputs { action, input: &input, seed: ctx.seed, now: ctx.now, media_url_base: ctx.media_url_base };
    match (implementation, action.name.as_str()) {
        (Implementation::Semantic, "DescribeRoomInfo") => typed(monitoring::describe_room_info, ctx, input),
        (Implementation::Semantic, "DescribeUserInfo") => typed(monitoring::describe_user_info, ctx, input),
        (Implementation::GeneratedStream, _) => Ok(Output::Events(respond::speech_chunks(&inputs))),
        (Implementation::Retired, _) => Err(ApiError::unsupported_operation(
            format!("The action `{}` has been taken offline.", action.name),
            format!("接口 `{}` 已下线。", action.name),
        )),
        _ => serde_json::to_vec(&respond::answer(catalog::get(), &inputs)).map(Output::Json).map_err(|e| {
            tracing::error!(error = %e, "generated output does not serialize");
            ApiError::internal_error()
        }),
    }
}

fn typed<I, O>(handler: fn(&Ctx<'_>, I) -> ApiResult<O>, ctx: &Ctx<'_>, input: Value) -> ApiResult<Output>
where
    I: DeserializeOwned,
    O: Serialize,
{
    // Validation against the catalogue ran first, so a failure here is a bug of ours.
    let input = serde_json::from_value(input).map_err(|e| {
        tracing::error!(error = %e, "validated input does not fit the handler's type");
        ApiError::internal_error()
    })?;
    let output = handler(ctx, input)?;
    serde_json::to_vec(&output).map(Output::Json).map_err(|e| {
        tracing::error!(error = %e, "output does not serialize");
        ApiError::internal_error()
    })
}

/// The coverage table: every action with its editions, status and how it is answered, as the
/// Markdown table that `trtc-mock actions` prints and the README carries.
pub fn coverage_table() -> String {
    let mut out = String::from("| action | editions | status | answered by |\n|---|---|---|---|\n");
    for action in catalog::get().actions() {
        let editions: Vec<&str> = action
            .editions
            .iter()
            .map(|e| match e {
                catalog::Edition::Cn => "CN",
                catalog::Edition::Intl => "intl",
            })
            .collect();
        out.push_str(&format!(
            "| `{}` | {} | {} | {} |\n",
            action.name,
            editions.join(", "),
            action.status,
            implementation(action).label()
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_has_one_implementation() {
        let catalog = catalog::get();
        let count = |kind| catalog.actions().into_iter().filter(|a| implementation(a) == kind).count();
        assert_eq!(count(Implementation::Semantic), 2);
        assert_eq!(count(Implementation::GeneratedStream), 1);
        assert_eq!(count(Implementation::Retired), 1);
        assert_eq!(count(Implementation::Generated), 85);
        assert_eq!(coverage_table().lines().count(), 2 + 89);
    }
}
