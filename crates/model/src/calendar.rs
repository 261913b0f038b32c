//! The simulated calendar: virtual time 0 is the configured epoch (ISO 8601, UTC), so
//! every date the API shows and the event log's `time` are reproducible. No clock is
//! read; this is arithmetic on the proleptic Gregorian calendar.

/// The default epoch: a fixed, documented date so that runs stay reproducible.
pub const DEFAULT_EPOCH: &str = "2026-01-01T00:00:00.000Z";

/// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + if m <= 2 { 1 } else { 0 }, m, d)
}

/// Parses `YYYY-MM-DDTHH:MM:SS[.mmm](Z|±HH:MM)` (or a bare date) to Unix milliseconds.
pub fn parse_iso(text: &str) -> Result<i64, String> {
    let bad = || format!("`{text}` is not an ISO 8601 date and time such as {DEFAULT_EPOCH}");
    let num = |s: &str| s.parse::<i64>().map_err(|_| bad());
    let (date, rest) = text.split_once('T').unwrap_or((text, "00:00:00Z"));
    let d: Vec<&str> = date.split('-').collect();
    if d.len() != 3 || d[0].len() != 4 || d[1].len() != 2 || d[2].len() != 2 {
        return Err(bad());
    }
    let (y, mo, da) = (num(d[0])?, num(d[1])?, num(d[2])?);
    let (time, offset_min) = if let Some(t) = rest.strip_suffix('Z') {
        (t, 0)
    } else if let Some(i) = rest.rfind(['+', '-']) {
        let (t, off) = rest.split_at(i);
        let (sign, hm) = off.split_at(1);
        let (h, m) = hm.split_once(':').ok_or_else(bad)?;
        let mins = num(h)? * 60 + num(m)?;
        (t, if sign == "-" { -mins } else { mins })
    } else {
        return Err(bad());
    };
    let (hms, frac) = time.split_once('.').unwrap_or((time, "0"));
    let t: Vec<&str> = hms.split(':').collect();
    if t.len() != 3 || !(1..=9).contains(&frac.len()) {
        return Err(bad());
    }
    let (h, mi, s) = (num(t[0])?, num(t[1])?, num(t[2])?);
    let ms = num(&format!("{frac:0<3}")[..3])?;
    let month_days = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    if !(1..=12).contains(&mo)
        || !(1..=month_days[(mo - 1) as usize]).contains(&da)
        || h > 23
        || mi > 59
        || s > 59
        || civil_from_days(days_from_civil(y, mo, da)) != (y, mo, da)
    {
        return Err(bad());
    }
    let secs = days_from_civil(y, mo, da) * 86_400 + h * 3600 + mi * 60 + s - offset_min * 60;
    Ok(secs * 1000 + ms)
}

/// A civil date and time of day in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Civil {
    pub year: i64,
    /// 1-12.
    pub month: u32,
    /// 1-31.
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    pub millis: u32,
    /// 0 = Sunday.
    pub weekday: u32,
}

/// The civil date and time of Unix milliseconds.
pub fn civil(unix_ms: i64) -> Civil {
    let days = unix_ms.div_euclid(86_400_000);
    let ms = unix_ms.rem_euclid(86_400_000) as u32;
    let (y, m, d) = civil_from_days(days);
    Civil {
        year: y,
        month: m as u32,
        day: d as u32,
        hour: ms / 3_600_000,
        minute: ms / 60_000 % 60,
        second: ms / 1000 % 60,
        millis: ms % 1000,
        weekday: (days + 4).rem_euclid(7) as u32,
    }
}

/// Unix milliseconds as `YYYY-MM-DDTHH:MM:SS.mmmZ`.
pub fn format_iso(unix_ms: i64) -> String {
    let c = civil(unix_ms);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        c.year, c.month, c.day, c.hour, c.minute, c.second, c.millis
    )
}

/// Unix milliseconds as an HTTP-date (`Thu, 01 Jan 2026 00:00:00 GMT`), as MaxScale
/// shows times.
pub fn http_date(unix_ms: i64) -> String {
    const DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let c = civil(unix_ms);
    format!(
        "{}, {:02} {} {} {:02}:{:02}:{:02} GMT",
        DAYS[c.weekday as usize],
        c.day,
        MONTHS[c.month as usize - 1],
        c.year,
        c.hour,
        c.minute,
        c.second
    )
}

/// Unix milliseconds of virtual time `t_ms` under `epoch` (an already validated ISO text).
pub fn unix_ms_at(epoch: &str, t_ms: u64) -> i64 {
    parse_iso(epoch).unwrap_or(0).saturating_add(t_ms as i64)
}

/// The date of virtual time `t_ms` under `epoch` (an already validated ISO text).
pub fn date_at(epoch: &str, t_ms: u64) -> String {
    format_iso(unix_ms_at(epoch, t_ms))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_offsets() {
        assert_eq!(parse_iso("1970-01-01T00:00:00.000Z"), Ok(0));
        assert_eq!(format_iso(parse_iso(DEFAULT_EPOCH).unwrap()), DEFAULT_EPOCH);
        assert_eq!(
            format_iso(parse_iso("2024-02-29T23:30:00+09:00").unwrap()),
            "2024-02-29T14:30:00.000Z"
        );
        assert_eq!(
            date_at(DEFAULT_EPOCH, 90_061_001),
            "2026-01-02T01:01:01.001Z"
        );
        assert_eq!(
            format_iso(parse_iso("2027-06-15").unwrap()),
            "2027-06-15T00:00:00.000Z"
        );
    }

    #[test]
    fn http_dates_and_weekdays() {
        let at = |t_ms| http_date(unix_ms_at(DEFAULT_EPOCH, t_ms));
        assert_eq!(at(0), "Thu, 01 Jan 2026 00:00:00 GMT");
        assert_eq!(at(86_400_000 * 365), "Fri, 01 Jan 2027 00:00:00 GMT");
        let c = civil(unix_ms_at(DEFAULT_EPOCH, 86_400_000 * 59 + 3_723_004));
        assert_eq!(
            (c.year, c.month, c.day, c.hour, c.minute, c.second, c.millis, c.weekday),
            (2026, 3, 1, 1, 2, 3, 4, 0)
        );
    }

    #[test]
    fn bad_dates_are_refused() {
        for t in [
            "",
            "2026-13-01T00:00:00Z",
            "2025-02-29T00:00:00Z",
            "2026-01-01T24:00:00Z",
            "yesterday",
            "2026-01-01T00:00:00",
        ] {
            assert!(parse_iso(t).is_err(), "{t}");
        }
    }
}
