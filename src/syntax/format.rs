//! The canonical form of a rules file: `deemed fmt`.
//!
//! The tree is written back with one layout: two spaces a level, one declaration a line, a
//! rule's `when` and `=>` on lines of their own, times as `HH:MM:SS`. Comments are kept: each
//! is written before the declaration that follows it in the source, at its indentation, and
//! a blank line the author left between two declarations stays. Formatting is idempotent,
//! and the formatted text parses to the same tree.

use chrono::{NaiveTime, Weekday};

use super::ast::*;

/// The comments of a source and where they stand.
struct Comments<'s> {
    /// `(offset, text)` of each comment, in order; text without the line end.
    list: Vec<(usize, &'s str)>,
    next: usize,
    src: &'s str,
}

impl<'s> Comments<'s> {
    /// Finds the comments of `src`, skipping `#` inside strings.
    fn scan(src: &'s str) -> Comments<'s> {
        let mut list = Vec::new();
        let bytes = src.as_bytes();
        let mut i = 0;
        while let Some(&b) = bytes.get(i) {
            match b {
                b'"' => {
                    i += 1;
                    while let Some(&c) = bytes.get(i) {
                        i += 1;
                        match c {
                            b'\\' => i += 1,
                            b'"' => break,
                            _ => {}
                        }
                    }
                }
                b'#' => {
                    let end = src
                        .get(i..)
                        .and_then(|r| r.find('\n'))
                        .map_or(src.len(), |n| i + n);
                    list.push((i, src.get(i..end).unwrap_or("").trim_end()));
                    i = end;
                }
                _ => i += 1,
            }
        }
        Comments { list, next: 0, src }
    }

    /// Writes the comments before `offset`, each on its own line at `indent`, keeping a
    /// blank line wherever the source has one (between comments, or before the declaration).
    fn before(&mut self, offset: usize, indent: usize, out: &mut String, last_end: usize) {
        let mut prev_end = last_end;
        while let Some(&(at, text)) = self.list.get(self.next) {
            if at >= offset {
                break;
            }
            if self.blank_between(prev_end, at) && fresh_line_allowed(out) {
                out.push('\n');
            }
            push_line(out, indent, text);
            prev_end = at + text.len();
            self.next += 1;
        }
        if self.blank_between(prev_end, offset) && fresh_line_allowed(out) {
            out.push('\n');
        }
    }

    /// Writes what comments remain before `offset` (before a closing brace, or the end).
    fn rest(&mut self, offset: usize, indent: usize, out: &mut String) {
        while let Some(&(at, text)) = self.list.get(self.next) {
            if at >= offset {
                break;
            }
            push_line(out, indent, text);
            self.next += 1;
        }
    }

    fn blank_between(&self, from: usize, to: usize) -> bool {
        self.src
            .get(from.min(to)..to)
            .is_some_and(|gap| gap.matches('\n').count() >= 2)
    }
}

/// Whether a blank line may go here: not at the start, not right after an opening brace,
/// not after another blank line.
fn fresh_line_allowed(out: &str) -> bool {
    !out.is_empty() && !out.ends_with("{\n") && !out.ends_with("\n\n")
}

fn push_line(out: &mut String, indent: usize, text: &str) {
    for _ in 0..indent {
        out.push_str("  ");
    }
    out.push_str(text);
    out.push('\n');
}

/// A string literal, escaped.
fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

fn time(t: NaiveTime) -> String {
    t.format("%H:%M:%S").to_string()
}

fn weekday(d: Weekday) -> &'static str {
    WEEKDAY_NAMES
        .iter()
        .find(|(_, w)| *w == d)
        .map_or("monday", |(name, _)| name)
}

fn month(m: u32) -> &'static str {
    MONTH_NAMES
        .get(m.saturating_sub(1) as usize)
        .copied()
        .unwrap_or("january")
}

fn subject(s: Subject) -> &'static str {
    match s {
        Subject::Sent => "sent",
        Subject::Received => "received",
    }
}

/// The canonical text of `file`, whose source was `src` (for its comments).
///
/// ```
/// let src = "calendar  c \"C\"{years 2000 through 2001 # the range\n weekend saturday,sunday}";
/// let file = deemed::syntax::parse(src).unwrap();
/// let text = deemed::syntax::format(&file, src);
/// assert_eq!(text, "calendar c \"C\" {\n  years 2000 through 2001\n  # the range\n  weekend saturday, sunday\n}\n");
/// assert_eq!(deemed::syntax::parse(&text).unwrap(), file);
/// ```
pub fn format(file: &File, src: &str) -> String {
    let mut comments = Comments::scan(src);
    let mut out = String::new();
    let mut last_end = 0;
    for item in &file.items {
        let (start, end) = match item {
            Item::Agreement(a) => (a.span.start, a.span.end),
            Item::Calendar(c) => (c.span.start, c.span.end),
        };
        if !out.is_empty() && !out.ends_with("\n\n") {
            out.push('\n');
        }
        comments.before(start, 0, &mut out, last_end);
        match item {
            Item::Agreement(a) => agreement(a, &mut comments, &mut out),
            Item::Calendar(c) => calendar(c, &mut comments, &mut out),
        }
        last_end = end;
    }
    comments.rest(src.len() + 1, 0, &mut out);
    out
}

fn agreement(a: &AgreementBlock, comments: &mut Comments<'_>, out: &mut String) {
    out.push_str(&format!("agreement {} {{\n", quote(&a.title.node)));
    let mut last_end = a.title.span.end;
    for item in &a.items {
        let (start, end) = agreement_item_span(item, comments.src);
        comments.before(start, 1, out, last_end);
        match item {
            AgreementItem::Id(n) => push_line(out, 1, &format!("id {}", n.node)),
            AgreementItem::Dated(d) => push_line(out, 1, &format!("dated {}", d.node)),
            AgreementItem::TimeZone(z) => {
                push_line(out, 1, &format!("time-zone {}", quote(&z.node)))
            }
            AgreementItem::Calendar(c) => push_line(out, 1, &format!("calendar {}", c.node)),
            AgreementItem::BusinessDay(s) => {
                push_line(out, 1, &format!("business-day {}", quote(&s.node)))
            }
            AgreementItem::Cite(s) => push_line(out, 1, &format!("cite {}", quote(&s.node))),
            AgreementItem::Method(m) => push_line(
                out,
                1,
                &format!("method {} {}", m.name.node, quote(&m.description.node)),
            ),
            AgreementItem::Party(p) => party(p, comments, out),
            AgreementItem::Notice(n) => notice(n, comments, out),
            AgreementItem::Period(p) => period(p, comments, out),
            AgreementItem::DeadlineRoll(r, words) => push_line(
                out,
                1,
                &format!("deadline-roll {} {}", roll_word(r.node), quote(&words.node)),
            ),
        }
        last_end = end;
    }
    comments.rest(a.span.end, 1, out);
    out.push_str("}\n");
}

/// Where a declaration starts and ends (for a block, after its closing brace).
fn agreement_item_span(item: &AgreementItem, src: &str) -> (usize, usize) {
    match item {
        AgreementItem::Dated(d) => (d.span.start, d.span.end),
        AgreementItem::TimeZone(s) | AgreementItem::BusinessDay(s) | AgreementItem::Cite(s) => {
            (s.span.start, s.span.end)
        }
        AgreementItem::Calendar(n) | AgreementItem::Id(n) => (n.span.start, n.span.end),
        AgreementItem::Method(m) => (m.name.span.start, m.description.span.end),
        AgreementItem::Party(p) => {
            let last = p.items.last().map_or(p.title.span.end, party_item_end);
            (p.name.span.start, closing(src, last) + 1)
        }
        AgreementItem::Notice(n) => {
            let last = n.rules.last().map_or(n.combinator.span.end, |r| r.span.end);
            (n.title.span.start, closing(src, last) + 1)
        }
        AgreementItem::Period(p) => (p.span.start, p.span.end),
        AgreementItem::DeadlineRoll(r, words) => (r.span.start, words.span.end),
    }
}

fn roll_word(r: Roll) -> &'static str {
    match r {
        Roll::None => "none",
        Roll::Following => "following",
        Roll::Preceding => "preceding",
        Roll::ModifiedFollowing => "modified-following",
    }
}

fn party_item_span(item: &PartyItem) -> &Spanned<String> {
    match item {
        PartyItem::Fax(s, _)
        | PartyItem::TimeZone(s)
        | PartyItem::Address(s)
        | PartyItem::Cite(s) => s,
    }
}

fn party_item_end(item: &PartyItem) -> usize {
    match item {
        PartyItem::Fax(_, in_force) => {
            let last = in_force.until.as_ref().or(in_force.from.as_ref());
            last.map_or(party_item_span(item).span.end, |w| w.span.end)
        }
        _ => party_item_span(item).span.end,
    }
}

fn party(p: &Party, comments: &mut Comments<'_>, out: &mut String) {
    push_line(
        out,
        1,
        &format!("party {} {} {{", p.name.node, quote(&p.title.node)),
    );
    let mut last_end = p.title.span.end;
    for item in &p.items {
        let s = party_item_span(item);
        comments.before(s.span.start, 2, out, last_end);
        let (keyword, in_force) = match item {
            PartyItem::Fax(_, in_force) => ("fax", Some(in_force)),
            PartyItem::TimeZone(_) => ("time-zone", None),
            PartyItem::Address(_) => ("address", None),
            PartyItem::Cite(_) => ("cite", None),
        };
        let mut line = format!("{keyword} {}", quote(&s.node));
        if let Some(f) = in_force.and_then(|f| f.from.as_ref()) {
            line.push_str(&format!(" from {}", f.node));
        }
        if let Some(u) = in_force.and_then(|f| f.until.as_ref()) {
            line.push_str(&format!(" until {}", u.node));
        }
        push_line(out, 2, &line);
        last_end = party_item_end(item);
    }
    let end = p.items.last().map_or(p.title.span.end, party_item_end);
    comments.rest(closing(comments.src, end), 2, out);
    push_line(out, 1, "}");
}

/// The offset of the `}` that closes a block whose last content ends at `end`.
fn closing(src: &str, end: usize) -> usize {
    let mut i = end;
    let bytes = src.as_bytes();
    while let Some(&b) = bytes.get(i) {
        match b {
            b'}' => return i,
            b'#' => {
                i = src
                    .get(i..)
                    .and_then(|r| r.find('\n'))
                    .map_or(src.len(), |n| i + n);
            }
            _ => i += 1,
        }
    }
    src.len()
}

/// A rule's `when ...` (when it has conditions) and `=> ...`, in canonical form.
fn rule_parts(rule: &Rule) -> (Option<String>, String) {
    let when = (!rule.conditions.is_empty()).then(|| {
        let conditions: Vec<String> = rule.conditions.iter().map(|c| condition(&c.node)).collect();
        format!("when {}", conditions.join(", "))
    });
    let calendar = rule.outcome_calendar.as_ref().map(|n| n.node.as_str());
    let mut then = format!("=> {}", outcome(rule.outcome.node, calendar));
    if let Some(reason) = &rule.reason {
        then.push(' ');
        then.push_str(&quote(&reason.node));
    }
    (when, then)
}

/// A rule's conditions and outcome on one line, as `fmt` writes them: `when method fax,
/// sent before 20:00:00 on business-day => same-day`.
pub(crate) fn rule_words(rule: &Rule) -> String {
    match rule_parts(rule) {
        (Some(when), then) => format!("{when} {then}"),
        (None, then) => then,
    }
}

fn combinator_word(c: Combinator) -> &'static str {
    match c {
        Combinator::EarliestOf => "earliest-of",
        Combinator::LatestOf => "latest-of",
        Combinator::FirstOf => "first-of",
    }
}

fn notice(n: &Notice, comments: &mut Comments<'_>, out: &mut String) {
    let combinator = combinator_word(n.combinator.node);
    push_line(
        out,
        1,
        &format!("notice {} {combinator} {{", quote(&n.title.node)),
    );
    let mut last_end = n.combinator.span.end;
    // The `deliveries` lines first: how a notice's deliveries combine frames its clauses.
    for d in &n.deliveries {
        comments.before(d.span.start, 2, out, last_end);
        let how = combinator_word(d.combinator.node);
        push_line(out, 2, &format!("deliveries {how} {}", quote(&d.cite.node)));
        last_end = d.span.end;
    }
    for rule in &n.rules {
        comments.before(rule.span.start, 2, out, last_end);
        let kind = match rule.kind {
            RuleKind::Clause => "clause",
            RuleKind::Gap => "gap",
        };
        push_line(
            out,
            2,
            &format!("{kind} {} {}", rule.label.node, quote(&rule.cite.node)),
        );
        let (when, then) = rule_parts(rule);
        if let Some(when) = when {
            push_line(out, 3, &when);
        }
        push_line(out, 3, &then);
        last_end = rule.span.end;
    }
    comments.rest(closing(comments.src, last_end), 2, out);
    push_line(out, 1, "}");
}

fn condition(c: &Condition) -> String {
    match c {
        Condition::Method(names) => {
            let names: Vec<&str> = names.iter().map(|n| n.node.as_str()).collect();
            format!("method {}", names.join(" or "))
        }
        Condition::MethodOtherThan(labels) => {
            let labels: Vec<&str> = labels.iter().map(|n| n.node.as_str()).collect();
            format!("method other-than ({})", labels.join(", "))
        }
        Condition::DesignatedFax => "to designated-fax".into(),
        Condition::Companion {
            methods,
            count,
            business,
        } => {
            let names: Vec<&str> = methods.iter().map(|n| n.node.as_str()).collect();
            let unit = if *business { "business-days" } else { "days" };
            format!(
                "companion {} within {} {unit}",
                names.join(" or "),
                count.node
            )
        }
        Condition::Instant(i) => {
            let mut s = subject(i.subject).to_string();
            for (n, b) in i.bounds.iter().enumerate() {
                if n > 0 {
                    s.push_str(" and");
                }
                let cmp = match b.cmp {
                    Cmp::Before => "before",
                    Cmp::OnOrBefore => "on-or-before",
                    Cmp::After => "after",
                    Cmp::OnOrAfter => "on-or-after",
                    Cmp::At => "at",
                };
                s.push_str(&format!(" {cmp} {}", time(b.time.node)));
            }
            if let Some(day) = &i.day {
                let kind = match day.kind.node {
                    DayKind::BusinessDay => "business-day",
                    DayKind::NonBusinessDay => "non-business-day",
                    DayKind::AnyDay => "any-day",
                };
                s.push_str(&format!(" on {kind}"));
                if let Some(cal) = &day.calendar {
                    s.push_str(&format!(" of {}", cal.node));
                }
            }
            if let Some(zone) = &i.zone {
                match &zone.node {
                    ZoneRef::Named(z) => s.push_str(&format!(" in {}", quote(z))),
                    ZoneRef::Recipient => s.push_str(" in recipient-time"),
                    ZoneRef::Sender => s.push_str(" in sender-time"),
                }
            }
            s
        }
    }
}

fn outcome(o: Outcome, calendar: Option<&str>) -> String {
    let of = calendar.map(|c| format!(" of {c}")).unwrap_or_default();
    match o {
        Outcome::UponReceipt => "upon receipt".into(),
        Outcome::SameDay(Subject::Sent) => "same-day".into(),
        Outcome::SameDay(s) => format!("same-day of {}", subject(s)),
        Outcome::BusinessDaysAfter(1, Subject::Sent) => format!("next business-day{of}"),
        Outcome::BusinessDaysAfter(1, s) => format!("next business-day{of} after {}", subject(s)),
        Outcome::BusinessDaysAfter(n, s) => {
            format!("{n} business-days{of} after {}", subject(s))
        }
        Outcome::DaysAfter(1, s) => format!("1 day after {}", subject(s)),
        Outcome::DaysAfter(n, s) => format!("{n} days after {}", subject(s)),
        Outcome::NoEffect => "no-effect".into(),
    }
}

fn period(p: &Period, comments: &mut Comments<'_>, out: &mut String) {
    push_line(
        out,
        1,
        &format!("period {} {} {{", p.name.node, quote(&p.cite.node)),
    );
    let mut last_end = p.cite.span.end;
    for item in &p.items {
        let (start, end, text) = match item {
            PeriodItem::Anchor(n, w) => (
                n.span.start,
                w.span.end,
                format!("anchor {} {}", n.node, quote(&w.node)),
            ),
            PeriodItem::AnchorPeriod(n, w) => (
                n.span.start,
                w.span.end,
                format!("anchor period {} {}", n.node, quote(&w.node)),
            ),
            PeriodItem::UnlessNoticeBy {
                deadline,
                length: l,
                words,
            } => (
                deadline.span.start,
                words.span.end,
                format!(
                    "unless-notice-by {} length {} {}",
                    deadline.node,
                    length_words(l.node),
                    quote(&words.node)
                ),
            ),
            PeriodItem::Length(l) => (
                l.span.start,
                l.span.end,
                format!("length {}", length_words(l.node)),
            ),
            PeriodItem::Start(e) | PeriodItem::End(e) => {
                let word = if matches!(item, PeriodItem::Start(_)) {
                    "start"
                } else {
                    "end"
                };
                let edge = if e.node { "inclusive" } else { "exclusive" };
                (e.span.start, e.span.end, format!("{word} {edge}"))
            }
            PeriodItem::Roll(r) => (
                r.span.start,
                r.span.end,
                format!("roll {}", roll_word(r.node)),
            ),
            PeriodItem::Nonexistent(n) => {
                let policy = match n.node {
                    Nonexistent::Error => "error",
                    Nonexistent::RoundDown => "round-down",
                    Nonexistent::RoundUp => "round-up",
                };
                (n.span.start, n.span.end, format!("nonexistent {policy}"))
            }
            PeriodItem::Reading(r) => (
                r.span.start,
                r.span.end,
                format!("reading {}", quote(&r.node)),
            ),
            PeriodItem::ClosesAt { time: t, zone } => {
                let mut text = format!("closes-at {}", time(t.node));
                if let Some(z) = zone {
                    text.push_str(&format!(" in {}", quote(&z.node)));
                }
                let end = zone.as_ref().map_or(t.span.end, |z| z.span.end);
                (t.span.start, end, text)
            }
        };
        comments.before(start, 2, out, last_end);
        push_line(out, 2, &text);
        last_end = end;
    }
    comments.rest(p.span.end, 2, out);
    push_line(out, 1, "}");
}

fn calendar(c: &CalendarBlock, comments: &mut Comments<'_>, out: &mut String) {
    out.push_str(&format!(
        "calendar {} {} {{\n",
        c.name.node,
        quote(&c.title.node)
    ));
    let mut last_end = c.title.span.end;
    for item in &c.items {
        let (start, end, text) = match item {
            CalendarItem::Source(s) => (
                s.span.start,
                s.span.end,
                format!("source {}", quote(&s.node)),
            ),
            CalendarItem::Years(y) => (
                y.span.start,
                y.span.end,
                format!("years {:04} through {:04}", y.node.0, y.node.1),
            ),
            CalendarItem::Weekend(days) => {
                let names: Vec<&str> = days.iter().map(|d| weekday(d.node)).collect();
                let start = days.first().map_or(last_end, |d| d.span.start);
                let end = days.last().map_or(last_end, |d| d.span.end);
                (start, end, format!("weekend {}", names.join(", ")))
            }
            CalendarItem::Include(n) => (n.span.start, n.span.end, format!("include {}", n.node)),
            CalendarItem::Holiday(h) => holiday(h),
            CalendarItem::Shift(s) => (
                s.span.start,
                s.span.end,
                format!("shift {}", shift_words(s.node)),
            ),
            CalendarItem::Closed(cl) | CalendarItem::Open(cl) => {
                let keyword = if matches!(item, CalendarItem::Closed(_)) {
                    "closed"
                } else {
                    "open"
                };
                let mut text = format!("{keyword} {}", cl.from.node);
                if let Some(t) = &cl.through {
                    text.push_str(&format!(" through {}", t.node));
                }
                text.push(' ');
                text.push_str(&quote(&cl.reason.node));
                (cl.from.span.start, cl.reason.span.end, text)
            }
        };
        comments.before(start, 1, out, last_end);
        push_line(out, 1, &text);
        last_end = end;
    }
    comments.rest(c.span.end, 1, out);
    out.push_str("}\n");
}

/// A holiday line: its name, date rule, years and how it is observed; and the span of its
/// words.
fn holiday(h: &Holiday) -> (usize, usize, String) {
    let rule = date_rule(h.rule.node);
    let mut text = format!("holiday {} on {rule}", quote(&h.name.node));
    let mut end = h.rule.span.end;
    if let Some(y) = &h.from {
        text.push_str(&format!(" from {:04}", y.node));
        end = y.span.end;
    }
    if let Some(y) = &h.through {
        text.push_str(&format!(" through {:04}", y.node));
        end = y.span.end;
    }
    let days = |days: &[Spanned<Weekday>]| {
        let names: Vec<&str> = days.iter().map(|d| weekday(d.node)).collect();
        names.join(", ")
    };
    match &h.unshifted {
        Unshifted::No => {}
        Unshifted::Always => text.push_str(" unshifted"),
        Unshifted::On(on) => text.push_str(&format!(" unshifted on {}", days(on))),
    }
    if let Some(on) = &h.substitute {
        text.push_str(" substitute");
        if !on.node.is_empty() {
            text.push_str(&format!(" on {}", days(&on.node)));
        }
    }
    for (n, s) in h.observed.iter().enumerate() {
        text.push_str(if n == 0 { " observed " } else { ", " });
        text.push_str(&shift_words(s.node));
    }
    if let Unshifted::On(on) = &h.unshifted {
        end = end.max(on.last().map_or(end, |d| d.span.end));
    }
    if let Some(on) = &h.substitute {
        end = end.max(on.span.end);
    }
    end = end.max(h.observed.last().map_or(end, |s| s.span.end));
    (h.name.span.start, end, text)
}

/// A holiday's date rule as the language writes it: `july 4`, `last monday of may`.
fn date_rule(rule: DateRule) -> String {
    match rule {
        DateRule::Fixed { month: m, day } => format!("{} {day}", month(m)),
        DateRule::Nth {
            nth,
            weekday: w,
            month: m,
        } => {
            let ordinal = match nth {
                Some(1) => "first",
                Some(2) => "second",
                Some(3) => "third",
                Some(4) => "fourth",
                Some(_) => "fifth",
                None => "last",
            };
            format!("{ordinal} {} of {}", weekday(w), month(m))
        }
        DateRule::Easter(n) => format!("easter {n}"),
        DateRule::Relative {
            nth,
            weekday: w,
            relation,
            month: m,
            day,
        } => {
            let ordinal = match nth {
                1 => "",
                2 => "second ",
                3 => "third ",
                4 => "fourth ",
                _ => "fifth ",
            };
            format!(
                "{ordinal}{} {} {} {day}",
                weekday(w),
                relation.word(),
                month(m)
            )
        }
    }
}

/// `sunday => following monday`
fn shift_words(s: Shift) -> String {
    let dir = if s.following {
        "following"
    } else {
        "preceding"
    };
    format!("{} => {dir} {}", weekday(s.from), weekday(s.to))
}

/// `5 years`, `1 business-days before`
fn length_words(l: Length) -> String {
    let unit = match l.unit {
        PeriodUnit::Years => "years",
        PeriodUnit::Months => "months",
        PeriodUnit::Days => "days",
        PeriodUnit::BusinessDays => "business-days",
    };
    let before = if l.before { " before" } else { "" };
    format!("{} {unit}{before}", l.count)
}
