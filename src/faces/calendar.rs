//! The simulated calendar as the faces show it: virtual ms since t=0 counted from
//! [`EPOCH_S`]. [assume] A fixed start date until the host has a calendar setting
//! (`--epoch`, #8); then faces should read it from there.

/// 2026-01-01T00:00:00Z, in Unix seconds.
pub const EPOCH_S: i64 = 1_767_225_600;

/// (year, month 1-12, day 1-31, hour, minute, second, weekday 0=Sunday) of virtual `ms`.
pub fn civil(ms: u64) -> (i64, u32, u32, u32, u32, u32, u32) {
    let secs = EPOCH_S + (ms / 1000) as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Howard Hinnant's days-to-civil.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    let wd = (days + 4).rem_euclid(7) as u32;
    let r = rem as u32;
    (y, m, d, r / 3600, r / 60 % 60, r % 60, wd)
}

/// HTTP-date (`Thu, 01 Jan 2026 00:00:00 GMT`) of virtual `ms`.
pub fn http_date(ms: u64) -> String {
    const DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let (y, mo, d, h, mi, s, wd) = civil(ms);
    format!(
        "{}, {d:02} {} {y} {h:02}:{mi:02}:{s:02} GMT",
        DAYS[wd as usize],
        MONTHS[mo as usize - 1]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_of_the_simulated_calendar() {
        assert_eq!(http_date(0), "Thu, 01 Jan 2026 00:00:00 GMT");
        assert_eq!(civil(86_400_000 * 59 + 3_723_000), (2026, 3, 1, 1, 2, 3, 0));
        assert_eq!(http_date(86_400_000 * 365), "Fri, 01 Jan 2027 00:00:00 GMT");
    }
}
