//! Call-quality metrics of a stay, one point every 2 seconds, as `DescribeCallDetailInfo`
//! reports them: upstream (what the user sends; `PeerId` empty) and downstream from each
//! remote user who published something while both were in the room.
//!
//! A value is a pure function of (room seed, user, peer, metric, time): the same point has the
//! same value whatever window asks for it. Values follow what the user published (a stream that
//! is off reports 0) and the quality incidents of the stay: the sender's uplink loss or device
//! overload and the receiver's downlink loss make the receiver stutter (`aBlock`, `bigvBlock`),
//! which is exactly what the dashboards count as freezes and what `DescribeUnusualEvent`
//! reports.

use super::model::{IncidentKind, Resolution, Room, Session, Stream};
use crate::pure::hash::{fnv1a, mix, unit};

/// Seconds between two points of a series.
pub const STEP: u64 = 2;

/// A quality metric (`DataType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Metric {
    AppCpu,
    SysCpu,
    ABit,
    ABlock,
    BigvBit,
    BigvCapFps,
    BigvEncFps,
    BigvDecFps,
    BigvBlock,
    ALoss,
    BigvLoss,
    BigvWidth,
    BigvHeight,
    ACapEnergy,
    APlayEnergy,
    Rtt,
    BigvRecFps,
}

/// Which sides of a stream a metric is measured on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Only what the user sends, or their device (`PeerId` empty).
    Up,
    /// Only what the user receives from each remote user.
    Down,
    Both,
}

impl Metric {
    /// Every metric, in the order of the CN definition (the intl one stops at `bigvHeight`).
    pub const ALL: [Metric; 17] = [
        Metric::AppCpu,
        Metric::SysCpu,
        Metric::ABit,
        Metric::ABlock,
        Metric::BigvBit,
        Metric::BigvCapFps,
        Metric::BigvEncFps,
        Metric::BigvDecFps,
        Metric::BigvBlock,
        Metric::ALoss,
        Metric::BigvLoss,
        Metric::BigvWidth,
        Metric::BigvHeight,
        Metric::ACapEnergy,
        Metric::APlayEnergy,
        Metric::Rtt,
        Metric::BigvRecFps,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Metric::AppCpu => "appCpu",
            Metric::SysCpu => "sysCpu",
            Metric::ABit => "aBit",
            Metric::ABlock => "aBlock",
            Metric::BigvBit => "bigvBit",
            Metric::BigvCapFps => "bigvCapFps",
            Metric::BigvEncFps => "bigvEncFps",
            Metric::BigvDecFps => "bigvDecFps",
            Metric::BigvBlock => "bigvBlock",
            Metric::ALoss => "aLoss",
            Metric::BigvLoss => "bigvLoss",
            Metric::BigvWidth => "bigvWidth",
            Metric::BigvHeight => "bigvHeight",
            Metric::ACapEnergy => "aCapEnergy",
            Metric::APlayEnergy => "aPlayEnergy",
            Metric::Rtt => "rtt",
            Metric::BigvRecFps => "bigvRecFps",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.name() == name)
    }

    pub fn direction(self) -> Direction {
        match self {
            Metric::AppCpu
            | Metric::SysCpu
            | Metric::BigvCapFps
            | Metric::BigvEncFps
            | Metric::ACapEnergy
            | Metric::Rtt
            | Metric::BigvRecFps => Direction::Up,
            Metric::ABlock | Metric::BigvDecFps | Metric::BigvBlock | Metric::APlayEnergy => Direction::Down,
            Metric::ABit
            | Metric::BigvBit
            | Metric::ALoss
            | Metric::BigvLoss
            | Metric::BigvWidth
            | Metric::BigvHeight => Direction::Both,
        }
    }

    fn index(self) -> u64 {
        Self::ALL.iter().position(|m| *m == self).unwrap_or_default() as u64
    }
}

/// One series of a stay: the metric, the remote user (`None`: upstream) and its points.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub metric: Metric,
    pub peer: Option<String>,
    pub points: Vec<(u64, f64)>,
}

/// What a stream was doing at one instant, as far as the metrics are concerned.
#[derive(Debug, Clone, Copy, Default)]
struct State {
    audio: bool,
    video: bool,
    uplink_loss: bool,
    downlink_loss: bool,
    high_cpu: bool,
    high_rtt: bool,
}

/// The series of `user_id` for `metrics` in `[start, end]`, upstream first, then from each
/// peer in order of arrival; a user who came back has the points of each of their stays. A
/// stay with nothing to report for a metric still has its series, with the stream's values at
/// 0, as the real service reports a stream that is off.
pub fn series(room: &Room, user_id: &str, metrics: &[Metric], window: (u64, u64), now: u64) -> Vec<Series> {
    let stays: Vec<&Session> = room.sessions_at(now).filter(|s| s.user_id == user_id).collect();
    let peers = peers(room, user_id, now);
    let mut out = Vec::new();
    for &metric in metrics {
        if metric.direction() != Direction::Down {
            let points = stays.iter().flat_map(|s| points(room, s, None, metric, window, now)).collect();
            out.push(Series { metric, peer: None, points });
        }
        if metric.direction() == Direction::Up {
            continue;
        }
        for peer in &peers {
            let points = stays.iter().flat_map(|s| points(room, s, Some(peer), metric, window, now)).collect();
            out.push(Series { metric, peer: Some(peer.clone()), points });
        }
    }
    out
}

/// The remote users `user_id` received something from: others who published while both were
/// in the room, in order of arrival.
pub fn peers(room: &Room, user_id: &str, now: u64) -> Vec<String> {
    let stays: Vec<(u64, u64)> =
        room.sessions_at(now).filter(|s| s.user_id == user_id).map(|s| room.stay(s, now)).collect();
    let mut out: Vec<String> = Vec::new();
    for other in room.sessions_at(now) {
        if other.user_id == user_id || out.contains(&other.user_id) {
            continue;
        }
        let sent = room
            .publishing_at(other, now)
            .any(|(_, from, to)| stays.iter().any(|(start, end)| from < *end && to > *start));
        if sent {
            out.push(other.user_id.clone());
        }
    }
    out
}

/// The stays of `user_id`, as `[join, leave)` at `now`.
fn stays_of<'a>(room: &'a Room, user_id: &str, now: u64) -> Vec<(&'a Session, u64, u64)> {
    room.sessions_at(now)
        .filter(|s| s.user_id == user_id)
        .map(|s| {
            let (join, leave) = room.stay(s, now);
            (s, join, leave)
        })
        .collect()
}

/// Points of one stay every [`STEP`] seconds from its join, inside `window`; from `peer` when
/// given (zero while the peer sends nothing).
fn points(
    room: &Room,
    session: &Session,
    peer: Option<&str>,
    metric: Metric,
    window: (u64, u64),
    now: u64,
) -> Vec<(u64, f64)> {
    let (join, leave) = room.stay(session, now);
    let (from, to) = (window.0.max(join), window.1.min(leave));
    if from > to {
        return Vec::new();
    }
    let probe = Probe::new(room, session, peer, now);
    // The first point after the join at or after `from`.
    let first = join + STEP * from.saturating_sub(join).div_ceil(STEP).max(1);
    let mut out = Vec::with_capacity(usize::try_from(to.saturating_sub(first) / STEP + 1).unwrap_or(0));
    let mut t = first;
    while t <= to {
        out.push((t, probe.value(metric, t)));
        t += STEP;
    }
    // Samples a fixture wrote replace the derived point of the same time, or join the series.
    if let Some(written) = written(session, metric, peer.unwrap_or("")) {
        for &(t, v) in written.iter().filter(|(t, _)| (from..=to).contains(t)) {
            match out.binary_search_by_key(&t, |(time, _)| *time) {
                Ok(i) => out[i].1 = v,
                Err(i) => out.insert(i, (t, v)),
            }
        }
    }
    out
}

fn written<'a>(session: &'a Session, metric: Metric, peer_id: &str) -> Option<&'a [(u64, f64)]> {
    let written = session.written.as_ref()?;
    written.quality.iter().find(|s| s.data_type == metric.name() && s.peer_id == peer_id).map(|s| s.points.as_slice())
}

fn state(room: &Room, session: &Session, t: u64, now: u64) -> State {
    let mut state = State::default();
    for (stream, from, to) in room.publishing_at(session, now) {
        if (from..to).contains(&t) {
            match stream {
                Stream::Audio => state.audio = true,
                Stream::Video => state.video = true,
                Stream::SubStream => {}
            }
        }
    }
    for incident in room.incidents_at(session, now) {
        if (incident.start..incident.end).contains(&t) {
            match incident.kind {
                IncidentKind::UplinkLoss => state.uplink_loss = true,
                IncidentKind::DownlinkLoss => state.downlink_loss = true,
                IncidentKind::HighCpu => state.high_cpu = true,
                IncidentKind::HighRtt => state.high_rtt = true,
            }
        }
    }
    state
}

/// Whether what `receiver` got from `sender` at `t` stuttered: video (`true`) or audio.
pub fn stutters(room: &Room, receiver: &Session, sender: &str, video: bool, t: u64, now: u64) -> bool {
    Link::new(room, receiver, sender, now).stutters(video, t)
}

/// What one stay received from one remote user, for questions asked at many instants.
pub struct Link<'a>(Probe<'a>);

impl<'a> Link<'a> {
    pub fn new(room: &'a Room, receiver: &'a Session, sender: &str, now: u64) -> Self {
        Self(Probe::new(room, receiver, Some(sender), now))
    }

    /// Whether the sender was sending video (`true`) or audio at `t`: something to receive.
    pub fn receives(&self, video: bool, t: u64) -> bool {
        let s = self.0.theirs(t).map(|(_, s)| s).unwrap_or_default();
        if video { s.video } else { s.audio }
    }

    /// Whether the video (`true`) or audio received at `t` stuttered (never without
    /// [`Link::receives`]).
    pub fn stutters(&self, video: bool, t: u64) -> bool {
        let (r, s) = (self.0.own(t), self.0.theirs(t).map(|(_, s)| s).unwrap_or_default());
        let sending = if video { s.video } else { s.audio };
        sending && (s.uplink_loss || r.downlink_loss || (video && s.high_cpu))
    }

    /// The incident of the sender at `t`, if any.
    pub fn sender_trouble(&self, t: u64) -> Option<IncidentKind> {
        let (stay, _) = self.0.theirs(t)?;
        self.0.room.incidents_at(stay, self.0.now).find(|i| (i.start..i.end).contains(&t)).map(|i| i.kind)
    }

    /// Whether the receiver's own downlink lost packets at `t`.
    pub fn receiver_loss(&self, t: u64) -> bool {
        self.0.own(t).downlink_loss
    }
}

fn bitrate(resolution: Resolution) -> f64 {
    match resolution.pixels() {
        0..=230_400 => 400_000.0,
        230_401..=518_400 => 800_000.0,
        518_401..=921_600 => 1_200_000.0,
        _ => 2_000_000.0,
    }
}

fn round(x: f64, decimals: i32) -> f64 {
    let f = 10f64.powi(decimals);
    (x * f).round() / f
}

/// The value of `metric` for `session` at `t`: upstream when `peer` is `None`, otherwise what
/// `session` received from `peer`.
pub fn value(room: &Room, session: &Session, peer: Option<&str>, metric: Metric, t: u64, now: u64) -> f64 {
    Probe::new(room, session, peer, now).value(metric, t)
}

/// Everything one series needs, worked out once: the stay, the sender's stays, the hashes of
/// the names that seed the noise.
struct Probe<'a> {
    room: &'a Room,
    session: &'a Session,
    now: u64,
    user_hash: u64,
    peer_hash: u64,
    /// The sender's stays, for downstream series.
    sender: Option<Vec<(&'a Session, u64, u64)>>,
}

impl<'a> Probe<'a> {
    fn new(room: &'a Room, session: &'a Session, peer: Option<&str>, now: u64) -> Self {
        Self {
            room,
            session,
            now,
            user_hash: fnv1a(&session.user_id),
            peer_hash: peer.map_or(0, fnv1a),
            sender: peer.map(|p| stays_of(room, p, now)),
        }
    }

    fn own(&self, t: u64) -> State {
        state(self.room, self.session, t, self.now)
    }

    /// The sender's stay at `t` and what it was doing, if the sender was in the room.
    fn theirs(&self, t: u64) -> Option<(&'a Session, State)> {
        let (stay, _, _) = self.sender.as_ref()?.iter().find(|(_, join, leave)| (*join..*leave).contains(&t))?;
        Some((stay, state(self.room, stay, t, self.now)))
    }

    /// A number in `[low, high)` for (metric, t, salt): the noise of one measurement.
    fn noisy(&self, metric: Metric, t: u64, salt: u64, low: f64, high: f64) -> f64 {
        let h = mix(self.room.seed, &[self.user_hash, self.session.join_ts, self.peer_hash, metric.index(), t, salt]);
        low + (high - low) * unit(h)
    }

    /// A per-stay constant in `[low, high)`: the user's device and network, which stay the same.
    fn trait_of(&self, salt: u64, low: f64, high: f64) -> f64 {
        low + (high - low) * unit(mix(self.room.seed, &[self.user_hash, self.session.join_ts, 0x7ea1, salt]))
    }

    fn value(&self, metric: Metric, t: u64) -> f64 {
        let own = self.own(t);
        let n = |salt, low, high| self.noisy(metric, t, salt, low, high);
        if self.sender.is_none() {
            let cpu = self.trait_of(1, 6.0, 25.0);
            let rtt = self.trait_of(2, 20.0, 80.0);
            let fps = if own.high_cpu { n(1, 4.0, 9.0) } else { 15.0 };
            let video = self.session.video;
            return match metric {
                Metric::AppCpu => round(if own.high_cpu { n(1, 70.0, 95.0) } else { cpu + n(1, -2.0, 2.0) }, 1),
                Metric::SysCpu => round(if own.high_cpu { n(1, 88.0, 100.0) } else { cpu + 15.0 + n(1, -3.0, 3.0) }, 1),
                // Over 400 ms exactly while a HighRtt incident lasts, which is what the
                // dashboards count as network delay; at most 240 ms otherwise.
                Metric::Rtt => (if own.high_rtt {
                    n(1, 401.0, 900.0)
                } else if own.uplink_loss {
                    rtt + n(1, 80.0, 160.0)
                } else {
                    rtt + n(1, -8.0, 8.0)
                })
                .round(),
                Metric::ABit if own.audio => {
                    (self.trait_of(3, 32_000.0, 48_000.0) * if own.uplink_loss { 0.6 } else { 1.0 }).round()
                }
                Metric::BigvBit if own.video => {
                    (bitrate(video) * n(1, 0.9, 1.1) * if own.uplink_loss { 0.6 } else { 1.0 }).round()
                }
                Metric::BigvCapFps if own.video => fps.round(),
                Metric::BigvEncFps if own.video => (fps - n(2, 0.0, 1.0)).round(),
                Metric::BigvRecFps if own.video => {
                    (if own.uplink_loss { n(2, 6.0, 10.0) } else { fps - n(2, 0.0, 1.0) }).round()
                }
                Metric::ALoss if own.audio => round(if own.uplink_loss { n(1, 8.0, 25.0) } else { n(1, 0.0, 0.5) }, 2),
                Metric::BigvLoss if own.video => {
                    round(if own.uplink_loss { n(1, 10.0, 30.0) } else { n(1, 0.0, 0.8) }, 2)
                }
                Metric::BigvWidth if own.video => f64::from(video.width),
                Metric::BigvHeight if own.video => f64::from(video.height),
                Metric::ACapEnergy if own.audio => n(1, 40.0, 70.0).round(),
                _ => 0.0,
            };
        }
        let Some((sender, theirs)) = self.theirs(t) else { return 0.0 };
        let audio_bad = theirs.audio && (theirs.uplink_loss || own.downlink_loss);
        let video_bad = theirs.video && (theirs.uplink_loss || own.downlink_loss || theirs.high_cpu);
        match metric {
            // What arrives is what the sender sent.
            Metric::ABit | Metric::BigvBit => Probe::new(self.room, sender, None, self.now).value(metric, t),
            Metric::ALoss if theirs.audio => round(if audio_bad { n(1, 8.0, 25.0) } else { n(1, 0.0, 0.5) }, 2),
            Metric::BigvLoss if theirs.video => {
                round(if theirs.uplink_loss || own.downlink_loss { n(1, 10.0, 30.0) } else { n(1, 0.0, 0.8) }, 2)
            }
            // Stutter time per 2-second point: at least the 200 ms (audio) and 600 ms (video)
            // the dashboards count as a freeze.
            Metric::ABlock if audio_bad => n(1, 200.0, 1200.0).round(),
            Metric::BigvBlock if video_bad => n(1, 600.0, 2000.0).round(),
            Metric::BigvDecFps if theirs.video => (if video_bad {
                n(1, 3.0, 8.0)
            } else if own.high_cpu {
                n(1, 8.0, 12.0)
            } else {
                15.0 - n(1, 0.0, 1.0)
            })
            .round(),
            Metric::BigvWidth if theirs.video => f64::from(sender.video.width),
            Metric::BigvHeight if theirs.video => f64::from(sender.video.height),
            Metric::APlayEnergy if theirs.audio => n(1, 35.0, 65.0).round(),
            _ => 0.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::world::generator::{Density, Generator};

    fn rooms() -> Vec<std::sync::Arc<Room>> {
        let g = Generator::new(11, Density { incidents_per_hour: 6.0, ..Density::default() });
        (470_000..470_012)
            .flat_map(|b| (0..g.count(3, b)).map(move |i| (b, i)))
            .map(|(b, i)| g.room(&g.skeleton(3, b, i)))
            .collect()
    }

    #[test]
    fn metric_names_round_trip() {
        for m in Metric::ALL {
            assert_eq!(Metric::parse(m.name()), Some(m));
        }
        assert_eq!(Metric::parse("all"), None);
    }

    #[test]
    fn series_follow_the_stay_and_the_publishing() {
        let now = u64::MAX;
        for room in rooms() {
            for s in &room.sessions {
                let (join, leave) = room.stay(s, now);
                let all = series(&room, &s.user_id, &Metric::ALL, (join, leave), now);
                let up = all.iter().find(|x| x.metric == Metric::Rtt).unwrap();
                assert_eq!(up.points.len() as u64, (leave - join) / STEP, "a point every 2 s of the stay");
                for x in &all {
                    for (t, v) in &x.points {
                        assert!(*t > join && *t <= leave && (t - join) % STEP == 0);
                        assert!(v.is_finite() && *v >= 0.0);
                    }
                    if x.metric == Metric::BigvWidth && x.peer.is_none() {
                        for (t, v) in &x.points {
                            let publishing =
                                room.publishing_at(s, now).any(|(k, a, b)| k == Stream::Video && (a..b).contains(t));
                            assert_eq!(*v > 0.0, publishing);
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn stutter_shows_in_the_block_metrics_exactly() {
        let now = u64::MAX;
        let mut seen = 0;
        for room in rooms() {
            for s in &room.sessions {
                let (join, leave) = room.stay(s, now);
                for x in series(&room, &s.user_id, &[Metric::BigvBlock, Metric::ABlock], (join, leave), now) {
                    let sender = x.peer.as_deref().unwrap();
                    for (t, v) in x.points {
                        let video = x.metric == Metric::BigvBlock;
                        let bad = stutters(&room, s, sender, video, t, now);
                        assert_eq!(v > 0.0, bad);
                        assert!(!bad || v >= if video { 600.0 } else { 200.0 });
                        seen += usize::from(bad);
                    }
                }
            }
        }
        assert!(seen > 0, "incidents produce stutter somewhere");
    }

    #[test]
    fn a_point_does_not_depend_on_the_window() {
        let room = &rooms()[3];
        let s = &room.sessions[0];
        let whole = series(room, &s.user_id, &[Metric::AppCpu], (0, u64::MAX - 1), u64::MAX);
        let part = series(room, &s.user_id, &[Metric::AppCpu], (s.join_ts + 101, s.join_ts + 131), u64::MAX);
        let inside: Vec<_> =
            whole[0].points.iter().filter(|(t, _)| (s.join_ts + 101..=s.join_ts + 131).contains(t)).copied().collect();
        assert_eq!(part[0].points, inside);
    }
}
