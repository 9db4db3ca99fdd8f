//! Configuration: one plain struct, built from defaults ← `TRTC_MOCK_*` environment ← flags.
//!
//! Tests build a [`Config`] directly (`Config { addr: "127.0.0.1:0".parse()?, ..Config::default() }`);
//! the binary gets one from [`ServeArgs`], whose clap attributes carry the environment names.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use clap::{Args, ValueEnum};
use serde::Deserialize;

use crate::world::Density;
use crate::world::keys::KeySet;
use crate::world::tasks::Limits;

/// The SecretId/SecretKey pair every emulator accepts unless told otherwise.
pub const DEFAULT_SECRET_ID: &str = "AKIDmock";
pub const DEFAULT_SECRET_KEY: &str = "mock-secret";
/// Seed of the generated history when none is given: two runs give identical data.
pub const DEFAULT_SEED: u64 = 20_190_722;

/// An API key the emulator accepts.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Account {
    pub secret_id: String,
    pub secret_key: String,
    /// Set for temporary credentials: requests must then carry this `X-TC-Token`/`Token`.
    #[serde(default)]
    pub token: Option<String>,
    /// When set, the account may only use these SdkAppIds (`InvalidParameter.SdkAppId` otherwise).
    #[serde(default)]
    pub sdk_app_ids: Option<Vec<u64>>,
}

impl std::fmt::Debug for Account {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Account")
            .field("secret_id", &self.secret_id)
            .field("secret_key", &"<redacted>")
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("sdk_app_ids", &self.sdk_app_ids)
            .finish()
    }
}

impl Account {
    pub fn new(secret_id: impl Into<String>, secret_key: impl Into<String>) -> Self {
        Self { secret_id: secret_id.into(), secret_key: secret_key.into(), token: None, sdk_app_ids: None }
    }

    /// Whether this account may use `sdk_app_id`.
    pub fn allows(&self, sdk_app_id: u64) -> bool {
        self.sdk_app_ids.as_ref().is_none_or(|ids| ids.contains(&sdk_app_id))
    }
}

/// Whether signatures are checked.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum AuthMode {
    /// Every request must be signed by a known account, as on the real service.
    #[default]
    Enforce,
    /// Signatures are not checked; any SecretId is accepted.
    Off,
}

/// Which rate limits apply.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RateLimitMode {
    /// Each action's documented limit (20/s for most).
    #[default]
    Documented,
    Off,
    /// The same limit for every action, per second.
    PerSecond(u64),
}

impl FromStr for RateLimitMode {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "default" => Ok(Self::Documented),
            "off" => Ok(Self::Off),
            n => match n.parse::<u64>() {
                Ok(0) | Err(_) => Err(format!("expected `default`, `off` or a positive number, got `{s}`")),
                Ok(n) => Ok(Self::PerSecond(n)),
            },
        }
    }
}

impl std::fmt::Display for RateLimitMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Documented => f.write_str("default"),
            Self::Off => f.write_str("off"),
            Self::PerSecond(n) => write!(f, "{n}/s"),
        }
    }
}

/// Log line format.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

/// Everything the server needs. `Default` is the documented default of every setting.
#[derive(Clone, Debug)]
pub struct Config {
    pub addr: SocketAddr,
    pub accounts: Vec<Account>,
    pub auth: AuthMode,
    pub seed: u64,
    /// Virtual time at start-up (Unix seconds); `None` starts at the wall clock.
    pub start_time: Option<i64>,
    /// Hold the virtual clock still instead of letting it follow real time.
    pub freeze: bool,
    pub fixtures: Vec<PathBuf>,
    pub rate_limit: RateLimitMode,
    /// How busy the generated history of each SdkAppId is.
    pub density: Density,
    /// Running tasks of each family an SdkAppId may have at once.
    pub task_limits: Limits,
    pub log_format: LogFormat,
    /// Serve the control plane under `/_mock/` (health stays served either way).
    pub control_plane: bool,
    /// Bearer token the control plane requires (health excepted).
    pub control_token: Option<String>,
    /// Entries the request journal keeps before dropping the oldest.
    pub journal_size: usize,
    /// Bytes the request journal holds at most before dropping the oldest entries.
    pub journal_bytes: usize,
    /// What actions without a hand-written handler answer.
    pub unimplemented: Unimplemented,
    /// Base of the URLs in answers (recording files, audio downloads…), without a trailing slash.
    pub media_url_base: String,
    /// How long a client has to send a request's headers: from the connection's start for its
    /// first request, from the first byte of the request for later ones.
    pub header_timeout: Duration,
    /// How long a client has to send a request's body, from the end of its headers.
    pub body_timeout: Duration,
    /// How long a kept-alive connection may sit idle (no request, or a response the client does
    /// not read) before it is closed.
    pub keep_alive_timeout: Duration,
    /// Connections served at once; `None` derives the cap from the open-file limit (see
    /// [`crate::server::connection_cap`]).
    pub max_connections: Option<usize>,
    /// SDK secret keys UserSigs are verified with (none: UserSigs are not checked).
    pub usersig_keys: KeySet,
    /// Callback settings by SdkAppId, as the apps file gives them (checked at start-up).
    pub callbacks: Vec<(u64, serde_json::Value)>,
}

/// Default of `--header-timeout`.
pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// Default of `--body-timeout`.
pub const DEFAULT_BODY_TIMEOUT: Duration = Duration::from_secs(30);
/// Default of `--keep-alive-timeout`.
pub const DEFAULT_KEEP_ALIVE_TIMEOUT: Duration = Duration::from_secs(60);

/// What an action without a hand-written handler answers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum Unimplemented {
    /// A response of the right shape generated from the API definition.
    #[default]
    Generate,
    /// `UnsupportedOperation`, naming the action.
    Error,
}

/// Default base of the URLs in answers: a reserved `.test` domain, clearly not Tencent's.
pub const DEFAULT_MEDIA_URL_BASE: &str = "https://media.trtc-mock.test";

impl Default for Config {
    fn default() -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            accounts: vec![Account::new(DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY)],
            auth: AuthMode::default(),
            seed: DEFAULT_SEED,
            start_time: None,
            freeze: false,
            fixtures: Vec::new(),
            rate_limit: RateLimitMode::default(),
            density: Density::default(),
            task_limits: Limits::default(),
            log_format: LogFormat::default(),
            control_plane: true,
            control_token: None,
            journal_size: 1000,
            journal_bytes: crate::control::journal::DEFAULT_MAX_BYTES,
            unimplemented: Unimplemented::default(),
            media_url_base: DEFAULT_MEDIA_URL_BASE.to_owned(),
            header_timeout: DEFAULT_HEADER_TIMEOUT,
            body_timeout: DEFAULT_BODY_TIMEOUT,
            keep_alive_timeout: DEFAULT_KEEP_ALIVE_TIMEOUT,
            max_connections: None,
            usersig_keys: KeySet::default(),
            callbacks: Vec::new(),
        }
    }
}

/// Settings of `trtc-mock` (and `trtc-mock serve`). Every flag also reads `TRTC_MOCK_<NAME>`; the
/// flag wins.
#[derive(Args, Debug, Clone)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "TRTC_MOCK_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,

    /// SecretId of the default account.
    #[arg(long, env = "TRTC_MOCK_SECRET_ID", default_value = DEFAULT_SECRET_ID)]
    pub secret_id: String,

    /// SecretKey of the default account.
    #[arg(long, env = "TRTC_MOCK_SECRET_KEY", default_value = DEFAULT_SECRET_KEY, hide_env_values = true)]
    pub secret_key: String,

    /// Make the default account a temporary credential: requests must send this token
    /// (`X-TC-Token` / `Token`).
    #[arg(long, env = "TRTC_MOCK_TOKEN", hide_env_values = true)]
    pub token: Option<String>,

    /// Restrict the default account to these SdkAppIds (comma-separated); others get
    /// `InvalidParameter.SdkAppId`. Default: every SdkAppId has a generated history.
    #[arg(long, env = "TRTC_MOCK_SDK_APP_IDS", value_delimiter = ',')]
    pub sdk_app_ids: Vec<u64>,

    /// JSON file of further accounts: `{"accounts": [{"secret_id", "secret_key", "token"?, "sdk_app_ids"?}]}`.
    #[arg(long, env = "TRTC_MOCK_CREDENTIALS_FILE")]
    pub credentials_file: Option<PathBuf>,

    /// `enforce` checks every signature like the real service; `off` accepts any request.
    #[arg(long, env = "TRTC_MOCK_AUTH", value_enum, default_value_t = AuthMode::Enforce)]
    pub auth: AuthMode,

    /// Seed of the generated history; the same seed and clock give byte-identical data.
    #[arg(long, env = "TRTC_MOCK_SEED", default_value_t = DEFAULT_SEED)]
    pub seed: u64,

    /// Start the virtual clock at this Unix time (seconds). Default: the wall clock.
    #[arg(long, env = "TRTC_MOCK_NOW")]
    pub now: Option<i64>,

    /// Hold the virtual clock still instead of letting it follow real time.
    #[arg(long, env = "TRTC_MOCK_FREEZE")]
    pub freeze: bool,

    /// Fixture file or directory of `*.json` fixture files (repeatable; comma-separated in the
    /// environment).
    #[arg(long, env = "TRTC_MOCK_FIXTURES", value_delimiter = ',')]
    pub fixtures: Vec<PathBuf>,

    /// Rate limits: `default` (each action's documented limit, 20/s for most), `off`, or a number
    /// of requests per second applied to every action.
    #[arg(long, env = "TRTC_MOCK_RATE_LIMIT", default_value = "default")]
    pub rate_limit: RateLimitMode,

    /// Average number of rooms created per hour in the generated history of each SdkAppId (every
    /// hour has at least one; busier in the afternoon and evening, UTC+8).
    #[arg(long, env = "TRTC_MOCK_ROOMS_PER_HOUR", default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub rooms_per_hour: u32,

    /// Running tasks of each family an SdkAppId may have at once, over the defaults
    /// (`cloud_recording=100,publish_cdn=100,mcu_mix=100,stream_ingest=100,web_record=200,`
    /// `cloud_moderation=500,live_stream_moderation=500,cloud_slice=500`, 100 for the others,
    /// `async_tts` included);
    /// one more answers `FailedOperation.RestrictedConcurrency`. E.g. `cloud_recording=2`.
    #[arg(long, env = "TRTC_MOCK_TASK_LIMITS", default_value = "", value_parser = Limits::parse)]
    pub task_limits: Limits,

    /// Most users in one generated room (live rooms fill up to it with audience).
    #[arg(long, env = "TRTC_MOCK_MAX_USERS_PER_ROOM", default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub max_users_per_room: u32,

    /// Share of generated rooms that last 90 minutes to 4 hours (0 to 1).
    #[arg(long, env = "TRTC_MOCK_LONG_CALL_SHARE", default_value_t = 0.1, value_parser = share)]
    pub long_call_share: f64,

    /// Average quality incidents (packet loss, overload, delay) per user-hour in generated rooms.
    #[arg(long, env = "TRTC_MOCK_INCIDENTS_PER_HOUR", default_value_t = 1.0, value_parser = incidents)]
    pub incidents_per_hour: f64,

    /// Log format: one line per request, as text or JSON.
    #[arg(long, env = "TRTC_MOCK_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    /// Serve the control plane under /_mock/ (reset, fixtures, journal, faults, clock). With `off`
    /// only /_mock/health is served.
    #[arg(long, env = "TRTC_MOCK_CONTROL_PLANE", value_enum, default_value_t = Switch::On)]
    pub control_plane: Switch,

    /// Require `Authorization: Bearer <token>` on the control plane (/_mock/health excepted).
    #[arg(long, env = "TRTC_MOCK_CONTROL_TOKEN", hide_env_values = true)]
    pub control_token: Option<String>,

    /// Requests the journal (GET /_mock/requests) keeps; older ones are dropped and counted.
    #[arg(long, env = "TRTC_MOCK_JOURNAL_SIZE", default_value_t = 1000)]
    pub journal_size: usize,

    /// Bytes the journal holds at most (`8MiB`, `512KiB` or a number of bytes); older entries are
    /// dropped and counted. Values clients chose are kept cut to a few hundred bytes each.
    #[arg(long, env = "TRTC_MOCK_JOURNAL_BYTES", default_value = "8MiB", value_parser = parse_bytes)]
    pub journal_bytes: usize,

    /// What actions without a hand-written handler answer: a response generated from the API
    /// definition, or `UnsupportedOperation` naming the action (`trtc-mock actions` lists which).
    #[arg(long, env = "TRTC_MOCK_UNIMPLEMENTED", value_enum, default_value_t = Unimplemented::Generate)]
    pub unimplemented: Unimplemented,

    /// Base of the URLs in generated answers (recording files, audio downloads…).
    #[arg(long, env = "TRTC_MOCK_MEDIA_URL_BASE", default_value = DEFAULT_MEDIA_URL_BASE)]
    pub media_url_base: String,

    /// Seconds a client has to send a request's headers (from the connection's start, then
    /// from a request's first byte); the connection is closed after that. `2.5` and `500ms` work.
    #[arg(long, env = "TRTC_MOCK_HEADER_TIMEOUT", default_value = "10", value_parser = parse_duration)]
    pub header_timeout: Duration,

    /// Seconds a client has to send a request's body, from the end of its headers; a late body
    /// is answered `InvalidParameter` and the connection closed.
    #[arg(long, env = "TRTC_MOCK_BODY_TIMEOUT", default_value = "30", value_parser = parse_duration)]
    pub body_timeout: Duration,

    /// Seconds a kept-alive connection may sit idle (between requests, or with a response the
    /// client does not read) before it is closed.
    #[arg(long, env = "TRTC_MOCK_KEEP_ALIVE_TIMEOUT", default_value = "60", value_parser = parse_duration)]
    pub keep_alive_timeout: Duration,

    /// SDK secret key of the SdkAppIds of `--sdk-app-ids` (of every SdkAppId without them): the
    /// UserSigs of robot-joining actions are then verified. Default: no check.
    #[arg(long, env = "TRTC_MOCK_USERSIG_KEY", hide_env_values = true)]
    pub usersig_key: Option<String>,

    /// JSON file of per-SdkAppId console settings:
    /// `{"apps": {"1400000000": {"usersig_key": "…", "callbacks": {"key": "…", "urls": {"room": "http://…"}}}}}`.
    #[arg(long, env = "TRTC_MOCK_APPS_FILE")]
    pub apps_file: Option<PathBuf>,

    /// Connections served at once; more wait in the listen backlog. Default: 1024, or less to
    /// stay 32 below the open-file limit (`ulimit -n`).
    #[arg(long, env = "TRTC_MOCK_MAX_CONNECTIONS", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_connections: Option<u64>,
}

/// A positive duration: seconds (`10`, `2.5`), or with an `s` or `ms` suffix.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (number, scale) = if let Some(ms) = text.strip_suffix("ms") {
        (ms, 0.001)
    } else if let Some(s) = text.strip_suffix('s') {
        (s, 1.0)
    } else {
        (text, 1.0)
    };
    let seconds =
        number.trim().parse::<f64>().map_err(|_| format!("expected seconds like `10` or `500ms`, got `{text}`"))?;
    match Duration::try_from_secs_f64(seconds * scale) {
        Ok(d) if !d.is_zero() && d <= Duration::from_secs(86_400) => Ok(d),
        _ => Err(format!("expected a duration above 0 and at most a day, got `{text}`")),
    }
}

/// A size: a number of bytes, or with a `KiB`, `MiB` or `GiB` suffix.
pub fn parse_bytes(text: &str) -> Result<usize, String> {
    let text = text.trim();
    let (digits, unit) = match text.find(|c: char| !c.is_ascii_digit()) {
        Some(at) => text.split_at(at),
        None => (text, ""),
    };
    let scale: usize = match unit.trim() {
        "" | "B" => 1,
        "KiB" | "K" | "k" => 1 << 10,
        "MiB" | "M" => 1 << 20,
        "GiB" | "G" => 1 << 30,
        other => return Err(format!("unknown unit `{other}` (use KiB, MiB or GiB)")),
    };
    digits
        .parse::<usize>()
        .ok()
        .and_then(|n| n.checked_mul(scale))
        .ok_or_else(|| format!("expected a size like `8MiB` or `1048576`, got `{text}`"))
}

fn share(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(x) if (0.0..=1.0).contains(&x) => Ok(x),
        _ => Err(format!("expected a number from 0 to 1, got `{text}`")),
    }
}

fn incidents(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(x) if (0.0..=60.0).contains(&x) => Ok(x),
        _ => Err(format!("expected a number from 0 to 60, got `{text}`")),
    }
}

/// On or off.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Switch {
    On,
    Off,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CredentialsFile {
    accounts: Vec<Account>,
}

/// Reads a credentials file; the error names the file and what is wrong.
pub fn load_credentials(path: &Path) -> Result<Vec<Account>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let file: CredentialsFile = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    for account in &file.accounts {
        if account.secret_id.is_empty() || account.secret_key.is_empty() {
            return Err(format!("{}: every account needs a non-empty secret_id and secret_key", path.display()));
        }
    }
    Ok(file.accounts)
}

/// One app of the apps file.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AppSettings {
    usersig_key: Option<String>,
    callbacks: Option<serde_json::Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AppsFile {
    apps: std::collections::BTreeMap<String, AppSettings>,
}

fn load_apps(path: &Path) -> Result<Vec<(u64, AppSettings)>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let file: AppsFile = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    file.apps
        .into_iter()
        .map(|(app, settings)| {
            let id = app.parse::<u64>().map_err(|_| format!("{}: {app:?} is not an SdkAppId", path.display()))?;
            Ok((id, settings))
        })
        .collect()
}

impl ServeArgs {
    /// Resolves the arguments into a [`Config`], reading the credentials file if any.
    pub fn into_config(self) -> Result<Config, String> {
        if let Some(now) = self.now {
            crate::world::clock::check_time("--now", now).map_err(|e| e.to_string())?;
        }
        let mut default = Account::new(self.secret_id, self.secret_key);
        default.token = self.token;
        if !self.sdk_app_ids.is_empty() {
            default.sdk_app_ids = Some(self.sdk_app_ids);
        }
        let mut accounts = vec![default];
        if let Some(path) = &self.credentials_file {
            for account in load_credentials(path)? {
                if accounts.iter().any(|a| a.secret_id == account.secret_id) {
                    return Err(format!("{}: SecretId {} is defined twice", path.display(), account.secret_id));
                }
                accounts.push(account);
            }
        }
        let mut usersig_keys = KeySet::default();
        if let Some(key) = self.usersig_key.filter(|k| !k.is_empty()) {
            match &accounts[0].sdk_app_ids {
                Some(apps) => usersig_keys.apps.extend(apps.iter().map(|app| (*app, Some(key.clone())))),
                None => usersig_keys.every_app = Some(key),
            }
        }
        let mut callbacks = Vec::new();
        if let Some(path) = &self.apps_file {
            for (app, settings) in load_apps(path)? {
                if let Some(key) = settings.usersig_key {
                    usersig_keys.apps.insert(app, Some(key));
                }
                if let Some(value) = settings.callbacks {
                    callbacks.push((app, value));
                }
            }
        }
        Ok(Config {
            usersig_keys,
            callbacks,
            addr: self.addr,
            accounts,
            auth: self.auth,
            seed: self.seed,
            start_time: self.now,
            freeze: self.freeze,
            fixtures: self.fixtures,
            rate_limit: self.rate_limit,
            task_limits: self.task_limits,
            density: Density {
                rooms_per_hour: self.rooms_per_hour,
                max_users_per_room: self.max_users_per_room,
                long_call_share: self.long_call_share,
                incidents_per_hour: self.incidents_per_hour,
            },
            log_format: self.log_format,
            control_plane: self.control_plane == Switch::On,
            control_token: self.control_token.filter(|t| !t.is_empty()),
            journal_size: self.journal_size,
            journal_bytes: self.journal_bytes,
            unimplemented: self.unimplemented,
            media_url_base: self.media_url_base.trim_end_matches('/').to_owned(),
            header_timeout: self.header_timeout,
            body_timeout: self.body_timeout,
            keep_alive_timeout: self.keep_alive_timeout,
            max_connections: self.max_connections.map(|n| usize::try_from(n).unwrap_or(usize::MAX)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_limit_values() {
        assert_eq!("default".parse(), Ok(RateLimitMode::Documented));
        assert_eq!("off".parse(), Ok(RateLimitMode::Off));
        assert_eq!("7".parse(), Ok(RateLimitMode::PerSecond(7)));
        assert!("0".parse::<RateLimitMode>().is_err());
        assert!("fast".parse::<RateLimitMode>().is_err());
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_bytes("8MiB"), Ok(8 << 20));
        assert_eq!(parse_bytes("512KiB"), Ok(512 << 10));
        assert_eq!(parse_bytes("1048576"), Ok(1 << 20));
        assert_eq!(parse_bytes("2 GiB"), Ok(2 << 30));
        assert!(parse_bytes("8MB").is_err() && parse_bytes("lots").is_err() && parse_bytes("").is_err());
        assert!(parse_bytes("99999999999999999999GiB").is_err());
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("10"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_duration("2.5"), Ok(Duration::from_millis(2500)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("3s"), Ok(Duration::from_secs(3)));
        for bad in ["0", "-1", "soon", "NaN", "inf", "1e30", "", "100000"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn account_debug_hides_secrets() {
        let mut a = Account::new("AKID", "s3cr3t");
        a.token = Some("tok".into());
        let shown = format!("{a:?}");
        assert!(!shown.contains("s3cr3t") && !shown.contains("tok\""));
    }
}
