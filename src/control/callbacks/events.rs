//! What TRTC would call back about, read off the world: the room and media events of the
//! timeline (groups 1 and 2) and the lifecycle of each task (recording 3, relay 4, stream
//! ingest 7, web record 8), each with its `EventInfo` laid out and typed as documented.

use std::sync::Arc;

use crate::pure::cjson::Json;
use crate::pure::hash::{fnv1a, mix};
use crate::world::World;
use crate::world::model::{ExitReason, Role, Room, Stream};
use crate::world::running::TaskView;
use crate::world::tasks::{End, Family, State};
use crate::world::timeline::Kind;

/// A callback URL slot of the console.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Category {
    Room,
    Media,
    Recording,
    Relay,
    Ingest,
    WebRecord,
    Ai,
    Slice,
    Moderation,
    Transcription,
}

impl Category {
    pub const ALL: [Category; 10] = [
        Category::Room,
        Category::Media,
        Category::Recording,
        Category::Relay,
        Category::Ingest,
        Category::WebRecord,
        Category::Ai,
        Category::Slice,
        Category::Moderation,
        Category::Transcription,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Category::Room => "room",
            Category::Media => "media",
            Category::Recording => "recording",
            Category::Relay => "relay",
            Category::Ingest => "ingest",
            Category::WebRecord => "web_record",
            Category::Ai => "ai",
            Category::Slice => "slice",
            Category::Moderation => "moderation",
            Category::Transcription => "transcription",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.name() == name)
    }
}

/// One callback to send: its slot, its type, when it happened and what it says.
#[derive(Debug, Clone)]
pub struct Event {
    pub category: Category,
    pub group: u64,
    pub kind: u64,
    pub time_ms: u64,
    /// Identifies the event across reads of the world (the same event read twice is sent once).
    pub key: u64,
    pub info: Json,
}

impl Event {
    /// The body as sent at `callback_ms`: cJSON's pretty form, as the documented samples are,
    /// except stream ingest, whose documented body is compact and names its timestamp
    /// `CallbackMsTs`.
    pub fn body(&self, callback_ms: u64) -> String {
        let ts_name = if self.group == 7 { "CallbackMsTs" } else { "CallbackTs" };
        let body = Json::Obj(vec![
            ("EventGroupId", self.group.into()),
            ("EventType", self.kind.into()),
            (ts_name, callback_ms.into()),
            ("EventInfo", self.info.clone()),
        ]);
        if self.group == 7 { body.compact() } else { body.pretty() }
    }
}

fn room_id(room: &Room) -> Json {
    match (room.numeric, room.room_string.parse::<i64>()) {
        (true, Ok(n)) => Json::Int(n),
        _ => Json::Str(room.room_string.clone()),
    }
}

fn role(role: Role) -> Json {
    Json::Int(match role {
        Role::Anchor => 20,
        Role::Audience => 21,
    })
}

/// `TerminalType` and `UserType` of a device.
fn terminal(device_type: &str) -> (i64, i64) {
    let d = device_type.to_ascii_lowercase();
    let terminal = if d.contains("windows") {
        1
    } else if d.contains("android") {
        2
    } else if d.contains("ios") || d.contains("iphone") || d.contains("ipad") {
        3
    } else if d.contains("linux") {
        4
    } else {
        100
    };
    let user_type = if d.contains("web") {
        1
    } else if d.contains("mini") {
        2
    } else {
        3
    };
    (terminal, user_type)
}

fn key(parts: &[u64]) -> u64 {
    mix(0x0ca1_1bac, parts)
}

/// The room and media events of `app` with times in `[from_ms, to_ms]`, as of `now`: of every
/// room with `history`, else of the rooms touched at run time.
pub fn room_events(world: &World, app: u64, from_ms: u64, to_ms: u64, now: u64, history: bool) -> Vec<Event> {
    let timeline = if history {
        world.timeline(app, from_ms, to_ms, now)
    } else {
        world.runtime_timeline(app, from_ms, to_ms, now)
    };
    timeline.into_iter().filter_map(|(room, event)| room_event(&room, &event)).collect()
}

fn room_event(room: &Arc<Room>, event: &crate::world::timeline::Event) -> Option<Event> {
    let t = event.time_ms;
    let mut info: Vec<(&'static str, Json)> =
        vec![("RoomId", room_id(room)), ("EventTs", (t / 1000).into()), ("EventMsTs", t.into())];
    let user = event.user_id.as_str();
    let session = || room.sessions.iter().rev().find(|s| s.user_id == user && s.join_ts.saturating_mul(1000) <= t);
    let (category, kind) = match &event.kind {
        Kind::RoomCreated => {
            info.push(("UserId", room.creator.as_str().into()));
            (Category::Room, 101)
        }
        Kind::RoomDestroyed => (Category::Room, 102),
        Kind::Entered { role: r, .. } => {
            let (terminal, user_type) = session().map_or((100, 3), |s| terminal(&s.device_type));
            info.push(("UserId", user.into()));
            info.push(("Role", role(*r)));
            info.push(("TerminalType", terminal.into()));
            info.push(("UserType", user_type.into()));
            info.push(("Reason", 1i64.into()));
            (Category::Room, 103)
        }
        Kind::Exited { reason } => {
            info.push(("UserId", user.into()));
            info.push(("Role", role(session().map_or(Role::Audience, |s| s.role))));
            let reason: i64 = match reason {
                ExitReason::Normal => 1,
                ExitReason::Timeout => 2,
                ExitReason::Kicked => 3,
            };
            info.push(("Reason", reason.into()));
            (Category::Room, 104)
        }
        Kind::Published(stream) | Kind::Unpublished(stream) => {
            let start = matches!(event.kind, Kind::Published(_));
            let base = match stream {
                Stream::Video => 201,
                Stream::Audio => 203,
                Stream::SubStream => 205,
            };
            info.push(("UserId", user.into()));
            if !start {
                info.push(("Reason", 0i64.into()));
            }
            (Category::Media, if start { base } else { base + 1 })
        }
        Kind::IncidentStarted(_) | Kind::IncidentEnded(_) => return None,
    };
    let group = if category == Category::Room { 1 } else { 2 };
    Some(Event {
        category,
        group,
        kind,
        time_ms: t,
        key: key(&[fnv1a(&room.comm_id), fnv1a(user), kind, t]),
        info: Json::Obj(info),
    })
}

/// The task events of `app` with times in `[from_ms, to_ms]`, as of `now`.
pub fn task_events(world: &World, app: u64, from_ms: u64, to_ms: u64, now: u64) -> Vec<Event> {
    let mut out = Vec::new();
    for view in world.tasks(app, None, now) {
        for event in task_lifecycle(&view) {
            if (from_ms..=to_ms).contains(&event.time_ms) {
                out.push(event);
            }
        }
    }
    out
}

/// Milliseconds into the second for an event of a task: deterministic, and a start before
/// what follows it in the same second.
fn offset(task_id: &str, what: u64) -> u64 {
    100 + mix(fnv1a(task_id), &[what]) % 300 + what * 100
}

fn task_lifecycle(view: &TaskView) -> Vec<Event> {
    let task = &view.task;
    let started = task.created_at;
    let working = view.lifecycle.changes.iter().find(|(_, s)| *s == State::Working).map(|(t, _)| *t);
    let ended = view.lifecycle.ended;
    let robot = task.robot.as_ref().map(|r| r.user_id.clone()).unwrap_or_default();
    let at = |t: u64, what: u64| t.saturating_mul(1000) + offset(&task.id, what);
    let mut out = Vec::new();
    let mut push = |category: Category, group: u64, kind: u64, time_ms: u64, info: Vec<(&'static str, Json)>| {
        out.push(Event {
            category,
            group,
            kind,
            time_ms,
            key: key(&[fnv1a(&task.id), kind, time_ms]),
            info: Json::Obj(info),
        });
    };
    let room = view.room.as_deref();
    let common = |t: u64, payload: Json| -> Vec<(&'static str, Json)> {
        vec![
            ("RoomId", room.map_or(Json::Str(String::new()), room_id)),
            ("EventTs", (t / 1000).into()),
            ("EventMsTs", t.into()),
            ("UserId", robot.as_str().into()),
            ("TaskId", task.id.as_str().into()),
            ("Payload", payload),
        ]
    };
    match task.family {
        Family::CloudRecording => {
            let t = at(started, 0);
            push(Category::Recording, 3, 301, t, common(t, Json::Obj(vec![("Status", 0i64.into())])));
            if let Some((end_at, why)) = ended {
                let t = at(end_at, 2);
                let payload = Json::Obj(vec![("LeaveCode", leave_code(why).into())]);
                push(Category::Recording, 3, 302, t, common(t, payload));
            }
        }
        Family::PublishCdn => {
            let urls = cdn_urls(&task.params_at(working.unwrap_or(started)));
            let relay = |t: u64, url: &str, status: i64| -> Vec<(&'static str, Json)> {
                vec![
                    ("RoomId", room.map_or(Json::Str(String::new()), room_id)),
                    ("RoomType", Json::Int(i64::from(room.is_some_and(|r| !r.numeric)))),
                    ("EventMsTs", t.into()),
                    ("UserId", robot.as_str().into()),
                    ("TaskId", task.id.as_str().into()),
                    (
                        "Payload",
                        Json::Obj(vec![
                            ("Url", url.into()),
                            ("Status", status.into()),
                            ("ErrorCode", 0i64.into()),
                            ("ErrorMsg", "".into()),
                        ]),
                    ),
                ]
            };
            if let Some(w) = working {
                for url in &urls {
                    push(Category::Relay, 4, 401, at(w, 0), relay(at(w, 0), url, 1));
                    push(Category::Relay, 4, 401, at(w, 1), relay(at(w, 1), url, 2));
                }
                if let Some((end_at, _)) = ended {
                    for url in &urls {
                        push(Category::Relay, 4, 401, at(end_at, 2), relay(at(end_at, 2), url, 5));
                        push(Category::Relay, 4, 401, at(end_at, 3), relay(at(end_at, 3), url, 0));
                    }
                }
            }
        }
        Family::StreamIngest => {
            let ingest = |t: u64| -> Vec<(&'static str, Json)> {
                vec![("EventMsTs", t.into()), ("TaskId", task.id.as_str().into()), ("Status", 0i64.into())]
            };
            push(Category::Ingest, 7, 701, at(started, 0), ingest(at(started, 0)));
            if let Some((end_at, _)) = ended {
                push(Category::Ingest, 7, 702, at(end_at, 2), ingest(at(end_at, 2)));
            }
        }
        Family::WebRecord => {
            let web = |t: u64, status: i64| -> Vec<(&'static str, Json)> {
                vec![
                    ("EventMsTs", t.into()),
                    ("TaskId", task.id.as_str().into()),
                    ("Payload", Json::Obj(vec![("Status", status.into()), ("EventMessage", "".into())])),
                ]
            };
            push(Category::WebRecord, 8, 801, at(started, 0), web(at(started, 0), 1));
            if let Some((end_at, why)) = ended {
                if why == End::MaxDuration {
                    push(Category::WebRecord, 8, 804, at(end_at, 1), web(at(end_at, 1), 1));
                }
                push(Category::WebRecord, 8, 802, at(end_at, 2), web(at(end_at, 2), 1));
            }
        }
        Family::AiConversation | Family::AiTranscription => {
            let ai = |t: u64, payload: Json| -> Vec<(&'static str, Json)> {
                vec![
                    ("EventMsTs", t.into()),
                    ("TaskId", task.id.as_str().into()),
                    ("RoomId", room.map_or(String::new(), |r| r.room_string.clone()).into()),
                    ("RoomIdType", Json::Int(i64::from(room.is_some_and(|r| !r.numeric)))),
                    ("Payload", payload),
                ]
            };
            let t = at(started, 0);
            push(Category::Ai, 9, 901, t, ai(t, Json::Obj(vec![("Status", 0i64.into())])));
            // The session is ready when the bot starts working (AI conversation shows
            // Preparing for its first two seconds).
            if task.family == Family::AiConversation
                && let Some(w) = working
                && ended.is_none_or(|(end_at, _)| end_at > w + 2)
            {
                let t = at(w + 2, 1);
                push(Category::Ai, 9, 909, t, ai(t, Json::Obj(vec![("Status", "session_ready".into())])));
            }
            if let Some((end_at, why)) = ended {
                let t = at(end_at, 2);
                push(Category::Ai, 9, 902, t, ai(t, Json::Obj(vec![("LeaveCode", leave_code(why).into())])));
            }
        }
        Family::CloudTranscription => {
            let transcription = |t: u64, payload: Json| -> Vec<(&'static str, Json)> {
                vec![
                    ("EventMsTs", t.into()),
                    ("TaskId", task.id.as_str().into()),
                    ("RoomId", room.map_or(String::new(), |r| r.room_string.clone()).into()),
                    ("RoomIdType", Json::Int(i64::from(room.is_some_and(|r| !r.numeric)))),
                    ("RobotId", robot.as_str().into()),
                    ("Payload", payload),
                ]
            };
            let t = at(started, 0);
            push(Category::Transcription, 14, 1401, t, transcription(t, Json::Obj(vec![("Status", 0i64.into())])));
            if let Some((end_at, why)) = ended {
                let t = at(end_at, 2);
                let payload = Json::Obj(vec![("LeaveCode", leave_code(why).into())]);
                push(Category::Transcription, 14, 1402, t, transcription(t, payload));
            }
        }
        Family::CloudModeration | Family::CloudSlice => {
            let (category, group, start, stop) = if task.family == Family::CloudSlice {
                (Category::Slice, 10, 1001, 1002)
            } else {
                (Category::Moderation, 11, 1101, 1102)
            };
            let t = at(started, 0);
            push(category, group, start, t, common(t, Json::Obj(vec![("Status", 0i64.into())])));
            if let Some((end_at, why)) = ended {
                let t = at(end_at, 2);
                let payload = Json::Obj(vec![("LeaveCode", leave_code(why).into())]);
                push(category, group, stop, t, common(t, payload));
            }
        }
        // No room and no robot, or no callback documented: nothing to call back about.
        Family::McuMix | Family::LiveStreamModeration | Family::AsyncTts => {}
    }
    out
}

/// `LeaveCode` of a robot task's stop (302, 902, 1002…): 0 the stop API, 1 robot removed, 2 room
/// dismissed, 99 idle beyond the limit, 100 the task's time ran out.
fn leave_code(why: End) -> i64 {
    match why {
        End::Stopped => 0,
        End::RobotRemoved => 1,
        End::RoomDismissed => 2,
        End::IdleTimeout => 99,
        End::MaxDuration => 100,
    }
}

/// The CDN URLs of a relay's parameters.
fn cdn_urls(params: &serde_json::Value) -> Vec<String> {
    params
        .get("PublishCdnParams")
        .and_then(|p| p.as_array())
        .map(|list| {
            list.iter().filter_map(|p| p.get("PublishCdnUrl").and_then(|u| u.as_str()).map(str::to_owned)).collect()
        })
        .unwrap_or_default()
}
