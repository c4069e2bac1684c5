//! One notice asked about as people and programs ask: its fields as written (the command
//! line's flags, an HTTP request's JSON), read and answered here, so that every way of asking
//! gives the same answer and the same errors.

use chrono::NaiveDate;
use serde::Deserialize;

use crate::Rules;
use crate::answer::{DeadlineCheck, EvalError, Resolution};
use crate::batch::{Batch, ChangeLine, Options};
use crate::eval::{Companion, Delivery, DeliveryAnswer, DeliveryText, ReadError};
use crate::period::Deadline;
use crate::time::{Fold, TimeError, parse_instant};

/// A notice as written: `when-effective`'s flags, or `POST /v1/when-effective`'s body.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Query {
    /// How it was sent (for a notice of one delivery).
    #[serde(default)]
    pub method: String,
    /// When it was sent, as people write times.
    #[serde(default)]
    pub sent: Option<String>,
    /// When it was received.
    #[serde(default)]
    pub received: Option<String>,
    /// The recipient.
    #[serde(default)]
    pub to: Option<String>,
    /// The sender.
    #[serde(default)]
    pub from: Option<String>,
    /// The facsimile number it was sent to.
    #[serde(default)]
    pub fax_number: Option<String>,
    /// Other deliveries of the same notice, each `METHOD=TIME`, read by `companion`
    /// conditions only.
    #[serde(default)]
    pub companions: Vec<String>,
    /// The deliveries of a notice given several ways, each answered and combined as the
    /// rules say (in place of `method` and `sent`; `to`, `from`, `fax_number` and
    /// `received` given beside them hold for each delivery that does not give its own).
    #[serde(default)]
    pub deliveries: Vec<QueryDelivery>,
    /// A deadline: a time (a date alone is the end of that day).
    #[serde(default)]
    pub deadline: Option<String>,
    /// Or a period's last instant, with `issued`.
    #[serde(default)]
    pub period: Option<String>,
    /// The date the period runs from.
    #[serde(default)]
    pub issued: Option<String>,
    /// Which agreement of a folder (read by whoever chose the rules).
    #[serde(default)]
    pub agreement: Option<String>,
    /// Which instant a local time the clocks make ambiguous means.
    #[serde(skip)]
    pub fold: Option<Fold>,
}

/// One delivery of a notice given several ways, as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueryDelivery {
    /// How it was sent.
    pub method: String,
    /// When it was sent.
    #[serde(default)]
    pub sent: Option<String>,
    /// When it was received.
    #[serde(default)]
    pub received: Option<String>,
    /// The recipient.
    #[serde(default)]
    pub to: Option<String>,
    /// The sender.
    #[serde(default)]
    pub from: Option<String>,
    /// The facsimile number it was sent to.
    #[serde(default)]
    pub fax_number: Option<String>,
}

impl QueryDelivery {
    /// A delivery as `--delivery` writes it: `METHOD=TIME`, or `key=value` pairs separated
    /// by commas (`method=hand,sent=2000-03-04T09:00,received=2000-03-04T09:30`).
    pub fn parse(text: &str) -> Result<QueryDelivery, QueryError> {
        let bad = |why: String| {
            QueryError::on(
                "delivery",
                why,
                Some("write `METHOD=TIME`, or `method=hand,sent=TIME,received=TIME` (also `to`, `from`, `fax_number`)".into()),
            )
        };
        let mut d = QueryDelivery::default();
        if !text.contains(',') && !text.trim_start().starts_with("method=") {
            let Some((method, sent)) = text.split_once('=') else {
                return Err(bad(format!("`{text}` is not METHOD=TIME")));
            };
            d.method = method.trim().to_string();
            d.sent = Some(sent.trim().to_string());
            return Ok(d);
        }
        for pair in text.split(',') {
            let Some((key, value)) = pair.split_once('=') else {
                return Err(bad(format!("`{pair}` is not key=value")));
            };
            let value = value.trim().to_string();
            let slot = match key.trim() {
                "method" => {
                    d.method = value;
                    continue;
                }
                "sent" => &mut d.sent,
                "received" => &mut d.received,
                "to" => &mut d.to,
                "from" => &mut d.from,
                "fax_number" | "fax-number" => &mut d.fax_number,
                other => return Err(bad(format!("`{other}` is not a field of a delivery"))),
            };
            *slot = Some(value);
        }
        if d.method.is_empty() {
            return Err(bad(format!("`{text}` gives no `method`")));
        }
        Ok(d)
    }
}

/// What went wrong with a query, on which field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryError {
    /// The field (`sent`, `fax_number`...), when the error is about one.
    pub field: Option<String>,
    /// Whether the message names the field itself (an unknown party) or needs it named
    /// (a time that is not one).
    pub names_field: bool,
    /// What was wrong.
    pub message: String,
    /// What to do.
    pub help: Option<String>,
    /// The kind: the notice could not be evaluated, or a name is unknown.
    pub kind: QueryErrorKind,
}

/// Kinds of [`QueryError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryErrorKind {
    /// A value that cannot be read (a time, a date, a companion).
    Invalid,
    /// A method, party, period or agreement the rules do not know.
    Unknown,
    /// The rules have no agreement.
    NoAgreement,
}

impl std::fmt::Display for QueryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.message)
    }
}

impl std::error::Error for QueryError {}

impl QueryError {
    fn on(field: &str, message: impl Into<String>, help: Option<String>) -> QueryError {
        QueryError {
            field: Some(field.to_string()),
            names_field: false,
            message: message.into(),
            help,
            kind: QueryErrorKind::Invalid,
        }
    }

    fn eval(e: &EvalError, field: &str) -> QueryError {
        QueryError {
            field: Some(field.to_string()),
            names_field: true,
            message: e.to_string(),
            help: e.help(),
            kind: match e {
                EvalError::Unknown(_) => QueryErrorKind::Unknown,
                EvalError::NoAgreement { .. } => QueryErrorKind::NoAgreement,
                _ => QueryErrorKind::Invalid,
            },
        }
    }
}

/// The answer to a query: the resolution, what notices of change left unapplied, and the
/// deadline when one was asked about.
#[derive(Debug, Clone)]
pub struct Answer {
    /// The resolution with its trace (the deciding delivery's, of several).
    pub resolution: Resolution,
    /// For a notice of several deliveries: which decided, in words.
    pub combined: Option<String>,
    /// For a notice of several deliveries: each one's own resolution.
    pub deliveries: Vec<DeliveryAnswer>,
    /// A warning that notices of change were not applied (no sender given).
    pub unapplied: Option<String>,
    /// The deadline, when one was given.
    pub deadline: Option<DeadlineCheck>,
}

/// The answer as JSON: the resolution's fields (its warnings and the unapplied note), and
/// `deadline` when one was asked about.
impl serde::Serialize for Answer {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeSeq, SerializeStruct};
        /// The resolution's warnings, then the notes.
        struct QueryWarnings<'a>(&'a [crate::answer::Warning], Vec<&'a String>);
        impl serde::Serialize for QueryWarnings<'_> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut seq = s.serialize_seq(Some(self.0.len() + self.1.len()))?;
                for w in self.0 {
                    seq.serialize_element(w)?;
                }
                for note in &self.1 {
                    seq.serialize_element(note)?;
                }
                seq.end()
            }
        }
        // The fields of `Resolution`, as it serializes them, in the order of their names
        // (the order JSON writes them in).
        let r = &self.resolution;
        let mut st = s.serialize_struct("Answer", 8)?;
        st.serialize_field("clause", &r.clause)?;
        if let Some(d) = &self.deadline {
            st.serialize_field("deadline", d)?;
        }
        st.serialize_field("deemed_date", &r.deemed_date)?;
        if !self.deliveries.is_empty() {
            st.serialize_field("deliveries", &self.deliveries)?;
        }
        st.serialize_field("effective_at", &r.effective_at.map(|t| t.to_rfc3339()))?;
        st.serialize_field("status", &r.status)?;
        st.serialize_field("trace", &r.trace)?;
        let notes = self.combined.iter().chain(&self.unapplied).collect();
        st.serialize_field("warnings", &QueryWarnings(&r.warnings, notes))?;
        st.end()
    }
}

impl Answer {
    /// The answer as a JSON value.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }

    /// The answer as `when-effective --format json` prints it: pretty, keys sorted (as a
    /// `serde_json::Value` writes them), written straight from the answer.
    pub fn to_json_text(&self) -> String {
        crate::sorted_json::to_string_pretty(self).unwrap_or_default() + "\n"
    }

    /// Whether the deadline was met (`None`: no deadline, or not known yet).
    pub fn met(&self) -> Option<bool> {
        self.deadline.as_ref().and_then(|d| d.met)
    }
}

impl std::fmt::Display for Answer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.resolution)?;
        for note in self.combined.iter().chain(&self.unapplied) {
            writeln!(f, "warning: {note}")?;
        }
        if let Some(d) = &self.deadline {
            writeln!(f, "deadline: {d}")?;
        }
        Ok(())
    }
}

/// Answers a query on `rules`, with the notices of change `changes` (read as `batch`
/// reads them) in effect: the same evaluator, [`Rules::answer`], that answers a batch's
/// records.
pub fn when_effective(
    rules: &Rules,
    q: &Query,
    changes: &[ChangeLine],
) -> Result<Answer, QueryError> {
    let agreement = rules
        .agreement_or_error()
        .map_err(|e| QueryError::eval(&e, "rules"))?;
    let tz = agreement.time_zone();
    let several = !q.deliveries.is_empty();
    if several && (!q.method.is_empty() || q.sent.is_some()) {
        return Err(QueryError::on(
            "deliveries",
            "a notice has either `deliveries` or `method` and `sent`, not both",
            Some("give each way it was sent as a delivery".into()),
        ));
    }
    let written: Vec<QueryDelivery> = match several {
        false => vec![QueryDelivery {
            method: q.method.clone(),
            sent: q.sent.clone(),
            received: q.received.clone(),
            to: q.to.clone(),
            from: q.from.clone(),
            fax_number: q.fax_number.clone(),
        }],
        // The notice's own recipient, sender, number and receipt hold for each delivery
        // that gives none of its own.
        true => (q.deliveries.iter())
            .map(|d| QueryDelivery {
                method: d.method.clone(),
                sent: d.sent.clone(),
                received: d.received.clone().or_else(|| q.received.clone()),
                to: d.to.clone().or_else(|| q.to.clone()),
                from: d.from.clone().or_else(|| q.from.clone()),
                fax_number: d.fax_number.clone().or_else(|| q.fax_number.clone()),
            })
            .collect(),
    };
    let companions = read_companions(q, tz)?;
    let mut deliveries = Vec::with_capacity(written.len());
    for (n, d) in written.iter().enumerate() {
        let field = |f: &str| match several {
            true => format!("deliveries[{n}].{f}"),
            false => f.to_string(),
        };
        let mut delivery = read_delivery(d, tz, q.fold, &field)?;
        delivery.event.companions = &companions;
        deliveries.push(delivery);
    }
    // Notices of change, resolved as a batch resolves them: the numbers they designate.
    let book = match changes.is_empty() {
        true => None,
        false => {
            let mut batch = Batch::new(rules, Options::default())
                .map_err(|e| QueryError::on("rules", e.to_string(), None))?;
            batch.learn_changes(changes);
            batch.address_book(None)
        }
    };
    let notice = rules
        .answer(&deliveries, book.as_ref(), true)
        .map_err(|e| {
            let field = match (several, e.delivery) {
                (true, Some(n)) => format!("deliveries[{n}].{}", e.field),
                _ => e.field.to_string(),
            };
            QueryError::eval(&e.error, &field)
        })?;
    let resolution = notice.resolution;
    let deadline = match (&q.deadline, &q.period) {
        (None, None) => None,
        _ => {
            let d = read_deadline(
                rules,
                q.deadline.as_deref(),
                (q.period.as_deref(), q.issued.as_deref()),
                "deadline",
                q.fold,
            )?;
            let mut check = DeadlineCheck::new(&resolution, d.by);
            check.how = d.how;
            Some(check)
        }
    };
    Ok(Answer {
        resolution,
        combined: notice.combined,
        deliveries: notice.deliveries,
        unapplied: notice.unapplied,
        deadline,
    })
}

/// A delivery as written, read on the agreement's clock `tz`: a sending or receipt may be a
/// date alone (`2000-03-03` for a courier), answered when the rules give the same answer at
/// any time of that day.
fn read_delivery<'d>(
    d: &'d QueryDelivery,
    tz: chrono_tz::Tz,
    fold: Option<Fold>,
    field: &dyn Fn(&str) -> String,
) -> Result<Delivery<'d>, QueryError> {
    let text = DeliveryText {
        method: &d.method,
        sent: d.sent.as_deref(),
        received: d.received.as_deref(),
        to: d.to.as_deref(),
        from: d.from.as_deref(),
        fax_number: d.fax_number.as_deref(),
    };
    Delivery::read(text, tz, fold).map_err(|e| match e {
        ReadError::NoInstant => QueryError::eval(&EvalError::NoInstant, &field("sent")),
        ReadError::Time { field: name, error } => {
            QueryError::on(&field(name), error.to_string(), Some(error.help()))
        }
    })
}

/// The companion deliveries a query gives as `METHOD=TIME`.
fn read_companions(q: &Query, tz: chrono_tz::Tz) -> Result<Vec<Companion>, QueryError> {
    let mut companions = Vec::new();
    for c in &q.companions {
        let Some((method, time)) = c.split_once('=') else {
            return Err(QueryError::on(
                "companion",
                format!("`{c}` is not METHOD=TIME"),
                Some("write the method and when it was sent, such as `mail=2000-03-06T10:00:00-05:00`".into()),
            ));
        };
        let at = parse_instant(time.trim(), tz, q.fold)
            .map_err(|e| QueryError::on("companion", e.to_string(), Some(e.help())))?;
        companions.push(Companion {
            method: method.trim().to_string(),
            at,
        });
    }
    Ok(companions)
}

/// The deadline a query gives: an instant (`field`'s text; a date alone is the end of that
/// day; moved by the agreement's `deadline-roll` when its date is not a Business Day), or
/// the last instant of a period (`period`, from the date `issued`).
pub fn read_deadline(
    rules: &Rules,
    text: Option<&str>,
    (period, issued): (Option<&str>, Option<&str>),
    field: &str,
    fold: Option<Fold>,
) -> Result<Deadline, QueryError> {
    let from = |e: crate::period::PeriodError, field: &str| QueryError {
        field: Some(field.to_string()),
        names_field: true,
        message: e.to_string(),
        help: e.help(),
        kind: match e {
            crate::period::PeriodError::Unknown(_) => QueryErrorKind::Unknown,
            _ => QueryErrorKind::Invalid,
        },
    };
    if let Some(period) = period {
        let issued = issued.unwrap_or_default();
        let Ok(anchor) = NaiveDate::parse_from_str(issued, "%Y-%m-%d") else {
            return Err(QueryError::on(
                "issued",
                format!("`{issued}` is not a date"),
                Some("write it as YYYY-MM-DD, such as `2000-02-25`".into()),
            ));
        };
        return rules
            .deadline_of(period, anchor)
            .map_err(|e| from(e, "period"));
    }
    let zone = rules.agreement().map_or(chrono_tz::UTC, |a| a.time_zone());
    let text = text.unwrap_or_default();
    let (asked, read_as) = match parse_instant(text, zone, fold) {
        Ok(t) => (t, None),
        // A date alone is a deadline at the end of that day.
        Err(TimeError::DateAlone { date, .. }) => {
            let end = rules.agreement().and_then(|a| a.last_instant_of(date));
            let Some(end) = end else {
                return Err(QueryError::on(
                    field,
                    format!("`{text}` is outside the rules' years"),
                    None,
                ));
            };
            let how = format!(
                "`{text}` is a date alone: read as the end of that day, {}",
                end.to_rfc3339()
            );
            (end, Some(how))
        }
        Err(e) => return Err(QueryError::on(field, e.to_string(), Some(e.help()))),
    };
    let mut deadline = rules.deadline_at(asked).map_err(|e| from(e, field))?;
    if let Some(read_as) = read_as {
        deadline.how = Some(match deadline.how {
            Some(how) => format!("{read_as}; {how}"),
            None => read_as,
        });
    }
    Ok(deadline)
}

/// `latest-send` as written: `--by` or `--period` with `--issued`, and `--to`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LatestQuery {
    /// The deadline.
    #[serde(default)]
    pub by: Option<String>,
    /// Or a period's last instant, with `issued`.
    #[serde(default)]
    pub period: Option<String>,
    /// The date the period runs from.
    #[serde(default)]
    pub issued: Option<String>,
    /// The recipient.
    #[serde(default)]
    pub to: Option<String>,
    /// Which agreement of a folder (read by whoever chose the rules).
    #[serde(default)]
    pub agreement: Option<String>,
}

/// For every method, the latest instant to send and still be deemed given by the deadline.
pub fn latest_send(
    rules: &Rules,
    q: &LatestQuery,
) -> Result<crate::latest::LatestSend, QueryError> {
    if q.by.is_none() && q.period.is_none() {
        return Err(QueryError::on(
            "by",
            "a deadline is needed",
            Some("give `by` (a time), or `period` with `issued`".into()),
        ));
    }
    let deadline = read_deadline(
        rules,
        q.by.as_deref(),
        (q.period.as_deref(), q.issued.as_deref()),
        "by",
        None,
    )?;
    let mut answer = rules
        .latest_send(deadline.by, q.to.as_deref())
        .map_err(|e| QueryError::eval(&e, "to"))?;
    answer.deadline = deadline.how;
    Ok(answer)
}

/// `window` as written: the period, the date it runs from, and instants to place in it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WindowQuery {
    /// The period's name.
    pub period: String,
    /// The date of the event it runs from, YYYY-MM-DD.
    pub issued: String,
    /// An instant to place inside the window or not.
    #[serde(default)]
    pub at: Option<String>,
    /// When a notice that cuts the period short was given.
    #[serde(default)]
    pub notice_given: Option<String>,
    /// Which agreement of a folder (read by whoever chose the rules).
    #[serde(default)]
    pub agreement: Option<String>,
}

/// When a period opens and closes.
pub fn window(rules: &Rules, q: &WindowQuery) -> Result<crate::period::Window, QueryError> {
    let Ok(anchor) = NaiveDate::parse_from_str(&q.issued, "%Y-%m-%d") else {
        return Err(QueryError::on(
            "issued",
            format!("`{}` is not a date", q.issued),
            Some("write it as YYYY-MM-DD, such as `2000-02-25`".into()),
        ));
    };
    let zone = rules.agreement().map_or(chrono_tz::UTC, |a| a.time_zone());
    let instant = |field: &str, text: &Option<String>| match text {
        None => Ok(None),
        Some(text) => parse_instant(text, zone, None)
            .map(Some)
            .map_err(|e| QueryError::on(field, e.to_string(), Some(e.help()))),
    };
    let at = instant("at", &q.at)?;
    let notice = instant("notice-given", &q.notice_given)?;
    rules
        .window_given(&q.period, anchor, at, notice)
        .map_err(|e| QueryError {
            field: Some("period".into()),
            names_field: true,
            message: e.to_string(),
            help: e.help(),
            kind: match e {
                crate::period::PeriodError::Unknown(_) => QueryErrorKind::Unknown,
                _ => QueryErrorKind::Invalid,
            },
        })
}
