//! The application state shared by every request: configuration, accounts, rate-limit
//! windows and the world.

use std::sync::Arc;

use crate::config::Config;
use crate::control::callbacks::delivery::Callbacks;
use crate::control::faults::Faults;
use crate::control::journal::Journal;
use crate::gateway::auth::Credentials;
use crate::gateway::throttle::Throttle;
use crate::world::{Clock, Fixtures, Generator, SystemWallClock, WallClock, World};

pub struct App {
    pub config: Config,
    pub credentials: Credentials,
    pub throttle: Throttle,
    pub world: World,
    pub journal: Journal,
    pub faults: Faults,
    /// Callback settings and deliveries.
    pub callbacks: Callbacks,
    /// Wall-clock start, Unix milliseconds.
    pub started_ms: i64,
}

impl App {
    /// Builds the state, loading the configured fixtures; the error names the bad file.
    pub fn new(config: Config) -> Result<Self, String> {
        Self::with_wall_clock(config, Arc::new(SystemWallClock))
    }

    /// As [`App::new`], with an injected wall clock.
    pub fn with_wall_clock(config: Config, wall: Arc<dyn WallClock>) -> Result<Self, String> {
        if config.accounts.is_empty() {
            return Err("at least one account is needed".to_owned());
        }
        let fixtures = Fixtures::load_paths(&config.fixtures)?;
        let started_ms = wall.now_ms();
        let clock = Clock::new(wall, config.start_time, config.freeze);
        let mut world = World::new(clock, Generator::new(config.seed, config.density), fixtures);
        world.limits = config.task_limits.clone();
        world.usersig_keys = crate::world::keys::UserSigKeys::new(config.usersig_keys.clone());
        world.media_url_base = config.media_url_base.clone();
        Ok(Self {
            credentials: Credentials::new(&config.accounts),
            throttle: Throttle::new(config.rate_limit),
            world,
            journal: Journal::new(config.journal_size, config.journal_bytes),
            faults: Faults::new(config.seed),
            callbacks: Callbacks::new(&config.callbacks)?,
            started_ms,
            config,
        })
    }

    /// Back to the start-up state: everything, or what belongs to one SdkAppId (its fixtures,
    /// journal entries, faults and the rate-limit windows it was counted in).
    pub fn reset(&self, sdk_app_id: Option<u64>) {
        self.world.reset(sdk_app_id);
        self.journal.clear(sdk_app_id);
        self.faults.clear(sdk_app_id);
        self.throttle.reset(sdk_app_id);
        self.callbacks.reset(sdk_app_id);
    }
}
