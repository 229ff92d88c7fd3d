//! Charge periods: hours or days in UTC, their billing month, and how they are written.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How long a FOCUS file's charge period is.
///
/// ```
/// use genops::FocusPeriod;
/// assert_eq!(FocusPeriod::from_name("daily"), Some(FocusPeriod::Daily));
/// assert_eq!(FocusPeriod::default(), FocusPeriod::Hourly);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FocusPeriod {
    /// One file per UTC hour.
    #[default]
    Hourly,
    /// One file per UTC day.
    Daily,
}

impl FocusPeriod {
    /// The period named `hourly` or `daily` (case-insensitive).
    pub fn from_name(name: &str) -> Option<Self> {
        match name.to_ascii_lowercase().as_str() {
            "hourly" | "hour" => Some(FocusPeriod::Hourly),
            "daily" | "day" => Some(FocusPeriod::Daily),
            _ => None,
        }
    }

    /// The period's length in seconds.
    const fn seconds(self) -> u64 {
        match self {
            FocusPeriod::Hourly => 3_600,
            FocusPeriod::Daily => 86_400,
        }
    }

    /// The start of the period that holds `at` (seconds since the epoch).
    pub(super) fn start_of(self, at: u64) -> u64 {
        at / self.seconds() * self.seconds()
    }

    /// The end of the period that holds `at` (seconds since the epoch): the next boundary.
    pub(super) fn end_after(self, at: u64) -> u64 {
        (at / self.seconds() + 1) * self.seconds()
    }
}

/// Seconds since the Unix epoch, of `at` (0 before it).
pub(super) fn unix_seconds(at: SystemTime) -> u64 {
    at.duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_secs()
}

/// The civil date (year, month, day) of a day since the epoch (Howard Hinnant's algorithm).
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// The day since the epoch of a civil date.
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year.rem_euclid(400);
    let month = i64::from(month);
    let doy = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The billing period (the UTC calendar month) that holds `at`: its start and end.
pub(super) fn billing_month(at: u64) -> (u64, u64) {
    let (year, month, _) = civil((at / 86_400) as i64);
    let start = days_from_civil(year, month, 1);
    let end = if month == 12 {
        days_from_civil(year + 1, 1, 1)
    } else {
        days_from_civil(year, month + 1, 1)
    };
    (start as u64 * 86_400, end as u64 * 86_400)
}

/// `at` as FOCUS writes a date-time: ISO 8601 in UTC (`2026-12-06T07:00:00Z`).
pub(super) fn iso(at: u64) -> String {
    let (year, month, day) = civil((at / 86_400) as i64);
    let secs = at % 86_400;
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        secs / 3_600,
        secs / 60 % 60,
        secs % 60
    )
}

/// `at` as a file name part: `20261206T070000Z`, which sorts as time does.
pub(super) fn compact(at: u64) -> String {
    iso(at).replace(['-', ':'], "")
}

/// The seconds since the epoch of a [`compact`] time.
pub(super) fn parse_compact(text: &str) -> Option<u64> {
    let b = text.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    let num = |from: usize, to: usize| text.get(from..to)?.parse::<u32>().ok();
    let (year, month, day) = (num(0, 4)?, num(4, 6)?, num(6, 8)?);
    let (hour, minute, second) = (num(9, 11)?, num(11, 13)?, num(13, 15)?);
    let days = days_from_civil(i64::from(year), month, day);
    let secs = days * 86_400 + i64::from(hour * 3_600 + minute * 60 + second);
    u64::try_from(secs).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_written_in_utc_and_read_back() {
        // 2026-12-06T07:08:09Z
        let at = 1_796_540_889;
        assert_eq!(iso(at), "2026-12-06T07:08:09Z");
        assert_eq!(compact(at), "20261206T070809Z");
        assert_eq!(parse_compact(&compact(at)), Some(at));
        assert_eq!(iso(0), "1970-01-01T00:00:00Z");
        assert_eq!(parse_compact("2026-12-06"), None);
    }

    #[test]
    fn periods_end_on_boundaries_and_months_hold_them() {
        let at = 1_796_540_889;
        assert_eq!(
            iso(FocusPeriod::Hourly.end_after(at)),
            "2026-12-06T08:00:00Z"
        );
        assert_eq!(
            iso(FocusPeriod::Daily.end_after(at)),
            "2026-12-07T00:00:00Z"
        );
        let (start, end) = billing_month(at);
        assert_eq!(
            (iso(start), iso(end)),
            ("2026-12-01T00:00:00Z".into(), "2027-01-01T00:00:00Z".into())
        );
        let (start, end) = billing_month(parse_compact("20240229T235959Z").unwrap());
        assert_eq!(
            (iso(start), iso(end)),
            ("2024-02-01T00:00:00Z".into(), "2024-03-01T00:00:00Z".into())
        );
    }
}
