//! An `agreement` block: its items, periods, parties and the notice clause's rules.

use super::*;

impl<'a> Cx<'a> {
    // agreement ::= "agreement" string "{" agreement-item* "}"
    pub(super) fn agreement(&self, i: &'a str) -> Res<'a, AgreementBlock> {
        let i = ws(i);
        let start = self.off(i);
        let (i, _) = kw!("agreement")(i)?;
        let (i, title) = commit(self.string(i))?;
        let (i, items) = self.block(i, AGREEMENT_STARTS, |i| self.agreement_item(i))?;
        Ok((
            i,
            AgreementBlock {
                title,
                items,
                span: Span::new(start, self.off(i)),
            },
        ))
    }

    // agreement-item ::= "id" name | "dated" date | "time-zone" string | "calendar" name
    //                  | "business-day" string | "cite" string
    //                  | "method" name string | party | notice
    pub(super) fn agreement_item(&self, i: &'a str) -> Res<'a, AgreementItem> {
        const EXPECTED: [&str; 11] = [
            "`id`",
            "`dated`",
            "`time-zone`",
            "`calendar`",
            "`business-day`",
            "`cite`",
            "`method`",
            "`party`",
            "`notice`",
            "`period`",
            "`deadline-roll`",
        ];
        let i = ws(i);
        let Ok((rest, keyword)) = word(i) else {
            return Err(NomErr::Error(expected_any(i, &EXPECTED)));
        };
        match keyword {
            "id" => commit(self.name(rest)).map(|(r, n)| (r, AgreementItem::Id(n))),
            "dated" => commit(self.spanned(rest, date)).map(|(r, d)| (r, AgreementItem::Dated(d))),
            "time-zone" => commit(self.string(rest)).map(|(r, s)| (r, AgreementItem::TimeZone(s))),
            "calendar" => commit(self.name(rest)).map(|(r, n)| (r, AgreementItem::Calendar(n))),
            "business-day" => {
                commit(self.string(rest)).map(|(r, s)| (r, AgreementItem::BusinessDay(s)))
            }
            "cite" => commit(self.string(rest)).map(|(r, s)| (r, AgreementItem::Cite(s))),
            "method" => {
                let (r, name) = commit(self.name(rest))?;
                let (r, description) = commit(self.string(r))?;
                Ok((r, AgreementItem::Method(Method { name, description })))
            }
            "party" => self.party(rest).map(|(r, p)| (r, AgreementItem::Party(p))),
            "notice" => self
                .notice(rest)
                .map(|(r, n)| (r, AgreementItem::Notice(n))),
            "period" => self
                .period(i, rest)
                .map(|(r, p)| (r, AgreementItem::Period(p))),
            "deadline-roll" => {
                let (r, roll) = commit(self.spanned(rest, roll))?;
                let (r, words) = commit(self.string(r))?;
                Ok((r, AgreementItem::DeadlineRoll(roll, words)))
            }
            _ => Err(NomErr::Error(expected_any(i, &EXPECTED))),
        }
    }

    // period ::= "period" name string "{" period-item* "}"
    // period-item ::= "anchor" name string
    //               | "length" integer ("year" | "years" | "month" | "months" | "day" | "days"
    //                                   | "business-day" | "business-days") "before"?
    //               | "start" ("inclusive" | "exclusive") | "end" ("inclusive" | "exclusive")
    //               | "roll" ("none" | "following" | "preceding" | "modified-following")
    //               | "nonexistent" ("error" | "round-down" | "round-up")
    //               | "reading" string
    pub(super) fn period(&self, keyword_at: &'a str, i: &'a str) -> Res<'a, Period> {
        let start = self.off(keyword_at);
        let (i, name) = commit(self.name(i))?;
        let (i, cite) = commit(self.string(i))?;
        let (i, items) = self.block(i, PERIOD_STARTS, |i| self.period_item(i))?;
        Ok((
            i,
            Period {
                name,
                cite,
                items,
                span: Span::new(start, self.off(i)),
            },
        ))
    }

    // period-item: see `period`.
    fn period_item(&self, i: &'a str) -> Res<'a, PeriodItem> {
        const EXPECTED: [&str; 9] = [
            "`anchor`",
            "`length`",
            "`start`",
            "`end`",
            "`roll`",
            "`nonexistent`",
            "`reading`",
            "`closes-at`",
            "`unless-notice-by`",
        ];
        let i = ws(i);
        let Ok((rest, keyword)) = word(i) else {
            return Err(NomErr::Error(expected_any(i, &EXPECTED)));
        };
        match keyword {
            "anchor" => {
                if let Ok((r, _)) = kw!("period")(rest) {
                    let (r, n) = commit(self.name(r))?;
                    let (r, words) = commit(self.string(r))?;
                    return Ok((r, PeriodItem::AnchorPeriod(n, words)));
                }
                let (r, n) = commit(self.name(rest))?;
                let (r, words) = commit(self.string(r))?;
                Ok((r, PeriodItem::Anchor(n, words)))
            }
            "unless-notice-by" => {
                let (r, deadline) = commit(self.name(rest))?;
                let (r, _) = commit(kw!("length")(r))?;
                let (r, length) = commit(self.spanned(r, length))?;
                let (r, words) = commit(self.string(r))?;
                Ok((
                    r,
                    PeriodItem::UnlessNoticeBy {
                        deadline,
                        length,
                        words,
                    },
                ))
            }
            "length" => commit(self.spanned(rest, length)).map(|(r, l)| (r, PeriodItem::Length(l))),
            "start" => commit(self.spanned(rest, edge)).map(|(r, e)| (r, PeriodItem::Start(e))),
            "end" => commit(self.spanned(rest, edge)).map(|(r, e)| (r, PeriodItem::End(e))),
            "roll" => commit(self.spanned(rest, roll)).map(|(r, v)| (r, PeriodItem::Roll(v))),
            "nonexistent" => commit(self.spanned(rest, nonexistent))
                .map(|(r, v)| (r, PeriodItem::Nonexistent(v))),
            "reading" => commit(self.string(rest)).map(|(r, s)| (r, PeriodItem::Reading(s))),
            "closes-at" => {
                let (r, time) = commit(self.spanned(rest, time))?;
                let (r, zone) = match kw!("in")(r) {
                    Ok((r, _)) => {
                        let (r, z) = commit(self.string(r))?;
                        (r, Some(z))
                    }
                    Err(_) => (r, None),
                };
                Ok((r, PeriodItem::ClosesAt { time, zone }))
            }
            _ => Err(NomErr::Error(expected_any(i, &EXPECTED))),
        }
    }

    // party ::= "party" name string "{" party-item* "}"
    // party-item ::= "fax" string ("from" when)? ("until" when)? | "time-zone" string | "address" string | "cite" string
    pub(super) fn party(&self, i: &'a str) -> Res<'a, Party> {
        let (i, name) = commit(self.name(i))?;
        let (i, title) = commit(self.string(i))?;
        let (i, items) = self.block(i, PARTY_STARTS, |i| {
            const EXPECTED: [&str; 4] = ["`fax`", "`time-zone`", "`address`", "`cite`"];
            let i = ws(i);
            let Ok((rest, keyword)) = word(i) else {
                return Err(NomErr::Error(expected_any(i, &EXPECTED)));
            };
            if keyword == "fax" {
                let (mut r, number) = commit(self.string(rest))?;
                let mut in_force = InForce::default();
                if let Ok((after, _)) = kw!("from")(r) {
                    let (after, when) = commit(self.spanned(after, when))?;
                    in_force.from = Some(when);
                    r = after;
                }
                if let Ok((after, _)) = kw!("until")(r) {
                    let (after, when) = commit(self.spanned(after, when))?;
                    in_force.until = Some(when);
                    r = after;
                }
                return Ok((r, PartyItem::Fax(number, in_force)));
            }
            let wrap: fn(Spanned<String>) -> PartyItem = match keyword {
                "time-zone" => PartyItem::TimeZone,
                "address" => PartyItem::Address,
                "cite" => PartyItem::Cite,
                _ => return Err(NomErr::Error(expected_any(i, &EXPECTED))),
            };
            commit(self.string(rest)).map(|(r, s)| (r, wrap(s)))
        })?;
        Ok((i, Party { name, title, items }))
    }

    // notice ::= "notice" string combinator "{" notice-item* "}"
    // notice-item ::= rule | "deliveries" combinator string
    pub(super) fn notice(&self, i: &'a str) -> Res<'a, Notice> {
        let (i, title) = commit(self.string(i))?;
        let (i, combinator) = commit(self.combinator(i))?;
        let (i, items) = self.block(i, NOTICE_STARTS, |i| self.notice_item(i))?;
        let (mut rules, mut deliveries) = (Vec::new(), Vec::new());
        for item in items {
            match item {
                NoticeItem::Rule(r) => rules.push(r),
                NoticeItem::Deliveries(d) => deliveries.push(d),
            }
        }
        Ok((
            i,
            Notice {
                title,
                combinator,
                rules,
                deliveries,
            },
        ))
    }

    // combinator ::= "earliest-of" | "latest-of" | "first-of"
    pub(super) fn combinator(&self, i: &'a str) -> Res<'a, Spanned<Combinator>> {
        self.spanned(i, |i| {
            let (r, w) = word(i).map_err(|_| NomErr::Error(combinator_expected(i)))?;
            match w {
                "earliest-of" => Ok((r, Combinator::EarliestOf)),
                "latest-of" => Ok((r, Combinator::LatestOf)),
                "first-of" => Ok((r, Combinator::FirstOf)),
                _ => Err(NomErr::Error(combinator_expected(i))),
            }
        })
    }

    // notice-item ::= rule | "deliveries" combinator string
    pub(super) fn notice_item(&self, i: &'a str) -> Res<'a, NoticeItem> {
        let j = ws(i);
        let start = self.off(j);
        match word(j) {
            Ok((rest, "deliveries")) => {
                let (rest, combinator) = commit(self.combinator(rest))?;
                let (rest, cite) = commit(self.string(rest))?;
                let span = Span {
                    start,
                    end: self.off(rest),
                };
                Ok((
                    rest,
                    NoticeItem::Deliveries(DeliveriesLine {
                        combinator,
                        cite,
                        span,
                    }),
                ))
            }
            _ => self.rule(i).map(|(r, rule)| (r, NoticeItem::Rule(rule))),
        }
    }

    // rule ::= ("clause" | "gap") name string ("when" condition ("," condition)*)? "=>" outcome
    pub(super) fn rule(&self, i: &'a str) -> Res<'a, Rule> {
        let i = ws(i);
        let start = self.off(i);
        let (i, kind) = match word(i) {
            Ok((r, "clause")) => (r, RuleKind::Clause),
            Ok((r, "gap")) => (r, RuleKind::Gap),
            _ => return Err(NomErr::Error(expected_any(i, &["`clause`", "`gap`"]))),
        };
        let (i, label) = commit(self.name(i))?;
        let (i, cite) = commit(self.string(i))?;
        let mut conditions = Vec::new();
        let mut i = i;
        if let Ok((rest, _)) = kw!("when")(i) {
            let (mut rest, first) = commit(self.condition(rest))?;
            conditions.push(first);
            while let Ok((r, _)) = sym!(",")(rest) {
                let (r, c) = commit(self.condition(r))?;
                conditions.push(c);
                rest = r;
            }
            i = rest;
        }
        let (i, _) = commit(sym!("=>")(i).map_err(|e| {
            e.map(|e| {
                if conditions.is_empty() {
                    e.or_expected(ws(i), "`when`")
                } else {
                    e.or_expected(ws(i), "`,`")
                }
            })
        }))?;
        let (i, both) = commit(self.spanned(i, |i| self.outcome(i)))?;
        let outcome = Spanned {
            node: both.node.0,
            span: both.span,
        };
        let outcome_calendar = both.node.1;
        let (i, reason) = match outcome.node {
            Outcome::NoEffect => {
                let (i, reason) = commit(self.string(i))?;
                (i, Some(reason))
            }
            _ => (i, None),
        };
        Ok((
            i,
            Rule {
                kind,
                label,
                cite,
                conditions,
                outcome,
                reason,
                outcome_calendar,
                span: Span::new(start, self.off(i)),
            },
        ))
    }

    // condition ::= "method" name ("or" name)*
    //             | "method" "other-than" "(" name ("," name)* ")"
    //             | "to" "designated-fax"
    //             | subject bound ("and" bound)* day? zone?
    //             | subject day zone?
    // subject   ::= "sent" | "received"
    pub(super) fn condition(&self, i: &'a str) -> Res<'a, Spanned<Condition>> {
        self.spanned(i, |i| {
            const EXPECTED: [&str; 5] = ["`method`", "`to`", "`sent`", "`received`", "`companion`"];
            let Ok((rest, keyword)) = word(i) else {
                return Err(NomErr::Error(expected_any(i, &EXPECTED)));
            };
            match keyword {
                "method" => self.method_condition(rest),
                "to" => {
                    commit(kw!("designated-fax")(rest)).map(|(r, _)| (r, Condition::DesignatedFax))
                }
                "sent" => self.instant_condition(rest, Subject::Sent),
                "received" => self.instant_condition(rest, Subject::Received),
                "companion" => self.companion_condition(rest),
                _ => Err(NomErr::Error(expected_any(i, &EXPECTED))),
            }
        })
    }

    pub(super) fn method_condition(&self, i: &'a str) -> Res<'a, Condition> {
        if let Ok((rest, _)) = kw!("other-than")(i) {
            let (mut i, _) = commit(sym!("(")(rest))?;
            let mut labels = Vec::new();
            loop {
                let (r, label) = commit(self.name(i))?;
                labels.push(label);
                if let Ok((r, _)) = sym!(",")(r) {
                    i = r;
                    continue;
                }
                let (r, _) =
                    commit(sym!(")")(r).map_err(|e| e.map(|e| e.or_expected(ws(r), "`,`"))))?;
                return Ok((r, Condition::MethodOtherThan(labels)));
            }
        }
        let (mut i, first) = commit(
            self.name(i)
                .map_err(|e| e.map(|e| e.or_expected(ws(i), "`other-than`"))),
        )?;
        let mut names = vec![first];
        while let Ok((r, _)) = kw!("or")(i) {
            let (r, name) = commit(self.name(r))?;
            names.push(name);
            i = r;
        }
        Ok((i, Condition::Method(names)))
    }

    // companion ::= "companion" name ("or" name)* "within" integer
    //               ("business-day" | "business-days" | "day" | "days")
    pub(super) fn companion_condition(&self, i: &'a str) -> Res<'a, Condition> {
        let (mut i, first) = commit(self.name(i))?;
        let mut methods = vec![first];
        while let Ok((r, name)) = kw!("or")(i).and_then(|(r, _)| commit(self.name(r))) {
            methods.push(name);
            i = r;
        }
        let (i, _) = commit(kw!("within")(i).map_err(|e| e.map(|e| e.or_expected(ws(i), "`or`"))))?;
        let (i, count) = commit(self.spanned(i, integer))?;
        let (i, business) = match word(i) {
            Ok((r, "business-day" | "business-days")) => (r, true),
            Ok((r, "day" | "days")) => (r, false),
            _ => {
                return Err(NomErr::Failure(expected_any(
                    ws(i),
                    &["`business-days`", "`days`"],
                )));
            }
        };
        Ok((
            i,
            Condition::Companion {
                methods,
                count,
                business,
            },
        ))
    }

    // bound ::= ("before" | "on-or-before" | "after" | "on-or-after" | "at") time
    // day   ::= "on" ("business-day" | "non-business-day" | "any-day") ("of" name)?
    // zone  ::= "in" (string | "recipient-time" | "sender-time")
    pub(super) fn instant_condition(&self, i: &'a str, subject: Subject) -> Res<'a, Condition> {
        let (i, bounds) = self.bounds(i)?;
        let (i, day) = self.day_condition(i)?;
        if bounds.is_empty() && day.is_none() {
            return Err(NomErr::Failure(expected_any(
                ws(i),
                &[
                    "`before`",
                    "`on-or-before`",
                    "`after`",
                    "`on-or-after`",
                    "`at`",
                    "`on`",
                ],
            )));
        }
        let mut i = i;
        let mut zone = None;
        if let Ok((r, _)) = kw!("in")(i) {
            let (r, z) = commit(self.spanned(r, |i| {
                if let Ok((r, _)) = kw!("recipient-time")(i) {
                    return Ok((r, ZoneRef::Recipient));
                }
                if let Ok((r, _)) = kw!("sender-time")(i) {
                    return Ok((r, ZoneRef::Sender));
                }
                string(i).map(|(r, s)| (r, ZoneRef::Named(s))).map_err(|e| {
                    e.map(|e| {
                        e.or_expected(ws(i), "`recipient-time`")
                            .or_expected(ws(i), "`sender-time`")
                    })
                })
            }))?;
            zone = Some(z);
            i = r;
        }
        Ok((
            i,
            Condition::Instant(InstantCondition {
                subject,
                bounds,
                day,
                zone,
            }),
        ))
    }

    // bounds ::= (bound ("and" bound)*)?
    fn bounds(&self, i: &'a str) -> Res<'a, Vec<Bound>> {
        const CMPS: [(&str, Cmp); 5] = [
            ("before", Cmp::Before),
            ("on-or-before", Cmp::OnOrBefore),
            ("after", Cmp::After),
            ("on-or-after", Cmp::OnOrAfter),
            ("at", Cmp::At),
        ];
        let cmp_at = |i: &'a str| -> Option<(&'a str, Cmp)> {
            let (r, w) = word(i).ok()?;
            CMPS.iter()
                .find(|(name, _)| *name == w)
                .map(|(_, c)| (r, *c))
        };
        let mut bounds = Vec::new();
        let Some((r, cmp)) = cmp_at(i) else {
            return Ok((i, bounds));
        };
        let (mut i, t) = commit(self.spanned(r, time))?;
        bounds.push(Bound { cmp, time: t });
        while let Ok((r, _)) = kw!("and")(i) {
            let Some((r, cmp)) = cmp_at(r) else {
                let expected = [
                    "`before`",
                    "`on-or-before`",
                    "`after`",
                    "`on-or-after`",
                    "`at`",
                ];
                return Err(NomErr::Failure(expected_any(ws(r), &expected)));
            };
            let (r, t) = commit(self.spanned(r, time))?;
            bounds.push(Bound { cmp, time: t });
            i = r;
        }
        Ok((i, bounds))
    }

    // day ::= ("on" ("business-day" | "non-business-day" | "any-day") ("of" name)?)?
    fn day_condition(&self, i: &'a str) -> Res<'a, Option<DayCondition>> {
        let Ok((r, _)) = kw!("on")(i) else {
            return Ok((i, None));
        };
        let (r, kind) = commit(self.spanned(r, |i| {
            const KINDS: [&str; 3] = ["`business-day`", "`non-business-day`", "`any-day`"];
            match word(i) {
                Ok((r, "business-day")) => Ok((r, DayKind::BusinessDay)),
                Ok((r, "non-business-day")) => Ok((r, DayKind::NonBusinessDay)),
                Ok((r, "any-day")) => Ok((r, DayKind::AnyDay)),
                _ => Err(NomErr::Error(expected_any(i, &KINDS))),
            }
        }))?;
        let (r, calendar) = match kw!("of")(r) {
            Ok((r, _)) => {
                let (r, n) = commit(self.name(r))?;
                (r, Some(n))
            }
            Err(_) => (r, None),
        };
        Ok((r, Some(DayCondition { kind, calendar })))
    }

    // outcome ::= "upon" "receipt"
    //           | "same-day" ("of" subject)?
    //           | "next" "business-day" ("after" subject)?
    //           | integer ("business-day" | "business-days" | "day" | "days") "after" subject
    //           | "no-effect" string                  # the string read by the rule parser
    pub(super) fn outcome(&self, i: &'a str) -> Res<'a, (Outcome, Option<Name>)> {
        const EXPECTED: [&str; 5] = [
            "`upon`",
            "`same-day`",
            "`next`",
            "a number of days",
            "`no-effect`",
        ];
        let subject = |i: &'a str| -> Res<'a, Subject> {
            match word(i) {
                Ok((r, "sent")) => Ok((r, Subject::Sent)),
                Ok((r, "received")) => Ok((r, Subject::Received)),
                _ => Err(NomErr::Error(expected_any(
                    ws(i),
                    &["`sent`", "`received`"],
                ))),
            }
        };
        // `of NAME` after a count of Business Days: the calendar they are counted on.
        let calendar_of = |i: &'a str| -> Res<'a, Option<Name>> {
            match kw!("of")(i) {
                Ok((r, _)) => commit(self.name(r)).map(|(r, n)| (r, Some(n))),
                Err(_) => Ok((i, None)),
            }
        };
        let i = ws(i);
        if let Ok((r, n)) = integer(i) {
            let (r, unit) = commit(self.spanned(r, |i| match word(i) {
                Ok((r, "business-day" | "business-days")) => Ok((r, true)),
                Ok((r, "day" | "days")) => Ok((r, false)),
                _ => Err(NomErr::Error(expected_any(
                    i,
                    &["`business-days`", "`days`"],
                ))),
            }))?;
            let (r, calendar) = match unit.node {
                true => calendar_of(r)?,
                false => (r, None),
            };
            let (r, _) = commit(kw!("after")(r).map_err(|e| {
                e.map(|e| match unit.node && calendar.is_none() {
                    true => e.or_expected(ws(r), "`of`"),
                    false => e,
                })
            }))?;
            let (r, s) = commit(subject(r))?;
            let outcome = if unit.node {
                Outcome::BusinessDaysAfter(n, s)
            } else {
                Outcome::DaysAfter(n, s)
            };
            return Ok((r, (outcome, calendar)));
        }
        let plain = |(r, o): (&'a str, Outcome)| (r, (o, None));
        match word(i) {
            Ok((r, "upon")) => {
                commit(kw!("receipt")(r)).map(|(r, _)| plain((r, Outcome::UponReceipt)))
            }
            Ok((r, "no-effect")) => Ok(plain((r, Outcome::NoEffect))),
            Ok((r, "same-day")) => match kw!("of")(r) {
                Ok((r, _)) => commit(subject(r)).map(|(r, s)| plain((r, Outcome::SameDay(s)))),
                Err(_) => Ok(plain((r, Outcome::SameDay(Subject::Sent)))),
            },
            Ok((r, "next")) => {
                let (r, _) = commit(kw!("business-day")(r))?;
                let (r, calendar) = calendar_of(r)?;
                match kw!("after")(r) {
                    Ok((r, _)) => commit(subject(r))
                        .map(|(r, s)| (r, (Outcome::BusinessDaysAfter(1, s), calendar))),
                    Err(_) => Ok((r, (Outcome::BusinessDaysAfter(1, Subject::Sent), calendar))),
                }
            }
            _ => Err(NomErr::Error(expected_any(i, &EXPECTED))),
        }
    }
}
