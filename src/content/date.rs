//! Dates as authors write them: RFC 3339, or `YYYY-MM-DD[ HH:MM[:SS]]` in the site timezone.

use chrono::{DateTime, FixedOffset, LocalResult, NaiveDate, NaiveDateTime, TimeZone};
use chrono_tz::Tz;

pub const DATE_HINT: &str = "write it as RFC 3339 (2024-05-01T20:30:00+02:00) or as YYYY-MM-DD or YYYY-MM-DD HH:MM in the site timezone";

/// Why a date that parsed cannot be published: a leap second (`:60`), which RSS and Atom
/// readers reject, or a year outside 0001–9999, which RFC 822 and RFC 3339 cannot write.
/// `None` when it can be.
pub fn unpublishable(date: DateTime<FixedOffset>) -> Option<&'static str> {
    use chrono::{Datelike, Timelike};
    if date.nanosecond() >= 1_000_000_000 {
        return Some("has second 60 (a leap second), which feed readers reject: write :59");
    }
    // A day of margin each side: the site's timezone may move the date across the year. Both
    // named days are inside, to their last second (an offset is under a day).
    let utc = date.naive_utc();
    let (first, after_last) = (
        NaiveDate::from_ymd_opt(1, 1, 2).and_then(|d| d.and_hms_opt(0, 0, 0)),
        NaiveDate::from_ymd_opt(9999, 12, 31).and_then(|d| d.and_hms_opt(0, 0, 0)),
    );
    let inside = first.is_some_and(|f| utc >= f) && after_last.is_some_and(|l| utc < l);
    (!inside || date.year() < 1 || date.year() > 9999).then_some(
        "is outside 0001-01-02 to 9999-12-30 (UTC), the dates every feed can write in any \
         timezone: fix the year",
    )
}

/// The forms of a wall-clock time without an offset, read in the site timezone.
const WALL_CLOCK: [&str; 4] = [
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",
];

/// Parses `text` as a date; dates without an offset are read in `tz`.
pub fn parse_date(text: &str, tz: Tz) -> Option<DateTime<FixedOffset>> {
    read_date(text, tz).map(|(date, _)| date)
}

/// [`parse_date`], and what to say when `text` is a wall-clock time that `tz` skips (clocks
/// going forward) or repeats (clocks going back): [`localize`] picks an instant, which the
/// writer may not have meant. One parse for both.
pub fn read_date(text: &str, tz: Tz) -> Option<(DateTime<FixedOffset>, Option<String>)> {
    let text = text.trim();
    if let Ok(d) = DateTime::parse_from_rfc3339(text) {
        return Some((d, None));
    }
    // RFC 3339 with a space instead of `T` and an offset.
    if let Ok(d) = DateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%:z") {
        return Some((d, None));
    }
    if let Some(naive) = WALL_CLOCK
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
    {
        let read = localize(naive, tz);
        return Some((read, wall_clock_shift(text, naive, (tz, read))));
    }
    let midnight = NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()?
        .and_hms_opt(0, 0, 0)?;
    Some((localize(midnight, tz), None))
}

/// What to say of the wall-clock time `naive` (written `text`) that `tz` skips or repeats,
/// read as `read`.
fn wall_clock_shift(
    text: &str,
    naive: NaiveDateTime,
    (tz, read): (Tz, DateTime<FixedOffset>),
) -> Option<String> {
    let read = read.to_rfc3339();
    match tz.from_local_datetime(&naive) {
        LocalResult::Single(_) => None,
        LocalResult::None => Some(format!(
            "`{text}` does not exist in {tz} (the clocks go forward then): read as {read}; write the offset you mean"
        )),
        LocalResult::Ambiguous(..) => Some(format!(
            "`{text}` happens twice in {tz} (the clocks go back then): read as the first, {read}; write the offset you mean"
        )),
    }
}

/// Places a wall-clock time in `tz`. An ambiguous time (the hour repeated when clocks go back)
/// takes the earlier instant; a time that does not exist (skipped when clocks go forward) is
/// moved forward by the gap, as a wall clock would show it.
pub fn localize(naive: NaiveDateTime, tz: Tz) -> DateTime<FixedOffset> {
    if let LocalResult::Single(d) | LocalResult::Ambiguous(d, _) = tz.from_local_datetime(&naive) {
        return whole_minutes(d.fixed_offset());
    }
    // In a gap: read with the offset in force before it, which moves it forward by the gap
    // whatever its length (Lord Howe's is 30 minutes; a fixed hour's shift put 02:15 after
    // 02:45). The last minute before it that exists gives that offset.
    let before = (1..=24 * 60).find_map(|m| {
        match tz.from_local_datetime(&(naive - chrono::Duration::minutes(m))) {
            LocalResult::Single(d) | LocalResult::Ambiguous(_, d) => {
                Some(d.fixed_offset().offset().local_minus_utc())
            }
            LocalResult::None => None,
        }
    });
    match before {
        Some(offset) => {
            let utc = naive - chrono::Duration::seconds(offset.into());
            whole_minutes(utc.and_utc().with_timezone(&tz).fixed_offset())
        }
        None => naive.and_utc().fixed_offset(),
    }
}

/// Expresses an instant in the site timezone, so output never depends on the host's zone.
pub fn in_zone(instant: DateTime<FixedOffset>, tz: Tz) -> DateTime<FixedOffset> {
    whole_minutes(instant.with_timezone(&tz).fixed_offset())
}

/// `date` as feeds and the state file can write it: RFC 822 and RFC 3339 offsets hold hours and
/// minutes, so an offset with seconds (local mean time before 1911: Paris was +00:09:21) would
/// be cut to another instant; such a date is given in UTC instead.
fn whole_minutes(date: DateTime<FixedOffset>) -> DateTime<FixedOffset> {
    if date.offset().local_minus_utc() % 60 == 0 {
        return date;
    }
    date.with_timezone(&chrono::Utc).fixed_offset()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Audit: Lord Howe's clocks skip 30 minutes; a skipped 02:15 was read as 03:15, after
    /// 02:45, and the entries came out in the wrong order.
    #[test]
    fn a_skipped_time_moves_forward_by_the_gap_whatever_its_length() {
        let read = |tz: &str, at: &str| {
            let naive = NaiveDateTime::parse_from_str(at, "%Y-%m-%d %H:%M").unwrap();
            localize(naive, tz.parse().unwrap()).to_rfc3339()
        };
        let howe = "Australia/Lord_Howe";
        assert_eq!(read(howe, "2026-10-04 02:15"), "2026-10-04T02:45:00+11:00");
        assert_eq!(read(howe, "2026-10-04 02:00"), "2026-10-04T02:30:00+11:00");
        assert_eq!(read(howe, "2026-10-04 02:45"), "2026-10-04T02:45:00+11:00");
        assert_eq!(
            read("Europe/Paris", "2026-03-29 02:30"),
            "2026-03-29T03:30:00+02:00"
        );
        assert_eq!(
            read("Europe/Paris", "2026-10-25 02:30"),
            "2026-10-25T02:30:00+02:00"
        );
        assert_eq!(
            read("America/Santiago", "2026-09-06 00:00"),
            "2026-09-06T01:00:00-03:00"
        );
    }

    #[test]
    fn an_offset_with_seconds_is_written_in_utc() {
        let paris: Tz = "Europe/Paris".parse().unwrap();
        // Local mean time, +00:09:21: 10:00 there was 09:50:39 UTC.
        let d = parse_date("1900-01-01 10:00", paris).unwrap();
        assert_eq!(d.to_rfc3339(), "1900-01-01T09:50:39+00:00");
        assert_eq!(in_zone(d, paris).to_rfc3339(), "1900-01-01T09:50:39+00:00");
        let now = parse_date("2024-05-01 10:00", paris).unwrap();
        assert_eq!(
            in_zone(now, paris).to_rfc3339(),
            "2024-05-01T10:00:00+02:00"
        );
    }

    #[test]
    fn forms() {
        let paris: Tz = "Europe/Paris".parse().unwrap();
        let d = parse_date("2024-05-01T20:30:00+02:00", Tz::UTC).unwrap();
        assert_eq!(d.to_rfc3339(), "2024-05-01T20:30:00+02:00");
        let d = parse_date("2024-05-01", paris).unwrap();
        assert_eq!(d.to_rfc3339(), "2024-05-01T00:00:00+02:00");
        let d = parse_date("2024-01-15 23:59", paris).unwrap();
        assert_eq!(d.to_rfc3339(), "2024-01-15T23:59:00+01:00");
        assert!(parse_date("May 1st", paris).is_none());
        assert!(parse_date("2024-13-01", paris).is_none());
    }

    /// What a feed cannot carry is refused where it is written, not found in the output.
    #[test]
    fn leap_seconds_and_far_years_cannot_be_published() {
        let leap = parse_date("2026-03-03T10:30:60+02:00", Tz::UTC).unwrap();
        assert!(unpublishable(leap).unwrap().contains("second 60"));
        let negative = parse_date("-0001-01-01T00:00:00Z", Tz::UTC);
        assert!(negative.is_none_or(|d| unpublishable(d).is_some()));
        let zero = parse_date("0000-06-01", Tz::UTC).unwrap();
        assert!(
            unpublishable(zero)
                .unwrap()
                .contains("0001-01-02 to 9999-12-30 (UTC)")
        );
        for ok in [
            "0001-06-01",
            "1900-01-01",
            "2026-03-03T10:30:59+02:00",
            "9999-06-01",
            // Audit: a second past midnight on the last day named was refused.
            "9999-12-30T23:59:59Z",
            "9999-12-31T23:00:00+23:30",
            "0001-01-01T23:59:00-00:01",
        ] {
            let d = parse_date(ok, Tz::UTC).unwrap();
            assert_eq!(unpublishable(d), None, "{ok}");
        }
        for past in ["9999-12-31T00:00:00Z", "0001-01-01T23:59:59Z"] {
            let d = parse_date(past, Tz::UTC).unwrap();
            assert!(unpublishable(d).is_some(), "{past}");
        }
    }

    #[test]
    fn dst_gap_and_overlap() {
        let paris: Tz = "Europe/Paris".parse().unwrap();
        // 2024-03-31 02:30 does not exist in Paris.
        let d = parse_date("2024-03-31 02:30", paris).unwrap();
        assert_eq!(d.to_rfc3339(), "2024-03-31T03:30:00+02:00");
        // 2024-10-27 02:30 happens twice; the first one is taken.
        let d = parse_date("2024-10-27 02:30", paris).unwrap();
        assert_eq!(d.to_rfc3339(), "2024-10-27T02:30:00+02:00");
    }

    /// Audit: a time the clocks skip or repeat was read one way without a word.
    #[test]
    fn a_skipped_or_repeated_wall_clock_time_is_said() {
        let paris: Tz = "Europe/Paris".parse().unwrap();
        assert_eq!(
            read_date("2024-03-31 02:30", paris).unwrap().1.unwrap(),
            "`2024-03-31 02:30` does not exist in Europe/Paris (the clocks go forward then): read as 2024-03-31T03:30:00+02:00; write the offset you mean"
        );
        assert_eq!(
            read_date("2024-10-27T02:30", paris).unwrap().1.unwrap(),
            "`2024-10-27T02:30` happens twice in Europe/Paris (the clocks go back then): read as the first, 2024-10-27T02:30:00+02:00; write the offset you mean"
        );
        for fine in [
            "2024-10-27 04:30",
            "2024-10-27",
            "2024-10-27T02:30:00+01:00",
        ] {
            assert_eq!(read_date(fine, paris).unwrap().1, None, "{fine}");
        }
    }
}
