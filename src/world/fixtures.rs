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
//! Loading is all or nothing: a document with any error is refused whole, with its name and
//! the place and nature of the error.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;

use super::model::{Room, Session, parse_comm_id};
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
}

/// Fixture rooms by SdkAppId, in the order they were written.
#[derive(Debug, Default, Clone)]
pub struct Fixtures {
    apps: BTreeMap<u64, Vec<Arc<Room>>>,
    sources: Vec<String>,
}

/// Characters allowed in a string room id, besides ASCII letters and digits.
const ROOM_PUNCTUATION: &str = " !#$%&()+-:;<=.>?@[]^_{}|~,";

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
        RoomIdDoc::Number(n) => {
            if n == 0 || n > u64::from(u32::MAX) {
                return Err(format!("RoomId {n} is outside 1..=4294967295"));
            }
            (n.to_string(), true, Some(n))
        }
        RoomIdDoc::Text(s) => {
            let ok = !s.is_empty()
                && s.len() <= 64
                && s.chars().all(|c| c.is_ascii_alphanumeric() || ROOM_PUNCTUATION.contains(c));
            if !ok {
                return Err(format!(
                    "RoomId {s:?} is not a valid string room id (1-64 of a-z A-Z 0-9 and {ROOM_PUNCTUATION:?})"
                ));
            }
            (s, false, None)
        }
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
    let mut sessions = Vec::with_capacity(doc.users.len());
    for (u, user) in doc.users.into_iter().enumerate() {
        if user.user_id.is_empty() {
            return Err(format!("Users[{u}].UserId is empty"));
        }
        if let Some(leave) = user.leave_ts
            && leave < user.join_ts
        {
            return Err(format!("Users[{u}].LeaveTs {leave} is before JoinTs {}", user.join_ts));
        }
        sessions.push(Session {
            user_id: user.user_id,
            join_ts: user.join_ts,
            leave_ts: user.leave_ts,
            finished: user.finished,
            device_type: user.device_type,
            sdk_version: user.sdk_version,
            client_ip: user.client_ip,
        });
    }
    let creator = doc.user_id.or_else(|| sessions.first().map(|s| s.user_id.clone())).unwrap_or_default();
    Ok(Room {
        comm_id,
        room_string,
        numeric,
        create_time: doc.create_time,
        destroy_time: doc.destroy_time,
        finished: doc.is_finished,
        creator,
        sessions,
        generated: false,
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
            (r#"{"Apps": [}"#, "bad.json: "),
        ] {
            let err = f.add_document("bad.json", doc).unwrap_err();
            assert!(err.contains(expect), "{err}");
            assert!(err.starts_with("bad.json: "), "{err}");
        }
        assert_eq!(f.app_count(), 0);
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
