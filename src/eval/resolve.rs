//! An event through the plan: its names resolved, its cell found, the plan's decision taken,
//! the outcome computed, and (only when asked) the decision explained.
//!
//! Nothing here says what a condition means: [`Plan::holds`] does. The trace is built from
//! the event's cell and the plan's decision; it explains the decision and never makes one.

use chrono::{DateTime, FixedOffset};

use super::EventRef;
use crate::agreement::plan::{
    Atom, CondPlan, Decision, Ends, Fax, Located, Plan, RulePlan, subject_word,
};
use crate::agreement::{Agreement, Cond, PartyDef, RuleDef, Rules};
use crate::answer::{Deemed, EvalError, Miss, Resolution, Status, Step, Test, Warning};
use crate::syntax::ast::{Combinator, DayKind, RuleKind, Subject};

/// The event with names resolved.
struct Resolved<'a> {
    pub(crate) agreement: &'a Agreement,
    pub(crate) event: EventRef<'a>,
    pub(crate) method: usize,
    /// The recipient, by its place among the parties.
    pub(crate) party: Option<usize>,
    /// The sender, by its place among the parties.
    pub(crate) sender: Option<usize>,
    /// The record's other deliveries: method (by its place) and instant.
    pub(crate) companions: Vec<(usize, DateTime<FixedOffset>)>,
    /// What is known of the fax number.
    pub(crate) fax: Fax,
    /// Whether to explain the decision (the trace).
    pub(crate) trace: bool,
}

impl Rules {
    /// Resolves an event against the agreement's notice clause.
    ///
    /// ```
    /// use chrono::DateTime;
    /// let rules = deemed::Rules::default_rules().unwrap();
    /// let event = deemed::Event {
    ///     method: "fax".into(),
    ///     sent: Some(DateTime::parse_from_rfc3339("2000-03-03T21:15:00-05:00").unwrap()),
    ///     received: None,
    ///     to: Some("company".into()),
    ///     from: None,
    ///     fax_number: Some("(949) 788-6706".into()), companions: Vec::new(), designation: None,
    /// };
    /// let r = rules.evaluate(&event).unwrap();
    /// assert_eq!(r.deemed_date.unwrap().to_string(), "2000-03-06");
    /// assert_eq!(r.clause.as_deref(), Some("ii"));
    /// ```
    pub fn evaluate(&self, event: &super::Event) -> Result<Resolution, EvalError> {
        self.evaluate_with(event, true)
    }

    /// Resolves an event; with `trace` false the resolution's trace is left empty. The
    /// answer and the warnings are the same.
    pub fn evaluate_with(
        &self,
        event: &super::Event,
        trace: bool,
    ) -> Result<Resolution, EvalError> {
        self.evaluate_ref(event.as_ref(), trace)
    }

    /// [`Rules::evaluate_with`] on a borrowed event.
    pub fn evaluate_ref(&self, event: EventRef<'_>, trace: bool) -> Result<Resolution, EvalError> {
        let r = self.resolved(event, trace)?;
        let located = r.locate()?;
        r.resolve(&located, &r.decide(&located))
    }

    /// The event with its names resolved.
    fn resolved<'a>(&'a self, event: EventRef<'a>, trace: bool) -> Result<Resolved<'a>, EvalError> {
        let agreement = self.agreement_or_error()?;
        let method = agreement
            .method_index(event.method)
            .map_err(EvalError::Unknown)?;
        if let Some(number) = event
            .fax_number
            .filter(|n| !n.bytes().any(|b| b.is_ascii_digit()))
        {
            return Err(EvalError::FaxNumberWithoutDigits {
                given: number.to_string(),
            });
        }
        let party = match event.to {
            Some(name) => Some(agreement.party_index(name).map_err(EvalError::Unknown)?),
            None => None,
        };
        let sender = match event.from {
            Some(name) => Some(agreement.party_index(name).map_err(|mut u| {
                u.what = "sender";
                EvalError::Unknown(u)
            })?),
            None => None,
        };
        let mut companions = Vec::with_capacity(event.companions.len());
        for c in event.companions {
            let m = agreement
                .method_index(&c.method)
                .map_err(EvalError::Unknown)?;
            companions.push((m, c.at));
        }
        match (event.sent, event.received) {
            (None, None) => return Err(EvalError::NoInstant),
            (Some(sent), Some(received)) if received < sent => {
                return Err(EvalError::ReceivedBeforeSent { sent, received });
            }
            _ => {}
        }
        let recipient = party.and_then(|p| agreement.parties.get(p));
        // A number is designated while it is in force: at the sending (or, for a notice
        // known by its receipt alone, the receipt).
        let at = event.sent.or(event.received);
        // A notice of change given to the sender designates the recipient's numbers in
        // place of the rules' (see `crate::addresses`).
        let (designated, none_in_force) = match (recipient, event.designation) {
            (None, _) => (false, false),
            (Some(_), Some(d)) => (
                event.fax_number.is_some_and(|n| d.has(n)),
                d.numbers.is_empty(),
            ),
            (Some(p), None) => (
                event
                    .fax_number
                    .is_some_and(|n| p.designates(n, at, agreement.tz)),
                !p.has_number_at(at, agreement.tz),
            ),
        };
        Ok(Resolved {
            agreement,
            event,
            method,
            party,
            sender,
            companions,
            fax: Fax::of(
                recipient,
                event.fax_number.is_some(),
                designated,
                none_in_force,
            ),
            trace,
        })
    }
}

impl<'a> Resolved<'a> {
    fn plan(&self) -> &'a Plan {
        &self.agreement.plan
    }

    fn recipient(&self) -> Option<&'a PartyDef> {
        self.party.and_then(|p| self.agreement.parties.get(p))
    }

    /// The event's cell in the plan. A notice known by its receipt alone is an error when
    /// a rule it may fall under reads the sending.
    pub(crate) fn locate(&self) -> Result<Located, EvalError> {
        let located = self.plan().locate(
            self.agreement,
            self.method,
            (self.party, self.sender),
            self.fax,
            self.event.sent,
            self.event.received,
            &self.companions,
        )?;
        if self.event.sent.is_none() {
            if let Some((n, reads)) = self.plan().needs_sent(&located.cell) {
                return Err(EvalError::SentNeeded {
                    rule: self.label(n),
                    reads: reads.to_string(),
                });
            }
        }
        Ok(located)
    }

    /// The plan's decision for the event's cell.
    pub(crate) fn decide(&self, located: &Located) -> Decision {
        self.plan().decide(self.agreement, &located.cell)
    }

    /// What a rule's outcome (at its place among the clauses then the gap rules) makes the
    /// deemed date of the event.
    pub(crate) fn deem(&self, n: usize) -> Result<Deemed, EvalError> {
        let rule = self.plan().rule(n).ok_or_else(|| self.uncovered())?;
        self.plan().deem(
            self.agreement,
            rule,
            Ends {
                to: self.recipient(),
                from: self.sender.and_then(|p| self.agreement.parties.get(p)),
            },
            self.event.sent,
            self.event.received,
            self.trace,
        )
    }

    /// The companion deliveries a waiting rule asks for and the record does not hold.
    fn companion_missing(&self, n: usize) -> String {
        let plan = self.plan();
        let Some(rule) = plan.rule(n) else {
            return String::new();
        };
        let mut missing = Vec::new();
        for cond in &rule.conds {
            let crate::agreement::plan::CondPlan::Companion(k) = cond else {
                continue;
            };
            let Some(axis) = plan.companions.get(*k) else {
                continue;
            };
            let names: Vec<&str> = axis
                .methods
                .indexes()
                .filter_map(|m| self.agreement.methods.get(m))
                .map(|m| m.name.as_str())
                .collect();
            let unit = if axis.business {
                "business days"
            } else {
                "days"
            };
            missing.push(format!(
                "a companion delivery by {} within {} {unit}",
                names.join(" or "),
                axis.count
            ));
        }
        missing.join(" and ")
    }

    fn uncovered(&self) -> EvalError {
        EvalError::Uncovered {
            method: self.event.method.to_string(),
        }
    }

    fn label(&self, n: usize) -> String {
        self.def(n).map(|r| r.label.to_string()).unwrap_or_default()
    }

    /// The rule at a place among the clauses then the gap rules.
    fn def(&self, n: usize) -> Option<&'a RuleDef> {
        let notice = &self.agreement.notice;
        match n.checked_sub(notice.clauses.len()) {
            None => notice.clauses.get(n),
            Some(g) => notice.gaps.get(g),
        }
    }

    /// The resolution of the decision, with its explanation when tracing.
    pub(crate) fn resolve(
        &self,
        located: &Located,
        decision: &Decision,
    ) -> Result<Resolution, EvalError> {
        let plan = self.plan();
        let mut warnings = decision.assumptions.clone();
        let mut outcomes = Vec::with_capacity(decision.applies.len());
        for &n in &decision.applies {
            let deemed = match decision.waiting.contains(&n) {
                true => Deemed::AwaitingCompanion {
                    missing: self.companion_missing(n),
                },
                false => self.deem(n)?,
            };
            outcomes.push((n, deemed));
        }
        let applied = if self.trace {
            outcomes.clone()
        } else {
            Vec::new()
        };
        if let Some((n, deemed)) = plan.pick(outcomes, &mut warnings, |n| self.label(n)) {
            let rule = self.def(n).ok_or_else(|| self.uncovered())?;
            let trace = match self.trace {
                true => self.explain(located, &applied, n, None)?,
                false => Vec::new(),
            };
            return Ok(finish(rule, deemed, Status::Effective, warnings, trace));
        }
        let Some(gap) = decision.gap else {
            return Err(self.uncovered());
        };
        let n = plan.clauses + gap;
        let deemed = self.deem(n)?;
        warnings.push(self.gap_warning(located, gap)?);
        let trace = match self.trace {
            true => self.explain(located, &[], n, Some((gap, deemed.clone())))?,
            false => Vec::new(),
        };
        let rule = self.def(n).ok_or_else(|| self.uncovered())?;
        Ok(finish(rule, deemed, Status::Gap, warnings, trace))
    }

    /// The trace: the event, each clause as the cell reads it, and the decision; for a
    /// decision by a gap rule, each gap rule tried up to it.
    fn explain(
        &self,
        located: &Located,
        applied: &[(usize, Deemed)],
        decided: usize,
        gap: Option<(usize, Deemed)>,
    ) -> Result<Vec<Step>, EvalError> {
        let ev = self.event;
        let shown = |t: DateTime<FixedOffset>| self.agreement.clock.show(t);
        let mut trace = vec![Step::Event {
            method: ev.method.to_string(),
            sent: ev.sent.map(shown),
            received: ev.received.map(shown),
            to: ev.to.map(str::to_string),
            from: ev.from.map(str::to_string),
            fax_number: ev.fax_number.map(str::to_string),
        }];
        let plan = self.plan();
        let notice = &self.agreement.notice;
        for (n, (rule, def)) in plan.rules.iter().zip(&notice.clauses).enumerate() {
            let deemed = applied
                .iter()
                .find(|(m, _)| *m == n)
                .map(|(_, d)| d.clone());
            let tests = self.tests(rule, def, located, false)?;
            trace.push(rule_step(def, deemed.is_some(), tests, deemed));
        }
        let decided_by = match gap {
            None => {
                let labels: Vec<&str> = applied
                    .iter()
                    .filter_map(|(n, _)| self.def(*n))
                    .map(|r| &*r.label)
                    .collect();
                let how = match plan.combinator {
                    Combinator::EarliestOf => "the earliest of",
                    Combinator::LatestOf => "the latest of",
                    Combinator::FirstOf => "the first of",
                };
                format!("{how} the clauses that apply ({})", labels.join(", "))
            }
            Some((chosen, deemed)) => {
                let gaps = plan.gaps().iter().zip(&notice.gaps).enumerate();
                for (g, (rule, def)) in gaps.take(chosen + 1) {
                    let tests = self.tests(rule, def, located, false)?;
                    let deemed = (g == chosen).then(|| deemed.clone());
                    trace.push(rule_step(def, g == chosen, tests, deemed));
                }
                "no clause applies literally; the first gap rule that applies decides".to_string()
            }
        };
        trace.push(Step::Decision {
            rule: self.label(decided),
            reason: decided_by,
        });
        Ok(trace)
    }

    /// A rule's tests as data, each as the plan reads it in the event's cell; with
    /// `failed_only`, only those that do not hold (for a gap warning).
    fn tests(
        &self,
        rule: &RulePlan,
        def: &RuleDef,
        located: &Located,
        failed_only: bool,
    ) -> Result<Vec<Test>, EvalError> {
        let plan = self.plan();
        let cell = &located.cell;
        let mut tests = Vec::new();
        for (cond, written) in rule.conds.iter().zip(&def.conditions) {
            match cond {
                CondPlan::Method(set) => {
                    let holds = plan.holds(Atom::Method(*set), cell);
                    if failed_only && holds {
                        continue;
                    }
                    tests.push(Test::Method {
                        method: self.event.method.to_string(),
                        covered: set
                            .indexes()
                            .filter_map(|n| self.agreement.methods.get(n))
                            .map(|m| m.name.clone())
                            .collect(),
                        other_than: match written {
                            Cond::Method { other_than, .. } => other_than.clone(),
                            _ => None,
                        },
                        holds,
                    })
                }
                CondPlan::DesignatedFax => {
                    let holds = plan.holds(Atom::DesignatedFax, cell);
                    if !(failed_only && holds) {
                        tests.push(self.fax_test(holds));
                    }
                }
                CondPlan::Companion(k) => {
                    let holds = plan.holds(Atom::Companion(*k), cell);
                    if !(failed_only && holds) {
                        tests.push(self.companion_test(*k, cell, holds)?);
                    }
                }
                CondPlan::Instant { clock, .. } => {
                    self.instant_tests(cond, *clock, located, failed_only, &mut tests)?;
                }
            }
        }
        Ok(tests)
    }

    /// A companion condition's test as data.
    fn companion_test(
        &self,
        k: usize,
        cell: &crate::agreement::plan::Cell,
        holds: bool,
    ) -> Result<Test, EvalError> {
        let plan = self.plan();
        let axis = plan.companions.get(k).ok_or_else(|| self.uncovered())?;
        let names = |set: crate::agreement::MethodSet| -> Vec<String> {
            set.indexes()
                .filter_map(|n| self.agreement.methods.get(n))
                .map(|m| m.name.clone())
                .collect()
        };
        let found = self
            .companions
            .iter()
            .filter(|(m, _)| axis.methods.contains(*m))
            .map(|(m, at)| {
                let name = self.agreement.methods.get(*m).map(|d| d.name.clone());
                (name.unwrap_or_default(), self.agreement.clock.show(*at))
            })
            .collect();
        Ok(Test::Companion {
            methods: names(axis.methods),
            within: axis.count,
            business_days: axis.business,
            found,
            recorded: cell.companions.get(k)
                != Some(&crate::agreement::plan::CompanionFact::NotRecorded),
            holds,
        })
    }

    /// An instant condition's tests as data, onto `tests`: each bound and day as the cell
    /// reads it (with `failed_only`, those that do not hold), or that the instant is not
    /// recorded.
    fn instant_tests(
        &self,
        cond: &CondPlan,
        clock: usize,
        located: &Located,
        failed_only: bool,
        tests: &mut Vec<Test>,
    ) -> Result<(), EvalError> {
        let plan = self.plan();
        let cell = &located.cell;
        let axis = plan.clocks.get(clock).ok_or_else(|| self.uncovered())?;
        let Some(Some((local, tz))) = located.reads.get(clock) else {
            tests.push(match axis.subject {
                Subject::Sent => Test::NoSending,
                Subject::Received => Test::NoReceipt,
            });
            return Ok(());
        };
        for atom in cond.atoms() {
            let holds = plan.holds(atom, cell);
            if failed_only && holds {
                continue;
            }
            match atom {
                Atom::Bound(_, cmp, cut) => tests.push(Test::TimeOfDay {
                    subject: subject_word(axis.subject),
                    local: local.time(),
                    zone: tz.name(),
                    cmp: cmp.word(),
                    bound: axis.cutoffs.get(cut).copied().unwrap_or_default(),
                    holds,
                }),
                Atom::Day(_, kind, cal_at) => {
                    let cal = axis.calendars.get(cal_at).ok_or_else(|| self.uncovered())?;
                    let date = local.date();
                    // The day as the cell holds it.
                    let business_day =
                        plan.holds(Atom::Day(clock, DayKind::BusinessDay, cal_at), cell);
                    tests.push(Test::Day {
                        subject: subject_word(axis.subject),
                        date,
                        calendar: cal.name().to_string(),
                        wanted: match kind {
                            DayKind::BusinessDay => "business-day",
                            DayKind::NonBusinessDay => "non-business-day",
                            DayKind::AnyDay => "any-day",
                        },
                        business_day,
                        why: match business_day {
                            true => Vec::new(),
                            false => cal.days_off(date)?,
                        },
                        holds,
                    });
                }
                Atom::Recorded(_) | Atom::Method(_) | Atom::DesignatedFax | Atom::Companion(_) => {}
            }
        }
        Ok(())
    }

    /// The designated-number test as data, holding as the plan says.
    fn fax_test(&self, holds: bool) -> Test {
        let number = self.event.fax_number.map(str::to_string);
        match self.recipient() {
            None => Test::DesignatedFax {
                to: None,
                number,
                designated: Vec::new(),
                dated: Vec::new(),
                changed_by: None,
                holds,
                assumed: true,
            },
            Some(party) => {
                let at = self.event.sent.or(self.event.received);
                let (designated, dated) = match self.event.designation {
                    // The numbers a notice of change designated.
                    Some(d) => (d.written(), Vec::new()),
                    None if party.dated_numbers() => (
                        party.numbers_at(at, self.agreement.tz),
                        party.faxes.iter().map(|f| f.with_period()).collect(),
                    ),
                    None => (party.numbers_at(at, self.agreement.tz), Vec::new()),
                };
                Test::DesignatedFax {
                    to: Some(party.name.clone()),
                    number,
                    designated,
                    dated,
                    changed_by: self.event.designation.map(|d| d.why.clone()),
                    holds,
                    assumed: self.fax == Fax::NotGiven,
                }
            }
        }
    }

    /// The gap warning of a decision by a gap rule: what each clause was missing. Only the
    /// clauses whose method matched are described, unless none did.
    pub(crate) fn gap_warning(&self, located: &Located, gap: usize) -> Result<Warning, EvalError> {
        let plan = self.plan();
        let notice = &self.agreement.notice;
        let near = |rule: &RulePlan| {
            rule.conds.iter().any(|c| {
                matches!(c, CondPlan::Method(set) if plan.holds(Atom::Method(*set), &located.cell))
            })
        };
        let clauses = plan.rules.iter().zip(&notice.clauses);
        let any_near = clauses.clone().any(|(r, _)| near(r));
        let mut missing = Vec::new();
        for (rule, def) in clauses.filter(|(r, _)| !any_near || near(r)) {
            let failed = self.tests(rule, def, located, true)?;
            missing.push(Miss {
                clause: def.label.clone(),
                failed,
            });
        }
        let def = notice.gaps.get(gap).ok_or_else(|| self.uncovered())?;
        Ok(Warning::Gap {
            missing,
            rule: def.label.clone(),
            cite: def.cite.clone(),
        })
    }
}

fn rule_step(rule: &RuleDef, applied: bool, tests: Vec<Test>, deemed: Option<Deemed>) -> Step {
    Step::Rule {
        kind: match rule.kind {
            RuleKind::Clause => "clause",
            RuleKind::Gap => "gap",
        },
        label: rule.label.to_string(),
        cite: rule.cite.clone(),
        applied,
        tests,
        deemed,
    }
}

/// The resolution from the deciding rule.
pub(crate) fn finish(
    rule: &RuleDef,
    deemed: Deemed,
    status: Status,
    mut warnings: Vec<Warning>,
    trace: Vec<Step>,
) -> Resolution {
    let (deemed_date, effective_at, status) = match deemed {
        Deemed::Date {
            deemed_date,
            effective_at,
            ..
        } => (Some(deemed_date), Some(effective_at), status),
        Deemed::AwaitingCompanion { missing } => {
            warnings.push(Warning::AwaitingCompanion {
                rule: rule.label.to_string(),
                missing,
            });
            (None, None, Status::Pending)
        }
        Deemed::NoEffect { reason } => {
            warnings.push(Warning::NotValid {
                rule: rule.label.to_string(),
                reason,
            });
            (None, None, Status::Invalid)
        }
        Deemed::AwaitingReceipt => {
            warnings.push(Warning::AwaitingReceipt {
                rule: rule.label.to_string(),
            });
            let status = if status == Status::Gap {
                Status::Gap
            } else {
                Status::Pending
            };
            (None, None, status)
        }
    };
    Resolution {
        deemed_date,
        effective_at,
        clause: Some(rule.label.clone()),
        status,
        warnings,
        trace,
    }
}
