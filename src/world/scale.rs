//! Scale and quality figures of an app's history, at instants and over periods: who and which
//! rooms were present at an instant, peaks, per-period distinct counts, freeze seconds, network
//! delay and join statistics. `DescribeScaleInfo` and the dashboard actions all count here.
//!
//! The rules, as the README's "Dashboard figures" section states them:
//!
//! - **Presence at an instant** `t` is half-open: a stay is present when `join ≤ t < leave`; a
//!   stay still open at `now` is present at `now` itself (it is in the room, as
//!   `DescribeUserInfo` shows it). A user is counted once per room even if two of their stays
//!   in it overlapped; a user in two rooms counts twice. A room is present while at least one
//!   of its users is ("from the first user's joining until all users have left", Tencent's
//!   definition of a channel); in the generated history that is exactly
//!   `CreateTime ≤ t < DestroyTime`, as the creator opens and closes the room.
//! - **Peaks** are the maxima of those counts over the instants of a period that have come by
//!   `now`; counts only change at stay boundaries, so a sweep over the boundaries finds them.
//! - **Per-period counts** use the inclusive rule of `DescribeRoomInfo` and `DescribeScaleInfo`:
//!   rooms active at some point of `[start, end − 1]`, stays overlapping it (entries), and users
//!   counted once per room.
//! - **Freeze**: a receiver-second is one second `t` of a stay (`join ≤ t < leave`, cut at
//!   `now`) in which some remote user was sending video (audio) to it ([`Link::receives`]); it
//!   stutters when what it got from any of them stuttered ([`Link::stutters`], the rule behind
//!   `aBlock`/`bigvBlock` and `DescribeUnusualEvent`).
//! - **Network delay**: a user-second is one second of a stay; it is delayed when the user's
//!   `rtt` is over 400 ms, which happens exactly during a `HighRtt` incident.
//! - **Joins**: each stay that began in the period is a successful attempt to enter, preceded by
//!   its `failed_joins` failed ones; it succeeded within 5 s when entering took at most 5,000 ms
//!   (`join_ms`; `DescribeUnusualEvent` reports a slow entry above that).
//!
//! Every function visits the rooms active in its window once ([`World::for_each_room`]) and
//! keeps nothing: cost is proportional to the rooms (and stays) of the window, plus the number
//! of instants or periods asked for.

use std::collections::HashMap;
use std::ops::Range;

use super::World;
use super::model::{IncidentKind, Room, Session, Stream};
use super::quality::{self, Link};

/// Periods `[start + i·step, start + (i + 1)·step)` for `i` in `0..count`: days, hours, or the
/// 10-second spans of the real-time dashboards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grid {
    pub start: u64,
    pub step: u64,
    pub count: usize,
}

impl Grid {
    pub fn new(start: u64, step: u64, count: usize) -> Self {
        assert!(step > 0, "a grid has a step");
        Self { start, step, count }
    }

    /// Where the last period ends (exclusive).
    pub fn end(&self) -> u64 {
        self.start + self.step * self.count as u64
    }

    /// `[start, end)` of period `i`.
    pub fn period(&self, i: usize) -> (u64, u64) {
        let a = self.start + self.step * i as u64;
        (a, a + self.step)
    }

    /// The period holding second `t`.
    pub fn index(&self, t: u64) -> Option<usize> {
        (self.start..self.end()).contains(&t).then(|| ((t - self.start) / self.step) as usize)
    }

    /// The periods that hold some second of the inclusive `[a, b]`.
    fn touching(&self, a: u64, b: u64) -> Range<usize> {
        if self.count == 0 || b < self.start || a >= self.end() || b < a {
            return 0..0;
        }
        let first = (a.max(self.start) - self.start) / self.step;
        let last = (b.min(self.end() - 1) - self.start) / self.step;
        first as usize..last as usize + 1
    }

    /// The window of rooms to visit: the whole grid, inclusive.
    fn window(&self) -> Option<(u64, u64)> {
        (self.count > 0).then(|| (self.start, self.end() - 1))
    }
}

/// A count of some seconds out of others: stuttering out of received, delayed out of present,
/// successful out of attempted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Ratio {
    pub part: u64,
    pub whole: u64,
}

impl Ratio {
    /// `100 × part / whole` rounded to the nearest integer (halves up); 0 when there is nothing
    /// to count.
    pub fn percent(self) -> i64 {
        self.rounded(100) as i64
    }

    /// The same percentage rounded to two decimals.
    pub fn percent_2dp(self) -> f64 {
        self.rounded(10_000) as f64 / 100.0
    }

    fn rounded(self, scale: u128) -> u128 {
        if self.whole == 0 {
            return 0;
        }
        let (part, whole) = (u128::from(self.part), u128::from(self.whole));
        (2 * scale * part + whole) / (2 * whole)
    }
}

// ---- presence at instants --------------------------------------------------------------------

/// How many were present at one instant.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Presence {
    /// (room, user) pairs.
    pub users: u64,
    /// Rooms with at least one user present.
    pub rooms: u64,
}

/// Where a stay is, for instant counts: `[join, leave)`, with an open stay present at `now`.
pub fn presence(room: &Room, session: &Session, now: u64) -> (u64, u64) {
    let leave = room.leave_at(session, now).unwrap_or(now.saturating_add(1));
    (session.join_ts, leave.max(session.join_ts))
}

/// Sorted, disjoint, non-empty union of `intervals` (`[from, to)` each).
fn merge(mut intervals: Vec<(u64, u64)>) -> Vec<(u64, u64)> {
    intervals.retain(|(a, b)| a < b);
    intervals.sort_unstable();
    let mut out: Vec<(u64, u64)> = Vec::with_capacity(intervals.len());
    for (a, b) in intervals {
        match out.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => out.push((a, b)),
        }
    }
    out
}

/// The boundaries of presence in `room`: `(time, change of users, change of rooms)`.
fn boundaries(room: &Room, now: u64, out: &mut Vec<(u64, i64, i64)>) {
    let mut by_user: HashMap<&str, Vec<(u64, u64)>> = HashMap::new();
    for session in room.sessions_at(now) {
        by_user.entry(&session.user_id).or_default().push(presence(room, session, now));
    }
    let mut all = Vec::new();
    for (_, stays) in by_user {
        for (a, b) in merge(stays) {
            out.push((a, 1, 0));
            out.push((b, -1, 0));
            all.push((a, b));
        }
    }
    for (a, b) in merge(all) {
        out.push((a, 0, 1));
        out.push((b, 0, -1));
    }
}

/// Presence boundaries of the rooms active in `window`, sorted by time.
fn sweep_events(world: &World, app: u64, room_id: Option<&str>, window: (u64, u64), now: u64) -> Vec<(u64, i64, i64)> {
    let mut events = Vec::new();
    world.for_each_room(app, window, now, |room| {
        if room_id.is_none_or(|id| room.room_string == id) {
            boundaries(room, now, &mut events);
        }
    });
    events.sort_unstable_by_key(|e| e.0);
    events
}

/// A running count over sorted boundaries.
struct Sweep<'a> {
    events: &'a [(u64, i64, i64)],
    next: usize,
    users: i64,
    rooms: i64,
}

impl<'a> Sweep<'a> {
    fn new(events: &'a [(u64, i64, i64)]) -> Self {
        Self { events, next: 0, users: 0, rooms: 0 }
    }

    /// Applies every boundary at or before `t`: the counts are then those at `t`.
    fn advance_to(&mut self, t: u64) {
        while let Some(&(time, du, dr)) = self.events.get(self.next) {
            if time > t {
                break;
            }
            self.users += du;
            self.rooms += dr;
            self.next += 1;
        }
    }

    /// The time of the next boundary.
    fn peek(&self) -> Option<u64> {
        self.events.get(self.next).map(|e| e.0)
    }

    fn now(&self) -> Presence {
        Presence { users: self.users.max(0) as u64, rooms: self.rooms.max(0) as u64 }
    }
}

/// (room, user) pairs and rooms present at each of `instants` (ascending, none after `now`),
/// in the rooms of `app` (only those named `room_id`, if given): one sweep over the stay
/// boundaries of the rooms active between the first and the last instant.
pub fn at_instants(world: &World, app: u64, room_id: Option<&str>, instants: &[u64], now: u64) -> Vec<Presence> {
    let (Some(&first), Some(&last)) = (instants.first(), instants.last()) else { return Vec::new() };
    let events = sweep_events(world, app, room_id, (first, last), now);
    let mut sweep = Sweep::new(&events);
    instants
        .iter()
        .map(|&t| {
            sweep.advance_to(t);
            sweep.now()
        })
        .collect()
}

// ---- scale over periods ----------------------------------------------------------------------

/// The scale of one period.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Scale {
    /// Rooms active at some point of the period (`RoomNumbers`, `roomCount`).
    pub rooms: u64,
    /// Stays overlapping the period: every entry counts (`UserCount`).
    pub entries: u64,
    /// Users counted once per room (`UserNumber`, `userCount`).
    pub users: u64,
    /// Most (room, user) pairs present at one instant of the period, up to `now`.
    pub peak_users: u64,
    /// Most rooms present at one instant of the period, up to `now`.
    pub peak_rooms: u64,
}

/// The scale of every period of `grid`, in one visit of the rooms active in it.
pub fn over_periods(world: &World, app: u64, grid: Grid, now: u64) -> Vec<Scale> {
    let mut out = vec![Scale::default(); grid.count];
    let Some(window) = grid.window() else { return out };
    let mut events = Vec::new();
    world.for_each_room(app, window, now, |room| {
        for i in grid.touching(room.create_time, room.end_or(now)) {
            let (a, b) = grid.period(i);
            if room.overlaps(a, b - 1, now) {
                out[i].rooms += 1;
            }
        }
        let mut seen: Vec<(usize, &str)> = Vec::new();
        for session in room.sessions_at(now) {
            for i in grid.touching(session.join_ts, room.leave_or(session, now)) {
                let (a, b) = grid.period(i);
                if room.session_overlaps(session, a, b - 1, now) {
                    out[i].entries += 1;
                    seen.push((i, &session.user_id));
                }
            }
        }
        seen.sort_unstable();
        seen.dedup();
        for (i, _) in seen {
            out[i].users += 1;
        }
        boundaries(room, now, &mut events);
    });
    events.sort_unstable_by_key(|e| e.0);
    let mut sweep = Sweep::new(&events);
    for (i, scale) in out.iter_mut().enumerate() {
        let (a, b) = grid.period(i);
        // Instants of the period that have come: up to now, inclusive.
        let b = b.min(now.saturating_add(1));
        if a >= b {
            continue;
        }
        sweep.advance_to(a);
        let mut peak = sweep.now();
        while let Some(t) = sweep.peek().filter(|t| *t < b) {
            sweep.advance_to(t);
            let here = sweep.now();
            peak = Presence { users: peak.users.max(here.users), rooms: peak.rooms.max(here.rooms) };
        }
        scale.peak_users = peak.users;
        scale.peak_rooms = peak.rooms;
    }
    out
}

// ---- quality over periods --------------------------------------------------------------------

/// The quality of one period.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Quality {
    /// Receiver-seconds that stuttered, out of those that received video.
    pub video: Ratio,
    /// Receiver-seconds that stuttered, out of those that received audio.
    pub audio: Ratio,
    /// User-seconds with `rtt` over 400 ms, out of all user-seconds in rooms.
    pub delay: Ratio,
    /// Stays begun in the period, out of the attempts to enter (theirs and their failed ones).
    pub joined: Ratio,
    /// Stays begun in the period within 5 s of trying, out of the attempts to enter.
    pub joined_in_5s: Ratio,
}

/// Seconds counted into the periods of a grid: whole intervals in O(1) each.
struct Seconds {
    grid: Grid,
    partial: Vec<u64>,
    /// Difference array of how many intervals cover each period whole.
    whole: Vec<i64>,
}

impl Seconds {
    fn new(grid: Grid) -> Self {
        Self { grid, partial: vec![0; grid.count], whole: vec![0; grid.count + 1] }
    }

    /// Counts the seconds of `[from, to)` that lie in the grid.
    fn add(&mut self, from: u64, to: u64) {
        let g = self.grid;
        let (from, to) = (from.max(g.start), to.min(g.end()));
        if from >= to {
            return;
        }
        let i = ((from - g.start) / g.step) as usize;
        let j = ((to - 1 - g.start) / g.step) as usize;
        if i == j {
            self.partial[i] += to - from;
            return;
        }
        self.partial[i] += g.period(i).1 - from;
        self.partial[j] += to - g.period(j).0;
        self.whole[i + 1] += 1;
        self.whole[j] -= 1;
    }

    fn one(&mut self, t: u64) {
        if let Some(i) = self.grid.index(t) {
            self.partial[i] += 1;
        }
    }

    fn totals(self) -> Vec<u64> {
        let mut covering = 0i64;
        self.partial
            .iter()
            .zip(&self.whole)
            .map(|(partial, change)| {
                covering += change;
                partial + covering.max(0) as u64 * self.grid.step
            })
            .collect()
    }
}

/// The sender's `[from, to)` periods of sending `stream` to a stay present in `[join, leave)`.
fn sending(room: &Room, sender: &str, stream: Stream, (join, leave): (u64, u64), now: u64) -> Vec<(u64, u64)> {
    let mut out = Vec::new();
    for stay in room.sessions_at(now).filter(|s| s.user_id == sender) {
        let (sj, sl) = room.stay(stay, now);
        for (kind, from, to) in room.publishing_at(stay, now) {
            if kind == stream {
                out.push((from.max(sj).max(join), to.min(sl).min(leave)));
            }
        }
    }
    out
}

/// Incident periods of the kinds in `kinds` in any stay of `user`, as `[from, to)`.
fn troubles(room: &Room, user: &str, kinds: &[IncidentKind], now: u64) -> Vec<(u64, u64)> {
    room.sessions_at(now)
        .filter(|s| s.user_id == user)
        .flat_map(|s| room.incidents_at(s, now))
        .filter(|i| kinds.contains(&i.kind))
        .map(|i| (i.start, i.end))
        .collect()
}

/// The quality of every period of `grid` in the rooms of `app` (only those named `room_id`, if
/// given), in one visit of the rooms active in it.
pub fn quality(world: &World, app: u64, room_id: Option<&str>, grid: Grid, now: u64) -> Vec<Quality> {
    let Some(window) = grid.window() else { return Vec::new() };
    // Seconds: video received, video stuttered, audio received, audio stuttered, present, delayed.
    let mut seconds: [Seconds; 6] = std::array::from_fn(|_| Seconds::new(grid));
    let mut joins = vec![(0u64, 0u64, 0u64); grid.count];
    world.for_each_room(app, window, now, |room| {
        if room_id.is_some_and(|id| room.room_string != id) {
            return;
        }
        let mut peers: HashMap<&str, Vec<String>> = HashMap::new();
        for receiver in room.sessions_at(now) {
            if let Some(i) = grid.index(receiver.join_ts) {
                let attempts = 1 + u64::from(receiver.failed_joins);
                joins[i].0 += attempts;
                joins[i].1 += 1;
                joins[i].2 += u64::from(receiver.join_ms <= 5000);
            }
            let stay = room.stay(receiver, now);
            let (join, leave) = (stay.0.max(grid.start), stay.1.min(grid.end()));
            if join >= leave {
                continue;
            }
            seconds[4].add(join, leave);
            let own = |kind| {
                merge(room.incidents_at(receiver, now).filter(|i| i.kind == kind).map(|i| (i.start, i.end)).collect())
            };
            for (a, b) in own(IncidentKind::HighRtt) {
                seconds[5].add(a.max(join), b.min(leave));
            }
            let peers = peers.entry(&receiver.user_id).or_insert_with(|| quality::peers(room, &receiver.user_id, now));
            if peers.is_empty() {
                continue;
            }
            let links: Vec<Link<'_>> = peers.iter().map(|p| Link::new(room, receiver, p, now)).collect();
            let own_loss = own(IncidentKind::DownlinkLoss);
            for (video, received, stuttered) in [(true, 0, 1), (false, 2, 3)] {
                let stream = if video { Stream::Video } else { Stream::Audio };
                let receiving =
                    merge(peers.iter().flat_map(|p| sending(room, p, stream, (join, leave), now)).collect());
                for &(a, b) in &receiving {
                    seconds[received].add(a, b);
                }
                if receiving.is_empty() {
                    continue;
                }
                // Only these seconds can stutter: the receiver's downlink loss, the senders'
                // uplink loss and, for video, their overloaded devices.
                let kinds: &[IncidentKind] = if video {
                    &[IncidentKind::UplinkLoss, IncidentKind::HighCpu]
                } else {
                    &[IncidentKind::UplinkLoss]
                };
                let mut candidates = own_loss.clone();
                for p in peers.iter() {
                    candidates.extend(troubles(room, p, kinds, now));
                }
                for (a, b) in merge(candidates) {
                    for t in a.max(join)..b.min(leave) {
                        if links.iter().any(|l| l.stutters(video, t)) {
                            seconds[stuttered].one(t);
                        }
                    }
                }
            }
        }
    });
    let [video, video_stutter, audio, audio_stutter, present, delayed] = seconds.map(Seconds::totals);
    (0..grid.count)
        .map(|i| {
            let (attempts, joined, quick) = joins[i];
            Quality {
                video: Ratio { part: video_stutter[i], whole: video[i] },
                audio: Ratio { part: audio_stutter[i], whole: audio[i] },
                delay: Ratio { part: delayed[i], whole: present[i] },
                joined: Ratio { part: joined, whole: attempts },
                joined_in_5s: Ratio { part: quick, whole: attempts },
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;
    use std::sync::Arc;

    use super::*;
    use crate::pure::hash::{below, mix};
    use crate::world::generator::{BUCKET_SECS, Density, Generator, MAX_ROOM_SECS};
    use crate::world::{Clock, Fixtures, SystemWallClock};

    const APP: u64 = 1_400_000_001;
    const BASE: u64 = 470_000 * 3600;
    /// Virtual now of the tests: in the middle of the history, so that rooms are open.
    const NOW: u64 = BASE + 30 * 3600 + 1234;

    fn world(rooms_per_hour: u32) -> World {
        let density = Density { rooms_per_hour, incidents_per_hour: 6.0, ..Density::default() };
        World::new(
            Clock::new(Arc::new(SystemWallClock), Some(NOW as i64), true),
            Generator::new(5, density),
            Fixtures::default(),
        )
    }

    /// Every room created in `[from, to]` (and up to 4 h before), built from the generator
    /// directly, as it stands at `now`.
    fn rooms(world: &World, from: u64, to: u64, now: u64) -> Vec<Arc<Room>> {
        let g = &world.generator;
        let mut out = Vec::new();
        for bucket in from.saturating_sub(MAX_ROOM_SECS) / BUCKET_SECS..=to / BUCKET_SECS {
            for i in 0..g.count(APP, bucket) {
                let room = g.room(&g.skeleton(APP, bucket, i));
                if room.visible(now) {
                    out.push(room);
                }
            }
        }
        out
    }

    fn brute_presence(rooms: &[Arc<Room>], t: u64, now: u64) -> Presence {
        let mut users = 0;
        let mut active = 0;
        for room in rooms {
            let here: HashSet<&str> = room
                .sessions_at(now)
                .filter(|s| {
                    let (join, leave) = presence(room, s, now);
                    join <= t && t < leave
                })
                .map(|s| s.user_id.as_str())
                .collect();
            users += here.len() as u64;
            active += u64::from(!here.is_empty());
        }
        Presence { users, rooms: active }
    }

    fn random_instants(n: u64, from: u64, to: u64, salt: u64) -> Vec<u64> {
        let mut out: Vec<u64> = (0..n).map(|i| from + below(mix(salt, &[i]), to - from + 1)).collect();
        out.extend([from, to]);
        out.sort_unstable();
        out
    }

    #[test]
    fn instant_counts_are_the_stays_present() {
        for rph in [1, 4, 40] {
            let w = world(rph);
            let instants = random_instants(300, NOW - 20 * 3600, NOW, u64::from(rph));
            let all = rooms(&w, instants[0], NOW, NOW);
            let got = at_instants(&w, APP, None, &instants, NOW);
            let mut busy = 0;
            for (t, presence) in instants.iter().zip(&got) {
                assert_eq!(*presence, brute_presence(&all, *t, NOW), "at {t}");
                assert!(presence.users >= presence.rooms, "{presence:?} at {t}");
                busy += u64::from(presence.rooms > 1);
            }
            assert!(busy > 0);
            // In the generated history a room is present exactly from creation to destruction.
            for t in [NOW, NOW - 1, NOW - 3600] {
                let open =
                    all.iter().filter(|r| r.create_time <= t && (t < r.end_or(NOW) || !r.is_finished(NOW))).count();
                assert_eq!(at_instants(&w, APP, None, &[t], NOW)[0].rooms, open as u64, "at {t}");
            }
        }
    }

    #[test]
    fn a_room_filter_counts_that_room_only() {
        let w = world(4);
        let all = rooms(&w, NOW - 7200, NOW, NOW);
        let room = all.iter().find(|r| r.sessions.len() > 3 && r.create_time + 600 < NOW).unwrap();
        let instants = random_instants(50, room.create_time, room.end_or(NOW), 9);
        let got = at_instants(&w, APP, Some(&room.room_string), &instants, NOW);
        for (t, presence) in instants.iter().zip(got) {
            let same_name: Vec<Arc<Room>> = all.iter().filter(|r| r.room_string == room.room_string).cloned().collect();
            assert_eq!(presence, brute_presence(&same_name, *t, NOW));
        }
    }

    #[test]
    fn a_user_is_counted_once_per_room_and_a_room_while_someone_is_in_it() {
        let mut fixtures = Fixtures::default();
        let doc = r#"{"Apps": [{"SdkAppId": 7, "Rooms": [
            {"RoomId": 1, "CreateTime": 100, "DestroyTime": 500, "Users": [
                {"UserId": "a", "JoinTs": 100, "LeaveTs": 200},
                {"UserId": "a", "JoinTs": 150, "LeaveTs": 300},
                {"UserId": "b", "JoinTs": 250, "LeaveTs": 400}]},
            {"RoomId": 2, "CreateTime": 120, "Users": [{"UserId": "a", "JoinTs": 120}]}]}]}"#;
        fixtures.add_document("test", doc).unwrap();
        let w = World::new(
            Clock::new(Arc::new(SystemWallClock), Some(1000), true),
            Generator::new(1, Density::default()),
            fixtures,
        );
        let counts = at_instants(&w, 7, None, &[99, 100, 160, 260, 300, 399, 400, 450, 1000], 1000);
        let users: Vec<u64> = counts.iter().map(|p| p.users).collect();
        let rooms: Vec<u64> = counts.iter().map(|p| p.rooms).collect();
        assert_eq!(users, [0, 1, 2, 3, 2, 2, 1, 1, 1]);
        assert_eq!(rooms, [0, 1, 2, 2, 2, 2, 1, 1, 1], "room 1 is empty from 400, room 2 is open at now");
        let hour = over_periods(&w, 7, Grid::new(0, 3600, 1), 1000);
        assert_eq!((hour[0].peak_users, hour[0].peak_rooms), (3, 2));
        assert_eq!((hour[0].rooms, hour[0].entries, hour[0].users), (2, 4, 3));
    }

    /// DescribeScaleInfo's figures of one day as it first counted them: a visit per day.
    fn day_by_day(w: &World, day: u64, now: u64) -> (u64, u64, u64) {
        let window = (day, day + 86_399);
        let (mut rooms, mut entries, mut users) = (0u64, 0u64, 0u64);
        w.for_each_room(APP, window, now, |room| {
            rooms += 1;
            let mut seen: Vec<&str> = Vec::new();
            for stay in room.sessions_at(now).filter(|s| room.session_overlaps(s, window.0, window.1, now)) {
                entries += 1;
                if !seen.contains(&stay.user_id.as_str()) {
                    seen.push(&stay.user_id);
                }
            }
            users += seen.len() as u64;
        });
        (rooms, entries, users)
    }

    #[test]
    fn period_counts_are_the_daily_figures_and_peaks_the_maxima_of_instants() {
        for rph in [1, 4, 30] {
            let w = world(rph);
            let first = Generator::day_of(NOW) - 2 * 86_400;
            let days = over_periods(&w, APP, Grid::new(first, 86_400, 3), NOW);
            for (i, day) in days.iter().enumerate() {
                let start = first + i as u64 * 86_400;
                assert_eq!((day.rooms, day.entries, day.users), day_by_day(&w, start, NOW), "day {i}");
                assert!(day.peak_users <= day.users && day.peak_rooms <= day.rooms && day.peak_rooms >= 1);
            }
            // Hours: the counts over the hour, and the peaks against every second of it.
            let grid = Grid::new(NOW - NOW % 3600 - 5 * 3600, 3600, 7);
            let hours = over_periods(&w, APP, grid, NOW);
            for (i, hour) in hours.iter().enumerate() {
                let (a, b) = grid.period(i);
                let whole = day_by_window(&w, a, b - 1, NOW);
                assert_eq!((hour.rooms, hour.entries, hour.users), whole, "hour {i}");
                let seconds: Vec<u64> = (a..b.min(NOW + 1)).collect();
                let instants = at_instants(&w, APP, None, &seconds, NOW);
                let peak_users = instants.iter().map(|p| p.users).max().unwrap_or(0);
                let peak_rooms = instants.iter().map(|p| p.rooms).max().unwrap_or(0);
                assert_eq!((hour.peak_users, hour.peak_rooms), (peak_users, peak_rooms), "hour {i}");
            }
            assert_eq!(hours[6], Scale::default(), "an hour not begun has nothing");
        }
    }

    fn day_by_window(w: &World, start: u64, end: u64, now: u64) -> (u64, u64, u64) {
        let (mut rooms, mut entries, mut users) = (0u64, 0u64, 0u64);
        for room in rooms_in(w, start, end, now) {
            rooms += 1;
            let stays: Vec<&Session> =
                room.sessions_at(now).filter(|s| room.session_overlaps(s, start, end, now)).collect();
            entries += stays.len() as u64;
            users += stays.iter().map(|s| &s.user_id).collect::<HashSet<_>>().len() as u64;
        }
        (rooms, entries, users)
    }

    fn rooms_in(w: &World, start: u64, end: u64, now: u64) -> Vec<Arc<Room>> {
        rooms(w, start, end, now).into_iter().filter(|r| r.overlaps(start, end, now)).collect()
    }

    /// The quality figures of `[a, b)` second by second, from the links themselves.
    fn brute_quality(w: &World, a: u64, b: u64, now: u64) -> Quality {
        let mut q = Quality::default();
        for room in rooms_in(w, a, b - 1, now) {
            for receiver in room.sessions_at(now) {
                if (a..b).contains(&receiver.join_ts) {
                    q.joined.whole += 1 + u64::from(receiver.failed_joins);
                    q.joined.part += 1;
                    q.joined_in_5s.part += u64::from(receiver.join_ms <= 5000);
                }
                q.joined_in_5s.whole = q.joined.whole;
                let (join, leave) = room.stay(receiver, now);
                let peers = quality::peers(&room, &receiver.user_id, now);
                let links: Vec<Link<'_>> = peers.iter().map(|p| Link::new(&room, receiver, p, now)).collect();
                for t in join.max(a)..leave.min(b) {
                    q.delay.whole += 1;
                    let rtt = quality::value(&room, receiver, None, quality::Metric::Rtt, t, now);
                    q.delay.part += u64::from(rtt > 400.0);
                    for (video, ratio) in [(true, &mut q.video), (false, &mut q.audio)] {
                        ratio.whole += u64::from(links.iter().any(|l| l.receives(video, t)));
                        ratio.part += u64::from(links.iter().any(|l| l.stutters(video, t)));
                    }
                }
            }
        }
        q
    }

    #[test]
    fn quality_is_the_links_second_by_second() {
        let w = world(4);
        // Ten-second spans ending at now, and hours: both grids cut by now.
        let grids = [Grid::new(NOW - NOW % 10 - 3600, 10, 361), Grid::new(NOW - NOW % 3600 - 4 * 3600, 3600, 5)];
        let mut stutters = [0, 0, 0];
        for grid in grids {
            let got = quality(&w, APP, None, grid, NOW);
            for (i, q) in got.iter().enumerate() {
                let (a, b) = grid.period(i);
                assert_eq!(*q, brute_quality(&w, a, b, NOW), "period {i} of {grid:?}");
                assert!(q.video.part <= q.video.whole && q.audio.part <= q.audio.whole);
                stutters[0] += q.video.part;
                stutters[1] += q.audio.part;
                stutters[2] += q.delay.part;
            }
        }
        assert!(stutters.iter().all(|s| *s > 0), "incidents show: {stutters:?}");
    }

    #[test]
    fn ratios_round_halves_up_and_count_nothing_as_zero() {
        assert_eq!(Ratio { part: 0, whole: 0 }.percent(), 0);
        assert_eq!(Ratio { part: 1, whole: 40 }.percent(), 3);
        assert_eq!(Ratio { part: 1, whole: 41 }.percent(), 2);
        assert_eq!(Ratio { part: 1, whole: 3 }.percent_2dp(), 33.33);
        assert_eq!(Ratio { part: 2, whole: 3 }.percent_2dp(), 66.67);
        assert_eq!(Ratio { part: 7, whole: 7 }.percent(), 100);
        assert_eq!(Ratio { part: u64::MAX, whole: u64::MAX }.percent_2dp(), 100.0);
    }

    #[test]
    fn seconds_split_across_periods() {
        let grid = Grid::new(100, 10, 5);
        let mut s = Seconds::new(grid);
        s.add(95, 160);
        s.add(112, 118);
        s.add(133, 147);
        s.one(149);
        s.one(150);
        s.one(99);
        assert_eq!(s.totals(), vec![10, 16, 10, 17, 18]);
        assert_eq!(grid.touching(0, 99), 0..0);
        assert_eq!(grid.touching(0, 100), 0..1);
        assert_eq!(grid.touching(119, 1000), 1..5);
        assert_eq!(Grid::new(0, 1, 0).window(), None);
    }
}
