//! Timestamps as users' files hold them: ISO 8601 (date, minute or second precision, optional
//! fraction, `T` or space, `Z`/`±HH:MM`/`±HHMM` or no zone = UTC) or Unix seconds. Parsed to
//! Unix seconds (UTC); anything else is `None` for the caller to report with its line.

/// First and last second accepted: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z. A Unix
/// time outside them (milliseconds taken for seconds, say) is refused rather than sorted as
/// a date billions of years away.
pub const RANGE: (i64, i64) = (-62_135_596_800, 253_402_300_799);

/// Unix seconds of `s`, or `None` when it is not a timestamp this understands.
pub fn parse(s: &str) -> Option<i64> {
    parse_any(s).filter(|t| (RANGE.0..=RANGE.1).contains(t))
}

fn parse_any(s: &str) -> Option<i64> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if looks_unix(s) {
        let secs: f64 = s.parse().ok()?;
        return secs.is_finite().then_some(secs.floor() as i64);
    }
    let b = s.as_bytes();
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let year: i64 = s.get(0..4)?.parse().ok()?;
    let month: u32 = s.get(5..7)?.parse().ok()?;
    let day: u32 = s.get(8..10)?.parse().ok()?;
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    let mut secs = days_from_civil(year, month, day) * 86_400;
    let rest = &s[10..];
    if rest.is_empty() {
        return Some(secs);
    }
    let rest = rest.strip_prefix(['T', ' ', 't'])?;
    let rb = rest.as_bytes();
    if rb.len() < 5 || rb[2] != b':' {
        return None;
    }
    let hour: i64 = rest.get(0..2)?.parse().ok()?;
    let minute: i64 = rest.get(3..5)?.parse().ok()?;
    let mut k = 5;
    let mut second = 0i64;
    if rb.get(5) == Some(&b':') {
        second = rest.get(6..8)?.parse().ok()?;
        k = 8;
        if rb.get(8) == Some(&b'.') || rb.get(8) == Some(&b',') {
            k = 9;
            while rb.get(k).is_some_and(u8::is_ascii_digit) {
                k += 1;
            }
        }
    }
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    secs += hour * 3600 + minute * 60 + second;
    let zone = rest.get(k..)?.trim();
    match zone {
        "" | "Z" | "z" | "UTC" | "+00:00" => Some(secs),
        _ => {
            let sign = match zone.as_bytes()[0] {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            // `HH:MM` or `HHMM`; real offsets run from −12:00 to +14:00.
            let z = &zone[1..];
            let (h, m) = match z.len() {
                5 if z.as_bytes()[2] == b':' => (&z[0..2], &z[3..5]),
                4 => (&z[0..2], &z[2..4]),
                _ => return None,
            };
            if !(h.bytes().chain(m.bytes()).all(|c| c.is_ascii_digit())) {
                return None;
            }
            let (h, m) = (h.parse::<i64>().ok()?, m.parse::<i64>().ok()?);
            if h > 14 || m > 59 || (h == 14 && m > 0) {
                return None;
            }
            Some(secs - sign * (h * 3600 + m * 60))
        }
    }
}

fn looks_unix(s: &str) -> bool {
    let t = s.strip_prefix('-').unwrap_or(s);
    !t.is_empty()
        && t.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && t.bytes().filter(|&b| b == b'.').count() <= 1
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `YYYY-MM-DDTHH:MM:SSZ` of Unix seconds.
pub fn format(secs: i64) -> String {
    let mut buf = Vec::with_capacity(20);
    format_into(secs, &mut buf);
    String::from_utf8(buf).unwrap_or_default()
}

/// As [`format`], into `buf` (cleared first): output files write millions of these.
pub fn format_into(secs: i64, buf: &mut Vec<u8>) {
    buf.clear();
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let t = secs.rem_euclid(86_400) as u32;
    let (hh, mm, ss) = (t / 3600, t % 3600 / 60, t % 60);
    if !(0..=9999).contains(&y) {
        use std::io::Write;
        let _ = write!(buf, "{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}Z");
        return;
    }
    let y = y as u32;
    let digit = |v: u32| b'0' + v as u8;
    let two = |v: u32| [digit(v / 10), digit(v % 10)];
    buf.extend_from_slice(&[
        digit(y / 1000),
        digit(y / 100 % 10),
        digit(y / 10 % 10),
        digit(y % 10),
        b'-',
    ]);
    for (v, sep) in [(m, b'-'), (d, b'T'), (hh, b':'), (mm, b':'), (ss, b'Z')] {
        buf.extend_from_slice(&two(v));
        buf.push(sep);
    }
}

/// Today's UTC date as `YYYY-MM-DD`, or the date of `SOURCE_DATE_EPOCH` when it is set.
pub fn training_date() -> String {
    let secs = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64)
        });
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    format!("{y:04}-{m:02}-{d:02}")
}

/// Proleptic Gregorian date of a day count since 1970-01-01 (Howard Hinnant's algorithm).
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(19_723), (2024, 1, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
    }

    #[test]
    fn iso_forms_and_unix_seconds() {
        let base = 1_472_688_000; // 2016-09-01T00:00:00Z
        assert_eq!(parse("2016-09-01"), Some(base));
        assert_eq!(parse("2016-09-01T00:00:00Z"), Some(base));
        assert_eq!(parse("2016-09-01 00:01"), Some(base + 60));
        assert_eq!(parse("2016-09-01T01:00:00+01:00"), Some(base));
        assert_eq!(parse("2016-08-31T19:00:00-0500"), Some(base));
        assert_eq!(parse("2016-09-01T00:00:05.250Z"), Some(base + 5));
        assert_eq!(parse("1472688000"), Some(base));
        assert_eq!(parse("1472688000.9"), Some(base));
        assert_eq!(format(base + 3661), "2016-09-01T01:01:01Z");
    }

    #[test]
    fn formatting_agrees_with_the_general_form() {
        let general = |secs: i64| {
            let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
            let t = secs.rem_euclid(86_400);
            format!(
                "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
                t / 3600,
                t % 3600 / 60,
                t % 60
            )
        };
        let mut buf = Vec::new();
        let mut secs = RANGE.0 - 86_400 * 400;
        while secs < RANGE.1 + 86_400 * 400 {
            format_into(secs, &mut buf);
            assert_eq!(std::str::from_utf8(&buf).unwrap(), general(secs), "{secs}");
            assert_eq!(format(secs), general(secs));
            secs += 7_777_777;
        }
        assert_eq!(format(-62_167_219_201), general(-62_167_219_201), "year -1");
    }

    #[test]
    fn rejects_what_is_not_a_time() {
        for s in [
            "",
            "yesterday",
            "2016-13-01",
            "2016-02-30",
            "2016-09-01T25:00",
            "2016-09-01X00:00",
            "2016-09-01T00:00+5",
            "12:00",
            ".",
            "-",
            "99999999999999999999",
            "-99999999999999999999",
            "1e300",
            "253402300800",
        ] {
            assert_eq!(parse(s), None, "{s:?}");
        }
        assert_eq!(
            parse("2016-02-29"),
            Some(days_from_civil(2016, 2, 29) * 86_400)
        );
        assert_eq!(parse("2015-02-29"), None);
        assert_eq!(parse("253402300799"), Some(RANGE.1));
        assert_eq!(format(RANGE.0), "0001-01-01T00:00:00Z");
    }

    #[test]
    fn impossible_zone_offsets_are_refused() {
        for bad in [
            "2016-09-01T13:05:00+99:99",
            "2016-09-01T13:05:00+00:60",
            "2016-09-01T13:05:00+15:00",
            "2016-09-01T13:05:00+0:530",
            "2016-09-01T13:05:00+05:3",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
        let utc = parse("2016-09-01T13:05:00Z").unwrap();
        assert_eq!(parse("2016-09-01T18:35:00+05:30"), Some(utc));
        assert_eq!(parse("2016-09-01T18:35:00+0530"), Some(utc));
        assert_eq!(parse("2016-09-01T01:05:00-12:00"), Some(utc));
        assert_eq!(parse("2016-09-02T03:05:00+14:00"), Some(utc));
    }
}
