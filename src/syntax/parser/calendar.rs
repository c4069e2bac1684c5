//! A `calendar` block: its items, holidays, date rules and closures.

use super::*;

impl<'a> Cx<'a> {
    // calendar ::= "calendar" name string "{" calendar-item* "}"
    pub(super) fn calendar(&self, i: &'a str) -> Res<'a, CalendarBlock> {
        let i = ws(i);
        let start = self.off(i);
        let (i, _) = kw!("calendar")(i)?;
        let (i, name) = commit(self.name(i))?;
        let (i, title) = commit(self.string(i))?;
        let (i, items) = self.block(i, CALENDAR_STARTS, |i| self.calendar_item(i))?;
        Ok((
            i,
            CalendarBlock {
                name,
                title,
                items,
                span: Span::new(start, self.off(i)),
            },
        ))
    }

    // calendar-item ::= "source" string
    //                 | "years" year "through" year
    //                 | "weekend" weekday ("," weekday)*
    //                 | "include" name
    //                 | "holiday" string "on" date-rule ("from" year)? ("through" year)?
    //                   observance?
    //                 | "shift" shift
    //                 | "closed" date ("through" date)? string
    //                 | "open" date string
    pub(super) fn calendar_item(&self, i: &'a str) -> Res<'a, CalendarItem> {
        const EXPECTED: [&str; 8] = [
            "`source`",
            "`years`",
            "`weekend`",
            "`include`",
            "`holiday`",
            "`shift`",
            "`closed`",
            "`open`",
        ];
        let i = ws(i);
        let Ok((rest, keyword)) = word(i) else {
            return Err(NomErr::Error(expected_any(i, &EXPECTED)));
        };
        match keyword {
            "source" => commit(self.string(rest)).map(|(r, s)| (r, CalendarItem::Source(s))),
            "years" => commit(self.spanned(rest, |i| {
                let (i, first) = year(i)?;
                let (i, _) = kw!("through")(i)?;
                let (i, last) = year(i)?;
                Ok((i, (first, last)))
            }))
            .map(|(r, y)| (r, CalendarItem::Years(y))),
            "weekend" => {
                let (mut r, first) = commit(self.spanned(rest, weekday))?;
                let mut days = vec![first];
                while let Ok((r2, _)) = sym!(",")(r) {
                    let (r2, d) = commit(self.spanned(r2, weekday))?;
                    days.push(d);
                    r = r2;
                }
                Ok((r, CalendarItem::Weekend(days)))
            }
            "include" => commit(self.name(rest)).map(|(r, n)| (r, CalendarItem::Include(n))),
            "holiday" => commit(self.holiday(rest)).map(|(r, h)| (r, CalendarItem::Holiday(h))),
            "shift" => commit(self.spanned(rest, shift)).map(|(r, s)| (r, CalendarItem::Shift(s))),
            "closed" => commit(self.closure(rest, true)).map(|(r, c)| (r, CalendarItem::Closed(c))),
            "open" => commit(self.closure(rest, false)).map(|(r, c)| (r, CalendarItem::Open(c))),
            _ => Err(NomErr::Error(expected_any(i, &EXPECTED))),
        }
    }

    pub(super) fn holiday(&self, i: &'a str) -> Res<'a, Holiday> {
        let (i, name) = self.string(i)?;
        let (i, _) = kw!("on")(i)?;
        let (i, rule) = self.spanned(i, |i| self.date_rule(i))?;
        let (i, from) = match kw!("from")(i) {
            Ok((r, _)) => {
                let (r, y) = commit(self.spanned(r, year))?;
                (r, Some(y))
            }
            Err(_) => (i, None),
        };
        let (i, through) = match kw!("through")(i) {
            Ok((r, _)) => {
                let (r, y) = commit(self.spanned(r, year))?;
                (r, Some(y))
            }
            Err(_) => (i, None),
        };
        let mut unshifted = Unshifted::No;
        let mut observed = Vec::new();
        let mut substitute = None;
        let i = if let Ok((r, _)) = kw!("unshifted")(i) {
            let (r, days) = self.weekdays_after_on(r)?;
            unshifted = match days {
                Some(days) => Unshifted::On(days),
                None => Unshifted::Always,
            };
            r
        } else if kw!("substitute")(i).is_ok() {
            let (r, days) = self.spanned(i, |i| {
                let (r, _) = kw!("substitute")(i)?;
                let (r, days) = self.weekdays_after_on(r)?;
                Ok((r, days.unwrap_or_default()))
            })?;
            substitute = Some(days);
            r
        } else if let Ok((mut r, _)) = kw!("observed")(i) {
            loop {
                let (r2, s) = commit(self.spanned(r, shift))?;
                observed.push(s);
                r = r2;
                match sym!(",")(r) {
                    Ok((r2, _)) => r = r2,
                    Err(_) => break,
                }
            }
            r
        } else {
            i
        };
        Ok((
            i,
            Holiday {
                name,
                rule,
                from,
                through,
                unshifted,
                observed,
                substitute,
            },
        ))
    }

    /// `("on" weekday ("," weekday)*)?`
    pub(super) fn weekdays_after_on(&self, i: &'a str) -> Res<'a, Option<Vec<Spanned<Weekday>>>> {
        let Ok((r, _)) = kw!("on")(i) else {
            return Ok((i, None));
        };
        let (mut r, first) = commit(self.spanned(r, weekday))?;
        let mut days = vec![first];
        while let Ok((r2, _)) = sym!(",")(r) {
            let (r2, d) = commit(self.spanned(r2, weekday))?;
            days.push(d);
            r = r2;
        }
        Ok((r, Some(days)))
    }

    // date-rule ::= month day-of-month
    //             | ordinal weekday "of" month
    //             | ordinal? weekday relation month day-of-month
    //             | "easter" signed-integer
    pub(super) fn date_rule(&self, i: &'a str) -> Res<'a, DateRule> {
        const ORDINALS: [(&str, Option<u8>); 6] = [
            ("first", Some(1)),
            ("second", Some(2)),
            ("third", Some(3)),
            ("fourth", Some(4)),
            ("fifth", Some(5)),
            ("last", None),
        ];
        let i = ws(i);
        let (r, w) = word(i).map_err(|_| NomErr::Error(PErr::expected(i, "a date rule")))?;
        if w == "easter" {
            let (r, offset) = signed_integer(r)?;
            return Ok((r, DateRule::Easter(offset)));
        }
        if WEEKDAY_NAMES.iter().any(|(name, _)| *name == w) {
            let (r, weekday) = weekday(i)?;
            return self.relative(r, 1, weekday);
        }
        if let Some((_, nth)) = ORDINALS.iter().find(|(name, _)| *name == w) {
            let (r, weekday) = weekday(r)?;
            if let Ok((r, _)) = kw!("of")(r) {
                let (r, month) = month(r)?;
                return Ok((
                    r,
                    DateRule::Nth {
                        nth: *nth,
                        weekday,
                        month,
                    },
                ));
            }
            let Some(nth) = nth else {
                // `last monday before ...` is the first one before it.
                return Err(NomErr::Error(PErr::expected(ws(r), "`of`")));
            };
            return self.relative(r, *nth, weekday);
        }
        let (r, month) = month(i).map_err(|_| {
            NomErr::Error(expected_any(
                i,
                &[
                    "a month", "`first`", "`second`", "`third`", "`fourth`", "`fifth`", "`last`",
                    "`easter`",
                ],
            ))
        })?;
        let (r, day) = day_of_month(r, month)?;
        Ok((r, DateRule::Fixed { month, day }))
    }

    // relation ::= "before" | "on-or-before" | "after" | "on-or-after"
    pub(super) fn relative(&self, i: &'a str, nth: u8, weekday: Weekday) -> Res<'a, DateRule> {
        const RELATIONS: [(&str, Relation); 4] = [
            ("before", Relation::Before),
            ("on-or-before", Relation::OnOrBefore),
            ("after", Relation::After),
            ("on-or-after", Relation::OnOrAfter),
        ];
        let at = ws(i);
        let found = word(at).ok().and_then(|(r, w)| {
            RELATIONS
                .iter()
                .find(|(n, _)| *n == w)
                .map(|(_, rel)| (r, *rel))
        });
        let Some((r, relation)) = found else {
            if kw!("of")(at).is_ok() {
                return Err(NomErr::Failure(PErr::invalid(
                    at,
                    2,
                    "date rule",
                    "a weekday of a month needs its place first, as in `first monday of may`",
                )));
            }
            return Err(NomErr::Failure(expected_any(
                at,
                &["`before`", "`on-or-before`", "`after`", "`on-or-after`"],
            )));
        };
        let (r, month) = commit(month(r))?;
        let (r, day) = day_of_month(r, month)?;
        Ok((
            r,
            DateRule::Relative {
                nth,
                weekday,
                relation,
                month,
                day,
            },
        ))
    }

    pub(super) fn closure(&self, i: &'a str, range: bool) -> Res<'a, Closure> {
        let (i, from) = self.spanned(i, date)?;
        let (i, through) = match (range, kw!("through")(i)) {
            (true, Ok((r, _))) => {
                let (r, d) = commit(self.spanned(r, date))?;
                (r, Some(d))
            }
            _ => (i, None),
        };
        let (i, reason) = self.string(i).map_err(|e| {
            e.map(|e| {
                if range && through.is_none() {
                    e.or_expected(ws(i), "`through`")
                } else {
                    e
                }
            })
        })?;
        Ok((
            i,
            Closure {
                from,
                through,
                reason,
            },
        ))
    }
}
