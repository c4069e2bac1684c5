//! Periods: each checked, and the periods they run from or depend on, without a circle.

use super::*;

impl Checker {
    /// The periods a period names (the one it runs from, the one whose deadline its notice
    /// must meet) exist, and no period depends on itself through them.
    pub(super) fn period_references(
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

    /// A period's length no longer than the calendar reaches (an error when it is).
    fn length_in_reach(&mut self, source: usize, l: &Spanned<ast::Length>) {
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
    }

    /// The items a period must declare (an error for each missing), and a warning for a
    /// period counted in months or years without a `nonexistent` policy.
    fn period_complete(
        &mut self,
        source: usize,
        p: &ast::Period,
        anchor: bool,
        length: Option<ast::Length>,
        nonexistent: bool,
    ) {
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
        if !anchor {
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
        if counts_months && !nonexistent {
            self.warnings.push(CheckError {
                source,
                span: p.name.span,
                kind: CheckErrorKind::NoRoundingPolicy {
                    period: p.name.node.clone(),
                },
            });
        }
    }

    pub(super) fn period(
        &mut self,
        source: usize,
        p: &ast::Period,
    ) -> Option<crate::agreement::PeriodDef> {
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
                    self.length_in_reach(source, l);
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
                        Some(z) => self.time_zone(source, z).map(Some),
                    };
                    closes_at = tz.map(|tz| (time.node, tz));
                    ("closes-at", time.span)
                }
            };
            let mut first = seen.iter().find(|(w, _)| *w == what).map(|(_, s)| *s);
            self.once(source, what, &mut first, span);
            seen.push((what, span));
        }
        self.period_complete(source, p, anchor.is_some(), length, nonexistent.is_some());
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
}
