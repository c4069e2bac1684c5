//! The calendars of the rules: each built once, `include`s flattened, shifts checked.

use super::*;

impl Checker {
    /// Every calendar of every unit, flattened and built. A rules file's calendar replaces
    /// a folder's or a built-in one of the same name, and a folder's a built-in one.
    pub(super) fn calendars(&mut self, units: &[Unit<'_>]) -> Vec<Arc<Calendar>> {
        let mut decls: Vec<(usize, &ast::CalendarBlock)> = Vec::new();
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
                // The units come in order of precedence (the rules file, a folder's shared
                // files, the built-in calendars): the first declaration of a name stands.
                if by_name.contains_key(c.name.node.as_str()) {
                    continue;
                }
                by_name.insert(&c.name.node, decls.len());
                decls.push((unit.source, c));
            }
        }
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
    pub(super) fn flatten(
        &mut self,
        source: usize,
        decl: &ast::CalendarBlock,
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
    pub(super) fn flatten_once(
        &mut self,
        source: usize,
        decl: &ast::CalendarBlock,
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
                    ok &= self.include(source, name, &mut spec, all);
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
        ok &= self.closures_in_years(source, decl, spec.years);
        if !self.one_shift_per_weekday(source, &shifts) {
            ok = false;
        }
        if !ok {
            return None;
        }
        observe_own(&mut spec, own_holidays, &shifts);
        close_ranges(&mut spec, ranges);
        Some(spec)
    }

    /// An `include`: the included calendar's rules added to `spec`, what is there already
    /// not added again; `false` (with an error) for a calendar unknown, too deep or
    /// included in a circle.
    fn include(
        &mut self,
        source: usize,
        name: &Spanned<String>,
        spec: &mut CalendarSpec,
        all: &mut Decls<'_, '_>,
    ) -> bool {
        let found = all.by_name.get(name.node.as_str());
        let Some((inc_source, inc)) = found.and_then(|n| all.list.get(*n)) else {
            self.error(
                source,
                name.span,
                CheckErrorKind::Unknown(UnknownName {
                    what: "calendar",
                    name: name.node.clone(),
                    described: all.list.iter().map(|(_, c)| c.title.node.clone()).collect(),
                    known: all.list.iter().map(|(_, c)| c.name.node.clone()).collect(),
                }),
            );
            return false;
        };
        // A chain too deep may be a long cycle: then the cycle is the error.
        let cycle = match all.stack.len() >= MOST_INCLUDE_DEPTH {
            true => cycle_back(all, &inc.name.node),
            false => all.stack.contains(&inc.name.node).then(|| {
                let mut chain = all.stack.clone();
                chain.push(inc.name.node.clone());
                chain
            }),
        };
        if cycle.is_none() && all.stack.len() >= MOST_INCLUDE_DEPTH {
            let kind = CheckErrorKind::IncludesTooDeep {
                name: name.node.clone(),
                most: MOST_INCLUDE_DEPTH,
            };
            self.error(source, name.span, kind);
            return false;
        }
        if let Some(chain) = cycle {
            self.error(
                source,
                name.span,
                CheckErrorKind::IncludeCycle {
                    name: name.node.clone(),
                    chain,
                },
            );
            return false;
        }
        let Some(base) = self.flatten(*inc_source, inc, all) else {
            return false;
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
        true
    }

    /// Whether the dates of a calendar's own closures and openings lie in its years (an
    /// error at each that does not).
    fn closures_in_years(
        &mut self,
        source: usize,
        decl: &ast::CalendarBlock,
        years: (i32, i32),
    ) -> bool {
        let mut ok = true;
        for item in &decl.items {
            if let ast::CalendarItem::Closed(c) | ast::CalendarItem::Open(c) = item {
                for d in std::iter::once(&c.from).chain(c.through.as_ref()) {
                    if !(years.0..=years.1).contains(&chrono::Datelike::year(&d.node)) {
                        self.error(
                            source,
                            d.span,
                            CheckErrorKind::DateOutsideYears {
                                date: d.node,
                                first: years.0,
                                last: years.1,
                            },
                        );
                        ok = false;
                    }
                }
            }
        }
        ok
    }

    /// Shift rules for one weekday at most: a second is an error at its place.
    pub(super) fn one_shift_per_weekday(
        &mut self,
        source: usize,
        shifts: &[Spanned<ast::Shift>],
    ) -> bool {
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
}

/// The calendar a spec builds, built once per process: the agreements of a folder name the
/// same calendars (the built-in ones above all), and building one is most of loading rules.
/// A spec is known by the whole of it, so only an identical one is shared.
pub(super) fn built_calendar(spec: &crate::calendar::CalendarSpec) -> Arc<Calendar> {
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

/// The cycle through `start` when its includes lead back to a calendar being flattened
/// (on `all.stack`): the chain from that calendar round to it again.
fn cycle_back(all: &Decls<'_, '_>, start: &str) -> Option<Vec<String>> {
    let includes = |name: &str| -> Vec<String> {
        let decl = all.by_name.get(name).and_then(|n| all.list.get(*n));
        decl.map_or_else(Vec::new, |(_, c)| {
            (c.items.iter())
                .filter_map(|i| match i {
                    ast::CalendarItem::Include(n) => Some(n.node.clone()),
                    _ => None,
                })
                .collect()
        })
    };
    // Breadth first from `start`, each calendar once, with the one it was reached from.
    let mut from: HashMap<String, Option<String>> = HashMap::from([(start.to_string(), None)]);
    let mut queue = std::collections::VecDeque::from([start.to_string()]);
    while let Some(name) = queue.pop_front() {
        if let Some(at) = all.stack.iter().position(|s| *s == name) {
            let mut path = vec![name.clone()];
            let mut back = from.get(&name).cloned().flatten();
            while let Some(b) = back {
                back = from.get(&b).cloned().flatten();
                path.push(b);
            }
            path.reverse();
            let mut chain: Vec<String> = all.stack.get(at..)?.to_vec();
            chain.extend(path);
            return Some(chain);
        }
        for next in includes(&name) {
            if !from.contains_key(&next) {
                from.insert(next.clone(), Some(name.clone()));
                queue.push_back(next);
            }
        }
    }
    None
}

/// A calendar's own holidays observed by their own rules, else by its shifts.
fn observe_own(
    spec: &mut CalendarSpec,
    own_holidays: Vec<(usize, &ast::Holiday)>,
    shifts: &[Spanned<ast::Shift>],
) {
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
}

/// A calendar's closed ranges, day by day.
fn close_ranges(
    spec: &mut CalendarSpec,
    ranges: Vec<(chrono::NaiveDate, chrono::NaiveDate, &str)>,
) {
    for (from, last, reason) in ranges {
        let reason: std::sync::Arc<str> = reason.into();
        let mut day = Some(from);
        while let Some(d) = day.filter(|d| *d <= last) {
            spec.closed.push((d, reason.clone()));
            day = d.succ_opt();
        }
    }
}

/// Adds the items of `more` that `to` does not hold yet, in order, in time linear in both.
pub(super) fn add_new<T: std::hash::Hash + Eq + Clone>(to: &mut Vec<T>, more: Vec<T>) {
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
