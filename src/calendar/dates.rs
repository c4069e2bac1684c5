//! The dates a calendar's holidays fall on in a year: their rules, Easter, and how a
//! holiday on a weekend is observed.

use super::*;

/// The date a rule gives in `year`, if the year has one.
pub(super) fn holiday_date(rule: DateRule, year: i32) -> Option<NaiveDate> {
    match rule {
        DateRule::Fixed { month, day } => NaiveDate::from_ymd_opt(year, month, day),
        DateRule::Nth {
            nth: Some(n),
            weekday,
            month,
        } => NaiveDate::from_weekday_of_month_opt(year, month, weekday, n),
        DateRule::Nth {
            nth: None,
            weekday,
            month,
        } => {
            let next_month = if month == 12 {
                NaiveDate::from_ymd_opt(year + 1, 1, 1)
            } else {
                NaiveDate::from_ymd_opt(year, month + 1, 1)
            }?;
            let mut d = next_month.pred_opt()?;
            while d.weekday() != weekday {
                d = d.pred_opt()?;
            }
            Some(d)
        }
        DateRule::Relative {
            nth,
            weekday,
            relation,
            month,
            day,
        } => {
            let from = NaiveDate::from_ymd_opt(year, month, day)?;
            let (mut d, forward) = match relation {
                Relation::Before => (from.pred_opt()?, false),
                Relation::OnOrBefore => (from, false),
                Relation::After => (from.succ_opt()?, true),
                Relation::OnOrAfter => (from, true),
            };
            let mut left = nth;
            loop {
                if d.weekday() == weekday {
                    left = left.saturating_sub(1);
                    if left == 0 {
                        return Some(d);
                    }
                }
                d = if forward {
                    d.succ_opt()?
                } else {
                    d.pred_opt()?
                };
            }
        }
        DateRule::Easter(offset) => {
            let easter = western_easter(year)?;
            if offset >= 0 {
                easter.checked_add_days(Days::new(u64::from(offset.unsigned_abs())))
            } else {
                easter.checked_sub_days(Days::new(u64::from(offset.unsigned_abs())))
            }
        }
    }
}

/// Western (Gregorian) Easter Sunday, by the anonymous Gregorian algorithm (Meeus/Jones/Butcher).
pub(super) fn western_easter(year: i32) -> Option<NaiveDate> {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, u32::try_from(month).ok()?, u32::try_from(day).ok()?)
}

/// A day a holiday closes: its own (`observed == actual`), or another it is observed on.
pub(super) struct Observance {
    pub(super) name: Arc<str>,
    pub(super) actual: NaiveDate,
    pub(super) observed: NaiveDate,
    /// The holiday is observed on `observed` instead of its own day.
    pub(super) moved: bool,
}

/// The days the holidays of `year`, and those of the years either side that may be observed
/// in it (New Year's Day on a Saturday, observed on Friday, December 31), close. Shift rules
/// move holidays first; then each holiday with substitutes, in the order of its own date,
/// takes the next day not a weekend day and not taken by a holiday or an earlier substitute
/// (Christmas Day on a Saturday and Boxing Day on a Sunday: Monday and Tuesday).
pub(super) fn observances(spec: &CalendarSpec, weekend: &[bool; 7], year: i32) -> Vec<Observance> {
    let mut days = Vec::new();
    let mut substitutes = Vec::new();
    for h in &spec.holidays {
        for own_year in [year - 1, year, year + 1] {
            if h.from.is_some_and(|f| own_year < f) || h.through.is_some_and(|t| own_year > t) {
                continue;
            }
            let Some(actual) = holiday_date(h.rule, own_year) else {
                continue;
            };
            match &h.observe {
                Observe::Shifts(shifts) => {
                    let observed = shifted(actual, shifts);
                    days.push(Observance {
                        name: h.name.clone(),
                        actual,
                        observed,
                        moved: observed != actual,
                    });
                }
                Observe::Substitute(on) => {
                    days.push(Observance {
                        name: h.name.clone(),
                        actual,
                        observed: actual,
                        moved: false,
                    });
                    if on.contains(&actual.weekday()) {
                        substitutes.push((actual, h.name.clone()));
                    }
                }
            }
        }
    }
    let mut taken: Vec<NaiveDate> = days.iter().map(|d| d.observed).collect();
    taken.extend(days.iter().map(|d| d.actual));
    substitutes.sort_by_key(|(actual, _)| *actual);
    let is_weekend = |d: NaiveDate| {
        weekend
            .get(d.weekday().num_days_from_monday() as usize)
            .copied()
            .unwrap_or(false)
    };
    for (actual, name) in substitutes {
        let mut day = actual.succ_opt();
        // A week of weekend days and holidays in a row is more than any calendar declares.
        for _ in 0..14 {
            let Some(d) = day else { break };
            if is_weekend(d) || taken.contains(&d) {
                day = d.succ_opt();
                continue;
            }
            taken.push(d);
            days.push(Observance {
                name: name.clone(),
                actual,
                observed: d,
                moved: false,
            });
            break;
        }
    }
    days
}

/// Where a holiday on `date` is observed under the shift rules.
pub(super) fn shifted(date: NaiveDate, shifts: &[Shift]) -> NaiveDate {
    let Some(shift) = shifts.iter().find(|s| s.from == date.weekday()) else {
        return date;
    };
    let mut d = date;
    for _ in 0..7 {
        let next = if shift.following {
            d.succ_opt()
        } else {
            d.pred_opt()
        };
        let Some(next) = next else { return date };
        d = next;
        if d.weekday() == shift.to {
            return d;
        }
    }
    date
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn easter_matches_known_dates() {
        assert_eq!(western_easter(2000), Some(d(2000, 4, 23)));
        assert_eq!(western_easter(2024), Some(d(2024, 3, 31)));
        assert_eq!(western_easter(2025), Some(d(2025, 4, 20)));
        assert_eq!(western_easter(1971), Some(d(1971, 4, 11)));
    }

    #[test]
    fn last_weekday_of_month() {
        let rule = DateRule::Nth {
            nth: None,
            weekday: Weekday::Mon,
            month: 5,
        };
        assert_eq!(holiday_date(rule, 2000), Some(d(2000, 5, 29)));
        assert_eq!(holiday_date(rule, 2021), Some(d(2021, 5, 31)));
        let december = DateRule::Nth {
            nth: None,
            weekday: Weekday::Fri,
            month: 12,
        };
        assert_eq!(holiday_date(december, 2021), Some(d(2021, 12, 31)));
    }

    #[test]
    fn shifts_move_to_the_named_weekday() {
        let sunday_to_monday = Shift {
            from: Weekday::Sun,
            to: Weekday::Mon,
            following: true,
        };
        let saturday_to_friday = Shift {
            from: Weekday::Sat,
            to: Weekday::Fri,
            following: false,
        };
        let shifts = [sunday_to_monday, saturday_to_friday];
        assert_eq!(shifted(d(2000, 12, 23), &shifts), d(2000, 12, 22));
        assert_eq!(shifted(d(2000, 12, 24), &shifts), d(2000, 12, 25));
        assert_eq!(shifted(d(2000, 12, 25), &shifts), d(2000, 12, 25));
        assert_eq!(shifted(d(2022, 1, 1), &shifts), d(2021, 12, 31));
        assert_eq!(shifted(d(2023, 1, 1), &shifts), d(2023, 1, 2));
    }
}
