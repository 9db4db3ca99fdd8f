//! Action handlers: thin, typed, transport-free.
//!
//! A handler receives validated typed input and a [`Ctx`] (the world, the calling account, the
//! virtual `now`), and returns typed output or an [`ApiError`]. [`dispatch`] is the one place
//! that maps action names to handlers.

pub mod monitoring;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::catalog::Action;
use crate::config::Account;
use crate::error::{ApiError, ApiResult};
use crate::world::World;

/// What a handler may use besides its input.
pub struct Ctx<'a> {
    pub world: &'a World,
    pub account: &'a Account,
    /// Virtual now of this request, Unix seconds.
    pub now: u64,
}

/// Actions with a hand-written handler; every other catalogued action is answered from its
/// schema.
pub const SEMANTIC: &[&str] = &["DescribeRoomInfo", "DescribeUserInfo"];

/// Runs the handler of `action`; `None` when the action has none.
pub fn dispatch(action: &Action, ctx: &Ctx<'_>, input: Value) -> Option<ApiResult<Vec<u8>>> {
    let result = match action.name.as_str() {
        "DescribeRoomInfo" => typed(monitoring::describe_room_info, ctx, input),
        "DescribeUserInfo" => typed(monitoring::describe_user_info, ctx, input),
        _ => return None,
    };
    Some(result)
}

fn typed<I, O>(handler: fn(&Ctx<'_>, I) -> ApiResult<O>, ctx: &Ctx<'_>, input: Value) -> ApiResult<Vec<u8>>
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
    serde_json::to_vec(&output).map_err(|e| {
        tracing::error!(error = %e, "output does not serialize");
        ApiError::internal_error()
    })
}
