//! The files media tasks make, read off the room as it stands: a recording's index files (and
//! the media files they become), a slicing task's audio slices and pictures. The actions list
//! them, the control plane shows where storage would hold them, and the callbacks announce them.

use crate::pure::civil;
use crate::pure::hash::{fnv1a, mix};
use crate::world::model::Stream;
use crate::world::running::TaskView;

/// Most anchors one slicing task slices (documented: "单次切片任务最大支持同时订阅的房间内主播数为25个").
pub const MAX_SLICED_USERS: usize = 25;

/// Base64 as TRTC puts string room ids and user ids in file names: `/` → `-`, `=` → `.`.
pub fn file_safe_base64(text: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(text).replace('/', "-").replace('=', ".")
}

/// Where a recording stores its files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Storage {
    /// `StorageParams.CloudStorage`: index files and slices uploaded as they are cut.
    Cloud,
    /// `StorageParams.CloudVod`: media files committed to VOD when they are complete.
    Vod,
}

/// One index file of a recording (an m3u8 with its slices): whose stream, which track, and the
/// taken period it covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexFile {
    /// Empty for a mixed recording.
    pub user_id: String,
    pub file_name: String,
    /// `audio`, `video` or `audio_video`.
    pub track_type: &'static str,
    /// `main` or `aux`; `main` for a mixed recording.
    pub media: &'static str,
    /// When its first slice was cut (seconds).
    pub begin: u64,
    /// When the last stream it takes stopped being taken (seconds), at most the task's end or `now`.
    pub end: u64,
}

impl IndexFile {
    /// The name of the `index`-th media file (from 1) this index file becomes: the index
    /// file's name with `_<index>.mp4` for its `.m3u8`.
    pub fn media_file(&self, index: u64) -> String {
        format!("{}_{index}.mp4", self.file_name.trim_end_matches(".m3u8"))
    }

    /// The media files (name, begin, end in seconds) it becomes once complete, cut every
    /// `max_minutes` (`MaxMediaFileDuration`).
    pub fn media_files(&self, max_minutes: u64) -> Vec<(String, u64, u64)> {
        let step = max_minutes.clamp(1, 1440) * 60;
        let mut out = Vec::new();
        let mut from = self.begin;
        let mut index = 1;
        loop {
            let to = from.saturating_add(step).min(self.end);
            out.push((self.media_file(index), from, to));
            if to >= self.end {
                return out;
            }
            from = to;
            index += 1;
        }
    }
}

/// The storage a recording's parameters name.
pub fn recording_storage(view: &TaskView, now: u64) -> Storage {
    if view.task.params_at(now)["StorageParams"]["CloudStorage"].is_null() { Storage::Vod } else { Storage::Cloud }
}

/// The index files a recording has made by `now`, in the order their first slice was cut,
/// named as TRTC names them: single-stream
/// `<SdkAppId>_<RoomId>__UserId_s_<UserId>__UserId_e_<main|aux>_<audio|video>.m3u8`
/// (string room ids and user ids in file-safe base64), mixed `<SdkAppId>_<RoomId>.m3u8`.
pub fn recording_files(view: &TaskView, now: u64) -> Vec<IndexFile> {
    let params = view.task.params_at(now);
    let Some(room) = &view.room else { return Vec::new() };
    let start = view.task.created_at;
    let end = view.lifecycle.ended.map_or(now, |(t, _)| t).min(now);
    let single = params["RecordParams"]["RecordMode"] == 1;
    let merged = params["RecordParams"]["AvMerge"] == 1;
    let app = view.task.sdk_app_id;
    let room_part = if room.numeric { room.room_string.clone() } else { file_safe_base64(&room.room_string) };
    // Every stream the task took: (begin, end, user, media, track). Robots that publish nothing
    // (recorders, relays) have no streams to take.
    let mut taken: Vec<(u64, u64, String, &'static str, &'static str)> = Vec::new();
    for s in &room.sessions {
        for p in &s.publishing {
            let (from, to) = (
                p.start.max(start).max(s.join_ts),
                p.end.unwrap_or(u64::MAX).min(end).min(s.leave_ts.unwrap_or(u64::MAX)),
            );
            // A stream that arrives now has its first slice now; one that stopped before the
            // task began was never taken.
            let arriving = from == to && to == end;
            if from > to || (from == to && !arriving) || from > now {
                continue;
            }
            if !view.task.streams_take(p.stream) {
                continue;
            }
            // The first moment of the period the task's lists take this user's stream.
            let changes = view.task.subscriptions.iter().map(|(t, _)| *t).filter(|t| *t > from && *t <= to);
            let Some(from) = std::iter::once(from)
                .chain(changes)
                .find(|t| view.task.subscription_at(*t).takes(&s.user_id, p.stream))
            else {
                continue;
            };
            let media = if p.stream == Stream::SubStream { "aux" } else { "main" };
            let track = if merged {
                "audio_video"
            } else if p.stream == Stream::Audio {
                "audio"
            } else {
                "video"
            };
            match taken.iter_mut().find(|(_, _, u, m, t)| *u == s.user_id && *m == media && *t == track) {
                Some(entry) => {
                    entry.0 = entry.0.min(from);
                    entry.1 = entry.1.max(to);
                }
                None => taken.push((from, to, s.user_id.clone(), media, track)),
            }
        }
    }
    taken.sort();
    if single {
        taken
            .into_iter()
            .map(|(begin, end, user, media, track)| {
                let name = if merged {
                    format!("{app}_{room_part}__UserId_s_{}__UserId_e_{media}.m3u8", file_safe_base64(&user))
                } else {
                    format!("{app}_{room_part}__UserId_s_{}__UserId_e_{media}_{track}.m3u8", file_safe_base64(&user))
                };
                IndexFile { user_id: user, file_name: name, track_type: track, media, begin, end }
            })
            .collect()
    } else {
        let Some(begin) = taken.iter().map(|(b, ..)| *b).min() else { return Vec::new() };
        let last = taken.iter().map(|(_, e, ..)| *e).max().unwrap_or(begin);
        let track = match params["RecordParams"]["StreamType"].as_u64().unwrap_or(0) {
            1 => "audio",
            2 => "video",
            _ => "audio_video",
        };
        vec![IndexFile {
            user_id: String::new(),
            file_name: format!("{app}_{room_part}.m3u8"),
            track_type: track,
            media: "main",
            begin,
            end: last,
        }]
    }
}

/// One media file a recording committed to VOD (`StorageParams.CloudVod`) once its stream
/// stopped being taken: what the VOD_COMMIT callback (311) describes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VodFile {
    pub user_id: String,
    pub track_type: &'static str,
    pub media: &'static str,
    /// A VOD FileId: digits, stable for the task and the file.
    pub file_id: String,
    pub video_url: String,
    pub cache_file: String,
    /// Seconds.
    pub begin: u64,
    pub end: u64,
}

/// The files a VOD recording has committed by `now`: each index file's media files (mp4 unless
/// `TencentVod.MediaType` asks for hls or aac), cut at `MaxMediaFileDuration`, once the task has
/// ended (a file is committed when it is complete). Their URLs are under `media_url_base`.
pub fn vod_files(view: &TaskView, now: u64, media_url_base: &str) -> Vec<VodFile> {
    if recording_storage(view, now) != Storage::Vod || view.lifecycle.ended.is_none_or(|(t, _)| t > now) {
        return Vec::new();
    }
    let params = view.task.params_at(now);
    let ext = match params["StorageParams"]["CloudVod"]["TencentVod"]["MediaType"].as_u64() {
        Some(1) => "m3u8",
        Some(2 | 4) => "m4a",
        _ => "mp4",
    };
    let max_minutes = params["RecordParams"]["MaxMediaFileDuration"].as_u64().unwrap_or(1440);
    let base = media_url_base.trim_end_matches('/');
    let mut out = Vec::new();
    for index in recording_files(view, now) {
        for (name, begin, end) in index.media_files(max_minutes) {
            let cache_file = format!("{}.{ext}", name.trim_end_matches(".mp4"));
            let file_id = (387_702_290_000_000_000u64
                + mix(fnv1a(&view.task.id), &[fnv1a(&cache_file)]) % 10_000_000_000)
                .to_string();
            out.push(VodFile {
                user_id: index.user_id.clone(),
                track_type: index.track_type,
                media: index.media,
                video_url: format!("{base}/vod/{file_id}/{cache_file}"),
                file_id,
                cache_file,
                begin,
                end,
            });
        }
    }
    out
}

/// One file slicing made: its path under the bucket's `FileNamePrefix`, whose it is, and when it
/// begins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SliceFile {
    pub user_id: String,
    /// `audio` or `image`.
    pub kind: &'static str,
    /// `{taskId}/{userId}/audios|images/{name}`.
    pub path: String,
    pub begin: u64,
}

/// `YYYYMMDDhhmmss` in UTC.
fn utc_stamp(t: u64) -> String {
    let t = i64::try_from(t).unwrap_or(i64::MAX);
    let (y, m, d) = civil::civil_from_days(t.div_euclid(civil::DAY));
    let s = t.rem_euclid(civil::DAY);
    format!("{y:04}{m:02}{d:02}{:02}{:02}{:02}", s / 3600, s / 60 % 60, s % 60)
}

/// The files a slicing task has made by `now`: an audio slice once it is complete (or cut short
/// by the stream or the task ending), a picture at each interval from the moment a video stream
/// is taken; for at most [`MAX_SLICED_USERS`] anchors, in order of time.
pub fn slice_files(view: &TaskView, now: u64) -> Vec<SliceFile> {
    let Some(room) = &view.room else { return Vec::new() };
    let task = &view.task;
    let params = task.params_at(now);
    let slice = &params["SliceParams"];
    let audio_secs = slice["SliceAudio"].as_u64().unwrap_or(15).max(1);
    let video_secs = slice["SliceVideo"].as_u64().unwrap_or(5).max(1);
    let image_ext = if slice["SliceImageType"] == 1 { "jpg" } else { "png" };
    let end = view.lifecycle.ended.map_or(now, |(t, _)| t).min(now);
    let app = task.sdk_app_id;
    let mut out: Vec<SliceFile> = Vec::new();
    for s in &room.sessions {
        for p in &s.publishing {
            if !task.streams_take(p.stream) {
                continue;
            }
            let from = p.start.max(task.created_at).max(s.join_ts);
            let to = p.end.unwrap_or(u64::MAX).min(s.leave_ts.unwrap_or(u64::MAX)).min(end);
            // Whether the stream was still being taken at `now` (its running slice unfinished,
            // a picture due at `now` taken).
            let going = to == now
                && p.end.is_none_or(|e| e > now)
                && s.leave_ts.is_none_or(|l| l > now)
                && view.lifecycle.ended.is_none();
            if from > to || (from == to && !going) {
                continue;
            }
            let (step, kind, dir, ext) = match p.stream {
                Stream::Audio => (audio_secs, "audio", "audios", "ogg"),
                Stream::Video | Stream::SubStream => (video_secs, "image", "images", image_ext),
            };
            let mut t = from;
            while t < to || (t == to && going && kind == "image") {
                let made = kind == "image" || !going || t.saturating_add(step) <= to;
                if made && task.subscription_at(t).takes(&s.user_id, p.stream) {
                    let name = format!("{app}_{}_{}_{}.{ext}", room.room_string, s.user_id, utc_stamp(t));
                    let path = format!("{}/{}/{dir}/{name}", task.id, s.user_id);
                    if !out.iter().any(|f| f.path == path) {
                        out.push(SliceFile { user_id: s.user_id.clone(), kind, path, begin: t });
                    }
                }
                match t.checked_add(step) {
                    Some(next) => t = next,
                    None => break,
                }
            }
        }
    }
    out.sort_by(|a, b| (a.begin, &a.user_id, a.kind, &a.path).cmp(&(b.begin, &b.user_id, b.kind, &b.path)));
    // The first anchors to be sliced keep their places; later ones find the task full.
    let mut users: Vec<String> = Vec::new();
    for f in &out {
        if !users.contains(&f.user_id) && users.len() < MAX_SLICED_USERS {
            users.push(f.user_id.clone());
        }
    }
    out.retain(|f| users.contains(&f.user_id));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_are_compact_utc() {
        assert_eq!(utc_stamp(0), "19700101000000");
        assert_eq!(utc_stamp(1_764_000_000), "20251124160000");
    }

    #[test]
    fn media_files_are_cut_at_the_maximum_duration() {
        let index = IndexFile {
            user_id: "u".into(),
            file_name: "1_2__UserId_s_dQ..__UserId_e_main_video.m3u8".into(),
            track_type: "video",
            media: "main",
            begin: 1000,
            end: 1000 + 150,
        };
        let files = index.media_files(1);
        assert_eq!(
            files,
            vec![
                ("1_2__UserId_s_dQ..__UserId_e_main_video_1.mp4".to_owned(), 1000, 1060),
                ("1_2__UserId_s_dQ..__UserId_e_main_video_2.mp4".to_owned(), 1060, 1120),
                ("1_2__UserId_s_dQ..__UserId_e_main_video_3.mp4".to_owned(), 1120, 1150),
            ]
        );
        assert_eq!(index.media_files(1440).len(), 1);
        let instant = IndexFile { end: 1000, ..index };
        assert_eq!(
            instant.media_files(5),
            vec![("1_2__UserId_s_dQ..__UserId_e_main_video_1.mp4".to_owned(), 1000, 1000)]
        );
    }
}
