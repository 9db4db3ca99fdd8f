//! The world the handlers read and change: the virtual clock, the generated history, the
//! fixtures that replace it for chosen SdkAppIds, and (later) the state of tasks.
//!
//! The world knows nothing of HTTP. Handlers receive the virtual `now` of their request and
//! never read a clock themselves; every question they ask of the world is "as of now".
//!
//! The history of an SdkAppId is one set of rooms. Everything else is derived from it, lazily
//! and deterministically: quality series ([`quality`]), user events and abnormal experiences
//! ([`timeline`]), and the usage and scale figures ([`usage`], [`scale`]). So every action that
//! reads the history agrees with every other.

pub mod clock;
pub mod details;
pub mod fixtures;
pub mod generator;
pub mod model;
pub mod quality;
pub mod scale;
pub mod timeline;
pub mod usage;

use std::sync::{Arc, RwLock};

pub use clock::{Clock, ClockReading, SystemWallClock, WallClock};
pub use fixtures::Fixtures;
pub use generator::{Density, Generator};
pub use model::{Room, Session, parse_comm_id};

pub struct World {
    pub clock: Clock,
    pub generator: Generator,
    /// The fixtures loaded at start-up, which a reset goes back to.
    startup: Arc<Fixtures>,
    fixtures: RwLock<Arc<Fixtures>>,
}

/// One page of rooms and how many there are in all.
#[derive(Debug, Default)]
pub struct Page {
    pub total: u64,
    pub rooms: Vec<Arc<Room>>,
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

    /// Rooms of an app active at some point of `[start, end]` as they stand at `now`, in
    /// creation order (fixtures: as written), optionally only those named `room_id`; the
    /// `take` after the first `skip`, and the total.
    pub fn rooms(&self, app: u64, window: (u64, u64), now: u64, room_id: Option<&str>, skip: u64, take: u64) -> Page {
        let (start, end) = window;
        let fixtures = self.fixtures();
        if fixtures.has_app(app) {
            let matching: Vec<&Arc<Room>> = fixtures
                .rooms(app)
                .iter()
                .filter(|r| r.overlaps(start, end, now) && room_id.is_none_or(|id| r.room_string == id))
                .collect();
            let rooms = matching.iter().skip(usize::try_from(skip).unwrap_or(usize::MAX));
            return Page {
                total: matching.len() as u64,
                rooms: rooms.take(usize::try_from(take).unwrap_or(usize::MAX)).map(|r| Arc::clone(r)).collect(),
            };
        }
        let generator = &self.generator;
        let Some(room_id) = room_id else {
            let (total, skeletons) = generator.page(app, start, end, now, skip, take);
            return Page { total, rooms: skeletons.iter().map(|s| generator.room(s)).collect() };
        };
        // A room id names few rooms: look at each room's identity, build only those that match.
        let mut page = Page::default();
        generator.for_each_overlapping(app, start, end, now, |skeleton| {
            if details::identity(generator, &skeleton).room_string == room_id {
                if page.total >= skip && (page.rooms.len() as u64) < take {
                    page.rooms.push(generator.room(&skeleton));
                }
                page.total += 1;
            }
        });
        page
    }

    /// Calls `f` on every room of an app active at some point of `[start, end]` as it stands
    /// at `now`, in creation order (for figures that add up a whole window).
    pub fn for_each_room(&self, app: u64, window: (u64, u64), now: u64, mut f: impl FnMut(&Room)) {
        let (start, end) = window;
        let fixtures = self.fixtures();
        if fixtures.has_app(app) {
            fixtures.rooms(app).iter().filter(|r| r.overlaps(start, end, now)).for_each(|r| f(r));
            return;
        }
        self.generator.for_each_overlapping(app, start, end, now, |skeleton| f(&self.generator.room(&skeleton)));
    }

    /// What happened in an app between `from_ms` and `to_ms` (Unix milliseconds, inclusive),
    /// as it stands at `now`: every event of every room, in order of time, each with its room.
    pub fn timeline(&self, app: u64, from_ms: u64, to_ms: u64, now: u64) -> Vec<(Arc<Room>, timeline::Event)> {
        let window = (from_ms / 1000, to_ms / 1000);
        let mut out = Vec::new();
        let mut visit = |room: Arc<Room>| {
            for event in timeline::events(&room, from_ms, to_ms, now) {
                out.push((Arc::clone(&room), event));
            }
        };
        let fixtures = self.fixtures();
        if fixtures.has_app(app) {
            fixtures
                .rooms(app)
                .iter()
                .filter(|r| r.overlaps(window.0, window.1, now))
                .for_each(|r| visit(Arc::clone(r)));
        } else {
            self.generator.for_each_overlapping(app, window.0, window.1, now, |s| visit(self.generator.room(&s)));
        }
        out.sort_by(|(ra, a), (rb, b)| a.time_ms.cmp(&b.time_ms).then_with(|| ra.comm_id.cmp(&rb.comm_id)));
        out
    }

    /// The call a CommId names, if it exists at `now`.
    pub fn call(&self, app: u64, comm_id: &str, now: u64) -> Option<Arc<Room>> {
        let fixtures = self.fixtures();
        if fixtures.has_app(app) {
            return fixtures.rooms(app).iter().find(|r| r.comm_id == comm_id).cloned();
        }
        let (_, number, created) = parse_comm_id(comm_id)?;
        self.generator.find(app, number, created).filter(|room| room.comm_id == comm_id && room.visible(now))
    }
}
