//! A generated room in full, built from its skeleton: who came and went, in which role, what
//! they published at which resolution, the quality incidents they met, and the cloud services
//! the room used. Deterministic for (seed, skeleton).

use fake::Fake;
use fake::faker::internet::en::IPv4;
use fake::faker::lorem::en::Word;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::generator::{Density, Generator, Skeleton, USERS};
use super::model::{
    AiConversation, Codec, Incident, IncidentKind, Origin, Publish, Resolution, Role, Room, Segmenting, Services,
    Session, Stream, Transcription,
};
use crate::pure::hash::{fnv1a, mix};

const DEVICE_TYPES: &[&str] = &["ios", "android", "windows", "mac", "web", "linux"];
const SDK_VERSIONS: &[&str] =
    &["11.5.0.13045", "11.9.0.15023", "12.0.0.15501", "12.1.0.16002", "12.2.0.16503", "5.0.1.120", "4.3.14"];

/// Camera resolutions, most common first.
const CAMERA: &[Resolution] =
    &[Resolution::new(640, 360), Resolution::new(960, 540), Resolution::new(1280, 720), Resolution::new(1920, 1080)];
const SCREEN: Resolution = Resolution::new(1920, 1080);

/// Hash stream of a room's identity, apart from the rest of its details.
const IDENTITY: u64 = 11;

/// What kind of call a room is; decides its size, roles and media.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scenario {
    /// One user alone (a test, or a host waiting).
    Solo,
    /// A one-to-one call.
    Call,
    /// A group call of a few anchors.
    Group,
    /// A live room: one or two anchors and an audience.
    Live,
}

impl Scenario {
    fn draw(rng: &mut ChaCha8Rng) -> Self {
        match rng.random_range(0..100u32) {
            0..10 => Scenario::Solo,
            10..55 => Scenario::Call,
            55..85 => Scenario::Group,
            _ => Scenario::Live,
        }
    }
}

/// How a generated room is named: what a room-id filter needs, without building the room.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub numeric: bool,
    /// The number in the CommId (for string rooms an internal one).
    pub number: u64,
    pub room_string: String,
}

/// The identity of the room of `skeleton`.
pub fn identity(generator: &Generator, skeleton: &Skeleton) -> Identity {
    let mut rng = ChaCha8Rng::seed_from_u64(mix(skeleton.hash, &[IDENTITY]));
    let numeric = rng.random_bool(0.75);
    let number = generator.room_number(skeleton, numeric);
    let room_string = if numeric {
        number.to_string()
    } else if rng.random_bool(0.5) {
        format!("{:032x}", rng.random::<u128>())
    } else {
        let word: String = Word().fake_with_rng(&mut rng);
        format!("{word}-{}", rng.random_range(100..10_000u32))
    };
    Identity { numeric, number, room_string }
}

/// Builds the room of `skeleton`.
pub fn build(generator: &Generator, skeleton: &Skeleton) -> Room {
    let app = skeleton.sdk_app_id;
    let mut rng = ChaCha8Rng::seed_from_u64(skeleton.hash);
    let create = skeleton.create_time;
    let destroy = skeleton.destroy_time();
    let Identity { numeric, number, room_string } = identity(generator, skeleton);

    let scenario = Scenario::draw(&mut rng);
    let max_users = generator.density.max_users_per_room.max(1) as usize;
    let (anchors, audience) = match scenario {
        Scenario::Solo => (1, 0),
        Scenario::Call => (2, 0),
        Scenario::Group => (rng.random_range(3..=8usize), 0),
        Scenario::Live => {
            let anchors = rng.random_range(1..=2usize);
            (anchors, rng.random_range(3..=28usize))
        }
    };
    let anchors = anchors.min(max_users);
    let audience = audience.min(max_users - anchors);

    // Distinct users of the app's pool; the first is the creator.
    let pool = generator.user_pool();
    let mut users: Vec<u64> = Vec::with_capacity(anchors + audience);
    while users.len() < anchors + audience {
        let user = rng.random_range(0..pool);
        if !users.contains(&user) {
            users.push(user);
        }
    }

    let duration = destroy - create;
    let mut sessions = Vec::with_capacity(users.len() + 2);
    for (i, &user) in users.iter().enumerate() {
        let role = if i < anchors { Role::Anchor } else { Role::Audience };
        // The creator opens the room and is the last to leave; the others arrive in its first
        // third and leave at some point after.
        let (join, leave) = if i == 0 {
            (create, destroy)
        } else {
            let join = create + rng.random_range(0..=(duration / 3).min(600));
            let leave = rng.random_range(join + (destroy - join) / 4..=destroy);
            (join, leave)
        };
        let rejoin = i > 0 && rng.random_bool(0.1) && destroy > leave + 120;
        sessions.push(session(generator, &mut rng, app, user, role, scenario, join, leave, false));
        if rejoin {
            let back = leave + rng.random_range(10..=60);
            let gone = rng.random_range(back..=destroy);
            sessions.push(session(generator, &mut rng, app, user, role, scenario, back, gone, true));
        }
    }
    sessions.sort_by(|a, b| a.join_ts.cmp(&b.join_ts).then_with(|| a.user_id.cmp(&b.user_id)));

    Room {
        comm_id: format!("{app}_{number}_{create}"),
        room_string,
        numeric,
        create_time: create,
        destroy_time: Some(destroy),
        finished: None,
        creator: generator.user_id(app, users[0]),
        sessions,
        services: services(&mut rng, scenario),
        origin: Origin::Generated,
        seed: skeleton.hash,
    }
}

#[allow(clippy::too_many_arguments)] // one stay is described by all of these
fn session(
    generator: &Generator,
    rng: &mut ChaCha8Rng,
    app: u64,
    user: u64,
    role: Role,
    scenario: Scenario,
    join: u64,
    leave: u64,
    rejoin: bool,
) -> Session {
    // A user keeps their device and SDK from room to room.
    let traits = mix(generator.seed, &[USERS, app, user]);
    let device = DEVICE_TYPES[(traits % DEVICE_TYPES.len() as u64) as usize];
    let stay = leave - join;
    let video = match scenario {
        Scenario::Live => CAMERA[rng.random_range(2..4usize)],
        _ => {
            CAMERA[match rng.random_range(0..100u32) {
                0..40 => 0,
                40..70 => 1,
                70..95 => 2,
                _ => 3,
            }]
        }
    };

    let mut publishing = Vec::new();
    if role == Role::Anchor && stay > 0 {
        // Audio from the first seconds to the end, sometimes muted for a while.
        let audio_on = join + rng.random_range(0..=2u64).min(stay);
        let mute = (stay > 240 && rng.random_bool(0.15)).then(|| {
            let from = rng.random_range(audio_on + 60..leave - 120);
            (from, from + rng.random_range(20..=120u64).min(leave - from - 30))
        });
        push_with_gap(&mut publishing, Stream::Audio, audio_on, leave, mute);
        let camera = match scenario {
            Scenario::Live => true,
            Scenario::Solo => rng.random_bool(0.5),
            Scenario::Call | Scenario::Group => rng.random_bool(0.8),
        };
        if camera {
            let video_on = join + rng.random_range(1..=3u64).min(stay);
            let off = (stay > 300 && rng.random_bool(0.1)).then(|| {
                let from = rng.random_range(video_on + 60..leave - 180);
                (from, from + rng.random_range(30..=150u64).min(leave - from - 30))
            });
            push_with_gap(&mut publishing, Stream::Video, video_on, leave, off);
        }
        if scenario == Scenario::Group && stay > 600 && rng.random_bool(0.1) {
            let from = join + stay / 5;
            publishing.push(Publish { stream: Stream::SubStream, start: from, end: Some(join + stay * 3 / 5) });
        }
    }
    publishing.sort_by_key(|p| (p.start, p.stream));

    Session {
        user_id: generator.user_id(app, user),
        join_ts: join,
        leave_ts: Some(leave),
        finished: None,
        device_type: device.to_owned(),
        sdk_version: SDK_VERSIONS[((traits >> 8) % SDK_VERSIONS.len() as u64) as usize].to_owned(),
        client_ip: IPv4().fake_with_rng(rng),
        role,
        publishing,
        video,
        sub_stream: SCREEN,
        incidents: incidents(rng, generator.density.incidents_per_hour, join, leave),
        join_ms: if rng.random_bool(0.03) { rng.random_range(5_001..9_000) } else { rng.random_range(250..1_500) },
        failed_joins: u32::from(!rejoin && rng.random_bool(0.02)),
        written: None,
        exit: None,
        task: None,
        blocked: Vec::new(),
        switches: Vec::new(),
    }
}

/// What a fixture's stay leaves out, derived from (room seed, user, join) by the rules of the
/// generated history. An open stay gets incidents for a day from its join.
pub struct Derived {
    pub video: Resolution,
    pub sub_stream: Resolution,
    pub incidents: Vec<Incident>,
    pub join_ms: u32,
    pub failed_joins: u32,
}

pub fn derived(room_seed: u64, user_id: &str, join: u64, leave: Option<u64>) -> Derived {
    let mut rng = ChaCha8Rng::seed_from_u64(mix(room_seed, &[fnv1a(user_id), join]));
    let leave = leave.unwrap_or(join.saturating_add(86_400));
    Derived {
        video: CAMERA[rng.random_range(0..3usize)],
        sub_stream: SCREEN,
        incidents: incidents(&mut rng, Density::default().incidents_per_hour, join, leave),
        join_ms: rng.random_range(250..1_500),
        failed_joins: 0,
    }
}

/// `[start, end)` of one stream, with an optional `(from, to)` pause.
fn push_with_gap(out: &mut Vec<Publish>, stream: Stream, start: u64, end: u64, gap: Option<(u64, u64)>) {
    match gap {
        Some((from, to)) if start < from && from < to && to < end => {
            out.push(Publish { stream, start, end: Some(from) });
            out.push(Publish { stream, start: to, end: Some(end) });
        }
        _ => out.push(Publish { stream, start, end: Some(end) }),
    }
}

/// Quality incidents of a stay: on average `per_hour` per hour, 6 s to a minute long, apart.
fn incidents(rng: &mut ChaCha8Rng, per_hour: f64, join: u64, leave: u64) -> Vec<Incident> {
    let stay = leave.saturating_sub(join);
    if stay < 30 || per_hour <= 0.0 {
        return Vec::new();
    }
    let expected = per_hour * stay as f64 / 3600.0;
    // Poisson by inversion; at most one incident a minute.
    let limit = (stay / 60).max(1);
    let mut count = 0u64;
    let (mut p, threshold) = (1.0f64, (-expected).exp());
    loop {
        p *= rng.random::<f64>();
        if p <= threshold || count >= limit {
            break;
        }
        count += 1;
    }
    let mut out: Vec<Incident> = Vec::with_capacity(count as usize);
    for _ in 0..count {
        let length = rng.random_range(6..=60u64).min(stay - 10);
        let start = rng.random_range(join + 5..=leave - length - 5);
        let kind = match rng.random_range(0..10u32) {
            0..4 => IncidentKind::UplinkLoss,
            4..7 => IncidentKind::DownlinkLoss,
            7..9 => IncidentKind::HighCpu,
            _ => IncidentKind::HighRtt,
        };
        let candidate = Incident { kind, start, end: start + length };
        // Incidents of one stay do not overlap: a clash is dropped.
        if out.iter().all(|i| candidate.end + 2 < i.start || i.end + 2 < candidate.start) {
            out.push(candidate);
        }
    }
    out.sort_by_key(|i| i.start);
    out
}

/// The cloud services a room used. Recording, mixing and relay are common; AI bots (mostly in
/// rooms of one user talking to the bot), transcription, moderation (mostly of live rooms),
/// slicing and dedicated acceleration are rare.
fn services(rng: &mut ChaCha8Rng, scenario: Scenario) -> Services {
    let busy = matches!(scenario, Scenario::Group | Scenario::Live);
    let single_recording = rng.random_bool(if busy { 0.15 } else { 0.08 });
    let mixed_recording = rng.random_bool(if busy { 0.12 } else { 0.05 }).then(|| CAMERA[rng.random_range(1..3usize)]);
    let relay = scenario == Scenario::Live && rng.random_bool(0.4);
    let mixing = (relay || rng.random_bool(if busy { 0.1 } else { 0.03 })).then(|| {
        let codec = if rng.random_bool(0.85) { Codec::H264 } else { Codec::H265 };
        (CAMERA[rng.random_range(1..4usize)], codec)
    });
    let relay_kbps = relay.then(|| rng.random_range(800..=3_000u32));
    // Drawn after everything above, so that adding them left the older services unchanged.
    let ai_share = match scenario {
        Scenario::Solo => 0.2,
        Scenario::Call => 0.03,
        Scenario::Group | Scenario::Live => 0.01,
    };
    let ai_conversation = rng.random_bool(ai_share).then(|| AiConversation { tts: rng.random_bool(0.5) });
    let transcription =
        rng.random_bool(if busy { 0.05 } else { 0.03 }).then(|| Transcription { translation: rng.random_bool(0.3) });
    let moderation = rng.random_bool(if scenario == Scenario::Live { 0.25 } else { 0.03 }).then(|| segmenting(rng));
    let slicing = rng.random_bool(0.02).then(|| segmenting(rng));
    let dedicated_acceleration = rng.random_bool(0.02);
    Services {
        single_recording,
        mixed_recording,
        mixing,
        relay_kbps,
        ai_conversation,
        transcription,
        moderation,
        slicing,
        dedicated_acceleration,
    }
}

/// What a moderation or slicing task takes: audio, pictures every 5, 10 or 30 s, or both.
fn segmenting(rng: &mut ChaCha8Rng) -> Segmenting {
    let audio = rng.random_bool(0.7);
    let pictures = !audio || rng.random_bool(0.5);
    Segmenting { audio, picture_interval: pictures.then(|| [5, 10, 30][rng.random_range(0..3usize)]) }
}

#[cfg(test)]
mod tests {
    use super::super::generator::MAX_ROOM_SECS;
    use super::*;

    #[test]
    fn rooms_are_consistent_and_deterministic() {
        for rph in [1, 4, 40] {
            let g = Generator::new(3, Density { rooms_per_hour: rph, ..Density::default() });
            let again = Generator::new(3, Density { rooms_per_hour: rph, ..Density::default() });
            for bucket in 470_000..470_050 {
                for i in 0..g.count(5, bucket) {
                    let skeleton = g.skeleton(5, bucket, i);
                    let room = build(&g, &skeleton);
                    assert_eq!(room, build(&again, &skeleton));
                    let destroy = room.destroy_time.unwrap();
                    assert_eq!(destroy, skeleton.destroy_time());
                    assert!(destroy - room.create_time <= MAX_ROOM_SECS);
                    assert!(room.comm_id.ends_with(&format!("_{}", room.create_time)));
                    assert!(room.sessions.iter().any(|s| s.join_ts == room.create_time && s.user_id == room.creator));
                    assert_eq!(room.sessions.iter().filter_map(|s| s.leave_ts).max(), Some(destroy));
                    assert!(room.room_string.len() <= 64);
                    for s in &room.sessions {
                        let leave = s.leave_ts.unwrap();
                        assert!(room.create_time <= s.join_ts && s.join_ts <= leave && leave <= destroy);
                        for p in &s.publishing {
                            assert!(s.join_ts <= p.start && p.end.unwrap() <= leave && p.start <= p.end.unwrap());
                        }
                        assert!(s.role == Role::Anchor || s.publishing.is_empty());
                        for w in s.incidents.windows(2) {
                            assert!(w[0].end < w[1].start);
                        }
                        for i in &s.incidents {
                            assert!(s.join_ts < i.start && i.start < i.end && i.end < leave);
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn rooms_are_found_by_comm_id() {
        let g = Generator::new(3, Density { rooms_per_hour: 500, ..Density::default() });
        for i in (0..g.count(5, 470_000)).step_by(37) {
            let room = g.room(&g.skeleton(5, 470_000, i));
            let (_, number, created) = super::super::model::parse_comm_id(&room.comm_id).unwrap();
            assert_eq!(g.find(5, number, created).unwrap().comm_id, room.comm_id);
        }
    }
}
