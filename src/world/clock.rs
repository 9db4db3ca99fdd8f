//! Time: the wall clock (the only place that reads it) and the virtual clock built on it.
//!
//! Signatures and rate-limit windows use the wall clock, because clients sign with theirs.
//! Data windows, look-back limits and lifecycles use the virtual clock, which starts where
//! `--now` says, follows real time unless frozen, and can be set or advanced.

use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

/// The latest time the virtual clock can show: 9999-12-31T23:59:59Z, the last second with a
/// four-digit year. Every reading stays within `0..=MAX_TIME`, so the world's arithmetic on it
/// (hours, days, look-back windows, in `u64` or `i64`) never overflows.
pub const MAX_TIME: i64 = 253_402_300_799;

const MAX_TIME_MS: i64 = MAX_TIME * 1000 + 999;

/// Why the clock refused a change; the message names the value and the range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutOfRange(pub String);

impl std::fmt::Display for OutOfRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for OutOfRange {}

/// Checks that `seconds` is a time the clock can show (`0..=MAX_TIME`); `what` names it in the
/// error.
pub fn check_time(what: &str, seconds: i64) -> Result<i64, OutOfRange> {
    if (0..=MAX_TIME).contains(&seconds) {
        Ok(seconds)
    } else {
        Err(OutOfRange(format!(
            "{what} must be a Unix time in seconds from 0 to {MAX_TIME} (9999-12-31T23:59:59Z), got {seconds}"
        )))
    }
}

fn clamp_ms(ms: i64) -> i64 {
    ms.clamp(0, MAX_TIME_MS)
}

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
    /// A clock at `start` (Unix seconds), or at the wall clock when `None`; a start outside
    /// `0..=MAX_TIME` is clamped into it (see [`check_time`] to refuse it instead).
    pub fn new(wall: Arc<dyn WallClock>, start: Option<i64>, frozen: bool) -> Self {
        let wall_ms = wall.now_ms();
        let anchor =
            Anchor { virtual_ms: clamp_ms(start.map_or(wall_ms, |s| s.saturating_mul(1000))), wall_ms, frozen };
        Self { wall, anchor: Mutex::new(anchor), initial: anchor }
    }

    pub fn wall(&self) -> &Arc<dyn WallClock> {
        &self.wall
    }

    /// Always within `0..=MAX_TIME` seconds, whatever the wall clock does.
    fn now_ms_locked(&self, anchor: &Anchor) -> i64 {
        if anchor.frozen {
            return anchor.virtual_ms;
        }
        let elapsed = self.wall.now_ms().saturating_sub(anchor.wall_ms);
        clamp_ms(anchor.virtual_ms.saturating_add(elapsed))
    }

    /// Virtual now, in Unix seconds.
    pub fn now(&self) -> i64 {
        let anchor = *self.anchor.lock().expect("clock lock");
        self.now_ms_locked(&anchor).div_euclid(1000)
    }

    /// Virtual now, in Unix milliseconds.
    pub fn now_ms(&self) -> i64 {
        let anchor = *self.anchor.lock().expect("clock lock");
        self.now_ms_locked(&anchor)
    }

    pub fn reading(&self) -> ClockReading {
        let anchor = *self.anchor.lock().expect("clock lock");
        ClockReading { now: self.now_ms_locked(&anchor).div_euclid(1000), frozen: anchor.frozen }
    }

    /// Sets virtual now (Unix seconds); frozen or running as before. Clamped into
    /// `0..=MAX_TIME`; [`Clock::change`] refuses instead.
    pub fn set(&self, now: i64) {
        let mut anchor = self.anchor.lock().expect("clock lock");
        anchor.virtual_ms = clamp_ms(now.saturating_mul(1000));
        anchor.wall_ms = self.wall.now_ms();
    }

    /// Moves virtual now forward by `seconds` (at most to `MAX_TIME`).
    pub fn advance(&self, seconds: i64) {
        let mut anchor = self.anchor.lock().expect("clock lock");
        let now = self.now_ms_locked(&anchor);
        anchor.virtual_ms = clamp_ms(now.saturating_add(seconds.saturating_mul(1000)));
        anchor.wall_ms = self.wall.now_ms();
    }

    /// Sets (`set`, Unix seconds) then advances (`advance`, seconds ≥ 0) in one step, or
    /// changes nothing and says why when the result would leave `0..=MAX_TIME`.
    pub fn change(&self, set: Option<i64>, advance: Option<i64>) -> Result<(), OutOfRange> {
        if let Some(seconds) = advance
            && seconds < 0
        {
            return Err(OutOfRange(format!(
                "`advance` moves the clock forward (seconds ≥ 0), got {seconds}: use `set` to go back"
            )));
        }
        let mut anchor = self.anchor.lock().expect("clock lock");
        let start_ms = match set {
            Some(t) => check_time("`set`", t)? * 1000,
            None => self.now_ms_locked(&anchor),
        };
        let target_ms = match advance {
            None => start_ms,
            Some(seconds) => {
                let target = seconds.checked_mul(1000).and_then(|ms| start_ms.checked_add(ms));
                match target {
                    Some(ms) if ms <= MAX_TIME_MS => ms,
                    _ => {
                        return Err(OutOfRange(format!(
                            "`advance` by {seconds} s would move the clock past {MAX_TIME} (9999-12-31T23:59:59Z); it reads {}",
                            start_ms.div_euclid(1000)
                        )));
                    }
                }
            }
        };
        anchor.virtual_ms = target_ms;
        anchor.wall_ms = self.wall.now_ms();
        Ok(())
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

    #[test]
    fn readings_stay_representable() {
        let wall = Arc::new(Manual(AtomicI64::new(0)));
        let clock = Clock::new(wall.clone(), Some(MAX_TIME - 1), false);
        wall.0.store(i64::MAX, Ordering::SeqCst);
        assert_eq!(clock.now(), MAX_TIME);
        clock.set(i64::MAX);
        assert_eq!(clock.now(), MAX_TIME);
        clock.advance(i64::MAX);
        assert_eq!(clock.now(), MAX_TIME);
        clock.set(i64::MIN);
        assert_eq!(clock.now(), 0);
        wall.0.store(i64::MIN, Ordering::SeqCst);
        assert_eq!(clock.now(), 0);
        assert_eq!(Clock::new(wall, Some(i64::MAX), true).now(), MAX_TIME);
    }

    #[test]
    fn changes_out_of_range_are_refused_whole() {
        let wall = Arc::new(Manual(AtomicI64::new(0)));
        let clock = Clock::new(wall, Some(1_000), true);
        for (set, advance) in [
            (Some(i64::MAX), None),
            (Some(-1), None),
            (Some(MAX_TIME + 1), None),
            (None, Some(i64::MAX)),
            (None, Some(-1)),
            (Some(MAX_TIME), Some(1)),
            (Some(5), Some(MAX_TIME)),
        ] {
            let err = clock.change(set, advance).unwrap_err();
            assert!(err.0.contains("`set`") || err.0.contains("`advance`"), "{err}");
            assert_eq!(clock.now(), 1_000, "nothing applied for {set:?} {advance:?}");
        }
        clock.change(Some(MAX_TIME - 10), Some(10)).unwrap();
        assert_eq!(clock.now(), MAX_TIME);
        clock.change(Some(0), None).unwrap();
        assert_eq!(clock.now(), 0);
    }
}
