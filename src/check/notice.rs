//! Parties and the notice clause: names resolved, each rule checked.

use super::*;

impl Checker {
    pub(super) fn party(&mut self, source: usize, p: &ast::Party) -> PartyDef {
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

    pub(super) fn notice(
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

    pub(super) fn method_set(
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

    pub(super) fn rule(
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
                    self.method_other_than(source, labels, all, methods)
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
                ast::Condition::Instant(i) => self.instant_condition(source, i, calendars)?,
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

    /// `method other-than LABEL...`: every method but those the clauses named list.
    fn method_other_than(
        &mut self,
        source: usize,
        labels: &[ast::Name],
        all: &[ast::Rule],
        methods: &[MethodDef],
    ) -> Cond {
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

    /// A condition on the sending or the receipt: its zone and day resolved.
    fn instant_condition(
        &mut self,
        source: usize,
        i: &ast::InstantCondition,
        calendars: &[Arc<Calendar>],
    ) -> Option<Cond> {
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
        Some(Cond::Instant {
            subject: i.subject,
            bounds: i.bounds.iter().map(|b| (b.cmp, b.time.node)).collect(),
            day,
            zone,
        })
    }
}
