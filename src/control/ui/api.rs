//! What the inspector reads that the control plane does not already serve, under
//! `/_mock/ui/api/`:
//!
//! | endpoint | answers |
//! |---|---|
//! | `GET pulse` | what changed since the page last looked: clock, journal, deliveries, faults |
//! | `GET overview` | version, seed, clock, accounts (SecretIds only), apps, fixtures, counts, latest requests |
//! | `GET rooms?sdk_app_id=N` | the rooms in use now and the latest rooms of the last 24 hours |
//! | `GET timeline.svg?sdk_app_id=N&comm_id=C` | a call's timeline: stays, publishing, robots, tasks, events |
//! | `GET call?sdk_app_id=N&comm_id=C[&start=S&end=E]` | a call's users, abnormal events and chart window |
//! | `GET chart.svg?sdk_app_id=N&comm_id=C&user_id=U&metric=M&start=S&end=E` | one metric of one user, as DescribeCallDetailInfo gives it |
//! | `GET dashboard.svg?sdk_app_id=N&chart=scale\|quality\|usage[&days=D]` | daily figures of the dashboard and usage actions |
//! | `GET tasks?sdk_app_id=N` | every task as `/_mock/tasks` shows it, with the status its Describe action answers |
//!
//! Every list is bounded: a page stays small whatever the world holds.

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::svg::{self, Bars, Line, Mark, Row, Span};
use crate::app::App;
use crate::control::journal;
use crate::control::rooms::room_view;
use crate::control::tasks::task_view;
use crate::control::{fixtures_view, ok, reply};
use crate::pure::civil::local_date;
use crate::world::model::{ExitReason, Role, Room};
use crate::world::quality::{self, Direction, Metric};
use crate::world::running::TaskView;
use crate::world::scale::{self, Grid};
use crate::world::tasks::idle_in_progress_exited;
use crate::world::tasks::{Family, State as TaskState};
use crate::world::timeline::{self, Kind};
use crate::world::{Generator, usage};

/// Rooms in use (and tasks) listed; the totals are given beside them.
const MAX_LISTED: usize = 200;
/// Recent rooms listed.
const RECENT_ROOMS: u64 = 50;
/// Users (and tasks) drawn on one timeline; the rest are counted.
const MAX_ROWS: usize = 150;
/// Requests shown as the overview's activity.
const ACTIVITY: usize = 15;
/// Longest window of a metric chart, as DescribeCallDetailInfo gives metrics.
const MAX_CHART_SECS: u64 = 3600;
const DAY: u64 = 86_400;

fn now(app: &App) -> u64 {
    u64::try_from(app.world.clock.now()).unwrap_or_default()
}

fn bad(message: impl Into<String>) -> Response {
    reply(StatusCode::BAD_REQUEST, json!({"error": message.into()}))
}

fn svg_response(body: String) -> Response {
    let mut response = body.into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("image/svg+xml"));
    response
}

type Q<T> = Result<Query<T>, axum::extract::rejection::QueryRejection>;

/// The counters the page polls to know whether its view is stale.
pub async fn pulse(State(app): State<Arc<App>>) -> Response {
    let page = app.journal.query(&journal::Query { limit: Some(0), ..Default::default() });
    let (deliveries, attempts) = app.callbacks.counts();
    ok(json!({
        "clock": app.world.clock.reading(),
        "next_seq": page.next_seq,
        "journal": page.held,
        "deliveries": deliveries,
        "attempts": attempts,
        "faults": app.faults.len(),
    }))
}

pub async fn overview(State(app): State<Arc<App>>) -> Response {
    let page = app.journal.query(&journal::Query { limit: Some(ACTIVITY), ..Default::default() });
    let accounts: Vec<Value> = app
        .config
        .accounts
        .iter()
        .map(|a| json!({"secret_id": a.secret_id, "sdk_app_ids": a.sdk_app_ids, "temporary": a.token.is_some()}))
        .collect();
    // The apps worth offering: changed at run time, in the fixtures, named by an account, or
    // seen in the latest requests.
    let mut apps: BTreeSet<u64> = app.world.apps().into_iter().collect();
    apps.extend(app.world.fixtures().apps().map(|(id, _)| id));
    apps.extend(app.config.accounts.iter().flat_map(|a| a.sdk_app_ids.iter().flatten().copied()));
    let recent = app.journal.query(&journal::Query { limit: Some(1000), ..Default::default() });
    apps.extend(recent.entries.iter().filter_map(|e| e.sdk_app_id));
    let (deliveries, _) = app.callbacks.counts();
    let now = now(&app);
    let tasks: usize = apps.iter().map(|id| app.world.tasks(*id, None, now).len()).sum();
    let mut activity = page.entries;
    activity.reverse();
    ok(json!({
        "version": env!("CARGO_PKG_VERSION"),
        "seed": app.config.seed,
        "clock": app.world.clock.reading(),
        "accounts": accounts,
        "apps": apps,
        "fixtures": fixtures_view(&app),
        "counts": {
            "journal": page.held, "journal_capacity": page.capacity, "dropped": page.dropped,
            "faults": app.faults.len(), "deliveries": deliveries, "tasks": tasks,
        },
        "activity": activity,
    }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppQuery {
    sdk_app_id: u64,
}

/// A room of the recent list: its identity, lifetime and head count.
fn room_summary(room: &Room, now: u64) -> Value {
    let mut users: Vec<&str> = room.sessions_at(now).map(|s| s.user_id.as_str()).collect();
    users.sort_unstable();
    users.dedup();
    json!({
        "comm_id": room.comm_id,
        "room_id": room.room_string,
        "create_time": room.create_time,
        "destroy_time": room.end_or(now),
        "finished": room.is_finished(now),
        "users": users.len(),
    })
}

pub async fn rooms(State(app): State<Arc<App>>, query: Q<AppQuery>) -> Response {
    let Ok(Query(query)) = query else { return bad("GET /_mock/ui/api/rooms?sdk_app_id=N") };
    let now = now(&app);
    let tasks = app.world.tasks(query.sdk_app_id, None, now);
    let mut live = Vec::new();
    let mut live_total = 0usize;
    app.world.for_each_room(query.sdk_app_id, (now, now), now, |room| {
        if room.destroy_at(now).is_none() {
            live_total += 1;
            if live.len() < MAX_LISTED {
                live.push(room_view(room, &tasks, now));
            }
        }
    });
    let window = (now.saturating_sub(DAY), now);
    let total = app.world.rooms(query.sdk_app_id, window, now, None, 0, 0).total;
    let page = app.world.rooms(query.sdk_app_id, window, now, None, total.saturating_sub(RECENT_ROOMS), RECENT_ROOMS);
    let recent: Vec<Value> = page.rooms.iter().rev().map(|r| room_summary(r, now)).collect();
    ok(json!({
        "sdk_app_id": query.sdk_app_id, "now": now,
        "live": live, "live_total": live_total,
        "recent": recent, "recent_total": total,
    }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallQuery {
    sdk_app_id: u64,
    comm_id: String,
    #[serde(default)]
    start: Option<u64>,
    #[serde(default)]
    end: Option<u64>,
}

fn no_call(comm_id: &str) -> Response {
    reply(StatusCode::NOT_FOUND, json!({"error": format!("no call {comm_id} in this app")}))
}

/// The tasks of an app that worked on a call.
fn tasks_of(app: &App, sdk_app_id: u64, comm_id: &str, now: u64) -> Vec<TaskView> {
    app.world
        .tasks(sdk_app_id, None, now)
        .into_iter()
        .filter(|t| t.task.room.as_ref().is_some_and(|(_, c)| c == comm_id))
        .collect()
}

pub async fn timeline(State(app): State<Arc<App>>, query: Q<CallQuery>) -> Response {
    let Ok(Query(query)) = query else { return bad("GET /_mock/ui/api/timeline.svg?sdk_app_id=N&comm_id=C") };
    let now = now(&app);
    let Some(room) = app.world.call(query.sdk_app_id, &query.comm_id, now) else { return no_call(&query.comm_id) };
    let tasks = tasks_of(&app, query.sdk_app_id, &query.comm_id, now);
    let from = room.create_time;
    let mut to = room.end_or(now);
    for t in &tasks {
        to = to.max(t.lifecycle.ended.map_or(now, |(at, _)| at));
    }
    let to = to.max(from + 60);
    let (rows, hidden) = timeline_rows(&room, &tasks, now);
    let title = format!("room {} · {}", room.room_string, room.comm_id);
    svg_response(svg::timeline(&title, from, to, now, &rows, hidden))
}

/// One row per user (all their stays), in order of first arrival, then one per task.
fn timeline_rows(room: &Room, tasks: &[TaskView], now: u64) -> (Vec<Row>, usize) {
    let mut rows: Vec<Row> = Vec::new();
    let mut hidden = 0usize;
    for session in room.sessions_at(now) {
        let index = match rows.iter().position(|r| r.id == session.user_id) {
            Some(i) => i,
            None if rows.len() >= MAX_ROWS => {
                hidden += 1;
                continue;
            }
            None => {
                let label = match session.task {
                    Some(_) => format!("{} (robot)", session.user_id),
                    None => session.user_id.clone(),
                };
                rows.push(Row {
                    kind: "user",
                    id: session.user_id.clone(),
                    label,
                    spans: Vec::new(),
                    lanes: Vec::new(),
                    marks: Vec::new(),
                });
                rows.len() - 1
            }
        };
        let row = &mut rows[index];
        let (join, leave) = (session.join_ts, room.leave_or(session, now));
        let class = match (session.task.is_some(), session.role) {
            (true, _) => "robot",
            (false, Role::Anchor) => "anchor",
            (false, Role::Audience) => "audience",
        };
        let tip = format!(
            "{} · {} · {}–{}{}",
            session.user_id,
            std::iter::once(session.role)
                .chain(session.switches.iter().map(|(_, r)| *r))
                .map(|r| r.name())
                .collect::<Vec<_>>()
                .join(" → "),
            svg::clock_time(join),
            svg::clock_time(leave),
            session.task.as_ref().map(|t| format!(" · task {t}")).unwrap_or_default()
        );
        row.spans.push(Span { from: join, to: leave, class, tip });
        for (stream, start, end) in room.publishing_at(session, now) {
            let tip = format!("{} {}–{}", stream.name(), svg::clock_time(start), svg::clock_time(end));
            row.lanes.push(Span { from: start, to: end, class: stream.name(), tip });
        }
    }
    // The room's events as marks: incidents, role switches and the exits that were not the
    // user's choice.
    for event in timeline::events(room, room.create_time * 1000, u64::MAX / 2, now) {
        let (class, what) = match &event.kind {
            Kind::IncidentStarted(kind) => ("incident", format!("{kind:?}")),
            Kind::Exited { reason: ExitReason::Kicked } => ("kicked", "removed from the room".to_owned()),
            Kind::Exited { reason: ExitReason::Timeout } => ("timeout", "connection timed out".to_owned()),
            Kind::RoleChanged { role } => ("role", format!("switched to {}", role.name())),
            _ => continue,
        };
        if let Some(row) = rows.iter_mut().find(|r| r.id == event.user_id) {
            let at = event.time_ms / 1000;
            row.marks.push(Mark { at, class, tip: format!("{} {} at {}", event.user_id, what, svg::clock_time(at)) });
        }
    }
    for view in tasks.iter().take(MAX_ROWS) {
        let changes = &view.lifecycle.changes;
        let end = view.lifecycle.ended.map_or(now, |(at, _)| at);
        let mut spans = Vec::new();
        for (i, (at, state)) in changes.iter().enumerate() {
            let until = changes.get(i + 1).map_or(end.max(*at), |(next, _)| *next);
            let class = match state {
                TaskState::Idle => "idle",
                TaskState::Working => "working",
                TaskState::Exiting => "exiting",
                TaskState::Gone => continue,
            };
            spans.push(Span { from: *at, to: until, class, tip: format!("{} {}", view.task.id, state.name()) });
        }
        let marks = view
            .lifecycle
            .ended
            .map(|(at, reason)| Mark { at, class: "ended", tip: format!("ended: {}", reason.name()) })
            .into_iter()
            .collect();
        rows.push(Row {
            kind: "task",
            id: view.task.id.clone(),
            label: format!("⚙ {}", view.task.family.name()),
            spans,
            lanes: Vec::new(),
            marks,
        });
    }
    (rows, hidden + tasks.len().saturating_sub(MAX_ROWS))
}

/// The chart window of a call: `[start, end]` as asked, else the last hour of the call.
fn window(room: &Room, start: Option<u64>, end: Option<u64>, now: u64) -> Result<(u64, u64), String> {
    // A room made this very second still has a window to show: its first second.
    let end = end.unwrap_or_else(|| room.end_or(now).max(room.create_time + 1));
    let start = start.unwrap_or_else(|| room.create_time.max(end.saturating_sub(MAX_CHART_SECS)));
    if start >= end {
        return Err(format!("start {start} must be before end {end}"));
    }
    if end - start > MAX_CHART_SECS {
        return Err("a chart covers at most one hour, as DescribeCallDetailInfo gives metrics".to_owned());
    }
    Ok((start, end))
}

pub async fn call(State(app): State<Arc<App>>, query: Q<CallQuery>) -> Response {
    let Ok(Query(query)) = query else { return bad("GET /_mock/ui/api/call?sdk_app_id=N&comm_id=C[&start=S&end=E]") };
    let now = now(&app);
    let Some(room) = app.world.call(query.sdk_app_id, &query.comm_id, now) else { return no_call(&query.comm_id) };
    let (start, end) = match window(&room, query.start, query.end, now) {
        Ok(w) => w,
        Err(e) => return bad(e),
    };
    // The users of the window in order of arrival, each with their stays (as DescribeUserInfo).
    let mut users: Vec<(String, Vec<Value>)> = Vec::new();
    for s in room.sessions_at(now).filter(|s| room.session_overlaps(s, start, end, now)) {
        let stay = json!({
            "join_ts": s.join_ts, "leave_ts": room.leave_or(s, now), "role": s.role.name(),
            "device_type": s.device_type, "sdk_version": s.sdk_version, "client_ip": s.client_ip,
            "finished": room.session_finished(s, now), "task_id": s.task,
        });
        match users.iter_mut().find(|(u, _)| *u == s.user_id) {
            Some((_, stays)) => stays.push(stay),
            None => users.push((s.user_id.clone(), vec![stay])),
        }
    }
    let users: Vec<Value> = users.into_iter().map(|(u, stays)| json!({"user_id": u, "stays": stays})).collect();
    let abnormal: Vec<Value> = timeline::abnormal(&room, start, end, now)
        .into_iter()
        .map(|a| {
            let causes: Vec<Value> =
                a.causes.iter().map(|(id, peer)| json!({"abnormal_event_id": id, "peer_id": peer})).collect();
            json!({"user_id": a.user_id, "time": a.time, "experience_id": a.experience_id, "causes": causes})
        })
        .collect();
    let metrics: Vec<Value> = Metric::ALL
        .iter()
        .map(|m| {
            let direction = match m.direction() {
                Direction::Up => "up",
                Direction::Down => "down",
                Direction::Both => "both",
            };
            json!({"name": m.name(), "direction": direction})
        })
        .collect();
    ok(json!({
        "sdk_app_id": query.sdk_app_id, "comm_id": room.comm_id, "room_id": room.room_string,
        "create_time": room.create_time, "destroy_time": room.end_or(now), "finished": room.is_finished(now),
        "start": start, "end": end, "now": now,
        "users": users, "abnormal": abnormal, "metrics": metrics,
    }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChartQuery {
    sdk_app_id: u64,
    comm_id: String,
    user_id: String,
    metric: String,
    #[serde(default)]
    start: Option<u64>,
    #[serde(default)]
    end: Option<u64>,
}

/// One metric of one user over the window: the same series DescribeCallDetailInfo answers for
/// the same call, user and window (upstream, then from each peer).
pub async fn chart(State(app): State<Arc<App>>, query: Q<ChartQuery>) -> Response {
    let Ok(Query(query)) = query else {
        return bad("GET /_mock/ui/api/chart.svg?sdk_app_id=N&comm_id=C&user_id=U&metric=M[&start=S&end=E]");
    };
    let Some(metric) = Metric::parse(&query.metric) else {
        return bad(format!("{:?} is not a metric of DescribeCallDetailInfo", query.metric));
    };
    let now = now(&app);
    let Some(room) = app.world.call(query.sdk_app_id, &query.comm_id, now) else { return no_call(&query.comm_id) };
    let (start, end) = match window(&room, query.start, query.end, now) {
        Ok(w) => w,
        Err(e) => return bad(e),
    };
    let series = quality::series(&room, &query.user_id, &[metric], (start, end), now);
    let lines: Vec<Line<'_>> = series
        .iter()
        .map(|s| Line {
            label: match &s.peer {
                None => "↑ upstream".to_owned(),
                Some(peer) => format!("↓ from {peer}"),
            },
            peer: s.peer.as_deref().unwrap_or_default(),
            points: &s.points,
        })
        .collect();
    let title = format!("{} · {}", metric.name(), query.user_id);
    svg_response(svg::line_chart(&title, metric.name(), &query.user_id, start, end, &lines))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DashboardQuery {
    sdk_app_id: u64,
    chart: String,
    #[serde(default)]
    days: Option<u64>,
}

/// The last `days` UTC+8 days, as the dashboards cut them: daily scale up to yesterday (as
/// DescribeScaleInfo), and up to today daily quality (as DescribeTRTCMarketQualityData) or daily audio and
/// video minutes by tier (as DescribeTrtcUsage).
pub async fn dashboard(State(app): State<Arc<App>>, query: Q<DashboardQuery>) -> Response {
    let Ok(Query(query)) = query else {
        return bad("GET /_mock/ui/api/dashboard.svg?sdk_app_id=N&chart=scale|quality|usage[&days=1..31]");
    };
    let days = query.days.unwrap_or(14);
    if !(1..=31).contains(&days) {
        return bad("days: 1 to 31");
    }
    let now = now(&app);
    // DescribeScaleInfo lists the days before today; the other figures count today so far.
    let last = if query.chart == "scale" { Generator::day_of(now).saturating_sub(DAY) } else { Generator::day_of(now) };
    let first = last.saturating_sub((days - 1) * DAY);
    let periods: Vec<u64> = (0..days).map(|i| first + i * DAY).collect();
    let labels: Vec<String> =
        periods.iter().map(|t| local_date(i64::try_from(*t).unwrap_or_default())[5..].to_owned()).collect();
    let count = usize::try_from(days).unwrap_or_default();
    let app_id = query.sdk_app_id;
    let (title, series) = match query.chart.as_str() {
        "scale" => {
            let rows = scale::over_periods(&app.world, app_id, Grid::new(first, DAY, count), now);
            let column = |f: fn(&scale::Scale) -> u64| rows.iter().map(|r| f(r) as f64).collect::<Vec<_>>();
            (
                "Daily scale (DescribeScaleInfo)",
                vec![
                    Bars { name: "UserNumber", values: column(|r| r.users) },
                    Bars { name: "UserCount", values: column(|r| r.entries) },
                    Bars { name: "RoomNumbers", values: column(|r| r.rooms) },
                ],
            )
        }
        "quality" => {
            let rows = scale::quality(&app.world, app_id, None, Grid::new(first, DAY, count), now);
            let column =
                |f: fn(&scale::Quality) -> scale::Ratio| rows.iter().map(|r| f(r).percent_2dp()).collect::<Vec<_>>();
            (
                "Daily quality, % (DescribeTRTCMarketQualityData)",
                vec![
                    Bars { name: "video freeze", values: column(|r| r.video) },
                    Bars { name: "audio freeze", values: column(|r| r.audio) },
                    Bars { name: "network delay", values: column(|r| r.delay) },
                    Bars { name: "joined in 5 s", values: column(|r| r.joined_in_5s) },
                ],
            )
        }
        "usage" => {
            let grid = usage::Grid::new(first, first + days * DAY, usage::Step::Day);
            let rows = usage::audio_video(&usage::Query { world: &app.world, apps: &[app_id], grid, now });
            const TIERS: [&str; 6] = ["Audio", "SD", "HD", "FullHD", "2K", "4K"];
            let series = TIERS
                .iter()
                .enumerate()
                .map(|(i, name)| Bars { name, values: rows.iter().map(|r| usage::minutes(r[i])).collect() })
                .collect();
            ("Daily audio and video minutes (DescribeTrtcUsage)", series)
        }
        other => return bad(format!("chart {other:?} is not scale, quality or usage")),
    };
    svg_response(svg::bar_chart(title, &query.chart, &labels, &periods, &series))
}

/// Every task of an app as `/_mock/tasks` shows it, newest first, with the `Status` its
/// Describe action answers where the family answers Idle / InProgress / Exited.
pub async fn tasks(State(app): State<Arc<App>>, query: Q<AppQuery>) -> Response {
    let Ok(Query(query)) = query else { return bad("GET /_mock/ui/api/tasks?sdk_app_id=N") };
    let now = now(&app);
    let mut views = app.world.tasks(query.sdk_app_id, None, now);
    views.sort_by(|a, b| b.task.created_at.cmp(&a.task.created_at).then_with(|| b.task.id.cmp(&a.task.id)));
    let tasks: Vec<Value> = views
        .iter()
        .take(MAX_LISTED)
        .map(|view| {
            let mut shown = task_view(view, &app.config.media_url_base, now);
            let status = match view.task.family {
                Family::CloudRecording
                | Family::CloudTranscription
                | Family::CloudModeration
                | Family::LiveStreamModeration
                | Family::CloudSlice => Some(idle_in_progress_exited(view.state(now))),
                _ => None,
            };
            shown["api_status"] = json!(status);
            shown
        })
        .collect();
    ok(json!({"sdk_app_id": query.sdk_app_id, "now": now, "total": views.len(), "tasks": tasks}))
}
