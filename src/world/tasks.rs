//! Tasks: cloud services started through the API (recording, relay, mixing, ingest, web
//! recording…), each with the robot it sends into a room and the rules that end it.
//!
//! A task keeps only what was asked of it and when: its start, its updates, an explicit stop.
//! Its lifecycle — idle or working, and when and why it ended — is derived when it is read,
//! from the room as it stands then: the users in it, what they publish, whether the room was
//! dismissed or the robot removed. So moving the virtual clock runs every transition that falls
//! due, in order, and the same task read at the same `now` always says the same.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use serde_json::Value;

use super::live::{RoomKey, Streams};
use super::model::{ExitReason, Resolution, Role, Room, Services, Session, Stream};

/// The families of tasks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Family {
    CloudRecording,
    PublishCdn,
    McuMix,
    StreamIngest,
    WebRecord,
    AiConversation,
    AiTranscription,
    CloudTranscription,
    CloudModeration,
    LiveStreamModeration,
    CloudSlice,
    /// Long-text speech synthesis (AsyncTextToSpeech): no room, works until its audio is made.
    AsyncTts,
}

impl Family {
    pub const ALL: [Family; 12] = [
        Family::CloudRecording,
        Family::PublishCdn,
        Family::McuMix,
        Family::StreamIngest,
        Family::WebRecord,
        Family::AiConversation,
        Family::AiTranscription,
        Family::CloudTranscription,
        Family::CloudModeration,
        Family::LiveStreamModeration,
        Family::CloudSlice,
        Family::AsyncTts,
    ];

    /// The name the control plane uses (`?family=`).
    pub fn name(self) -> &'static str {
        match self {
            Family::CloudRecording => "cloud_recording",
            Family::PublishCdn => "publish_cdn",
            Family::McuMix => "mcu_mix",
            Family::StreamIngest => "stream_ingest",
            Family::WebRecord => "web_record",
            Family::AiConversation => "ai_conversation",
            Family::AiTranscription => "ai_transcription",
            Family::CloudTranscription => "cloud_transcription",
            Family::CloudModeration => "cloud_moderation",
            Family::LiveStreamModeration => "live_stream_moderation",
            Family::CloudSlice => "cloud_slice",
            Family::AsyncTts => "async_tts",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.name() == name)
    }
}

/// How many running tasks of each family an SdkAppId may have at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    limits: Vec<(Family, usize)>,
}

impl Default for Limits {
    /// The documented defaults where Tencent states one (recording 100, web recording 200,
    /// moderation 500: the cloud moderation guide's figure, which the live-stream moderation
    /// shares; cloud slicing 500), 100 elsewhere.
    fn default() -> Self {
        Self { limits: Family::ALL.iter().map(|f| (*f, default_limit(*f))).collect() }
    }
}

fn default_limit(family: Family) -> usize {
    match family {
        Family::WebRecord => 200,
        Family::CloudModeration | Family::LiveStreamModeration | Family::CloudSlice => 500,
        _ => 100,
    }
}

impl Limits {
    pub fn get(&self, family: Family) -> usize {
        self.limits.iter().find(|(f, _)| *f == family).map_or(100, |(_, n)| *n)
    }

    pub fn set(&mut self, family: Family, limit: usize) {
        match self.limits.iter_mut().find(|(f, _)| *f == family) {
            Some(entry) => entry.1 = limit,
            None => self.limits.push((family, limit)),
        }
    }

    /// Parses `family=N,family=N` (the flag's form) over the defaults.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut limits = Self::default();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (name, n) = part.split_once('=').ok_or_else(|| format!("expected family=N, got `{part}`"))?;
            let family = Family::parse(name.trim()).ok_or_else(|| {
                let names: Vec<&str> = Family::ALL.iter().map(|f| f.name()).collect();
                format!("unknown task family `{name}` (one of {})", names.join(", "))
            })?;
            let n = n.trim().parse::<usize>().map_err(|_| format!("`{n}` is not a number of tasks"))?;
            limits.set(family, n);
        }
        Ok(limits)
    }

    /// `family=N` for every family.
    pub fn describe(&self) -> String {
        Family::ALL.iter().map(|f| format!("{}={}", f.name(), self.get(*f))).collect::<Vec<_>>().join(",")
    }
}

/// The user a task sends into its room.
#[derive(Debug, Clone, PartialEq)]
pub struct Robot {
    pub user_id: String,
    pub role: Role,
    /// What the robot publishes (an ingest robot plays its stream into the room).
    pub sends: Streams,
    pub video: Resolution,
}

impl Robot {
    /// A robot that enters as audience and sends nothing: a recorder, a relay agent, a slicer…
    pub fn listener(user_id: impl Into<String>) -> Self {
        Robot { user_id: user_id.into(), role: Role::Audience, sends: Streams::NONE, video: Resolution::new(640, 360) }
    }
}

/// When a task has nothing to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Idle {
    /// No anchor (other than robots) is in the room, whether or not they publish.
    NoAnchor,
    /// None of the users the task takes publishes anything.
    NothingPublished,
    /// A task that is never idle.
    Never,
    /// None of the users the task takes (its audio subscription) is in the room, whether or not
    /// they publish (AI bots, transcription). With `fellows`, the robots of the task's fellows
    /// (same family, same rule — the store leaves them out of the robots) keep it from idling
    /// out for that many seconds instead of the task's own `max_idle`.
    NobodyTaken { fellows: Option<u64> },
}

/// The rules that end a task on their own.
#[derive(Debug, Clone, PartialEq)]
pub struct Rules {
    pub idle: Idle,
    /// Seconds of idleness after which the task ends.
    pub max_idle: Option<u64>,
    /// Seconds after its start at which the task ends.
    pub max_duration: Option<u64>,
    /// Seconds after its start during which the TaskId answers Describe, Update and Stop;
    /// `None` for a handle that never expires (only the task's end retires it).
    pub handle_secs: Option<u64>,
    /// Seconds a task that ended shows as exiting before it is gone.
    pub exit_grace: u64,
}

/// Whose streams a task takes, as `SubscribeStreamUserIds` says: allow lists (none: everyone)
/// and deny lists, whose entries may be a prefix pattern `prefix.*$`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Subscription {
    pub audio_allow: Option<Vec<String>>,
    pub audio_deny: Vec<String>,
    pub video_allow: Option<Vec<String>>,
    pub video_deny: Vec<String>,
}

fn matches(pattern: &str, user: &str) -> bool {
    match pattern.strip_suffix(".*$") {
        Some(prefix) => user.starts_with(prefix),
        None => pattern == user,
    }
}

impl Subscription {
    /// Whether the task takes `user`'s stream `stream`.
    pub fn takes(&self, user: &str, stream: Stream) -> bool {
        let (allow, deny) = match stream {
            Stream::Audio => (&self.audio_allow, &self.audio_deny),
            Stream::Video | Stream::SubStream => (&self.video_allow, &self.video_deny),
        };
        allow.as_ref().is_none_or(|a| a.iter().any(|p| matches(p, user))) && !deny.iter().any(|p| matches(p, user))
    }
}

/// One task as it was asked for.
#[derive(Debug, Clone, PartialEq)]
pub struct Task {
    pub id: String,
    pub family: Family,
    pub sdk_app_id: u64,
    pub created_at: u64,
    /// The room and the CommId of the call the task joined (none for web recording).
    pub room: Option<(RoomKey, String)>,
    pub robot: Option<Robot>,
    pub rules: Rules,
    /// Whose streams the task takes, with the times the list changed.
    pub subscriptions: Vec<(u64, Subscription)>,
    /// Which streams the task takes at all (a recording of audio only takes no video).
    pub streams: Streams,
    /// The request that started it, then each update, with their times.
    pub params: Vec<(u64, Value)>,
    pub stopped_at: Option<u64>,
    /// The last `SequenceNumber` accepted (relay updates).
    pub sequence: Option<u64>,
    /// What the caller named the task by, for the families that refuse a second one
    /// (`RecordId`, a robot in a room…).
    pub dedupe: Option<String>,
    /// The cloud services the task bills its room for while it works (recording, mixing,
    /// relay…), which the usage actions count.
    pub services: Services,
}

/// Why a task ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    Stopped,
    IdleTimeout,
    MaxDuration,
    /// The room was dismissed (its robot left with everyone), or, for a task without a robot,
    /// the room ended.
    RoomDismissed,
    /// Its robot was removed, or replaced by another connection of the same user id.
    RobotRemoved,
}

impl End {
    /// The name the control plane shows.
    pub fn name(self) -> &'static str {
        match self {
            End::Stopped => "stopped",
            End::IdleTimeout => "idle_timeout",
            End::MaxDuration => "max_duration",
            End::RoomDismissed => "room_dismissed",
            End::RobotRemoved => "robot_removed",
        }
    }
}

/// A task's state at one time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Running with nothing to work on.
    Idle,
    /// Running and working.
    Working,
    /// Ended, still answering as exiting.
    Exiting,
    /// Ended and gone.
    Gone,
}

impl State {
    pub fn name(self) -> &'static str {
        match self {
            State::Idle => "idle",
            State::Working => "working",
            State::Exiting => "exiting",
            State::Gone => "gone",
        }
    }
}

/// What a task did up to `now`: its state changes and, if it ended, when and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Lifecycle {
    pub changes: Vec<(u64, State)>,
    pub ended: Option<(u64, End)>,
}

impl Lifecycle {
    /// The state at `t` (≥ the start).
    pub fn state_at(&self, t: u64) -> State {
        self.changes.iter().take_while(|(at, _)| *at <= t).last().map_or(State::Idle, |(_, s)| *s)
    }
}

impl Task {
    /// The subscription in force at `t`.
    pub fn subscription_at(&self, t: u64) -> &Subscription {
        static EVERYONE: Subscription =
            Subscription { audio_allow: None, audio_deny: Vec::new(), video_allow: None, video_deny: Vec::new() };
        self.subscriptions.iter().take_while(|(at, _)| *at <= t).last().map_or(&EVERYONE, |(_, s)| s)
    }

    /// The parameters in force at `t`: the start's, with each update up to `t` merged in.
    pub fn params_at(&self, t: u64) -> Value {
        let mut out = Value::Object(serde_json::Map::new());
        for (_, params) in self.params.iter().filter(|(at, _)| *at <= t) {
            merge(&mut out, params);
        }
        out
    }

    /// The lifecycle up to `now` in `room` (the room as it stands, robots included; `None` for
    /// a task without a room).
    pub fn lifecycle(&self, room: Option<&Room>, robots: &[&str], now: u64) -> Lifecycle {
        let start = self.created_at;
        let mut candidates: Vec<(u64, End)> = Vec::new();
        if let Some(stop) = self.stopped_at {
            candidates.push((stop, End::Stopped));
        }
        if let Some(limit) = self.rules.max_duration {
            candidates.push((start.saturating_add(limit), End::MaxDuration));
        }
        // What happened to the room or the robot ends the task too; these go last so that, at
        // the same time, the task's own reason wins (a robot leaves when its task ended).
        let mut room_ends: Vec<(u64, End)> = Vec::new();
        // The robot's stay: it ends the task if something ended it.
        if let Some(room) = room
            && self.robot.is_some()
            && let Some(stay) = robot_stay(room, &self.id)
            && let Some(left) = stay.leave_ts
        {
            let end = if stay.exit == Some(ExitReason::Kicked) && room.destroy_time == Some(left) {
                End::RoomDismissed
            } else {
                End::RobotRemoved
            };
            room_ends.push((left, end));
        }
        // A task without a robot (legacy MCU mixing) works on the room itself: it ends with it.
        if let Some(room) = room
            && self.robot.is_none()
            && let Some(end) = room.destroy_at(now)
            && end >= start
        {
            room_ends.push((end, End::RoomDismissed));
        }
        // The stays the task can see: not the robots it does not count, and only those that
        // overlap its life up to now (a long-lived room keeps many that ended before it began).
        let ignored: HashSet<&str> = robots.iter().copied().collect();
        let people: Vec<&Session> = room
            .map(|room| {
                room.sessions
                    .iter()
                    .filter(|s| {
                        s.join_ts <= now
                            && s.leave_ts.is_none_or(|l| l >= start)
                            && !ignored.contains(s.user_id.as_str())
                    })
                    .collect()
            })
            .unwrap_or_default();
        // Breakpoints: when who is in the room, or what they publish, changes.
        let mut times: Vec<u64> = vec![start];
        for s in &people {
            times.push(s.join_ts);
            times.extend(s.leave_ts);
            for p in &s.publishing {
                times.push(p.start);
                times.extend(p.end);
            }
        }
        times.extend(self.subscriptions.iter().map(|(t, _)| *t));
        times.retain(|t| *t >= start && *t <= now);
        times.sort_unstable();
        times.dedup();
        let mut changes: Vec<(u64, State)> = Vec::new();
        let mut idle_since: Option<u64> = None;
        for (i, &t) in times.iter().enumerate() {
            // A task without a room, or whose robot plays into the room (stream ingest), works
            // all along; the others work while a stream they take is published.
            let (working, idle) = match room {
                Some(_) if !self.plays() => self.activity(&people, t),
                _ => (true, None),
            };
            let state = if working { State::Working } else { State::Idle };
            if changes.last().is_none_or(|(_, s)| *s != state) {
                changes.push((t, state));
            }
            idle_since = if idle.is_some() { idle_since.or(Some(t)) } else { None };
            if let (Some(since), Some(max)) = (idle_since, idle) {
                // Idle since `since`; a limit that changed on the way (fellows left) may be due
                // already: then the task ends now.
                let exit = since.saturating_add(max).max(t);
                let next = times.get(i + 1).copied().unwrap_or(u64::MAX);
                if exit < next {
                    candidates.push((exit, End::IdleTimeout));
                    break;
                }
            }
        }
        candidates.extend(room_ends);
        // The first of equal times wins.
        let ended = candidates.into_iter().filter(|(t, _)| *t <= now).min_by_key(|(t, _)| *t);
        if let Some((at, _)) = ended {
            changes.retain(|(t, _)| *t < at);
            changes.push((at, State::Exiting));
            let gone = at.saturating_add(self.rules.exit_grace);
            if gone <= now {
                changes.push((gone, State::Gone));
            }
        }
        Lifecycle { changes, ended }
    }

    /// At `t`: whether the task has streams (or, for [`Idle::NobodyTaken`], users) to work on
    /// among `people` (the stays it sees), and, when it counts as idle, the seconds of idleness
    /// that end it.
    fn activity(&self, people: &[&Session], t: u64) -> (bool, Option<u64>) {
        let subscription = self.subscription_at(t);
        let present = people.iter().filter(|s| s.join_ts <= t && s.leave_ts.is_none_or(|l| l > t));
        let (mut anchor, mut working, mut taken, mut fellow) = (false, false, false, false);
        for s in present {
            let publishing = s.publishing.iter().filter(|p| p.start <= t && p.end.is_none_or(|e| e > t));
            // A robot the store left in (not one of `robots`) that sends nothing is a fellow.
            if s.task.is_some() && publishing.clone().next().is_none() {
                fellow = true;
                continue;
            }
            anchor |= s.role_at(t) == Role::Anchor;
            taken |= subscription.takes(&s.user_id, Stream::Audio);
            working |= publishing
                .into_iter()
                .any(|p| stream_taken(self.streams, p.stream) && subscription.takes(&s.user_id, p.stream));
        }
        let max_idle = self.rules.max_idle;
        match self.rules.idle {
            Idle::NoAnchor => (working, if anchor { None } else { max_idle }),
            Idle::NothingPublished => (working, if working { None } else { max_idle }),
            Idle::Never => (working, None),
            Idle::NobodyTaken { fellows } => {
                let idle = match (taken, fellow, fellows) {
                    (true, ..) => None,
                    (false, true, Some(limit)) => Some(limit),
                    (false, ..) => max_idle,
                };
                (taken, idle)
            }
        }
    }

    /// Whether `other` is one of the task's fellows: a task of the same family under the same
    /// idle rule with fellows, whose robot it counts as a user.
    pub fn fellow_of(&self, other: &Task) -> bool {
        self.id != other.id
            && self.family == other.family
            && matches!(self.rules.idle, Idle::NobodyTaken { fellows: Some(_) })
            && matches!(other.rules.idle, Idle::NobodyTaken { fellows: Some(_) })
    }

    /// Whether the task's robot publishes into its room (it produces streams, not takes them).
    pub fn plays(&self) -> bool {
        self.robot.as_ref().is_some_and(|r| r.sends != Streams::NONE)
    }

    /// Whether the task takes streams of this kind at all.
    pub fn streams_take(&self, stream: Stream) -> bool {
        stream_taken(self.streams, stream)
    }

    /// When the task's handle stops answering (Describe, Update, Stop).
    pub fn handle_expires(&self) -> Option<u64> {
        self.rules.handle_secs.map(|secs| self.created_at.saturating_add(secs))
    }
}

fn stream_taken(streams: Streams, stream: Stream) -> bool {
    match stream {
        Stream::Audio => streams.audio,
        Stream::Video => streams.video,
        Stream::SubStream => streams.sub_stream,
    }
}

/// The stay of the task's robot.
fn robot_stay<'a>(room: &'a Room, task_id: &str) -> Option<&'a Session> {
    room.sessions.iter().find(|s| s.task.as_deref() == Some(task_id))
}

/// Merges an update into parameters: objects member by member, anything else replaced.
pub fn merge(into: &mut Value, update: &Value) {
    match (into, update) {
        (Value::Object(into), Value::Object(update)) => {
            for (k, v) in update {
                match into.get_mut(k) {
                    Some(existing) if existing.is_object() && v.is_object() => merge(existing, v),
                    _ => {
                        into.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (into, update) => *into = update.clone(),
    }
}

/// The tasks of one SdkAppId.
#[derive(Debug, Clone, Default)]
pub struct AppTasks {
    /// Shared between the app's successive states: a change copies the list, not every task
    /// (a task is copied only when it is changed itself).
    tasks: Vec<Arc<Task>>,
    /// Task indexes by the CommId of their room.
    by_room: HashMap<String, Vec<usize>>,
    /// How many tasks were ever started (TaskIds are numbered from it).
    pub started: u64,
}

impl AppTasks {
    pub fn is_empty(&self) -> bool {
        self.tasks.is_empty()
    }

    pub fn all(&self) -> impl Iterator<Item = &Task> {
        self.tasks.iter().map(|t| &**t)
    }

    pub fn get(&self, id: &str) -> Option<&Task> {
        self.all().find(|t| t.id == id)
    }

    pub fn get_mut(&mut self, id: &str) -> Option<&mut Task> {
        self.tasks.iter_mut().find(|t| t.id == id).map(Arc::make_mut)
    }

    /// The tasks attached to the call `comm_id`.
    pub fn in_room(&self, comm_id: &str) -> impl Iterator<Item = &Task> {
        self.by_room.get(comm_id).into_iter().flatten().map(|i| &*self.tasks[*i])
    }

    pub fn add(&mut self, task: Task) {
        if let Some((_, comm_id)) = &task.room {
            self.by_room.entry(comm_id.clone()).or_default().push(self.tasks.len());
        }
        self.started += 1;
        self.tasks.push(Arc::new(task));
    }

    /// The user ids of the robots `task` does not count as users in its room: every robot
    /// there but those that play into the room (they count as the anchors they are) and the
    /// task's fellows.
    pub fn robots_for(&self, task: &Task) -> Vec<&str> {
        let Some((_, comm_id)) = &task.room else { return Vec::new() };
        self.in_room(comm_id)
            .filter(|t| !t.plays() && !task.fellow_of(t))
            .filter_map(|t| t.robot.as_ref().map(|r| r.user_id.as_str()))
            .collect()
    }

    /// The room `room` with each task's robot leaving when its task ended (by `now`): first the
    /// robots that publish (their end does not depend on the room), then the others.
    pub fn settle(&self, room: &Room, now: u64) -> Option<Room> {
        let tasks: Vec<&Task> = self.in_room(&room.comm_id).filter(|t| t.created_at <= now).collect();
        if tasks.is_empty() {
            return None;
        }
        let mut settled = room.clone();
        for publishing in [true, false] {
            for task in tasks.iter().filter(|t| t.robot.is_some() && t.plays() == publishing) {
                let robots = self.robots_for(task);
                let lifecycle = task.lifecycle(Some(&settled), &robots, now);
                if let Some((end, _)) = lifecycle.ended {
                    leave(&mut settled, &task.id, end);
                }
            }
        }
        if settled.sessions.iter().all(|s| s.leave_ts.is_some()) {
            settled.destroy_time = settled.sessions.iter().filter_map(|s| s.leave_ts).max();
        }
        Some(settled)
    }
}

/// The stay of the task's robot ends at `end` (if it had not ended before).
fn leave(room: &mut Room, task_id: &str, end: u64) {
    for s in room.sessions.iter_mut().filter(|s| s.task.as_deref() == Some(task_id)) {
        if s.leave_ts.is_none_or(|l| l > end) {
            s.leave_ts = Some(end);
            s.exit = Some(ExitReason::Normal);
            for p in &mut s.publishing {
                if p.end.is_none_or(|e| e > end) {
                    p.end = Some(end.max(p.start));
                }
            }
        }
    }
}

/// How the families that say Idle / InProgress / Exited (recording, slicing, moderation…) name
/// a state: the API's words, which the inspector shows too.
pub fn idle_in_progress_exited(state: State) -> &'static str {
    match state {
        State::Idle => "Idle",
        State::Working => "InProgress",
        State::Exiting | State::Gone => "Exited",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::world::model::{Origin, Publish};

    fn stay(user: &str, role: Role, join: u64, leave: Option<u64>, publishing: Vec<Publish>) -> Session {
        Session {
            user_id: user.into(),
            join_ts: join,
            leave_ts: leave,
            finished: None,
            device_type: String::new(),
            sdk_version: String::new(),
            client_ip: String::new(),
            role,
            publishing,
            video: Resolution::new(640, 360),
            sub_stream: Resolution::new(1920, 1080),
            incidents: Vec::new(),
            join_ms: 400,
            failed_joins: 0,
            written: None,
            exit: None,
            // The recorder of the tests' task "t".
            task: (user == "rec").then(|| "t".to_owned()),
            blocked: Vec::new(),
            switches: Vec::new(),
        }
    }

    fn room(sessions: Vec<Session>) -> Room {
        Room {
            comm_id: "1_1_0".into(),
            room_string: "1".into(),
            numeric: true,
            create_time: 0,
            destroy_time: None,
            finished: None,
            creator: String::new(),
            sessions,
            services: Services::default(),
            origin: Origin::Made,
            seed: 0,
        }
    }

    fn recording(created_at: u64) -> Task {
        Task {
            id: "t".into(),
            family: Family::CloudRecording,
            sdk_app_id: 1,
            created_at,
            room: Some((RoomKey::numeric(1), "1_1_0".into())),
            robot: Some(Robot {
                user_id: "rec".into(),
                role: Role::Audience,
                sends: Streams::NONE,
                video: Resolution::new(1, 1),
            }),
            rules: Rules {
                idle: Idle::NoAnchor,
                max_idle: Some(30),
                max_duration: None,
                handle_secs: Some(3600),
                exit_grace: 10,
            },
            subscriptions: Vec::new(),
            streams: Streams { audio: true, video: true, sub_stream: true },
            params: vec![(created_at, serde_json::json!({"a": {"b": 1, "c": 2}}))],
            stopped_at: None,
            sequence: None,
            dedupe: None,
            services: Services::default(),
        }
    }

    fn audio(start: u64, end: Option<u64>) -> Publish {
        Publish { stream: Stream::Audio, start, end }
    }

    #[test]
    fn idle_until_someone_publishes_then_idle_exit_after_the_anchors_leave() {
        let r = room(vec![
            stay("rec", Role::Audience, 10, None, vec![]),
            stay("host", Role::Anchor, 20, Some(100), vec![audio(25, Some(100))]),
        ]);
        let task = recording(10);
        let life = task.lifecycle(Some(&r), &["rec"], 1000);
        assert_eq!(
            life.changes,
            vec![
                (10, State::Idle),
                (25, State::Working),
                (100, State::Idle),
                (130, State::Exiting),
                (140, State::Gone)
            ]
        );
        assert_eq!(life.ended, Some((130, End::IdleTimeout)));
        // An anchor who does not publish keeps the task from idling out (documented rule).
        let quiet =
            room(vec![stay("rec", Role::Audience, 10, None, vec![]), stay("host", Role::Anchor, 20, None, vec![])]);
        let life = task.lifecycle(Some(&quiet), &["rec"], 1000);
        assert_eq!(life.ended, None);
        assert_eq!(life.state_at(500), State::Idle);
        // Before the exit is due, the task runs.
        assert_eq!(task.lifecycle(Some(&r), &["rec"], 120).ended, None);
        // With nobody ever coming: it ends MaxIdleTime after its start.
        let empty = room(vec![stay("rec", Role::Audience, 10, None, vec![])]);
        assert_eq!(task.lifecycle(Some(&empty), &["rec"], 1000).ended, Some((40, End::IdleTimeout)));
    }

    #[test]
    fn a_stop_a_removal_or_a_dismissal_ends_the_task_when_it_happened() {
        let mut task = recording(10);
        task.stopped_at = Some(50);
        let r = room(vec![
            stay("rec", Role::Audience, 10, None, vec![]),
            stay("host", Role::Anchor, 10, None, vec![audio(10, None)]),
        ]);
        assert_eq!(task.lifecycle(Some(&r), &["rec"], 1000).ended, Some((50, End::Stopped)));
        let mut kicked = r.clone();
        kicked.sessions[0].leave_ts = Some(40);
        kicked.sessions[0].exit = Some(ExitReason::Kicked);
        assert_eq!(recording(10).lifecycle(Some(&kicked), &["rec"], 1000).ended, Some((40, End::RobotRemoved)));
        kicked.sessions[1].leave_ts = Some(40);
        kicked.destroy_time = Some(40);
        assert_eq!(recording(10).lifecycle(Some(&kicked), &["rec"], 1000).ended, Some((40, End::RoomDismissed)));
    }

    #[test]
    fn subscriptions_and_stream_types_decide_what_counts() {
        let mut task = recording(0);
        task.rules.idle = Idle::NothingPublished;
        task.subscriptions = vec![(0, Subscription { audio_allow: Some(vec!["vip.*$".into()]), ..Default::default() })];
        let r = room(vec![
            stay("rec", Role::Audience, 0, None, vec![]),
            stay("guest", Role::Anchor, 0, None, vec![audio(0, None)]),
        ]);
        assert_eq!(task.lifecycle(Some(&r), &["rec"], 100).ended, Some((30, End::IdleTimeout)));
        let r = room(vec![
            stay("rec", Role::Audience, 0, None, vec![]),
            stay("vip_1", Role::Anchor, 0, None, vec![audio(0, None)]),
        ]);
        assert_eq!(task.lifecycle(Some(&r), &["rec"], 100).ended, None);
        assert!(Subscription { video_deny: vec!["a".into()], ..Default::default() }.takes("a", Stream::Audio));
        assert!(!Subscription { video_deny: vec!["a".into()], ..Default::default() }.takes("a", Stream::Video));
    }

    #[test]
    fn settling_a_room_closes_the_robots_of_ended_tasks() {
        let mut tasks = AppTasks::default();
        tasks.add(recording(10));
        let r = room(vec![stay("rec", Role::Audience, 10, None, vec![])]);
        let settled = tasks.settle(&r, 1000).unwrap();
        assert_eq!(settled.sessions[0].leave_ts, Some(40));
        assert_eq!(settled.destroy_time, Some(40), "the robot alone: the room ends with it");
        // The robot left because its task ended: the task's own reason stands.
        assert_eq!(
            tasks.all().next().unwrap().lifecycle(Some(&settled), &["rec"], 1000).ended,
            Some((40, End::IdleTimeout))
        );
        assert_eq!(tasks.settle(&r, 20).unwrap().sessions[0].leave_ts, None);
    }

    #[test]
    fn a_task_without_a_robot_ends_with_its_room() {
        let mut task = recording(10);
        task.robot = None;
        task.rules.max_idle = None;
        let mut r = room(vec![stay("host", Role::Anchor, 0, Some(50), vec![audio(0, Some(50))])]);
        r.destroy_time = Some(50);
        let life = task.lifecycle(Some(&r), &[], 1000);
        assert_eq!(life.ended, Some((50, End::RoomDismissed)));
        assert_eq!(task.lifecycle(Some(&r), &[], 49).ended, None, "not before the room ends");
        assert_eq!(life.state_at(20), State::Working);
    }

    #[test]
    fn nobody_taken_counts_presence_and_fellows_keep_a_task_for_their_limit() {
        let mut task = recording(0);
        task.rules.idle = Idle::NobodyTaken { fellows: Some(1000) };
        task.subscriptions = vec![(0, Subscription { audio_allow: Some(vec!["alice".into()]), ..Default::default() })];
        // Alice in the room without publishing: working; gone at 50: idle exit at 80.
        let mut alone = room(vec![
            stay("rec", Role::Audience, 0, None, vec![]),
            stay("alice", Role::Audience, 0, Some(50), vec![]),
        ]);
        assert_eq!(task.lifecycle(Some(&alone), &["rec"], 10).state_at(10), State::Working);
        assert_eq!(task.lifecycle(Some(&alone), &["rec"], 1000).ended, Some((80, End::IdleTimeout)));
        // A fellow robot (one the store leaves out of the robots, sending nothing) keeps it 1000 s.
        let mut fellow = stay("asr_2", Role::Audience, 0, None, vec![]);
        fellow.task = Some("t2".into());
        alone.sessions.push(fellow);
        let kept = task.lifecycle(Some(&alone), &["rec"], 5000);
        assert_eq!(kept.ended, Some((1050, End::IdleTimeout)));
        assert_eq!(kept.state_at(500), State::Idle);
        // The fellow leaves long after alice: the task ends then, its own limit long past.
        alone.sessions[2].leave_ts = Some(400);
        assert_eq!(task.lifecycle(Some(&alone), &["rec"], 5000).ended, Some((400, End::IdleTimeout)));
    }

    #[test]
    fn updates_merge_into_the_parameters() {
        let mut task = recording(0);
        task.params.push((5, serde_json::json!({"a": {"c": 3}, "d": 4})));
        assert_eq!(task.params_at(4), serde_json::json!({"a": {"b": 1, "c": 2}}));
        assert_eq!(task.params_at(5), serde_json::json!({"a": {"b": 1, "c": 3}, "d": 4}));
    }
}
