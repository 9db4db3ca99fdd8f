//! The deterministic generated history of an SdkAppId, and windows over it.
//!
//! Time is cut into one-hour buckets. How many rooms are created in a bucket, and when and for
//! how long each lives, is a pure function of (seed, SdkAppId, bucket, index) — a
//! [`Skeleton`], computed in a few hash steps without allocating. Room `i` of a bucket is
//! created in the `i`-th of equal slots of the hour, so creation order is index order and the
//! rooms created in any part of an hour are found by binary search. A window is counted and
//! paged from skeletons alone: only the rooms created before it (at most [`MAX_ROOM_SECS`]
//! earlier) are looked at one by one, so page 0 and page 9,999 of a day of a million rooms cost
//! the same, and nothing is kept. The full room (users, publishing, incidents) is built from
//! its skeleton only when an answer shows it ([`super::details`]), and a bounded cache keeps the
//! rooms built last.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use super::details;
use super::model::Room;
use crate::pure::civil;
use crate::pure::hash::{IntKeys, below, mix, unit};

pub const BUCKET_SECS: u64 = 3600;
/// Longest generated room; also how far before a window rooms are looked for.
pub const MAX_ROOM_SECS: u64 = 4 * 3600;
/// The last second the history covers (9999-12-31 23:59:59 UTC): times beyond it have no rooms,
/// so that no arithmetic on a client's time can overflow.
pub const MAX_TIME: u64 = 253_402_300_799;

/// Stream tags keep the hash streams of different uses apart.
pub(crate) const ROOMS: u64 = 1;
pub(crate) const USERS: u64 = 2;
const COUNT: u64 = 3;
const NUMBERS: u64 = 4;

/// Rooms kept built before the cache is emptied.
const CACHE_ROOMS: usize = 16_384;
/// Windows whose rooms are kept (as index spans) before that cache is emptied.
const CACHE_WINDOWS: usize = 256;
/// Most index spans one kept window may have (a 24 h window of the default density has ~50): a
/// window whose look-behind holds more scattered rooms (dense histories) is walked each time.
/// With [`CACHE_WINDOWS`], the cache holds at most 1 MiB of spans.
const WINDOW_SPANS: usize = 256;

/// Relative activity of each hour of the day in UTC+8 (TRTC's home zone): quiet nights, busy
/// afternoons and evenings. The mean is 1.
const DIURNAL: [f64; 24] = [
    0.5, 0.35, 0.25, 0.2, 0.2, 0.25, 0.4, 0.65, 0.95, 1.25, 1.4, 1.4, 1.25, 1.3, 1.4, 1.4, 1.35, 1.3, 1.35, 1.5, 1.65,
    1.55, 1.3, 0.85,
];

/// How busy the generated history is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Density {
    /// Average rooms created per hour (every hour has at least one).
    pub rooms_per_hour: u32,
    /// Most users in one room (live rooms fill up to it with audience).
    pub max_users_per_room: u32,
    /// Share of rooms that last 90 minutes or more (up to [`MAX_ROOM_SECS`]).
    pub long_call_share: f64,
    /// Average quality incidents per user-hour in a room.
    pub incidents_per_hour: f64,
}

impl Default for Density {
    fn default() -> Self {
        Self { rooms_per_hour: 4, max_users_per_room: 30, long_call_share: 0.1, incidents_per_hour: 1.0 }
    }
}

/// What is known of a generated room without building it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Skeleton {
    pub sdk_app_id: u64,
    pub bucket: u64,
    pub index: u32,
    pub create_time: u64,
    /// The room is destroyed `duration` seconds after it is created.
    pub duration: u64,
    /// Seed of everything else about the room.
    pub hash: u64,
}

impl Skeleton {
    pub fn destroy_time(&self) -> u64 {
        self.create_time + self.duration
    }

    /// When the room stops counting as active at `now`: destroyed, or still open at `now`.
    pub fn end_at(&self, now: u64) -> u64 {
        let destroy = self.destroy_time();
        if destroy <= now { destroy } else { now.max(self.create_time) }
    }

    /// The rule of [`Room::overlaps`], on the skeleton.
    pub fn overlaps(&self, start: u64, end: u64, now: u64) -> bool {
        self.create_time <= now && self.create_time <= end && self.end_at(now) >= start
    }
}

#[derive(Debug)]
pub struct Generator {
    pub seed: u64,
    pub density: Density,
    cache: RwLock<Keyed<(u64, u64, u32), Arc<Room>>>,
    /// The rooms active in a window, by (SdkAppId, start, end, now): a pure function of the seed
    /// and density, so it never goes stale (the world's changes are passed in as [`Ends`], and a
    /// window with changes is not kept).
    windows: RwLock<Keyed<WindowKey, Arc<Window>>>,
}

/// A cache keyed by a few integers.
type Keyed<K, V> = HashMap<K, V, IntKeys>;

/// (SdkAppId, start, end, now) of a window.
type WindowKey = (u64, u64, u64, u64);

/// The rooms active in a window, in creation order: runs of consecutive indices of a bucket.
#[derive(Debug)]
struct Window {
    total: u64,
    spans: Box<[(u64, u32, u32)]>,
}

impl Generator {
    pub fn new(seed: u64, density: Density) -> Self {
        Self { seed, density, cache: RwLock::default(), windows: RwLock::default() }
    }

    /// How many rooms are created in `bucket` (at least one; none past [`MAX_TIME`]).
    pub fn count(&self, sdk_app_id: u64, bucket: u64) -> u32 {
        if bucket > MAX_TIME / BUCKET_SECS {
            return 0;
        }
        let hour = (bucket + 8) % 24;
        let mean = f64::from(self.density.rooms_per_hour.max(1)) * DIURNAL[hour as usize];
        // Between 0.7 and 1.3 times the hour's mean, never zero.
        let jitter = 0.7 + 0.6 * unit(mix(self.seed, &[COUNT, sdk_app_id, bucket]));
        ((mean * jitter).round() as u32).max(1)
    }

    /// The skeleton of room `index` (< [`Generator::count`]) of `bucket`.
    pub fn skeleton(&self, sdk_app_id: u64, bucket: u64, index: u32) -> Skeleton {
        self.skeleton_of(sdk_app_id, bucket, self.count(sdk_app_id, bucket), index)
    }

    /// [`Generator::skeleton`] with the bucket's count already known.
    fn skeleton_of(&self, sdk_app_id: u64, bucket: u64, count: u32, index: u32) -> Skeleton {
        let n = u64::from(count.max(1));
        let i = u64::from(index);
        let slot_start = i * BUCKET_SECS / n;
        let slot_len = (i + 1) * BUCKET_SECS / n - slot_start;
        let hash = mix(self.seed, &[ROOMS, sdk_app_id, bucket, i]);
        let create_time = bucket * BUCKET_SECS + slot_start + if slot_len > 0 { below(hash, slot_len) } else { 0 };
        Skeleton { sdk_app_id, bucket, index, create_time, duration: self.duration(mix(hash, &[1])), hash }
    }

    /// A room's lifetime: mostly short calls, some an hour long, a configurable share long.
    fn duration(&self, hash: u64) -> u64 {
        let kind = unit(hash);
        let length = mix(hash, &[2]);
        let long = self.density.long_call_share.clamp(0.0, 1.0);
        if kind < long {
            5400 + below(length, MAX_ROOM_SECS - 5400 + 1)
        } else if (kind - long) / (1.0 - long).max(f64::EPSILON) < 0.65 {
            120 + below(length, 1800 - 120)
        } else {
            1800 + below(length, 5400 - 1800)
        }
    }

    /// The numbers rooms of a bucket carry in their CommIds: an affine permutation of the
    /// bucket's indices, so that no two rooms of a bucket share one (rooms of different buckets
    /// differ by creation time). Numeric rooms take `1..=1_000_000`, string rooms an internal
    /// `100_000_000..4_000_000_000`, as on the real service.
    pub fn room_number(&self, skeleton: &Skeleton, numeric: bool) -> u64 {
        let (base, span): (u64, u64) = if numeric { (1, 1_000_000) } else { (100_000_000, 3_900_000_000) };
        let h = mix(self.seed, &[NUMBERS, skeleton.sdk_app_id, skeleton.bucket, u64::from(numeric)]);
        // A multiplier coprime with both spans (2^a·5^b·39): odd, not a multiple of 3, 5 or 13.
        let mut a = (h % span) | 1;
        while a % 3 == 0 || a % 5 == 0 || a % 13 == 0 {
            a += 2;
        }
        let c = mix(h, &[1]) % span;
        base + ((u128::from(a) * u128::from(skeleton.index) + u128::from(c)) % u128::from(span)) as u64
    }

    /// The first index of `bucket` (of `count` rooms) created at or after `t`.
    fn first_at_or_after(&self, sdk_app_id: u64, bucket: u64, count: u32, t: u64) -> u32 {
        let (mut lo, mut hi) = (0u32, count);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if self.skeleton_of(sdk_app_id, bucket, count, mid).create_time < t {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    }

    /// The rooms active at some point of `[start, end]` as they stand at `now`, in creation
    /// order, one bucket-run at a time: `visit` gets each run's skeleton indices (a range, all
    /// overlapping) or single skeletons that were checked one by one. Returns early when `visit`
    /// says stop.
    fn runs(
        &self,
        sdk_app_id: u64,
        start: u64,
        end: u64,
        now: u64,
        ends: Ends<'_>,
        mut visit: impl FnMut(Run) -> bool,
    ) {
        let end = end.min(now).min(MAX_TIME);
        if start > end {
            return;
        }
        let first = start.saturating_sub(MAX_ROOM_SECS) / BUCKET_SECS;
        let last = end / BUCKET_SECS;
        for bucket in first..=last {
            let bucket_start = bucket * BUCKET_SECS;
            let count = self.count(sdk_app_id, bucket);
            // Rooms created before the window: each must still be alive at its start.
            let before = if bucket_start + BUCKET_SECS <= start {
                count
            } else {
                self.first_at_or_after(sdk_app_id, bucket, count, start)
            };
            for index in 0..before {
                let skeleton = self.skeleton_of(sdk_app_id, bucket, count, index);
                let overlaps = match ends.and_then(|e| e(&skeleton)) {
                    // A room changed at run time ends where its changes say.
                    Some(end_at) => skeleton.create_time <= now && skeleton.create_time <= end && end_at >= start,
                    None => skeleton.overlaps(start, end, now),
                };
                if overlaps && !visit(Run::One(skeleton)) {
                    return;
                }
            }
            // Rooms created inside the window are all active in it.
            let after = if bucket_start + BUCKET_SECS <= end + 1 {
                count
            } else {
                self.first_at_or_after(sdk_app_id, bucket, count, end + 1)
            };
            if after > before && !visit(Run::Range(bucket, before, after)) {
                return;
            }
        }
    }

    /// How many rooms were active at some point of `[start, end]` as they stand at `now`.
    pub fn count_overlapping(&self, sdk_app_id: u64, start: u64, end: u64, now: u64) -> u64 {
        self.count_created_by(sdk_app_id, start, end, now, None, u64::MAX)
    }

    /// How many rooms created by `by` (inclusive) were active at some point of `[start, end]`.
    pub fn count_created_by(&self, sdk_app_id: u64, start: u64, end: u64, now: u64, ends: Ends<'_>, by: u64) -> u64 {
        let mut total = 0u64;
        if by >= start {
            // Every room created by `by` that reaches `[start, end]` reaches `[start, min(end, by)]`.
            self.runs(sdk_app_id, start, end.min(by), now, ends, |run| {
                total += run.len();
                true
            });
        } else {
            // Created before the window: only the rooms still alive at its start count.
            self.runs(sdk_app_id, start, start, now, ends, |run| {
                if let Run::One(s) = run
                    && s.create_time <= by
                {
                    total += 1;
                }
                true
            });
        }
        total
    }

    /// How many rooms are active in `[start, end]` at `now`, and the skeletons of those after
    /// the first `skip`, at most `take`, in creation order. One pass over the window whatever
    /// the page: page 0 and the last page cost the same.
    pub fn page(&self, sdk_app_id: u64, start: u64, end: u64, now: u64, skip: u64, take: u64) -> (u64, Vec<Skeleton>) {
        self.page_with(sdk_app_id, start, end, now, None, skip, take)
    }

    /// [`Generator::page`] where `ends` gives the end of the rooms changed at run time.
    #[allow(clippy::too_many_arguments)] // a window, a clock, an override and a page
    pub fn page_with(
        &self,
        sdk_app_id: u64,
        start: u64,
        end: u64,
        now: u64,
        ends: Ends<'_>,
        skip: u64,
        take: u64,
    ) -> (u64, Vec<Skeleton>) {
        // Without changes made at run time, the window's rooms depend only on the seed: kept.
        if ends.is_none()
            && let Some(window) = self.window(sdk_app_id, start, end, now)
        {
            let mut out = Vec::new();
            let mut skip = skip;
            for &(bucket, from, to) in window.spans.iter() {
                if out.len() as u64 >= take {
                    break;
                }
                let len = u64::from(to - from);
                if skip >= len {
                    skip -= len;
                    continue;
                }
                let from = from + skip as u32;
                skip = 0;
                let room_for = (take - out.len() as u64).min(u64::from(to - from)) as u32;
                let count = self.count(sdk_app_id, bucket);
                out.extend((from..from + room_for).map(|i| self.skeleton_of(sdk_app_id, bucket, count, i)));
            }
            return (window.total, out);
        }
        let mut out = Vec::new();
        let mut skip = skip;
        let mut total = 0u64;
        self.runs(sdk_app_id, start, end, now, ends, |run| {
            total += run.len();
            if out.len() as u64 >= take {
                return true;
            }
            match run {
                Run::One(skeleton) => {
                    if skip > 0 {
                        skip -= 1;
                    } else {
                        out.push(skeleton);
                    }
                }
                Run::Range(bucket, from, to) => {
                    let len = u64::from(to - from);
                    if skip >= len {
                        skip -= len;
                        return true;
                    }
                    let from = from + skip as u32;
                    skip = 0;
                    let room_for = (take - out.len() as u64).min(u64::from(to - from)) as u32;
                    out.extend((from..from + room_for).map(|i| self.skeleton(sdk_app_id, bucket, i)));
                }
            }
            true
        });
        (total, out)
    }

    /// The rooms active in `[start, end]` at `now` (no run-time changes) as index spans, from
    /// the cache or walked and kept; `None` when they make too many spans to keep.
    fn window(&self, sdk_app_id: u64, start: u64, end: u64, now: u64) -> Option<Arc<Window>> {
        let key = (sdk_app_id, start, end, now);
        if let Some(window) = self.windows.read().expect("window cache lock").get(&key) {
            return Some(Arc::clone(window));
        }
        let mut spans: Vec<(u64, u32, u32)> = Vec::new();
        let mut total = 0u64;
        let mut fits = true;
        self.runs(sdk_app_id, start, end, now, None, |run| {
            total += run.len();
            let (bucket, from, to) = match run {
                Run::One(skeleton) => (skeleton.bucket, skeleton.index, skeleton.index + 1),
                Run::Range(bucket, from, to) => (bucket, from, to),
            };
            let full = spans.len() >= WINDOW_SPANS;
            match spans.last_mut() {
                Some(last) if last.0 == bucket && last.2 == from => last.2 = to,
                _ if full => fits = false,
                _ => spans.push((bucket, from, to)),
            }
            fits
        });
        if !fits {
            return None;
        }
        let window = Arc::new(Window { total, spans: spans.into_boxed_slice() });
        let mut windows = self.windows.write().expect("window cache lock");
        if windows.len() >= CACHE_WINDOWS {
            windows.clear();
        }
        windows.insert(key, Arc::clone(&window));
        Some(window)
    }

    /// Calls `f` on every skeleton active in `[start, end]` at `now`, in creation order.
    pub fn for_each_overlapping(&self, sdk_app_id: u64, start: u64, end: u64, now: u64, f: impl FnMut(Skeleton)) {
        self.for_each_overlapping_with(sdk_app_id, start, end, now, None, f);
    }

    /// [`Generator::for_each_overlapping`] where `ends` gives the end of the rooms changed at
    /// run time.
    pub fn for_each_overlapping_with(
        &self,
        sdk_app_id: u64,
        start: u64,
        end: u64,
        now: u64,
        ends: Ends<'_>,
        mut f: impl FnMut(Skeleton),
    ) {
        self.runs(sdk_app_id, start, end, now, ends, |run| {
            match run {
                Run::One(skeleton) => f(skeleton),
                Run::Range(bucket, from, to) => (from..to).for_each(|i| f(self.skeleton(sdk_app_id, bucket, i))),
            }
            true
        });
    }

    /// The room a CommId names, whatever the clock says (callers check visibility).
    pub fn find(&self, sdk_app_id: u64, room_number: u64, create_time: u64) -> Option<Arc<Room>> {
        if create_time > MAX_TIME {
            return None;
        }
        let bucket = create_time / BUCKET_SECS;
        let count = self.count(sdk_app_id, bucket);
        let first = self.first_at_or_after(sdk_app_id, bucket, count, create_time);
        (first..count)
            .map(|i| self.skeleton_of(sdk_app_id, bucket, count, i))
            .take_while(|s| s.create_time == create_time)
            .find(|s| details::identity(self, s).number == room_number)
            .map(|s| self.room(&s))
    }

    /// The whole room of a skeleton, built once and then served from the cache.
    pub fn room(&self, skeleton: &Skeleton) -> Arc<Room> {
        let key = (skeleton.sdk_app_id, skeleton.bucket, skeleton.index);
        if let Some(room) = self.cache.read().expect("room cache lock").get(&key) {
            return Arc::clone(room);
        }
        let room = Arc::new(details::build(self, skeleton));
        let mut cache = self.cache.write().expect("room cache lock");
        if cache.len() >= CACHE_ROOMS {
            cache.clear();
        }
        cache.insert(key, Arc::clone(&room));
        room
    }

    /// Size of an app's pool of users: users come back in later rooms; busier apps have more.
    pub fn user_pool(&self) -> u64 {
        (u64::from(self.density.rooms_per_hour) * 100).max(400)
    }

    /// The id of user `index` of an app's pool, e.g. `user_3_48213954`.
    pub fn user_id(&self, sdk_app_id: u64, index: u64) -> String {
        format!("user_{index}_{}", mix(self.seed, &[USERS, sdk_app_id, index, 0]) % 100_000_000)
    }

    /// Start of the UTC+8 day of `t`, for callers that cut history into days.
    pub fn day_of(t: u64) -> u64 {
        u64::try_from(civil::local_midnight(i64::try_from(t).unwrap_or(i64::MAX))).unwrap_or(0)
    }
}

/// Where rooms changed at run time end at `now` (`None` for a room without changes).
pub type Ends<'a> = Option<&'a dyn Fn(&Skeleton) -> Option<u64>>;

/// Rooms of one bucket handed to a visitor: a checked single room, or an index range whose
/// rooms all overlap the window.
#[derive(Debug, Clone, Copy)]
enum Run {
    One(Skeleton),
    Range(u64, u32, u32),
}

impl Run {
    fn len(&self) -> u64 {
        match self {
            Run::One(_) => 1,
            Run::Range(_, from, to) => u64::from(to - from),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn generator(rooms_per_hour: u32) -> Generator {
        Generator::new(7, Density { rooms_per_hour, ..Density::default() })
    }

    /// Every overlapping skeleton, found the slow way.
    fn brute(g: &Generator, app: u64, start: u64, end: u64, now: u64) -> Vec<Skeleton> {
        let mut out = Vec::new();
        for bucket in start.saturating_sub(MAX_ROOM_SECS) / BUCKET_SECS..=end / BUCKET_SECS {
            for i in 0..g.count(app, bucket) {
                let s = g.skeleton(app, bucket, i);
                if s.overlaps(start, end, now) {
                    out.push(s);
                }
            }
        }
        out
    }

    #[test]
    fn a_day_of_the_default_density_is_kept_and_dense_look_behinds_are_walked() {
        let now = 1_692_000_000;
        assert!(generator(4).window(9, now - 86_400, now, now).is_some());
        assert!(generator(5000).window(9, now - 86_400, now, now).is_none());
    }

    #[test]
    fn kept_windows_page_as_walked_ones() {
        let no_changes = |_: &Skeleton| None;
        let walked: Ends<'_> = Some(&no_changes);
        for rph in [1, 4, 300, 5000] {
            let g = generator(rph);
            let now = 1_692_000_000;
            for (start, end) in [(now - 86_400, now), (now - 3600, now + 10), (now - 20_000, now - 10_000), (now, now)]
            {
                let all = brute(&g, 9, start, end, now);
                for (skip, take) in [(0, 10), (3, 7), (0, 100), (all.len() as u64, 5), (u64::MAX, 1), (5, 0)] {
                    let kept = g.page_with(9, start, end, now, None, skip, take);
                    assert_eq!(kept, g.page_with(9, start, end, now, walked, skip, take), "{rph} {start} {skip}");
                    assert_eq!(kept, g.page_with(9, start, end, now, None, skip, take), "again, from the cache");
                    assert_eq!(kept.0, all.len() as u64);
                    let expected: Vec<Skeleton> = all
                        .iter()
                        .skip(usize::try_from(skip).unwrap_or(usize::MAX))
                        .take(take as usize)
                        .copied()
                        .collect();
                    assert_eq!(kept.1, expected);
                }
            }
        }
    }

    #[test]
    fn creation_order_is_index_order_inside_each_slot() {
        for rph in [1, 4, 50, 5000] {
            let g = generator(rph);
            for bucket in 470_000..470_030 {
                let n = g.count(1, bucket);
                assert!(n >= 1);
                let mut last = None;
                for i in 0..n {
                    let s = g.skeleton(1, bucket, i);
                    assert!((bucket * 3600..bucket * 3600 + 3600).contains(&s.create_time));
                    assert!(last.is_none_or(|l| l <= s.create_time));
                    assert!((120..=MAX_ROOM_SECS).contains(&s.duration));
                    last = Some(s.create_time);
                }
            }
        }
    }

    #[test]
    fn counting_and_paging_agree_with_brute_force() {
        for rph in [1, 4, 60] {
            let g = generator(rph);
            let base = 470_000 * 3600;
            for (start, end, now) in [
                (base, base + 86_399, base + 200_000),
                (base + 1234, base + 5000, base + 4000),
                (base + 7200, base + 7200, u64::MAX),
                (base + 10, base + 10, base + 100_000),
            ] {
                let all = brute(&g, 1, start, end, now);
                assert_eq!(g.count_overlapping(1, start, end, now), all.len() as u64);
                let mut paged = Vec::new();
                for page in 0.. {
                    let (total, got) = g.page(1, start, end, now, page * 7, 7);
                    assert_eq!(total, all.len() as u64);
                    if got.is_empty() {
                        break;
                    }
                    paged.extend(got);
                }
                let mut sorted = all.clone();
                sorted.sort_by_key(|s| (s.create_time, s.bucket, s.index));
                assert_eq!(paged, sorted);
                let mut each = Vec::new();
                g.for_each_overlapping(1, start, end, now, |s| each.push(s));
                assert_eq!(each, sorted);
            }
        }
    }

    #[test]
    fn room_numbers_are_unique_in_a_bucket() {
        let g = generator(5000);
        for numeric in [true, false] {
            let mut seen = std::collections::HashSet::new();
            for i in 0..g.count(9, 470_000) {
                let n = g.room_number(&g.skeleton(9, 470_000, i), numeric);
                assert!(seen.insert(n));
                assert!(if numeric { (1..=1_000_000).contains(&n) } else { (100_000_000..4_000_000_000).contains(&n) });
            }
        }
    }

    #[test]
    fn the_daily_shape_keeps_the_mean() {
        assert!((DIURNAL.iter().sum::<f64>() / 24.0 - 1.0).abs() < 1e-9);
    }

    #[test]
    fn density_follows_the_setting() {
        let sparse: u64 = (0..480).map(|b| u64::from(generator(1).count(1, b))).sum();
        let dense: u64 = (0..480).map(|b| u64::from(generator(20).count(1, b))).sum();
        assert!((480..700).contains(&sparse), "{sparse}");
        assert!((8_400..10_800).contains(&dense), "{dense}");
    }

    #[test]
    fn times_past_the_end_of_history_have_no_rooms() {
        let g = generator(4);
        assert_eq!(g.count(1, u64::MAX / BUCKET_SECS), 0);
        assert!(g.find(1, 1, u64::MAX - 5).is_none());
        assert_eq!(g.count_overlapping(1, u64::MAX - 10, u64::MAX, u64::MAX), 0);
    }
}
