//! `GET /_mock/tasks?sdk_app_id=N[&family=…][&task_id=…]`: the tasks an app started through
//! the API, each as it stands at the virtual now — its room and robot, its state and every
//! change of it with its time, why it ended, the parameters in force and what it bills its room
//! for; a recording's or a slicing task's files too, at the URL they would have under
//! `--media-url-base`. What the Describe actions stop showing (a task gone, a handle expired)
//! stays here. The app's uploaded pictures (CreatePicture) are listed beside its tasks.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{ok, reply};
use crate::app::App;
use crate::world::model::{Codec, Services};
use crate::world::running::TaskView;
use crate::world::task_files::{self, Storage};
use crate::world::tasks::Family;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TasksQuery {
    sdk_app_id: u64,
    #[serde(default)]
    family: Option<String>,
    #[serde(default)]
    task_id: Option<String>,
}

pub async fn list(
    State(app): State<Arc<App>>,
    query: Result<Query<TasksQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let Ok(Query(query)) = query else {
        return reply(
            StatusCode::BAD_REQUEST,
            json!({"error": "GET /_mock/tasks?sdk_app_id=N[&family=F][&task_id=T]"}),
        );
    };
    let family = match query.family.as_deref().map(|f| Family::parse(f).ok_or(f)) {
        None => None,
        Some(Ok(family)) => Some(family),
        Some(Err(name)) => {
            let names: Vec<&str> = Family::ALL.iter().map(|f| f.name()).collect();
            return reply(
                StatusCode::BAD_REQUEST,
                json!({"error": format!("unknown task family {name:?} (one of {})", names.join(", "))}),
            );
        }
    };
    let now = u64::try_from(app.world.clock.now()).unwrap_or_default();
    let tasks: Vec<Value> = app
        .world
        .tasks(query.sdk_app_id, family, now)
        .iter()
        .filter(|v| query.task_id.as_deref().is_none_or(|id| v.task.id == id))
        .map(|v| task_view(v, &app.config.media_url_base, now))
        .collect();
    let pictures: Vec<Value> = app
        .world
        .pictures(query.sdk_app_id)
        .iter()
        .map(|p| {
            json!({
                "picture_id": p.id, "suffix": p.suffix, "bytes": p.bytes,
                "pixels": {"width": p.pixels.0, "height": p.pixels.1},
                "width": p.width, "height": p.height, "x_position": p.x, "y_position": p.y,
                "created_at": p.created_at,
            })
        })
        .collect();
    ok(json!({
        "sdk_app_id": query.sdk_app_id, "now": now, "tasks": tasks, "pictures": pictures,
        "speech": speech(&app, query.sdk_app_id),
    }))
}

/// The app's cloned voices and vocabularies (what the speech actions made besides tasks).
fn speech(app: &App, sdk_app_id: u64) -> Value {
    let speech = app.world.speech(sdk_app_id);
    let voices: Vec<Value> = speech
        .voices
        .iter()
        .map(|v| json!({"voice_id": v.voice_id, "name": v.name, "model": v.model, "created_at": v.created_at, "prompt_ms": v.prompt_ms}))
        .collect();
    let vocabularies: Vec<Value> = speech
        .vocabs
        .iter()
        .map(|v| json!({"vocab_id": v.vocab_id, "name": v.name, "words": v.words.len(), "state": v.state, "updated_at": v.updated_at}))
        .collect();
    json!({"voices": voices, "vocabularies": vocabularies})
}

/// One task as the control plane shows it.
pub fn task_view(view: &TaskView, media_url_base: &str, now: u64) -> Value {
    let task = &view.task;
    let room = task.room.as_ref().map(|(key, comm_id)| {
        json!({
            "room_id": if key.numeric { json!(key.id.parse::<u64>().unwrap_or_default()) } else { json!(key.id) },
            "comm_id": comm_id,
        })
    });
    let history: Vec<Value> =
        view.lifecycle.changes.iter().map(|(at, state)| json!({"at": at, "state": state.name()})).collect();
    let mut shown = json!({
        "task_id": task.id,
        "family": task.family.name(),
        "created_at": task.created_at,
        "state": view.state(now).name(),
        "history": history,
        "ended": view.lifecycle.ended.map(|(at, end)| json!({"at": at, "reason": end.name()})),
        "handle_expires": task.handle_expires(),
        "answers": view.answers,
        "room": room,
        "robot": task.robot.as_ref().map(|r| json!({"user_id": r.user_id, "role": r.role.name()})),
        "services": services(&task.services),
        "params": task.params_at(now),
        "updates": task.params.len().saturating_sub(1),
    });
    match task.family {
        Family::CloudRecording => shown["files"] = Value::Array(files(view, media_url_base, now)),
        Family::CloudSlice => shown["files"] = Value::Array(slice_files(view, media_url_base, now)),
        _ => {}
    }
    shown
}

/// A slicing task's files, each with where its storage would hold it:
/// `<base>/<cos|aws|oss>/<Bucket>/<FileNamePrefix…>/<TaskId>/<UserId>/<audios|images>/<name>`.
fn slice_files(view: &TaskView, media_url_base: &str, now: u64) -> Vec<Value> {
    let params = view.task.params_at(now);
    let storage = &params["SliceStorageParams"]["CloudSliceStorage"];
    let vendor = match storage["Vendor"].as_u64() {
        Some(1) => "aws",
        Some(2) => "oss",
        _ => "cos",
    };
    let mut dir = vec![media_url_base.trim_end_matches('/').to_owned(), vendor.to_owned()];
    dir.push(storage["Bucket"].as_str().unwrap_or_default().to_owned());
    dir.extend(
        storage["FileNamePrefix"].as_array().into_iter().flatten().filter_map(|p| p.as_str()).map(str::to_owned),
    );
    let dir = dir.join("/");
    task_files::slice_files(view, now)
        .into_iter()
        .map(|f| {
            json!({
                "user_id": f.user_id,
                "kind": f.kind,
                "path": f.path,
                "begin_time": f.begin,
                "url": format!("{dir}/{}", f.path),
            })
        })
        .collect()
}

/// A recording's index files as the action lists them, each with where the bucket would hold it:
/// `<base>/cos/<Bucket>/<FileNamePrefix…>/<FileName>`; in VOD, the files committed once complete.
fn files(view: &TaskView, media_url_base: &str, now: u64) -> Vec<Value> {
    let params = view.task.params_at(now);
    let storage = &params["StorageParams"]["CloudStorage"];
    let mut dir = vec![media_url_base.trim_end_matches('/').to_owned(), "cos".to_owned()];
    dir.push(storage["Bucket"].as_str().unwrap_or_default().to_owned());
    dir.extend(
        storage["FileNamePrefix"].as_array().into_iter().flatten().filter_map(|p| p.as_str()).map(str::to_owned),
    );
    let dir = dir.join("/");
    if task_files::recording_storage(view, now) == Storage::Vod {
        // Committed to VOD once complete, as the 311 callbacks tell.
        return task_files::vod_files(view, now, media_url_base)
            .into_iter()
            .map(|f| {
                json!({
                    "user_id": f.user_id,
                    "track_type": f.track_type,
                    "media_id": f.media,
                    "file_id": f.file_id,
                    "cache_file": f.cache_file,
                    "begin_time_stamp": f.begin.saturating_mul(1000),
                    "end_time_stamp": f.end.saturating_mul(1000),
                    "url": f.video_url,
                })
            })
            .collect();
    }
    task_files::recording_files(view, now)
        .into_iter()
        .map(|f| {
            json!({
                "user_id": f.user_id,
                "file_name": f.file_name,
                "track_type": f.track_type,
                "begin_time_stamp": f.begin.saturating_mul(1000),
                "url": format!("{dir}/{}", f.file_name),
            })
        })
        .collect()
}

/// What a task bills its room for, by name.
fn services(s: &Services) -> Vec<Value> {
    let mut out = Vec::new();
    if s.single_recording {
        out.push(json!({"service": "single_recording"}));
    }
    if let Some(r) = s.mixed_recording {
        out.push(json!({"service": "mixed_recording", "width": r.width, "height": r.height}));
    }
    if let Some((r, codec)) = s.mixing {
        let codec = match codec {
            Codec::H264 => "h264",
            Codec::H265 => "h265",
        };
        out.push(json!({"service": "mixing", "width": r.width, "height": r.height, "codec": codec}));
    }
    if let Some(kbps) = s.relay_kbps {
        out.push(json!({"service": "relay", "kbps": kbps}));
    }
    if let Some(ai) = s.ai_conversation {
        out.push(json!({"service": "ai_conversation", "tts": ai.tts}));
    }
    if let Some(t) = s.transcription {
        out.push(json!({"service": "transcription", "translation": t.translation}));
    }
    if let Some(m) = s.moderation {
        out.push(json!({"service": "moderation", "audio": m.audio, "picture_interval": m.picture_interval}));
    }
    if let Some(m) = s.slicing {
        out.push(json!({"service": "slicing", "audio": m.audio, "picture_interval": m.picture_interval}));
    }
    if s.dedicated_acceleration {
        out.push(json!({"service": "dedicated_acceleration"}));
    }
    out
}
