//! The run-time state of one SdkAppId: the changes made to its rooms and the tasks started in
//! them, kept together so that a task's robot entering a room and the task itself are one
//! change; and the pictures it uploaded. Read through [`AppState::view`], which gives a room as
//! it stands at a time.

use std::sync::Arc;

use super::live::{AppLive, RoomKey};
use super::model::Room;
use super::pictures::AppPictures;
use super::speech::AppSpeech;
use super::tasks::AppTasks;

#[derive(Debug, Clone, Default)]
pub struct AppState {
    pub live: AppLive,
    pub tasks: AppTasks,
    pub pictures: AppPictures,
    /// Cloned voices and vocabularies (shared until changed: copying the state stays cheap).
    pub speech: Arc<AppSpeech>,
    /// How many updates made this state: a reader that saw the same revision at the same
    /// virtual second would read the same world.
    pub revision: u64,
}

impl AppState {
    pub fn is_empty(&self) -> bool {
        self.live.is_empty() && self.tasks.is_empty() && self.pictures.is_empty()
    }

    /// `base` (a room of the history, or made at run time) with its changes and its tasks'
    /// robots as they stand at `now`.
    pub fn view(&self, base: Arc<Room>, now: u64) -> Arc<Room> {
        let room = self.live.view(base, now);
        match self.tasks.settle(&room, now) {
            Some(settled) => Arc::new(settled),
            None => room,
        }
    }

    /// Rooms made at run time as they stand at `now`, in order of creation.
    pub fn made(&self, sdk_app_id: u64, now: u64) -> impl Iterator<Item = Arc<Room>> + '_ {
        self.live.made(sdk_app_id, now).map(move |room| self.settled(room, now))
    }

    /// The rooms made at run time named `key` ([`AppState::made`], building only those).
    pub fn made_named<'a>(
        &'a self,
        sdk_app_id: u64,
        key: &'a RoomKey,
        now: u64,
    ) -> impl Iterator<Item = Arc<Room>> + 'a {
        self.live.made_where(sdk_app_id, now, move |k, _| k == key).map(move |room| self.settled(room, now))
    }

    /// The call made at run time with CommId `comm_id` ([`AppState::made`], building only it).
    pub fn made_call(&self, sdk_app_id: u64, comm_id: &str, now: u64) -> Option<Arc<Room>> {
        self.live.made_where(sdk_app_id, now, |_, c| c == comm_id).next().map(|room| self.settled(room, now))
    }

    fn settled(&self, room: Arc<Room>, now: u64) -> Arc<Room> {
        match self.tasks.settle(&room, now) {
            Some(settled) => Arc::new(settled),
            None => room,
        }
    }
}
