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

/// The checked form of a source: which file (an index into the caller's list) and its tree.
pub struct Unit<'a> {
    /// The index of the source this tree was parsed from.
    pub source: usize,
    /// The parsed file.
    pub file: &'a ast::File,
    /// Built-in files supply calendars that a user's file may replace by name.
    pub builtin: bool,
}

/// The calendar a spec builds, built once per process: the agreements of a folder name the
/// same calendars (the built-in ones above all), and building one is most of loading rules.
/// A spec is known by the whole of it, so only an identical one is shared.
fn built_calendar(spec: &crate::calendar::CalendarSpec) -> Arc<Calendar> {
    use std::sync::{Mutex, OnceLock};
    type Built = HashMap<crate::calendar::CalendarSpec, Arc<Calendar>>;
    static BUILT: OnceLock<Mutex<Built>> = OnceLock::new();
    /// Past this many distinct calendars, new ones are built and not kept.
    const KEPT: usize = 256;
    let built = BUILT.get_or_init(|| Mutex::new(HashMap::default()));
    if let Some(calendar) = built.lock().ok().and_then(|b| b.get(spec).cloned()) {
        return calendar;
    }
    let calendar = Arc::new(Calendar::build(spec));
    if let Ok(mut b) = built.lock() {
        if b.len() < KEPT {
            b.insert(spec.clone(), Arc::clone(&calendar));
        }
    }
    calendar
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
    list: &'d [(usize, &'a ast::Calendar)],
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

    /// Every calendar of every unit, flattened and built. A user's calendar replaces a
    /// built-in one of the same name.
    fn calendars(&mut self, units: &[Unit<'_>]) -> Vec<Arc<Calendar>> {
        let mut decls: Vec<Option<(usize, &ast::Calendar)>> = Vec::new();
        let mut by_name: HashMap<&str, usize> = HashMap::new();
        for unit in units {
            let mut seen: HashMap<&str, Span> = HashMap::new();
            for item in &unit.file.items {
                let ast::Item::Calendar(c) = item else {
                    continue;
                };
                if let Some(first) = seen.get(c.name.node.as_str()) {
                    self.error(
                        unit.source,
                        c.name.span,
                        CheckErrorKind::Duplicate {
                            what: "calendar",
                            name: c.name.node.clone(),
                            first: *first,
                        },
                    );
                    continue;
                }
                seen.insert(&c.name.node, c.name.span);
                // A later declaration of the name replaces an earlier one.
                if let Some(earlier) = by_name.insert(&c.name.node, decls.len()) {
                    if let Some(slot) = decls.get_mut(earlier) {
                        *slot = None;
                    }
                }
                decls.push(Some((unit.source, c)));
            }
        }
        let decls: Vec<(usize, &ast::Calendar)> = decls.into_iter().flatten().collect();
        let mut all = Decls {
            by_name: decls
                .iter()
                .enumerate()
                .map(|(n, (_, c))| (c.name.node.as_str(), n))
                .collect(),
            list: &decls,
            stack: Vec::new(),
            flat: HashMap::new(),
        };
        let mut built = Vec::new();
        for (source, decl) in &decls {
            if let Some(spec) = self.flatten(*source, decl, &mut all) {
                built.push(built_calendar(&spec));
            }
        }
        built
    }

    /// A calendar's spec with its includes worked in. Each calendar is flattened once
    /// (`flat` keeps the results by name), and a calendar reached twice through the
    /// includes of one calendar adds its rules once.
    fn flatten(
        &mut self,
        source: usize,
        decl: &ast::Calendar,
        all: &mut Decls<'_, '_>,
    ) -> Option<CalendarSpec> {
        if let Some(done) = all.flat.get(&decl.name.node) {
            return done.clone();
        }
        if all.stack.contains(&decl.name.node) {
            return None;
        }
        all.stack.push(decl.name.node.clone());
        let result = self.flatten_once(source, decl, all);
        all.stack.pop();
        all.flat.insert(decl.name.node.clone(), result.clone());
        result
    }

    /// [`Checker::flatten`] of a calendar not flattened yet (on the top of `all.stack`).
    fn flatten_once(
        &mut self,
        source: usize,
        decl: &ast::Calendar,
        all: &mut Decls<'_, '_>,
    ) -> Option<CalendarSpec> {
        let mut spec = CalendarSpec {
            name: decl.name.node.clone(),
            title: decl.title.node.clone(),
            sources: Vec::new(),
            years: (0, -1),
            weekend: Vec::new(),
            holidays: Vec::new(),
            closed: Vec::new(),
            open: Vec::new(),
        };
        let mut years_span = None;
        let mut ok = true;
        let mut ranges = Vec::new();
        let mut own_holidays = Vec::new();
        let mut shifts = Vec::new();
        for item in &decl.items {
            match item {
                ast::CalendarItem::Include(name) => {
                    let found = all.by_name.get(name.node.as_str());
                    let Some((inc_source, inc)) = found.and_then(|n| all.list.get(*n)) else {
                        self.error(
                            source,
                            name.span,
                            CheckErrorKind::Unknown(UnknownName {
                                what: "calendar",
                                name: name.node.clone(),
                                described: all
                                    .list
                                    .iter()
                                    .map(|(_, c)| c.title.node.clone())
                                    .collect(),
                                known: all.list.iter().map(|(_, c)| c.name.node.clone()).collect(),
                            }),
                        );
                        ok = false;
                        continue;
                    };
                    if all.stack.len() >= MOST_INCLUDE_DEPTH {
                        let kind = CheckErrorKind::IncludesTooDeep {
                            name: name.node.clone(),
                            most: MOST_INCLUDE_DEPTH,
                        };
                        self.error(source, name.span, kind);
                        ok = false;
                        continue;
                    }
                    if all.stack.contains(&inc.name.node) {
                        let mut chain = all.stack.clone();
                        chain.push(inc.name.node.clone());
                        self.error(
                            source,
                            name.span,
                            CheckErrorKind::IncludeCycle {
                                name: name.node.clone(),
                                chain,
                            },
                        );
                        ok = false;
                        continue;
                    }
                    let Some(base) = self.flatten(*inc_source, inc, all) else {
                        ok = false;
                        continue;
                    };
                    // A calendar reached twice (included twice, or through two includes)
                    // adds its rules once: what is there already is not added again.
                    add_new(&mut spec.sources, base.sources);
                    if spec.years.0 > spec.years.1 {
                        spec.years = base.years;
                    }
                    if spec.weekend.is_empty() {
                        spec.weekend = base.weekend;
                    }
                    // Its holidays come observed as its own rules say.
                    add_new(&mut spec.holidays, base.holidays);
                    add_new(&mut spec.closed, base.closed);
                    add_new(&mut spec.open, base.open);
                }
                ast::CalendarItem::Source(s) => spec.sources.push(s.node.clone()),
                ast::CalendarItem::Years(y) => {
                    let (first, last) = y.node;
                    if first > last || first < YEAR_LIMITS.0 || last > YEAR_LIMITS.1 {
                        self.error(source, y.span, CheckErrorKind::BadYears { first, last });
                        ok = false;
                    }
                    spec.years = (first, last);
                    years_span = Some(y.span);
                }
                ast::CalendarItem::Weekend(days) => {
                    spec.weekend = days.iter().map(|d| d.node).collect();
                }
                ast::CalendarItem::Holiday(h) => {
                    if !self.one_shift_per_weekday(source, &h.observed) {
                        ok = false;
                    }
                    own_holidays.push((spec.holidays.len(), h));
                    spec.holidays.push(HolidaySpec {
                        name: h.name.node.as_str().into(),
                        rule: h.rule.node,
                        from: h.from.as_ref().map(|y| y.node),
                        through: h.through.as_ref().map(|y| y.node),
                        observe: Observe::Shifts(Vec::new()),
                    });
                }
                ast::CalendarItem::Shift(s) => shifts.push(s.clone()),
                ast::CalendarItem::Closed(c) => {
                    let last = c.through.as_ref().map_or(c.from.node, |t| t.node);
                    if last < c.from.node {
                        let span = c.through.as_ref().map_or(c.from.span, |t| t.span);
                        self.error(source, span, CheckErrorKind::BackwardRange);
                        ok = false;
                        continue;
                    }
                    // Expanded day by day only once its ends are known to lie in the years.
                    ranges.push((c.from.node, last, c.reason.node.as_str()));
                }
                ast::CalendarItem::Open(c) => spec.open.push(c.from.node),
            }
        }
        if spec.years.0 > spec.years.1 && years_span.is_none() {
            self.error(
                source,
                decl.name.span,
                CheckErrorKind::Missing {
                    within: "calendar",
                    what: "`years` range",
                    example: "years 1971 through 2100",
                },
            );
            ok = false;
        }
        // Dates of this calendar's own closures must lie in its years.
        for item in &decl.items {
            if let ast::CalendarItem::Closed(c) | ast::CalendarItem::Open(c) = item {
                for d in std::iter::once(&c.from).chain(c.through.as_ref()) {
                    if !(spec.years.0..=spec.years.1).contains(&chrono::Datelike::year(&d.node)) {
                        self.error(
                            source,
                            d.span,
                            CheckErrorKind::DateOutsideYears {
                                date: d.node,
                                first: spec.years.0,
                                last: spec.years.1,
                            },
                        );
                        ok = false;
                    }
                }
            }
        }
        if !self.one_shift_per_weekday(source, &shifts) {
            ok = false;
        }
        if !ok {
            return None;
        }
        // This calendar's holidays are observed by their own rules, else by its shifts.
        for (n, h) in own_holidays {
            let observe = if let Some(on) = &h.substitute {
                let days: Vec<chrono::Weekday> = if on.node.is_empty() {
                    spec.weekend.clone()
                } else {
                    on.node.iter().map(|d| d.node).collect()
                };
                Observe::Substitute(days)
            } else if !h.observed.is_empty() {
                Observe::Shifts(h.observed.iter().map(|s| s.node).collect())
            } else {
                let kept = shifts.iter().map(|s| s.node);
                Observe::Shifts(kept.filter(|s| !h.unshifted.keeps(s.from)).collect())
            };
            if let Some(spec_h) = spec.holidays.get_mut(n) {
                spec_h.observe = observe;
            }
        }
        for (from, last, reason) in ranges {
            let reason: std::sync::Arc<str> = reason.into();
            let mut day = Some(from);
            while let Some(d) = day.filter(|d| *d <= last) {
                spec.closed.push((d, reason.clone()));
                day = d.succ_opt();
            }
        }
        Some(spec)
    }

    /// The periods a period names (the one it runs from, the one whose deadline its notice
    /// must meet) exist, and no period depends on itself through them.
    fn period_references(
        &mut self,
        source: usize,
        periods: &[(crate::agreement::PeriodDef, Span)],
    ) {
        let names: Vec<String> = periods.iter().map(|(p, _)| p.name.clone()).collect();
        for (p, _) in periods {
            for named in p.depends_on() {
                if !names.contains(&named.node) {
                    let kind = CheckErrorKind::Unknown(UnknownName {
                        what: "period",
                        name: named.node.clone(),
                        described: Vec::new(),
                        known: names.clone(),
                    });
                    self.error(source, named.span, kind);
                }
            }
        }
        // A cycle, from each period in turn (periods are few).
        for (p, span) in periods {
            let mut chain = vec![p.name.clone()];
            let mut stack: Vec<(&crate::agreement::PeriodDef, usize)> = vec![(p, 0)];
            let mut found = None;
            while let Some((at, next)) = stack.last().copied() {
                let deps = at.depends_on();
                let Some(dep) = deps.get(next) else {
                    stack.pop();
                    chain.pop();
                    continue;
                };
                if let Some(top) = stack.last_mut() {
                    top.1 += 1;
                }
                if dep.node == p.name {
                    let mut c = chain.clone();
                    c.push(p.name.clone());
                    found = Some(c);
                    break;
                }
                if chain.contains(&dep.node) || chain.len() > periods.len() {
                    continue;
                }
                if let Some((d, _)) = periods.iter().find(|(d, _)| d.name == dep.node) {
                    chain.push(d.name.clone());
                    stack.push((d, 0));
                }
            }
            if let Some(chain) = found {
                self.error(source, *span, CheckErrorKind::PeriodCycle { chain });
                return;
            }
        }
    }

    /// Shift rules for one weekday at most: a second is an error at its place.
    fn one_shift_per_weekday(&mut self, source: usize, shifts: &[Spanned<ast::Shift>]) -> bool {
        let mut ok = true;
        for (n, s) in shifts.iter().enumerate() {
            let first = shifts.iter().take(n).find(|f| f.node.from == s.node.from);
            if let Some(first) = first {
                let kind = CheckErrorKind::Duplicate {
                    what: "shift for",
                    name: crate::calendar::weekday_name(s.node.from).to_lowercase(),
                    first: first.span,
                };
                self.error(source, s.span, kind);
                ok = false;
            }
        }
        ok
    }

    fn agreement(
        &mut self,
        source: usize,
        a: &ast::Agreement,
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
                        continue;
                    }
                    if methods.len() == 64 {
                        self.error(source, m.name.span, CheckErrorKind::TooManyMethods);
                        continue;
                    }
                    methods.push(MethodDef {
                        name: m.name.node.clone(),
                        description: m.description.node.clone(),
                    });
                    method_spans.push(m.name.span);
                }
                ast::AgreementItem::Party(p) => {
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
                        continue;
                    }
                    let party = self.party(source, p);
                    party_names.insert(p.name.node.as_str(), parties.len());
                    parties.push(party);
                    party_spans.push(p.name.span);
                }
                ast::AgreementItem::Notice(n) => {
                    if notice_ast.is_some() {
                        self.error(
                            source,
                            n.title.span,
                            CheckErrorKind::Duplicate {
                                what: "notice",
                                name: n.title.node.clone(),
                                first: a.title.span,
                            },
                        );
                        continue;
                    }
                    notice_ast = Some(n);
                }
                ast::AgreementItem::Period(p) => {
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
                        continue;
                    }
                    if let Some(def) = self.period(source, p) {
                        periods.push((def, p.name.span));
                    }
                }
            }
        }
        self.period_references(source, &periods);
        for (what, missing, example) in [
            (
                "`time-zone`",
                tz_seen.is_none(),
                "time-zone \"America/New_York\"",
            ),
            (
                "`calendar`",
                calendar_seen.is_none(),
                "calendar us-ny-banking",
            ),
            (
                "`notice` clause",
                notice_ast.is_none(),
                "notice \"4.2\" earliest-of { ... }",
            ),
        ] {
            if missing {
                self.error(
                    source,
                    a.title.span,
                    CheckErrorKind::Missing {
                        within: "agreement",
                        what,
                        example,
                    },
                );
            }
        }
        let notice =
            notice_ast.and_then(|n| self.notice(source, n, &methods, calendars, calendar.as_ref()));
        if self.errors.len() > errors_before {
            return None;
        }
        let (tz, calendar, notice) = (tz?, calendar?, notice?);
        Some(Agreement {
            plan: crate::agreement::plan::Plan::compile(&notice, &calendar, tz, &parties),
            title: a.title.node.clone(),
            dated,
            clock: crate::clock::Clock::shared(tz),
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

    fn period(&mut self, source: usize, p: &ast::Period) -> Option<crate::agreement::PeriodDef> {
        use crate::syntax::ast::{Nonexistent, PeriodItem, Roll};
        let mut anchor = None;
        let mut length = None;
        let mut start = None;
        let mut end = None;
        let mut roll = None;
        let mut nonexistent = None;
        let mut reading = None;
        let mut closes_at = None;
        let mut anchor_period: Option<ast::Name> = None;
        let mut unless: Option<(ast::Name, ast::Length, String)> = None;
        let mut seen: Vec<(&'static str, Span)> = Vec::new();
        for item in &p.items {
            let (what, span) = match item {
                PeriodItem::Anchor(n, words) => {
                    anchor = Some((n.node.clone(), words.node.clone()));
                    ("anchor", n.span)
                }
                PeriodItem::AnchorPeriod(n, words) => {
                    anchor = Some((n.node.clone(), words.node.clone()));
                    anchor_period = Some(n.clone());
                    ("anchor", n.span)
                }
                PeriodItem::UnlessNoticeBy {
                    deadline,
                    length: l,
                    words,
                } => {
                    unless = Some((deadline.clone(), l.node, words.node.clone()));
                    ("unless-notice-by", deadline.span)
                }
                PeriodItem::Length(l) => {
                    let (word, most) = match l.node.unit {
                        ast::PeriodUnit::Years => ("years", MOST_YEARS),
                        ast::PeriodUnit::Months => ("months", MOST_YEARS * 12),
                        ast::PeriodUnit::Days => ("days", MOST_DAYS),
                        ast::PeriodUnit::BusinessDays => ("business-days", MOST_DAYS),
                    };
                    if l.node.count > most {
                        let written = format!("{} {word}", l.node.count);
                        self.error(
                            source,
                            l.span,
                            CheckErrorKind::CountTooLarge { written, most },
                        );
                    }
                    length = Some(l.node);
                    ("length", l.span)
                }
                PeriodItem::Start(e) => {
                    start = Some(e.node);
                    ("start", e.span)
                }
                PeriodItem::End(e) => {
                    end = Some(e.node);
                    ("end", e.span)
                }
                PeriodItem::Roll(r) => {
                    roll = Some(r.node);
                    ("roll", r.span)
                }
                PeriodItem::Nonexistent(n) => {
                    nonexistent = Some(n.node);
                    ("nonexistent", n.span)
                }
                PeriodItem::Reading(r) => {
                    reading = Some(r.node.clone());
                    ("reading", r.span)
                }
                PeriodItem::ClosesAt { time, zone } => {
                    let tz = match zone {
                        None => Some(None),
                        Some(z) => match z.node.parse::<chrono_tz::Tz>() {
                            Ok(tz) => Some(Some(tz)),
                            Err(_) => {
                                let kind = CheckErrorKind::UnknownTimeZone {
                                    name: z.node.clone(),
                                };
                                self.error(source, z.span, kind);
                                None
                            }
                        },
                    };
                    closes_at = tz.map(|tz| (time.node, tz));
                    ("closes-at", time.span)
                }
            };
            if let Some((_, first)) = seen.iter().find(|(w, _)| *w == what) {
                self.error(
                    source,
                    span,
                    CheckErrorKind::Duplicate {
                        what: "",
                        name: what.to_string(),
                        first: *first,
                    },
                );
            }
            seen.push((what, span));
        }
        let mut missing = |what, example| {
            self.error(
                source,
                p.name.span,
                CheckErrorKind::Missing {
                    within: "period",
                    what,
                    example,
                },
            );
        };
        if anchor.is_none() {
            missing("`anchor`", "anchor issued \"the date of issue\"");
        }
        if length.is_none() {
            missing("`length`", "length 5 years");
        }
        let counts_months = length.is_some_and(|l: crate::syntax::ast::Length| {
            matches!(
                l.unit,
                crate::syntax::ast::PeriodUnit::Years | crate::syntax::ast::PeriodUnit::Months
            )
        });
        if counts_months && nonexistent.is_none() {
            self.warnings.push(CheckError {
                source,
                span: p.name.span,
                kind: CheckErrorKind::NoRoundingPolicy {
                    period: p.name.node.clone(),
                },
            });
        }
        let (anchor, anchor_words) = anchor?;
        Some(crate::agreement::PeriodDef {
            name: p.name.node.clone(),
            cite: p.cite.node.clone(),
            anchor,
            anchor_words,
            length: length?,
            // Reckoning excludes the day it starts from (New York General Construction
            // Law section 20) unless the period says otherwise.
            start_inclusive: start.unwrap_or(false),
            end_inclusive: end.unwrap_or(true),
            roll: roll.unwrap_or(Roll::None),
            nonexistent: nonexistent.unwrap_or(Nonexistent::Error),
            reading,
            closes_at,
            anchor_period,
            unless_notice_by: unless,
        })
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

    fn party(&mut self, source: usize, p: &ast::Party) -> PartyDef {
        let mut party = PartyDef {
            name: p.name.node.clone(),
            title: p.title.node.clone(),
            faxes: Vec::new(),
            tz: None,
            addresses: Vec::new(),
        };
        for item in &p.items {
            match item {
                ast::PartyItem::Fax(f, in_force) => {
                    if let (Some(from), Some(until)) = (&in_force.from, &in_force.until) {
                        if until_before(until.node, from.node) {
                            self.error(
                                source,
                                until.span,
                                CheckErrorKind::UntilBeforeFrom {
                                    from: from.node.to_string(),
                                    until: until.node.to_string(),
                                },
                            );
                        }
                    }
                    let digits = fax_digits(&f.node);
                    if digits.is_empty() {
                        self.error(
                            source,
                            f.span,
                            CheckErrorKind::FaxWithoutDigits {
                                written: f.node.clone(),
                            },
                        );
                    }
                    party.faxes.push(FaxNumber {
                        written: f.node.clone(),
                        digits,
                        from: in_force.from.as_ref().map(|w| w.node),
                        until: in_force.until.as_ref().map(|w| w.node),
                    });
                }
                ast::PartyItem::TimeZone(z) => party.tz = self.time_zone(source, z),
                ast::PartyItem::Address(a) => party.addresses.push(a.node.clone()),
                ast::PartyItem::Cite(_) => {}
            }
        }
        party
    }

    fn notice(
        &mut self,
        source: usize,
        n: &ast::Notice,
        methods: &[MethodDef],
        calendars: &[Arc<Calendar>],
        own: Option<&Arc<Calendar>>,
    ) -> Option<NoticeDef> {
        let mut labels: HashMap<&str, Span> = HashMap::new();
        for rule in &n.rules {
            if let Some(first) = labels.get(rule.label.node.as_str()) {
                self.error(
                    source,
                    rule.label.span,
                    CheckErrorKind::Duplicate {
                        what: "rule label",
                        name: rule.label.node.clone(),
                        first: *first,
                    },
                );
            } else {
                labels.insert(&rule.label.node, rule.label.span);
            }
        }
        let mut clauses = Vec::new();
        let mut gaps = Vec::new();
        for rule in &n.rules {
            let Some(def) = self.rule(source, rule, &n.rules, methods, calendars, own) else {
                continue;
            };
            match rule.kind {
                RuleKind::Clause => clauses.push(def),
                RuleKind::Gap => gaps.push(def),
            }
        }
        // A second `deliveries` line would leave open which one holds.
        if let [first, rest @ ..] = n.deliveries.as_slice() {
            for again in rest {
                self.error(
                    source,
                    again.span,
                    CheckErrorKind::Duplicate {
                        what: "line",
                        name: "deliveries".into(),
                        first: first.span,
                    },
                );
            }
        }
        let deliveries = n
            .deliveries
            .first()
            .map(|d| (d.combinator.node, Arc::<str>::from(d.cite.node.as_str())));
        Some(NoticeDef {
            title: n.title.node.clone(),
            combinator: n.combinator.node,
            deliveries,
            clauses,
            gaps,
        })
    }

    fn method_set(
        &mut self,
        source: usize,
        names: &[ast::Name],
        methods: &[MethodDef],
    ) -> MethodSet {
        let mut set = MethodSet::default();
        for name in names {
            match methods.iter().position(|m| m.name == name.node) {
                Some(n) => set.insert(n),
                None => self.error(
                    source,
                    name.span,
                    CheckErrorKind::Unknown(UnknownName {
                        what: "method",
                        name: name.node.clone(),
                        described: methods.iter().map(|m| m.description.clone()).collect(),
                        known: methods.iter().map(|m| m.name.clone()).collect(),
                    }),
                ),
            }
        }
        set
    }

    fn rule(
        &mut self,
        source: usize,
        rule: &ast::Rule,
        all: &[ast::Rule],
        methods: &[MethodDef],
        calendars: &[Arc<Calendar>],
        own: Option<&Arc<Calendar>>,
    ) -> Option<RuleDef> {
        let mut conditions = Vec::new();
        for cond in &rule.conditions {
            let c = match &cond.node {
                ast::Condition::Method(names) => Cond::Method {
                    methods: self.method_set(source, names, methods),
                    other_than: None,
                },
                ast::Condition::MethodOtherThan(labels) => {
                    let mut covered = MethodSet::default();
                    for label in labels {
                        let target = all.iter().find(|r| r.label.node == label.node);
                        let Some(target) = target else {
                            self.error(
                                source,
                                label.span,
                                CheckErrorKind::Unknown(UnknownName {
                                    what: "clause",
                                    name: label.node.clone(),
                                    described: Vec::new(),
                                    known: all.iter().filter(|r| r.kind == RuleKind::Clause).fold(
                                        Vec::new(),
                                        |mut known, r| {
                                            if !known.contains(&r.label.node) {
                                                known.push(r.label.node.clone());
                                            }
                                            known
                                        },
                                    ),
                                }),
                            );
                            continue;
                        };
                        let listed: Vec<&ast::Name> = target
                            .conditions
                            .iter()
                            .filter_map(|c| match &c.node {
                                ast::Condition::Method(names) => Some(names.iter()),
                                _ => None,
                            })
                            .flatten()
                            .collect();
                        if target.kind != RuleKind::Clause || listed.is_empty() {
                            self.error(
                                source,
                                label.span,
                                CheckErrorKind::BadOtherThan {
                                    label: label.node.clone(),
                                },
                            );
                            continue;
                        }
                        for name in listed {
                            if let Some(n) = methods.iter().position(|m| m.name == name.node) {
                                covered.insert(n);
                            }
                        }
                    }
                    let all_methods = (0..methods.len()).fold(MethodSet::default(), |mut s, n| {
                        s.insert(n);
                        s
                    });
                    Cond::Method {
                        methods: MethodSet(all_methods.0 & !covered.0),
                        other_than: Some(labels.iter().map(|l| l.node.clone()).collect()),
                    }
                }
                ast::Condition::DesignatedFax => Cond::DesignatedFax,
                ast::Condition::Companion {
                    methods: names,
                    count,
                    business,
                } => {
                    if count.node > MOST_DAYS {
                        let unit = if *business { "business-days" } else { "days" };
                        let kind = CheckErrorKind::CountTooLarge {
                            written: format!("{} {unit}", count.node),
                            most: MOST_DAYS,
                        };
                        self.error(source, count.span, kind);
                    }
                    Cond::Companion {
                        methods: self.method_set(source, names, methods),
                        count: count.node,
                        business: *business,
                    }
                }
                ast::Condition::Instant(i) => {
                    let zone = match &i.zone {
                        None => ZoneSel::Agreement,
                        Some(Spanned {
                            node: ast::ZoneRef::Recipient,
                            ..
                        }) => ZoneSel::Recipient,
                        Some(Spanned {
                            node: ast::ZoneRef::Sender,
                            ..
                        }) => ZoneSel::Sender,
                        Some(Spanned {
                            node: ast::ZoneRef::Named(name),
                            span,
                        }) => {
                            let named = Spanned {
                                node: name.clone(),
                                span: *span,
                            };
                            ZoneSel::Fixed(self.time_zone(source, &named)?)
                        }
                    };
                    let day = match &i.day {
                        None => None,
                        Some(d) => {
                            let cal = match &d.calendar {
                                None => None,
                                Some(name) => Some(self.calendar_ref(source, name, calendars)?),
                            };
                            Some((d.kind.node, cal))
                        }
                    };
                    Cond::Instant {
                        subject: i.subject,
                        bounds: i.bounds.iter().map(|b| (b.cmp, b.time.node)).collect(),
                        day,
                        zone,
                    }
                }
            };
            conditions.push(c);
        }
        let count = match rule.outcome.node {
            ast::Outcome::BusinessDaysAfter(n, _) => Some((n, "business-days")),
            ast::Outcome::DaysAfter(n, _) => Some((n, "days")),
            _ => None,
        };
        if let Some((n, word)) = count {
            if n > MOST_DAYS {
                let written = format!("{n} {word}");
                let kind = CheckErrorKind::CountTooLarge {
                    written,
                    most: MOST_DAYS,
                };
                self.error(source, rule.outcome.span, kind);
                return None;
            }
        }
        let def = RuleDef {
            kind: rule.kind,
            label: rule.label.node.as_str().into(),
            cite: rule.cite.node.as_str().into(),
            conditions,
            outcome: rule.outcome.node,
            reason: rule.reason.as_ref().map(|r| r.node.as_str().into()),
            outcome_calendar: match &rule.outcome_calendar {
                None => None,
                Some(name) => Some(self.calendar_ref(source, name, calendars)?),
            },
            written: crate::syntax::rule_words(rule).into(),
        };
        // The agreement's own calendar, when it names one (else it is already an error).
        let why = own
            .or(calendars.first())
            .and_then(|cal| crate::agreement::plan::never_holds(&def, cal));
        if let Some(why) = why {
            self.error(
                source,
                rule.label.span,
                CheckErrorKind::NeverApplies {
                    label: rule.label.node.clone(),
                    why,
                },
            );
            return None;
        }
        Some(def)
    }
}

/// Adds the items of `more` that `to` does not hold yet, in order, in time linear in both.
fn add_new<T: std::hash::Hash + Eq + Clone>(to: &mut Vec<T>, more: Vec<T>) {
    if to.is_empty() {
        *to = more;
        return;
    }
    let mut held: std::collections::HashSet<T> = to.iter().cloned().collect();
    for item in more {
        if held.insert(item.clone()) {
            to.push(item);
        }
    }
}
