//! A small, obviously correct reading of a notice clause, to hold the engine's compiled plan
//! to: each condition is tested on the event itself, every rule in turn, as GRAMMAR.md
//! words it. It reads a rules file from the generator's own description of it (never from
//! the engine's syntax tree or model), and asks the engine only for its calendars.

use chrono::{DateTime, Days, FixedOffset, NaiveDate, NaiveTime, TimeZone, Timelike};
use chrono_tz::Tz;
use deemed::{EvalError, EventRef, Rules, Status};

/// `before`, `on-or-before`, `after`, `on-or-after`, `at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmp {
    Before,
    OnOrBefore,
    After,
    OnOrAfter,
    At,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    Sent,
    Received,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayKind {
    Business,
    NonBusiness,
    Any,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Zone {
    Agreement,
    Named(Tz),
    Recipient,
    Sender,
}

/// `sent before 20:00:00 and ... on business-day of NAME in ZONE`.
#[derive(Debug, Clone)]
pub struct Instant {
    pub subject: Subject,
    pub bounds: Vec<(Cmp, NaiveTime)>,
    pub day: Option<(DayKind, Option<String>)>,
    pub zone: Zone,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    UponReceipt,
    SameDay(Subject),
    BusinessDaysAfter(u32, Subject),
    DaysAfter(u32, Subject),
    NoEffect,
}

#[derive(Debug, Clone)]
pub struct Rule {
    pub label: String,
    /// The methods, by index; `None`: no method condition.
    pub methods: Option<Vec<usize>>,
    pub designated: bool,
    pub instants: Vec<Instant>,
    pub outcome: Outcome,
}

#[derive(Debug, Clone)]
pub struct Party {
    pub name: String,
    pub tz: Option<Tz>,
    pub faxes: Vec<String>,
    /// Dated numbers: the first is in force until this day (inclusive, in the agreement's
    /// zone), the second from the day after; the others always.
    pub until: Option<chrono::NaiveDate>,
}

impl Party {
    /// The numbers in force on a day.
    fn numbers_on(&self, day: chrono::NaiveDate) -> Vec<&String> {
        (self.faxes.iter().enumerate())
            .filter(|(n, _)| match (self.until, n) {
                (Some(until), 0) => day <= until,
                (Some(until), 1) => day > until,
                _ => true,
            })
            .map(|(_, f)| f)
            .collect()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(clippy::enum_variant_names)]
pub enum Combinator {
    EarliestOf,
    LatestOf,
    FirstOf,
}

/// A rules file, as the generator describes it.
#[derive(Debug, Clone)]
pub struct Spec {
    pub tz: Tz,
    /// The agreement's calendar.
    pub calendar: String,
    pub methods: Vec<String>,
    pub parties: Vec<Party>,
    pub combinator: Combinator,
    pub clauses: Vec<Rule>,
    pub gaps: Vec<Rule>,
}

/// A short calendar of the generated files' own: 2019 through 2021.
pub const SHORT_CALENDAR: &str = r#"calendar short "A short calendar" {
  years 2019 through 2021
  weekend saturday, sunday
  holiday "Independence Day" on july 4
  shift saturday => preceding friday
  shift sunday => following monday
}
"#;

fn cmp_word(c: Cmp) -> &'static str {
    match c {
        Cmp::Before => "before",
        Cmp::OnOrBefore => "on-or-before",
        Cmp::After => "after",
        Cmp::OnOrAfter => "on-or-after",
        Cmp::At => "at",
    }
}

fn subject_word(s: Subject) -> &'static str {
    match s {
        Subject::Sent => "sent",
        Subject::Received => "received",
    }
}

impl Spec {
    /// The rules file.
    pub fn text(&self) -> String {
        let mut t = String::from(SHORT_CALENDAR);
        t += "agreement \"generated\" {\n";
        t += &format!(
            "  time-zone \"{}\"\n  calendar {}\n",
            self.tz.name(),
            self.calendar
        );
        for m in &self.methods {
            t += &format!("  method {m} \"{m}\"\n");
        }
        for p in &self.parties {
            t += &format!("  party {} \"{}\" {{", p.name, p.name);
            if let Some(tz) = p.tz {
                t += &format!(" time-zone \"{}\"", tz.name());
            }
            for (n, f) in p.faxes.iter().enumerate() {
                t += &format!(" fax \"{f}\"");
                match (p.until, n) {
                    (Some(until), 0) => t += &format!(" until {until}"),
                    (Some(until), 1) => t += &format!(" from {}", until.succ_opt().unwrap()),
                    _ => {}
                }
            }
            t += " }\n";
        }
        let combinator = match self.combinator {
            Combinator::EarliestOf => "earliest-of",
            Combinator::LatestOf => "latest-of",
            Combinator::FirstOf => "first-of",
        };
        t += &format!("  notice \"n\" {combinator} {{\n");
        for (kind, rules) in [("clause", &self.clauses), ("gap", &self.gaps)] {
            for r in rules {
                t += &format!("    {kind} {} \"{}\"", r.label, r.label);
                let mut conds = Vec::new();
                if let Some(ms) = &r.methods {
                    let names: Vec<&str> = ms.iter().map(|m| self.methods[*m].as_str()).collect();
                    conds.push(format!("method {}", names.join(" or ")));
                }
                if r.designated {
                    conds.push("to designated-fax".into());
                }
                for i in &r.instants {
                    let mut c = subject_word(i.subject).to_string();
                    let bounds: Vec<String> = i
                        .bounds
                        .iter()
                        .map(|(cmp, t)| format!("{} {}", cmp_word(*cmp), t.format("%H:%M:%S")))
                        .collect();
                    if !bounds.is_empty() {
                        c += &format!(" {}", bounds.join(" and "));
                    }
                    if let Some((kind, cal)) = &i.day {
                        c += match kind {
                            DayKind::Business => " on business-day",
                            DayKind::NonBusiness => " on non-business-day",
                            DayKind::Any => " on any-day",
                        };
                        if let Some(cal) = cal {
                            c += &format!(" of {cal}");
                        }
                    }
                    match &i.zone {
                        Zone::Agreement => {}
                        Zone::Named(tz) => c += &format!(" in \"{}\"", tz.name()),
                        Zone::Recipient => c += " in recipient-time",
                        Zone::Sender => c += " in sender-time",
                    }
                    conds.push(c);
                }
                if !conds.is_empty() {
                    t += &format!(" when {}", conds.join(", "));
                }
                t += &match r.outcome {
                    Outcome::UponReceipt => " => upon receipt\n".to_string(),
                    Outcome::SameDay(s) => format!(" => same-day of {}\n", subject_word(s)),
                    Outcome::BusinessDaysAfter(n, s) => {
                        format!(" => {n} business-days after {}\n", subject_word(s))
                    }
                    Outcome::DaysAfter(n, s) => format!(" => {n} days after {}\n", subject_word(s)),
                    Outcome::NoEffect => " => no-effect \"not a valid notice\"\n".to_string(),
                };
            }
        }
        t += "  }\n}\n";
        t
    }
}

/// What the reading gives: the answer, or the kind of error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    Resolved {
        status: Status,
        clause: String,
        deemed_date: Option<NaiveDate>,
        /// As RFC 3339, so that the offset it is shown on is compared too.
        effective_at: Option<String>,
    },
    Error(&'static str),
}

/// The kind of an engine error, as [`Answer::Error`] names it.
pub fn error_kind(e: &EvalError) -> &'static str {
    match e {
        EvalError::NoAgreement { .. } => "no agreement",
        EvalError::Unknown(_) => "unknown name",
        EvalError::ReceivedBeforeSent { .. } => "received before sent",
        EvalError::Calendar(_) => "outside the calendar",
        EvalError::Uncovered { .. } => "uncovered",
        EvalError::NoInstant => "no instant",
        EvalError::SentNeeded { .. } => "sent needed",
        EvalError::TimeOfDayNeeded { .. } => "time of day needed",
        EvalError::FaxNumberWithoutDigits { .. } => "fax number without digits",
    }
}

/// The engine's answer in the same terms.
pub fn engine(rules: &Rules, event: EventRef<'_>, trace: bool) -> Answer {
    match rules.evaluate_ref(event, trace) {
        Ok(r) => Answer::Resolved {
            status: r.status,
            clause: r.clause.as_deref().unwrap_or("").to_string(),
            deemed_date: r.deemed_date,
            effective_at: r.effective_at.map(|t| t.to_rfc3339()),
        },
        Err(e) => Answer::Error(error_kind(&e)),
    }
}

/// A name among names, as written or else whatever its case.
fn find(names: &[&str], name: &str) -> Option<usize> {
    (names.iter().position(|n| *n == name))
        .or_else(|| names.iter().position(|n| n.eq_ignore_ascii_case(name)))
}

fn digits(number: &str) -> String {
    let d: String = number.chars().filter(char::is_ascii_digit).collect();
    match d.strip_prefix('1') {
        Some(rest) if d.len() == 11 => rest.to_string(),
        _ => d,
    }
}

/// The first instant of a date on a zone: the first hour of it that exists.
fn start_of_day(tz: Tz, date: NaiveDate) -> Option<DateTime<FixedOffset>> {
    (0..24).find_map(|h| {
        tz.from_local_datetime(&date.and_hms_opt(h, 0, 0)?)
            .earliest()
            .map(|t| t.fixed_offset())
    })
}

/// What an outcome makes of an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Deemed {
    Date(NaiveDate, DateTime<FixedOffset>),
    Pending,
    Invalid,
}

/// The reference reading of an event.
pub fn reference(spec: &Spec, rules: &Rules, ev: EventRef<'_>) -> Answer {
    match read(spec, rules, ev) {
        Ok(a) => a,
        Err(kind) => Answer::Error(kind),
    }
}

fn read(spec: &Spec, rules: &Rules, ev: EventRef<'_>) -> Result<Answer, &'static str> {
    let methods: Vec<&str> = spec.methods.iter().map(String::as_str).collect();
    let parties: Vec<&str> = spec.parties.iter().map(|p| p.name.as_str()).collect();
    let method = find(&methods, ev.method).ok_or("unknown name")?;
    // A number is compared by its digits: one with none is no number.
    if ev
        .fax_number
        .is_some_and(|n| !n.chars().any(|c| c.is_ascii_digit()))
    {
        return Err("fax number without digits");
    }
    let party = match ev.to {
        Some(name) => Some(&spec.parties[find(&parties, name).ok_or("unknown name")?]),
        None => None,
    };
    let sender = match ev.from {
        Some(name) => Some(&spec.parties[find(&parties, name).ok_or("unknown name")?]),
        None => None,
    };
    match (ev.sent, ev.received) {
        (None, None) => return Err("no instant"),
        (Some(s), Some(r)) if r < s => return Err("received before sent"),
        _ => {}
    }
    let calendar = |name: &Option<String>| {
        rules
            .calendar(name.as_deref().unwrap_or(&spec.calendar))
            .expect("the generated calendars exist")
    };
    let zone = |z: &Zone| match z {
        Zone::Agreement => spec.tz,
        Zone::Named(tz) => *tz,
        Zone::Recipient => party.and_then(|p| p.tz).unwrap_or(spec.tz),
        Zone::Sender => sender.and_then(|p| p.tz).unwrap_or(spec.tz),
    };
    let instant = |s: Subject| match s {
        Subject::Sent => ev.sent,
        Subject::Received => ev.received,
    };
    // Every day a condition asks of a recorded instant must be on its calendar, whichever
    // rule applies.
    for rule in spec.clauses.iter().chain(&spec.gaps) {
        for i in &rule.instants {
            if let (Some(t), Some((_, cal))) = (instant(i.subject), &i.day) {
                let date = t.with_timezone(&zone(&i.zone)).date_naive();
                calendar(cal)
                    .is_business_day(date)
                    .map_err(|_| "outside the calendar")?;
            }
        }
    }
    // With `skip_sent`, whether the rule holds but for its conditions on the sending.
    let holds_with = |rule: &Rule, skip_sent: bool| -> bool {
        if let Some(ms) = &rule.methods {
            if !ms.contains(&method) {
                return false;
            }
        }
        if rule.designated {
            // A dated number is designated on the days it is in force: those of the
            // sending (or of the receipt, for a notice known by it alone).
            let day = ev
                .sent
                .or(ev.received)
                .map(|t| t.with_timezone(&spec.tz).date_naive());
            let ok = match party {
                None => true,
                Some(p) => {
                    let numbers = match day {
                        Some(day) => p.numbers_on(day),
                        None => p.faxes.iter().collect(),
                    };
                    match (numbers.is_empty(), ev.fax_number) {
                        (true, _) => false,
                        (false, None) => true,
                        (false, Some(n)) => numbers.iter().any(|f| digits(f) == digits(n)),
                    }
                }
            };
            if !ok {
                return false;
            }
        }
        let read = |i: &&Instant| !(skip_sent && i.subject == Subject::Sent);
        rule.instants.iter().filter(read).all(|i| {
            let Some(t) = instant(i.subject) else {
                return false;
            };
            let local = t.with_timezone(&zone(&i.zone)).naive_local();
            let time = local.time().with_nanosecond(0).unwrap();
            let in_bounds = i.bounds.iter().all(|(cmp, b)| match cmp {
                Cmp::Before => time < *b,
                Cmp::OnOrBefore => time <= *b,
                Cmp::After => time > *b,
                Cmp::OnOrAfter => time >= *b,
                Cmp::At => time == *b,
            });
            let on_day = match &i.day {
                None => true,
                Some((kind, cal)) => {
                    let business = calendar(cal).is_business_day(local.date()).unwrap();
                    match kind {
                        DayKind::Business => business,
                        DayKind::NonBusiness => !business,
                        DayKind::Any => true,
                    }
                }
            };
            in_bounds && on_day
        })
    };
    // What an outcome makes the date: on the zone of the rule's first condition on the
    // instant it runs from (else the agreement's), counted on the agreement's calendar,
    // effective at the date's first instant there, never before that instant.
    let deem = |rule: &Rule| -> Result<Deemed, &'static str> {
        let subject = match rule.outcome {
            Outcome::UponReceipt => Subject::Received,
            Outcome::SameDay(s) | Outcome::BusinessDaysAfter(_, s) | Outcome::DaysAfter(_, s) => s,
            Outcome::NoEffect => return Ok(Deemed::Invalid),
        };
        let tz = rule
            .instants
            .iter()
            .find(|i| i.subject == subject)
            .map_or(spec.tz, |i| zone(&i.zone));
        let Some(anchor) = instant(subject) else {
            return Ok(Deemed::Pending);
        };
        let anchor = anchor.with_timezone(&tz).fixed_offset();
        let from = anchor.date_naive();
        let cal = calendar(&None);
        let out = |_| "outside the calendar";
        let date = match rule.outcome {
            Outcome::UponReceipt | Outcome::SameDay(_) => {
                cal.is_business_day(from).map_err(out)?;
                from
            }
            Outcome::BusinessDaysAfter(n, _) => cal.nth_business_day_after(from, n).map_err(out)?,
            Outcome::DaysAfter(n, _) => {
                let date = from
                    .checked_add_days(Days::new(n.into()))
                    .ok_or("outside the calendar")?;
                cal.is_business_day(date).map_err(out)?;
                date
            }
            Outcome::NoEffect => unreachable!("answered above"),
        };
        let at = if date == from {
            anchor
        } else {
            start_of_day(tz, date)
                .ok_or("outside the calendar")?
                .max(anchor)
        };
        Ok(Deemed::Date(date, at))
    };
    let answer = |status: Status, rule: &Rule, d: Deemed| {
        let dated = match d {
            Deemed::Date(date, at) => Some((date, at)),
            _ => None,
        };
        Answer::Resolved {
            status: match (status, d) {
                (_, Deemed::Invalid) => Status::Invalid,
                (Status::Effective, Deemed::Pending) => Status::Pending,
                (s, _) => s,
            },
            clause: rule.label.clone(),
            deemed_date: dated.map(|d| d.0),
            effective_at: dated.map(|d| d.1.to_rfc3339()),
        }
    };
    let holds = |rule: &Rule| holds_with(rule, false);
    // A notice known by its receipt alone: no rule it may fall under may read the sending.
    if ev.sent.is_none() {
        let reads_sent = |r: &Rule| {
            let outcome_sent = matches!(
                r.outcome,
                Outcome::SameDay(Subject::Sent)
                    | Outcome::BusinessDaysAfter(_, Subject::Sent)
                    | Outcome::DaysAfter(_, Subject::Sent)
            );
            outcome_sent || r.instants.iter().any(|i| i.subject == Subject::Sent)
        };
        let mut some_clause = false;
        for r in spec.clauses.iter().filter(|r| holds_with(r, true)) {
            if reads_sent(r) {
                return Err("sent needed");
            }
            some_clause = true;
        }
        let gap = spec.gaps.iter().find(|r| holds_with(r, true));
        if !some_clause && gap.is_some_and(reads_sent) {
            return Err("sent needed");
        }
    }
    let mut applied = Vec::new();
    for rule in spec.clauses.iter().filter(|r| holds(r)) {
        applied.push((rule, deem(rule)?));
    }
    if spec.combinator == Combinator::FirstOf {
        if let Some((first, deemed)) = applied.first() {
            return Ok(answer(Status::Effective, first, *deemed));
        }
    }
    // A rule that says the notice is not valid decides only when no other applies.
    let invalid = applied.iter().find(|(_, d)| *d == Deemed::Invalid).copied();
    applied.retain(|(_, d)| *d != Deemed::Invalid);
    if let Some((first, _)) = applied.first() {
        let dated = applied.iter().filter_map(|(r, d)| match d {
            Deemed::Date(date, at) => Some((*r, (*date, *at))),
            _ => None,
        });
        let mut best: Option<(&Rule, (NaiveDate, DateTime<FixedOffset>))> = None;
        for (r, d) in dated {
            // Ties go to the clause written first.
            let better = match (best, spec.combinator) {
                (None, _) => true,
                (Some((_, b)), Combinator::EarliestOf) => d.1 < b.1,
                (Some((_, b)), _) => d.1 > b.1,
            };
            if better {
                best = Some((r, d));
            }
        }
        return Ok(match best {
            Some((rule, d)) => answer(Status::Effective, rule, Deemed::Date(d.0, d.1)),
            None => answer(Status::Effective, first, Deemed::Pending),
        });
    }
    if let Some((rule, _)) = invalid {
        return Ok(answer(Status::Effective, rule, Deemed::Invalid));
    }
    match spec.gaps.iter().find(|r| holds(r)) {
        Some(gap) => Ok(answer(Status::Gap, gap, deem(gap)?)),
        None => Err("uncovered"),
    }
}
