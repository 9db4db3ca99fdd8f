//! Rooms changed at run time: users joining, leaving and publishing through the control plane,
//! users removed, blocked and rooms dismissed through the API.
//!
//! Every change is kept with the virtual time it was made at, and a room is read by applying
//! its changes up to the reader's `now` to the room as history has it — so moving the clock back
//! hides a change again, and what a change did becomes history like everything else (a removed
//! user's stay ends when they were removed, a dismissed room's lifetime when it was dismissed).
//! A change to a room id that no room is using at that moment makes a new room ("made" at run
//! time), as a first user entering does on TRTC.

use std::collections::HashMap;
use std::sync::Arc;

use super::model::{ExitReason, Origin, Publish, Resolution, Role, Room, Services, Session, Stream};
use crate::pure::hash::{fnv1a, mix};

/// A room id in its namespace: numeric rooms and string rooms are different rooms ("123" ≠ 123).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RoomKey {
    pub numeric: bool,
    pub id: String,
}

/// Characters a string room id may hold besides ASCII letters and digits.
pub const ROOM_PUNCTUATION: &str = " !#$%&()+-:;<=.>?@[]^_{}|~,";

impl RoomKey {
    pub fn numeric(id: u64) -> Self {
        Self { numeric: true, id: id.to_string() }
    }

    pub fn string(id: impl Into<String>) -> Self {
        Self { numeric: false, id: id.into() }
    }

    /// A numeric room id as TRTC allows them: 1 to 4294967295; the error says why not.
    pub fn checked_numeric(id: u64) -> Result<Self, String> {
        if id == 0 || id > u64::from(u32::MAX) {
            return Err(format!("RoomId {id} is outside 1..=4294967295"));
        }
        Ok(Self::numeric(id))
    }

    /// A string room id as TRTC allows them: 1 to 64 of `a-z A-Z 0-9` and
    /// [`ROOM_PUNCTUATION`]; the error says why not.
    pub fn checked_string(id: &str) -> Result<Self, String> {
        let ok = !id.is_empty()
            && id.len() <= 64
            && id.chars().all(|c| c.is_ascii_alphanumeric() || ROOM_PUNCTUATION.contains(c));
        if !ok {
            return Err(format!(
                "RoomId {id:?} is not a valid string room id (1-64 of a-z A-Z 0-9 and {ROOM_PUNCTUATION:?})"
            ));
        }
        Ok(Self::string(id))
    }

    pub fn names(&self, room: &Room) -> bool {
        room.numeric == self.numeric && room.room_string == self.id
    }
}

/// Which streams a user sends.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Streams {
    pub audio: bool,
    pub video: bool,
    pub sub_stream: bool,
}

impl Streams {
    pub const NONE: Streams = Streams { audio: false, video: false, sub_stream: false };

    fn has(self, stream: Stream) -> bool {
        match stream {
            Stream::Audio => self.audio,
            Stream::Video => self.video,
            Stream::SubStream => self.sub_stream,
        }
    }

    fn list(self) -> Vec<Stream> {
        [Stream::Audio, Stream::Video, Stream::SubStream].into_iter().filter(|s| self.has(*s)).collect()
    }

    fn without(self, blocked: Streams) -> Streams {
        Streams {
            audio: self.audio && !blocked.audio,
            video: self.video && !blocked.video,
            sub_stream: self.sub_stream && !blocked.sub_stream,
        }
    }
}

/// What a server-side block (`SetUserBlocked`'s `IsMute`) stops a user from sending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mute {
    /// 0: audio and video allowed again.
    None,
    /// 1: neither audio nor video.
    All,
    /// 2: no audio.
    Audio,
    /// 3: no video.
    Video,
}

impl Mute {
    pub fn from_is_mute(value: u64) -> Option<Self> {
        match value {
            0 => Some(Mute::None),
            1 => Some(Mute::All),
            2 => Some(Mute::Audio),
            3 => Some(Mute::Video),
            _ => None,
        }
    }

    fn blocked(self) -> Streams {
        match self {
            Mute::None => Streams::NONE,
            Mute::All => Streams { audio: true, video: true, sub_stream: true },
            Mute::Audio => Streams { audio: true, ..Streams::NONE },
            Mute::Video => Streams { video: true, sub_stream: true, ..Streams::NONE },
        }
    }
}

/// A user's entry into a room made through the control plane.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub user_id: String,
    pub role: Role,
    pub streams: Streams,
    pub video: Resolution,
    /// The task this user is the robot of.
    pub task: Option<String>,
}

/// One change to one room.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    Join(Entry),
    Leave {
        user_id: String,
        reason: ExitReason,
    },
    Publish {
        user_id: String,
        streams: Streams,
    },
    Block {
        user_id: String,
        mute: Mute,
    },
    /// `switchRole`: an anchor becoming audience stops sending; audience becoming anchor sends
    /// `streams` (what the server blocks excepted).
    Role {
        user_id: String,
        role: Role,
        streams: Streams,
    },
    Dismiss,
}

#[derive(Debug, Clone, PartialEq)]
struct Dated {
    at: u64,
    /// Order of changes made at the same second.
    seq: u64,
    change: Change,
}

/// A room made at run time.
#[derive(Debug, Clone)]
struct Made {
    key: RoomKey,
    comm_id: String,
    create_time: u64,
    changes: Vec<Dated>,
}

/// The run-time changes of one SdkAppId.
#[derive(Debug, Clone, Default)]
pub struct AppLive {
    /// Changes to rooms of the history (generated or fixtures), by CommId.
    edits: HashMap<String, Vec<Dated>>,
    made: Vec<Made>,
    /// Creation times of the changed history rooms.
    edited_times: std::collections::HashSet<u64>,
    seq: u64,
}

/// Why a change could not be made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// No room of that id is in use now.
    RoomNotExist,
    /// The user is not in the room.
    UserNotExist,
}

impl AppLive {
    pub fn is_empty(&self) -> bool {
        self.edits.is_empty() && self.made.is_empty()
    }

    /// Whether the history room `comm_id` has changes.
    pub fn edits(&self, comm_id: &str) -> bool {
        self.edits.contains_key(comm_id)
    }

    /// The CommIds of the changed history rooms.
    pub fn edited(&self) -> impl Iterator<Item = &str> {
        self.edits.keys().map(String::as_str)
    }

    /// Whether some changed history room was created at `create_time` (a cheap first test).
    pub fn edits_created_at(&self, create_time: u64) -> bool {
        self.edited_times.contains(&create_time)
    }

    /// The history room `base` with its changes up to `now` applied (itself when it has none).
    pub fn view(&self, base: Arc<Room>, now: u64) -> Arc<Room> {
        match self.edits.get(&base.comm_id) {
            Some(changes) if changes.iter().any(|c| c.at <= now) => Arc::new(apply(&base, changes, now)),
            _ => base,
        }
    }

    /// Rooms made at run time, as they stand at `now`, in order of creation.
    pub fn made(&self, sdk_app_id: u64, now: u64) -> impl Iterator<Item = Arc<Room>> + '_ {
        self.made_where(sdk_app_id, now, |_, _| true)
    }

    /// The rooms made at run time that `keep` accepts (by id and CommId), as they stand at
    /// `now`: the others are not built, so a lookup costs the rooms it names, not all rooms.
    pub fn made_where<'a>(
        &'a self,
        sdk_app_id: u64,
        now: u64,
        keep: impl Fn(&RoomKey, &str) -> bool + 'a,
    ) -> impl Iterator<Item = Arc<Room>> + 'a {
        self.made
            .iter()
            .filter(move |m| m.create_time <= now && keep(&m.key, &m.comm_id))
            .map(move |m| Arc::new(apply(&empty_room(sdk_app_id, m), &m.changes, now)))
    }

    /// How many rooms were made at run time (for the control plane).
    pub fn made_count(&self) -> usize {
        self.made.len()
    }

    /// Records `change` at `now` on `target`, the room of that id in use now (from history,
    /// made earlier, or `None`). A change to no room refuses, except a join, which makes one.
    pub fn change(
        &mut self,
        sdk_app_id: u64,
        key: &RoomKey,
        target: Option<&Room>,
        change: Change,
        now: u64,
    ) -> Result<(), Refusal> {
        if let Some(room) = target {
            let present =
                |user: &str| room.sessions_at(now).any(|s| s.user_id == user && room.leave_at(s, now).is_none());
            if let Change::Block { user_id, .. } | Change::Role { user_id, .. } = &change
                && !present(user_id)
            {
                return Err(Refusal::UserNotExist);
            }
            self.seq += 1;
            let dated = Dated { at: now, seq: self.seq, change };
            match room.origin {
                Origin::Made => {
                    if let Some(made) = self.made.iter_mut().rev().find(|m| m.comm_id == room.comm_id) {
                        made.changes.push(dated);
                    }
                }
                _ => {
                    self.edited_times.insert(room.create_time);
                    self.edits.entry(room.comm_id.clone()).or_default().push(dated);
                }
            }
            return Ok(());
        }
        let Change::Join(entry) = change else { return Err(Refusal::RoomNotExist) };
        // The first user entering makes the room, with a CommId as TRTC gives one.
        let number = if key.numeric {
            key.id.parse().unwrap_or(0)
        } else {
            100_000_000 + mix(0, &[fnv1a(&key.id)]) % 3_900_000_000
        };
        self.seq += 1;
        let comm_id = format!("{sdk_app_id}_{number}_{now}");
        let dated = Dated { at: now, seq: self.seq, change: Change::Join(entry) };
        // A room made and emptied within this second is the same call (its CommId is the same):
        // it opens again.
        match self.made.iter_mut().find(|m| m.comm_id == comm_id) {
            Some(made) => made.changes.push(dated),
            None => self.made.push(Made { key: key.clone(), comm_id, create_time: now, changes: vec![dated] }),
        }
        Ok(())
    }

    /// A room made at run time with id `key` that is in use at `now`.
    pub fn made_in_use(&self, sdk_app_id: u64, key: &RoomKey, now: u64) -> Option<Arc<Room>> {
        self.made
            .iter()
            .rev()
            .filter(|m| &m.key == key && m.create_time <= now)
            .map(|m| Arc::new(apply(&empty_room(sdk_app_id, m), &m.changes, now)))
            .find(|room| room.destroy_at(now).is_none())
    }
}

/// A made room before its changes: its identity.
fn empty_room(_sdk_app_id: u64, made: &Made) -> Room {
    Room {
        comm_id: made.comm_id.clone(),
        room_string: made.key.id.clone(),
        numeric: made.key.numeric,
        create_time: made.create_time,
        destroy_time: None,
        finished: None,
        creator: String::new(),
        sessions: Vec::new(),
        services: Services::default(),
        origin: Origin::Made,
        seed: mix(0, &[fnv1a(&made.comm_id)]),
    }
}

/// What a user intends to send and what the server lets through, while changes are applied.
#[derive(Debug, Clone, Copy, Default)]
struct Sending {
    intent: Streams,
    blocked: Streams,
}

/// `base` with the `changes` made by `now` applied in order.
fn apply(base: &Room, changes: &[Dated], now: u64) -> Room {
    let mut room = base.clone();
    let mut changes: Vec<&Dated> = changes.iter().filter(|c| c.at <= now).collect();
    changes.sort_by_key(|c| (c.at, c.seq));
    let mut sending: HashMap<String, Sending> = HashMap::new();
    for dated in changes {
        let t = dated.at;
        match &dated.change {
            Change::Join(entry) => {
                // Entering again replaces the earlier connection.
                close(&mut room, &entry.user_id, t, ExitReason::Normal);
                let state = sending.entry(entry.user_id.clone()).or_default();
                state.intent = if entry.role == Role::Anchor { entry.streams } else { Streams::NONE };
                let effective = state.intent.without(state.blocked);
                let publishing = [Stream::Audio, Stream::Video, Stream::SubStream]
                    .into_iter()
                    .filter(|s| effective.has(*s))
                    .map(|stream| Publish { stream, start: t, end: None })
                    .collect();
                if room.creator.is_empty() {
                    room.creator.clone_from(&entry.user_id);
                }
                room.sessions.push(Session {
                    user_id: entry.user_id.clone(),
                    join_ts: t,
                    leave_ts: None,
                    finished: None,
                    device_type: String::new(),
                    sdk_version: String::new(),
                    client_ip: "127.0.0.1".to_owned(),
                    role: entry.role,
                    publishing,
                    video: entry.video,
                    sub_stream: Resolution::new(1920, 1080),
                    incidents: Vec::new(),
                    join_ms: 400,
                    failed_joins: 0,
                    written: None,
                    exit: None,
                    task: entry.task.clone(),
                    blocked: state.blocked.list(),
                    switches: Vec::new(),
                });
            }
            Change::Leave { user_id, reason } => close(&mut room, user_id, t, *reason),
            Change::Publish { user_id, streams } => {
                let state = sending.entry(user_id.clone()).or_default();
                state.intent = *streams;
                let effective = state.intent.without(state.blocked);
                republish(&mut room, user_id, effective, t);
            }
            Change::Block { user_id, mute } => {
                let state = sending
                    .entry(user_id.clone())
                    .or_insert_with(|| Sending { intent: current(&room, user_id, t), blocked: Streams::NONE });
                state.blocked = mute.blocked();
                let effective = state.intent.without(state.blocked);
                republish(&mut room, user_id, effective, t);
                if let Some(s) = room.sessions.iter_mut().rev().find(|s| s.user_id == *user_id && s.join_ts <= t) {
                    s.blocked = state.blocked.list();
                }
            }
            Change::Role { user_id, role, streams } => {
                let Some(stay) = room
                    .sessions
                    .iter_mut()
                    .find(|s| s.user_id == *user_id && s.join_ts <= t && s.leave_ts.is_none_or(|l| l > t))
                else {
                    continue;
                };
                // Switching to the role one has changes nothing (TRTC sends no callback either).
                if stay.role_at(t) == *role {
                    continue;
                }
                stay.switches.push((t, *role));
                let state = sending
                    .entry(user_id.clone())
                    .or_insert_with(|| Sending { intent: Streams::NONE, blocked: Streams::NONE });
                state.intent = if *role == Role::Anchor { *streams } else { Streams::NONE };
                let effective = state.intent.without(state.blocked);
                republish(&mut room, user_id, effective, t);
            }
            Change::Dismiss => {
                // Everyone leaves now, and nothing of the room's later history happens.
                room.sessions.retain(|s| s.join_ts <= t);
                let users: Vec<String> = room.sessions.iter().map(|s| s.user_id.clone()).collect();
                for user in users {
                    close(&mut room, &user, t, ExitReason::Kicked);
                }
                room.destroy_time = Some(t);
            }
        }
    }
    // The room lasts until its last user leaves; while anyone is in it, it is open.
    if !room.sessions.is_empty() {
        room.destroy_time = if room.sessions.iter().all(|s| s.leave_ts.is_some()) {
            room.sessions.iter().filter_map(|s| s.leave_ts).max()
        } else {
            None
        };
    }
    room.sessions.sort_by(|a, b| a.join_ts.cmp(&b.join_ts).then_with(|| a.user_id.cmp(&b.user_id)));
    room
}

/// The streams `user_id` is sending at `t` (from the room as it stands).
fn current(room: &Room, user_id: &str, t: u64) -> Streams {
    let mut out = Streams::NONE;
    for s in room.sessions.iter().filter(|s| s.user_id == user_id && s.join_ts <= t && s.leave_ts.is_none_or(|l| l > t))
    {
        for p in s.publishing.iter().filter(|p| p.start <= t && p.end.is_none_or(|e| e > t)) {
            match p.stream {
                Stream::Audio => out.audio = true,
                Stream::Video => out.video = true,
                Stream::SubStream => out.sub_stream = true,
            }
        }
    }
    out
}

/// Ends at `t` the stays of `user_id` that go on past it; the stays they would have begun
/// later stay as history has them.
fn close(room: &mut Room, user_id: &str, t: u64, reason: ExitReason) {
    for s in room.sessions.iter_mut().filter(|s| s.user_id == user_id && s.join_ts <= t) {
        if s.leave_ts.is_none_or(|l| l > t) {
            s.leave_ts = Some(t);
            s.exit = Some(reason);
            for p in &mut s.publishing {
                if p.end.is_none_or(|e| e > t) {
                    p.end = Some(t.max(p.start));
                }
            }
            s.publishing.retain(|p| p.start <= t);
        }
    }
}

/// From `t`, the user's current stay sends exactly `streams`.
fn republish(room: &mut Room, user_id: &str, streams: Streams, t: u64) {
    let Some(s) =
        room.sessions.iter_mut().find(|s| s.user_id == user_id && s.join_ts <= t && s.leave_ts.is_none_or(|l| l > t))
    else {
        return;
    };
    // What the stay had planned after `t` is replaced by what was asked.
    s.publishing.retain(|p| p.start <= t);
    for p in &mut s.publishing {
        if p.end.is_none_or(|e| e > t) && !streams.has(p.stream) {
            p.end = Some(t);
        }
    }
    let running: Vec<Stream> = s.publishing.iter().filter(|p| p.end.is_none_or(|e| e > t)).map(|p| p.stream).collect();
    let leave = s.leave_ts;
    for stream in [Stream::Audio, Stream::Video, Stream::SubStream] {
        if streams.has(stream) && !running.contains(&stream) {
            s.publishing.push(Publish { stream, start: t, end: leave });
        } else if streams.has(stream) {
            // A running period of the history goes on until the stay ends.
            for p in s.publishing.iter_mut().filter(|p| p.stream == stream && p.end.is_none_or(|e| e > t)) {
                p.end = leave;
            }
        }
    }
    s.publishing.sort_by_key(|p| (p.start, p.stream));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(user: &str, role: Role, streams: Streams) -> Change {
        Change::Join(Entry { user_id: user.into(), role, streams, video: Resolution::new(640, 360), task: None })
    }

    const AV: Streams = Streams { audio: true, video: true, sub_stream: false };

    #[test]
    fn a_room_is_made_by_its_first_user_and_ends_with_its_last() {
        let mut live = AppLive::default();
        let key = RoomKey::numeric(42);
        live.change(7, &key, None, entry("alice", Role::Anchor, AV), 100).unwrap();
        let room = live.made_in_use(7, &key, 100).unwrap();
        assert_eq!(room.comm_id, "7_42_100");
        assert_eq!(room.creator, "alice");
        live.change(7, &key, Some(&room), entry("bob", Role::Audience, AV), 110).unwrap();
        let room = live.made_in_use(7, &key, 120).unwrap();
        assert_eq!(room.sessions.len(), 2);
        assert!(room.sessions[1].publishing.is_empty(), "the audience sends nothing");
        live.change(7, &key, Some(&room), Change::Leave { user_id: "alice".into(), reason: ExitReason::Normal }, 150)
            .unwrap();
        let room = live.made_in_use(7, &key, 160).unwrap();
        live.change(7, &key, Some(&room), Change::Leave { user_id: "bob".into(), reason: ExitReason::Normal }, 170)
            .unwrap();
        assert!(live.made_in_use(7, &key, 170).is_none(), "empty: no longer in use");
        let history: Vec<_> = live.made(7, 200).collect();
        assert_eq!(history[0].destroy_time, Some(170));
        assert_eq!(history[0].sessions[0].publishing[0].end, Some(150));
        // Read before the last change: as it stood then.
        assert_eq!(live.made(7, 160).next().unwrap().destroy_at(160), None);
        assert!(live.made(7, 99).next().is_none(), "not yet made");
    }

    #[test]
    fn string_and_numeric_ids_are_separate_rooms() {
        let mut live = AppLive::default();
        live.change(7, &RoomKey::numeric(5), None, entry("a", Role::Anchor, AV), 10).unwrap();
        assert!(live.made_in_use(7, &RoomKey::string("5"), 10).is_none());
        live.change(7, &RoomKey::string("5"), None, entry("b", Role::Anchor, AV), 10).unwrap();
        let s = live.made_in_use(7, &RoomKey::string("5"), 10).unwrap();
        assert!(!s.numeric && s.comm_id.starts_with("7_") && s.comm_id.ends_with("_10"));
        assert_ne!(s.comm_id, "7_5_10");
    }

    #[test]
    fn blocks_publishing_and_dismissal_change_what_was_sent() {
        let mut live = AppLive::default();
        let key = RoomKey::string("class");
        live.change(1, &key, None, entry("t", Role::Anchor, AV), 0).unwrap();
        let room = live.made_in_use(1, &key, 10).unwrap();
        live.change(1, &key, Some(&room), Change::Block { user_id: "t".into(), mute: Mute::Audio }, 10).unwrap();
        assert_eq!(
            live.change(1, &key, Some(&room), Change::Block { user_id: "x".into(), mute: Mute::All }, 10),
            Err(Refusal::UserNotExist)
        );
        let room = live.made_in_use(1, &key, 20).unwrap();
        live.change(1, &key, Some(&room), Change::Block { user_id: "t".into(), mute: Mute::None }, 20).unwrap();
        let room = live.made_in_use(1, &key, 30).unwrap();
        live.change(1, &key, Some(&room), Change::Publish { user_id: "t".into(), streams: Streams::NONE }, 30).unwrap();
        let room = live.made_in_use(1, &key, 40).unwrap();
        live.change(1, &key, Some(&room), Change::Dismiss, 40).unwrap();
        let room = live.made(1, 50).next().unwrap();
        let s = &room.sessions[0];
        let audio: Vec<(u64, Option<u64>)> =
            s.publishing.iter().filter(|p| p.stream == Stream::Audio).map(|p| (p.start, p.end)).collect();
        assert_eq!(audio, vec![(0, Some(10)), (20, Some(30))]);
        let video: Vec<(u64, Option<u64>)> =
            s.publishing.iter().filter(|p| p.stream == Stream::Video).map(|p| (p.start, p.end)).collect();
        assert_eq!(video, vec![(0, Some(30))]);
        assert_eq!((s.leave_ts, s.exit, room.destroy_time), (Some(40), Some(ExitReason::Kicked), Some(40)));
        assert_eq!(live.change(1, &key, None, Change::Dismiss, 50), Err(Refusal::RoomNotExist));
    }
}
