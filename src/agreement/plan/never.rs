//! A rule that can never apply: one that holds in no cell of its own plan.

use std::sync::Arc;

use super::compile::{compile_rule, gather};
use super::{Atom, Cell, CondPlan, Fax, Place, Plan};
use crate::agreement::RuleDef;
use crate::calendar::Calendar;
use crate::syntax::ast::Combinator;

/// Why a rule holds in no cell, if it does not: no method is left, no time of day meets
/// its bounds on a clock, or no day is of every kind it asks on a calendar. The tests of
/// each axis read only that axis, so the rule holds in some cell if and only if each axis
/// has a value where all of its tests hold.
pub(crate) fn never_holds(rule: &RuleDef, calendar: &Arc<Calendar>) -> Option<String> {
    let mut clocks = Vec::new();
    gather(calendar, &mut clocks, rule);
    for clock in &mut clocks {
        clock.cutoffs.sort();
    }
    let mut companions = Vec::new();
    let compiled = compile_rule(calendar, &mut clocks, &mut companions, rule);
    let atoms: Vec<Atom> = compiled.conds.iter().flat_map(CondPlan::atoms).collect();
    let plan = Plan {
        clocks,
        rules: Vec::new(),
        clauses: 0,
        combinator: Combinator::FirstOf,
        deliveries: None,
        companions: companions.clone(),
    };
    let mut cell = Cell {
        method: 0,
        party: None,
        sender: None,
        fax: Fax::Designated,
        received: true,
        places: vec![Some(Place { span: 0, days: 0 }); plan.clocks.len()],
        // A companion can always be recorded in time.
        companions: vec![super::CompanionFact::InTime; companions.len()],
    };
    let methods = atoms.iter().filter(|a| matches!(a, Atom::Method(_)));
    let some_method = (0..64).any(|m| {
        cell.method = m;
        methods.clone().all(|a| plan.holds(*a, &cell))
    });
    if !some_method {
        return Some("no method is left".into());
    }
    for (n, clock) in plan.clocks.iter().enumerate() {
        let on = |a: &&Atom| matches!(a, Atom::Bound(c, ..) | Atom::Day(c, ..) if *c == n);
        let at = |span: u32, days: u32, cell: &mut Cell| {
            if let Some(slot) = cell.places.get_mut(n) {
                *slot = Some(Place { span, days });
            }
        };
        let spans = (0..clock.spans()).filter(|s| clock.span_seconds(*s).is_some());
        let bounds = atoms
            .iter()
            .filter(|a| matches!(a, Atom::Bound(c, ..) if *c == n));
        let timely: Vec<u32> = spans
            .filter(|s| {
                at(*s, 0, &mut cell);
                bounds.clone().all(|a| plan.holds(*a, &cell))
            })
            .collect();
        if timely.is_empty() {
            let written: Vec<String> = bounds
                .filter_map(|a| match a {
                    Atom::Bound(_, cmp, cut) => clock
                        .cutoffs
                        .get(*cut)
                        .map(|t| format!("{} {}", cmp.word(), t.format("%H:%M:%S"))),
                    _ => None,
                })
                .collect();
            return Some(format!("no time of day is {}", written.join(" and ")));
        }
        let combos = 1u32 << clock.calendars.len().min(16);
        let some_day = (0..combos).any(|days| {
            timely.iter().any(|s| {
                at(*s, days, &mut cell);
                atoms.iter().filter(on).all(|a| plan.holds(*a, &cell))
            })
        });
        if !some_day {
            return Some("no day is both a business day and not one".into());
        }
    }
    None
}
