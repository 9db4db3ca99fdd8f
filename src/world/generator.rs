//! The deterministic generated history of an SdkAppId.
//!
//! Time is cut into one-hour buckets; the rooms *created* in a bucket are a pure function of
//! (seed, SdkAppId, bucket), drawn from a ChaCha RNG seeded with a stable hash of those three.
//! A query generates the buckets it touches, so any 24-hour window costs the same however far
//! back it is, and the same seed gives the same bytes on every machine. Generated buckets are
//! kept in a bounded cache (they never change), so repeated queries do not pay for them again.
//! Rooms last at most [`MAX_ROOM_SECS`], so a window needs only that much look-behind.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use fake::Fake;
use fake::faker::internet::en::IPv4;
use fake::faker::lorem::en::Word;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::model::{Room, Session};
use crate::pure::hash::mix;

pub const BUCKET_SECS: u64 = 3600;
/// Longest generated room; also how far before a window rooms are looked for.
pub const MAX_ROOM_SECS: u64 = 3 * 3600;

/// Size of the pool of user ids of one SdkAppId: users come back in later rooms.
const USER_POOL: u64 = 400;

const DEVICE_TYPES: &[&str] = &["ios", "android", "windows", "mac", "web", "linux"];
const SDK_VERSIONS: &[&str] =
    &["11.5.0.13045", "11.9.0.15023", "12.0.0.15501", "12.1.0.16002", "12.2.0.16503", "5.0.1.120", "4.3.14"];

/// Stream tags keep the RNG streams of different uses apart.
const ROOMS: u64 = 1;
const USERS: u64 = 2;

/// Buckets kept before the cache is emptied (about 2 KB each at the default density).
const CACHE_BUCKETS: usize = 8192;

type Bucket = Arc<[Arc<Room>]>;

#[derive(Debug)]
pub struct Generator {
    pub seed: u64,
    pub rooms_per_hour: u32,
    cache: RwLock<HashMap<(u64, u64), Bucket>>,
}

impl Generator {
    pub fn new(seed: u64, rooms_per_hour: u32) -> Self {
        Self { seed, rooms_per_hour: rooms_per_hour.max(1), cache: RwLock::new(HashMap::new()) }
    }

    /// Rooms created in `bucket` (`[bucket*3600, bucket*3600+3600)`), ordered by creation.
    pub fn rooms_created_in(&self, sdk_app_id: u64, bucket: u64) -> Bucket {
        if let Some(found) = self.cache.read().expect("bucket cache lock").get(&(sdk_app_id, bucket)) {
            return Arc::clone(found);
        }
        let rooms: Bucket = self.generate(sdk_app_id, bucket).into_iter().map(Arc::new).collect();
        let mut cache = self.cache.write().expect("bucket cache lock");
        if cache.len() >= CACHE_BUCKETS {
            cache.clear();
        }
        cache.insert((sdk_app_id, bucket), Arc::clone(&rooms));
        rooms
    }

    fn generate(&self, sdk_app_id: u64, bucket: u64) -> Vec<Room> {
        let mut rng = ChaCha8Rng::seed_from_u64(mix(self.seed, &[ROOMS, sdk_app_id, bucket]));
        let per_hour = u64::from(self.rooms_per_hour);
        // Mean `per_hour`, never zero: every hour has rooms.
        let count = 1 + rng.random_range(0..(2 * per_hour - 1).max(1));
        let mut rooms: Vec<Room> = Vec::with_capacity(count as usize);
        for _ in 0..count {
            let room = self.room(&mut rng, sdk_app_id, bucket * BUCKET_SECS);
            if !rooms.iter().any(|r| r.comm_id == room.comm_id) {
                rooms.push(room);
            }
        }
        rooms.sort_by(|a, b| a.create_time.cmp(&b.create_time).then_with(|| a.comm_id.cmp(&b.comm_id)));
        rooms
    }

    /// Rooms created by `end` whose whole lifetime reaches `start` (not yet cut at any "now").
    pub fn rooms_overlapping(&self, sdk_app_id: u64, start: u64, end: u64) -> Vec<Arc<Room>> {
        let first = start.saturating_sub(MAX_ROOM_SECS) / BUCKET_SECS;
        let last = end / BUCKET_SECS;
        let mut rooms = Vec::new();
        for bucket in first..=last {
            let created = self.rooms_created_in(sdk_app_id, bucket);
            rooms.extend(
                created
                    .iter()
                    .filter(|room| room.create_time <= end && room.destroy_time.unwrap_or(u64::MAX) >= start)
                    .cloned(),
            );
        }
        rooms
    }

    /// One room created in the hour starting at `bucket_start`.
    fn room(&self, rng: &mut ChaCha8Rng, sdk_app_id: u64, bucket_start: u64) -> Room {
        let create_time = bucket_start + rng.random_range(0..BUCKET_SECS);
        let numeric = rng.random_bool(0.75);
        let (room_string, room_number) = if numeric {
            let id = rng.random_range(1..1_000_000u64);
            (id.to_string(), id)
        } else {
            let name = if rng.random_bool(0.5) {
                format!("{:032x}", rng.random::<u128>())
            } else {
                let word: String = Word().fake_with_rng(rng);
                format!("{word}-{}", rng.random_range(100..10_000u32))
            };
            // String rooms get an internal number in their CommId, as on the real service.
            (name, rng.random_range(100_000_000..4_000_000_000u64))
        };
        let duration = match rng.random_range(0..10u32) {
            0..=5 => rng.random_range(120..1800u64),
            6..=8 => rng.random_range(1800..5400u64),
            _ => rng.random_range(5400..=MAX_ROOM_SECS),
        };
        let closes = create_time + duration;
        let participants = match rng.random_range(0..20u32) {
            0..=13 => rng.random_range(1..=4usize),
            14..=18 => rng.random_range(5..=10usize),
            _ => rng.random_range(11..=30usize),
        };

        let mut sessions = Vec::with_capacity(participants + 2);
        let mut users: Vec<u64> = Vec::with_capacity(participants);
        while users.len() < participants {
            let user = rng.random_range(0..USER_POOL);
            if !users.contains(&user) {
                users.push(user);
            }
        }
        for (i, &user) in users.iter().enumerate() {
            // The creator opens the room; the others arrive during its first third.
            let join = if i == 0 { create_time } else { create_time + rng.random_range(0..=(duration / 3).min(600)) };
            let leave = rng.random_range(join + (closes - join) / 4..=closes);
            let session = self.session(rng, sdk_app_id, user, join, leave);
            // Some users drop out and come back.
            let rejoin = rng.random_bool(0.1) && closes > leave + 120;
            sessions.push(session);
            if rejoin {
                let back = leave + rng.random_range(10..=60);
                let gone = rng.random_range(back..=closes);
                sessions.push(self.session(rng, sdk_app_id, user, back, gone));
            }
        }
        sessions.sort_by(|a, b| a.join_ts.cmp(&b.join_ts).then_with(|| a.user_id.cmp(&b.user_id)));
        // The room ends when its last user leaves.
        let destroy_time = sessions.iter().filter_map(|s| s.leave_ts).max().unwrap_or(closes);
        Room {
            comm_id: format!("{sdk_app_id}_{room_number}_{create_time}"),
            room_string,
            numeric,
            create_time,
            destroy_time: Some(destroy_time),
            finished: None,
            creator: self.user_id(sdk_app_id, users[0]),
            sessions,
            generated: true,
        }
    }

    fn session(&self, rng: &mut ChaCha8Rng, sdk_app_id: u64, user: u64, join: u64, leave: u64) -> Session {
        let traits = mix(self.seed, &[USERS, sdk_app_id, user]);
        Session {
            user_id: self.user_id(sdk_app_id, user),
            join_ts: join,
            leave_ts: Some(leave),
            finished: None,
            device_type: DEVICE_TYPES[(traits % DEVICE_TYPES.len() as u64) as usize].to_owned(),
            sdk_version: SDK_VERSIONS[((traits >> 8) % SDK_VERSIONS.len() as u64) as usize].to_owned(),
            client_ip: IPv4().fake_with_rng(rng),
        }
    }

    /// The id of user `index` of an app's pool, e.g. `user_3_48213954`.
    pub fn user_id(&self, sdk_app_id: u64, index: u64) -> String {
        format!("user_{index}_{}", mix(self.seed, &[USERS, sdk_app_id, index, 0]) % 100_000_000)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_history_other_seed_other_history() {
        let a = Generator::new(7, 4).rooms_created_in(1400000001, 470_000);
        let b = Generator::new(7, 4).rooms_created_in(1400000001, 470_000);
        let c = Generator::new(8, 4).rooms_created_in(1400000001, 470_000);
        assert_eq!(a, b);
        assert_ne!(a, c);
        // A cached bucket is the same as a freshly generated one.
        let g = Generator::new(7, 4);
        assert_eq!(g.rooms_created_in(1400000001, 470_000), a);
        assert_eq!(g.rooms_created_in(1400000001, 470_000), a);
    }

    #[test]
    fn every_hour_has_rooms_with_consistent_times() {
        let g = Generator::new(1, 4);
        for bucket in 470_000..470_200 {
            let rooms = g.rooms_created_in(1400000001, bucket);
            assert!(!rooms.is_empty());
            for room in rooms.iter() {
                let start = bucket * BUCKET_SECS;
                assert!((start..start + BUCKET_SECS).contains(&room.create_time));
                let destroy = room.destroy_time.unwrap();
                assert!(destroy >= room.create_time && destroy - room.create_time <= MAX_ROOM_SECS);
                assert!(room.comm_id.ends_with(&format!("_{}", room.create_time)));
                assert!(room.sessions.iter().any(|s| s.join_ts == room.create_time && s.user_id == room.creator));
                for s in &room.sessions {
                    assert!(s.join_ts >= room.create_time && s.leave_ts.unwrap() <= destroy);
                    assert!(s.join_ts <= s.leave_ts.unwrap());
                }
                assert!(room.room_string.len() <= 64);
            }
        }
    }

    #[test]
    fn density_follows_the_setting() {
        let sparse: usize = (0..500).map(|b| Generator::new(1, 1).rooms_created_in(1, b).len()).sum();
        let dense: usize = (0..500).map(|b| Generator::new(1, 20).rooms_created_in(1, b).len()).sum();
        assert_eq!(sparse, 500);
        assert!((8_000..12_000).contains(&dense), "{dense}");
    }
}
