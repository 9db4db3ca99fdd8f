//! What tasks started through the API bill: the usage figures count them by the same rules as
//! the history's rooms, whatever their family.
//!
//! A task declares in [`Task::services`] what it bills its room for while it works. Here each
//! task becomes the room *as the task worked on it*: the users it takes (robots left out), with
//! only the streams it takes (its stream kinds and its subscription as it stood at each time),
//! cut to the periods in which its lifecycle says it was working — never while idle, never
//! after its end — and with the task's services in place of the room's. [`super::usage`] bills
//! that room like any other, so a task's figures follow every rule (tiers, the audio-only mix,
//! the relay peak, rounding, UTC+8 days) of the generated history, and actions that read the
//! same service agree. Nothing is stored: it is derived from the task store and the rooms at
//! the reader's `now`.
//!
//! The services a family declares, by field of [`Services`] (the names `/_mock/tasks` shows):
//!
//! - `single_recording` — each stream taken recorded on its own: `DescribeRecordingUsage`
//!   `single`, `DescribeRecordStatistic`.
//! - `mixed_recording` (output resolution) — one mixed recording: `DescribeRecordingUsage`
//!   `multi`, `DescribeRecordStatistic`.
//! - `mixing` (output resolution, codec) — MCU mixing (transcoding) of what the task takes:
//!   `DescribeMixTranscodingUsage`, `DescribeTrtcMcuTranscodeTime`.
//! - `relay` (`relay_kbps`) — a stream relayed to a CDN at that bitrate: `DescribeRelayUsage`
//!   and the `Flux` of `DescribeTrtcMcuTranscodeTime` (the peak adds up with every other relay).
//! - `ai_conversation`, `transcription` — `DescribeTRTCAIRecognitionUsage`.
//! - `moderation`, `slicing` — `DescribeTRTCSegmentModerationUsage`.
//!
//! So a relay with transcoding declares `mixing` and `relay`, a pure relay only `relay`, an MCU
//! mix `mixing` (and `relay` if it pushes to a CDN that bills it). `dedicated_acceleration` is a
//! property of a room's users, not a task's service: a task that declares it bills nothing for
//! it. A task without a room (web recording) bills nothing here, and robots are never billed as
//! users (`DescribeTrtcUsage`).

use super::World;
use super::model::{Origin, Publish, Room, Services, Session};
use super::tasks::{Lifecycle, State, Subscription, Task};

/// Calls `f` with the room each task of `app` that bills something worked on, for the tasks
/// that worked at some point of `[start, end)`, as they stand at `now`, in order of start.
pub fn for_each_worked(world: &World, app: u64, (start, end): (u64, u64), now: u64, mut f: impl FnMut(&Room)) {
    let state = world.state(app);
    for task in state.tasks.all() {
        let services = Services { dedicated_acceleration: false, ..task.services };
        if services == Services::default() || task.created_at > now || task.created_at >= end {
            continue;
        }
        let view = world.view_of(app, &state, task, now);
        let Some(room) = view.room.as_deref() else { continue };
        let working: Vec<(u64, u64)> =
            working(&view.lifecycle, now).into_iter().filter(|(a, b)| *a < end && *b > start).collect();
        if working.is_empty() {
            continue;
        }
        let robots: Vec<&str> =
            state.tasks.in_room(&room.comm_id).filter_map(|t| t.robot.as_ref().map(|r| r.user_id.as_str())).collect();
        f(&worked(task, services, room, &robots, &working, now));
    }
}

/// The periods `[from, to)` in which the lifecycle is working, up to `now`.
fn working(lifecycle: &Lifecycle, now: u64) -> Vec<(u64, u64)> {
    let changes = &lifecycle.changes;
    changes
        .iter()
        .enumerate()
        .filter(|(_, (_, state))| *state == State::Working)
        .map(|(i, &(from, _))| (from, changes.get(i + 1).map_or(now, |c| c.0)))
        .filter(|(from, to)| from < to)
        .collect()
}

/// `room` as `task` worked on it in the `working` periods: its users other than robots, their
/// streams the task takes, cut to those periods, and the task's services.
fn worked(task: &Task, services: Services, room: &Room, robots: &[&str], working: &[(u64, u64)], now: u64) -> Room {
    // The working periods cut where the subscription changed, each with the one in force.
    let mut segments: Vec<(u64, u64, &Subscription)> = Vec::new();
    for &(from, to) in working {
        let mut cuts: Vec<u64> = task.subscriptions.iter().map(|(t, _)| *t).filter(|t| *t > from && *t < to).collect();
        cuts.push(to);
        let mut at = from;
        for cut in cuts {
            segments.push((at, cut, task.subscription_at(at)));
            at = cut;
        }
    }
    let sessions = room
        .sessions_at(now)
        .filter(|s| !robots.contains(&s.user_id.as_str()))
        .map(|s| {
            let mut publishing = Vec::new();
            for (stream, a, b) in room.publishing_at(s, now).filter(|(stream, _, _)| task.streams_take(*stream)) {
                for &(from, to, subscription) in &segments {
                    let (start, end) = (a.max(from), b.min(to));
                    if start < end && subscription.takes(&s.user_id, stream) {
                        publishing.push(Publish { stream, start, end: Some(end) });
                    }
                }
            }
            Session {
                leave_ts: Some(room.leave_or(s, now)),
                publishing,
                incidents: Vec::new(),
                written: None,
                ..s.clone()
            }
        })
        .collect();
    Room {
        comm_id: room.comm_id.clone(),
        room_string: room.room_string.clone(),
        numeric: room.numeric,
        create_time: room.create_time,
        destroy_time: Some(room.end_or(now)),
        finished: None,
        creator: room.creator.clone(),
        sessions,
        services,
        // Served as written: every period is already cut at `now`.
        origin: Origin::Fixture,
        seed: room.seed,
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use serde_json::json;

    use super::*;
    use crate::world::generator::Density;
    use crate::world::live::{Change, Entry, RoomKey, Streams};
    use crate::world::model::{Codec, ExitReason, Resolution, Role};
    use crate::world::running::NewTask;
    use crate::world::tasks::{Family, Idle, Robot, Rules};
    use crate::world::usage::{self, Grid, Query, Step, Tier};
    use crate::world::{Clock, Fixtures, Generator, SystemWallClock};

    const APP: u64 = 7;
    const ALL: Streams = Streams { audio: true, video: true, sub_stream: true };

    fn world() -> World {
        let mut fixtures = Fixtures::default();
        fixtures.add_document("empty", r#"{"Apps": [{"SdkAppId": 7, "Rooms": []}]}"#).unwrap();
        let clock = Clock::new(Arc::new(SystemWallClock), Some(0), true);
        World::new(clock, Generator::new(5, Density::default()), fixtures)
    }

    fn change(w: &World, change: Change, at: u64) {
        w.change(APP, &RoomKey::numeric(9), change, at).unwrap();
    }

    fn publish(w: &World, streams: Streams, at: u64) {
        change(w, Change::Publish { user_id: "a".into(), streams }, at);
    }

    /// A task of any family in room 9 billing `services`, idle without an anchor for 60 s.
    fn start(w: &World, robot: &str, services: Services, at: u64) -> String {
        let new = NewTask {
            family: Family::McuMix,
            room: Some(RoomKey::numeric(9)),
            robot: Some(Robot {
                user_id: robot.into(),
                role: Role::Audience,
                sends: Streams::NONE,
                video: Resolution::new(1, 1),
            }),
            rules: Rules {
                idle: Idle::NoAnchor,
                max_idle: Some(60),
                max_duration: None,
                handle_secs: Some(86_400),
                exit_grace: 10,
            },
            subscription: Subscription::default(),
            streams: ALL,
            params: json!({}),
            dedupe: None,
            limit: 100,
            services,
        };
        w.start_task(APP, new, at, |n| format!("task-{n}")).unwrap()
    }

    fn query(w: &World, step: Step) -> Query<'_> {
        Query { world: w, apps: &[APP], grid: Grid::new(0, 3000, step), now: 2000 }
    }

    #[test]
    fn any_family_bills_its_services_only_while_it_works_and_the_actions_agree() {
        let w = world();
        let entry = Entry {
            user_id: "a".into(),
            role: Role::Anchor,
            streams: Streams { audio: true, video: true, sub_stream: false },
            video: Resolution::new(1280, 720),
            task: None,
        };
        change(&w, Change::Join(entry), 1000);
        let mix = Services {
            mixing: Some((Resolution::new(640, 360), Codec::H265)),
            relay_kbps: Some(1200),
            ..Services::default()
        };
        start(&w, "mixer", mix, 1000);
        let relay = start(&w, "relay", Services { relay_kbps: Some(800), ..Services::default() }, 1100);
        w.stop_task(APP, &relay, 1200).unwrap();
        publish(&w, Streams::NONE, 1300); // idle: billed for nothing
        publish(&w, Streams { audio: true, ..Streams::NONE }, 1400);
        change(&w, Change::Leave { user_id: "a".into(), reason: ExitReason::Normal }, 1500); // ends at 1560

        let whole = query(&w, Step::Whole);
        // 1000–1300 a 720p camera (HD input, the output is not more than twice it), H.265;
        // 1400–1500 audio.
        let mut expected = [0u64; 11];
        expected[0] = 100;
        expected[Tier::Hd.index() + 5] = 300;
        assert_eq!(usage::mixing(&whole), vec![expected]);
        // The legacy figures read the same seconds, classed by the 640×360 output.
        let legacy = usage::legacy_transcoding(&whole)[0];
        assert_eq!((legacy.audio, legacy.sd, legacy.hd, legacy.fhd), (100, 300, 0, 0));
        // Both relays worked 1100–1200: the peak is their sum.
        assert_eq!((usage::relay(&whole), legacy.peak_kbps), (vec![2000], 2000));
        // Five-minute rows add up to the same seconds; the relay peak is in the 1100 bucket.
        let fine = query(&w, Step::FiveMinutes);
        let rows = usage::mixing(&fine);
        assert_eq!(rows.iter().map(|r| r.iter().sum::<u64>()).sum::<u64>(), 400);
        assert_eq!(rows[3][Tier::Hd.index() + 5], 200, "[900, 1200) holds 1000–1200");
        assert_eq!((rows[4][0], rows[4][Tier::Hd.index() + 5]), (100, 100), "[1200, 1500)");
        let peaks = usage::relay(&fine);
        assert_eq!((peaks[3], peaks[4], peaks[5]), (2000, 1200, 0));
        // Nothing else is billed, and the robots are not billed as users: a alone, 500 s.
        assert_eq!(usage::recording(&whole, usage::Mix::Single), vec![[0; 6]]);
        assert_eq!(usage::audio_video(&whole), vec![[500, 0, 0, 0, 0, 0]]);
        // Read earlier, the task's figures stop at that `now`.
        let early = Query { now: 1250, ..query(&w, Step::Whole) };
        assert_eq!(usage::mixing(&early)[0][Tier::Hd.index() + 5], 250);
    }

    #[test]
    fn a_task_without_services_or_before_its_window_bills_nothing() {
        let w = world();
        let entry = Entry {
            user_id: "a".into(),
            role: Role::Anchor,
            streams: ALL,
            video: Resolution::new(640, 360),
            task: None,
        };
        change(&w, Change::Join(entry), 1000);
        start(&w, "nothing", Services::default(), 1000);
        start(&w, "acc", Services { dedicated_acceleration: true, ..Services::default() }, 1000);
        assert_eq!(usage::dedicated(&query(&w, Step::Whole)), vec![0]);
        let mut seen = 0;
        for_each_worked(&w, APP, (0, 3000), 2000, |_| seen += 1);
        assert_eq!(seen, 0);
        start(&w, "rec", Services { single_recording: true, ..Services::default() }, 1000);
        for_each_worked(&w, APP, (0, 1000), 2000, |_| seen += 1);
        assert_eq!(seen, 0, "it worked from 1000");
        for_each_worked(&w, APP, (999, 1001), 2000, |_| seen += 1);
        assert_eq!(seen, 1);
    }
}
