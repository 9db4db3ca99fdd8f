//! The run-time state of one SdkAppId: the changes made to its rooms and the tasks started in
//! them, kept together so that a task's robot entering a room and the task itself are one
//! change; and the pictures it uploaded. Read through [`AppState::view`], which gives a room as
//! it stands at a time.

use std::sync::Arc;

use super::live::AppLive;
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

    fn settled(&self, room: Arc<Room>, now: u64) -> Arc<Room> {
        match self.tasks.settle(&room, now) {
            Some(settled) => Arc::new(settled),
            None => room,
        }
    }
}
