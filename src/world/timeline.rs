//! What happened, and when: the events of the history, derived lazily from the rooms.
//!
//! [`events`] answers "what happened in this room between t1 and t2" with one ordered list:
//! creation and destruction, every entry and exit with its role and reason, every start and
//! stop of publishing, every quality incident. The TRTC-shaped views are read off the same
//! list: the SDK and WebRTC events of `DescribeUserEvent` ([`user_events`]) and the abnormal
//! experiences of `DescribeUnusualEvent` ([`abnormal`]), each overridden where a fixture wrote
//! them out.

use super::model::{EventMessage, ExitReason, IncidentKind, Origin, Role, Room, Session, Stream};
use super::quality;
use crate::pure::hash::{below, fnv1a, mix};

/// One thing that happened in a room.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    RoomCreated,
    RoomDestroyed,
    Entered {
        role: Role,
        rejoin: bool,
    },
    /// A role switch during the stay, to `role`.
    RoleChanged {
        role: Role,
    },
    Exited {
        reason: ExitReason,
    },
    Published(Stream),
    Unpublished(Stream),
    IncidentStarted(IncidentKind),
    IncidentEnded(IncidentKind),
}

/// An event of a room; `user_id` is empty for the room's own events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub time_ms: u64,
    pub user_id: String,
    pub kind: Kind,
}

/// Milliseconds inside the second, the same for the same (stay, what): events are not all at
/// whole seconds, and an entry comes before what the user does next in the same second.
fn ms(room: &Room, session: &Session, what: u64, low: u64, high: u64) -> u64 {
    low + below(mix(room.seed, &[fnv1a(&session.user_id), session.join_ts, what]), high - low)
}

/// How the stay ended, as of `now` (`None`: still in the room).
pub fn exit_reason(room: &Room, session: &Session, now: u64) -> Option<ExitReason> {
    room.leave_at(session, now)?;
    if let Some(reason) = session.exit {
        Some(reason)
    } else if room.origin == Origin::Generated
        && mix(room.seed, &[fnv1a(&session.user_id), session.join_ts, 0xe817]) % 100 < 3
    {
        Some(ExitReason::Timeout)
    } else {
        Some(ExitReason::Normal)
    }
}

/// Every event of `room` with a time in `[from_ms, to_ms]`, in order of time (then user), as
/// of `now`.
pub fn events(room: &Room, from_ms: u64, to_ms: u64, now: u64) -> Vec<Event> {
    let mut out = Vec::new();
    let mut push = |time_ms: u64, user_id: &str, kind: Kind| {
        if (from_ms..=to_ms).contains(&time_ms) {
            out.push(Event { time_ms, user_id: user_id.to_owned(), kind });
        }
    };
    if !room.visible(now) {
        return Vec::new();
    }
    push(room.create_time * 1000, "", Kind::RoomCreated);
    if let Some(destroy) = room.destroy_at(now) {
        push(destroy * 1000 + 999, "", Kind::RoomDestroyed);
    }
    let mut seen = Vec::new();
    for session in room.sessions_at(now) {
        let rejoin = seen.contains(&&session.user_id);
        seen.push(&session.user_id);
        let user = session.user_id.as_str();
        push(session.join_ts * 1000 + ms(room, session, 1, 0, 300), user, Kind::Entered { role: session.role, rejoin });
        let leave = room.leave_at(session, now);
        for (stream, start, end) in room.publishing_at(session, now) {
            push(start * 1000 + ms(room, session, 2 + start, 300, 900), user, Kind::Published(stream));
            if leave != Some(end) && end < room.leave_or(session, now) {
                push(end * 1000 + ms(room, session, 3 + end, 0, 900), user, Kind::Unpublished(stream));
            }
        }
        for (at, role) in session.switches.iter().filter(|(at, _)| *at <= room.leave_or(session, now)) {
            push(at * 1000 + ms(room, session, 5 + at, 0, 300), user, Kind::RoleChanged { role: *role });
        }
        for incident in room.incidents_at(session, now) {
            push(incident.start * 1000, user, Kind::IncidentStarted(incident.kind));
            if incident.end < room.leave_or(session, now) {
                push(incident.end * 1000, user, Kind::IncidentEnded(incident.kind));
            }
        }
        if let (Some(leave), Some(reason)) = (leave, exit_reason(room, session, now)) {
            push(leave * 1000 + ms(room, session, 4, 900, 999), user, Kind::Exited { reason });
        }
    }
    out.sort_by(|a, b| a.time_ms.cmp(&b.time_ms).then_with(|| a.user_id.cmp(&b.user_id)));
    out
}

// ---- DescribeUserEvent ----------------------------------------------------------------------

/// SDK event ids (native SDKs) of the TRTC event-ID mapping table.
mod sdk {
    pub const NETWORK: u64 = 1003;
    pub const MIC: u64 = 3001;
    pub const CAMERA_ON: u64 = 4001;
    pub const RESOLUTION: u64 = 4003;
    pub const VIDEO_UPSTREAM: u64 = 4006;
    pub const FRAME_RATE: u64 = 4008;
    pub const BITRATE: u64 = 4009;
    pub const ENTERING: u64 = 5001;
    pub const ENTERED: u64 = 5003;
    pub const SENDING_VIDEO: u64 = 5004;
    pub const FIRST_VIDEO_PACKET: u64 = 5006;
    pub const FIRST_VIDEO_FRAME: u64 = 5007;
    pub const EXITED: u64 = 5008;
    pub const FIRST_AUDIO_FRAME: u64 = 5009;
    pub const QOS: u64 = 6001;
    pub const ENTER_KIND: u64 = 7000;
    pub const EXIT_KIND: u64 = 7001;
}

/// WebRTC event ids of the same table (the `web` device type).
mod webrtc {
    pub const VIDEO_ON: u64 = 32768;
    pub const AUDIO_ON: u64 = 32769;
    pub const VIDEO_OFF: u64 = 32770;
    pub const AUDIO_OFF: u64 = 32771;
    pub const SUBSCRIBED_VIDEO: u64 = 32776;
    pub const SUBSCRIBED_AUDIO: u64 = 32777;
    pub const REMOTE_VIDEO_OFF: u64 = 32784;
    pub const REMOTE_AUDIO_OFF: u64 = 32785;
    pub const REMOTE_VIDEO_ON: u64 = 32786;
    pub const REMOTE_AUDIO_ON: u64 = 32787;
    pub const ENTERED: u64 = 32788;
    pub const EXITED: u64 = 32789;
    pub const SIGNALING: u64 = 32791;
    pub const MEDIA: u64 = 32793;
}

/// `Type` of an event: not about video, or about the big (main) video.
const NOT_VIDEO: u64 = 0;
const BIG_VIDEO: u64 = 2;

fn event(stream_type: u64, time_ms: u64, event_id: u64, param_one: i64, param_two: i64) -> EventMessage {
    EventMessage { stream_type, time_ms, event_id, param_one, param_two }
}

/// The events `user_id` reported in `room` with times in `[from_ms, to_ms]`, grouped by the
/// user they are about (`PeerId`): first the user's own, then what they saw of each peer, in
/// order of arrival. Groups without events in the window are left out.
pub fn user_events(room: &Room, user_id: &str, from_ms: u64, to_ms: u64, now: u64) -> Vec<(String, Vec<EventMessage>)> {
    let stays: Vec<&Session> = room.sessions_at(now).filter(|s| s.user_id == user_id).collect();
    if let Some(written) = stays.iter().find_map(|s| s.written.as_ref().and_then(|w| w.events.as_ref())) {
        return written
            .iter()
            .map(|g| {
                let events = g.events.iter().copied().filter(|e| (from_ms..=to_ms).contains(&e.time_ms)).collect();
                (g.peer_id.clone(), events)
            })
            .filter(|(_, events): &(String, Vec<EventMessage>)| !events.is_empty())
            .collect();
    }
    let mut own = Vec::new();
    let mut seen: Vec<(String, Vec<EventMessage>)> = Vec::new();
    let all = events(room, 0, u64::MAX, now);
    for (n, stay) in stays.iter().enumerate() {
        let web = stay.device_type == "web";
        own.extend(own_events(room, stay, n > 0, web, &all, now));
        for (peer, events) in peer_events(room, stay, web, now) {
            match seen.iter_mut().find(|(p, _)| *p == peer) {
                Some((_, list)) => list.extend(events),
                None => seen.push((peer, events)),
            }
        }
    }
    let mut groups = vec![(user_id.to_owned(), own)];
    groups.extend(seen);
    groups
        .into_iter()
        .map(|(peer, mut events)| {
            events.retain(|e| (from_ms..=to_ms).contains(&e.time_ms));
            events.sort_by_key(|e| e.time_ms);
            (peer, events)
        })
        .filter(|(_, events)| !events.is_empty())
        .collect()
}

/// What a stay reported of itself: entering, publishing, adapting to incidents, leaving.
fn own_events(room: &Room, stay: &Session, rejoin: bool, web: bool, all: &[Event], now: u64) -> Vec<EventMessage> {
    let mut out = Vec::new();
    let (join, leave) = room.stay(stay, now);
    let mine = all.iter().filter(|e| e.user_id == stay.user_id && (join..=leave).contains(&(e.time_ms / 1000)));
    let (mut audio_started, mut video_started) = (false, false);
    let publishes_video = room.publishing_at(stay, now).any(|(s, _, _)| s == Stream::Video);
    for e in mine {
        let t = e.time_ms;
        match (&e.kind, web) {
            (Kind::Entered { .. }, true) => {
                out.extend([
                    event(NOT_VIDEO, t, webrtc::ENTERED, -1, -1),
                    event(NOT_VIDEO, t, webrtc::SIGNALING, -1, -1),
                    event(NOT_VIDEO, t, webrtc::MEDIA, -1, -1),
                ]);
            }
            (Kind::Entered { role, .. }, false) => {
                let network = 1 + i64::from(mix(room.seed, &[fnv1a(&stay.user_id), 0x11e7]) % 2 == 1);
                let scene = match (role, publishes_video) {
                    (Role::Audience, _) => 1,
                    (Role::Anchor, true) => 0,
                    (Role::Anchor, false) => 2,
                };
                out.extend([
                    event(NOT_VIDEO, t.saturating_sub(u64::from(stay.join_ms)), sdk::ENTERING, -1, -1),
                    event(NOT_VIDEO, t, sdk::NETWORK, network, -1),
                    event(NOT_VIDEO, t, sdk::ENTERED, 1, -1),
                    event(NOT_VIDEO, t, sdk::ENTER_KIND, i64::from(rejoin), -1),
                    event(NOT_VIDEO, t, sdk::QOS, 2, scene),
                ]);
            }
            (Kind::Published(Stream::Audio), true) => out.push(event(NOT_VIDEO, t, webrtc::AUDIO_ON, -1, -1)),
            (Kind::Unpublished(Stream::Audio), true) => out.push(event(NOT_VIDEO, t, webrtc::AUDIO_OFF, -1, -1)),
            (Kind::Published(Stream::Video), true) => out.push(event(NOT_VIDEO, t, webrtc::VIDEO_ON, -1, -1)),
            (Kind::Unpublished(Stream::Video), true) => out.push(event(NOT_VIDEO, t, webrtc::VIDEO_OFF, -1, -1)),
            (Kind::Published(Stream::Audio), false) => {
                if audio_started {
                    out.push(event(NOT_VIDEO, t, sdk::MIC, 3, -1));
                } else {
                    out.extend([
                        event(NOT_VIDEO, t, sdk::MIC, 0, -1),
                        event(NOT_VIDEO, t + 40, sdk::FIRST_AUDIO_FRAME, -1, -1),
                    ]);
                }
                audio_started = true;
            }
            (Kind::Unpublished(Stream::Audio), false) => out.push(event(NOT_VIDEO, t, sdk::MIC, 1, -1)),
            (Kind::Published(Stream::Video), false) => {
                if !video_started {
                    let (w, h) = (i64::from(stay.video.width), i64::from(stay.video.height));
                    out.extend([
                        event(BIG_VIDEO, t, sdk::CAMERA_ON, 0, -1),
                        event(BIG_VIDEO, t, sdk::RESOLUTION, w, h),
                        event(BIG_VIDEO, t + 60, sdk::SENDING_VIDEO, -1, -1),
                    ]);
                }
                out.push(event(BIG_VIDEO, t, sdk::VIDEO_UPSTREAM, 0, -1));
                video_started = true;
            }
            (Kind::Unpublished(Stream::Video), false) => out.push(event(BIG_VIDEO, t, sdk::VIDEO_UPSTREAM, 1, -1)),
            // The SDK adapts the video to trouble: fewer frames when the device is overloaded,
            // a lower bitrate when the uplink loses packets.
            (Kind::IncidentStarted(IncidentKind::HighCpu), false) if video_at(room, stay, t, now) => {
                out.push(event(BIG_VIDEO, t, sdk::FRAME_RATE, 8, -1));
            }
            (Kind::IncidentEnded(IncidentKind::HighCpu), false) if video_at(room, stay, t, now) => {
                out.push(event(BIG_VIDEO, t, sdk::FRAME_RATE, 15, -1));
            }
            (Kind::IncidentStarted(IncidentKind::UplinkLoss), false) if video_at(room, stay, t, now) => {
                let kbps = quality::value(room, stay, None, quality::Metric::BigvBit, t / 1000, now) / 1000.0;
                out.push(event(BIG_VIDEO, t, sdk::BITRATE, kbps.round() as i64, -1));
            }
            (Kind::IncidentEnded(IncidentKind::UplinkLoss), false) if video_at(room, stay, t, now) => {
                let kbps = quality::value(room, stay, None, quality::Metric::BigvBit, t / 1000, now) / 1000.0;
                out.push(event(BIG_VIDEO, t, sdk::BITRATE, kbps.round() as i64, -1));
            }
            (Kind::Exited { reason }, web) => {
                if web {
                    out.push(event(NOT_VIDEO, t, webrtc::EXITED, -1, -1));
                } else {
                    let code = match reason {
                        ExitReason::Normal => 0,
                        ExitReason::Timeout => 1,
                        ExitReason::Kicked => 2,
                    };
                    out.extend([
                        event(NOT_VIDEO, t, sdk::EXITED, 1, -1),
                        event(NOT_VIDEO, t, sdk::EXIT_KIND, code, -1),
                    ]);
                }
            }
            _ => {}
        }
    }
    out
}

fn video_at(room: &Room, stay: &Session, t_ms: u64, now: u64) -> bool {
    let t = t_ms / 1000;
    room.publishing_at(stay, now).any(|(s, from, to)| s == Stream::Video && (from..=to).contains(&t))
}

/// What a stay saw of each peer's streams: when it began and stopped receiving them.
fn peer_events(room: &Room, stay: &Session, web: bool, now: u64) -> Vec<(String, Vec<EventMessage>)> {
    let (join, leave) = room.stay(stay, now);
    let still_here = room.leave_at(stay, now).is_none();
    let mut out: Vec<(String, Vec<EventMessage>)> = Vec::new();
    for peer in room.sessions_at(now).filter(|p| p.user_id != stay.user_id) {
        for (stream, start, end) in room.publishing_at(peer, now) {
            let (from, to) = (start.max(join), end.min(leave));
            if from >= to || stream == Stream::SubStream {
                continue;
            }
            let video = stream == Stream::Video;
            let at = from * 1000 + ms(room, stay, 5 + start, 100, 999);
            let mut events = if web {
                let subscribed = if video { webrtc::SUBSCRIBED_VIDEO } else { webrtc::SUBSCRIBED_AUDIO };
                let on = if video { webrtc::REMOTE_VIDEO_ON } else { webrtc::REMOTE_AUDIO_ON };
                vec![event(NOT_VIDEO, at, subscribed, -1, -1), event(NOT_VIDEO, at, on, -1, -1)]
            } else if video {
                vec![
                    event(BIG_VIDEO, at, sdk::FIRST_VIDEO_PACKET, -1, -1),
                    event(BIG_VIDEO, at + 80, sdk::FIRST_VIDEO_FRAME, -1, -1),
                ]
            } else {
                Vec::new()
            };
            // The stream stopped while the stay went on.
            if web && (to < leave || still_here && to < end) && to == end {
                let off = if video { webrtc::REMOTE_VIDEO_OFF } else { webrtc::REMOTE_AUDIO_OFF };
                events.push(event(NOT_VIDEO, to * 1000 + ms(room, stay, 6 + end, 0, 999), off, -1, -1));
            }
            if events.is_empty() {
                continue;
            }
            match out.iter_mut().find(|(p, _)| *p == peer.user_id) {
                Some((_, list)) => list.extend(events),
                None => out.push((peer.user_id.clone(), events)),
            }
        }
    }
    out
}

// ---- DescribeUnusualEvent -------------------------------------------------------------------

/// One abnormal experience: a user, a minute, what went wrong and the likely causes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Abnormal {
    pub user_id: String,
    /// Unix seconds, on a whole minute.
    pub time: u64,
    /// 1 slow entry, 4 video lag, 5 audio lag.
    pub experience_id: u64,
    /// (AbnormalEventId, PeerId): `""` when no remote user caused it.
    pub causes: Vec<(u64, String)>,
}

const SLOW_ENTRY: u64 = 1;
const VIDEO_LAG: u64 = 4;
const AUDIO_LAG: u64 = 5;

/// The abnormal experiences of `room` at times in `[from, to]`, ordered by time, user and
/// experience: a slow entry (over 5 s), and every minute in which a user's audio or video
/// stuttered, with the cause — the sender's uplink loss or device overload, or the receiver's
/// own downlink loss.
pub fn abnormal(room: &Room, from: u64, to: u64, now: u64) -> Vec<Abnormal> {
    let mut out = Vec::new();
    let mut written_users: Vec<&str> = Vec::new();
    for session in room.sessions_at(now) {
        let Some(written) = session.written.as_ref().and_then(|w| w.abnormal.as_ref()) else { continue };
        written_users.push(&session.user_id);
        out.extend(written.iter().filter(|a| (from..=to).contains(&a.time)).map(|a| Abnormal {
            user_id: session.user_id.clone(),
            time: a.time,
            experience_id: a.experience_id,
            causes: a.causes.clone(),
        }));
    }
    for receiver in room.sessions_at(now).filter(|s| !written_users.contains(&s.user_id.as_str())) {
        if receiver.join_ms > 5000 {
            let minute = receiver.join_ts / 60 * 60;
            if (from..=to).contains(&minute) {
                out.push(Abnormal {
                    user_id: receiver.user_id.clone(),
                    time: minute,
                    experience_id: SLOW_ENTRY,
                    causes: vec![(1013, String::new())],
                });
            }
        }
        let (join, leave) = room.stay(receiver, now);
        // Every second something could stutter: the incidents of the receiver and of everyone.
        let mut trouble: Vec<(u64, u64)> = room
            .sessions_at(now)
            .flat_map(|s| room.incidents_at(s, now))
            .map(|i| (i.start.max(join).max(from), i.end.min(leave).min(to.saturating_add(60))))
            .filter(|(a, b)| a < b)
            .collect();
        trouble.sort_unstable();
        let mut minutes: Vec<u64> = trouble.iter().flat_map(|(a, b)| (a / 60..=(b - 1) / 60).map(|m| m * 60)).collect();
        minutes.dedup();
        let links: Vec<(String, quality::Link<'_>)> = quality::peers(room, &receiver.user_id, now)
            .into_iter()
            .map(|p| {
                let link = quality::Link::new(room, receiver, &p, now);
                (p, link)
            })
            .collect();
        for minute in minutes.into_iter().filter(|m| (from..=to).contains(m)) {
            for video in [true, false] {
                let causes = causes(room, receiver, &links, video, minute, now);
                if !causes.is_empty() {
                    let experience_id = if video { VIDEO_LAG } else { AUDIO_LAG };
                    out.push(Abnormal { user_id: receiver.user_id.clone(), time: minute, experience_id, causes });
                }
            }
        }
    }
    out.sort_by(|a, b| (a.time, &a.user_id, a.experience_id).cmp(&(b.time, &b.user_id, b.experience_id)));
    out
}

/// Why `receiver` stuttered (video or audio) in the minute from `minute`: empty if it did not.
fn causes(
    room: &Room,
    receiver: &Session,
    links: &[(String, quality::Link<'_>)],
    video: bool,
    minute: u64,
    now: u64,
) -> Vec<(u64, String)> {
    let mut out: Vec<(u64, String)> = Vec::new();
    let mut add = |id: u64, peer: &str| {
        if !out.iter().any(|(i, p)| *i == id && p == peer) {
            out.push((id, peer.to_owned()));
        }
    };
    let (join, leave) = room.stay(receiver, now);
    for t in minute.max(join)..(minute + 60).min(leave) {
        for (sender, link) in links {
            if !link.stutters(video, t) {
                continue;
            }
            match (link.sender_trouble(t), video) {
                (Some(IncidentKind::UplinkLoss), true) => add(2007, sender),
                (Some(IncidentKind::UplinkLoss), false) => add(2005, sender),
                (Some(IncidentKind::HighCpu), true) => {
                    add(2002, sender);
                    add(2010, sender);
                }
                _ => {}
            }
            if link.receiver_loss(t) {
                if video {
                    add(2017, "");
                    add(2024, "");
                } else {
                    add(2015, "");
                    add(2023, "");
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::world::generator::{Density, Generator};

    fn rooms() -> Vec<std::sync::Arc<Room>> {
        let g = Generator::new(5, Density { incidents_per_hour: 4.0, ..Density::default() });
        (470_000..470_030)
            .flat_map(|b| (0..g.count(2, b)).map(move |i| (b, i)))
            .map(|(b, i)| g.room(&g.skeleton(2, b, i)))
            .collect()
    }

    #[test]
    fn every_stay_enters_before_it_leaves_and_the_room_frames_it_all() {
        for room in rooms() {
            let all = events(&room, 0, u64::MAX, u64::MAX);
            assert_eq!(all.first().unwrap().kind, Kind::RoomCreated);
            assert_eq!(all.last().unwrap().kind, Kind::RoomDestroyed);
            for s in &room.sessions {
                let entered =
                    all.iter().filter(|e| e.user_id == s.user_id && matches!(e.kind, Kind::Entered { .. })).count();
                let exited =
                    all.iter().filter(|e| e.user_id == s.user_id && matches!(e.kind, Kind::Exited { .. })).count();
                assert_eq!(entered, exited);
                assert!(entered >= 1);
            }
            assert!(all.windows(2).all(|w| w[0].time_ms <= w[1].time_ms));
        }
    }

    #[test]
    fn an_app_s_timeline_is_its_rooms_events_in_order() {
        use crate::world::{Clock, Fixtures, SystemWallClock, World};
        let clock = Clock::new(std::sync::Arc::new(SystemWallClock), Some(1_692_000_000), true);
        let world = World::new(clock, Generator::new(5, Density::default()), Fixtures::default());
        let (from, to) = (1_691_990_000_000, 1_691_996_000_000);
        let all = world.timeline(2, from, to, 1_692_000_000);
        assert!(!all.is_empty());
        assert!(all.windows(2).all(|w| w[0].1.time_ms <= w[1].1.time_ms));
        assert!(all.iter().all(|(_, e)| (from..=to).contains(&e.time_ms)));
        // The same events as asking each room.
        let mut rooms: Vec<_> = all.iter().map(|(r, _)| r.comm_id.clone()).collect();
        rooms.sort();
        rooms.dedup();
        let per_room: usize = rooms
            .iter()
            .map(|c| {
                let room = &all.iter().find(|(r, _)| &r.comm_id == c).unwrap().0;
                events(room, from, to, 1_692_000_000).len()
            })
            .sum();
        assert_eq!(per_room, all.len());
    }

    #[test]
    fn the_open_part_of_history_is_hidden() {
        let room = &rooms()[0];
        let now = room.create_time + 30;
        let seen = events(room, 0, u64::MAX, now);
        assert!(seen.iter().all(|e| e.time_ms / 1000 <= now));
        assert!(!seen.iter().any(|e| e.kind == Kind::RoomDestroyed));
    }

    #[test]
    fn user_events_start_with_entering_and_end_with_leaving() {
        for room in rooms() {
            for s in &room.sessions {
                let groups = user_events(&room, &s.user_id, 0, u64::MAX, u64::MAX);
                let (peer, own) = &groups[0];
                assert_eq!(peer, &s.user_id);
                let ids: Vec<u64> = own.iter().map(|e| e.event_id).collect();
                let (enter, exit) = if s.device_type == "web" { (32788, 32789) } else { (5003, 5008) };
                assert!(ids.contains(&enter) && ids.contains(&exit), "{ids:?}");
                for (_, events) in &groups {
                    assert!(events.windows(2).all(|w| w[0].time_ms <= w[1].time_ms));
                }
            }
        }
    }

    #[test]
    fn abnormal_experiences_are_minutes_of_stutter() {
        let mut found = 0;
        for room in rooms() {
            for a in abnormal(&room, 0, u64::MAX, u64::MAX) {
                assert_eq!(a.time % 60, 0);
                assert!(!a.causes.is_empty());
                found += 1;
                if a.experience_id == VIDEO_LAG {
                    let receiver = room.sessions.iter().find(|s| s.user_id == a.user_id).unwrap();
                    let any = room.sessions.iter().filter(|s| s.user_id == a.user_id).any(|r| {
                        (a.time..a.time + 60).any(|t| {
                            quality::peers(&room, &receiver.user_id, u64::MAX)
                                .iter()
                                .any(|p| quality::stutters(&room, r, p, true, t, u64::MAX))
                        })
                    });
                    assert!(any);
                }
            }
        }
        assert!(found > 0);
    }
}
