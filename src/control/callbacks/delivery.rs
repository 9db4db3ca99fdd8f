//! Sending callbacks the way TRTC does, on the virtual clock.
//!
//! A pump reads the events that fell due since it last looked (the whole current virtual
//! second is due), queues one delivery per event that has a URL, and sends what is due: in
//! order of event time within an app, apps side by side, never on a request's path. A
//! delivery fails on a transport error, a timeout (5 s by default) or any status but 200; the
//! first failure is retried at once, the next ones every 10 virtual seconds, until the event
//! is more than a minute old. Every attempt is journaled.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use hmac::{Hmac, KeyInit, Mac};
use http_body_util::{BodyExt, Full};
use serde::Serialize;
use sha2::Sha256;
use tokio::net::TcpStream;

use super::events::{self, Event};
use super::settings::Settings;
use super::task_events;
use crate::world::World;

/// Deliveries the journal keeps; the oldest finished ones go first.
const KEPT: usize = 10_000;
/// New deliveries one app may queue in one pump (a jump of the clock over a busy history).
const PER_PUMP: usize = 5_000;
const RETRY_EVERY_MS: u64 = 10_000;
const GIVE_UP_AFTER_MS: u64 = 60_000;
/// Bytes of a receiver's answer read (TRTC asks for answers under 2000 bytes).
const ANSWER_READ: usize = 64 * 1024;

/// `Sign` of a body: Base64(HMAC-SHA256(key, body bytes)).
pub fn sign(key: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).expect("HMAC accepts keys of any length");
    mac.update(body);
    STANDARD.encode(mac.finalize().into_bytes())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Pending,
    Delivered,
    GaveUp,
}

#[derive(Debug, Clone, Serialize)]
pub struct Attempt {
    /// Virtual time of the attempt, Unix milliseconds.
    pub at_ms: u64,
    pub latency_ms: u64,
    /// The receiver's HTTP status, if it answered.
    pub status: Option<u16>,
    pub error: Option<String>,
    pub replay: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Delivery {
    pub id: u64,
    pub sdk_app_id: u64,
    pub category: &'static str,
    pub event_group: u64,
    pub event_type: u64,
    /// When the event happened (virtual), Unix milliseconds.
    pub event_ms: u64,
    pub url: String,
    pub status: Status,
    /// Virtual time of the next attempt while pending.
    pub next_at_ms: Option<u64>,
    pub attempts: Vec<Attempt>,
    /// The exact bytes sent and their `Sign`, once first sent.
    pub body: Option<String>,
    pub sign: Option<String>,
    #[serde(skip)]
    event: Event,
    #[serde(skip)]
    timeout_ms: u64,
    #[serde(skip)]
    key: Option<String>,
}

/// Where an app's reading of the world stands.
#[derive(Debug, Default)]
struct Cursor {
    /// Events from here on are read again at each pump (those already queued are known).
    floor_ms: u64,
    /// Keys of the events queued at or after `floor_ms`, with their time.
    seen: HashMap<u64, u64>,
    /// Tasks that have ended and whose last event lies before `floor_ms`: they are not read
    /// again, so a pump's work follows the running tasks, not the history.
    settled: HashSet<String>,
    /// The virtual second and the world's revision of the last reading: the same again would
    /// find nothing new, so it is skipped (a frozen, idle world costs nothing to watch).
    read: Option<Reading>,
}

/// A reading of an app's world: the virtual second and [`World::revision`].
type Reading = (u64, (u64, usize));

#[derive(Debug, Default)]
struct Store {
    settings: HashMap<u64, Settings>,
    cursors: HashMap<u64, Cursor>,
    deliveries: VecDeque<Delivery>,
    next_id: u64,
    dropped: u64,
}

/// The callback settings of every app, and the deliveries.
pub struct Callbacks {
    startup: HashMap<u64, Settings>,
    store: Mutex<Store>,
    /// One pump at a time (the background loop and `POST /_mock/callbacks/deliver`).
    pumping: tokio::sync::Mutex<()>,
    /// Wakes the background loop (the clock moved, settings changed).
    pub wake: tokio::sync::Notify,
}

/// What a pump sends: a delivery's id and what it needs, read out of the store.
struct Outgoing {
    id: u64,
    app: u64,
    url: String,
    body: String,
    sign: Option<String>,
    timeout_ms: u64,
    first: bool,
}

impl Callbacks {
    /// The settings given at start-up (the apps file), checked.
    pub fn new(startup: &[(u64, serde_json::Value)]) -> Result<Self, String> {
        let mut settings = HashMap::new();
        for (app, value) in startup {
            let parsed = Settings::parse(value.clone()).map_err(|e| format!("callbacks of SdkAppId {app}: {e}"))?;
            settings.insert(*app, parsed);
        }
        Ok(Self {
            store: Mutex::new(Store { settings: settings.clone(), ..Store::default() }),
            startup: settings,
            pumping: tokio::sync::Mutex::new(()),
            wake: tokio::sync::Notify::new(),
        })
    }

    pub fn settings(&self, app: u64) -> Option<Settings> {
        self.store.lock().expect("callbacks lock").settings.get(&app).cloned()
    }

    /// Sets (or with `None` removes) an app's settings; events are called back from `now_ms` on.
    pub fn set(&self, app: u64, settings: Option<Settings>, now_ms: u64) {
        let mut store = self.store.lock().expect("callbacks lock");
        match settings {
            Some(s) => {
                store.settings.insert(app, s);
                // Read again: the settings say what is read (`history`).
                store
                    .cursors
                    .entry(app)
                    .or_insert_with(|| Cursor { floor_ms: now_ms / 1000 * 1000, ..Cursor::default() })
                    .read = None;
            }
            None => {
                store.settings.remove(&app);
                store.cursors.remove(&app);
            }
        }
        drop(store);
        self.wake.notify_one();
    }

    /// Back to the start-up settings, with no deliveries: of every app, or of one.
    pub fn reset(&self, app: Option<u64>) {
        let mut store = self.store.lock().expect("callbacks lock");
        match app {
            None => {
                let next_id = store.next_id;
                *store = Store { settings: self.startup.clone(), next_id, ..Store::default() };
            }
            Some(app) => {
                match self.startup.get(&app) {
                    Some(s) => store.settings.insert(app, s.clone()),
                    None => store.settings.remove(&app),
                };
                store.cursors.remove(&app);
                store.deliveries.retain(|d| d.sdk_app_id != app);
            }
        }
    }

    /// The journal, oldest first, optionally of one app.
    pub fn list(&self, app: Option<u64>) -> (Vec<Delivery>, u64) {
        let store = self.store.lock().expect("callbacks lock");
        let list = store.deliveries.iter().filter(|d| app.is_none_or(|a| d.sdk_app_id == a)).cloned().collect();
        (list, store.dropped)
    }

    /// How many deliveries the journal holds and how many attempts they made: a cheap check of
    /// whether anything changed.
    pub fn counts(&self) -> (usize, usize) {
        let store = self.store.lock().expect("callbacks lock");
        (store.deliveries.len(), store.deliveries.iter().map(|d| d.attempts.len()).sum())
    }

    pub fn get(&self, id: u64) -> Option<Delivery> {
        self.store.lock().expect("callbacks lock").deliveries.iter().find(|d| d.id == id).cloned()
    }

    /// Reads what fell due and sends what is due; returns the ids attempted.
    pub async fn pump(&self, world: &World) -> Vec<u64> {
        let _one = self.pumping.lock().await;
        let now_ms = u64::try_from(world.clock.now_ms()).unwrap_or(0);
        let now = now_ms / 1000;
        let due_ms = now * 1000 + 999;
        self.queue(world, now, due_ms);
        let mut attempted = Vec::new();
        loop {
            let batch = self.due(due_ms, now_ms);
            if batch.is_empty() {
                break;
            }
            let mut by_app: Vec<(u64, Vec<Outgoing>)> = Vec::new();
            for send in batch {
                match by_app.iter_mut().find(|(a, _)| *a == send.app) {
                    Some((_, list)) => list.push(send),
                    None => by_app.push((send.app, vec![send])),
                }
            }
            let runs = by_app.into_iter().map(|(_, sends)| async move {
                let mut done = Vec::new();
                for send in sends {
                    let started = Instant::now();
                    let outcome = post(&send, false).await;
                    done.push((send, started.elapsed(), outcome));
                }
                done
            });
            for (send, latency, outcome) in futures_util::future::join_all(runs).await.into_iter().flatten() {
                attempted.push(send.id);
                self.record(send.id, send.first, now_ms, latency, outcome, false);
            }
        }
        attempted
    }

    /// Sends a delivery's body again now, as it was first sent; the attempt is journaled.
    pub async fn replay(&self, id: u64, world: &World) -> Option<Delivery> {
        let now_ms = u64::try_from(world.clock.now_ms()).unwrap_or(0);
        let send = {
            let mut store = self.store.lock().expect("callbacks lock");
            let d = store.deliveries.iter_mut().find(|d| d.id == id)?;
            let (body, sign) = prepared(d, now_ms);
            Outgoing { id, app: d.sdk_app_id, url: d.url.clone(), body, sign, timeout_ms: d.timeout_ms, first: false }
        };
        let started = Instant::now();
        let outcome = post(&send, true).await;
        self.record(id, false, now_ms, started.elapsed(), outcome, true);
        self.get(id)
    }

    /// Queues a delivery for every event of every configured app that fell due and is new.
    fn queue(&self, world: &World, now: u64, due_ms: u64) {
        let apps: Vec<(u64, Settings, Cursor)> = {
            let mut store = self.store.lock().expect("callbacks lock");
            let mut apps: Vec<u64> = store.settings.keys().copied().collect();
            apps.sort_unstable();
            apps.into_iter()
                .map(|app| {
                    let settings = store.settings[&app].clone();
                    let cursor = store
                        .cursors
                        .entry(app)
                        .or_insert_with(|| Cursor { floor_ms: now * 1000, ..Cursor::default() });
                    // What the reading needs, taken out while the world is read and put back
                    // after (dropped if a reset removed the cursor meanwhile).
                    let taken = Cursor {
                        floor_ms: cursor.floor_ms,
                        seen: HashMap::new(),
                        settled: std::mem::take(&mut cursor.settled),
                        read: cursor.read,
                    };
                    (app, settings, taken)
                })
                .collect()
        };
        for (app, settings, Cursor { floor_ms: floor, read, mut settled, .. }) in apps {
            let reading = (now, world.revision(app));
            // The clock went back (what lies before the floor was read already), or nothing
            // changed since the last reading.
            if due_ms < floor || read == Some(reading) {
                if let Some(cursor) = self.store.lock().expect("callbacks lock").cursors.get_mut(&app) {
                    cursor.settled = settled;
                }
                continue;
            }
            let mut found = events::room_events(world, app, floor, due_ms, now, settings.history);
            let tasks = task_events::task_events(world, app, floor, due_ms, now, &settled);
            found.extend(tasks.events);
            found.sort_by_key(|e| (e.time_ms, e.group, e.kind, e.key));
            let mut store = self.store.lock().expect("callbacks lock");
            let Some(cursor) = store.cursors.get_mut(&app) else { continue };
            let fresh: Vec<Event> =
                found.into_iter().filter(|e| cursor.seen.insert(e.key, e.time_ms).is_none()).collect();
            // Events are made at whole virtual seconds: from the second before now on, a
            // change can still add one; earlier ones are settled.
            cursor.floor_ms = cursor.floor_ms.max(now.saturating_sub(1) * 1000);
            let floor = cursor.floor_ms;
            cursor.seen.retain(|_, t| *t >= floor);
            settled.extend(tasks.ended.into_iter().filter(|(_, last)| *last < floor).map(|(id, _)| id));
            cursor.settled = settled;
            cursor.read = Some(reading);
            for event in fresh.into_iter().take(PER_PUMP) {
                let Some(url) = settings.url(event.category) else { continue };
                let id = store.next_id + 1;
                store.next_id = id;
                store.deliveries.push_back(Delivery {
                    id,
                    sdk_app_id: app,
                    category: event.category.name(),
                    event_group: event.group,
                    event_type: event.kind,
                    event_ms: event.time_ms,
                    url: url.to_owned(),
                    status: Status::Pending,
                    next_at_ms: Some(event.time_ms),
                    attempts: Vec::new(),
                    body: None,
                    sign: None,
                    event,
                    timeout_ms: settings.timeout_ms,
                    key: settings.key.clone(),
                });
            }
            trim(&mut store);
        }
    }

    /// The pending deliveries due by `due_ms`, in order, their bodies made at their first send.
    fn due(&self, due_ms: u64, now_ms: u64) -> Vec<Outgoing> {
        let mut store = self.store.lock().expect("callbacks lock");
        store
            .deliveries
            .iter_mut()
            .filter(|d| d.status == Status::Pending && d.next_at_ms.is_some_and(|t| t <= due_ms))
            .map(|d| {
                let first = d.attempts.is_empty();
                let (body, sign) = prepared(d, now_ms);
                // Taken out of the queue while in flight.
                d.next_at_ms = None;
                Outgoing {
                    id: d.id,
                    app: d.sdk_app_id,
                    url: d.url.clone(),
                    body,
                    sign,
                    timeout_ms: d.timeout_ms,
                    first,
                }
            })
            .collect()
    }

    fn record(&self, id: u64, first: bool, now_ms: u64, latency: Duration, outcome: Result<u16, String>, replay: bool) {
        let mut store = self.store.lock().expect("callbacks lock");
        let Some(d) = store.deliveries.iter_mut().find(|d| d.id == id) else { return };
        let (status, error) = match outcome {
            Ok(code) => (Some(code), None),
            Err(e) => (None, Some(e)),
        };
        let ok = status == Some(200);
        d.attempts.push(Attempt {
            at_ms: now_ms,
            latency_ms: u64::try_from(latency.as_millis()).unwrap_or(u64::MAX),
            status,
            error,
            replay,
        });
        if replay {
            return;
        }
        if ok {
            d.status = Status::Delivered;
            d.next_at_ms = None;
            return;
        }
        // The first failure is retried at once, later ones every 10 s while the event is
        // under a minute old.
        let next = if first { now_ms } else { now_ms.saturating_add(RETRY_EVERY_MS) };
        if !first && next.saturating_sub(d.event_ms) > GIVE_UP_AFTER_MS {
            d.status = Status::GaveUp;
            d.next_at_ms = None;
        } else {
            d.next_at_ms = Some(next);
        }
    }
}

/// The body and `Sign` of a delivery, made at its first send (`CallbackTs` is the send time).
fn prepared(d: &mut Delivery, now_ms: u64) -> (String, Option<String>) {
    if d.body.is_none() {
        let body = d.event.body(now_ms.max(d.event_ms));
        d.sign = d.key.as_deref().map(|k| sign(k, body.as_bytes()));
        d.body = Some(body);
    }
    (d.body.clone().unwrap_or_default(), d.sign.clone())
}

fn trim(store: &mut Store) {
    while store.deliveries.len() > KEPT {
        let at = store.deliveries.iter().position(|d| d.status != Status::Pending).unwrap_or(0);
        store.deliveries.remove(at);
        store.dropped += 1;
    }
}

/// `http://host[:port][/path]` split into what a request needs.
fn target(url: &str) -> Result<(String, u16, String), String> {
    let rest = url.strip_prefix("http://").ok_or("not an http:// URL")?;
    let (authority, path) = match rest.find(['/', '?', '#']) {
        Some(i) if rest.as_bytes()[i] == b'/' => (&rest[..i], rest[i..].to_owned()),
        Some(i) => (&rest[..i], format!("/{}", &rest[i..])),
        None => (rest, "/".to_owned()),
    };
    let path = path.split('#').next().unwrap_or("/").to_owned();
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) => (h, p.parse::<u16>().map_err(|_| format!("bad port {p:?}"))?),
        None => (authority, 80),
    };
    Ok((host.to_owned(), port, path))
}

/// One POST of a delivery: the receiver's status, or why there is none.
async fn post(send: &Outgoing, replay: bool) -> Result<u16, String> {
    let timeout = Duration::from_millis(send.timeout_ms);
    let attempt = async {
        let (host, port, path) = target(&send.url)?;
        let stream = TcpStream::connect((host.as_str(), port)).await.map_err(|e| format!("connect: {e}"))?;
        let (mut sender, connection) = hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .map_err(|e| format!("handshake: {e}"))?;
        let connection = tokio::spawn(connection);
        let mut request = hyper::Request::post(path)
            .header(hyper::header::HOST, format!("{host}:{port}"))
            .header(hyper::header::CONTENT_TYPE, "application/json")
            .header("SdkAppId", send.app.to_string());
        if let Some(sign) = &send.sign {
            request = request.header("Sign", sign.as_str());
        }
        if replay {
            request = request.header("X-Trtc-Mock-Replay", "1");
        }
        let request = request.body(Full::new(Bytes::from(send.body.clone()))).map_err(|e| format!("request: {e}"))?;
        let response = sender.send_request(request).await.map_err(|e| format!("send: {e}"))?;
        let status = response.status().as_u16();
        // Read (a bounded part of) the answer so that the receiver is not cut off mid-write.
        let mut body = response.into_body();
        let mut read = 0usize;
        while read < ANSWER_READ {
            match body.frame().await {
                Some(Ok(frame)) => read += frame.data_ref().map_or(0, Bytes::len),
                _ => break,
            }
        }
        connection.abort();
        Ok(status)
    };
    match tokio::time::timeout(timeout, attempt).await {
        Ok(outcome) => outcome,
        Err(_) => Err(format!("no answer within {} ms", send.timeout_ms)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_the_documented_sample() {
        let body = "{\n\t\"EventGroupId\":\t2,\n\t\"EventType\":\t204,\n\t\"CallbackTs\":\t1664209748188,\n\t\"EventInfo\":\t{\n\t\t\"RoomId\":\t8489,\n\t\t\"EventTs\":\t1664209748,\n\t\t\"EventMsTs\":\t1664209748180,\n\t\t\"UserId\":\t\"user_85034614\",\n\t\t\"Reason\":\t0\n\t}\n}";
        assert_eq!(sign("123654", body.as_bytes()), "kkoFeO3Oh2ZHnjtg8tEAQhtXK16/KI05W3BQff8IvGA=");
    }

    #[test]
    fn splits_urls() {
        assert_eq!(target("http://127.0.0.1:9000/cb?x=1").unwrap(), ("127.0.0.1".into(), 9000, "/cb?x=1".into()));
        assert_eq!(target("http://example.test").unwrap(), ("example.test".into(), 80, "/".into()));
        assert_eq!(target("http://h?a=b").unwrap(), ("h".into(), 80, "/?a=b".into()));
        assert!(target("http://h:x/").is_err());
    }
}
