//! Time: the wall clock (the only place that reads it) and the virtual clock built on it.
//!
//! Signatures and rate-limit windows use the wall clock, because clients sign with theirs.
//! Data windows, look-back limits and lifecycles use the virtual clock, which starts where
//! `--now` says, follows real time unless frozen, and can be set or advanced.

use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

/// Source of wall-clock time, in milliseconds since the Unix epoch. Injected so tests can
/// control it.
pub trait WallClock: Send + Sync {
    fn now_ms(&self) -> i64;
}

/// The operating system's clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemWallClock;

impl WallClock for SystemWallClock {
    fn now_ms(&self) -> i64 {
        SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
    }
}

#[derive(Debug, Clone, Copy)]
struct Anchor {
    /// Virtual time (ms) at `wall_ms`.
    virtual_ms: i64,
    wall_ms: i64,
    frozen: bool,
}

/// The virtual clock.
pub struct Clock {
    wall: Arc<dyn WallClock>,
    anchor: Mutex<Anchor>,
    initial: Anchor,
}

/// What the clock reads, for the control plane and the start-up banner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct ClockReading {
    pub now: i64,
    pub frozen: bool,
}

impl Clock {
    /// A clock at `start` (Unix seconds), or at the wall clock when `None`.
    pub fn new(wall: Arc<dyn WallClock>, start: Option<i64>, frozen: bool) -> Self {
        let wall_ms = wall.now_ms();
        let anchor = Anchor { virtual_ms: start.map_or(wall_ms, |s| s.saturating_mul(1000)), wall_ms, frozen };
        Self { wall, anchor: Mutex::new(anchor), initial: anchor }
    }

    pub fn wall(&self) -> &Arc<dyn WallClock> {
        &self.wall
    }

    fn now_ms_locked(&self, anchor: &Anchor) -> i64 {
        if anchor.frozen { anchor.virtual_ms } else { anchor.virtual_ms + (self.wall.now_ms() - anchor.wall_ms) }
    }

    /// Virtual now, in Unix seconds.
    pub fn now(&self) -> i64 {
        let anchor = *self.anchor.lock().expect("clock lock");
        self.now_ms_locked(&anchor).div_euclid(1000)
    }

    pub fn reading(&self) -> ClockReading {
        let anchor = *self.anchor.lock().expect("clock lock");
        ClockReading { now: self.now_ms_locked(&anchor).div_euclid(1000), frozen: anchor.frozen }
    }

    /// Sets virtual now (Unix seconds); frozen or running as before.
    pub fn set(&self, now: i64) {
        let mut anchor = self.anchor.lock().expect("clock lock");
        anchor.virtual_ms = now.saturating_mul(1000);
        anchor.wall_ms = self.wall.now_ms();
    }

    /// Moves virtual now forward by `seconds`.
    pub fn advance(&self, seconds: i64) {
        let mut anchor = self.anchor.lock().expect("clock lock");
        let now = self.now_ms_locked(&anchor);
        anchor.virtual_ms = now.saturating_add(seconds.saturating_mul(1000));
        anchor.wall_ms = self.wall.now_ms();
    }

    /// Freezes (`true`) or releases (`false`) the clock at its current reading.
    pub fn set_frozen(&self, frozen: bool) {
        let mut anchor = self.anchor.lock().expect("clock lock");
        let now = self.now_ms_locked(&anchor);
        *anchor = Anchor { virtual_ms: now, wall_ms: self.wall.now_ms(), frozen };
    }

    /// Back to the start-up reading and mode.
    pub fn reset(&self) {
        let mut anchor = self.anchor.lock().expect("clock lock");
        *anchor = Anchor { wall_ms: self.wall.now_ms(), ..self.initial };
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicI64, Ordering};

    use super::*;

    struct Manual(AtomicI64);
    impl WallClock for Manual {
        fn now_ms(&self) -> i64 {
            self.0.load(Ordering::SeqCst)
        }
    }

    #[test]
    fn follows_real_time_unless_frozen() {
        let wall = Arc::new(Manual(AtomicI64::new(1_000_000)));
        let clock = Clock::new(wall.clone(), Some(100), false);
        assert_eq!(clock.now(), 100);
        wall.0.store(1_005_000, Ordering::SeqCst);
        assert_eq!(clock.now(), 105);
        clock.set_frozen(true);
        wall.0.store(1_100_000, Ordering::SeqCst);
        assert_eq!(clock.now(), 105);
        clock.advance(60);
        assert_eq!(clock.reading(), ClockReading { now: 165, frozen: true });
        clock.set(10);
        assert_eq!(clock.now(), 10);
        clock.reset();
        assert_eq!(clock.reading(), ClockReading { now: 100, frozen: false });
    }
}
