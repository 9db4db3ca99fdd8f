//! Civil dates: the proleptic Gregorian calendar in UTC (signatures) and in UTC+8 (the zone
//! TRTC's consoles, usage keys and daily figures use). Howard Hinnant's algorithms.

/// Seconds east of UTC of the zone TRTC's dates are in (Beijing time).
pub const UTC8: i64 = 8 * 3600;
pub const DAY: i64 = 86_400;

/// (year, month, day) of a count of days since 1970-01-01.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Days since 1970-01-01 of a civil date (month 1–12, day 1–31, not checked here).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let (m, d) = (i64::from(m), i64::from(d));
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

/// `YYYY-MM-DD` in UTC of a Unix time.
pub fn utc_date(t: i64) -> String {
    let (y, m, d) = civil_from_days(t.div_euclid(DAY));
    format!("{y:04}-{m:02}-{d:02}")
}

/// Whether `date` is `utc_date(t)`, without formatting it.
pub fn is_utc_date(date: &str, t: i64) -> bool {
    let b = date.as_bytes();
    let number = |range: std::ops::Range<usize>| -> Option<i64> {
        let digits = b.get(range)?;
        digits.iter().try_fold(0i64, |n, d| d.is_ascii_digit().then(|| n * 10 + i64::from(d - b'0')))
    };
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let (Some(y), Some(m), Some(d)) = (number(0..4), number(5..7), number(8..10)) else {
        return false;
    };
    let (cy, cm, cd) = civil_from_days(t.div_euclid(DAY));
    (cy, i64::from(cm), i64::from(cd)) == (y, m, d)
}

/// `YYYY-MM-DD` in UTC+8 of a Unix time.
pub fn local_date(t: i64) -> String {
    utc_date(t.saturating_add(UTC8))
}

/// `YYYY-MM-DD HH:MM:SS` in UTC+8 of a Unix time.
pub fn local_datetime(t: i64) -> String {
    let local = t.saturating_add(UTC8);
    let secs = local.rem_euclid(DAY);
    format!("{} {:02}:{:02}:{:02}", utc_date(local), secs / 3600, secs % 3600 / 60, secs % 60)
}

/// Start (Unix time) of the UTC+8 day that contains `t`.
pub fn local_midnight(t: i64) -> i64 {
    t.saturating_add(UTC8).div_euclid(DAY) * DAY - UTC8
}

/// How much of a date-time text [`parse_local`] accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Precision {
    /// `YYYY-MM-DD`
    Day,
    /// `YYYY-MM-DD HH:MM`
    Minute,
    /// `YYYY-MM-DD HH:MM:SS`
    Second,
}

/// Parses a UTC+8 date or date-time in exactly the given form (zero-padded, real calendar
/// dates only) to Unix seconds.
pub fn parse_local(text: &str, precision: Precision) -> Option<i64> {
    let b = text.as_bytes();
    let len = match precision {
        Precision::Day => 10,
        Precision::Minute => 16,
        Precision::Second => 19,
    };
    if b.len() != len || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |from: usize, to: usize| -> Option<i64> {
        let part = &b[from..to];
        part.iter().all(u8::is_ascii_digit).then(|| part.iter().fold(0i64, |n, c| n * 10 + i64::from(c - b'0')))
    };
    let (y, m, d) = (num(0, 4)?, num(5, 7)?, num(8, 10)?);
    let (mut h, mut mi, mut s) = (0, 0, 0);
    if precision != Precision::Day {
        if b[10] != b' ' || b[13] != b':' {
            return None;
        }
        h = num(11, 13)?;
        mi = num(14, 16)?;
    }
    if precision == Precision::Second {
        if b[16] != b':' {
            return None;
        }
        s = num(17, 19)?;
    }
    let m = u32::try_from(m).ok().filter(|m| (1..=12).contains(m))?;
    let d = u32::try_from(d).ok().filter(|d| *d >= 1 && *d <= days_in_month(y, m))?;
    if h > 23 || mi > 59 || s > 59 {
        return None;
    }
    Some(days_from_civil(y, m, d) * DAY + h * 3600 + mi * 60 + s - UTC8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_dates() {
        assert_eq!(utc_date(0), "1970-01-01");
        assert_eq!(utc_date(1_551_113_065), "2019-02-25");
        assert_eq!(utc_date(951_782_400), "2000-02-29");
        assert_eq!(utc_date(-1), "1969-12-31");
        for t in [0, 1_551_113_065, 951_782_400, -1, -62_167_219_200, 253_402_300_799] {
            assert!(is_utc_date(&utc_date(t), t), "{t}");
            assert!(!is_utc_date(&utc_date(t + 86_400), t), "{t}");
        }
        // Years outside 0000–9999 are never written in ten characters.
        assert!(!is_utc_date(&utc_date(-62_167_219_201), -62_167_219_201));
        assert!(!is_utc_date(&utc_date(253_402_300_800), 253_402_300_800));
        assert!(!is_utc_date("2019-2-255", 1_551_113_065));
        assert!(!is_utc_date("2019-02-25 ", 1_551_113_065));
    }

    #[test]
    fn local_dates_are_beijing_time() {
        assert_eq!(local_datetime(1_764_000_000), "2025-11-25 00:00:00");
        assert_eq!(local_date(1_763_999_999), "2025-11-24");
        assert_eq!(local_midnight(1_764_000_000 + 5000), 1_764_000_000);
        assert_eq!(local_midnight(1_764_000_000 - 1), 1_764_000_000 - DAY);
    }

    #[test]
    fn parsing_is_exact_and_round_trips() {
        assert_eq!(parse_local("2025-11-25", Precision::Day), Some(1_764_000_000));
        assert_eq!(parse_local("2025-11-25 08:00", Precision::Minute), Some(1_764_028_800));
        assert_eq!(parse_local("2025-11-25 08:00:01", Precision::Second), Some(1_764_028_801));
        for bad in ["2025-11-25 08:00", "2025-02-29", "2025-13-01", "2025-1-01", "20251125", "2025-11-2x", ""] {
            assert_eq!(parse_local(bad, Precision::Day), None, "{bad}");
        }
        assert_eq!(parse_local("2025-11-25 24:00", Precision::Minute), None);
        assert_eq!(parse_local("2024-02-29", Precision::Day), Some(days_from_civil(2024, 2, 29) * DAY - UTC8));
        for t in [0i64, 951_782_400, 1_764_000_000, 4_102_444_799] {
            let text = local_datetime(t);
            assert_eq!(parse_local(&text, Precision::Second), Some(t), "{text}");
        }
    }
}
