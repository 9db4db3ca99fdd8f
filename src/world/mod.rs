//! The world the handlers read and change: the virtual clock, the generated history, the
//! fixtures that replace it for chosen SdkAppIds, and (later) the state of tasks.
//!
//! Handlers receive the virtual `now` of their request and never read a clock themselves.

pub mod clock;
pub mod fixtures;
pub mod generator;
pub mod model;

use std::sync::{Arc, RwLock};

pub use clock::{Clock, ClockReading, SystemWallClock, WallClock};
pub use fixtures::Fixtures;
pub use generator::Generator;
pub use model::{Room, Session, parse_comm_id};

use generator::BUCKET_SECS;

pub struct World {
    pub clock: Clock,
    pub generator: Generator,
    fixtures: RwLock<Arc<Fixtures>>,
}

impl World {
    pub fn new(clock: Clock, generator: Generator, fixtures: Fixtures) -> Self {
        Self { clock, generator, fixtures: RwLock::new(Arc::new(fixtures)) }
    }

    /// The fixtures in force (a snapshot: later loads do not change it).
    pub fn fixtures(&self) -> Arc<Fixtures> {
        Arc::clone(&self.fixtures.read().expect("fixtures lock"))
    }

    /// Replaces the fixtures in force.
    pub fn set_fixtures(&self, fixtures: Fixtures) {
        *self.fixtures.write().expect("fixtures lock") = Arc::new(fixtures);
    }

    /// Rooms of an app active at some point of `[start, end]` as they stand at `now`, ordered
    /// by creation (fixtures: as written). Read them with `now` (see [`Room::visible`]).
    pub fn rooms(&self, sdk_app_id: u64, start: u64, end: u64, now: u64) -> Vec<Arc<Room>> {
        let fixtures = self.fixtures();
        if fixtures.has_app(sdk_app_id) {
            return fixtures.rooms(sdk_app_id).iter().filter(|r| r.overlaps(start, end, now)).cloned().collect();
        }
        let mut rooms = self.generator.rooms_overlapping(sdk_app_id, start, end.min(now));
        rooms.retain(|room| room.overlaps(start, end, now));
        rooms
    }

    /// The call a CommId names, if it exists at `now`.
    pub fn call(&self, sdk_app_id: u64, comm_id: &str, now: u64) -> Option<Arc<Room>> {
        let fixtures = self.fixtures();
        if fixtures.has_app(sdk_app_id) {
            return fixtures.rooms(sdk_app_id).iter().find(|r| r.comm_id == comm_id).cloned();
        }
        let (_, _, created) = parse_comm_id(comm_id)?;
        let bucket = self.generator.rooms_created_in(sdk_app_id, created / BUCKET_SECS);
        bucket.iter().find(|room| room.comm_id == comm_id && room.visible(now)).cloned()
    }
}
