//! The records the monitoring actions read: rooms (calls) and the sessions of users in them.

/// One call: a room from its creation to its destruction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Room {
    /// `SdkAppId_RoomNumber_CreateTime`; for string rooms the middle part is an internal number.
    pub comm_id: String,
    /// The room id as the app knows it (`"218695"`, `"113a7306…"`).
    pub room_string: String,
    /// Whether the app uses a numeric room id (`RoomId`) or a string one (`StrRoomId`).
    pub numeric: bool,
    pub create_time: u64,
    /// `None` while the room is open.
    pub destroy_time: Option<u64>,
    /// Explicit `IsFinished` from a fixture; derived from `destroy_time` otherwise.
    pub finished: Option<bool>,
    /// The user who created the room.
    pub creator: String,
    pub sessions: Vec<Session>,
    /// Generated history is read "as of now" (later events hidden, open rooms open); fixtures
    /// are served as written.
    pub generated: bool,
}

/// One stay of one user in a room (a user who leaves and comes back has two).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub user_id: String,
    pub join_ts: u64,
    /// `None` while the user is in the room.
    pub leave_ts: Option<u64>,
    /// Explicit `Finished` from a fixture; derived from `leave_ts` otherwise.
    pub finished: Option<bool>,
    pub device_type: String,
    pub sdk_version: String,
    pub client_ip: String,
}

impl Room {
    /// Whether the room exists at `now`: generated history only shows what has happened by
    /// then; fixtures are served as written.
    pub fn visible(&self, now: u64) -> bool {
        !self.generated || self.create_time <= now
    }

    /// DestroyTime as it stands at `now` (`None`: still open).
    pub fn destroy_at(&self, now: u64) -> Option<u64> {
        if self.generated { self.destroy_time.filter(|d| *d <= now) } else { self.destroy_time }
    }

    pub fn is_finished(&self, now: u64) -> bool {
        self.finished.unwrap_or(self.destroy_at(now).is_some())
    }

    /// When the room stops counting as active: its destruction, or `now` while open.
    pub fn end_or(&self, now: u64) -> u64 {
        self.destroy_at(now).unwrap_or(now.max(self.create_time))
    }

    pub fn overlaps(&self, start: u64, end: u64, now: u64) -> bool {
        self.visible(now) && self.create_time <= end && self.end_or(now) >= start
    }

    /// The sessions that have begun by `now` (all of them for fixtures).
    pub fn sessions_at(&self, now: u64) -> impl Iterator<Item = &Session> {
        self.sessions.iter().filter(move |s| !self.generated || s.join_ts <= now)
    }

    /// LeaveTs of a session as it stands at `now` (`None`: still in the room).
    pub fn leave_at(&self, session: &Session, now: u64) -> Option<u64> {
        if self.generated { session.leave_ts.filter(|l| *l <= now) } else { session.leave_ts }
    }

    pub fn session_finished(&self, session: &Session, now: u64) -> bool {
        session.finished.unwrap_or(self.leave_at(session, now).is_some())
    }

    /// LeaveTs to show: the departure, or `now` while the user is in the room.
    pub fn leave_or(&self, session: &Session, now: u64) -> u64 {
        self.leave_at(session, now).unwrap_or(now.max(session.join_ts))
    }

    pub fn session_overlaps(&self, session: &Session, start: u64, end: u64, now: u64) -> bool {
        session.join_ts <= end && self.leave_or(session, now) >= start
    }
}

/// Splits a CommId into (SdkAppId, room number, create time).
pub fn parse_comm_id(comm_id: &str) -> Option<(u64, u64, u64)> {
    let mut parts = comm_id.split('_');
    let (Some(app), Some(room), Some(created), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return None;
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !(digits(app) && digits(room) && digits(created)) {
        return None;
    }
    Some((app.parse().ok()?, room.parse().ok()?, created.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comm_ids() {
        assert_eq!(parse_comm_id("1400188366_218695_1590065777"), Some((1400188366, 218695, 1590065777)));
        for bad in ["", "1_2", "1_2_3_4", "a_2_3", "1__3", "1_2_-3"] {
            assert_eq!(parse_comm_id(bad), None, "{bad}");
        }
    }
}
