//! Finding a task by its TaskId alone, for the actions that do not name the SdkAppId
//! (StopWebRecord, DescribeWebRecord by TaskId).

use super::World;
use super::running::TaskView;

impl World {
    /// The task `id` of an SdkAppId that `allowed` lets the caller use, as it stands at `now`,
    /// with its SdkAppId.
    pub fn find_task(&self, id: &str, now: u64, allowed: impl Fn(u64) -> bool) -> Option<(u64, TaskView)> {
        let mut apps: Vec<u64> = {
            let all = self.state.read().expect("state lock");
            all.iter()
                .filter(|(app, state)| allowed(**app) && state.tasks.get(id).is_some())
                .map(|(app, _)| *app)
                .collect()
        };
        // TaskIds are unique per app and seed; the smallest app decides should two collide.
        apps.sort_unstable();
        apps.into_iter().find_map(|app| self.task(app, id, now).map(|view| (app, view)))
    }
}
