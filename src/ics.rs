//! RFC 5545 calendar files, for the dates deemed works out (a window's last day, the latest
//! instant to send a notice), so they can be imported into Outlook or Google Calendar.

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};

/// One event of a calendar file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IcsEvent {
    /// A stable identifier, unique within the file.
    pub uid: String,
    /// IcsTime it happens.
    pub when: IcsTime,
    /// The title.
    pub summary: String,
    /// The details.
    pub description: String,
}

/// IcsTime an event happens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IcsTime {
    /// All of one day.
    Day(NaiveDate),
    /// One instant.
    Instant(DateTime<FixedOffset>),
}

/// Escapes TEXT as RFC 5545 section 3.3.11 requires.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// Folds a content line at 75 octets (RFC 5545 section 3.1), never inside a character.
fn fold(line: &str, out: &mut String) {
    let mut width = 0;
    for c in line.chars() {
        let n = c.len_utf8();
        if width + n > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += n;
    }
    out.push_str("\r\n");
}

/// A whole calendar file. `stamp` is the DTSTAMP of every event (when the file was made).
///
/// ```
/// use deemed::ics::{IcsEvent, IcsTime, calendar};
/// let day = chrono::NaiveDate::from_ymd_opt(2005, 2, 25).unwrap();
/// let stamp = chrono::DateTime::from_timestamp(0, 0).unwrap();
/// let text = calendar(&[IcsEvent { uid: "w@deemed".into(), when: IcsTime::Day(day),
///     summary: "Warrant window: last day".into(), description: "a, b; c".into() }], stamp);
/// assert!(text.contains("DTSTART;VALUE=DATE:20050225\r\n"));
/// assert!(text.contains("DESCRIPTION:a\\, b\\; c\r\n"));
/// ```
pub fn calendar(events: &[IcsEvent], stamp: DateTime<Utc>) -> String {
    let mut out = String::new();
    let mut line = |text: String| fold(&text, &mut out);
    line("BEGIN:VCALENDAR".into());
    line("VERSION:2.0".into());
    line(format!(
        "PRODID:-//deemed//deemed {}//EN",
        env!("CARGO_PKG_VERSION")
    ));
    line("CALSCALE:GREGORIAN".into());
    line("METHOD:PUBLISH".into());
    for e in events {
        line("BEGIN:VEVENT".into());
        line(format!("UID:{}", escape(&e.uid)));
        line(format!("DTSTAMP:{}", stamp.format("%Y%m%dT%H%M%SZ")));
        match e.when {
            IcsTime::Day(d) => {
                line(format!("DTSTART;VALUE=DATE:{}", d.format("%Y%m%d")));
                if let Some(next) = d.succ_opt() {
                    line(format!("DTEND;VALUE=DATE:{}", next.format("%Y%m%d")));
                }
                line("TRANSP:TRANSPARENT".into());
            }
            IcsTime::Instant(t) => {
                let utc = t.with_timezone(&Utc);
                line(format!("DTSTART:{}", utc.format("%Y%m%dT%H%M%SZ")));
                line(format!("DTEND:{}", utc.format("%Y%m%dT%H%M%SZ")));
            }
        }
        line(format!("SUMMARY:{}", escape(&e.summary)));
        line(format!("DESCRIPTION:{}", escape(&e.description)));
        line("END:VEVENT".into());
    }
    line("END:VCALENDAR".into());
    out
}

/// The time to stamp a file with: `SOURCE_DATE_EPOCH` when set (for reproducible output),
/// otherwise now.
pub fn stamp() -> DateTime<Utc> {
    std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.parse::<i64>().ok())
        .and_then(|secs| DateTime::from_timestamp(secs, 0))
        .unwrap_or_else(Utc::now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_fold_at_75_octets_without_splitting_characters() {
        let mut out = String::new();
        fold(&format!("DESCRIPTION:{}", "é".repeat(60)), &mut out);
        for line in out.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(line.len() <= 75, "{line}");
        }
        let unfolded = out.replace("\r\n ", "");
        assert_eq!(unfolded, format!("DESCRIPTION:{}\r\n", "é".repeat(60)));
    }
}
