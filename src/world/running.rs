//! Starting, reading, updating and stopping tasks: each a single step on an SdkAppId's state,
//! so that two clients racing on one task see one outcome each (one success, one refusal),
//! never a half-made change.

use std::sync::Arc;

use serde_json::Value;

use super::live::{Change, Entry, RoomKey, Streams};
use super::model::{Room, Services};
use super::tasks::{Family, Lifecycle, Robot, Rules, State, Subscription, Task};
use super::{AppState, World, parse_comm_id};
use crate::pure::hash::mix;

/// What a new task is.
#[derive(Debug, Clone)]
pub struct NewTask {
    pub family: Family,
    pub room: Option<RoomKey>,
    pub robot: Option<Robot>,
    pub rules: Rules,
    pub subscription: Subscription,
    pub streams: Streams,
    pub params: Value,
    /// A key a second running task of the family may not share; several keys (any one shared
    /// refuses the start) are separated by newlines.
    pub dedupe: Option<String>,
    /// Running tasks of the family the app may have at once.
    pub limit: usize,
    /// What the task bills its room for while it works.
    pub services: Services,
}

/// Why a task was not started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartRefusal {
    /// A running task of the family has the same key.
    Duplicate,
    /// The app runs as many tasks of the family as it may.
    Concurrency,
}

/// A task as it stands: what was asked, what it did, and its room.
#[derive(Debug, Clone)]
pub struct TaskView {
    pub task: Task,
    pub lifecycle: Lifecycle,
    pub room: Option<Arc<Room>>,
    /// Whether the TaskId still answers (its handle has not expired).
    pub answers: bool,
}

impl TaskView {
    pub fn state(&self, now: u64) -> State {
        self.lifecycle.state_at(now)
    }

    pub fn running(&self) -> bool {
        self.lifecycle.ended.is_none()
    }
}

/// Why a task could not be changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskRefusal {
    /// No such task, or its handle expired.
    Unknown,
    /// The task has ended.
    Ended,
    /// The change itself was refused (the action says why).
    Refused,
}

impl World {
    /// The room of a task as it stands at `now`, in `state`.
    fn task_room(&self, app: u64, state: &AppState, task: &Task, now: u64) -> Option<Arc<Room>> {
        let (_, comm_id) = task.room.as_ref()?;
        if let Some(room) = state.made_call(app, comm_id, now) {
            return Some(room);
        }
        let fixtures = self.fixtures();
        let base = if fixtures.has_app(app) {
            fixtures.rooms(app).iter().find(|r| &r.comm_id == comm_id).cloned()
        } else {
            let (_, number, created) = parse_comm_id(comm_id)?;
            self.generator.find(app, number, created)
        }?;
        Some(state.view(base, now))
    }

    /// A task as it stands at `now` in one snapshot of the app's state (with its room).
    pub(super) fn view_of(&self, app: u64, state: &AppState, task: &Task, now: u64) -> TaskView {
        let room = self.task_room(app, state, task, now);
        let robots = state.tasks.robots_for(task);
        let lifecycle = task.lifecycle(room.as_deref(), &robots, now);
        TaskView { task: task.clone(), lifecycle, room, answers: task.handle_expires().is_none_or(|at| now < at) }
    }

    /// A task of the app as it stands at `now` (whatever its state).
    pub fn task(&self, app: u64, id: &str, now: u64) -> Option<TaskView> {
        let state = self.state(app);
        let task = state.tasks.get(id).filter(|t| t.created_at <= now)?;
        Some(self.view_of(app, &state, task, now))
    }

    /// The app's tasks started by `now`, optionally of one family, in order of start.
    pub fn tasks(&self, app: u64, family: Option<Family>, now: u64) -> Vec<TaskView> {
        self.tasks_where(app, now, |t| family.is_none_or(|f| t.family == f))
    }

    /// The app's tasks started by `now` that `keep` accepts, in order of start. Only those are
    /// brought up to `now`: a reader that is done with some tasks skips their lifecycles.
    pub fn tasks_where(&self, app: u64, now: u64, keep: impl Fn(&Task) -> bool) -> Vec<TaskView> {
        let state = self.state(app);
        state
            .tasks
            .all()
            .filter(|t| t.created_at <= now && keep(t))
            .map(|t| self.view_of(app, &state, t, now))
            .collect()
    }

    /// Starts a task at `now`: its robot enters the room (making it if nobody is in it); the
    /// TaskId is `make_id` of a number unique to the app and the seed.
    pub fn start_task(
        &self,
        app: u64,
        new: NewTask,
        now: u64,
        make_id: impl FnOnce(u64) -> String,
    ) -> Result<String, StartRefusal> {
        self.update(app, |world, state| {
            let running: Vec<TaskView> = state
                .tasks
                .all()
                // A task stopped by now has ended: no need to bring it up to now.
                .filter(|t| t.family == new.family && t.created_at <= now && t.stopped_at.is_none_or(|s| s > now))
                .map(|t| world.view_of(app, state, t, now))
                .filter(TaskView::running)
                .collect();
            if let Some(key) = &new.dedupe
                && running.iter().any(|v| v.task.dedupe.as_deref().is_some_and(|d| shares_key(d, key)))
            {
                return Err(StartRefusal::Duplicate);
            }
            if running.len() >= new.limit {
                return Err(StartRefusal::Concurrency);
            }
            let id = make_id(mix(world.generator.seed, &[0x7a5c, app, state.tasks.started]));
            let mut room = None;
            if let Some(key) = &new.room {
                if let Some(robot) = &new.robot {
                    let target = world.find_in_use(app, state, key, now);
                    let entry = Entry {
                        user_id: robot.user_id.clone(),
                        role: robot.role,
                        streams: robot.sends,
                        video: robot.video,
                        task: Some(id.clone()),
                    };
                    // A join never refuses: it makes the room when nobody is in it.
                    let _ = state.live.change(app, key, target.as_deref(), Change::Join(entry), now);
                }
                room = world.find_in_use(app, state, key, now).map(|r| (key.clone(), r.comm_id.clone()));
            }
            state.tasks.add(Task {
                id: id.clone(),
                family: new.family,
                sdk_app_id: app,
                created_at: now,
                room,
                robot: new.robot,
                rules: new.rules,
                subscriptions: vec![(now, new.subscription)],
                streams: new.streams,
                params: vec![(now, new.params)],
                stopped_at: None,
                sequence: None,
                dedupe: new.dedupe,
                services: new.services,
            });
            Ok(id)
        })
    }

    /// Changes a running task at `now` in one step: `f` gets the task (unknown, expired or
    /// ended tasks are refused first) and says whether the change is allowed.
    pub fn update_task(
        &self,
        app: u64,
        id: &str,
        now: u64,
        f: impl FnOnce(&mut Task, &TaskView) -> bool,
    ) -> Result<TaskView, TaskRefusal> {
        self.update(app, |world, state| {
            let task = state.tasks.get(id).filter(|t| t.created_at <= now).ok_or(TaskRefusal::Unknown)?;
            let view = world.view_of(app, state, task, now);
            if !view.answers {
                return Err(TaskRefusal::Unknown);
            }
            if !view.running() {
                return Err(TaskRefusal::Ended);
            }
            let task = state.tasks.get_mut(id).ok_or(TaskRefusal::Unknown)?;
            if !f(task, &view) {
                return Err(TaskRefusal::Refused);
            }
            let task = task.clone();
            Ok(world.view_of(app, state, &task, now))
        })
    }

    /// Stops a running task at `now` (its robot leaves with it).
    pub fn stop_task(&self, app: u64, id: &str, now: u64) -> Result<TaskView, TaskRefusal> {
        self.update_task(app, id, now, |task, _| {
            task.stopped_at = Some(now);
            true
        })
    }
}

/// Whether two dedupe keys (each one or several, newline-separated) share one.
fn shares_key(a: &str, b: &str) -> bool {
    a.split('\n').any(|x| b.split('\n').any(|y| x == y))
}
