//! Invariants of the evaluator over generated events.

use chrono::{DateTime, Duration, TimeZone, Utc};
use deemed::{Event, Status};
use proptest::prelude::*;

use crate::rules;

const METHODS: [&str; 5] = ["fax", "courier", "hand", "mail", "email"];
const PARTIES: [Option<&str>; 5] = [
    None,
    Some("company"),
    Some("montrose"),
    Some("strong-river"),
    Some("counsel"),
];
const NUMBERS: [Option<&str>; 4] = [
    None,
    Some("(949) 788-6706"),
    Some("212-541-1432"),
    Some("555 0100"),
];

fn instant(seconds: i64, offset_minutes: i32) -> DateTime<chrono::FixedOffset> {
    let utc = Utc.timestamp_opt(seconds, 0).unwrap();
    utc.with_timezone(&chrono::FixedOffset::east_opt(offset_minutes * 60).unwrap())
}

/// An event sent at `seconds` (Unix) on a clock `offset` minutes east, received `receipt_delay`
/// seconds later if at all.
fn event(
    seconds: i64,
    offset: i32,
    receipt_delay: Option<i64>,
    method: usize,
    to: Option<&str>,
    fax_number: Option<&str>,
) -> Event {
    let sent = instant(seconds, offset);
    Event {
        method: METHODS[method].into(),
        sent: Some(sent),
        received: receipt_delay.map(|d| sent + Duration::seconds(d)),
        to: to.map(String::from),
        from: None,
        fax_number: fax_number.map(String::from),
        companions: Vec::new(),
        designation: None,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Every event in the calendar's range resolves; the answer is never before the sending,
    /// a business-day outcome lands on a Business Day, and a gap always says so.
    #[test]
    fn resolutions_are_sound(
        // 1971-01-02 through 2099-12-30, to the second.
        seconds in 31_622_400i64..4_102_185_600,
        offset in -12i32 * 60..=14 * 60,
        receipt_delay in proptest::option::of(0i64..5 * 86_400),
        method in 0usize..5,
        party in 0usize..5,
        number in 0usize..4,
    ) {
        let rules = rules();
        let event = event(seconds, offset, receipt_delay, method, PARTIES[party], NUMBERS[number]);
        let sent = event.sent.unwrap();
        let r = rules.evaluate(&event).unwrap();
        // The quick path (no trace) gives the same answer and warnings.
        let quick = rules.evaluate_with(&event, false).unwrap();
        prop_assert!(quick.trace.is_empty());
        prop_assert_eq!(
            (&quick.deemed_date, &quick.effective_at, &quick.clause, quick.status, &quick.warnings),
            (&r.deemed_date, &r.effective_at, &r.clause, r.status, &r.warnings)
        );
        let ny = chrono_tz::America::New_York;
        if let (Some(date), Some(at)) = (r.deemed_date, r.effective_at) {
            prop_assert!(at >= sent, "{r}");
            prop_assert!(date >= sent.with_timezone(&ny).date_naive(), "{r}");
            prop_assert_eq!(at.with_timezone(&ny).date_naive(), date);
            let by_receipt = matches!(r.clause.as_deref(), Some("iv" | "not-designated-number"));
            let same_day = r.clause.as_deref() == Some("i");
            if !by_receipt && !same_day {
                let cal = rules.agreement().unwrap().calendar();
                prop_assert!(cal.is_business_day(date).unwrap(), "{r}");
            }
        } else {
            prop_assert!(r.deemed_date.is_none() && r.effective_at.is_none());
            prop_assert!(event.received.is_none());
        }
        let gap_warned = r.warnings.iter().any(|w| w.to_string().starts_with("no clause applies literally"));
        prop_assert_eq!(r.status == Status::Gap, gap_warned, "{}", r);
        prop_assert_eq!(r.status == Status::Pending, r.deemed_date.is_none() && r.status != Status::Gap);
    }
}

/// The Pacific example: other zones, the recipient's time, receipt conditions, NYSE days.
fn pacific() -> &'static deemed::Rules {
    static RULES: std::sync::OnceLock<deemed::Rules> = std::sync::OnceLock::new();
    RULES.get_or_init(|| {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/rules/example-pacific-notice.rules"
        );
        deemed::Rules::from_path(std::path::Path::new(path)).unwrap()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// The quick path (no trace) reads every condition as the full reading does: the same
    /// answer, warnings and errors, for rules with other zones and receipt conditions.
    #[test]
    fn the_quick_path_reads_as_the_full_one(
        // 2000-01-02 through 2029-12-30, to the second (the NYSE calendar's years).
        seconds in 946_771_200i64..1_893_283_200,
        offset in -12i32 * 60..=14 * 60,
        receipt_delay in proptest::option::of(0i64..5 * 86_400),
        method in 0usize..5,
        party in prop::sample::select(vec![None, Some("lender"), Some("borrower"), Some("nobody")]),
    ) {
        let event = event(seconds, offset, receipt_delay, method, party, None);
        let full = pacific().evaluate(&event).map(|r| {
            (r.deemed_date, r.effective_at, r.clause, r.status, r.warnings)
        });
        let quick = pacific().evaluate_with(&event, false).map(|r| {
            prop_assert!(r.trace.is_empty());
            Ok((r.deemed_date, r.effective_at, r.clause, r.status, r.warnings))
        });
        match (full, quick) {
            (Ok(f), Ok(q)) => prop_assert_eq!(q?, f),
            (Err(f), Err(q)) => prop_assert_eq!(q.to_string(), f.to_string()),
            (f, q) => prop_assert!(false, "full {:?}, quick {:?}", f.map(|_| ()), q.map(|_| ())),
        }
    }
}
