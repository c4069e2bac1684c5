//! A generator of synthetic notice logs, with a fixed seed.
//!
//! [`Mix::Realistic`] resembles an export from a fax server and a courier feed: half faxes,
//! mostly sent in office hours on weekdays (a few in the evening, at weekends, or exactly at
//! a cut-off; a few to numbers not designated), courier deliveries, hand and email notices
//! mostly with receipts, a few notices sent several ways, and a few bad lines.
//! [`Mix::EdgeHeavy`] sends one notice in eight at a cut-off and spreads the rest evenly over
//! the day and the week, so about a quarter of the records fall into the text's gaps: the
//! slow path, measured on its own.

use chrono::{Duration, NaiveDate, TimeZone};
use chrono_tz::America::New_York;

/// splitmix64: small, fast and good enough for test data.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const PARTIES: [(&str, &str); 5] = [
    ("company", "(949) 788-6706"),
    ("montrose", "(214) 758-1221"),
    ("counsel", "(212) 541-4630"),
    ("counsel", "212-541-1432"),
    ("strong-river", "(284) 494-2000"),
];

/// Which kind of log to write.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Mix {
    /// Office hours, mostly: few gaps.
    Realistic,
    /// Cut-offs and weekends often: many gaps.
    EdgeHeavy,
}

fn instant(rng: &mut Rng, mix: Mix) -> String {
    let start = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or_default();
    let mut day = start + Duration::days(rng.below(26 * 365) as i64);
    let seconds = match mix {
        // One notice in eight is sent at a cut-off, to the second.
        Mix::EdgeHeavy => match rng.below(16) {
            0 => 20 * 3600,
            1 => 23 * 3600 + 59 * 60 + rng.below(60) as i64,
            _ => rng.below(86_400) as i64,
        },
        Mix::Realistic => {
            // Weekdays, unless one time in twenty.
            use chrono::Datelike;
            if rng.below(20) > 0 {
                while day.weekday().num_days_from_monday() >= 5 {
                    day += Duration::days(1);
                }
            }
            match rng.below(100) {
                // Exactly at a cut-off.
                0 => 20 * 3600,
                1 => 23 * 3600 + 59 * 60 + rng.below(60) as i64,
                // Evenings.
                2..=11 => 19 * 3600 + rng.below(5 * 3600) as i64,
                // Office hours.
                _ => 8 * 3600 + rng.below(11 * 3600) as i64,
            }
        }
    };
    let local = day.and_hms_opt(0, 0, 0).unwrap_or_default() + Duration::seconds(seconds);
    match New_York.from_local_datetime(&local).earliest() {
        Some(t) if rng.below(10) > 0 => t.to_rfc3339(),
        Some(t) => t.with_timezone(&chrono::Utc).to_rfc3339(),
        None => format!("{}Z", local.format("%Y-%m-%dT%H:%M:%S")),
    }
}

fn delivery(rng: &mut Rng, mix: Mix, out: &mut String) {
    let parties = match mix {
        // Strong River designated no fax number: few notices go its way.
        Mix::Realistic if rng.below(50) > 0 => &PARTIES[..4],
        _ => &PARTIES[..],
    };
    let (party, number) = parties[rng.below(parties.len() as u64) as usize];
    let sent = instant(rng, mix);
    let wrong_number_one_in = if mix == Mix::Realistic { 50 } else { 25 };
    match rng.below(20) {
        0..=9 => {
            let number = if rng.below(wrong_number_one_in) == 0 {
                "(212) 555-0100"
            } else {
                number
            };
            out.push_str(&format!(
                r#""method":"fax","sent":"{sent}","to":"{party}","fax_number":"{number}""#
            ));
        }
        10..=13 => out.push_str(&format!(
            r#""method":"courier","sent":"{sent}","to":"{party}""#
        )),
        14..=18 => {
            let method = if rng.below(2) == 0 { "hand" } else { "email" };
            out.push_str(&format!(
                r#""method":"{method}","sent":"{sent}","to":"{party}""#
            ));
            if rng.below(5) > 0 {
                out.push_str(&format!(r#","received":"{sent}""#));
            }
        }
        _ => out.push_str(&format!(
            r#""method":"mail","sent":"{sent}","to":"{party}""#
        )),
    }
}

/// Appends record `n` (one line, with its newline) to `out`.
pub fn record(rng: &mut Rng, mix: Mix, n: u64, out: &mut String) {
    match rng.below(200) {
        // A bad line now and then: a truncated record, or an unknown method.
        0 => {
            out.push_str(&format!(
                r#"{{"id":"N{n:08}","method":"fax","sent":"2000-03-0"#
            ));
        }
        1 => out.push_str(&format!(
            r#"{{"id":"N{n:08}","method":"telex","sent":"2000-03-03T10:00:00-05:00"}}"#
        )),
        // A notice sent two ways.
        2..=5 => {
            out.push_str(&format!(r#"{{"id":"N{n:08}","deliveries":[{{"#));
            delivery(rng, mix, out);
            out.push_str("},{");
            delivery(rng, mix, out);
            out.push_str("}]}");
        }
        _ => {
            out.push_str(&format!(r#"{{"id":"N{n:08}","#));
            delivery(rng, mix, out);
            out.push('}');
        }
    }
    out.push('\n');
}

/// The fixed seed.
pub const SEED: u64 = 0x0DEE_4ED0;

/// `count` records from the fixed seed.
#[allow(dead_code)] // The example streams records one at a time instead.
pub fn log(count: u64, mix: Mix) -> String {
    let mut rng = Rng::new(SEED);
    let mut out = String::with_capacity(count as usize * 140);
    for n in 1..=count {
        record(&mut rng, mix, n, &mut out);
    }
    out
}
