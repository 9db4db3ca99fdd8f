//! Fault injection in Tencent's own dialect: for an action (or all), answer a chosen error code,
//! add latency, or drop the connection — for the next N calls, or with a probability drawn from
//! a seeded generator so a failing run can be replayed.
//!
//! Faults apply to requests that passed the gateway's checks, just before the handler runs: they
//! stand for the backend failing, not for the client being wrong.

use std::sync::Mutex;
use std::time::Duration;

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::catalog;
use crate::error::ApiError;
use crate::pure::hash::mix;

/// Longest latency a fault may add.
pub const MAX_LATENCY_MS: u64 = 60_000;
/// Faults held at once.
pub const MAX_FAULTS: usize = 1000;
/// Longest error code and message a fault may answer, in bytes.
pub const MAX_CODE_LEN: usize = 128;
pub const MAX_MESSAGE_LEN: usize = 4096;

/// The error a fault answers.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorSpec {
    pub code: String,
    /// English message; default: the TRTC error table's, or the code.
    #[serde(default)]
    pub message: Option<String>,
    /// Chinese message; default: the table's, or the English one.
    #[serde(default)]
    pub message_zh: Option<String>,
}

/// A fault as posted to `POST /_mock/faults`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FaultSpec {
    /// Action name, or `*` / absent for every action.
    #[serde(default)]
    pub action: Option<String>,
    /// Only requests for this SdkAppId.
    #[serde(default)]
    pub sdk_app_id: Option<u64>,
    #[serde(default)]
    pub error: Option<ErrorSpec>,
    #[serde(default)]
    pub latency_ms: Option<u64>,
    #[serde(default)]
    pub drop_connection: bool,
    /// Fire for the next N matching calls, then disappear. Absent: no limit.
    #[serde(default)]
    pub count: Option<u64>,
    /// Fire with this probability (0 < p ≤ 1) on each matching call. Absent: always.
    #[serde(default)]
    pub probability: Option<f64>,
    /// Seed of the probability draws. Default: derived from the emulator's seed and the fault id.
    #[serde(default)]
    pub seed: Option<u64>,
}

/// A fault as listed.
#[derive(Debug, Clone, Serialize)]
pub struct FaultView {
    pub id: u64,
    #[serde(flatten)]
    pub spec: FaultSpec,
    /// Calls it may still fire for (`null`: no limit).
    pub remaining: Option<u64>,
    /// Calls it fired for.
    pub hits: u64,
}

struct Rule {
    view: FaultView,
    rng: ChaCha8Rng,
}

/// What a fired fault does to one request.
#[derive(Debug)]
pub struct Hit {
    pub id: u64,
    pub error: Option<ApiError>,
    pub latency: Option<Duration>,
    pub drop_connection: bool,
}

pub struct Faults {
    seed: u64,
    inner: Mutex<(Vec<Rule>, u64)>,
}

fn valid_code(code: &str) -> bool {
    !code.is_empty()
        && code.split('.').all(|part| {
            !part.is_empty()
                && part.bytes().all(|b| b.is_ascii_alphanumeric())
                && part.as_bytes()[0].is_ascii_alphabetic()
        })
}

impl Faults {
    pub fn new(seed: u64) -> Self {
        Self { seed, inner: Mutex::new((Vec::new(), 1)) }
    }

    /// Adds a fault; the error says what is wrong with the spec.
    pub fn add(&self, mut spec: FaultSpec) -> Result<FaultView, String> {
        if spec.action.as_deref() == Some("*") {
            spec.action = None;
        }
        if let Some(action) = &spec.action
            && catalog::get().action(action).is_none()
        {
            return Err(format!("unknown action `{action}`"));
        }
        if spec.error.is_none() && spec.latency_ms.is_none() && !spec.drop_connection {
            return Err("a fault needs at least one of `error`, `latency_ms`, `drop_connection`".into());
        }
        if let Some(error) = &spec.error {
            if error.code.len() > MAX_CODE_LEN {
                return Err(format!("an error code is at most {MAX_CODE_LEN} bytes"));
            }
            if !valid_code(&error.code) {
                return Err(format!("`{}` is not an error code like `FailedOperation.TaskNotExist`", error.code));
            }
            if [&error.message, &error.message_zh].into_iter().flatten().any(|m| m.len() > MAX_MESSAGE_LEN) {
                return Err(format!("an error message is at most {MAX_MESSAGE_LEN} bytes"));
            }
        }
        if spec.latency_ms.is_some_and(|ms| ms > MAX_LATENCY_MS) {
            return Err(format!("`latency_ms` is at most {MAX_LATENCY_MS}"));
        }
        if spec.count == Some(0) {
            return Err("`count` must be at least 1".into());
        }
        if let Some(p) = spec.probability
            && !(p > 0.0 && p <= 1.0)
        {
            return Err("`probability` must be in (0, 1]".into());
        }
        let mut inner = self.inner.lock().expect("faults lock");
        if inner.0.len() >= MAX_FAULTS {
            return Err(format!("at most {MAX_FAULTS} faults at once: clear some first"));
        }
        let id = inner.1;
        inner.1 += 1;
        let seed = spec.seed.unwrap_or_else(|| mix(self.seed, &[0xfa17, id]));
        let view = FaultView { id, remaining: spec.count, hits: 0, spec };
        inner.0.push(Rule { view: view.clone(), rng: ChaCha8Rng::seed_from_u64(seed) });
        Ok(view)
    }

    pub fn list(&self) -> Vec<FaultView> {
        self.inner.lock().expect("faults lock").0.iter().map(|r| r.view.clone()).collect()
    }

    pub fn len(&self) -> usize {
        self.inner.lock().expect("faults lock").0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Removes one fault; `false` if there was none with this id.
    pub fn remove(&self, id: u64) -> bool {
        let mut inner = self.inner.lock().expect("faults lock");
        let before = inner.0.len();
        inner.0.retain(|r| r.view.id != id);
        inner.0.len() != before
    }

    /// Removes every fault (or those scoped to one SdkAppId).
    pub fn clear(&self, sdk_app_id: Option<u64>) {
        let mut inner = self.inner.lock().expect("faults lock");
        match sdk_app_id {
            Some(app) => inner.0.retain(|r| r.view.spec.sdk_app_id != Some(app)),
            None => inner.0.clear(),
        }
    }

    /// The first fault that fires for this request, if any; counts it.
    pub fn check(&self, action: &str, sdk_app_id: Option<u64>) -> Option<Hit> {
        let mut inner = self.inner.lock().expect("faults lock");
        if inner.0.is_empty() {
            return None;
        }
        let rules = &mut inner.0;
        let index = rules.iter_mut().position(|rule| {
            let spec = &rule.view.spec;
            let matches = spec.action.as_deref().is_none_or(|a| a == action)
                && spec.sdk_app_id.is_none_or(|app| Some(app) == sdk_app_id);
            matches && spec.probability.is_none_or(|p| rule.rng.random_bool(p))
        })?;
        let rule = &mut rules[index];
        rule.view.hits += 1;
        let spec = rule.view.spec.clone();
        let id = rule.view.id;
        if let Some(remaining) = &mut rule.view.remaining {
            *remaining -= 1;
            if *remaining == 0 {
                rules.remove(index);
            }
        }
        Some(Hit {
            id,
            error: spec.error.map(|e| {
                let table = crate::error::business_message(&e.code).map(|(en, zh)| (en.to_owned(), zh.to_owned()));
                let en =
                    e.message.clone().or_else(|| table.as_ref().map(|t| t.0.clone())).unwrap_or_else(|| e.code.clone());
                let zh = e
                    .message_zh
                    .or_else(|| e.message.clone())
                    .or_else(|| table.map(|t| t.1))
                    .unwrap_or_else(|| en.clone());
                ApiError::new(e.code, en, zh)
            }),
            latency: spec.latency_ms.map(Duration::from_millis),
            drop_connection: spec.drop_connection,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(json: &str) -> FaultSpec {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn count_limited_faults_fire_then_disappear() {
        let f = Faults::new(1);
        f.add(spec(r#"{"action":"DescribeUserInfo","error":{"code":"InternalError"},"count":2}"#)).unwrap();
        assert!(f.check("DescribeRoomInfo", None).is_none());
        let hit = f.check("DescribeUserInfo", None).unwrap();
        assert_eq!(hit.error.unwrap().code(), "InternalError");
        assert!(f.check("DescribeUserInfo", None).is_some());
        assert!(f.check("DescribeUserInfo", None).is_none());
        assert!(f.is_empty());
    }

    #[test]
    fn probabilities_replay_under_a_seed() {
        let draws = |seed: u64| {
            let f = Faults::new(0);
            f.add(FaultSpec { seed: Some(seed), ..spec(r#"{"latency_ms":1,"probability":0.5}"#) }).unwrap();
            (0..64).map(|_| f.check("X", None).is_some()).collect::<Vec<_>>()
        };
        assert_eq!(draws(7), draws(7));
        assert_ne!(draws(7), draws(8));
        let fired = draws(7).iter().filter(|h| **h).count();
        assert!((16..48).contains(&fired), "{fired}");
    }

    #[test]
    fn scoping_and_refusals() {
        let f = Faults::new(0);
        f.add(spec(r#"{"sdk_app_id":5,"drop_connection":true}"#)).unwrap();
        assert!(f.check("X", Some(6)).is_none());
        assert!(f.check("X", Some(5)).unwrap().drop_connection);
        f.clear(Some(5));
        assert!(f.is_empty());
        for bad in [
            r#"{"action":"Nope","latency_ms":1}"#,
            r#"{"action":"DescribeUserInfo"}"#,
            r#"{"error":{"code":"not a code"}}"#,
            r#"{"latency_ms":600000}"#,
            r#"{"latency_ms":1,"probability":0}"#,
            r#"{"latency_ms":1,"count":0}"#,
            &format!(r#"{{"error":{{"code":"{}"}}}}"#, "A".repeat(MAX_CODE_LEN + 1)),
            &format!(r#"{{"error":{{"code":"A","message":"{}"}}}}"#, "m".repeat(MAX_MESSAGE_LEN + 1)),
        ] {
            assert!(f.add(spec(bad)).is_err(), "{bad}");
        }
        let custom = Faults::new(0);
        custom.add(spec(r#"{"error":{"code":"FailedOperation.RoomNotExist"}}"#)).unwrap();
        let err = custom.check("X", None).unwrap().error.unwrap();
        assert_eq!(err.message(crate::error::Language::English), "The room does not exist.");
    }
}
