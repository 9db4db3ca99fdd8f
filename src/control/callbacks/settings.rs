//! An app's callback settings, as TRTC's console keeps them: one key, one URL per category.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::events::Category;

/// Default of `timeout_ms`: TRTC counts a delivery failed after 5 s without an answer.
pub const DEFAULT_TIMEOUT_MS: u64 = 5000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// The callback key `Sign` is computed with; without one no `Sign` header is sent.
    #[serde(default)]
    pub key: Option<String>,
    /// URL by category name, `"*"` for every category without its own.
    pub urls: BTreeMap<String, String>,
    /// Also call back about the rooms of the generated history (default: only the rooms
    /// touched at run time — users joined through the control plane, tasks' robots…).
    #[serde(default)]
    pub history: bool,
    /// How long a receiver has to answer, in milliseconds (TRTC: 5000).
    #[serde(default = "default_timeout")]
    pub timeout_ms: u64,
}

fn default_timeout() -> u64 {
    DEFAULT_TIMEOUT_MS
}

/// Characters the console takes in a callback URL besides letters and digits.
const URL_PUNCTUATION: &str = "-_?%=#./+:&~";

impl Settings {
    /// Parses and checks settings; the error says what is wrong.
    pub fn parse(value: serde_json::Value) -> Result<Self, String> {
        let settings: Settings = serde_json::from_value(value).map_err(|e| e.to_string())?;
        if let Some(key) = &settings.key
            && (key.is_empty() || key.len() > 32 || !key.chars().all(|c| c.is_ascii_alphanumeric()))
        {
            return Err("key: 1 to 32 letters and digits, as the console takes".to_owned());
        }
        for (name, url) in &settings.urls {
            if name != "*" && Category::parse(name).is_none() {
                let names: Vec<&str> = Category::ALL.iter().map(|c| c.name()).collect();
                return Err(format!("urls: {name:?} is not a category ({} or \"*\")", names.join(", ")));
            }
            if url.starts_with("https://") {
                return Err(format!("urls.{name}: the emulator delivers over plain http only"));
            }
            let Some(rest) = url.strip_prefix("http://") else {
                return Err(format!("urls.{name}: {url:?} does not start with http://"));
            };
            if rest.is_empty()
                || url.len() > 2083
                || !url.chars().all(|c| c.is_ascii_alphanumeric() || URL_PUNCTUATION.contains(c))
            {
                return Err(format!(
                    "urls.{name}: {url:?} is not a URL the console takes (at most 2083 of a-z A-Z 0-9 {URL_PUNCTUATION})"
                ));
            }
        }
        if !(1..=60_000).contains(&settings.timeout_ms) {
            return Err("timeout_ms: 1 to 60000".to_owned());
        }
        Ok(settings)
    }

    /// Where a category's callbacks go, if anywhere.
    pub fn url(&self, category: Category) -> Option<&str> {
        self.urls.get(category.name()).or_else(|| self.urls.get("*")).map(String::as_str)
    }
}
