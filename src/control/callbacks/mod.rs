//! TRTC's server callbacks and the app keys behind UserSigs: what the real service keeps in its
//! console, set here through the control plane or the apps file.
//!
//! | endpoint | does |
//! |---|---|
//! | `GET/PUT/DELETE /_mock/apps/{id}/callbacks` | an app's callback key and URLs |
//! | `GET/PUT/DELETE /_mock/apps/{id}/usersig-key` | an app's SDK secret key (UserSigs are then verified) |
//! | `POST /_mock/usersig` | mints a UserSig with the app's key, at the virtual now |
//! | `GET /_mock/callbacks` | the deliveries: event, URL, attempts, status, body, Sign |
//! | `POST /_mock/callbacks/deliver` | sends what fell due now, and answers when done |
//! | `POST /_mock/callbacks/{id}/replay` | sends a delivery's body again |

pub mod delivery;
pub mod events;
pub mod settings;
pub mod task_events;

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{bad_request, body, ok, reply};
use crate::app::App;
use crate::pure::usersig;
use settings::Settings;

fn not_configured(what: &str, app: u64) -> Response {
    reply(StatusCode::NOT_FOUND, json!({"error": format!("SdkAppId {app} has no {what}")}))
}

fn now_ms(app: &App) -> u64 {
    u64::try_from(app.world.clock.now_ms()).unwrap_or(0)
}

pub async fn get_settings(State(app): State<Arc<App>>, Path(id): Path<u64>) -> Response {
    match app.callbacks.settings(id) {
        Some(s) => ok(json!({"sdk_app_id": id, "callbacks": s})),
        None => not_configured("callback settings", id),
    }
}

pub async fn put_settings(State(app): State<Arc<App>>, Path(id): Path<u64>, bytes: Bytes) -> Response {
    let value: Value = match serde_json::from_slice(&bytes) {
        Ok(v) => v,
        Err(e) => return bad_request(format!("invalid JSON: {e}")),
    };
    match Settings::parse(value) {
        Ok(s) => {
            app.callbacks.set(id, Some(s.clone()), now_ms(&app));
            ok(json!({"sdk_app_id": id, "callbacks": s}))
        }
        Err(reason) => bad_request(reason),
    }
}

pub async fn delete_settings(State(app): State<Arc<App>>, Path(id): Path<u64>) -> Response {
    app.callbacks.set(id, None, now_ms(&app));
    ok(json!({"sdk_app_id": id, "callbacks": null}))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct KeyBody {
    key: String,
}

pub async fn get_key(State(app): State<Arc<App>>, Path(id): Path<u64>) -> Response {
    match app.world.usersig_keys.get(id) {
        Some(key) => ok(json!({"sdk_app_id": id, "key": key})),
        None => not_configured("UserSig key", id),
    }
}

pub async fn put_key(State(app): State<Arc<App>>, Path(id): Path<u64>, bytes: Bytes) -> Response {
    let request: KeyBody = match body(&bytes) {
        Ok(b) => b,
        Err(reason) => return bad_request(reason),
    };
    if request.key.is_empty() || request.key.len() > 256 {
        return bad_request("key: 1 to 256 characters");
    }
    app.world.usersig_keys.set(id, Some(request.key.clone()));
    ok(json!({"sdk_app_id": id, "key": request.key}))
}

pub async fn delete_key(State(app): State<Arc<App>>, Path(id): Path<u64>) -> Response {
    app.world.usersig_keys.set(id, None);
    ok(json!({"sdk_app_id": id, "key": null}))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct MintBody {
    sdk_app_id: u64,
    user_id: String,
    /// Seconds of validity (default 180 days, the official libraries' default).
    expire: Option<u64>,
    /// With a room (a number: numeric room; a string: string room), a PrivateMapKey for it too.
    room_id: Option<Value>,
    /// The PrivateMapKey's privilege bits (default 255, all).
    privileges: Option<u32>,
}

/// `POST /_mock/usersig`: a UserSig for a test, minted as the official Python library does,
/// with the app's key at the virtual now.
pub async fn mint(State(app): State<Arc<App>>, bytes: Bytes) -> Response {
    let request: MintBody = match body(&bytes) {
        Ok(b) => b,
        Err(reason) => return bad_request(reason),
    };
    if request.user_id.is_empty() {
        return bad_request("user_id is required");
    }
    let Some(key) = app.world.usersig_keys.get(request.sdk_app_id) else {
        return not_configured("UserSig key (PUT /_mock/apps/{id}/usersig-key first)", request.sdk_app_id);
    };
    let time = u64::try_from(app.world.clock.now()).unwrap_or(0);
    let expire = request.expire.unwrap_or(180 * 86_400);
    if time.checked_add(expire).is_none() {
        return bad_request("expire is too large");
    }
    let sig = usersig::mint(&key, request.sdk_app_id, &request.user_id, time, expire);
    let mut answer = json!({"user_sig": sig, "sdk_app_id": request.sdk_app_id, "user_id": request.user_id, "time": time, "expire": expire});
    if let Some(room) = &request.room_id {
        let (room_number, room_string) = match room {
            Value::Number(n) => match n.as_u64().and_then(|n| u32::try_from(n).ok()) {
                Some(n) => (n, None),
                None => return bad_request("room_id must be a room number of at most 4294967295, or a string"),
            },
            Value::String(s) if !s.is_empty() && s.len() <= 64 => (0, Some(s.clone())),
            _ => return bad_request("room_id must be a room number or a string of 1 to 64 characters"),
        };
        let (Ok(sdk_app_id), Ok(expires_at)) = (u32::try_from(request.sdk_app_id), u32::try_from(time + expire)) else {
            return bad_request("a PrivateMapKey holds the SdkAppId and its expiry in 32 bits");
        };
        let permit = usersig::RoomPermit {
            user_id: request.user_id.clone(),
            sdk_app_id,
            room_number,
            room_string,
            expires_at,
            privileges: request.privileges.unwrap_or(255),
        };
        answer["private_map_key"] = json!(usersig::mint_private_map_key(&key, time, expire, &permit));
    }
    ok(answer)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    sdk_app_id: Option<u64>,
    event_type: Option<u64>,
    status: Option<String>,
}

pub async fn list(
    State(app): State<Arc<App>>,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let Ok(Query(query)) = query else {
        return bad_request("GET /_mock/callbacks[?sdk_app_id=N][&event_type=T][&status=pending|delivered|gave_up]");
    };
    let (list, dropped) = app.callbacks.list(query.sdk_app_id);
    let list: Vec<Value> = list
        .into_iter()
        .filter(|d| query.event_type.is_none_or(|t| d.event_type == t))
        .filter_map(|d| serde_json::to_value(d).ok())
        .filter(|d| query.status.as_deref().is_none_or(|s| d["status"] == s))
        .collect();
    ok(json!({"deliveries": list, "dropped": dropped}))
}

pub async fn deliver(State(app): State<Arc<App>>) -> Response {
    let ids = app.callbacks.pump(&app.world).await;
    let list: Vec<Value> =
        ids.iter().filter_map(|id| app.callbacks.get(*id)).filter_map(|d| serde_json::to_value(d).ok()).collect();
    ok(json!({"attempted": list}))
}

pub async fn replay(State(app): State<Arc<App>>, Path(id): Path<u64>) -> Response {
    match app.callbacks.replay(id, &app.world).await {
        Some(d) => ok(serde_json::to_value(d).unwrap_or_default()),
        None => reply(StatusCode::NOT_FOUND, json!({"error": format!("no delivery {id}")})),
    }
}
