//! Per-action rate limits, as Tencent applies them: fixed windows (one second for almost every
//! action) keyed by (SecretId, action), counted after authentication, on real elapsed time.
//!
//! Every request in a window counts, refused ones too, so the message's ordinal keeps rising
//! (`…equals to `22` in a second…`) as it does on the real service.

use std::collections::HashMap;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::sync::Mutex;

use crate::catalog::RateLimit;
use crate::config::RateLimitMode;
use crate::error::ApiError;

const SHARDS: usize = 16;
/// Windows a shard holds before finished ones are swept (with `--auth off` any SecretId counts).
const SWEEP_AT: usize = 4096;

/// SdkAppIds remembered per window, for scoped resets.
const APPS_PER_WINDOW: usize = 8;

#[derive(Clone)]
struct Window {
    index: i64,
    count: u64,
    /// SdkAppIds of the requests counted in this window (first few).
    apps: Vec<u64>,
}

pub struct Throttle {
    mode: RateLimitMode,
    shards: Vec<Mutex<HashMap<(String, String), Window>>>,
}

impl Throttle {
    pub fn new(mode: RateLimitMode) -> Self {
        Self { mode, shards: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect() }
    }

    /// The limit that applies to an action under the configured mode, if any.
    pub fn effective(&self, documented: RateLimit) -> Option<RateLimit> {
        match self.mode {
            RateLimitMode::Documented => Some(documented),
            RateLimitMode::Off => None,
            RateLimitMode::PerSecond(count) => Some(RateLimit { count, per_seconds: 1 }),
        }
    }

    /// Counts one request at `now_ms` (wall clock, milliseconds) and refuses it when the
    /// window's budget is spent. `sdk_app_id` is remembered for scoped resets.
    pub fn check(
        &self,
        secret_id: &str,
        action: &str,
        sdk_app_id: Option<u64>,
        documented: RateLimit,
        now_ms: i64,
    ) -> Result<(), ApiError> {
        let Some(limit) = self.effective(documented) else {
            return Ok(());
        };
        let window_ms = i64::try_from(limit.per_seconds.max(1)).unwrap_or(i64::MAX / 1000) * 1000;
        let index = now_ms.div_euclid(window_ms);
        let mut hasher = DefaultHasher::new();
        (secret_id, action).hash(&mut hasher);
        let shard = &self.shards[(hasher.finish() as usize) % SHARDS];
        let mut map = shard.lock().expect("throttle shard lock");
        if map.len() >= SWEEP_AT {
            map.retain(|_, window| window.index == index);
        }
        let key = (secret_id.to_owned(), action.to_owned());
        let window = map.entry(key).or_insert(Window { index, count: 0, apps: Vec::new() });
        if window.index != index {
            *window = Window { index, count: 0, apps: Vec::new() };
        }
        window.count += 1;
        if let Some(app) = sdk_app_id
            && window.apps.len() < APPS_PER_WINDOW
            && !window.apps.contains(&app)
        {
            window.apps.push(app);
        }
        if window.count > limit.count {
            return Err(ApiError::request_limit_exceeded(window.count, limit.count));
        }
        Ok(())
    }

    /// Forgets every window, or those that counted requests for one SdkAppId.
    pub fn reset(&self, sdk_app_id: Option<u64>) {
        for shard in &self.shards {
            let mut map = shard.lock().expect("throttle shard lock");
            match sdk_app_id {
                Some(app) => map.retain(|_, window| !window.apps.contains(&app)),
                None => map.clear(),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TWENTY: RateLimit = RateLimit { count: 20, per_seconds: 1 };

    #[test]
    fn twenty_first_call_in_a_second_fails_and_the_next_second_passes() {
        let t = Throttle::new(RateLimitMode::Documented);
        for _ in 0..20 {
            t.check("AKID", "DescribeUserInfo", None, TWENTY, 5_000).unwrap();
        }
        let err = t.check("AKID", "DescribeUserInfo", None, TWENTY, 5_999).unwrap_err();
        assert!(err.message(crate::error::Language::English).contains("equals to `21`"));
        assert!(t.check("AKID", "DescribeUserInfo", None, TWENTY, 6_000).is_ok());
    }

    #[test]
    fn keys_are_independent() {
        let t = Throttle::new(RateLimitMode::PerSecond(1));
        t.check("A", "X", None, TWENTY, 0).unwrap();
        t.check("B", "X", None, TWENTY, 0).unwrap();
        t.check("A", "Y", None, TWENTY, 0).unwrap();
        assert!(t.check("A", "X", None, TWENTY, 10).is_err());
    }

    #[test]
    fn scoped_reset_forgets_the_windows_that_counted_the_app() {
        let t = Throttle::new(RateLimitMode::PerSecond(1));
        t.check("A", "X", Some(1), TWENTY, 0).unwrap();
        t.check("A", "Y", Some(2), TWENTY, 0).unwrap();
        t.reset(Some(1));
        assert!(t.check("A", "X", Some(1), TWENTY, 0).is_ok());
        assert!(t.check("A", "Y", Some(2), TWENTY, 0).is_err());
    }

    #[test]
    fn longer_windows_and_off() {
        let t = Throttle::new(RateLimitMode::Documented);
        let fifteen = RateLimit { count: 1, per_seconds: 15 };
        t.check("A", "DescribeTrtcRoomUsage", None, fifteen, 15_000).unwrap();
        assert!(t.check("A", "DescribeTrtcRoomUsage", None, fifteen, 29_999).is_err());
        assert!(t.check("A", "DescribeTrtcRoomUsage", None, fifteen, 30_000).is_ok());
        let off = Throttle::new(RateLimitMode::Off);
        off.reset(None);
        for _ in 0..100 {
            off.check("A", "X", None, RateLimit { count: 1, per_seconds: 1 }, 0).unwrap();
        }
    }
}
