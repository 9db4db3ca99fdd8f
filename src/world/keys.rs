//! The SDK secret keys of SdkAppIds, which UserSigs are minted with. An app with a key has the
//! UserSigs of its robot-joining actions verified; an app without one has none checked.

use std::collections::HashMap;
use std::sync::RwLock;

/// Keys by SdkAppId (`None`: explicitly none), over a key for every other app, if any.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeySet {
    pub apps: HashMap<u64, Option<String>>,
    pub every_app: Option<String>,
}

impl KeySet {
    fn get(&self, app: u64) -> Option<&String> {
        match self.apps.get(&app) {
            Some(key) => key.as_ref(),
            None => self.every_app.as_ref(),
        }
    }
}

/// The keys given at start-up, which a reset goes back to, and the current ones.
#[derive(Debug, Default)]
pub struct UserSigKeys {
    startup: KeySet,
    current: RwLock<KeySet>,
}

impl UserSigKeys {
    pub fn new(startup: KeySet) -> Self {
        Self { current: RwLock::new(startup.clone()), startup }
    }

    pub fn get(&self, app: u64) -> Option<String> {
        self.current.read().expect("keys lock").get(app).cloned()
    }

    /// Sets (`Some`) or removes (`None`) an app's key.
    pub fn set(&self, app: u64, key: Option<String>) {
        self.current.write().expect("keys lock").apps.insert(app, key);
    }

    /// Back to the start-up keys: every app's, or one app's.
    pub fn reset(&self, app: Option<u64>) {
        let mut current = self.current.write().expect("keys lock");
        match app {
            None => *current = self.startup.clone(),
            Some(app) => match self.startup.apps.get(&app) {
                Some(key) => {
                    current.apps.insert(app, key.clone());
                }
                None => {
                    current.apps.remove(&app);
                }
            },
        }
    }
}
