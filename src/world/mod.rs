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
    /// The fixtures loaded at start-up, which a reset goes back to.
    startup: Arc<Fixtures>,
    fixtures: RwLock<Arc<Fixtures>>,
}

impl World {
    pub fn new(clock: Clock, generator: Generator, fixtures: Fixtures) -> Self {
        let startup = Arc::new(fixtures);
        Self { clock, generator, fixtures: RwLock::new(Arc::clone(&startup)), startup }
    }

    /// The fixtures in force (a snapshot: later loads do not change it).
    pub fn fixtures(&self) -> Arc<Fixtures> {
        Arc::clone(&self.fixtures.read().expect("fixtures lock"))
    }

    /// Loads one more fixture document, all or nothing; the error starts with `source`.
    pub fn add_fixtures(&self, source: &str, text: &str) -> Result<(), String> {
        let mut current = self.fixtures.write().expect("fixtures lock");
        let mut next = Fixtures::clone(&current);
        next.add_document(source, text)?;
        *current = Arc::new(next);
        Ok(())
    }

    /// Back to the start-up state: everything (clock and fixtures), or the fixtures of one
    /// SdkAppId (the clock is shared, so a scoped reset leaves it alone).
    pub fn reset(&self, sdk_app_id: Option<u64>) {
        let mut current = self.fixtures.write().expect("fixtures lock");
        match sdk_app_id {
            None => {
                *current = Arc::clone(&self.startup);
                self.clock.reset();
            }
            Some(app) => *current = Arc::new(current.with_app_from(&self.startup, app)),
        }
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
