//! Which way each catalogued action is answered, and the call that answers it: its handler, a
//! response generated from the API definition, or the error of a retired action.

use serde_json::Value;

use crate::actions::generated::{self, Generated, Scalar};
use crate::actions::{self, Ctx, Output};
use crate::catalog::respond::{self, Walk};
use crate::catalog::{self, Action, Edition, Type};
use crate::config::Unimplemented;
use crate::error::{ApiError, ApiResult};

/// How an action is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Implementation {
    /// A hand-written handler over the world.
    Semantic,
    /// A response of the right shape generated from the API definition.
    Generated,
    /// Taken offline by Tencent: always `UnsupportedOperation`, as the real service answers.
    Retired,
}

impl Implementation {
    pub fn label(self) -> &'static str {
        match self {
            Implementation::Semantic => "semantic",
            Implementation::Generated => "schema-generated",
            Implementation::Retired => "retired: UnsupportedOperation",
        }
    }
}

/// How `action` is answered.
pub fn implementation(action: &Action) -> Implementation {
    if action.status == "deprecated" {
        Implementation::Retired
    } else if actions::handler(action.name).is_some() {
        Implementation::Semantic
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
    if generation.unimplemented == Unimplemented::Error && implementation == Implementation::Generated {
        return Err(ApiError::unsupported_operation(
            format!(
                "The action `{}` is not implemented by trtc-mock (started with --unimplemented error).",
                action.name
            ),
            format!("trtc-mock 未实现接口 `{}`（以 --unimplemented error 启动）。", action.name),
        ));
    }
    match implementation {
        Implementation::Semantic => match actions::handler(action.name) {
            Some(run) => run(ctx, input),
            None => Err(ApiError::internal_error()),
        },
        Implementation::Retired => Err(ApiError::unsupported_operation(
            format!("The action `{}` has been taken offline.", action.name),
            format!("接口 `{}` 已下线。", action.name),
        )),
        Implementation::Generated => generate(action, ctx, generation, &input),
    }
}

/// An answer of the right shape generated from the API definition: what an action the
/// definition gains before it has a handler answers.
fn generate(action: &Action, ctx: &Ctx<'_>, generation: &Generation<'_>, input: &Value) -> ApiResult<Output> {
    let values = Generated { action: action.name, input, now: ctx.now, media_url_base: generation.media_url_base };
    let walk = Walk { output: action.output, input, seed: generation.seed, ranges: generated::RANGES };
    let answer = respond::answer(catalog::get(), &walk, &mut |leaf, rng| {
        values.value(leaf.member, scalar(leaf.ty), leaf.index, rng)
    });
    serde_json::to_vec(&answer).map(Output::Json).map_err(|e| {
        tracing::error!(error = %e, "generated output does not serialize");
        ApiError::internal_error()
    })
}

/// The definition's scalar type as the generated values name it (objects are walked, never asked).
fn scalar(ty: Type) -> Scalar {
    match ty {
        Type::String | Type::Object => Scalar::String,
        Type::Date => Scalar::Date,
        Type::Datetime => Scalar::Datetime,
        Type::Uint64 => Scalar::Uint64,
        Type::Int64 => Scalar::Int64,
        Type::Float => Scalar::Float,
        Type::Bool => Scalar::Bool,
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
    use std::sync::Arc;

    use serde_json::json;

    use super::*;
    use crate::config::Account;
    use crate::world::{Clock, Density, Fixtures, Generator, SystemWallClock, World};

    /// The answer the schema walk generates for `action` and `input` (every action has a
    /// handler now: the walk is what an action new to the definition would answer).
    fn generated(action: &str, input: Value, seed: u64) -> Value {
        let clock = Clock::new(Arc::new(SystemWallClock), Some(1_764_000_000), true);
        let world = World::new(clock, Generator::new(1, Density::default()), Fixtures::default());
        let account = Account::new("AKID", "key");
        let ctx = Ctx::new(&world, &account, 1_764_000_000);
        let generation = Generation { seed, unimplemented: Unimplemented::Generate, media_url_base: "https://m.test" };
        match generate(catalog::get().action(action).unwrap(), &ctx, &generation, &input) {
            Ok(Output::Json(bytes)) => serde_json::from_slice(&bytes).unwrap(),
            other => panic!("{action}: {other:?}"),
        }
    }

    fn nulls(value: &Value, path: &str, found: &mut Vec<String>) {
        match value {
            Value::Null => found.push(path.to_owned()),
            Value::Array(items) => items.iter().enumerate().for_each(|(i, v)| nulls(v, &format!("{path}.{i}"), found)),
            Value::Object(map) => map.iter().for_each(|(k, v)| nulls(v, &format!("{path}.{k}"), found)),
            _ => {}
        }
    }

    #[test]
    fn no_generated_answer_holds_a_null() {
        for action in catalog::get().actions().into_iter().filter(|a| implementation(a) != Implementation::Retired) {
            let out = generated(action.name, json!({"SdkAppId": 1400000001u64}), 1);
            let mut found = Vec::new();
            nulls(&out, action.name, &mut found);
            assert!(found.is_empty(), "{found:?}");
        }
    }

    #[test]
    fn generated_answers_are_deterministic_and_depend_on_the_request() {
        // The walk gives a cloud transcription's TaskId the recording family's shape.
        let start = |room: &str, seed| {
            generated(
                "CreateCloudTranscription",
                json!({"SdkAppId": 1400000001u64, "RoomId": room, "RoomIdType": 0}),
                seed,
            )
        };
        let a = start("r1", 1);
        assert_eq!(a, start("r1", 1));
        assert_ne!(a["TaskId"], start("r2", 1)["TaskId"]);
        assert_ne!(a["TaskId"], start("r1", 2)["TaskId"]);
        let task = a["TaskId"].as_str().unwrap();
        assert!(task.starts_with('-') && task.ends_with('.') && task.len() == 74, "{task}");
        let described =
            generated("DescribeCloudTranscription", json!({"SdkAppId": 1400000001u64, "TaskId": "-abc."}), 1);
        assert_eq!(described["TaskId"], "-abc.", "the request's TaskId is echoed");
        assert!(described["Status"].is_string());
    }

    #[test]
    fn every_action_has_one_implementation_and_every_handler_an_action() {
        let catalog = catalog::get();
        let count = |kind| catalog.actions().into_iter().filter(|a| implementation(a) == kind).count();
        assert_eq!(count(Implementation::Semantic), actions::HANDLERS.len());
        assert_eq!(count(Implementation::Retired), 1);
        assert_eq!(coverage_table().lines().count(), 2 + 89);
        for (name, _) in actions::HANDLERS {
            assert!(catalog.action(name).is_some_and(|a| a.status != "deprecated"), "{name}");
        }
    }
}
