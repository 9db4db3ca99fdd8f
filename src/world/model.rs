//! The records of the call history: rooms (calls), the stays of users in them, what they
//! published, and the quality incidents they went through.
//!
//! Every record holds its whole lifetime. Generated history is read "as of now": what begins
//! after the virtual now is hidden and what is still running shows as open (the `*_at`
//! methods). Fixtures are served as written.

use std::sync::Arc;

/// One call: a room from its creation to its destruction.
#[derive(Debug, Clone, PartialEq)]
pub struct Room {
    /// `SdkAppId_RoomNumber_CreateTime`; for string rooms the middle part is an internal number.
    pub comm_id: String,
    /// The room id as the app knows it (`"218695"`, `"113a7306…"`).
    pub room_string: String,
    /// Whether the app uses a numeric room id (`RoomId`) or a string one (`StrRoomId`).
    pub numeric: bool,
    pub create_time: u64,
    /// `None` while the room is open.
    pub destroy_time: Option<u64>,
    /// Explicit `IsFinished` from a fixture; derived from `destroy_time` otherwise.
    pub finished: Option<bool>,
    /// The user who created the room.
    pub creator: String,
    /// Stays of users, ordered by join time.
    pub sessions: Vec<Session>,
    /// Cloud services the room used (recording, mixing, relay…), which the usage actions bill.
    pub services: Services,
    /// Where the room comes from; generated rooms and rooms made at run time are read "as of
    /// now", fixtures are served as written.
    pub origin: Origin,
    /// The room's own seed: everything derived lazily (quality, events) starts from it.
    pub seed: u64,
}

/// Where a room comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The deterministic history of the seed.
    Generated,
    /// A fixture document.
    Fixture,
    /// Made at run time: users joined through the control plane, or a service's robot entered.
    Made,
}

/// Whether a user sends (anchor) or only receives (audience).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Anchor,
    Audience,
}

impl Role {
    pub fn name(self) -> &'static str {
        match self {
            Role::Anchor => "anchor",
            Role::Audience => "audience",
        }
    }
}

/// A stream a user can publish.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Stream {
    Audio,
    /// The main (camera) video, "big" in TRTC's terms.
    Video,
    /// The auxiliary video (screen sharing).
    SubStream,
}

impl Stream {
    pub fn name(self) -> &'static str {
        match self {
            Stream::Audio => "audio",
            Stream::Video => "video",
            Stream::SubStream => "sub_stream",
        }
    }
}

/// A period during which a user published one stream; `end` is `None` while it goes on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Publish {
    pub stream: Stream,
    pub start: u64,
    pub end: Option<u64>,
}

/// Width and height of a video stream, in pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Resolution {
    pub width: u32,
    pub height: u32,
}

impl Resolution {
    pub const fn new(width: u32, height: u32) -> Self {
        Self { width, height }
    }

    pub fn pixels(self) -> u64 {
        u64::from(self.width) * u64::from(self.height)
    }
}

/// What went wrong during a quality incident; decides which metrics degrade and which abnormal
/// events are reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IncidentKind {
    /// The user's uplink loses packets: what they send stutters for everyone.
    UplinkLoss,
    /// The user's downlink loses packets: what they receive stutters.
    DownlinkLoss,
    /// The user's device is overloaded: capture and encoding frame rates drop.
    HighCpu,
    /// The user's network delay rises well above normal.
    HighRtt,
}

/// A bad-quality period of one user's stay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Incident {
    pub kind: IncidentKind,
    pub start: u64,
    pub end: u64,
}

/// Why a user left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitReason {
    Normal,
    /// The connection timed out (the network dropped).
    Timeout,
    /// Removed from the room (RemoveUser, DismissRoom).
    Kicked,
}

/// One stay of one user in a room (a user who leaves and comes back has two).
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    pub user_id: String,
    pub join_ts: u64,
    /// `None` while the user is in the room.
    pub leave_ts: Option<u64>,
    /// Explicit `Finished` from a fixture; derived from `leave_ts` otherwise.
    pub finished: Option<bool>,
    pub device_type: String,
    pub sdk_version: String,
    pub client_ip: String,
    pub role: Role,
    /// Publishing periods, ordered by start; each lies inside the stay.
    pub publishing: Vec<Publish>,
    /// Resolution of the main video (and of the sub-stream, which is shown at its own size).
    pub video: Resolution,
    pub sub_stream: Resolution,
    /// Bad-quality periods, ordered by start; each lies inside the stay.
    pub incidents: Vec<Incident>,
    /// How long entering the room took, in milliseconds (the dashboards' join-time figures).
    pub join_ms: u32,
    /// Failed attempts to enter before this stay began.
    pub failed_joins: u32,
    /// Explicit data a fixture wrote for this stay; whatever it leaves out is derived.
    pub written: Option<Arc<Written>>,
    /// Why the stay ended, when something decided it (a removal, a dismissal); otherwise derived.
    pub exit: Option<ExitReason>,
    /// The task whose robot this stay is (a recorder, a relay agent…).
    pub task: Option<String>,
    /// What the server blocks this user from sending (`SetUserBlocked`), by the end of the stay
    /// as it is known now; empty when nothing is.
    pub blocked: Vec<Stream>,
    /// Role switches during the stay (`switchRole`), in order: when, and the new role.
    pub switches: Vec<(u64, Role)>,
}

impl Session {
    /// The user's role at `t` of the stay: the role entered with, then each switch from its time.
    pub fn role_at(&self, t: u64) -> Role {
        self.switches.iter().take_while(|(at, _)| *at <= t).last().map_or(self.role, |(_, role)| *role)
    }
}

/// Quality samples, events and abnormal experiences written out by a fixture for one stay.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Written {
    pub quality: Vec<WrittenSeries>,
    /// `None`: derived from the stay.
    pub events: Option<Vec<WrittenEvents>>,
    /// `None`: derived from the incidents.
    pub abnormal: Option<Vec<WrittenAbnormal>>,
}

/// One metric series as written: (Unix seconds, value) points.
#[derive(Debug, Clone, PartialEq)]
pub struct WrittenSeries {
    pub data_type: String,
    /// Empty: upstream; otherwise the remote user of downstream data.
    pub peer_id: String,
    pub points: Vec<(u64, f64)>,
}

/// Events of one stay, grouped by the user that sent them (`PeerId`).
#[derive(Debug, Clone, PartialEq)]
pub struct WrittenEvents {
    pub peer_id: String,
    pub events: Vec<EventMessage>,
}

/// One user event as `DescribeUserEvent` shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventMessage {
    /// Video stream type: 0 not video, 2 big, 3 small, 7 sub-stream.
    pub stream_type: u64,
    /// Unix milliseconds.
    pub time_ms: u64,
    pub event_id: u64,
    pub param_one: i64,
    pub param_two: i64,
}

/// One abnormal experience as `DescribeUnusualEvent` shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct WrittenAbnormal {
    pub time: u64,
    pub experience_id: u64,
    /// (AbnormalEventId, PeerId) causes.
    pub causes: Vec<(u64, String)>,
}

/// Cloud services a room used, for the usage actions ([`super::usage`] says how each is billed).
///
/// The room-wide services (mixed recording, mixing, relay, the AI bot) run while anyone in the
/// room publishes something; the per-stream ones (single recording, transcription, moderation,
/// slicing) follow each published stream; dedicated acceleration follows each user's stay.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Services {
    /// Each published stream recorded on its own.
    pub single_recording: bool,
    /// One mixed recording of the room, at this output resolution.
    pub mixed_recording: Option<Resolution>,
    /// MCU mixing (transcoding) of the room, at this output resolution and codec.
    pub mixing: Option<(Resolution, Codec)>,
    /// The room's mixed stream relayed to a CDN, at this bitrate in kbps.
    pub relay_kbps: Option<u32>,
    /// An AI conversation bot (`StartAIConversation`) talked with the room.
    pub ai_conversation: Option<AiConversation>,
    /// Real-time transcription (`StartAITranscription`) of every published audio stream.
    pub transcription: Option<Transcription>,
    /// AI content moderation (`CreateCloudModeration`) of what the room published.
    pub moderation: Option<Segmenting>,
    /// Cloud slicing (`CreateCloudSliceTask`) of what the room published.
    pub slicing: Option<Segmenting>,
    /// The users reached the room through the dedicated cloud network (专属云网络加速).
    pub dedicated_acceleration: bool,
}

/// An AI conversation bot in a room.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AiConversation {
    /// The bot spoke through TRTC's real-time speech synthesis, which is billed on its own.
    pub tts: bool,
}

/// Real-time transcription of a room.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Transcription {
    /// The transcripts were also translated in real time.
    pub translation: bool,
}

/// What a moderation or slicing task took from the room's streams.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Segmenting {
    /// Every published audio stream, in full.
    pub audio: bool,
    /// One picture of every published video stream (camera and screen) every this many
    /// seconds, from the moment it starts.
    pub picture_interval: Option<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Codec {
    H264,
    H265,
}

impl Room {
    /// Whether the room is read "as of now" (what begins later hidden, what goes on open), or
    /// served as written.
    pub fn as_of_now(&self) -> bool {
        self.origin != Origin::Fixture
    }

    /// Whether the room exists at `now`: generated history only shows what has happened by
    /// then; fixtures are served as written.
    pub fn visible(&self, now: u64) -> bool {
        !self.as_of_now() || self.create_time <= now
    }

    /// DestroyTime as it stands at `now` (`None`: still open).
    pub fn destroy_at(&self, now: u64) -> Option<u64> {
        if self.as_of_now() { self.destroy_time.filter(|d| *d <= now) } else { self.destroy_time }
    }

    pub fn is_finished(&self, now: u64) -> bool {
        self.finished.unwrap_or(self.destroy_at(now).is_some())
    }

    /// When the room stops counting as active: its destruction, or `now` while open.
    pub fn end_or(&self, now: u64) -> u64 {
        self.destroy_at(now).unwrap_or(now.max(self.create_time))
    }

    /// Whether the room was active at some point of `[start, end]` (both inclusive).
    pub fn overlaps(&self, start: u64, end: u64, now: u64) -> bool {
        self.visible(now) && self.create_time <= end && self.end_or(now) >= start
    }

    /// The sessions that have begun by `now` (all of them for fixtures).
    pub fn sessions_at(&self, now: u64) -> impl Iterator<Item = &Session> {
        self.sessions_at_indexed(now).map(|(_, s)| s)
    }

    /// [`Room::sessions_at`] with each session's index in `sessions`.
    pub fn sessions_at_indexed(&self, now: u64) -> impl Iterator<Item = (usize, &Session)> {
        self.sessions.iter().enumerate().filter(move |(_, s)| !self.as_of_now() || s.join_ts <= now)
    }

    /// LeaveTs of a session as it stands at `now` (`None`: still in the room).
    pub fn leave_at(&self, session: &Session, now: u64) -> Option<u64> {
        if self.as_of_now() { session.leave_ts.filter(|l| *l <= now) } else { session.leave_ts }
    }

    pub fn session_finished(&self, session: &Session, now: u64) -> bool {
        session.finished.unwrap_or(self.leave_at(session, now).is_some())
    }

    /// LeaveTs to show: the departure, or `now` while the user is in the room.
    pub fn leave_or(&self, session: &Session, now: u64) -> u64 {
        self.leave_at(session, now).unwrap_or(now.max(session.join_ts))
    }

    /// Whether the session was in the room at some point of `[start, end]` (both inclusive).
    pub fn session_overlaps(&self, session: &Session, start: u64, end: u64, now: u64) -> bool {
        session.join_ts <= end && self.leave_or(session, now) >= start
    }

    /// The stay as `[join, leave)` at `now`: where the user was, half-open.
    pub fn stay(&self, session: &Session, now: u64) -> (u64, u64) {
        (session.join_ts, self.leave_or(session, now))
    }

    /// Publishing periods of a session as they stand at `now`: begun by then, open ones cut at
    /// the session's end or `now`; each as `[start, end)`.
    pub fn publishing_at<'a>(&self, session: &'a Session, now: u64) -> impl Iterator<Item = (Stream, u64, u64)> + 'a {
        let (_, leave) = self.stay(session, now);
        let generated = self.as_of_now();
        session.publishing.iter().filter(move |p| !generated || p.start <= now).map(move |p| {
            let end = match p.end {
                Some(end) if !generated || end <= now => end.min(leave),
                _ => leave,
            };
            (p.stream, p.start, end.max(p.start))
        })
    }

    /// Incidents of a session inside its stay as it stands at `now` (an open stay ends now).
    pub fn incidents_at<'a>(&self, session: &'a Session, now: u64) -> impl Iterator<Item = Incident> + 'a {
        let (_, leave) = self.stay(session, now);
        session.incidents.iter().filter(move |i| i.start < leave).map(move |i| Incident { end: i.end.min(leave), ..*i })
    }
}

/// Splits a CommId into (SdkAppId, room number, create time).
pub fn parse_comm_id(comm_id: &str) -> Option<(u64, u64, u64)> {
    let mut parts = comm_id.split('_');
    let (Some(app), Some(room), Some(created), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return None;
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !(digits(app) && digits(room) && digits(created)) {
        return None;
    }
    Some((app.parse().ok()?, room.parse().ok()?, created.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comm_ids() {
        assert_eq!(parse_comm_id("1400188366_218695_1590065777"), Some((1400188366, 218695, 1590065777)));
        for bad in ["", "1_2", "1_2_3_4", "a_2_3", "1__3", "1_2_-3", "1_2_18446744073709551616"] {
            assert_eq!(parse_comm_id(bad), None, "{bad}");
        }
    }
}
