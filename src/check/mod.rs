//! Syntax tree to checked model: the only way to build [`Rules`].
//!
//! The checker resolves names (calendars, methods, clause labels, time zones), flattens
//! calendar `include`s, rejects duplicates and contradictions (a clause that can never
//! apply), and works out every calendar's years. Each problem is a [`CheckError`] with the
//! span of the words at fault; all of them are reported, not just the first.

use std::collections::HashMap;
use std::sync::Arc;

use chrono_tz::Tz;

use crate::agreement::*;
use crate::answer::UnknownName;
use crate::calendar::{Calendar, CalendarSpec, HolidaySpec, Observe};
pub use crate::diagnostic::{CheckError, CheckErrorKind};
use crate::syntax::ast::{self, RuleKind, Span, Spanned};

mod calendars;
mod notice;
mod periods;

/// The checked form of a source: which file (an index into the caller's list) and its tree.
pub struct Unit<'a> {
    /// The index of the source this tree was parsed from.
    pub source: usize,
    /// The parsed file.
    pub file: &'a ast::File,
    /// Built-in files supply calendars that a user's file may replace by name.
    pub builtin: bool,
}

/// Whether a number's `until` comes before its `from`: a date is its whole day, so a
/// number from and until one day is in force that day.
fn until_before(until: ast::When, from: ast::When) -> bool {
    use ast::When;
    match (until, from) {
        (When::Date(u), When::Date(f)) => u < f,
        (When::Instant(u), When::Instant(f)) => u < f,
        (When::Date(u), When::Instant(f)) => u < f.date_naive(),
        (When::Instant(u), When::Date(f)) => u.date_naive() < f,
    }
}

/// Checks parsed files into [`Rules`]; the second part are warnings, findings that do not
/// stop the rules from working.
pub fn check(
    origin: &str,
    units: &[Unit<'_>],
) -> Result<(Rules, Vec<CheckError>), Vec<CheckError>> {
    check_with(origin, units, None)
}

/// What checking the calendars of a folder's shared files and the built-in ones gave:
/// every agreement of the folder whose own file declares no calendar is checked with the
/// same calendars, and they are checked once for all of them.
#[derive(Default)]
pub(crate) struct SharedCalendars(std::sync::OnceLock<CheckedCalendars>);

struct CheckedCalendars {
    calendars: Vec<Arc<Calendar>>,
    errors: Vec<CheckError>,
    warnings: Vec<CheckError>,
}

/// [`check`], with the calendars checked already for the units but the first (when the
/// first declares none; the others must be the same files, in the same places, each time).
pub(crate) fn check_with(
    origin: &str,
    units: &[Unit<'_>],
    shared: Option<&SharedCalendars>,
) -> Result<(Rules, Vec<CheckError>), Vec<CheckError>> {
    let mut cx = Checker::default();
    let own_calendars = (units.iter().filter(|u| !u.builtin))
        .flat_map(|u| &u.file.items)
        .any(|i| matches!(i, ast::Item::Calendar(_)));
    let calendars = match shared.filter(|_| !own_calendars) {
        None => cx.calendars(units),
        Some(SharedCalendars(memo)) => {
            let checked = memo.get_or_init(|| {
                let mut alone = Checker::default();
                CheckedCalendars {
                    calendars: alone.calendars(units),
                    errors: alone.errors,
                    warnings: alone.warnings,
                }
            });
            for e in &checked.errors {
                cx.error(e.source, e.span, e.kind.clone());
            }
            cx.warnings.extend(checked.warnings.iter().cloned());
            checked.calendars.clone()
        }
    };
    let mut agreement = None;
    for unit in units.iter().filter(|u| !u.builtin) {
        for item in &unit.file.items {
            if let ast::Item::Agreement(a) = item {
                if agreement.is_some() {
                    cx.error(unit.source, a.title.span, CheckErrorKind::SecondAgreement);
                    continue;
                }
                agreement = Some(cx.agreement(unit.source, a, &calendars));
            }
        }
    }
    if !cx.errors.is_empty() {
        return Err(cx.errors);
    }
    let rules = Rules {
        warnings: crate::diagnostic::Diagnostics {
            sources: Vec::new(),
            errors: Vec::new(),
        },
        origin: origin.to_string(),
        agreement: agreement.flatten(),
        calendars,
    };
    Ok((rules, cx.warnings))
}

/// The calendars declared, each with its source and by name, and what flattening them has
/// found so far: the chain of includes being followed, and each calendar flattened.
struct Decls<'d, 'a> {
    list: &'d [(usize, &'a ast::CalendarBlock)],
    by_name: HashMap<&'a str, usize>,
    stack: Vec<String>,
    flat: HashMap<String, Option<CalendarSpec>>,
}

#[derive(Default)]
struct Checker {
    errors: Vec<CheckError>,
    /// The errors reported so far, by source, span and what, each reported once.
    seen: std::collections::HashSet<(usize, usize, usize, String)>,
    warnings: Vec<CheckError>,
}

/// The earliest and latest year a calendar may cover.
const YEAR_LIMITS: (i32, i32) = (1900, 2200);

/// The deepest a chain of `include`s may go: far past any real calendar's, and shallow
/// enough that checking one never runs out of stack.
const MOST_INCLUDE_DEPTH: usize = 64;

/// The most years, and days, a period or an outcome may count: the span of the years a
/// calendar may cover.
const MOST_YEARS: u32 = (YEAR_LIMITS.1 - YEAR_LIMITS.0 + 1) as u32;
const MOST_DAYS: u32 = MOST_YEARS * 366;

impl Checker {
    fn error(&mut self, source: usize, span: Span, kind: CheckErrorKind) {
        // The same mistake is reported once, however often it is met.
        let key = (source, span.start, span.end, format!("{kind:?}"));
        if self.seen.insert(key) {
            self.errors.push(CheckError { source, span, kind });
        }
    }

    fn time_zone(&mut self, source: usize, name: &Spanned<String>) -> Option<Tz> {
        match name.node.parse::<Tz>() {
            Ok(tz) => Some(tz),
            Err(_) => {
                self.error(
                    source,
                    name.span,
                    CheckErrorKind::UnknownTimeZone {
                        name: name.node.clone(),
                    },
                );
                None
            }
        }
    }

    fn agreement(
        &mut self,
        source: usize,
        a: &ast::AgreementBlock,
        calendars: &[Arc<Calendar>],
    ) -> Option<Agreement> {
        let errors_before = self.errors.len();
        let mut dated = None;
        let mut tz = None;
        let mut tz_seen = None;
        let mut calendar = None;
        let mut calendar_seen = None;
        let mut business_day = None;
        let mut methods: Vec<MethodDef> = Vec::new();
        let mut method_spans: Vec<Span> = Vec::new();
        let mut parties: Vec<PartyDef> = Vec::new();
        // By name, to find a duplicate at once however many parties there are.
        let mut party_names: HashMap<&str, usize> = HashMap::new();
        let mut party_spans: Vec<Span> = Vec::new();
        let mut notice_ast = None;
        let mut periods: Vec<(crate::agreement::PeriodDef, Span)> = Vec::new();
        let mut deadline_roll = None;
        let mut deadline_roll_seen = None;
        let mut id = None;
        let mut id_seen = None;
        for item in &a.items {
            match item {
                ast::AgreementItem::Id(name) => {
                    self.once(source, "`id`", &mut id_seen, name.span);
                    id = Some(name.node.clone());
                }
                ast::AgreementItem::Dated(d) => dated = Some(d.node),
                ast::AgreementItem::TimeZone(z) => {
                    self.once(source, "`time-zone`", &mut tz_seen, z.span);
                    tz = self.time_zone(source, z);
                }
                ast::AgreementItem::Calendar(name) => {
                    self.once(source, "`calendar`", &mut calendar_seen, name.span);
                    calendar = self.calendar_ref(source, name, calendars);
                }
                ast::AgreementItem::BusinessDay(s) => business_day = Some(s.node.clone()),
                ast::AgreementItem::Cite(_) => {}
                ast::AgreementItem::DeadlineRoll(r, words) => {
                    self.once(source, "`deadline-roll`", &mut deadline_roll_seen, r.span);
                    deadline_roll = Some((r.node, words.node.clone()));
                }
                ast::AgreementItem::Method(m) => {
                    self.add_method(source, m, &mut methods, &mut method_spans);
                }
                ast::AgreementItem::Party(p) => {
                    self.add_party(source, p, &mut parties, &mut party_names, &mut party_spans);
                }
                ast::AgreementItem::Notice(n) => match notice_ast {
                    Some(_) => self.second_notice(source, n, a.title.span),
                    None => notice_ast = Some(n),
                },
                ast::AgreementItem::Period(p) => self.add_period(source, p, &mut periods),
            }
        }
        self.period_references(source, &periods);
        let missing = [tz_seen, calendar_seen].map(|seen| seen.is_none());
        self.require(source, a.title.span, missing, notice_ast.is_none());
        let notice =
            notice_ast.and_then(|n| self.notice(source, n, &methods, calendars, calendar.as_ref()));
        if self.errors.len() > errors_before {
            return None;
        }
        let (tz, calendar, notice) = (tz?, calendar?, notice?);
        Some(Agreement {
            plan: crate::agreement::plan::Plan::compile(&notice, &calendar),
            title: a.title.node.clone(),
            dated,
            clock: crate::clock::Clock::new(tz),
            tz,
            calendar,
            business_day,
            methods,
            parties,
            notice,
            periods: periods.into_iter().map(|(p, _)| p).collect(),
            deadline_roll,
            id,
        })
    }

    /// A method, unless one of its name is declared already or there are 64.
    fn add_method(
        &mut self,
        source: usize,
        m: &ast::Method,
        methods: &mut Vec<MethodDef>,
        method_spans: &mut Vec<Span>,
    ) {
        if let Some(n) = methods.iter().position(|d| d.name == m.name.node) {
            self.error(
                source,
                m.name.span,
                CheckErrorKind::Duplicate {
                    what: "method",
                    name: m.name.node.clone(),
                    first: method_spans.get(n).copied().unwrap_or_default(),
                },
            );
            return;
        }
        if methods.len() == 64 {
            self.error(source, m.name.span, CheckErrorKind::TooManyMethods);
            return;
        }
        methods.push(MethodDef {
            name: m.name.node.clone(),
            description: m.description.node.clone(),
        });
        method_spans.push(m.name.span);
    }

    /// A second notice clause in one agreement: an error (the first one stands).
    fn second_notice(&mut self, source: usize, n: &ast::Notice, first: Span) {
        let kind = CheckErrorKind::Duplicate {
            what: "notice",
            name: n.title.node.clone(),
            first,
        };
        self.error(source, n.title.span, kind);
    }

    /// A party, unless one of its name is declared already.
    fn add_party<'a>(
        &mut self,
        source: usize,
        p: &'a ast::Party,
        parties: &mut Vec<PartyDef>,
        party_names: &mut HashMap<&'a str, usize>,
        party_spans: &mut Vec<Span>,
    ) {
        if let Some(&n) = party_names.get(p.name.node.as_str()) {
            self.error(
                source,
                p.name.span,
                CheckErrorKind::Duplicate {
                    what: "party",
                    name: p.name.node.clone(),
                    first: party_spans.get(n).copied().unwrap_or_default(),
                },
            );
            return;
        }
        let party = self.party(source, p);
        party_names.insert(p.name.node.as_str(), parties.len());
        parties.push(party);
        party_spans.push(p.name.span);
    }

    /// A period, unless one of its name is declared already.
    fn add_period(
        &mut self,
        source: usize,
        p: &ast::Period,
        periods: &mut Vec<(crate::agreement::PeriodDef, Span)>,
    ) {
        if let Some(first) = periods
            .iter()
            .find(|(d, _): &&(crate::agreement::PeriodDef, Span)| d.name == p.name.node)
        {
            let first = first.1;
            self.error(
                source,
                p.name.span,
                CheckErrorKind::Duplicate {
                    what: "period",
                    name: p.name.node.clone(),
                    first,
                },
            );
            return;
        }
        if let Some(def) = self.period(source, p) {
            periods.push((def, p.name.span));
        }
    }

    /// An error at `span` for each item an agreement must declare and does not: its time
    /// zone, its calendar (`[time-zone, calendar]` missing) and its notice clause.
    fn require(&mut self, source: usize, span: Span, missing: [bool; 2], no_notice: bool) {
        let items = [
            ("`time-zone`", missing[0], "time-zone \"America/New_York\""),
            ("`calendar`", missing[1], "calendar us-ny-banking"),
            (
                "`notice` clause",
                no_notice,
                "notice \"4.2\" earliest-of { ... }",
            ),
        ];
        for (what, missing, example) in items {
            if missing {
                let within = "agreement";
                let kind = CheckErrorKind::Missing {
                    within,
                    what,
                    example,
                };
                self.error(source, span, kind);
            }
        }
    }

    fn once(&mut self, source: usize, what: &'static str, seen: &mut Option<Span>, span: Span) {
        if let Some(first) = seen {
            self.error(
                source,
                span,
                CheckErrorKind::Duplicate {
                    what: "",
                    name: what.trim_matches('`').to_string(),
                    first: *first,
                },
            );
        } else {
            *seen = Some(span);
        }
    }

    fn calendar_ref(
        &mut self,
        source: usize,
        name: &ast::Name,
        calendars: &[Arc<Calendar>],
    ) -> Option<Arc<Calendar>> {
        let found = calendars.iter().find(|c| c.name() == name.node).cloned();
        if found.is_none() {
            self.error(
                source,
                name.span,
                CheckErrorKind::Unknown(UnknownName {
                    what: "calendar",
                    name: name.node.clone(),
                    described: calendars.iter().map(|c| c.title().to_string()).collect(),
                    known: calendars.iter().map(|c| c.name().to_string()).collect(),
                }),
            );
        }
        found
    }
}
