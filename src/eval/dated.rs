//! A sending or a receipt known only by its date: answered when the rules give the same
//! answer at every second of that day.

use chrono::{NaiveDate, NaiveTime, TimeZone};

use super::Event;
use crate::agreement::{Rules, ZoneSel};
use crate::answer::{EvalError, Resolution, Warning};
use crate::syntax::ast::Subject;

impl Rules {
    /// Resolves an event whose sending (or, with `received`, receipt) is known only by its
    /// date on the agreement's clock. No condition may read that instant on another clock,
    /// and the answer must be the same at every second of the day: it is tried at the first
    /// and last second of each stretch between the cut-offs the conditions compare it with
    /// (within a stretch, every instant has the same cell of the plan). Then it is that
    /// answer, with a warning that says only the date was given.
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// let rules = deemed::Rules::default_rules().unwrap();
    /// let mut event = deemed::Event {
    ///     method: "courier".into(), sent: None, received: None, to: None, from: None,
    ///     fax_number: None, companions: Vec::new(), designation: None,
    /// };
    /// let friday = NaiveDate::from_ymd_opt(2000, 3, 3).unwrap();
    /// let r = rules.evaluate_on_date(&event, false, friday, false).unwrap();
    /// // Clause (iii): the Business Day following the date of mailing, at any time that day.
    /// assert_eq!(r.deemed_date.unwrap().to_string(), "2000-03-06");
    /// // A facsimile's clauses compare the time of transmission.
    /// event.method = "fax".into();
    /// assert!(rules.evaluate_on_date(&event, false, friday, false).is_err());
    /// ```
    pub fn evaluate_on_date(
        &self,
        event: &Event,
        received: bool,
        date: NaiveDate,
        trace: bool,
    ) -> Result<Resolution, EvalError> {
        let agreement = self.agreement_or_error()?;
        let (subject, word) = match received {
            false => (Subject::Sent, "sent"),
            true => (Subject::Received, "received"),
        };
        let needed = |why: String| EvalError::TimeOfDayNeeded { subject: word, why };
        // The seconds of the day where the plan's cells change on this instant's clocks.
        let mut seconds = vec![0u32, 86_399];
        for clock in agreement
            .plan
            .clocks
            .iter()
            .filter(|c| c.subject == subject)
        {
            if !matches!(clock.zone, ZoneSel::Agreement) {
                return Err(needed(
                    "a condition reads it on another clock than the agreement's".into(),
                ));
            }
            for span in 0..clock.spans() {
                if let Some((from, to)) = clock.span_seconds(span) {
                    seconds.extend([from, to]);
                }
            }
        }
        seconds.sort_unstable();
        seconds.dedup();
        let tz = agreement.tz;
        let instants: Vec<_> = seconds
            .iter()
            .filter_map(|s| {
                let local = date.and_time(NaiveTime::from_num_seconds_from_midnight_opt(*s, 0)?);
                // A second the clocks skip that night is no instant at all.
                tz.from_local_datetime(&local)
                    .earliest()
                    .map(|t| t.fixed_offset())
            })
            .collect();
        let Some((&first, rest)) = instants.split_first() else {
            return Err(EvalError::Calendar(agreement.calendar.out_of_range(date)));
        };
        let at = |t| {
            let mut e = event.clone();
            match received {
                false => e.sent = Some(t),
                true => e.received = Some(t),
            }
            e
        };
        let mut answer = self.evaluate_with(&at(first), trace)?;
        for &t in rest {
            let other = self.evaluate_with(&at(t), false)?;
            let same = (
                answer.deemed_date,
                answer.effective_at,
                &answer.clause,
                answer.status,
            ) == (
                other.deemed_date,
                other.effective_at,
                &other.clause,
                other.status,
            );
            if !same {
                let show = |r: &Resolution| match (&r.clause, r.effective_at) {
                    (Some(c), Some(e)) => format!("`{c}`, effective at {}", e.to_rfc3339()),
                    (Some(c), None) => format!("`{c}`, {}", r.status),
                    (None, _) => r.status.to_string(),
                };
                return Err(needed(format!(
                    "at {} it is {}, at {} {}",
                    first.format("%H:%M:%S"),
                    show(&answer),
                    t.format("%H:%M:%S"),
                    show(&other)
                )));
            }
        }
        answer.warnings.insert(
            0,
            Warning::DateAlone {
                subject: word,
                date,
            },
        );
        Ok(answer)
    }
}
