//! The speech resources an SdkAppId makes through the API — cloned voices and ASR hot-word
//! vocabularies — and the voiceprints an account registers (the voiceprint actions name no
//! SdkAppId). Each change is one step on the owner's state, so racing clients never lose one.

use std::sync::Arc;

use super::World;
use super::running::TaskView;

/// A voice made by VoiceClone.
#[derive(Debug, Clone, PartialEq)]
pub struct ClonedVoice {
    pub voice_id: String,
    pub name: String,
    pub model: String,
    pub created_at: u64,
    /// Milliseconds of the prompt audio it was cloned from.
    pub prompt_ms: u64,
}

/// An ASR hot-word vocabulary (V3).
#[derive(Debug, Clone, PartialEq)]
pub struct Vocab {
    pub vocab_id: String,
    pub name: String,
    pub description: String,
    /// Words and weights, in the order given.
    pub words: Vec<(String, i64)>,
    pub created_at: u64,
    pub updated_at: u64,
    /// 1 for the SdkAppId's default vocabulary, else 0.
    pub state: i64,
}

/// The speech resources of one SdkAppId.
#[derive(Debug, Clone, Default)]
pub struct AppSpeech {
    pub voices: Vec<ClonedVoice>,
    pub vocabs: Vec<Vocab>,
    /// How many resources were ever made (their ids are numbered from it).
    pub made: u64,
}

/// A registered voiceprint.
#[derive(Debug, Clone, PartialEq)]
pub struct VoicePrint {
    pub voice_print_id: String,
    pub app_id: u64,
    pub name: String,
    pub meta_info: String,
    pub audio_format: u64,
    pub req_timestamp: u64,
    pub created_at: u64,
    pub updated_at: u64,
    pub audio_ms: u64,
}

/// The voiceprints of one account.
#[derive(Debug, Clone, Default)]
pub struct AccountVoicePrints {
    pub prints: Vec<VoicePrint>,
    pub made: u64,
}

impl World {
    /// The speech resources of an app (a snapshot).
    pub fn speech(&self, app: u64) -> Arc<AppSpeech> {
        Arc::clone(&self.state(app).speech)
    }

    /// Changes an app's speech resources in one step; `counted` names the other SdkAppIds whose
    /// vocabularies count towards the account's limit, and `f` gets how many they hold.
    pub fn update_speech<T, E>(
        &self,
        app: u64,
        counted: impl Fn(u64) -> bool,
        f: impl FnOnce(usize, &mut AppSpeech) -> Result<T, E>,
    ) -> Result<T, E> {
        let mut all = self.state.write().expect("state lock");
        let others: usize =
            all.iter().filter(|(a, _)| **a != app && counted(**a)).map(|(_, s)| s.speech.vocabs.len()).sum();
        let mut next = all.get(&app).map(|s| super::AppState::clone(s)).unwrap_or_default();
        let out = f(others, Arc::make_mut(&mut next.speech))?;
        all.insert(app, Arc::new(next));
        Ok(out)
    }

    /// Whether `voice_id` names a voice the app cloned.
    pub fn cloned_voice(&self, app: u64, voice_id: &str) -> Option<ClonedVoice> {
        self.state(app).speech.voices.iter().find(|v| v.voice_id == voice_id).cloned()
    }

    /// The voiceprints of an account (by its SecretId), in order of registration.
    pub fn voiceprints(&self, account: &str) -> AccountVoicePrints {
        self.voiceprints.read().expect("voiceprint lock").get(account).cloned().unwrap_or_default()
    }

    /// Whether the account registered the voiceprint `id` (for the AI conversation's
    /// VoicePrint config).
    pub fn voiceprint_exists(&self, account: &str, id: &str) -> bool {
        self.voiceprints
            .read()
            .expect("voiceprint lock")
            .get(account)
            .is_some_and(|a| a.prints.iter().any(|p| p.voice_print_id == id))
    }

    /// Changes an account's voiceprints in one step.
    pub fn update_voiceprints<T, E>(
        &self,
        account: &str,
        f: impl FnOnce(&mut AccountVoicePrints) -> Result<T, E>,
    ) -> Result<T, E> {
        let mut all = self.voiceprints.write().expect("voiceprint lock");
        let mut next = all.get(account).cloned().unwrap_or_default();
        let out = f(&mut next)?;
        all.insert(account.to_owned(), next);
        Ok(out)
    }

    /// A task of any SdkAppId that `allowed` admits, by TaskId (for the actions that name no
    /// SdkAppId, such as DescribeAsyncTextToSpeech).
    pub fn task_anywhere(&self, id: &str, now: u64, allowed: impl Fn(u64) -> bool) -> Option<TaskView> {
        let apps: Vec<u64> = self.state.read().expect("state lock").keys().copied().filter(|a| allowed(*a)).collect();
        apps.into_iter().find_map(|app| self.task(app, id, now))
    }
}
