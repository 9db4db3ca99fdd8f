//! Usage and billing figures, read from the one history of the world: how long users stayed in
//! rooms and at which tier of received video, and what the rooms' cloud services (recording,
//! mixing, relay, AI bots, transcription, moderation, slicing, dedicated acceleration) used, in
//! a window cut into buckets.
//!
//! Everything is counted in whole seconds, per room, over breakpoints: the stays and the
//! publishing periods cut time into pieces inside which nothing changes; each piece is billed
//! whole and then split across the buckets it crosses. The cost is proportional to the rooms in
//! the window and their streams, never to the window's length in seconds, and nothing is kept
//! between calls. The rules (the README's "Usage and billing figures" states them for users):
//!
//! - **Audio/video** ([`audio_video`]): every user is billed for every second of each stay. At
//!   each second the user receives every other user's published main video (at its `video`
//!   resolution) and sub-stream (at its `sub_stream` resolution); the sum of their pixels picks
//!   the [`Tier`]: nothing → Audio, ≤ 307,200 SD, ≤ 921,600 HD, ≤ 2,073,600 FullHD,
//!   ≤ 3,686,400 2K, beyond 4K. The tiers of a window therefore add up to the users' stay
//!   seconds in it. Cloud-service robots are not billed as users.
//! - **Recording** ([`recording`]), per input stream (the CN rules for apps since 2022-07-20):
//!   a user's main stream is video at the tier of their camera resolution while the camera is
//!   published, else audio while audio is; a sub-stream is one more video stream at its own
//!   tier. Single-stream recording bills each stream. Mixed recording runs while anyone
//!   publishes and bills each input stream at its tier, except that a mix of audio only counts
//!   as one audio stream.
//! - **MCU mixing** ([`mixing`]), input-based: while anyone publishes, the pixels of all
//!   published video (camera and screen) are summed; none → Audio (however many audio
//!   streams); when the output has more than twice the input's pixels, an input of the
//!   output's size is added; the sum picks the tier, the output codec the H.264/H.265 key.
//! - **Relay** ([`relay`]): a room's stream is relayed while anyone publishes, at the room's
//!   bitrate; a bucket's figure is the peak of the sum over all relaying rooms (of every app
//!   asked for), so a day's figure is the largest of its five-minute figures.
//! - **Legacy mixing** ([`legacy_transcoding`]), output-based: while anyone publishes, seconds
//!   of audio when no video is published, else of video at the output resolution's [`Class`];
//!   plus the relay peak.
//! - **Legacy recording** ([`legacy_recording`]), per output file: single recording gives one
//!   file per stream (classed like the recording rule above), mixed recording one file at the
//!   output resolution (audio when no video is published).
//! - **AI recognition** ([`ai`]): an AI bot converses while anyone publishes (and its speech
//!   counts as synthesis when it uses TRTC's); transcription (and translation) take every
//!   published audio stream.
//! - **Dedicated acceleration** ([`dedicated`]): the stays of the users of accelerated rooms.
//! - **Moderation and slicing** ([`segments`]): every published audio stream in full, and one
//!   picture of every published video stream every `picture_interval` seconds from its start.
//!
//! The cloud-service figures also count the tasks started through the API, each as the room it
//! worked on with its own services ([`super::task_usage`]).
//!
//! Windows are half-open, `[start, end)`, and so are stays and publishing periods.

use std::collections::HashMap;

use super::World;
use super::generator::Generator;
use super::model::{Codec, Room, Session, Stream};
use super::task_usage;

pub const FIVE_MINUTES: u64 = 300;
pub const DAY: u64 = 86_400;

/// The largest aggregate resolution of each video tier (640×480, 1280×720, 1920×1080,
/// 2560×1440); beyond the last is 4K.
pub const SD_MAX_PIXELS: u64 = 307_200;
pub const HD_MAX_PIXELS: u64 = 921_600;
pub const FULL_HD_MAX_PIXELS: u64 = 2_073_600;
pub const TWO_K_MAX_PIXELS: u64 = 3_686_400;

/// A billing tier of audio/video, recording and mixing duration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Tier {
    Audio,
    Sd,
    Hd,
    FullHd,
    TwoK,
    FourK,
}

impl Tier {
    pub const ALL: [Tier; 6] = [Tier::Audio, Tier::Sd, Tier::Hd, Tier::FullHd, Tier::TwoK, Tier::FourK];

    /// The tier of an aggregate resolution (0 pixels: no video, audio).
    pub fn of(pixels: u64) -> Self {
        if pixels == 0 {
            Tier::Audio
        } else if pixels <= SD_MAX_PIXELS {
            Tier::Sd
        } else if pixels <= HD_MAX_PIXELS {
            Tier::Hd
        } else if pixels <= FULL_HD_MAX_PIXELS {
            Tier::FullHd
        } else if pixels <= TWO_K_MAX_PIXELS {
            Tier::TwoK
        } else {
            Tier::FourK
        }
    }

    /// Position in [`Tier::ALL`] (and in the rows of [`ByTier`]).
    pub fn index(self) -> usize {
        self as usize
    }
}

/// Seconds per tier, in the order of [`Tier::ALL`].
pub type ByTier = [u64; 6];

/// Seconds of mixing: audio, then the five video tiers in H.264, then the five in H.265.
pub type ByMixTier = [u64; 11];

/// The output classes of the legacy (output-based) figures: SD up to 640×480, HD up to
/// 1280×720, FHD beyond.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    Sd,
    Hd,
    Fhd,
}

impl Class {
    pub fn of(pixels: u64) -> Self {
        if pixels <= SD_MAX_PIXELS {
            Class::Sd
        } else if pixels <= HD_MAX_PIXELS {
            Class::Hd
        } else {
            Class::Fhd
        }
    }
}

/// One bucket of legacy mixing: seconds by class, and the relay peak in kbps.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LegacyTranscoding {
    pub audio: u64,
    pub sd: u64,
    pub hd: u64,
    pub fhd: u64,
    pub peak_kbps: u64,
}

/// One bucket of legacy recording: seconds of recorded files by class.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LegacyRecording {
    pub sd: u64,
    pub hd: u64,
    pub fhd: u64,
    pub audio: u64,
}

/// One bucket of AI recognition, in seconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Ai {
    pub conversation: u64,
    pub asr: u64,
    pub translation: u64,
    pub tts: u64,
}

/// Single-stream or mixed recording.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mix {
    Single,
    Multi,
}

/// Which task took segments: AI moderation or cloud slicing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Business {
    Moderation,
    Slicing,
}

/// What segments are counted: seconds of audio, or pictures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Media {
    Audio,
    Picture,
}

/// Seconds as minutes rounded half up to two decimals: every minute figure is shown this way,
/// each computed from its own seconds (a day's figure is not the sum of its rounded parts).
pub fn minutes(seconds: u64) -> f64 {
    let hundredths = (u128::from(seconds) * 10 + 3) / 6;
    hundredths as f64 / 100.0
}

/// Seconds as whole minutes, rounded up as billing rounds.
pub fn whole_minutes(seconds: u64) -> u64 {
    seconds.div_ceil(60)
}

// ---- windows and buckets ----------------------------------------------------------------------

/// How a window is cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// At every multiple of five minutes.
    FiveMinutes,
    /// At every UTC+8 midnight.
    Day,
    /// Not at all: one bucket, the whole window.
    Whole,
}

/// A window `[start, end)` cut into buckets: bucket `i` is `[first + i·len, first + (i+1)·len)`
/// where `first` is the start of the step that holds `start`; the first and last buckets hold
/// only their part of the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grid {
    start: u64,
    end: u64,
    first: u64,
    len: u64,
}

impl Grid {
    pub fn new(start: u64, end: u64, step: Step) -> Self {
        let end = end.max(start);
        let (first, len) = match step {
            Step::FiveMinutes => (start - start % FIVE_MINUTES, FIVE_MINUTES),
            Step::Day => (Generator::day_of(start), DAY),
            Step::Whole => (start, (end - start).max(1)),
        };
        Self { start, end, first, len }
    }

    pub fn window(&self) -> (u64, u64) {
        (self.start, self.end)
    }

    /// How many buckets the window has.
    pub fn count(&self) -> usize {
        usize::try_from((self.end - self.first).div_ceil(self.len)).unwrap_or(usize::MAX)
    }

    /// The start of bucket `i` (of its step, before the window cuts it).
    pub fn bucket_start(&self, i: usize) -> u64 {
        self.first + i as u64 * self.len
    }

    /// How many buckets have begun at `now`: those whose part of the window starts at or
    /// before it.
    pub fn begun(&self, now: u64) -> usize {
        if now < self.start || self.start == self.end {
            return 0;
        }
        let begun = usize::try_from((now - self.first) / self.len + 1).unwrap_or(usize::MAX);
        begun.min(self.count())
    }

    /// Calls `f(i, from, to)` for each bucket `i` that `[from, to) ∩ window` crosses, with the
    /// part of it inside that bucket.
    pub fn split(&self, from: u64, to: u64, mut f: impl FnMut(usize, u64, u64)) {
        let (mut from, to) = (from.max(self.start), to.min(self.end));
        while from < to {
            let i = (from - self.first) / self.len;
            let bucket_end = self.first + (i + 1) * self.len;
            let until = to.min(bucket_end);
            f(usize::try_from(i).unwrap_or(usize::MAX), from, until);
            from = until;
        }
    }

    /// Adds the seconds of `[from, to)` to column `key` of each bucket's row.
    fn add<const N: usize>(&self, rows: &mut [[u64; N]], from: u64, to: u64, key: usize) {
        self.add_times(rows, from, to, key, 1);
    }

    /// Adds `times` × the seconds of `[from, to)` to column `key` of each bucket's row.
    fn add_times<const N: usize>(&self, rows: &mut [[u64; N]], from: u64, to: u64, key: usize, times: u64) {
        self.split(from, to, |i, a, b| rows[i][key] += times * (b - a));
    }
}

/// What one request reads: the rooms of these apps in the grid's window, as of `now`.
pub struct Query<'a> {
    pub world: &'a World,
    pub apps: &'a [u64],
    pub grid: Grid,
    pub now: u64,
}

impl Query<'_> {
    fn for_each_room(&self, mut f: impl FnMut(&Room)) {
        let (start, end) = self.grid.window();
        if start >= end {
            return;
        }
        for &app in self.apps {
            self.world.for_each_room(app, (start, end - 1), self.now, &mut f);
        }
    }

    /// The rooms, then each room as a task started through the API worked on it, billed for
    /// the task's services ([`super::task_usage`]): what the cloud-service figures add up.
    fn for_each_billed(&self, mut f: impl FnMut(&Room)) {
        self.for_each_room(&mut f);
        let (start, end) = self.grid.window();
        if start >= end {
            return;
        }
        for &app in self.apps {
            task_usage::for_each_worked(self.world, app, (start, end), self.now, &mut f);
        }
    }

    fn rows<const N: usize>(&self) -> Vec<[u64; N]> {
        vec![[0; N]; self.grid.count()]
    }
}

// ---- pieces -----------------------------------------------------------------------------------

/// Cuts `[lo, hi)` at the ends of the weighted intervals `[a, b)` and calls `f(from, to, sum)`
/// for each piece with the sum of the weights of the intervals covering it (zero included).
fn pieces<const N: usize>(intervals: &[(u64, u64, [u64; N])], lo: u64, hi: u64, mut f: impl FnMut(u64, u64, [u64; N])) {
    if lo >= hi {
        return;
    }
    let mut state = [0u64; N];
    // (time, starts, interval): ends sort before starts at the same time.
    let mut events: Vec<(u64, bool, usize)> = Vec::with_capacity(intervals.len() * 2);
    for (i, &(a, b, weight)) in intervals.iter().enumerate() {
        let (a, b) = (a.max(lo), b.min(hi));
        if a >= b {
            continue;
        }
        if a == lo {
            state.iter_mut().zip(weight).for_each(|(s, w)| *s += w);
        } else {
            events.push((a, true, i));
        }
        if b < hi {
            events.push((b, false, i));
        }
    }
    events.sort_unstable();
    let mut at = lo;
    for (t, starts, i) in events {
        if t > at {
            f(at, t, state);
            at = t;
        }
        let weight = intervals[i].2;
        for (s, w) in state.iter_mut().zip(weight) {
            if starts {
                *s += w;
            } else {
                *s -= w;
            }
        }
    }
    if at < hi {
        f(at, hi, state);
    }
}

/// A user's main stream at some moment: camera video of these pixels, or audio only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Main {
    Video(u64),
    Audio,
}

/// The pieces of `[lo, hi)` in which `session` publishes its main stream, and what it is.
fn main_stream(room: &Room, session: &Session, now: u64, (lo, hi): (u64, u64), mut f: impl FnMut(u64, u64, Main)) {
    let periods: Vec<(u64, u64, [u64; 3])> = room
        .publishing_at(session, now)
        .filter_map(|(stream, a, b)| match stream {
            Stream::Video => Some((a, b, [session.video.pixels(), 1, 0])),
            Stream::Audio => Some((a, b, [0, 0, 1])),
            Stream::SubStream => None,
        })
        .collect();
    pieces(&periods, lo, hi, |a, b, [pixels, videos, audios]| {
        if videos > 0 {
            f(a, b, Main::Video(pixels));
        } else if audios > 0 {
            f(a, b, Main::Audio);
        }
    });
}

/// The screen-sharing periods of `session`, with their pixels.
fn sub_streams<'a>(room: &Room, session: &'a Session, now: u64) -> impl Iterator<Item = (u64, u64, u64)> + 'a {
    let pixels = session.sub_stream.pixels();
    room.publishing_at(session, now).filter(|p| p.0 == Stream::SubStream).map(move |(_, a, b)| (a, b, pixels))
}

/// The pieces of `[lo, hi)` in which `session` publishes audio.
fn audio(room: &Room, session: &Session, now: u64, (lo, hi): (u64, u64), mut f: impl FnMut(u64, u64)) {
    let periods: Vec<(u64, u64, [u64; 1])> =
        room.publishing_at(session, now).filter(|p| p.0 == Stream::Audio).map(|(_, a, b)| (a, b, [1])).collect();
    pieces(&periods, lo, hi, |a, b, [n]| {
        if n > 0 {
            f(a, b);
        }
    });
}

/// The pieces of `[lo, hi)` in which anyone in the room publishes anything, with the pixels of
/// all the video (camera and screen) published then.
fn activity(room: &Room, now: u64, (lo, hi): (u64, u64), mut f: impl FnMut(u64, u64, u64)) {
    let mut streams: Vec<(u64, u64, [u64; 2])> = Vec::new();
    for session in room.sessions_at(now) {
        for (stream, a, b) in room.publishing_at(session, now) {
            let pixels = match stream {
                Stream::Audio => 0,
                Stream::Video => session.video.pixels(),
                Stream::SubStream => session.sub_stream.pixels(),
            };
            streams.push((a, b, [pixels, 1]));
        }
    }
    pieces(&streams, lo, hi, |a, b, [pixels, count]| {
        if count > 0 {
            f(a, b, pixels);
        }
    });
}

// ---- audio and video --------------------------------------------------------------------------

/// Seconds of stay per bucket and tier of received video.
pub fn audio_video(q: &Query<'_>) -> Vec<ByTier> {
    let mut rows = q.rows();
    q.for_each_room(|room| room_audio_video(room, q.now, &q.grid, &mut rows));
    rows
}

/// Seconds of stay per tier in `[start, end)` of each room of `app` with any, by room id (the
/// calls of one room id together), in the order the rooms were created.
pub fn audio_video_by_room(world: &World, app: u64, (start, end): (u64, u64), now: u64) -> Vec<(String, ByTier)> {
    let mut out: Vec<(String, ByTier)> = Vec::new();
    if start >= end {
        return out;
    }
    let grid = Grid::new(start, end, Step::Whole);
    let mut index: HashMap<String, usize> = HashMap::new();
    world.for_each_room(app, (start, end - 1), now, |room| {
        let mut row = [[0u64; 6]];
        room_audio_video(room, now, &grid, &mut row);
        if row[0].iter().all(|s| *s == 0) {
            return;
        }
        match index.get(&room.room_string) {
            Some(&i) => out[i].1.iter_mut().zip(row[0]).for_each(|(a, b)| *a += b),
            None => {
                index.insert(room.room_string.clone(), out.len());
                out.push((room.room_string.clone(), row[0]));
            }
        }
    });
    out
}

fn room_audio_video(room: &Room, now: u64, grid: &Grid, rows: &mut [ByTier]) {
    let (lo, hi) = grid.window();
    let mut videos: Vec<(&str, u64, u64, u64)> = Vec::new();
    for session in room.sessions_at(now) {
        for (stream, a, b) in room.publishing_at(session, now) {
            let pixels = match stream {
                Stream::Audio => continue,
                Stream::Video => session.video.pixels(),
                Stream::SubStream => session.sub_stream.pixels(),
            };
            videos.push((&session.user_id, a, b, pixels));
        }
    }
    let mut received: Vec<(u64, u64, [u64; 1])> = Vec::with_capacity(videos.len());
    // Robots receive to record, relay or mix, not to watch: they are not billed as users.
    for receiver in room.sessions_at(now).filter(|s| s.task.is_none()) {
        let (join, leave) = room.stay(receiver, now);
        let (from, to) = (join.max(lo), leave.min(hi));
        if from >= to {
            continue;
        }
        received.clear();
        received.extend(videos.iter().filter(|v| v.0 != receiver.user_id).map(|&(_, a, b, pixels)| (a, b, [pixels])));
        pieces(&received, from, to, |a, b, [pixels]| grid.add(rows, a, b, Tier::of(pixels).index()));
    }
}

// ---- recording --------------------------------------------------------------------------------

/// Seconds of recording per bucket and tier, of one kind.
pub fn recording(q: &Query<'_>, mix: Mix) -> Vec<ByTier> {
    let mut rows = q.rows();
    q.for_each_billed(|room| match mix {
        Mix::Single if room.services.single_recording => room_single_recording(room, q.now, &q.grid, &mut rows),
        Mix::Multi if room.services.mixed_recording.is_some() => {
            room_mixed_recording(room, q.now, &q.grid, &mut rows);
        }
        _ => {}
    });
    rows
}

/// Each stream of `session` as (from, to, tier).
fn input_streams(room: &Room, session: &Session, now: u64, window: (u64, u64), mut f: impl FnMut(u64, u64, Tier)) {
    main_stream(room, session, now, window, |a, b, main| {
        f(
            a,
            b,
            match main {
                Main::Video(pixels) => Tier::of(pixels),
                Main::Audio => Tier::Audio,
            },
        );
    });
    for (a, b, pixels) in sub_streams(room, session, now) {
        let (a, b) = (a.max(window.0), b.min(window.1));
        if a < b {
            f(a, b, Tier::of(pixels));
        }
    }
}

fn room_single_recording(room: &Room, now: u64, grid: &Grid, rows: &mut [ByTier]) {
    for session in room.sessions_at(now) {
        input_streams(room, session, now, grid.window(), |a, b, tier| grid.add(rows, a, b, tier.index()));
    }
}

fn room_mixed_recording(room: &Room, now: u64, grid: &Grid, rows: &mut [ByTier]) {
    let mut inputs: Vec<(u64, u64, ByTier)> = Vec::new();
    for session in room.sessions_at(now) {
        input_streams(room, session, now, grid.window(), |a, b, tier| {
            let mut weight = [0; 6];
            weight[tier.index()] = 1;
            inputs.push((a, b, weight));
        });
    }
    let (lo, hi) = grid.window();
    pieces(&inputs, lo, hi, |a, b, counts| {
        if counts[1..].iter().all(|n| *n == 0) {
            // Audio only: one integrated audio stream, however many there are.
            if counts[0] > 0 {
                grid.add(rows, a, b, Tier::Audio.index());
            }
            return;
        }
        for (key, &n) in counts.iter().enumerate() {
            if n > 0 {
                grid.add_times(rows, a, b, key, n);
            }
        }
    });
}

// ---- mixing and relay -------------------------------------------------------------------------

/// Seconds of MCU mixing per bucket: audio, then five H.264 and five H.265 tiers.
pub fn mixing(q: &Query<'_>) -> Vec<ByMixTier> {
    let mut rows = q.rows();
    q.for_each_billed(|room| {
        let Some((output, codec)) = room.services.mixing else { return };
        let out = output.pixels();
        activity(room, q.now, q.grid.window(), |a, b, pixels| {
            let key = if pixels == 0 {
                0
            } else {
                let aggregate = if out > 2 * pixels { pixels + out } else { pixels };
                Tier::of(aggregate).index() + if codec == Codec::H265 { 5 } else { 0 }
            };
            q.grid.add(&mut rows, a, b, key);
        });
    });
    rows
}

/// The peak of the summed relay bitrates in each bucket, in kbps.
pub fn relay(q: &Query<'_>) -> Vec<u64> {
    let mut relays: Vec<(u64, u64, [u64; 1])> = Vec::new();
    q.for_each_billed(|room| {
        let Some(kbps) = room.services.relay_kbps else { return };
        let first = relays.len();
        // Consecutive pieces of one room make one relay.
        activity(room, q.now, q.grid.window(), |a, b, _| {
            let len = relays.len();
            match relays.last_mut() {
                Some(last) if len > first && last.1 == a => last.1 = b,
                _ => relays.push((a, b, [u64::from(kbps)])),
            }
        });
    });
    let mut peaks = vec![0u64; q.grid.count()];
    let (lo, hi) = q.grid.window();
    pieces(&relays, lo, hi, |a, b, [kbps]| {
        if kbps > 0 {
            q.grid.split(a, b, |i, _, _| peaks[i] = peaks[i].max(kbps));
        }
    });
    peaks
}

/// Legacy (output-based) mixing seconds per bucket, with the relay peak.
pub fn legacy_transcoding(q: &Query<'_>) -> Vec<LegacyTranscoding> {
    let mut rows: Vec<[u64; 4]> = q.rows();
    q.for_each_billed(|room| {
        let Some((output, _)) = room.services.mixing else { return };
        let class = Class::of(output.pixels());
        activity(room, q.now, q.grid.window(), |a, b, pixels| {
            let key = match (pixels, class) {
                (0, _) => 0,
                (_, Class::Sd) => 1,
                (_, Class::Hd) => 2,
                (_, Class::Fhd) => 3,
            };
            q.grid.add(&mut rows, a, b, key);
        });
    });
    rows.into_iter()
        .zip(relay(q))
        .map(|([audio, sd, hd, fhd], peak_kbps)| LegacyTranscoding { audio, sd, hd, fhd, peak_kbps })
        .collect()
}

/// Legacy (output-file based) recording seconds per bucket.
pub fn legacy_recording(q: &Query<'_>) -> Vec<LegacyRecording> {
    // Columns: SD, HD, FHD, audio.
    let mut rows: Vec<[u64; 4]> = q.rows();
    let key = |class: Class| match class {
        Class::Sd => 0,
        Class::Hd => 1,
        Class::Fhd => 2,
    };
    q.for_each_billed(|room| {
        if room.services.single_recording {
            for session in room.sessions_at(q.now) {
                main_stream(room, session, q.now, q.grid.window(), |a, b, main| {
                    let column = match main {
                        Main::Video(pixels) => key(Class::of(pixels)),
                        Main::Audio => 3,
                    };
                    q.grid.add(&mut rows, a, b, column);
                });
                for (a, b, pixels) in sub_streams(room, session, q.now) {
                    q.grid.add(&mut rows, a, b, key(Class::of(pixels)));
                }
            }
        }
        if let Some(output) = room.services.mixed_recording {
            let class = Class::of(output.pixels());
            activity(room, q.now, q.grid.window(), |a, b, pixels| {
                q.grid.add(&mut rows, a, b, if pixels == 0 { 3 } else { key(class) });
            });
        }
    });
    rows.into_iter().map(|[sd, hd, fhd, audio]| LegacyRecording { sd, hd, fhd, audio }).collect()
}

// ---- AI, acceleration, moderation and slicing -------------------------------------------------

/// Seconds of AI conversation, transcription, translation and speech synthesis per bucket.
pub fn ai(q: &Query<'_>) -> Vec<Ai> {
    // Columns: conversation, ASR, translation, TTS.
    let mut rows: Vec<[u64; 4]> = q.rows();
    q.for_each_billed(|room| {
        if let Some(bot) = room.services.ai_conversation {
            activity(room, q.now, q.grid.window(), |a, b, _| {
                q.grid.add(&mut rows, a, b, 0);
                if bot.tts {
                    q.grid.add(&mut rows, a, b, 3);
                }
            });
        }
        if let Some(transcription) = room.services.transcription {
            for session in room.sessions_at(q.now) {
                audio(room, session, q.now, q.grid.window(), |a, b| {
                    q.grid.add(&mut rows, a, b, 1);
                    if transcription.translation {
                        q.grid.add(&mut rows, a, b, 2);
                    }
                });
            }
        }
    });
    rows.into_iter().map(|[conversation, asr, translation, tts]| Ai { conversation, asr, translation, tts }).collect()
}

/// Seconds of stay in rooms reached through the dedicated cloud network, per bucket.
pub fn dedicated(q: &Query<'_>) -> Vec<u64> {
    let mut rows: Vec<[u64; 1]> = q.rows();
    q.for_each_room(|room| {
        if room.services.dedicated_acceleration {
            for session in room.sessions_at(q.now).filter(|s| s.task.is_none()) {
                let (join, leave) = room.stay(session, q.now);
                q.grid.add(&mut rows, join, leave, 0);
            }
        }
    });
    rows.into_iter().map(|[s]| s).collect()
}

/// Seconds of audio, or pictures, that moderation or slicing took, per bucket.
pub fn segments(q: &Query<'_>, business: Business, media: Media) -> Vec<u64> {
    let mut rows = vec![0u64; q.grid.count()];
    q.for_each_billed(|room| {
        let task = match business {
            Business::Moderation => room.services.moderation,
            Business::Slicing => room.services.slicing,
        };
        let Some(task) = task else { return };
        for session in room.sessions_at(q.now) {
            match (media, task.picture_interval) {
                (Media::Audio, _) if task.audio => audio(room, session, q.now, q.grid.window(), |a, b| {
                    q.grid.split(a, b, |i, x, y| rows[i] += y - x);
                }),
                (Media::Picture, Some(interval)) => {
                    let interval = u64::from(interval.max(1));
                    for (stream, a, b) in room.publishing_at(session, q.now) {
                        if stream != Stream::Audio {
                            q.grid.split(a, b, |i, x, y| rows[i] += pictures(a, interval, x, y));
                        }
                    }
                }
                _ => {}
            }
        }
    });
    rows
}

/// How many of the times `start + k·interval` (k ≥ 0) fall in `[from, to)`, `start ≤ from`.
fn pictures(start: u64, interval: u64, from: u64, to: u64) -> u64 {
    (to - start).div_ceil(interval) - (from - start).div_ceil(interval)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::pure::hash::{below, mix};
    use crate::world::generator::Density;
    use crate::world::{Clock, Fixtures, SystemWallClock};

    const APP: u64 = 1_400_000_001;
    const NOW: u64 = 1_764_000_000;

    fn world(rooms_per_hour: u32, fixtures: Fixtures) -> World {
        let clock = Clock::new(Arc::new(SystemWallClock), Some(NOW as i64), true);
        World::new(clock, Generator::new(5, Density { rooms_per_hour, ..Density::default() }), fixtures)
    }

    fn query<'a>(world: &'a World, apps: &'a [u64], grid: Grid) -> Query<'a> {
        Query { world, apps, grid, now: NOW }
    }

    /// Stay seconds inside `[start, end)`, added up the plain way.
    fn stay_seconds(world: &World, app: u64, (start, end): (u64, u64)) -> u64 {
        let mut total = 0;
        world.for_each_room(app, (start, end - 1), NOW, |room| {
            for s in room.sessions_at(NOW) {
                let (join, leave) = room.stay(s, NOW);
                total += leave.min(end).saturating_sub(join.max(start));
            }
        });
        total
    }

    #[test]
    fn tiers_change_at_their_thresholds() {
        assert_eq!(Tier::of(0), Tier::Audio);
        for (max, tier, next) in [
            (SD_MAX_PIXELS, Tier::Sd, Tier::Hd),
            (HD_MAX_PIXELS, Tier::Hd, Tier::FullHd),
            (FULL_HD_MAX_PIXELS, Tier::FullHd, Tier::TwoK),
            (TWO_K_MAX_PIXELS, Tier::TwoK, Tier::FourK),
        ] {
            assert_eq!(Tier::of(max), tier);
            assert_eq!(Tier::of(max + 1), next);
        }
        assert_eq!(Tier::of(1), Tier::Sd);
        assert_eq!(Tier::of(640 * 480), Tier::Sd);
        assert_eq!(Tier::of(1280 * 720), Tier::Hd);
        assert_eq!(Tier::of(1920 * 1080), Tier::FullHd);
        assert_eq!(Tier::of(2560 * 1440), Tier::TwoK);
        assert_eq!(Tier::of(u64::MAX), Tier::FourK);
        assert_eq!((Class::of(SD_MAX_PIXELS), Class::of(SD_MAX_PIXELS + 1)), (Class::Sd, Class::Hd));
        assert_eq!((Class::of(HD_MAX_PIXELS), Class::of(HD_MAX_PIXELS + 1)), (Class::Hd, Class::Fhd));
    }

    #[test]
    fn rounding_is_documented() {
        assert_eq!(minutes(0), 0.0);
        assert_eq!(minutes(1), 0.02);
        assert_eq!(minutes(30), 0.5);
        assert_eq!(minutes(60), 1.0);
        assert_eq!(minutes(61), 1.02);
        assert_eq!(minutes(3), 0.05); // 0.05 exactly
        assert_eq!(minutes(89), 1.48); // 1.48333…
        assert_eq!(minutes(7_407), 123.45);
        assert_eq!((whole_minutes(0), whole_minutes(1), whole_minutes(60), whole_minutes(61)), (0, 1, 1, 2));
    }

    #[test]
    fn grids_cut_at_steps_and_keep_partial_buckets() {
        let day = 1_764_000_000; // 2025-11-25 00:00 UTC+8
        let g = Grid::new(day, day + DAY, Step::FiveMinutes);
        assert_eq!(g.count(), 288);
        assert_eq!((g.bucket_start(0), g.bucket_start(287)), (day, day + DAY - 300));
        assert_eq!(g.begun(day - 1), 0);
        assert_eq!(g.begun(day), 1);
        assert_eq!(g.begun(day + 299), 1);
        assert_eq!(g.begun(day + 300), 2);
        assert_eq!(g.begun(u64::MAX), 288);
        let g = Grid::new(day + 1000, day + 3 * DAY + 10, Step::Day);
        assert_eq!(g.count(), 4);
        assert_eq!(g.bucket_start(1), day + DAY);
        let mut parts = Vec::new();
        g.split(0, u64::MAX, |i, a, b| parts.push((i, a, b)));
        assert_eq!(
            parts,
            vec![
                (0, day + 1000, day + DAY),
                (1, day + DAY, day + 2 * DAY),
                (2, day + 2 * DAY, day + 3 * DAY),
                (3, day + 3 * DAY, day + 3 * DAY + 10)
            ]
        );
        let g = Grid::new(day + 7, day + 1007, Step::FiveMinutes);
        assert_eq!((g.count(), g.bucket_start(0)), (4, day));
        let whole = Grid::new(day + 7, day + 1007, Step::Whole);
        assert_eq!(whole.count(), 1);
        assert_eq!(Grid::new(day, day, Step::Whole).count(), 0);
        assert_eq!(pictures(100, 10, 100, 101), 1);
        assert_eq!(pictures(100, 10, 101, 110), 0);
        assert_eq!(pictures(100, 10, 101, 111), 1);
        assert_eq!(pictures(100, 10, 100, 200), 10);
    }

    #[test]
    fn pieces_partition_the_window_with_the_sum_of_what_covers_them() {
        let intervals = [(0, 10, [1, 0]), (5, 20, [0, 2]), (10, 12, [4, 0]), (30, 40, [8, 8])];
        let mut out = Vec::new();
        pieces(&intervals, 3, 35, |a, b, w| out.push((a, b, w)));
        assert_eq!(
            out,
            vec![
                (3, 5, [1, 0]),
                (5, 10, [1, 2]),
                (10, 12, [4, 2]),
                (12, 20, [0, 2]),
                (20, 30, [0, 0]),
                (30, 35, [8, 8])
            ]
        );
    }

    /// The tiers the slow way: second by second, every receiver, every other user's video.
    fn brute_audio_video(room: &Room, (lo, hi): (u64, u64)) -> ByTier {
        let mut out = [0u64; 6];
        for r in room.sessions_at(NOW) {
            let (join, leave) = room.stay(r, NOW);
            for t in join.max(lo)..leave.min(hi) {
                let mut pixels = 0;
                for s in room.sessions_at(NOW).filter(|s| s.user_id != r.user_id) {
                    for (stream, a, b) in room.publishing_at(s, NOW) {
                        if (a..b).contains(&t) {
                            pixels += match stream {
                                Stream::Audio => 0,
                                Stream::Video => s.video.pixels(),
                                Stream::SubStream => s.sub_stream.pixels(),
                            };
                        }
                    }
                }
                out[Tier::of(pixels).index()] += 1;
            }
        }
        out
    }

    #[test]
    fn breakpoints_agree_with_counting_every_second() {
        let w = world(6, Fixtures::default());
        let window = (NOW - 6 * 3600 + 17, NOW - 3 * 3600 - 5);
        let grid = Grid::new(window.0, window.1, Step::Whole);
        let mut checked = 0;
        w.for_each_room(APP, (window.0, window.1 - 1), NOW, |room| {
            let mut row = [[0u64; 6]];
            room_audio_video(room, NOW, &grid, &mut row);
            assert_eq!(row[0], brute_audio_video(room, window), "{}", room.comm_id);
            checked += 1;
        });
        assert!(checked > 10, "{checked}");
    }

    #[test]
    fn every_stay_second_is_billed_once_whatever_the_window_and_density() {
        for case in 0..24u64 {
            let h = mix(99, &[case]);
            let rooms_per_hour = [1, 4, 12, 40][(case % 4) as usize];
            let w = world(rooms_per_hour, Fixtures::default());
            let start = NOW - 3 * DAY + below(h, 3 * DAY);
            let end = start + 1 + below(mix(h, &[1]), 2 * DAY);
            let step = [Step::FiveMinutes, Step::Day, Step::Whole][(case % 3) as usize];
            let rows = audio_video(&query(&w, &[APP], Grid::new(start, end, step)));
            let billed: u64 = rows.iter().flatten().sum();
            assert_eq!(billed, stay_seconds(&w, APP, (start, end)), "case {case}: [{start}, {end}) {step:?}");
            if end <= NOW {
                assert!(billed > 0, "case {case}");
            }
        }
    }

    #[test]
    fn five_minute_rows_add_up_to_the_day() {
        let w = world(8, Fixtures::default());
        let day = NOW - 2 * DAY;
        let apps = [APP, APP + 1];
        let fine = Grid::new(day, day + DAY, Step::FiveMinutes);
        let daily = Grid::new(day, day + DAY, Step::Day);
        let sum = |rows: &[ByTier]| {
            rows.iter().fold([0u64; 6], |mut acc, r| {
                acc.iter_mut().zip(r).for_each(|(a, b)| *a += b);
                acc
            })
        };
        for (fine_rows, day_rows) in [
            (audio_video(&query(&w, &apps, fine)), audio_video(&query(&w, &apps, daily))),
            (recording(&query(&w, &apps, fine), Mix::Single), recording(&query(&w, &apps, daily), Mix::Single)),
            (recording(&query(&w, &apps, fine), Mix::Multi), recording(&query(&w, &apps, daily), Mix::Multi)),
        ] {
            assert_eq!(day_rows.len(), 1);
            assert_eq!(sum(&fine_rows), day_rows[0]);
            for key in 0..6 {
                let shown: f64 = fine_rows.iter().map(|r| minutes(r[key])).sum();
                let tolerance = 0.005 * fine_rows.len() as f64 + 1e-6;
                assert!((shown - minutes(day_rows[0][key])).abs() <= tolerance, "{shown} vs {}", day_rows[0][key]);
            }
        }
        let mix_fine = mixing(&query(&w, &apps, fine));
        let mix_day = mixing(&query(&w, &apps, daily));
        for key in 0..11 {
            assert_eq!(mix_fine.iter().map(|r| r[key]).sum::<u64>(), mix_day[0][key]);
        }
        assert!(mix_day[0].iter().sum::<u64>() > 0, "some rooms mix");
        let segments_fine = segments(&query(&w, &apps, fine), Business::Moderation, Media::Picture);
        let segments_day = segments(&query(&w, &apps, daily), Business::Moderation, Media::Picture);
        assert_eq!(segments_fine.iter().sum::<u64>(), segments_day[0]);
    }

    #[test]
    fn the_daily_relay_peak_is_the_largest_five_minute_peak() {
        let w = world(40, Fixtures::default());
        let apps = [APP, APP + 1, APP + 2];
        for day in [NOW - 3 * DAY, NOW - 2 * DAY, NOW - DAY] {
            let fine = relay(&query(&w, &apps, Grid::new(day, day + DAY, Step::FiveMinutes)));
            let daily = relay(&query(&w, &apps, Grid::new(day, day + DAY, Step::Day)));
            assert_eq!(daily, vec![*fine.iter().max().unwrap()]);
            assert!(daily[0] >= 800, "busy apps relay every day: {daily:?}");
            let one = relay(&query(&w, &apps[..1], Grid::new(day, day + DAY, Step::Day)));
            assert!(one[0] <= daily[0], "an app's peak is at most the account's");
        }
    }

    #[test]
    fn services_drive_their_figures_in_fixtures() {
        let doc = r#"{"Apps": [{"SdkAppId": 7, "Rooms": [
            {"RoomId": 1, "CreateTime": 1000, "DestroyTime": 1600,
             "Services": {"SingleRecording": true, "MixedRecording": {"Width": 1280, "Height": 720},
                          "Mixing": {"Width": 640, "Height": 360, "Codec": "H265"}, "RelayKbps": 1500,
                          "AiConversation": {"Tts": true}, "Transcription": {"Translation": true},
                          "Moderation": {"Audio": true, "PictureInterval": 10},
                          "Slicing": {"PictureInterval": 60}, "DedicatedAcceleration": true},
             "Users": [
                {"UserId": "a", "JoinTs": 1000, "LeaveTs": 1600, "Video": {"Width": 1280, "Height": 720},
                 "Publishing": [{"Stream": "audio", "Start": 1000, "End": 1600},
                                {"Stream": "video", "Start": 1100, "End": 1300}]},
                {"UserId": "b", "JoinTs": 1200, "LeaveTs": 1500, "Role": "audience"},
                {"UserId": "c", "JoinTs": 1000, "LeaveTs": 1400, "Video": {"Width": 640, "Height": 480},
                 "SubStream": {"Width": 1920, "Height": 1080},
                 "Publishing": [{"Stream": "video", "Start": 1000, "End": 1400},
                                {"Stream": "sub_stream", "Start": 1250, "End": 1350}]}]},
            {"RoomId": 2, "CreateTime": 1000, "DestroyTime": 1100, "Services": {"RelayKbps": 700},
             "Users": [{"UserId": "d", "JoinTs": 1000, "LeaveTs": 1100}]}]}]}"#;
        let mut fixtures = Fixtures::default();
        fixtures.add_document("doc", doc).unwrap();
        let w = world(4, fixtures);
        let grid = Grid::new(900, 1700, Step::Whole);
        let q = query(&w, &[7], grid);

        // a (600 s) receives c's 480p camera 1000–1400 and c's 1080p screen 1250–1350: SD 300,
        //   2K 100 (2,380,800 pixels), audio 200.
        // b (300 s) receives a's 720p camera to 1300 and c's streams: FullHD 50 (1200–1250),
        //   2K 100 (1250–1350), SD 50, audio 100.
        // c (400 s) receives a's 720p camera 1100–1300: HD 200, audio 200.
        // d (100 s) is alone in room 2: audio 100.
        let av = audio_video(&q)[0];
        assert_eq!(av, [600, 350, 200, 50, 200, 0]);
        let total: u64 = av.iter().sum();
        assert_eq!(total, 600 + 300 + 400 + 100);
        assert_eq!(av, brute_total(&w, 7, (900, 1700)));

        // Single recording: a's main stream: audio 1000–1100, 720p 1100–1300, audio 1300–1600;
        // c: 480p camera 1000–1400 and a 1080p screen 1250–1350.
        assert_eq!(recording(&q, Mix::Single)[0], [400, 400, 200, 100, 0, 0]);
        // Mixed: 1000–1100 a audio + c SD; 1100–1250 a HD + c SD; 1250–1300 + c FullHD screen;
        // 1300–1350 a audio, c SD, c FullHD; 1350–1400 a audio, c SD; 1400–1600 audio only.
        assert_eq!(recording(&q, Mix::Multi)[0], [100 + 50 + 50 + 200, 100 + 150 + 50 + 50 + 50, 200, 100, 0, 0]);
        // Mixing (output 640×360 = 230,400, H.265), input pixels: 1000–1100 307,200 (SD);
        // 1100–1250 1,228,800 (FullHD); 1250–1300 3,302,400 (2K); 1300–1350 2,380,800 (2K);
        // 1350–1400 307,200 (SD); 1400–1600 audio.
        let mixed = mixing(&q)[0];
        assert_eq!(mixed[0], 200);
        assert_eq!(&mixed[6..], &[150, 0, 150, 100, 0]);
        assert_eq!(&mixed[1..6], &[0, 0, 0, 0, 0]);
        // Relay: 1500 kbps while room 1 publishes, 700 in room 2 (1000–1100).
        assert_eq!(relay(&q), vec![2200]);
        let legacy = legacy_transcoding(&q)[0];
        assert_eq!(legacy, LegacyTranscoding { audio: 200, sd: 400, hd: 0, fhd: 0, peak_kbps: 2200 });
        let files = legacy_recording(&q)[0];
        // Single: a audio 400, HD 200; c SD 400, screen FHD 100. Mixed (720p): video 400, audio 200.
        assert_eq!(files, LegacyRecording { sd: 400, hd: 200 + 400, fhd: 100, audio: 400 + 200 });
        assert_eq!(ai(&q)[0], Ai { conversation: 600, asr: 600, translation: 600, tts: 600 });
        assert_eq!(dedicated(&q), vec![1300]);
        assert_eq!(segments(&q, Business::Moderation, Media::Audio), vec![600]);
        // Pictures every 10 s: a's camera 1100–1300 (20), c's camera 1000–1400 (40), screen (10).
        assert_eq!(segments(&q, Business::Moderation, Media::Picture), vec![70]);
        assert_eq!(segments(&q, Business::Slicing, Media::Audio), vec![0]);
        assert_eq!(segments(&q, Business::Slicing, Media::Picture), vec![4 + 7 + 2]);

        let rooms = audio_video_by_room(&w, 7, (900, 1700), NOW);
        assert_eq!(rooms.iter().map(|(r, _)| r.as_str()).collect::<Vec<_>>(), ["1", "2"]);
        assert_eq!(rooms[1].1, [100, 0, 0, 0, 0, 0]);
        assert_eq!(rooms[0].1.iter().sum::<u64>() + 100, total);
    }

    fn brute_total(world: &World, app: u64, window: (u64, u64)) -> ByTier {
        let mut out = [0u64; 6];
        world.for_each_room(app, (window.0, window.1 - 1), NOW, |room| {
            out.iter_mut().zip(brute_audio_video(room, window)).for_each(|(a, b)| *a += b);
        });
        out
    }

    #[test]
    fn generated_rooms_use_every_service_at_low_rates() {
        let w = world(40, Fixtures::default());
        let (mut rooms, mut ai, mut transcription, mut moderation, mut slicing, mut dedicated) = (0, 0, 0, 0, 0, 0);
        w.for_each_room(APP, (NOW - 2 * DAY, NOW), NOW, |room| {
            let s = room.services;
            rooms += 1;
            ai += usize::from(s.ai_conversation.is_some());
            transcription += usize::from(s.transcription.is_some());
            moderation += usize::from(s.moderation.is_some());
            slicing += usize::from(s.slicing.is_some());
            dedicated += usize::from(s.dedicated_acceleration);
            for task in [s.moderation, s.slicing].into_iter().flatten() {
                assert!(task.audio || task.picture_interval.is_some());
            }
        });
        for (name, n) in [
            ("ai", ai),
            ("transcription", transcription),
            ("moderation", moderation),
            ("slicing", slicing),
            ("acc", dedicated),
        ] {
            assert!(n > 0 && n * 10 < rooms, "{name}: {n} of {rooms}");
        }
    }
}
