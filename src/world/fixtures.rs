//! Fixtures: rooms and users written out explicitly, for the SdkAppIds a test wants to control.
//!
//! A fixture document replaces the generated history of each SdkAppId it names, and is served
//! as written. The format (documented in `fixtures/README.md`) uses the API's own field names:
//!
//! ```json
//! {"Apps": [{"SdkAppId": 1400188366, "Rooms": [{"RoomId": 218695, "CreateTime": 1590065777,
//!   "DestroyTime": 1590067693, "Users": [{"UserId": "user1_54816741", "JoinTs": 1590065777,
//!   "LeaveTs": 1590067658, "SdkVersion": "4.3.14", "ClientIp": "10.4.1.13"}]}]}]}
//! ```
//!
//! Beyond rooms and users, a document may write out what the users did (role, publishing,
//! resolutions, quality incidents) and what the monitoring actions report (quality samples,
//! user events, abnormal experiences). Whatever it leaves out is derived by the rules of the
//! generated history, from the room and user it belongs to.
//!
//! Loading is all or nothing: a document with any error is refused whole, with its name and
//! the place and nature of the error.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;

use super::details;
use super::live::RoomKey;
use super::model::{
    AiConversation, Codec, EventMessage, Incident, IncidentKind, Origin, Publish, Resolution, Role, Room, Segmenting,
    Services, Session, Stream, Transcription, Written, WrittenAbnormal, WrittenEvents, WrittenSeries, parse_comm_id,
};
use super::quality::Metric;
use crate::pure::hash::{fnv1a, mix};

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
struct Document {
    #[serde(default)]
    #[allow(dead_code)] // free text for the fixture's author
    description: Option<String>,
    apps: Vec<AppDoc>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
struct AppDoc {
    sdk_app_id: u64,
    #[serde(default)]
    rooms: Vec<RoomDoc>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RoomIdDoc {
    Number(u64),
    Text(String),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
struct RoomDoc {
    room_id: RoomIdDoc,
    #[serde(default)]
    comm_id: Option<String>,
    create_time: u64,
    #[serde(default)]
    destroy_time: Option<u64>,
    #[serde(default)]
    is_finished: Option<bool>,
    #[serde(default)]
    user_id: Option<String>,
    #[serde(default)]
    users: Vec<UserDoc>,
    #[serde(default)]
    services: Option<ServicesDoc>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
struct ServicesDoc {
    #[serde(default)]
    single_recording: bool,
    #[serde(default)]
    mixed_recording: Option<ResolutionDoc>,
    #[serde(default)]
    mixing: Option<MixingDoc>,
    #[serde(default)]
    relay_kbps: Option<u32>,
    #[serde(default)]
    ai_conversation: Option<AiConversationDoc>,
    #[serde(default)]
    transcription: Option<TranscriptionDoc>,
    #[serde(default)]
    moderation: Option<SegmentingDoc>,
    #[serde(default)]
    slicing: Option<SegmentingDoc>,
    #[serde(default)]
    dedicated_acceleration: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
struct AiConversationDoc {
    #[serde(default)]
    tts: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
struct TranscriptionDoc {
    #[serde(default)]
    translation: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
struct SegmentingDoc {
    #[serde(default)]
    audio: bool,
    #[serde(default)]
    picture_interval: Option<u32>,
}

#[derive(Deserialize, Clone, Copy)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
struct ResolutionDoc {
    width: u32,
    height: u32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
struct MixingDoc {
    width: u32,
    height: u32,
    #[serde(default)]
    codec: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
struct PublishDoc {
    stream: String,
    start: u64,
    #[serde(default)]
    end: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
struct IncidentDoc {
    kind: String,
    start: u64,
    end: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
struct QualityDoc {
    data_type: String,
    #[serde(default)]
    peer_id: String,
    /// `[[unix seconds, value], …]`
    samples: Vec<(u64, f64)>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
struct EventListDoc {
    peer_id: String,
    content: Vec<EventDoc>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
struct EventDoc {
    #[serde(default)]
    r#type: u64,
    time: u64,
    event_id: u64,
    #[serde(default = "unused")]
    param_one: i64,
    #[serde(default = "unused")]
    param_two: i64,
}

fn unused() -> i64 {
    -1
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
struct AbnormalDoc {
    event_time: u64,
    experience_id: u64,
    #[serde(default)]
    abnormal_event_list: Vec<CauseDoc>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
struct CauseDoc {
    abnormal_event_id: u64,
    #[serde(default)]
    peer_id: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
struct UserDoc {
    user_id: String,
    join_ts: u64,
    #[serde(default)]
    leave_ts: Option<u64>,
    #[serde(default)]
    finished: Option<bool>,
    #[serde(default)]
    device_type: String,
    #[serde(default)]
    sdk_version: String,
    #[serde(default)]
    client_ip: String,
    #[serde(default)]
    role: Option<String>,
    #[serde(default)]
    publishing: Option<Vec<PublishDoc>>,
    #[serde(default)]
    video: Option<ResolutionDoc>,
    #[serde(default)]
    sub_stream: Option<ResolutionDoc>,
    #[serde(default)]
    incidents: Option<Vec<IncidentDoc>>,
    #[serde(default)]
    join_ms: Option<u32>,
    #[serde(default)]
    failed_joins: Option<u32>,
    #[serde(default)]
    quality: Vec<QualityDoc>,
    #[serde(default)]
    events: Option<Vec<EventListDoc>>,
    #[serde(default)]
    abnormal_events: Option<Vec<AbnormalDoc>>,
}

/// Fixture rooms by SdkAppId, in the order they were written.
#[derive(Debug, Default, Clone)]
pub struct Fixtures {
    apps: BTreeMap<u64, Vec<Arc<Room>>>,
    sources: Vec<String>,
}

impl Fixtures {
    /// Whether fixtures define this SdkAppId (its generated history is then replaced).
    pub fn has_app(&self, sdk_app_id: u64) -> bool {
        self.apps.contains_key(&sdk_app_id)
    }

    pub fn rooms(&self, sdk_app_id: u64) -> &[Arc<Room>] {
        self.apps.get(&sdk_app_id).map_or(&[], Vec::as_slice)
    }

    /// Names of the documents loaded, in order.
    pub fn sources(&self) -> &[String] {
        &self.sources
    }

    pub fn app_count(&self) -> usize {
        self.apps.len()
    }

    pub fn room_count(&self) -> usize {
        self.apps.values().map(Vec::len).sum()
    }

    /// A copy whose rooms of `sdk_app_id` are those `other` has (none if it has none).
    pub fn with_app_from(&self, other: &Fixtures, sdk_app_id: u64) -> Fixtures {
        let mut copy = self.clone();
        match other.apps.get(&sdk_app_id) {
            Some(rooms) => copy.apps.insert(sdk_app_id, rooms.clone()),
            None => copy.apps.remove(&sdk_app_id),
        };
        copy
    }

    /// Each SdkAppId with its number of rooms.
    pub fn apps(&self) -> impl Iterator<Item = (u64, usize)> + '_ {
        self.apps.iter().map(|(app, rooms)| (*app, rooms.len()))
    }

    /// Loads files and directories (every `*.json` directly inside, in name order).
    pub fn load_paths(paths: &[PathBuf]) -> Result<Self, String> {
        let mut fixtures = Self::default();
        for path in paths {
            for file in expand(path)? {
                let text = std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
                fixtures.add_document(&file.display().to_string(), &text)?;
            }
        }
        Ok(fixtures)
    }

    /// Adds one document; on error nothing of it is kept and the message starts with `source`.
    pub fn add_document(&mut self, source: &str, text: &str) -> Result<(), String> {
        let doc: Document = serde_json::from_str(text).map_err(|e| format!("{source}: {e}"))?;
        let mut staged = self.apps.clone();
        let mut seen: HashSet<String> = staged.values().flatten().map(|r| r.comm_id.clone()).collect();
        for (a, app) in doc.apps.into_iter().enumerate() {
            if app.sdk_app_id == 0 {
                return Err(format!("{source}: Apps[{a}].SdkAppId must not be 0"));
            }
            for (r, room) in app.rooms.into_iter().enumerate() {
                let at = format!("{source}: Apps[{a}].Rooms[{r}]");
                let room = convert_room(app.sdk_app_id, room).map_err(|e| format!("{at}: {e}"))?;
                if !seen.insert(room.comm_id.clone()) {
                    return Err(format!("{at}: CommId {} is defined twice", room.comm_id));
                }
                staged.entry(app.sdk_app_id).or_default().push(Arc::new(room));
            }
            staged.entry(app.sdk_app_id).or_default();
        }
        self.apps = staged;
        self.sources.push(source.to_owned());
        Ok(())
    }
}

fn expand(path: &Path) -> Result<Vec<PathBuf>, String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("{}: {e}", path.display()))?;
    if !meta.is_dir() {
        return Ok(vec![path.to_owned()]);
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(path)
        .map_err(|e| format!("{}: {e}", path.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    Ok(files)
}

fn convert_room(sdk_app_id: u64, doc: RoomDoc) -> Result<Room, String> {
    let (room_string, numeric, number) = match doc.room_id {
        RoomIdDoc::Number(n) => (RoomKey::checked_numeric(n)?.id, true, Some(n)),
        RoomIdDoc::Text(s) => (RoomKey::checked_string(&s)?.id, false, None),
    };
    if let Some(destroy) = doc.destroy_time
        && destroy < doc.create_time
    {
        return Err(format!("DestroyTime {destroy} is before CreateTime {}", doc.create_time));
    }
    let comm_id = match doc.comm_id {
        Some(comm_id) => {
            let Some((app, room_number, created)) = parse_comm_id(&comm_id) else {
                return Err(format!("CommId {comm_id:?} is not SdkAppId_RoomNumber_CreateTime"));
            };
            if app != sdk_app_id || created != doc.create_time {
                return Err(format!(
                    "CommId {comm_id:?} does not match SdkAppId {sdk_app_id} and CreateTime {}",
                    doc.create_time
                ));
            }
            if number.is_some_and(|n| n != room_number) {
                return Err(format!("CommId {comm_id:?} does not carry RoomId {room_string}"));
            }
            comm_id
        }
        None => {
            // String rooms get a stable internal number, as the real service gives them.
            let n = number.unwrap_or_else(|| 100_000_000 + mix(0, &[fnv1a(&room_string)]) % 3_900_000_000);
            format!("{sdk_app_id}_{n}_{}", doc.create_time)
        }
    };
    let seed = mix(0, &[fnv1a(&comm_id)]);
    let mut sessions = Vec::with_capacity(doc.users.len());
    for (u, user) in doc.users.into_iter().enumerate() {
        sessions.push(convert_user(seed, user).map_err(|e| format!("Users[{u}].{e}"))?);
    }
    let creator = doc.user_id.or_else(|| sessions.first().map(|s| s.user_id.clone())).unwrap_or_default();
    let services = match doc.services {
        None => Services::default(),
        Some(s) => Services {
            single_recording: s.single_recording,
            mixed_recording: s
                .mixed_recording
                .map(resolution)
                .transpose()
                .map_err(|e| format!("Services.MixedRecording: {e}"))?,
            mixing: match s.mixing {
                None => None,
                Some(m) => {
                    let codec = match m.codec.as_deref() {
                        None | Some("H264") => Codec::H264,
                        Some("H265") => Codec::H265,
                        Some(other) => return Err(format!("Services.Mixing.Codec {other:?} is not H264 or H265")),
                    };
                    let res = resolution(ResolutionDoc { width: m.width, height: m.height })
                        .map_err(|e| format!("Services.Mixing: {e}"))?;
                    Some((res, codec))
                }
            },
            relay_kbps: s.relay_kbps,
            ai_conversation: s.ai_conversation.map(|a| AiConversation { tts: a.tts }),
            transcription: s.transcription.map(|t| Transcription { translation: t.translation }),
            moderation: s.moderation.map(segmenting).transpose().map_err(|e| format!("Services.Moderation: {e}"))?,
            slicing: s.slicing.map(segmenting).transpose().map_err(|e| format!("Services.Slicing: {e}"))?,
            dedicated_acceleration: s.dedicated_acceleration,
        },
    };
    Ok(Room {
        comm_id,
        room_string,
        numeric,
        create_time: doc.create_time,
        destroy_time: doc.destroy_time,
        finished: doc.is_finished,
        creator,
        sessions,
        services,
        origin: Origin::Fixture,
        seed,
    })
}

fn segmenting(doc: SegmentingDoc) -> Result<Segmenting, String> {
    if doc.picture_interval == Some(0) {
        return Err("PictureInterval must be at least 1 second".to_owned());
    }
    if !doc.audio && doc.picture_interval.is_none() {
        return Err("takes nothing: set Audio or PictureInterval".to_owned());
    }
    Ok(Segmenting { audio: doc.audio, picture_interval: doc.picture_interval })
}

fn resolution(doc: ResolutionDoc) -> Result<Resolution, String> {
    if doc.width == 0 || doc.height == 0 || doc.width > 4096 || doc.height > 4096 {
        return Err(format!("resolution {}x{} is outside 1x1..4096x4096", doc.width, doc.height));
    }
    Ok(Resolution::new(doc.width, doc.height))
}

/// One stay as written; what it leaves out is derived from (room seed, user, join).
fn convert_user(room_seed: u64, user: UserDoc) -> Result<Session, String> {
    if user.user_id.is_empty() {
        return Err("UserId is empty".to_owned());
    }
    let (join, leave) = (user.join_ts, user.leave_ts);
    if let Some(leave) = leave
        && leave < join
    {
        return Err(format!("LeaveTs {leave} is before JoinTs {join}"));
    }
    let inside = |t: u64| t >= join && leave.is_none_or(|l| t <= l);
    let role = match user.role.as_deref() {
        None | Some("anchor") => Role::Anchor,
        Some("audience") => Role::Audience,
        Some(other) => return Err(format!("Role {other:?} is not \"anchor\" or \"audience\"")),
    };
    let derived = details::derived(room_seed, &user.user_id, join, leave);
    let publishing = match user.publishing {
        None if role == Role::Anchor => vec![
            Publish { stream: Stream::Audio, start: join, end: leave },
            Publish { stream: Stream::Video, start: join, end: leave },
        ],
        None => Vec::new(),
        Some(list) => {
            let mut out = Vec::with_capacity(list.len());
            for (i, p) in list.into_iter().enumerate() {
                let stream = match p.stream.as_str() {
                    "audio" => Stream::Audio,
                    "video" => Stream::Video,
                    "sub_stream" => Stream::SubStream,
                    other => return Err(format!("Publishing[{i}].Stream {other:?} is not audio, video or sub_stream")),
                };
                let end_ok = p.end.is_none_or(|e| e >= p.start && inside(e));
                if !inside(p.start) || !end_ok || (p.end.is_none() && leave.is_some()) {
                    return Err(format!("Publishing[{i}] is not inside the stay"));
                }
                if role == Role::Audience {
                    return Err(format!("Publishing[{i}]: an audience user does not publish"));
                }
                out.push(Publish { stream, start: p.start, end: p.end });
            }
            out.sort_by_key(|p| (p.start, p.stream));
            out
        }
    };
    let incidents = match user.incidents {
        None => derived.incidents,
        Some(list) => {
            let mut out = Vec::with_capacity(list.len());
            for (i, doc) in list.into_iter().enumerate() {
                let kind = match doc.kind.as_str() {
                    "uplink_loss" => IncidentKind::UplinkLoss,
                    "downlink_loss" => IncidentKind::DownlinkLoss,
                    "high_cpu" => IncidentKind::HighCpu,
                    "high_rtt" => IncidentKind::HighRtt,
                    other => {
                        return Err(format!(
                            "Incidents[{i}].Kind {other:?} is not uplink_loss, downlink_loss, high_cpu or high_rtt"
                        ));
                    }
                };
                if doc.end <= doc.start || !inside(doc.start) || !inside(doc.end) {
                    return Err(format!("Incidents[{i}] is not a period inside the stay"));
                }
                out.push(Incident { kind, start: doc.start, end: doc.end });
            }
            out.sort_by_key(|i| i.start);
            out
        }
    };
    let mut quality = Vec::with_capacity(user.quality.len());
    for (i, q) in user.quality.into_iter().enumerate() {
        if Metric::parse(&q.data_type).is_none() {
            return Err(format!("Quality[{i}].DataType {:?} is not a DescribeCallDetailInfo DataType", q.data_type));
        }
        if let Some((t, _)) = q.samples.iter().find(|(t, v)| !inside(*t) || !v.is_finite()) {
            return Err(format!("Quality[{i}].Samples: the sample at {t} is outside the stay or not a number"));
        }
        let mut points = q.samples;
        points.sort_by_key(|(t, _)| *t);
        quality.push(WrittenSeries { data_type: q.data_type, peer_id: q.peer_id, points });
    }
    let events = user.events.map(|groups| {
        groups
            .into_iter()
            .map(|g| WrittenEvents {
                peer_id: g.peer_id,
                events: g
                    .content
                    .into_iter()
                    .map(|e| EventMessage {
                        stream_type: e.r#type,
                        time_ms: e.time,
                        event_id: e.event_id,
                        param_one: e.param_one,
                        param_two: e.param_two,
                    })
                    .collect(),
            })
            .collect()
    });
    let abnormal = user.abnormal_events.map(|list| {
        list.into_iter()
            .map(|a| WrittenAbnormal {
                time: a.event_time,
                experience_id: a.experience_id,
                causes: a.abnormal_event_list.into_iter().map(|c| (c.abnormal_event_id, c.peer_id)).collect(),
            })
            .collect()
    });
    let written = (!quality.is_empty() || events.is_some() || abnormal.is_some())
        .then(|| Arc::new(Written { quality, events, abnormal }));
    Ok(Session {
        user_id: user.user_id,
        join_ts: join,
        leave_ts: leave,
        finished: user.finished,
        device_type: user.device_type,
        sdk_version: user.sdk_version,
        client_ip: user.client_ip,
        role,
        publishing,
        video: user.video.map(resolution).transpose().map_err(|e| format!("Video: {e}"))?.unwrap_or(derived.video),
        sub_stream: user
            .sub_stream
            .map(resolution)
            .transpose()
            .map_err(|e| format!("SubStream: {e}"))?
            .unwrap_or(derived.sub_stream),
        incidents,
        join_ms: user.join_ms.unwrap_or(derived.join_ms),
        failed_joins: user.failed_joins.unwrap_or(derived.failed_joins),
        written,
        exit: None,
        task: None,
        blocked: Vec::new(),
        switches: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED: &str = include_str!("../../fixtures/describe-user-info-example.json");

    #[test]
    fn the_shipped_seed_fixture_loads() {
        let mut f = Fixtures::default();
        f.add_document("seed", SEED).unwrap();
        let rooms = f.rooms(1400188366);
        assert_eq!(rooms.len(), 1);
        assert_eq!(rooms[0].comm_id, "1400188366_218695_1590065777");
        assert_eq!(rooms[0].sessions.len(), 2);
    }

    fn refused(text: &str) -> String {
        let mut f = Fixtures::default();
        f.add_document("doc.json", text).unwrap();
        let before = f.room_count();
        let err = f.add_document("bad.json", text).unwrap_err();
        assert_eq!(f.room_count(), before, "nothing of a refused document is kept");
        err
    }

    #[test]
    fn bad_documents_are_refused_whole_with_the_reason() {
        let one = r#"{"Apps":[{"SdkAppId":1,"Rooms":[{"RoomId":5,"CreateTime":10}]}]}"#;
        assert!(refused(one).contains("bad.json: Apps[0].Rooms[0]: CommId 1_5_10 is defined twice"));
        let mut f = Fixtures::default();
        for (doc, expect) in [
            (r#"{"Apps":[{"SdkAppId":1,"Rooms":[{"RoomId":5,"CreateTime":10,"DestroyTime":9}]}]}"#, "DestroyTime 9"),
            (r#"{"Apps":[{"SdkAppId":1,"Rooms":[{"RoomId":0,"CreateTime":10}]}]}"#, "RoomId 0"),
            (r#"{"Apps":[{"SdkAppId":1,"Rooms":[{"RoomId":"a/b","CreateTime":10}]}]}"#, "not a valid string room id"),
            (r#"{"Apps":[{"SdkAppId":1,"Rooms":[{"RoomId":5,"CommId":"2_5_10","CreateTime":10}]}]}"#, "does not match"),
            (
                r#"{"Apps":[{"SdkAppId":1,"Rooms":[{"RoomId":5,"CreateTime":10,"Users":[{"UserId":"u","JoinTs":9,"LeaveTs":8}]}]}]}"#,
                "Users[0].LeaveTs 8",
            ),
            (
                r#"{"Apps":[{"SdkAppId":1,"Rooms":[{"RoomId":5,"CreateTime":10,"Colour":1}]}]}"#,
                "unknown field `Colour`",
            ),
            (
                r#"{"Apps":[{"SdkAppId":1,"Rooms":[{"RoomId":5,"CreateTime":10,"Services":{"Moderation":{"PictureInterval":0}}}]}]}"#,
                "Services.Moderation: PictureInterval must be at least 1 second",
            ),
            (
                r#"{"Apps":[{"SdkAppId":1,"Rooms":[{"RoomId":5,"CreateTime":10,"Services":{"Slicing":{}}}]}]}"#,
                "Services.Slicing: takes nothing",
            ),
            (r#"{"Apps": [}"#, "bad.json: "),
        ] {
            let err = f.add_document("bad.json", doc).unwrap_err();
            assert!(err.contains(expect), "{err}");
            assert!(err.starts_with("bad.json: "), "{err}");
        }
        assert_eq!(f.app_count(), 0);
    }

    #[test]
    fn services_are_read_as_written() {
        let doc = r#"{"Apps":[{"SdkAppId":7,"Rooms":[{"RoomId":1,"CreateTime":10,"Services":{
            "AiConversation":{},"Transcription":{"Translation":true},"Moderation":{"Audio":true},
            "Slicing":{"PictureInterval":30},"DedicatedAcceleration":true}}]}]}"#;
        let mut f = Fixtures::default();
        f.add_document("doc", doc).unwrap();
        let services = f.rooms(7)[0].services;
        assert_eq!(services.ai_conversation, Some(AiConversation { tts: false }));
        assert_eq!(services.transcription, Some(Transcription { translation: true }));
        assert_eq!(services.moderation, Some(Segmenting { audio: true, picture_interval: None }));
        assert_eq!(services.slicing, Some(Segmenting { audio: false, picture_interval: Some(30) }));
        assert!(services.dedicated_acceleration && !services.single_recording);
    }

    #[test]
    fn string_rooms_get_a_stable_internal_number() {
        let doc = r#"{"Apps":[{"SdkAppId":7,"Rooms":[{"RoomId":"113a730673fee2d86e93e26cddb25b7d","CreateTime":1587959355}]}]}"#;
        let mut a = Fixtures::default();
        a.add_document("a", doc).unwrap();
        let mut b = Fixtures::default();
        b.add_document("b", doc).unwrap();
        assert_eq!(a.rooms(7)[0].comm_id, b.rooms(7)[0].comm_id);
        assert!(!a.rooms(7)[0].numeric);
    }
}
