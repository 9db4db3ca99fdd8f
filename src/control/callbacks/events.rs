//! What TRTC would call back about, read off the world: the room and media events of the
//! timeline (groups 1 and 2), each with its `EventInfo` laid out and typed as documented; the
//! tasks' events are in [`super::task_events`].

use std::sync::Arc;

use crate::pure::cjson::Json;
use crate::pure::hash::{fnv1a, mix};
use crate::world::World;
use crate::world::model::{ExitReason, Role, Room, Stream};
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

pub(super) fn room_id(room: &Room) -> Json {
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

pub(super) fn key(parts: &[u64]) -> u64 {
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
        Kind::RoleChanged { role: r } => {
            info.push(("UserId", user.into()));
            info.push(("Role", role(*r)));
            (Category::Room, 105)
        }
        Kind::Exited { reason } => {
            info.push(("UserId", user.into()));
            info.push(("Role", role(session().map_or(Role::Audience, |s| s.role_at(t / 1000)))));
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
