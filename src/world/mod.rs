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
pub mod conversation;
pub mod details;
pub mod fixtures;
pub mod generator;
pub mod keys;
pub mod live;
pub mod lookup;
pub mod model;
pub mod pictures;
pub mod quality;
pub mod running;
pub mod scale;
pub mod speech;
pub mod state;
pub mod task_files;
pub mod task_usage;
pub mod tasks;
pub mod timeline;
pub mod usage;

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

pub use clock::{Clock, ClockReading, SystemWallClock, WallClock};
pub use fixtures::Fixtures;
pub use generator::{Density, Generator};
pub use live::{AppLive, Change, RoomKey};
pub use model::{Room, Session, parse_comm_id};
pub use state::AppState;

use generator::Skeleton;

pub struct World {
    pub clock: Clock,
    pub generator: Generator,
    /// Running tasks of each family an SdkAppId may have at once.
    pub limits: tasks::Limits,
    /// The SDK secret keys UserSigs are verified with.
    pub usersig_keys: keys::UserSigKeys,
    /// Where the files tasks make are served from (`--media-url-base`).
    pub media_url_base: String,
    /// The fixtures loaded at start-up, which a reset goes back to.
    startup: Arc<Fixtures>,
    fixtures: RwLock<Arc<Fixtures>>,
    /// What changed at run time, by SdkAppId (copied on write: readers keep a snapshot).
    state: RwLock<HashMap<u64, Arc<AppState>>>,
    /// Registered voiceprints, by the SecretId of the account (their actions name no SdkAppId).
    voiceprints: RwLock<HashMap<String, speech::AccountVoicePrints>>,
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
        Self {
            clock,
            generator,
            limits: tasks::Limits::default(),
            usersig_keys: keys::UserSigKeys::default(),
            media_url_base: String::new(),
            fixtures: RwLock::new(Arc::clone(&startup)),
            startup,
            state: RwLock::new(HashMap::new()),
            voiceprints: RwLock::new(HashMap::new()),
        }
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
        let mut live = self.state.write().expect("state lock");
        match sdk_app_id {
            None => {
                *current = Arc::clone(&self.startup);
                live.clear();
                self.usersig_keys.reset(None);
                self.voiceprints.write().expect("voiceprint lock").clear();
                self.clock.reset();
            }
            Some(app) => {
                *current = Arc::new(current.with_app_from(&self.startup, app));
                live.remove(&app);
                self.usersig_keys.reset(Some(app));
            }
        }
    }

    /// The run-time state of an app (a snapshot).
    pub fn state(&self, app: u64) -> Arc<AppState> {
        self.state.read().expect("state lock").get(&app).cloned().unwrap_or_default()
    }

    /// Identifies what the world of `app` is made of at this moment (its state's revision and the
    /// fixture documents loaded): equal for two reads means equal answers at the same `now`.
    pub fn revision(&self, app: u64) -> (u64, usize) {
        (self.state(app).revision, self.fixtures().sources().len())
    }

    /// The SdkAppIds something was changed for at run time (users, tasks…), in order.
    pub fn apps(&self) -> Vec<u64> {
        let mut apps: Vec<u64> = self.state.read().expect("state lock").keys().copied().collect();
        apps.sort_unstable();
        apps
    }

    /// Changes the run-time state of an app in one step: `f` sees the state as it is and
    /// changes a copy, which replaces it unless `f` refuses. Readers see the old state or the
    /// new one, never half of a change.
    pub fn update<T, E>(&self, app: u64, f: impl FnOnce(&World, &mut AppState) -> Result<T, E>) -> Result<T, E> {
        let mut all = self.state.write().expect("state lock");
        let mut next = all.get(&app).map(|s| AppState::clone(s)).unwrap_or_default();
        let out = f(self, &mut next)?;
        next.revision = next.revision.wrapping_add(1);
        all.insert(app, Arc::new(next));
        Ok(out)
    }

    /// The room with id `key` in use at `now` (someone is in it): made at run time, from the
    /// fixtures, or from the generated history.
    pub fn room_in_use(&self, app: u64, key: &RoomKey, now: u64) -> Option<Arc<Room>> {
        self.find_in_use(app, &self.state(app), key, now)
    }

    /// [`World::room_in_use`] in a given state (inside [`World::update`]).
    pub fn find_in_use(&self, app: u64, live: &AppState, key: &RoomKey, now: u64) -> Option<Arc<Room>> {
        if let Some(room) = live.made_named(app, key, now).find(|r| r.destroy_at(now).is_none()) {
            return Some(room);
        }
        let in_use = |room: &Arc<Room>| room.visible(now) && room.destroy_at(now).is_none();
        let fixtures = self.fixtures();
        if fixtures.has_app(app) {
            return fixtures
                .rooms(app)
                .iter()
                .filter(|r| key.names(r))
                .map(|r| live.view(Arc::clone(r), now))
                .find(in_use);
        }
        let mut found = None;
        self.generator.for_each_overlapping(app, now, now, now, |skeleton| {
            if found.is_none() && details::identity(&self.generator, &skeleton).room_string == key.id {
                let room = live.view(self.generator.room(&skeleton), now);
                if key.names(&room) && in_use(&room) {
                    found = Some(room);
                }
            }
        });
        found
    }

    /// Makes `change` at `now` to the room with id `key` in use (a join to none makes one).
    pub fn change(&self, app: u64, key: &RoomKey, change: Change, now: u64) -> Result<(), live::Refusal> {
        self.update(app, |world, state| {
            let target = world.find_in_use(app, state, key, now);
            state.live.change(app, key, target.as_deref(), change, now)
        })
    }

    /// Where generated rooms changed at run time end at `now`, for the generator's windows.
    fn ends<'a>(&'a self, live: &'a AppState, now: u64) -> impl Fn(&Skeleton) -> Option<u64> + 'a {
        move |skeleton: &Skeleton| {
            if !live.live.edits_created_at(skeleton.create_time) {
                return None;
            }
            let room = self.generator.room(skeleton);
            live.live.edits(&room.comm_id).then(|| live.view(room, now).end_or(now))
        }
    }

    /// Rooms of an app active at some point of `[start, end]` as they stand at `now`, in
    /// creation order (fixtures: as written, then the rooms made at run time), optionally only
    /// those named `room_id`; the `take` after the first `skip`, and the total.
    pub fn rooms(&self, app: u64, window: (u64, u64), now: u64, room_id: Option<&str>, skip: u64, take: u64) -> Page {
        let (start, end) = window;
        let live = self.state(app);
        let named = |r: &Room| room_id.is_none_or(|id| r.room_string == id);
        let made: Vec<Arc<Room>> = live.made(app, now).filter(|r| r.overlaps(start, end, now) && named(r)).collect();
        let fixtures = self.fixtures();
        let (skip_n, take_n) =
            (usize::try_from(skip).unwrap_or(usize::MAX), usize::try_from(take).unwrap_or(usize::MAX));
        if fixtures.has_app(app) {
            let mut all: Vec<Arc<Room>> = Vec::new();
            self.for_each_room(app, window, now, |r| {
                if named(r) {
                    all.push(Arc::new(r.clone()));
                }
            });
            return Page { total: all.len() as u64, rooms: all.into_iter().skip(skip_n).take(take_n).collect() };
        }
        let ends = self.ends(&live, now);
        let ends: generator::Ends<'_> = if live.is_empty() { None } else { Some(&ends) };
        if let Some(room_id) = room_id {
            // A room id names few rooms: look at each room's identity, build only those that match.
            let mut all = Vec::new();
            self.generator.for_each_overlapping_with(app, start, end, now, ends, |skeleton| {
                if details::identity(&self.generator, &skeleton).room_string == room_id {
                    all.push(live.view(self.generator.room(&skeleton), now));
                }
            });
            all.extend(made);
            all.sort_by_key(|r| r.create_time);
            return Page { total: all.len() as u64, rooms: all.into_iter().skip(skip_n).take(take_n).collect() };
        }
        // Generated history: counted and paged from skeletons, with the rooms made at run time
        // put in their place by creation time (after the generated rooms created the same second).
        let ranks: Vec<u64> = made
            .iter()
            .enumerate()
            .map(|(j, m)| self.generator.count_created_by(app, start, end, now, ends, m.create_time) + j as u64)
            .collect();
        let made_before = ranks.iter().filter(|r| **r < skip).count() as u64;
        let made_in_page = ranks.iter().filter(|r| **r >= skip && **r < skip.saturating_add(take)).count() as u64;
        let (generated_total, skeletons) = self.generator.page_with(
            app,
            start,
            end,
            now,
            ends,
            skip.saturating_sub(made_before),
            take.saturating_sub(made_in_page),
        );
        let mut generated = skeletons.iter().map(|s| live.view(self.generator.room(s), now));
        let mut rooms = Vec::with_capacity(usize::try_from(take).unwrap_or(0).min(skeletons.len() + made.len()));
        let mut position = skip;
        while (rooms.len() as u64) < take {
            if let Some(j) = ranks.iter().position(|r| *r == position) {
                rooms.push(Arc::clone(&made[j]));
            } else if let Some(room) = generated.next() {
                rooms.push(room);
            } else {
                break;
            }
            position += 1;
        }
        Page { total: generated_total + made.len() as u64, rooms }
    }

    /// Calls `f` on every room of an app active at some point of `[start, end]` as it stands
    /// at `now` (for figures that add up a whole window): the history's rooms in creation order
    /// (fixtures: as written), then the rooms made at run time.
    pub fn for_each_room(&self, app: u64, window: (u64, u64), now: u64, mut f: impl FnMut(&Room)) {
        let (start, end) = window;
        let live = self.state(app);
        let fixtures = self.fixtures();
        if fixtures.has_app(app) {
            for room in fixtures.rooms(app) {
                let room = live.view(Arc::clone(room), now);
                if room.overlaps(start, end, now) {
                    f(&room);
                }
            }
        } else {
            let ends = self.ends(&live, now);
            let ends: generator::Ends<'_> = if live.is_empty() { None } else { Some(&ends) };
            self.generator.for_each_overlapping_with(app, start, end, now, ends, |skeleton| {
                f(&live.view(self.generator.room(&skeleton), now));
            });
        }
        for room in live.made(app, now).filter(|r| r.overlaps(start, end, now)) {
            f(&room);
        }
    }

    /// What happened in an app between `from_ms` and `to_ms` (Unix milliseconds, inclusive),
    /// as it stands at `now`: every event of every room, in order of time, each with its room.
    pub fn timeline(&self, app: u64, from_ms: u64, to_ms: u64, now: u64) -> Vec<(Arc<Room>, timeline::Event)> {
        let window = (from_ms / 1000, to_ms / 1000);
        let mut out = Vec::new();
        self.for_each_room(app, window, now, |room| {
            let events = timeline::events(room, from_ms, to_ms, now);
            if !events.is_empty() {
                let room = Arc::new(room.clone());
                out.extend(events.into_iter().map(|e| (Arc::clone(&room), e)));
            }
        });
        out.sort_by(|(ra, a), (rb, b)| a.time_ms.cmp(&b.time_ms).then_with(|| ra.comm_id.cmp(&rb.comm_id)));
        out
    }

    /// As [`World::timeline`], of the rooms touched at run time only: those made at run time
    /// and the history rooms that were changed (a user joined, a robot entered…).
    pub fn runtime_timeline(&self, app: u64, from_ms: u64, to_ms: u64, now: u64) -> Vec<(Arc<Room>, timeline::Event)> {
        let state = self.state(app);
        let mut rooms: Vec<Arc<Room>> = state.made(app, now).collect();
        rooms.extend(state.live.edited().filter_map(|comm_id| self.call(app, comm_id, now)));
        let mut out = Vec::new();
        for room in rooms {
            out.extend(timeline::events(&room, from_ms, to_ms, now).into_iter().map(|e| (Arc::clone(&room), e)));
        }
        out.sort_by(|(ra, a), (rb, b)| a.time_ms.cmp(&b.time_ms).then_with(|| ra.comm_id.cmp(&rb.comm_id)));
        out
    }

    /// The call a CommId names, if it exists at `now`.
    pub fn call(&self, app: u64, comm_id: &str, now: u64) -> Option<Arc<Room>> {
        let live = self.state(app);
        if let Some(room) = live.made_call(app, comm_id, now) {
            return Some(room);
        }
        let fixtures = self.fixtures();
        if fixtures.has_app(app) {
            return fixtures.rooms(app).iter().find(|r| r.comm_id == comm_id).map(|r| live.view(Arc::clone(r), now));
        }
        let (_, number, created) = parse_comm_id(comm_id)?;
        let room =
            self.generator.find(app, number, created).filter(|room| room.comm_id == comm_id && room.visible(now))?;
        Some(live.view(room, now))
    }
}
