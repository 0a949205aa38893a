//! Five-field cron expressions (minute hour day-of-month month day-of-week), evaluated in a
//! schedule's [`Zone`]. Parsing never panics on any input; the next run is searched within
//! five years.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, Timelike, Utc};

use super::zone::{Zone, ZoneError};

/// A parsed expression: one bit per allowed value of each field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cron {
    minutes: u64,
    hours: u32,
    days: u32,
    months: u16,
    weekdays: u8,
    /// Both day fields restricted: a day matches either (cron's rule).
    day_or: bool,
}

/// Why an expression or zone was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CronError {
    #[error("a cron expression has 5 fields (minute hour day month weekday), not {0}")]
    Fields(usize),
    #[error("`{value}` is not valid in the {field} field ({min}–{max})")]
    Value { field: &'static str, value: String, min: u32, max: u32 },
    #[error(transparent)]
    Zone(#[from] ZoneError),
}

const FIELDS: [(&str, u32, u32); 5] = [("minute", 0, 59), ("hour", 0, 23), ("day", 1, 31), ("month", 1, 12), ("weekday", 0, 7)];

impl Cron {
    pub fn parse(text: &str) -> Result<Cron, CronError> {
        let parts: Vec<&str> = text.split_whitespace().collect();
        if parts.len() != 5 {
            return Err(CronError::Fields(parts.len()));
        }
        let mut bits = [0u64; 5];
        for (i, part) in parts.iter().enumerate() {
            bits[i] = field(part, FIELDS[i])?;
        }
        // Sunday is 0 or 7.
        let weekdays = ((bits[4] | (bits[4] >> 7)) & 0x7f) as u8;
        Ok(Cron {
            minutes: bits[0],
            hours: bits[1] as u32,
            days: bits[2] as u32,
            months: bits[3] as u16,
            weekdays,
            day_or: !parts[2].starts_with('*') && !parts[4].starts_with('*'),
        })
    }

    fn day_matches(&self, date: NaiveDate) -> bool {
        let dom = self.days & (1 << date.day()) != 0;
        let dow = self.weekdays & (1 << date.weekday().num_days_from_sunday()) != 0;
        if self.day_or { dom || dow } else { dom && dow }
    }

    /// The first run strictly after `after`, in `zone`: the first matching local minute whose
    /// instant ([`Zone::resolve`]: skipped times at the jump, repeated ones once) is later.
    pub fn next_after(&self, after: DateTime<Utc>, zone: &Zone) -> Option<DateTime<Utc>> {
        let local = zone.local(after.timestamp())?;
        let mut t = local.with_second(0)?.with_nanosecond(0)? + Duration::minutes(1);
        let limit = local + Duration::days(5 * 366);
        while t <= limit {
            if self.months & (1 << t.month()) == 0 {
                let (y, m) = if t.month() == 12 { (t.year() + 1, 1) } else { (t.year(), t.month() + 1) };
                t = NaiveDate::from_ymd_opt(y, m, 1)?.and_hms_opt(0, 0, 0)?;
                continue;
            }
            if !self.day_matches(t.date()) {
                t = start_of_day(t.date().succ_opt()?)?;
                continue;
            }
            if self.hours & (1 << t.hour()) == 0 {
                t = t.with_minute(0)? + Duration::hours(1);
                continue;
            }
            if self.minutes & (1 << t.minute()) == 0 {
                t += Duration::minutes(1);
                continue;
            }
            let at = zone.resolve(t);
            if at > after.timestamp() {
                return DateTime::from_timestamp(at, 0);
            }
            // The second pass of a repeated hour: its runs happened on the first.
            t += Duration::minutes(1);
        }
        None
    }
}

fn start_of_day(date: NaiveDate) -> Option<NaiveDateTime> {
    date.and_hms_opt(0, 0, 0)
}

/// One field: `*`, `*/n`, `a`, `a-b`, `a-b/n`, `a/n`, comma-separated.
fn field(text: &str, (name, min, max): (&'static str, u32, u32)) -> Result<u64, CronError> {
    let bad = || CronError::Value { field: name, value: text.chars().take(40).collect(), min, max };
    let mut bits = 0u64;
    for item in text.split(',') {
        let (range, step) = match item.split_once('/') {
            Some((r, s)) => (r, s.parse::<u32>().ok().filter(|s| (1..=max.max(1)).contains(s)).ok_or_else(bad)?),
            None => (item, 1),
        };
        let number = |s: &str| s.parse::<u32>().ok().filter(|n| (min..=max).contains(n)).ok_or_else(bad);
        let (lo, hi) = match range {
            "*" => (min, max),
            r => match r.split_once('-') {
                Some((a, b)) => (number(a)?, number(b)?),
                None if item.contains('/') => (number(r)?, max),
                None => (number(r)?, number(r)?),
            },
        };
        if lo > hi {
            return Err(bad());
        }
        let mut v = lo;
        while v <= hi {
            bits |= 1 << v;
            v += step;
        }
    }
    Ok(bits)
}

/// `UTC`, `±HH:MM` or an IANA zone name.
pub fn parse_zone(text: &str) -> Result<Zone, CronError> {
    Ok(Zone::parse(text)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).expect("a time").with_timezone(&Utc)
    }

    #[test]
    fn next_runs_follow_cron_rules() {
        let utc = parse_zone("UTC").expect("utc");
        let next = |expr: &str, after: &str| Cron::parse(expr).expect("parses").next_after(at(after), &utc).map(|t| t.to_rfc3339());
        assert_eq!(next("* * * * *", "2026-01-01T10:00:30Z").as_deref(), Some("2026-01-01T10:01:00+00:00"));
        assert_eq!(next("*/15 * * * *", "2026-01-01T10:01:00Z").as_deref(), Some("2026-01-01T10:15:00+00:00"));
        assert_eq!(next("30 2 * * *", "2026-01-01T10:00:00Z").as_deref(), Some("2026-01-02T02:30:00+00:00"));
        assert_eq!(next("0 0 29 2 *", "2026-03-01T00:00:00Z").as_deref(), Some("2028-02-29T00:00:00+00:00"));
        // Monday (1) or the 13th, whichever comes first; Sunday as 7.
        assert_eq!(next("0 9 13 * 1", "2026-01-01T00:00:00Z").as_deref(), Some("2026-01-05T09:00:00+00:00"));
        assert_eq!(next("0 9 * * 7", "2026-01-01T00:00:00Z").as_deref(), Some("2026-01-04T09:00:00+00:00"));
        assert_eq!(next("0 0 31 2 *", "2026-01-01T00:00:00Z"), None, "February 31st never comes");
        let shanghai = parse_zone("+08:00").expect("offset");
        let run = Cron::parse("0 9 * * *").expect("parses").next_after(at("2026-01-01T00:00:00Z"), &shanghai).expect("a run");
        assert_eq!(run.to_rfc3339(), "2026-01-01T01:00:00+00:00", "09:00 in +08:00");
    }

    #[test]
    fn bad_input_is_refused_without_panicking() {
        for bad in [
            "",
            "* * * *",
            "60 * * * *",
            "* 24 * * *",
            "* * 0 * *",
            "* * * 13 *",
            "* * * * 8",
            "5-1 * * * *",
            "*/0 * * * *",
            "a b c d e",
            "-1 * * * *",
            "1,,2 * * * *",
            "*/99999999999 * * * *",
            "٣ * * * *",
        ] {
            assert!(Cron::parse(bad).is_err(), "{bad:?} should be refused");
        }
        for zone in ["", "Mars/Olympus", "+25:00", "+08", "08:00", "+0a:00", "+٣:00"] {
            assert!(parse_zone(zone).is_err(), "{zone:?} should be refused");
        }
        // Every byte string of a few characters parses or fails cleanly.
        let alphabet = ["*", "/", "-", ",", "0", "7", "59", " ", "x"];
        let mut count = 0;
        for a in alphabet {
            for b in alphabet {
                for c in alphabet {
                    let text = format!("{a}{b}{c} {c}{b} * * {a}");
                    let _ = Cron::parse(&text).map(|c| c.next_after(at("2026-01-01T00:00:00Z"), &parse_zone("UTC").expect("utc")));
                    count += 1;
                }
            }
        }
        assert_eq!(count, 729);
    }

    /// Cron around Berlin's DST changes, against the system's `date`.
    #[test]
    fn berlin_dst_gaps_run_at_the_jump_and_repeated_hours_once() {
        let berlin = parse_zone("Europe/Berlin").expect("Berlin");
        let date = |text: &str| {
            let out = std::process::Command::new("date").env("TZ", "Europe/Berlin").args(["-d", text, "+%s"]).output().expect("date");
            String::from_utf8_lossy(&out.stdout).trim().parse::<i64>().expect("an epoch")
        };
        let next = |expr: &str, after: i64| {
            Cron::parse(expr)
                .expect("parses")
                .next_after(DateTime::from_timestamp(after, 0).expect("a time"), &berlin)
                .map(|t| t.timestamp())
        };
        // Spring 2026: 02:30 does not exist on March 29th; the run is at the jump, once.
        let jump = date("2026-03-29 03:00");
        assert_eq!(next("30 2 * * *", date("2026-03-28 12:00")), Some(jump));
        assert_eq!(next("30 2 * * *", jump), Some(date("2026-03-30 02:30")));
        assert_eq!(next("*/15 * * * *", date("2026-03-29 01:50")), Some(jump));
        assert_eq!(next("*/15 * * * *", jump), Some(date("2026-03-29 03:15")), "the skipped quarters ran once, at the jump");
        // Autumn 2026: 02:00–02:59 happens twice (CEST, then CET); runs only on the first pass.
        let first = date("2026-10-25 02:30 CEST");
        assert_eq!(next("30 2 * * *", date("2026-10-24 12:00")), Some(first));
        assert_eq!(next("30 2 * * *", first), Some(date("2026-10-26 02:30")));
        assert_eq!(next("*/30 * * * *", first), Some(date("2026-10-25 03:00")), "no runs in the repeated hour");
        assert_eq!(next("0 3 * * *", date("2026-10-25 02:59 CET")), Some(date("2026-10-25 03:00")));
        // Ordinary days in both offsets.
        assert_eq!(next("0 9 * * *", date("2026-07-01 00:00")), Some(date("2026-07-01 09:00")));
        assert_eq!(next("0 9 * * *", date("2026-12-01 00:00")), Some(date("2026-12-01 09:00")));
    }
}
