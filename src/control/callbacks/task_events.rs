//! The tasks' callbacks, read off each task's lifecycle and what it made: recording (group 3,
//! with its files: COS uploads 303/307/304/310/305, VOD commits 311/312), relay (4, per CDN URL
//! as URLs come and go), stream ingest (7), web record (8), AI (9, with the conversation's
//! sentences, rounds and metrics), slicing (10, with its files), moderation (11) and AI
//! transcription 2.0 (14).

use std::collections::HashSet;

use crate::pure::cjson::Json;
use crate::pure::hash::{fnv1a, mix};
use crate::world::World;
use crate::world::conversation::{self, Said};
use crate::world::model::Room;
use crate::world::running::TaskView;
use crate::world::task_files::{self, Storage};
use crate::world::tasks::{End, Family, State};

use super::events::{Category, Event, key, room_id};

/// What the tasks of an app called back in a window.
#[derive(Debug, Default)]
pub struct Found {
    /// The events with times in the window.
    pub events: Vec<Event>,
    /// Each task that has ended by now, with the time of its last event (0 if it has none):
    /// once that is behind the reader, the task has nothing more to say.
    pub ended: Vec<(String, u64)>,
}

/// The task events of `app` with times in `[from_ms, to_ms]`, as of `now`, from every task but
/// those in `settled` (by TaskId).
pub fn task_events(world: &World, app: u64, from_ms: u64, to_ms: u64, now: u64, settled: &HashSet<String>) -> Found {
    let mut found = Found::default();
    for view in world.tasks_where(app, now, |t| !settled.contains(&t.id)) {
        let mut events = Events { view: &view, out: Vec::new() };
        events.lifecycle(world, now);
        if view.lifecycle.ended.is_some() {
            let last = events.out.iter().map(|e| e.time_ms).max().unwrap_or(0);
            found.ended.push((view.task.id.clone(), last));
        }
        found.events.extend(events.out.into_iter().filter(|e| (from_ms..=to_ms).contains(&e.time_ms)));
    }
    found
}

/// Milliseconds into the second for the `what`-th kind of moment of a task (0 to 8):
/// deterministic, spread between tasks, and in the order of `what` within the second.
fn offset(task_id: &str, what: u64) -> u64 {
    what * 100 + mix(fnv1a(task_id), &[0x0ff5]) % 100
}

/// `LeaveCode` of a robot task's stop (302, 902, 1002…): 0 the stop API, 1 robot removed, 2 room
/// dismissed, 99 idle beyond the limit, 100 the task's time ran out.
fn leave_code(why: End) -> i64 {
    match why {
        End::Stopped => 0,
        End::RobotRemoved => 1,
        End::RoomDismissed => 2,
        End::IdleTimeout => 99,
        End::MaxDuration => 100,
    }
}

/// The CDN URLs of a relay's parameters.
fn cdn_urls(params: &serde_json::Value) -> Vec<String> {
    params
        .get("PublishCdnParams")
        .and_then(|p| p.as_array())
        .map(|list| {
            list.iter().filter_map(|p| p.get("PublishCdnUrl").and_then(|u| u.as_str()).map(str::to_owned)).collect()
        })
        .unwrap_or_default()
}

fn status(code: i64) -> Json {
    Json::Obj(vec![("Status", code.into())])
}

/// The events of one task, as they are collected.
struct Events<'a> {
    view: &'a TaskView,
    out: Vec<Event>,
}

impl Events<'_> {
    /// `t` (seconds) as the millisecond of the `what`-th kind of moment in that second.
    fn at(&self, t: u64, what: u64) -> u64 {
        t.saturating_mul(1000).saturating_add(offset(&self.view.task.id, what))
    }

    /// Adds an event; `about` tells apart events of one type at one moment (a file, a URL).
    fn push(&mut self, category: Category, group: u64, kind: u64, time_ms: u64, about: &str, info: Json) {
        let key = key(&[fnv1a(&self.view.task.id), kind, time_ms, fnv1a(about)]);
        self.out.push(Event { category, group, kind, time_ms, key, info });
    }

    fn room(&self) -> Option<&Room> {
        self.view.room.as_deref()
    }

    fn robot(&self) -> String {
        self.view.task.robot.as_ref().map(|r| r.user_id.clone()).unwrap_or_default()
    }

    /// The `EventInfo` of recording, slicing and moderation: room, times, robot, task, payload.
    fn common(&self, t: u64, payload: Json) -> Json {
        Json::Obj(vec![
            ("RoomId", self.room().map_or(Json::Str(String::new()), room_id)),
            ("EventTs", (t / 1000).into()),
            ("EventMsTs", t.into()),
            ("UserId", self.robot().into()),
            ("TaskId", self.view.task.id.as_str().into()),
            ("Payload", payload),
        ])
    }

    /// The `EventInfo` of the AI groups (9 and 14): the room id as a string and its type.
    fn ai(&self, t: u64, robot: bool, payload: Json) -> Json {
        let room = self.room();
        let mut info = vec![
            ("EventMsTs", Json::from(t)),
            ("TaskId", self.view.task.id.as_str().into()),
            ("RoomId", room.map_or(String::new(), |r| r.room_string.clone()).into()),
            ("RoomIdType", Json::Int(i64::from(room.is_some_and(|r| !r.numeric)))),
        ];
        if robot {
            info.push(("RobotId", self.robot().into()));
        }
        info.push(("Payload", payload));
        Json::Obj(info)
    }

    fn working(&self) -> Option<u64> {
        self.view.lifecycle.changes.iter().find(|(_, s)| *s == State::Working).map(|(t, _)| *t)
    }

    fn ended(&self) -> Option<(u64, End)> {
        self.view.lifecycle.ended
    }

    fn lifecycle(&mut self, world: &World, now: u64) {
        match self.view.task.family {
            Family::CloudRecording => self.recording(world, now),
            Family::PublishCdn => self.relay(),
            Family::StreamIngest => self.ingest(),
            Family::WebRecord => self.web_record(),
            Family::AiConversation => {
                self.ai_bot(true);
                self.conversation(world.generator.seed, now);
            }
            Family::AiTranscription => self.ai_bot(false),
            Family::CloudTranscription => self.transcription(),
            Family::CloudSlice => self.slicing(now),
            Family::CloudModeration => self.moderation(),
            // No room and no robot, or no callback documented: nothing to call back about.
            Family::McuMix | Family::LiveStreamModeration | Family::AsyncTts => {}
        }
    }

    /// 301 and 302, then what the files did: in COS, 303 when the first file is cut, 307 and 304
    /// for each index file, then after the stop 310 for the mp4 files (when `OutputFormat` makes
    /// them) and 305; in VOD, 311 for each committed file and 312.
    fn recording(&mut self, world: &World, now: u64) {
        let (c, g) = (Category::Recording, 3);
        let start = self.at(self.view.task.created_at, 0);
        self.push(c, g, 301, start, "", self.common(start, status(0)));
        let ended = self.ended();
        if let Some((end, why)) = ended {
            let t = self.at(end, 2);
            let payload = Json::Obj(vec![("LeaveCode", leave_code(why).into())]);
            self.push(c, g, 302, t, "", self.common(t, payload));
        }
        let files = task_files::recording_files(self.view, now);
        match task_files::recording_storage(self.view, now) {
            Storage::Cloud => {
                if let Some(first) = files.first() {
                    let t = self.at(first.begin, 3);
                    self.push(c, g, 303, t, "", self.common(t, status(0)));
                }
                for file in &files {
                    let t = self.at(file.begin, 4);
                    let payload = Json::Obj(vec![
                        ("FileName", file.file_name.as_str().into()),
                        ("UserId", file.user_id.as_str().into()),
                        ("TrackType", file.track_type.into()),
                        ("BeginTimeStamp", file.begin.saturating_mul(1000).into()),
                    ]);
                    self.push(c, g, 307, t, &file.file_name, self.common(t, payload));
                    let t = self.at(file.begin, 5);
                    let payload = Json::Obj(vec![("FileList", file.file_name.as_str().into())]);
                    self.push(c, g, 304, t, &file.file_name, self.common(t, payload));
                }
                let Some((end, _)) = ended else { return };
                // Uploading the last slices takes the second after the stop.
                let uploaded = end.saturating_add(1);
                let params = self.view.task.params_at(now);
                let mp4 = matches!(params["RecordParams"]["OutputFormat"].as_u64(), Some(1 | 3));
                if mp4 && !files.is_empty() {
                    let max_minutes = params["RecordParams"]["MaxMediaFileDuration"].as_u64().unwrap_or(1440);
                    let mut names = Vec::new();
                    let mut messages = Vec::new();
                    for file in &files {
                        for (name, begin, end) in file.media_files(max_minutes) {
                            names.push(Json::from(name.as_str()));
                            messages.push(Json::Obj(vec![
                                ("FileName", name.as_str().into()),
                                ("UserId", file.user_id.as_str().into()),
                                ("TrackType", file.track_type.into()),
                                ("MediaId", file.media.into()),
                                ("StartTimeStamp", begin.saturating_mul(1000).into()),
                                ("EndTimeStamp", end.saturating_mul(1000).into()),
                            ]));
                        }
                    }
                    let t = self.at(uploaded, 0);
                    let payload = Json::Obj(vec![
                        ("Status", 0i64.into()),
                        ("FileList", Json::Arr(names)),
                        ("FileMessage", Json::Arr(messages)),
                    ]);
                    self.push(c, g, 310, t, "", self.common(t, payload));
                }
                let t = self.at(uploaded, 1);
                self.push(c, g, 305, t, "", self.common(t, Json::Obj(vec![("LeaveCode", 0i64.into())])));
            }
            Storage::Vod => {
                let Some((end, _)) = ended else { return };
                let committed = end.saturating_add(1);
                let vod = task_files::vod_files(self.view, now, &world.media_url_base);
                let base = self.at(committed, 0);
                for (i, file) in vod.iter().enumerate() {
                    // Each commit its own millisecond, in the order of the files.
                    let t = base.saturating_add(i as u64);
                    let payload = Json::Obj(vec![
                        ("Status", 0i64.into()),
                        ("Errmsg", "".into()),
                        (
                            "TencentVod",
                            Json::Obj(vec![
                                ("UserId", file.user_id.as_str().into()),
                                ("TrackType", file.track_type.into()),
                                ("MediaId", file.media.into()),
                                ("FileId", file.file_id.as_str().into()),
                                ("VideoUrl", file.video_url.as_str().into()),
                                ("CacheFile", file.cache_file.as_str().into()),
                                ("StartTimeStamp", file.begin.saturating_mul(1000).into()),
                                ("EndTimeStamp", file.end.saturating_mul(1000).into()),
                            ]),
                        ),
                    ]);
                    self.push(c, g, 311, t, &file.cache_file, self.common(t, payload));
                }
                let t = self.at(committed.saturating_add(1), 1);
                self.push(c, g, 312, t, "", self.common(t, status(0)));
            }
        }
    }

    /// 401 for each CDN URL: CONNECTING then RUNNING when the relay starts working or the URL
    /// is added by an update, DISCONNECTING then IDLE when the URL is removed or the relay ends.
    fn relay(&mut self) {
        let Some(working) = self.working() else { return };
        let ended = self.ended().map(|(t, _)| t);
        let task = &self.view.task;
        let mut urls = cdn_urls(&task.params_at(working));
        let mut steps: Vec<(u64, String, i64)> = Vec::new();
        for url in &urls {
            steps.push((self.at(working, 0), url.clone(), 1));
            steps.push((self.at(working, 1), url.clone(), 2));
        }
        let updates: Vec<u64> =
            task.params.iter().map(|(t, _)| *t).filter(|t| *t > working && ended.is_none_or(|e| *t < e)).collect();
        for t in updates {
            let next = cdn_urls(&task.params_at(t));
            for url in urls.iter().filter(|u| !next.contains(u)) {
                steps.push((self.at(t, 2), url.clone(), 5));
                steps.push((self.at(t, 3), url.clone(), 0));
            }
            for url in next.iter().filter(|u| !urls.contains(u)) {
                steps.push((self.at(t, 0), url.clone(), 1));
                steps.push((self.at(t, 1), url.clone(), 2));
            }
            urls = next;
        }
        if let Some(end) = ended {
            for url in &urls {
                steps.push((self.at(end, 2), url.clone(), 5));
                steps.push((self.at(end, 3), url.clone(), 0));
            }
        }
        let room = self.room();
        let room_type = Json::Int(i64::from(room.is_some_and(|r| !r.numeric)));
        let room = room.map_or(Json::Str(String::new()), room_id);
        for (t, url, code) in steps {
            let info = Json::Obj(vec![
                ("RoomId", room.clone()),
                ("RoomType", room_type.clone()),
                ("EventMsTs", t.into()),
                ("UserId", self.robot().into()),
                ("TaskId", task.id.as_str().into()),
                (
                    "Payload",
                    Json::Obj(vec![
                        ("Url", url.as_str().into()),
                        ("Status", code.into()),
                        ("ErrorCode", 0i64.into()),
                        ("ErrorMsg", "".into()),
                    ]),
                ),
            ]);
            self.push(Category::Relay, 4, 401, t, &format!("{code}{url}"), info);
        }
    }

    fn ingest(&mut self) {
        let info =
            |t: u64, id: &str| Json::Obj(vec![("EventMsTs", t.into()), ("TaskId", id.into()), ("Status", 0i64.into())]);
        let id = self.view.task.id.clone();
        let t = self.at(self.view.task.created_at, 0);
        self.push(Category::Ingest, 7, 701, t, "", info(t, &id));
        if let Some((end, _)) = self.ended() {
            let t = self.at(end, 2);
            self.push(Category::Ingest, 7, 702, t, "", info(t, &id));
        }
    }

    fn web_record(&mut self) {
        let info = |t: u64, id: &str, code: i64| {
            Json::Obj(vec![
                ("EventMsTs", t.into()),
                ("TaskId", id.into()),
                ("Payload", Json::Obj(vec![("Status", code.into()), ("EventMessage", "".into())])),
            ])
        };
        let id = self.view.task.id.clone();
        let (c, g) = (Category::WebRecord, 8);
        let t = self.at(self.view.task.created_at, 0);
        self.push(c, g, 801, t, "", info(t, &id, 1));
        if let Some((end, why)) = self.ended() {
            if why == End::MaxDuration {
                let t = self.at(end, 1);
                self.push(c, g, 804, t, "", info(t, &id, 1));
            }
            let t = self.at(end, 2);
            self.push(c, g, 802, t, "", info(t, &id, 1));
        }
    }

    /// 901, 909 (AI conversation, when the bot is ready: it shows Preparing for its first two
    /// seconds) and 902.
    fn ai_bot(&mut self, conversation: bool) {
        let (c, g) = (Category::Ai, 9);
        let t = self.at(self.view.task.created_at, 0);
        self.push(c, g, 901, t, "", self.ai(t, false, status(0)));
        let ended = self.ended();
        if conversation
            && let Some(w) = self.working()
            && ended.is_none_or(|(end, _)| end > w + conversation::PREPARING_SECS)
        {
            let t = self.at(w + conversation::PREPARING_SECS, 1);
            self.push(c, g, 909, t, "", self.ai(t, false, Json::Obj(vec![("Status", "session_ready".into())])));
        }
        if let Some((end, why)) = ended {
            let t = self.at(end, 2);
            self.push(c, g, 902, t, "", self.ai(t, false, Json::Obj(vec![("LeaveCode", leave_code(why).into())])));
        }
    }

    /// The conversation's rounds: a user's turn (`InvokeLLM`) is 904 then 903 with the user's
    /// text; the answer is 903 with the LLM's reply, 906 with its latencies, and 905 when the bot
    /// has spoken it; the welcome and `ServerPushText` are 905 when spoken. A sentence the bot
    /// had not finished when it stopped is not reported finished.
    fn conversation(&mut self, seed: u64, now: u64) {
        let (c, g) = (Category::Ai, 9);
        let task = &self.view.task;
        let params = task.params_at(task.created_at);
        let target = params["AgentConfig"]["TargetUserId"].as_str().unwrap_or_default().to_owned();
        let bot = self.robot();
        let end = self.ended().map_or(u64::MAX, |(t, _)| t);
        for m in conversation::messages(self.view, seed, now) {
            let round =
                format!("{:016x}{:016x}", mix(fnv1a(&task.id), &[m.round]), mix(seed, &[fnv1a(&task.id), m.round]));
            let spoken = m.at.saturating_add(conversation::speaking_secs(&m.content));
            let what = if m.said == Said::Welcome { "welcome" } else { "round" };
            match m.said {
                Said::Asked => {
                    let t = self.at(m.at, 0);
                    let payload =
                        Json::Obj(vec![("UserId", target.as_str().into()), ("RoundId", round.as_str().into())]);
                    self.push(c, g, 904, t, &format!("{what}{round}"), self.ai(t, false, payload));
                    let t = self.at(m.at, 3);
                    let payload = Json::Obj(vec![
                        ("UserId", target.as_str().into()),
                        ("Text", m.content.as_str().into()),
                        ("StartTimeMs", self.at(m.at, 0).into()),
                        ("EndTimeMs", t.into()),
                        ("RoundId", round.as_str().into()),
                    ]);
                    self.push(c, g, 903, t, &format!("user{round}"), self.ai(t, false, payload));
                }
                Said::Answered => {
                    let t = self.at(m.at, 0);
                    let payload = Json::Obj(vec![
                        ("UserId", bot.as_str().into()),
                        ("Text", m.content.as_str().into()),
                        ("StartTimeMs", t.saturating_sub(1000).into()),
                        ("EndTimeMs", t.into()),
                        ("RoundId", round.as_str().into()),
                    ]);
                    self.push(c, g, 903, t, &format!("bot{round}"), self.ai(t, false, payload));
                    for (i, metric) in ["llm_first_token", "tts_first_frame_latency"].into_iter().enumerate() {
                        // The LLM's first token, then the first frame it is spoken in.
                        let t = self.at(m.at, 1).saturating_add(i as u64);
                        let value = 200 + mix(seed, &[fnv1a(&task.id), m.round, i as u64]) % 600;
                        let payload = Json::Obj(vec![
                            ("Metric", metric.into()),
                            ("Value", value.into()),
                            ("Tag", Json::Obj(vec![("RoundId", round.as_str().into())])),
                        ]);
                        self.push(c, g, 906, t, &format!("{metric}{round}"), self.ai(t, false, payload));
                    }
                }
                Said::Welcome | Said::Pushed => {}
            }
            if m.role == "assistant" && spoken < end {
                let t = self.at(spoken, 2);
                let payload = Json::Obj(vec![
                    ("UserId", bot.as_str().into()),
                    ("RoundId", round.as_str().into()),
                    ("Text", m.content.as_str().into()),
                ]);
                self.push(c, g, 905, t, &format!("{what}{round}"), self.ai(t, false, payload));
            }
        }
    }

    fn transcription(&mut self) {
        let (c, g) = (Category::Transcription, 14);
        let t = self.at(self.view.task.created_at, 0);
        self.push(c, g, 1401, t, "", self.ai(t, true, status(0)));
        if let Some((end, why)) = self.ended() {
            let t = self.at(end, 2);
            let payload = Json::Obj(vec![("LeaveCode", leave_code(why).into())]);
            self.push(c, g, 1402, t, "", self.ai(t, true, payload));
        }
    }

    /// 1001 and 1002; 1003 when the first file is cut, 1004 for each file, 1005 once the last
    /// is uploaded after the stop.
    fn slicing(&mut self, now: u64) {
        let (c, g) = (Category::Slice, 10);
        let t = self.at(self.view.task.created_at, 0);
        self.push(c, g, 1001, t, "", self.common(t, status(0)));
        let files = task_files::slice_files(self.view, now);
        if let Some(first) = files.first() {
            let t = self.at(first.begin, 3);
            self.push(c, g, 1003, t, "", self.common(t, status(0)));
        }
        for file in &files {
            // An audio slice is reported when it is complete; a picture when it is taken.
            let t = self.at(file.begin, 4);
            let payload = Json::Obj(vec![
                ("Status", 0i64.into()),
                ("FileName", file.path.as_str().into()),
                ("FileType", file.kind.into()),
                ("StreamUserId", file.user_id.as_str().into()),
                ("BeginTimeStamp", file.begin.saturating_mul(1000).into()),
            ]);
            self.push(c, g, 1004, t, &file.path, self.common(t, payload));
        }
        if let Some((end, why)) = self.ended() {
            let t = self.at(end, 2);
            let payload = Json::Obj(vec![("LeaveCode", leave_code(why).into())]);
            self.push(c, g, 1002, t, "", self.common(t, payload));
            if !files.is_empty() {
                let t = self.at(end.saturating_add(1), 1);
                self.push(c, g, 1005, t, "", self.common(t, status(0)));
            }
        }
    }

    /// 1101 and 1102; 1103 when moderation begins (a stream it takes arrives), 1105 when the
    /// last submission is done after the stop.
    fn moderation(&mut self) {
        let (c, g) = (Category::Moderation, 11);
        let t = self.at(self.view.task.created_at, 0);
        self.push(c, g, 1101, t, "", self.common(t, status(0)));
        let working = self.working();
        if let Some(w) = working {
            let t = self.at(w, 1);
            self.push(c, g, 1103, t, "", self.common(t, status(0)));
        }
        if let Some((end, why)) = self.ended() {
            let t = self.at(end, 2);
            let payload = Json::Obj(vec![("LeaveCode", leave_code(why).into())]);
            self.push(c, g, 1102, t, "", self.common(t, payload));
            if working.is_some() {
                let t = self.at(end.saturating_add(1), 1);
                self.push(c, g, 1105, t, "", self.common(t, status(0)));
            }
        }
    }
}
