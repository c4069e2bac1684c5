//! Compiling a notice clause: the clocks its conditions read, their cut-offs and
//! calendars, and each rule's conditions as tests on a cell.

use super::*;

impl Plan {
    /// Compiles an agreement's notice clause, read on its calendar.
    pub(crate) fn compile(notice: &NoticeDef, calendar: &Arc<Calendar>) -> Plan {
        let mut clocks: Vec<ClockAxis> = Vec::new();
        // First the cut-offs and calendars of every clock, so that places are final.
        for rule in notice.clauses.iter().chain(&notice.gaps) {
            gather(calendar, &mut clocks, rule);
        }
        for clock in &mut clocks {
            clock.cutoffs.sort();
        }
        let mut companions = Vec::new();
        let rules = notice
            .clauses
            .iter()
            .chain(&notice.gaps)
            .map(|rule| compile_rule(calendar, &mut clocks, &mut companions, rule))
            .collect();
        Plan {
            clocks,
            rules,
            clauses: notice.clauses.len(),
            combinator: notice.combinator,
            deliveries: notice.deliveries.clone(),
            companions,
        }
    }
}

/// Adds the clocks a rule reads, their cut-offs and calendars.
pub(super) fn gather(calendar: &Arc<Calendar>, clocks: &mut Vec<ClockAxis>, rule: &RuleDef) {
    for cond in &rule.conditions {
        let Cond::Instant {
            subject,
            bounds,
            day,
            zone,
        } = cond
        else {
            continue;
        };
        let n = clock_index(clocks, *subject, zone);
        let Some(clock) = clocks.get_mut(n) else {
            continue;
        };
        for (_, bound) in bounds {
            if !clock.cutoffs.contains(bound) {
                clock.cutoffs.push(*bound);
            }
        }
        if let Some((_, cal)) = day {
            let cal = cal.as_ref().unwrap_or(calendar);
            if !clock.calendars.iter().any(|c| Arc::ptr_eq(c, cal)) {
                clock.calendars.push(Arc::clone(cal));
            }
        }
    }
}

/// The place of a clock among the clocks, added when new.
pub(super) fn clock_index(clocks: &mut Vec<ClockAxis>, subject: Subject, zone: &ZoneSel) -> usize {
    let same_zone = |z: &ZoneSel| match (z, zone) {
        (ZoneSel::Agreement, ZoneSel::Agreement)
        | (ZoneSel::Recipient, ZoneSel::Recipient)
        | (ZoneSel::Sender, ZoneSel::Sender) => true,
        (ZoneSel::Fixed(a), ZoneSel::Fixed(b)) => a == b,
        _ => false,
    };
    match clocks
        .iter()
        .position(|c| c.subject == subject && same_zone(&c.zone))
    {
        Some(n) => n,
        None => {
            clocks.push(ClockAxis {
                subject,
                zone: zone.clone(),
                cutoffs: Vec::new(),
                calendars: Vec::new(),
            });
            clocks.len() - 1
        }
    }
}

/// A rule compiled against the clocks (which already hold its cut-offs and calendars).
pub(super) fn compile_rule(
    calendar: &Arc<Calendar>,
    clocks: &mut Vec<ClockAxis>,
    companions: &mut Vec<CompanionAxis>,
    rule: &RuleDef,
) -> RulePlan {
    let mut conds = Vec::with_capacity(rule.conditions.len());
    let mut first_clock = [None, None];
    for cond in &rule.conditions {
        conds.push(match cond {
            Cond::Method { methods, .. } => CondPlan::Method(*methods),
            Cond::DesignatedFax => CondPlan::DesignatedFax,
            Cond::Companion {
                methods,
                count,
                business,
            } => {
                let axis = CompanionAxis {
                    methods: *methods,
                    count: *count,
                    business: *business,
                };
                let k = match companions.iter().position(|c| *c == axis) {
                    Some(k) => k,
                    None => {
                        companions.push(axis);
                        companions.len() - 1
                    }
                };
                CondPlan::Companion(k)
            }
            Cond::Instant {
                subject,
                bounds,
                day,
                zone,
            } => {
                let n = clock_index(clocks, *subject, zone);
                let slot = match subject {
                    Subject::Sent => &mut first_clock[0],
                    Subject::Received => &mut first_clock[1],
                };
                slot.get_or_insert(n);
                let clock = clocks.get(n);
                let cut = |t: &NaiveTime| {
                    clock
                        .and_then(|c| c.cutoffs.iter().position(|x| x == t))
                        .unwrap_or(0)
                };
                let cal_of = |cal: &Option<Arc<Calendar>>| {
                    let cal = cal.as_ref().unwrap_or(calendar);
                    clock
                        .and_then(|c| c.calendars.iter().position(|x| Arc::ptr_eq(x, cal)))
                        .unwrap_or(0)
                };
                CondPlan::Instant {
                    clock: n,
                    bounds: bounds.iter().map(|(cmp, t)| (*cmp, cut(t))).collect(),
                    day: day.as_ref().map(|(kind, cal)| (*kind, cal_of(cal))),
                }
            }
        });
    }
    let [sent, received] = first_clock;
    RulePlan {
        conds,
        outcome_clock: match runs_from(rule.outcome) {
            Some(Subject::Sent) => sent,
            Some(Subject::Received) => received,
            None => None,
        },
        outcome: rule.outcome,
        reason: rule.reason.clone(),
        outcome_calendar: rule.outcome_calendar.clone(),
    }
}
