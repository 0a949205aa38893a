//! The time zones schedules run in: `UTC`, a fixed offset (`+08:00`), or an IANA name
//! (`Asia/Shanghai`) read from the system's TZif files (`$TZDIR`, else
//! `/usr/share/zoneinfo`; RFC 8536), including the POSIX rule of its footer for times past
//! the file's last transition.
//!
//! Local times map to instants as cron does around DST changes: a local time that does not
//! exist (the hour skipped in spring) is the instant of the jump, and a repeated local time
//! (the hour lived twice in autumn) is its first occurrence only.

use std::path::PathBuf;

use chrono::{Datelike, NaiveDate, NaiveDateTime};

/// A schedule's zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Zone {
    /// Seconds east of UTC.
    Fixed(i32),
    Named(Tzif),
}

/// Why a zone name was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown time zone `{name}`: {why}")]
pub struct ZoneError {
    pub name: String,
    pub why: String,
}

impl Zone {
    /// `UTC` (`Z`, `Etc/UTC`), `±HH:MM`, or an IANA name such as `Europe/Berlin`.
    pub fn parse(text: &str) -> Result<Zone, ZoneError> {
        let t = text.trim();
        let bad = |why: &str| ZoneError { name: t.chars().take(64).collect(), why: why.to_string() };
        if matches!(t, "UTC" | "Z" | "Etc/UTC" | "utc") {
            return Ok(Zone::Fixed(0));
        }
        if let Some(rest) = t.strip_prefix('+').map(|r| (1, r)).or_else(|| t.strip_prefix('-').map(|r| (-1, r))) {
            let (sign, rest) = rest;
            let (h, m) = rest.split_once(':').ok_or_else(|| bad("write an offset as ±HH:MM"))?;
            let digits = |s: &str| s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit());
            if !digits(h) || !digits(m) {
                return Err(bad("write an offset as ±HH:MM"));
            }
            let (h, m): (i32, i32) = (h.parse().map_err(|_| bad("bad hours"))?, m.parse().map_err(|_| bad("bad minutes"))?);
            if h > 14 || m > 59 {
                return Err(bad("offsets run from -14:00 to +14:00"));
            }
            return Ok(Zone::Fixed(sign * (h * 3600 + m * 60)));
        }
        let valid = !t.is_empty()
            && t.len() <= 64
            && t.bytes().all(|b| b.is_ascii_alphanumeric() || b"_+-/".contains(&b))
            && t.split('/').all(|part| !part.is_empty() && !part.starts_with(['.', '-']));
        if !valid {
            return Err(bad("use UTC, an offset such as +08:00, or an IANA name such as Asia/Shanghai"));
        }
        let dir = std::env::var_os("TZDIR").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("/usr/share/zoneinfo"));
        let data = std::fs::read(dir.join(t))
            .map_err(|_| bad(&format!("no such zone in {} (use an IANA name such as Asia/Shanghai)", dir.display())))?;
        Tzif::parse(&data).map(Zone::Named).map_err(|why| bad(&why))
    }

    /// Seconds east of UTC at the instant `utc` (Unix seconds).
    pub fn offset_at(&self, utc: i64) -> i32 {
        match self {
            Zone::Fixed(offset) => *offset,
            Zone::Named(tz) => tz.offset_at(utc),
        }
    }

    /// The local wall-clock time at `utc`.
    pub fn local(&self, utc: i64) -> Option<NaiveDateTime> {
        chrono::DateTime::from_timestamp(utc + i64::from(self.offset_at(utc)), 0).map(|d| d.naive_utc())
    }

    /// The instant a cron job set for local time `local` runs: its first occurrence, or the
    /// jump when the time is skipped.
    pub fn resolve(&self, local: NaiveDateTime) -> i64 {
        let l = local.and_utc().timestamp();
        let (before, after) = (self.offset_at(l - 86_400), self.offset_at(l + 86_400));
        let valid: Option<i64> =
            [before, after].into_iter().map(|o| l - i64::from(o)).filter(|u| i64::from(self.offset_at(*u)) == l - u).min();
        if let Some(u) = valid {
            return u;
        }
        // A gap: the first instant whose offset differs from the one before it.
        let (mut lo, mut hi) = (l - i64::from(before) - 86_400, l - i64::from(before));
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if self.offset_at(mid) == before { lo = mid } else { hi = mid }
        }
        hi
    }
}

/// A TZif file: transitions (instant, offset after it), the offset before the first one, and
/// the rule past the last one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tzif {
    transitions: Vec<(i64, i32)>,
    initial: i32,
    rule: Option<Rule>,
}

struct Reader<'a> {
    data: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8], String> {
        let end = self.at.checked_add(n).filter(|e| *e <= self.data.len()).ok_or("the TZif file is truncated")?;
        let out = &self.data[self.at..end];
        self.at = end;
        Ok(out)
    }

    fn be(&mut self, n: usize) -> Result<i64, String> {
        let bytes = self.take(n)?;
        let mut v: i64 = if bytes.first().is_some_and(|b| b & 0x80 != 0) { -1 } else { 0 };
        for b in bytes {
            v = (v << 8) | i64::from(*b);
        }
        Ok(v)
    }
}

impl Tzif {
    pub fn parse(data: &[u8]) -> Result<Tzif, String> {
        let mut r = Reader { data, at: 0 };
        let (v1, version) = Self::block(&mut r, 4)?;
        if version < b'2' {
            return Ok(v1);
        }
        let (mut v2, _) = Self::block(&mut r, 8)?;
        let rest = &data[r.at..];
        let footer = rest.strip_prefix(b"\n").and_then(|f| f.split(|b| *b == b'\n').next()).unwrap_or_default();
        let footer = std::str::from_utf8(footer).map_err(|_| "the TZif footer is not text")?;
        v2.rule = if footer.is_empty() { None } else { Some(Rule::parse(footer).ok_or_else(|| format!("unsupported rule `{footer}`"))?) };
        Ok(v2)
    }

    /// One header and data block with `size`-byte times; returns the version byte too.
    fn block(r: &mut Reader<'_>, size: usize) -> Result<(Tzif, u8), String> {
        if r.take(4)? != b"TZif" {
            return Err("not a TZif file".into());
        }
        let version = r.take(1)?[0];
        r.take(15)?;
        let mut counts = [0usize; 6];
        for c in &mut counts {
            *c = usize::try_from(r.be(4)?).map_err(|_| "a bad count in the TZif header")?;
        }
        let [isut, isstd, leap, time, types, chars] = counts;
        if types == 0 || types > 256 || time > 100_000 {
            return Err("a bad TZif header".into());
        }
        let mut times = Vec::with_capacity(time);
        for _ in 0..time {
            times.push(r.be(size)?);
        }
        let indexes = r.take(time)?.to_vec();
        let mut offsets = Vec::with_capacity(types);
        for _ in 0..types {
            let off = i32::try_from(r.be(4)?).map_err(|_| "a bad offset")?;
            r.take(2)?;
            offsets.push(off);
        }
        r.take(chars)?;
        r.take(leap * (size + 4))?;
        r.take(isstd + isut)?;
        let mut transitions = Vec::with_capacity(time);
        for (t, i) in times.into_iter().zip(indexes) {
            let offset = *offsets.get(usize::from(i)).ok_or("a transition to an unknown type")?;
            transitions.push((t, offset));
        }
        Ok((Tzif { transitions, initial: offsets[0], rule: None }, version))
    }

    fn offset_at(&self, utc: i64) -> i32 {
        let n = self.transitions.partition_point(|(t, _)| *t <= utc);
        match &self.rule {
            Some(rule) if n == self.transitions.len() => rule.offset_at(utc),
            _ if n == 0 => self.initial,
            _ => self.transitions[n - 1].1,
        }
    }
}

/// A POSIX TZ rule (`CET-1CEST,M3.5.0,M10.5.0/3`): standard offset, and DST with its start and
/// end (local times).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Rule {
    std: i32,
    dst: Option<(i32, Day, i32, Day, i32)>,
}

/// The day of a rule's change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Day {
    /// `Mm.w.d`: weekday `d` (0 Sunday) of week `w` (5: the last) of month `m`.
    Month(u32, u32, u32),
    /// `Jn`: day 1–365, February 29th never counted.
    Julian(u32),
    /// `n`: day 0–365.
    Zero(u32),
}

impl Rule {
    fn parse(text: &str) -> Option<Rule> {
        let mut s = text;
        name(&mut s)?;
        let std = -hms(&mut s)?;
        if s.is_empty() {
            return Some(Rule { std, dst: None });
        }
        name(&mut s)?;
        let dst = if s.starts_with(',') { std + 3600 } else { -hms(&mut s)? };
        let mut change = || -> Option<(Day, i32)> {
            s = s.strip_prefix(',')?;
            let day = if let Some(rest) = s.strip_prefix('M') {
                s = rest;
                let m = number(&mut s)?;
                s = s.strip_prefix('.')?;
                let w = number(&mut s)?;
                s = s.strip_prefix('.')?;
                let d = number(&mut s)?;
                ((1..=12).contains(&m) && (1..=5).contains(&w) && d <= 6).then_some(Day::Month(m, w, d))?
            } else if let Some(rest) = s.strip_prefix('J') {
                s = rest;
                Some(number(&mut s)?).filter(|n| (1..=365).contains(n)).map(Day::Julian)?
            } else {
                Some(number(&mut s)?).filter(|n| *n <= 365).map(Day::Zero)?
            };
            let time = match s.strip_prefix('/') {
                Some(rest) => {
                    s = rest;
                    hms(&mut s)?
                }
                None => 7200,
            };
            Some((day, time))
        };
        let (start, start_time) = change()?;
        let (end, end_time) = change()?;
        s.is_empty().then_some(Rule { std, dst: Some((dst, start, start_time, end, end_time)) })
    }

    fn offset_at(&self, utc: i64) -> i32 {
        let Some((dst, start, start_time, end, end_time)) = self.dst else { return self.std };
        let Some(year) = chrono::DateTime::from_timestamp(utc + i64::from(self.std), 0).map(|d| d.year()) else { return self.std };
        let at = |day: Day, time: i32, offset: i32| day.date(year).map(|d| d.and_utc().timestamp() + i64::from(time) - i64::from(offset));
        let (Some(on), Some(off)) = (at(start, start_time, self.std), at(end, end_time, dst)) else { return self.std };
        let in_dst = if on < off { on <= utc && utc < off } else { !(off <= utc && utc < on) };
        if in_dst { dst } else { self.std }
    }
}

impl Day {
    fn date(self, year: i32) -> Option<NaiveDateTime> {
        let date = match self {
            Day::Month(m, w, d) => {
                let first = NaiveDate::from_ymd_opt(year, m, 1)?;
                let shift = (d + 7 - first.weekday().num_days_from_sunday()) % 7;
                let mut day = first + chrono::Days::new(u64::from(shift + 7 * (w - 1)));
                while day.month() != m {
                    day = day - chrono::Days::new(7);
                }
                day
            }
            Day::Julian(n) => {
                let leap = NaiveDate::from_ymd_opt(year, 2, 29).is_some();
                let n = if leap && n >= 60 { n } else { n - 1 };
                NaiveDate::from_yo_opt(year, n + 1)?
            }
            Day::Zero(n) => NaiveDate::from_yo_opt(year, n + 1)?,
        };
        date.and_hms_opt(0, 0, 0)
    }
}

/// A zone abbreviation: letters, or `<…>` quoted.
fn name(s: &mut &str) -> Option<()> {
    let len = if let Some(rest) = s.strip_prefix('<') {
        rest.find('>')? + 2
    } else {
        s.find(|c: char| !c.is_ascii_alphabetic()).unwrap_or(s.len())
    };
    (len >= 3).then(|| *s = &s[len..])
}

fn number(s: &mut &str) -> Option<u32> {
    let len = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let n = s.get(..len).filter(|d| !d.is_empty() && d.len() <= 3)?.parse().ok()?;
    *s = &s[len..];
    Some(n)
}

/// `[+-]hh[:mm[:ss]]` in seconds.
fn hms(s: &mut &str) -> Option<i32> {
    let sign = match s.as_bytes().first() {
        Some(b'-') => -1,
        Some(b'+') => 1,
        _ => 0,
    };
    if sign != 0 {
        *s = &s[1..];
    }
    let mut total = i32::try_from(number(s)?).ok()? * 3600;
    for unit in [60, 1] {
        match s.strip_prefix(':') {
            Some(rest) => {
                *s = rest;
                total += i32::try_from(number(s)?).ok()? * unit;
            }
            None => break,
        }
    }
    Some(if sign < 0 { -total } else { total })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the system's `date` says: (offset `+hhmm` at `utc`).
    fn date_offset(zone: &str, utc: i64) -> String {
        let out = std::process::Command::new("date").env("TZ", zone).args(["-d", &format!("@{utc}"), "+%z"]).output().expect("date runs");
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// `date -d TEXT +%s` in `zone`.
    fn date_epoch(zone: &str, text: &str) -> i64 {
        let out = std::process::Command::new("date").env("TZ", zone).args(["-d", text, "+%s"]).output().expect("date runs");
        String::from_utf8_lossy(&out.stdout).trim().parse().expect("an epoch")
    }

    fn hhmm(offset: i32) -> String {
        let sign = if offset < 0 { '-' } else { '+' };
        format!("{sign}{:02}{:02}", offset.abs() / 3600, offset.abs() % 3600 / 60)
    }

    #[test]
    fn offsets_agree_with_the_system_date_around_dst_changes_and_past_the_table() {
        for name in ["Europe/Berlin", "America/New_York", "Australia/Sydney", "Asia/Shanghai", "America/Sao_Paulo"] {
            let zone = Zone::parse(name).expect("a system zone");
            // Around the 2026 changes, hour by hour over the year's edges, and in 2045 (the
            // footer's rule).
            let mut instants: Vec<i64> = Vec::new();
            for base in
                [date_epoch("UTC", "2026-03-29 00:00"), date_epoch("UTC", "2026-10-25 00:00"), date_epoch("UTC", "2045-03-26 00:00")]
            {
                instants.extend((0..48).map(|h| base - 86_400 + h * 3600 + 1799));
            }
            instants.extend((0..53).map(|w| date_epoch("UTC", "2044-01-01 12:00") + w * 7 * 86_400));
            for utc in instants {
                assert_eq!(hhmm(zone.offset_at(utc)), date_offset(name, utc), "{name} at @{utc}");
            }
        }
    }

    #[test]
    fn local_times_resolve_as_cron_runs_them_in_berlin() {
        let zone = Zone::parse("Europe/Berlin").expect("Berlin");
        let local = |t: &str| NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M").expect("a local time");
        // Spring: 02:00–02:59 does not exist; those runs happen at the jump (03:00 CEST).
        let jump = date_epoch("Europe/Berlin", "2026-03-29 03:00");
        assert_eq!(zone.resolve(local("2026-03-29 02:30")), jump);
        assert_eq!(zone.resolve(local("2026-03-29 02:00")), jump);
        assert_eq!(zone.resolve(local("2026-03-29 01:59")), date_epoch("Europe/Berlin", "2026-03-29 01:59"));
        // Autumn: 02:00–02:59 happens twice; a run is at the first (CEST) one.
        assert_eq!(zone.resolve(local("2026-10-25 02:30")), date_epoch("UTC", "2026-10-25 02:30 +0200"));
        assert_eq!(zone.resolve(local("2026-10-25 03:00")), date_epoch("Europe/Berlin", "2026-10-25 03:00"));
        // Past the table (the footer's rule): the same in 2045.
        assert_eq!(zone.resolve(local("2045-03-26 02:30")), date_epoch("Europe/Berlin", "2045-03-26 03:00"));
        assert_eq!(zone.local(jump).map(|t| t.to_string()).as_deref(), Some("2026-03-29 03:00:00"));
    }

    #[test]
    fn names_are_checked() {
        assert_eq!(Zone::parse("+08:00"), Ok(Zone::Fixed(8 * 3600)));
        assert_eq!(Zone::parse("-03:30"), Ok(Zone::Fixed(-(3 * 3600 + 1800))));
        assert!(matches!(Zone::parse("Asia/Shanghai"), Ok(Zone::Named(_))));
        for bad in [
            "",
            "CET-1",
            "Mars/Olympus",
            "../etc/passwd",
            "Europe/../../etc/passwd",
            "/etc/passwd",
            "+25:00",
            "+08",
            "08:00",
            "+٣:00",
            "Europe/Berl in",
        ] {
            assert!(Zone::parse(bad).is_err(), "{bad:?} should be refused");
        }
        assert!(Tzif::parse(b"TZif2").is_err());
        assert!(Tzif::parse(b"").is_err());
    }
}
