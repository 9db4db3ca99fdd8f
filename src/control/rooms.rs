//! `/_mock/rooms`: users join, leave and publish in live rooms as a test needs them, and the
//! rooms in use are listed with their users.
//!
//! ```text
//! POST /_mock/rooms/join     {"sdk_app_id": N, "room_id": 123 | "abc", "user_id": "u", "role": "anchor" | "audience",
//!                             "audio": true, "video": true, "sub_stream": false, "width": 1280, "height": 720}
//! POST /_mock/rooms/leave    {"sdk_app_id": N, "room_id": …, "user_id": "u", "reason": "normal" | "kicked"}
//! POST /_mock/rooms/publish  {"sdk_app_id": N, "room_id": …, "user_id": "u", "audio": …, "video": …, "sub_stream": …}
//! POST /_mock/rooms/role     {"sdk_app_id": N, "room_id": …, "user_id": "u", "role": "anchor" | "audience",
//!                             "audio": true, "video": true, "sub_stream": false}
//! GET  /_mock/rooms?sdk_app_id=N
//! ```
//!
//! A JSON number is a numeric room, a JSON string a string room: separate namespaces, as on
//! TRTC. Changes happen at the virtual now and become history like everything else.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::{body, ok, reply};
use crate::app::App;
use crate::world::live::{Entry, Refusal, Streams};
use crate::world::model::{ExitReason, Resolution, Role, Room};
use crate::world::running::TaskView;
use crate::world::{Change, RoomKey};

/// At most this many rooms are listed (with the total).
const MAX_LISTED: usize = 1000;

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct JoinBody {
    sdk_app_id: u64,
    room_id: Value,
    user_id: String,
    #[serde(default)]
    role: Option<String>,
    #[serde(default = "yes")]
    audio: bool,
    #[serde(default = "yes")]
    video: bool,
    #[serde(default)]
    sub_stream: bool,
    #[serde(default)]
    width: Option<u32>,
    #[serde(default)]
    height: Option<u32>,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct LeaveBody {
    sdk_app_id: u64,
    room_id: Value,
    user_id: String,
    /// `kicked`: removed from the room (as RemoveUser does); default: left by themselves.
    #[serde(default)]
    reason: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct PublishBody {
    sdk_app_id: u64,
    room_id: Value,
    user_id: String,
    #[serde(default)]
    audio: bool,
    #[serde(default)]
    video: bool,
    #[serde(default)]
    sub_stream: bool,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RoleBody {
    sdk_app_id: u64,
    room_id: Value,
    user_id: String,
    role: String,
    #[serde(default = "yes")]
    audio: bool,
    #[serde(default = "yes")]
    video: bool,
    #[serde(default)]
    sub_stream: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoomsQuery {
    sdk_app_id: u64,
}

/// The room id of a body: a number (numeric room) or a string (string room), checked.
fn key(room_id: &Value) -> Result<RoomKey, String> {
    match room_id {
        Value::Number(n) => {
            n.as_u64().ok_or_else(|| format!("room_id {n} is not a room number")).and_then(RoomKey::checked_numeric)
        }
        Value::String(s) => RoomKey::checked_string(s),
        other => Err(format!("room_id must be a number (numeric room) or a string (string room), got {other}")),
    }
}

/// A user id as TRTC takes them: 1 to 32 bytes of letters, digits, `_` and `-`.
fn user(id: &str) -> Result<(), String> {
    let ok =
        !id.is_empty() && id.len() <= 32 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if ok { Ok(()) } else { Err(format!("user_id {id:?} is not 1-32 of a-z A-Z 0-9 _ -")) }
}

fn app_id(sdk_app_id: u64) -> Result<(), String> {
    if sdk_app_id == 0 { Err("sdk_app_id must not be 0".to_owned()) } else { Ok(()) }
}

fn bad_request(error: String) -> Response {
    reply(StatusCode::BAD_REQUEST, json!({"error": error}))
}

fn not_in_room(user_id: &str, key: &RoomKey) -> Response {
    reply(StatusCode::NOT_FOUND, json!({"error": format!("user {user_id} is not in room {}", key.id)}))
}

/// A body and the room it names (`room` reads its SdkAppId and room id), checked.
fn parse<T: DeserializeOwned + Default>(bytes: &Bytes, room: fn(&T) -> (u64, &Value)) -> Result<(T, RoomKey), String> {
    let request: T = body(bytes)?;
    let (sdk_app_id, room_id) = room(&request);
    let key = app_id(sdk_app_id).and_then(|()| key(room_id))?;
    Ok((request, key))
}

fn now(app: &App) -> u64 {
    u64::try_from(app.world.clock.now()).unwrap_or_default()
}

/// Whether `user_id` is in the room `key` of `sdk_app_id` now.
fn present(app: &App, sdk_app_id: u64, key: &RoomKey, user_id: &str) -> bool {
    let now = now(app);
    app.world
        .room_in_use(sdk_app_id, key, now)
        .is_some_and(|room| room.sessions_at(now).any(|s| s.user_id == user_id && room.leave_at(s, now).is_none()))
}

/// Applies a change and answers the room as it stands after it.
fn change(app: &App, sdk_app_id: u64, key: &RoomKey, change: Change) -> Response {
    let now = now(app);
    match app.world.change(sdk_app_id, key, change, now) {
        Ok(()) => match app.world.room_in_use(sdk_app_id, key, now) {
            Some(room) => ok(json!({"room": room_view(&room, &app.world.tasks(sdk_app_id, None, now), now)})),
            None => ok(json!({"room": null, "ended": true})),
        },
        Err(Refusal::RoomNotExist) => {
            reply(StatusCode::NOT_FOUND, json!({"error": format!("no room {} is in use", key.id)}))
        }
        Err(Refusal::UserNotExist) => {
            reply(StatusCode::NOT_FOUND, json!({"error": format!("the user is not in room {}", key.id)}))
        }
    }
}

pub async fn join(State(app): State<Arc<App>>, bytes: Bytes) -> Response {
    let (request, key) = match parse::<JoinBody>(&bytes, |r| (r.sdk_app_id, &r.room_id)) {
        Ok(parsed) => parsed,
        Err(e) => return bad_request(e),
    };
    if let Err(e) = user(&request.user_id) {
        return bad_request(e);
    }
    let role = match parse_role(request.role.as_deref().unwrap_or("anchor")) {
        Ok(role) => role,
        Err(e) => return bad_request(e),
    };
    let video = Resolution::new(request.width.unwrap_or(640), request.height.unwrap_or(360));
    if video.width == 0 || video.height == 0 || video.width > 4096 || video.height > 4096 {
        return reply(StatusCode::BAD_REQUEST, json!({"error": "width and height must be 1 to 4096"}));
    }
    let streams = Streams { audio: request.audio, video: request.video, sub_stream: request.sub_stream };
    let entry = Entry { user_id: request.user_id, role, streams, video, task: None };
    change(&app, request.sdk_app_id, &key, Change::Join(entry))
}

fn parse_role(role: &str) -> Result<Role, String> {
    match role {
        "anchor" => Ok(Role::Anchor),
        "audience" => Ok(Role::Audience),
        other => Err(format!("role {other:?} is not anchor or audience")),
    }
}

/// A user in the room switches role (`switchRole`): to audience stops what they send, to anchor
/// sends the streams named (audio and video unless told otherwise).
pub async fn role(State(app): State<Arc<App>>, bytes: Bytes) -> Response {
    let (request, key) = match parse::<RoleBody>(&bytes, |r| (r.sdk_app_id, &r.room_id)) {
        Ok(parsed) => parsed,
        Err(e) => return bad_request(e),
    };
    let role = match parse_role(&request.role) {
        Ok(role) => role,
        Err(e) => return bad_request(e),
    };
    if !present(&app, request.sdk_app_id, &key, &request.user_id) {
        return not_in_room(&request.user_id, &key);
    }
    let streams = Streams { audio: request.audio, video: request.video, sub_stream: request.sub_stream };
    change(&app, request.sdk_app_id, &key, Change::Role { user_id: request.user_id, role, streams })
}

pub async fn leave(State(app): State<Arc<App>>, bytes: Bytes) -> Response {
    let (request, key) = match parse::<LeaveBody>(&bytes, |r| (r.sdk_app_id, &r.room_id)) {
        Ok(parsed) => parsed,
        Err(e) => return bad_request(e),
    };
    if !present(&app, request.sdk_app_id, &key, &request.user_id) {
        return not_in_room(&request.user_id, &key);
    }
    let reason = match request.reason.as_deref() {
        None | Some("normal") => ExitReason::Normal,
        Some("kicked") => ExitReason::Kicked,
        Some(other) => return bad_request(format!("reason {other:?} is not normal or kicked")),
    };
    change(&app, request.sdk_app_id, &key, Change::Leave { user_id: request.user_id, reason })
}

pub async fn publish(State(app): State<Arc<App>>, bytes: Bytes) -> Response {
    let (request, key) = match parse::<PublishBody>(&bytes, |r| (r.sdk_app_id, &r.room_id)) {
        Ok(parsed) => parsed,
        Err(e) => return bad_request(e),
    };
    let now = now(&app);
    let Some(room) = app.world.room_in_use(request.sdk_app_id, &key, now) else {
        return reply(StatusCode::NOT_FOUND, json!({"error": format!("no room {} is in use", key.id)}));
    };
    let session = room.sessions_at(now).find(|s| s.user_id == request.user_id && room.leave_at(s, now).is_none());
    match session {
        None => not_in_room(&request.user_id, &key),
        Some(s) if s.role_at(now) == Role::Audience => reply(
            StatusCode::CONFLICT,
            json!({"error": format!("user {} is audience: an audience user publishes nothing", request.user_id)}),
        ),
        Some(_) => {
            let streams = Streams { audio: request.audio, video: request.video, sub_stream: request.sub_stream };
            change(&app, request.sdk_app_id, &key, Change::Publish { user_id: request.user_id, streams })
        }
    }
}

pub async fn list(
    State(app): State<Arc<App>>,
    query: Result<Query<RoomsQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let Ok(Query(query)) = query else {
        return reply(StatusCode::BAD_REQUEST, json!({"error": "GET /_mock/rooms?sdk_app_id=N"}));
    };
    let now = now(&app);
    let mut rooms = Vec::new();
    let mut total = 0usize;
    let tasks = app.world.tasks(query.sdk_app_id, None, now);
    app.world.for_each_room(query.sdk_app_id, (now, now), now, |room| {
        if room.destroy_at(now).is_none() {
            total += 1;
            if rooms.len() < MAX_LISTED {
                rooms.push(room_view(room, &tasks, now));
            }
        }
    });
    ok(json!({"sdk_app_id": query.sdk_app_id, "now": now, "total": total, "rooms": rooms}))
}

/// A room in use as the control plane shows it: who is in it, in which role, sending what, and
/// the tasks (of `tasks`, the app's) that work on it and have not ended.
pub fn room_view(room: &Room, tasks: &[TaskView], now: u64) -> Value {
    let users: Vec<Value> = room
        .sessions_at(now)
        .filter(|s| room.leave_at(s, now).is_none())
        .map(|s| {
            // Sending now: a period that began and has not ended.
            let sending: Vec<&str> = s
                .publishing
                .iter()
                .filter(|p| p.start <= now && p.end.is_none_or(|e| e > now))
                .map(|p| p.stream.name())
                .collect();
            json!({
                "user_id": s.user_id,
                "role": s.role_at(now).name(),
                "task_id": s.task,
                "join_ts": s.join_ts,
                "publishing": sending,
                "blocked": s.blocked.iter().map(|b| b.name()).collect::<Vec<_>>(),
                "video": {"width": s.video.width, "height": s.video.height},
            })
        })
        .collect();
    json!({
        "comm_id": room.comm_id,
        "room_id": if room.numeric { json!(room.room_string.parse::<u64>().unwrap_or_default()) } else { json!(room.room_string) },
        "create_time": room.create_time,
        "origin": match room.origin {
            crate::world::model::Origin::Generated => "generated",
            crate::world::model::Origin::Fixture => "fixture",
            crate::world::model::Origin::Made => "made",
        },
        "users": users,
        "tasks": tasks
            .iter()
            .filter(|t| t.running() && t.task.room.as_ref().is_some_and(|(_, c)| *c == room.comm_id))
            .map(|t| json!({"task_id": t.task.id, "family": t.task.family.name(), "state": t.state(now).name()}))
            .collect::<Vec<_>>(),
    })
}
