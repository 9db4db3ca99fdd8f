//! Which way each catalogued action is answered, and the call that answers it: its handler, a
//! response generated from the API definition, or the error of a retired action.

use serde_json::Value;

use crate::actions::{self, Ctx, Output};
use crate::catalog::respond::{self, Inputs};
use crate::catalog::{self, Action, Edition};
use crate::config::Unimplemented;
use crate::error::{ApiError, ApiResult};

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
    if action.status == "deprecated" {
        Implementation::Retired
    } else if actions::handler(&action.name).is_some() {
        Implementation::Semantic
    } else if action.name == "TextToSpeechSSE" {
        Implementation::GeneratedStream
    } else {
        Implementation::Generated
    }
}

/// What the generated answers depend on besides the request.
pub struct Generation<'a> {
    pub seed: u64,
    pub unimplemented: Unimplemented,
    pub media_url_base: &'a str,
}

/// Answers `action` on validated `input`.
pub fn dispatch(action: &Action, ctx: &Ctx<'_>, generation: &Generation<'_>, input: Value) -> ApiResult<Output> {
    let implementation = implementation(action);
    if generation.unimplemented == Unimplemented::Error
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
    let inputs = Inputs {
        action,
        input: &input,
        seed: generation.seed,
        now: ctx.now,
        media_url_base: generation.media_url_base,
    };
    match implementation {
        Implementation::Semantic => match actions::handler(&action.name) {
            Some(run) => run(ctx, input),
            None => Err(ApiError::internal_error()),
        },
        Implementation::GeneratedStream => Ok(Output::Events(respond::speech_chunks(&inputs))),
        Implementation::Retired => Err(ApiError::unsupported_operation(
            format!("The action `{}` has been taken offline.", action.name),
            format!("接口 `{}` 已下线。", action.name),
        )),
        Implementation::Generated => {
            serde_json::to_vec(&respond::answer(catalog::get(), &inputs)).map(Output::Json).map_err(|e| {
                tracing::error!(error = %e, "generated output does not serialize");
                ApiError::internal_error()
            })
        }
    }
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
                Edition::Cn => "CN",
                Edition::Intl => "intl",
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
    fn every_action_has_one_implementation_and_every_handler_an_action() {
        let catalog = catalog::get();
        let count = |kind| catalog.actions().into_iter().filter(|a| implementation(a) == kind).count();
        assert_eq!(count(Implementation::Semantic), actions::HANDLERS.len());
        assert_eq!(count(Implementation::GeneratedStream), 1);
        assert_eq!(count(Implementation::Retired), 1);
        assert_eq!(coverage_table().lines().count(), 2 + 89);
        for (name, _) in actions::HANDLERS {
            assert!(catalog.action(name).is_some_and(|a| a.status != "deprecated"), "{name}");
        }
    }
}
