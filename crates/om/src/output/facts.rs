//! `om facts` output: the report as text or JSON.

use om_facts::report::{Report, render_text};

use super::Printer;

/// `UTC`, `Z` or an offset like `+08:00` / `-0500`.
pub(crate) fn parse_tz(text: &str) -> anyhow::Result<chrono::FixedOffset> {
    if matches!(text, "UTC" | "utc" | "Z" | "z") {
        return chrono::FixedOffset::east_opt(0).ok_or_else(|| anyhow::anyhow!("UTC"));
    }
    let (sign, rest) = match text.as_bytes().first() {
        Some(b'+') => (1, &text[1..]),
        Some(b'-') => (-1, &text[1..]),
        _ => anyhow::bail!("time zone `{text}` is not UTC or an offset\n  hint: use UTC, +08:00 or -0500"),
    };
    let digits: String = rest.chars().filter(char::is_ascii_digit).collect();
    let (h, m) = match digits.len() {
        1 | 2 => (digits.parse::<i32>()?, 0),
        4 => (digits[..2].parse::<i32>()?, digits[2..].parse::<i32>()?),
        _ => anyhow::bail!("time zone `{text}` is not an offset like +08:00"),
    };
    chrono::FixedOffset::east_opt(sign * (h * 3600 + m * 60)).ok_or_else(|| anyhow::anyhow!("time zone `{text}` is out of range"))
}

pub(crate) fn print(
    out: &mut Printer,
    report: &Report,
    cpu_percent: Option<f64>,
    json: bool,
    sampling: bool,
    strftime: &str,
    tz: Option<chrono::FixedOffset>,
) -> anyhow::Result<()> {
    if json {
        let mut value = serde_json::to_value(report)?;
        if let (Some(p), Some(cpu)) = (cpu_percent, value.get_mut("cpu")) {
            cpu["percent"] = p.into();
        }
        return if sampling { out.json_line(&value) } else { out.json(&value) };
    }
    if let Some(p) = cpu_percent {
        out.line(format!("cpu percent: {p:.1}%"))?;
    }
    for line in render_text(report, strftime, tz).lines() {
        out.line(line)?;
    }
    Ok(())
}
