//! What a rules file declares, for people and programs: `deemed show`.

use std::fmt;

use chrono::NaiveDate;
use serde::Serialize;

use crate::agreement::{Agreement, Rules};
use crate::syntax::ast::Combinator;

/// Everything a set of rules declares.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Show {
    /// Where the rules came from (a file, or the embedded default).
    pub origin: String,
    /// How they were chosen, when the caller says (`--rules`, `DEEMED_RULES`, the embedded
    /// default).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chosen_by: Option<String>,
    /// The agreement's name in a folder of several (what `--agreement` and a record's
    /// `agreement` name it by).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The agreement, when the rules hold one.
    pub agreement: Option<AgreementShown>,
    /// Every calendar the rules can name, built-in ones included.
    pub calendars: Vec<CalendarShown>,
}

/// An agreement as declared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgreementShown {
    /// Its title.
    pub title: String,
    /// The date it is dated as of.
    pub dated: Option<NaiveDate>,
    /// The IANA zone its conditions read unless they name another.
    pub time_zone: String,
    /// The calendar of its Business Days.
    pub calendar: String,
    /// The words that define a Business Day.
    pub business_day: Option<String>,
    /// The delivery methods, in the order declared.
    pub methods: Vec<MethodShown>,
    /// The parties, in the order declared.
    pub parties: Vec<PartyShown>,
    /// The notice clause.
    pub notice: NoticeShown,
    /// The periods.
    pub periods: Vec<PeriodShown>,
    /// The agreement-wide rule for deadlines that fall on a day that is not a Business Day.
    pub deadline_roll: Option<String>,
}

/// A delivery method.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MethodShown {
    /// Its name, as `--method` takes it.
    pub name: String,
    /// What it is.
    pub description: String,
}

/// A party and its notice details.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PartyShown {
    /// Its name, as `--to` and `--from` take it.
    pub name: String,
    /// Who it is.
    pub title: String,
    /// Its designated facsimile numbers, as written.
    pub faxes: Vec<String>,
    /// Its own time zone (`in recipient-time`, `in sender-time`).
    pub time_zone: Option<String>,
    /// Its addresses for notices.
    pub addresses: Vec<String>,
}

/// The notice clause.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NoticeShown {
    /// Its title.
    pub title: String,
    /// How the clauses that apply combine: `earliest-of`, `latest-of` or `first-of`.
    pub combinator: &'static str,
    /// The clauses, in order.
    pub clauses: Vec<RuleShown>,
    /// The gap rules, in the order they are tried.
    pub gaps: Vec<RuleShown>,
}

/// A clause or gap rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleShown {
    /// Its label.
    pub label: String,
    /// The contract words it encodes (for a gap rule, the hole it fills).
    pub cite: String,
    /// Its conditions and outcome, as the rule language writes them.
    pub rule: String,
}

/// A period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PeriodShown {
    /// Its name, as `window` takes it.
    pub name: String,
    /// The contract words.
    pub cite: String,
    /// The event (or the period) it runs from, and what that is.
    pub anchor: String,
    /// The reading encoded, when the rules give one.
    pub reading: Option<String>,
}

/// A calendar the rules can name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CalendarShown {
    /// Its name.
    pub name: String,
    /// What it is.
    pub title: String,
    /// The first year it covers.
    pub first_year: i32,
    /// The last year it covers.
    pub last_year: i32,
    /// Where its schedule comes from.
    pub sources: Vec<String>,
}

impl Rules {
    /// What the rules declare.
    ///
    /// ```
    /// let rules = deemed::Rules::default_rules().unwrap();
    /// let shown = rules.show();
    /// let agreement = shown.agreement.unwrap();
    /// assert_eq!(agreement.methods[0].name, "fax");
    /// assert_eq!(agreement.parties[0].faxes, ["(949) 788-6706"]);
    /// ```
    pub fn show(&self) -> Show {
        let calendars = self
            .calendar_names()
            .into_iter()
            .filter_map(|name| self.calendar(name))
            .map(|c| CalendarShown {
                name: c.name().to_string(),
                title: c.title().to_string(),
                first_year: c.years().0,
                last_year: c.years().1,
                sources: c.sources().to_vec(),
            })
            .collect();
        Show {
            origin: self.origin().to_string(),
            chosen_by: None,
            name: None,
            agreement: self.agreement().map(agreement_shown),
            calendars,
        }
    }
}

fn agreement_shown(a: &Agreement) -> AgreementShown {
    let rule = |r: &crate::agreement::RuleDef| RuleShown {
        label: r.label.to_string(),
        cite: r.cite.to_string(),
        rule: r.written.to_string(),
    };
    AgreementShown {
        title: a.title.clone(),
        dated: a.dated,
        time_zone: a.tz.name().to_string(),
        calendar: a.calendar.name().to_string(),
        business_day: a.business_day.clone(),
        methods: a
            .methods
            .iter()
            .map(|m| MethodShown {
                name: m.name.clone(),
                description: m.description.clone(),
            })
            .collect(),
        parties: a
            .parties
            .iter()
            .map(|p| PartyShown {
                name: p.name.clone(),
                title: p.title.clone(),
                faxes: p.faxes.iter().map(|f| f.with_period()).collect(),
                time_zone: p.tz.map(|tz| tz.name().to_string()),
                addresses: p.addresses.clone(),
            })
            .collect(),
        notice: NoticeShown {
            title: a.notice.title.clone(),
            combinator: match a.notice.combinator {
                Combinator::EarliestOf => "earliest-of",
                Combinator::LatestOf => "latest-of",
                Combinator::FirstOf => "first-of",
            },
            clauses: a.notice.clauses.iter().map(rule).collect(),
            gaps: a.notice.gaps.iter().map(rule).collect(),
        },
        periods: a
            .periods
            .iter()
            .map(|p| PeriodShown {
                name: p.name().to_string(),
                cite: p.cite.clone(),
                anchor: match &p.anchor_period {
                    Some(other) => format!("the last day of period `{}`", other.node),
                    None => format!("{}: {}", p.anchor(), p.anchor_words()),
                },
                reading: p.reading.clone(),
            })
            .collect(),
        deadline_roll: a.deadline_roll.as_ref().map(|(_, words)| words.clone()),
    }
}

/// Every agreement of a folder, each in turn as [`Rules::show`] shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Folder {
    /// The agreements, in the folder's order.
    pub agreements: Vec<Show>,
}

impl crate::Library {
    /// Every agreement of the folder, each saying which it is.
    pub fn show_all(&self) -> Folder {
        let agreements = (self.entries().iter())
            .map(|e| {
                let mut shown = e.rules.show();
                shown.chosen_by = Some(format!("agreement `{}` of `{}`", e.name, self.origin()));
                shown.name = Some(e.name.clone());
                shown
            })
            .collect();
        Folder { agreements }
    }
}

impl fmt::Display for Folder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (n, shown) in self.agreements.iter().enumerate() {
            if n > 0 {
                writeln!(f)?;
            }
            write!(f, "{shown}")?;
        }
        Ok(())
    }
}

impl fmt::Display for Show {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.chosen_by {
            Some(how) => writeln!(f, "rules: {} ({how})", self.origin)?,
            None => writeln!(f, "rules: {}", self.origin)?,
        }
        match &self.agreement {
            None => writeln!(f, "no agreement (calendars only)")?,
            Some(a) => a.fmt(f)?,
        }
        writeln!(f, "calendars:")?;
        let width = self
            .calendars
            .iter()
            .map(|c| c.name.len())
            .max()
            .unwrap_or(0);
        for c in &self.calendars {
            writeln!(
                f,
                "  {:<width$}  {}-{}  {}",
                c.name, c.first_year, c.last_year, c.title
            )?;
        }
        Ok(())
    }
}

impl fmt::Display for AgreementShown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "agreement: {}", self.title)?;
        if let Some(d) = self.dated {
            writeln!(f, "  dated {d}")?;
        }
        writeln!(f, "  time zone {}", self.time_zone)?;
        write!(f, "  business days on `{}`", self.calendar)?;
        match &self.business_day {
            Some(words) => writeln!(f, ": \"{words}\"")?,
            None => writeln!(f)?,
        }
        if let Some(words) = &self.deadline_roll {
            writeln!(f, "  deadlines roll: \"{words}\"")?;
        }
        writeln!(f, "methods:")?;
        let width = self.methods.iter().map(|m| m.name.len()).max().unwrap_or(0);
        for m in &self.methods {
            writeln!(f, "  {:<width$}  {}", m.name, m.description)?;
        }
        writeln!(f, "parties:")?;
        for p in &self.parties {
            writeln!(f, "  {}  {}", p.name, p.title)?;
            if !p.faxes.is_empty() {
                writeln!(f, "    fax {}", p.faxes.join(", "))?;
            }
            if let Some(tz) = &p.time_zone {
                writeln!(f, "    time zone {tz}")?;
            }
            for a in &p.addresses {
                writeln!(f, "    address {a}")?;
            }
        }
        writeln!(
            f,
            "notice \"{}\" ({}):",
            self.notice.title, self.notice.combinator
        )?;
        for (kind, rules) in [("clause", &self.notice.clauses), ("gap", &self.notice.gaps)] {
            for r in rules {
                writeln!(f, "  {kind} {}: \"{}\"", r.label, r.cite)?;
                writeln!(f, "    {}", r.rule)?;
            }
        }
        if !self.periods.is_empty() {
            writeln!(f, "periods:")?;
            for p in &self.periods {
                writeln!(f, "  {}: \"{}\"", p.name, p.cite)?;
                writeln!(f, "    from {}", p.anchor)?;
                if let Some(r) = &p.reading {
                    writeln!(f, "    reading: {r}")?;
                }
            }
        }
        Ok(())
    }
}
