//! The tokens of the rule language: white space and comments, words, strings, numbers,
//! dates, times and the small closed sets (weekdays, months, lengths, rolls, shifts).

use super::*;

// ws ::= (white-space | "#" anything-to-end-of-line)*
pub(super) fn ws(mut i: &str) -> &str {
    loop {
        i = i.trim_start();
        match i.strip_prefix('#') {
            Some(rest) => i = rest.find('\n').map_or("", |n| &rest[n..]),
            None => return i,
        }
    }
}

// word ::= letter (letter | digit | "-" | "_")*
pub(super) fn word(i: &str) -> Res<'_, &str> {
    let i = ws(i);
    recognize((
        satisfy(|c| c.is_ascii_alphabetic()),
        take_while(|c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
    ))
    .parse(i)
    .map_err(|_: NomErr<PErr<'_>>| NomErr::Error(PErr::expected(i, "a name")))
}

/// The keyword `w`; `desc` is how an error names it.
pub(super) fn kw<'a>(w: &'static str, desc: &'static str) -> impl Fn(&'a str) -> Res<'a, &'a str> {
    move |i: &'a str| {
        let i = ws(i);
        match word(i) {
            Ok((rest, found)) if found == w => Ok((rest, found)),
            _ => fail(i, desc),
        }
    }
}

macro_rules! kw {
    ($w:literal) => {
        kw($w, concat!("`", $w, "`"))
    };
}

/// The punctuation `s`; `desc` is how an error names it.
pub(super) fn sym<'a>(s: &'static str, desc: &'static str) -> impl Fn(&'a str) -> Res<'a, &'a str> {
    move |i: &'a str| {
        let i = ws(i);
        tag(s)
            .parse(i)
            .map_err(|_: NomErr<PErr<'_>>| NomErr::Error(PErr::expected(i, desc)))
    }
}

macro_rules! sym {
    ($s:literal) => {
        sym($s, concat!("`", $s, "`"))
    };
}

/// Whether the next token is the keyword `w`.
pub(super) fn peek_kw(i: &str, w: &str) -> bool {
    matches!(word(i), Ok((_, found)) if found == w)
}

// string ::= '"' (char | '\"' | '\\')* '"'      (runs of white space fold into one space)
pub(super) fn string(i: &str) -> Res<'_, String> {
    let i = ws(i);
    let Some(body) = i.strip_prefix('"') else {
        return fail(i, "a string in double quotes");
    };
    // Most strings hold no escape and no space but single ones between words: their text
    // is their body as written.
    if let Some(end) = memchr::memchr2(b'"', b'\\', body.as_bytes()) {
        let text = body.get(..end).unwrap_or_default();
        let bytes = text.as_bytes();
        let plain = bytes.iter().all(|b| (b' '..=b'~').contains(b))
            && !text.contains("  ")
            && bytes.first() != Some(&b' ')
            && bytes.last() != Some(&b' ');
        if plain && body.as_bytes().get(end) == Some(&b'"') {
            return Ok((body.get(end + 1..).unwrap_or_default(), text.to_string()));
        }
    }
    // Else the text is copied a run at a time, up to the next quote, escape, space or
    // character outside ASCII (which is read whole, to tell whether it is a space).
    let special = |b: &u8| matches!(b, b'"' | b'\\' | b' ' | b'\t'..=b'\r') || !b.is_ascii();
    let mut out = String::new();
    let mut pending_space = false;
    let mut n = 0;
    while let Some(run) = body.get(n..) {
        let len = run.bytes().position(|b| special(&b)).unwrap_or(run.len());
        let text = run.get(..len).unwrap_or_default();
        let mut push = |out: &mut String, text: &str| {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.push_str(text);
        };
        if !text.is_empty() {
            push(&mut out, text);
        }
        n += len;
        let mut chars = body.get(n..).unwrap_or_default().chars();
        let Some(c) = chars.next() else {
            break;
        };
        match c {
            '"' => return Ok((body.get(n + 1..).unwrap_or_default(), out)),
            '\\' => {
                let escaped = match chars.next() {
                    Some('"') => "\"",
                    Some('\\') => "\\",
                    Some(other) => {
                        let at = body.get(n..).unwrap_or_default();
                        return Err(NomErr::Failure(PErr::invalid(
                            at,
                            1 + other.len_utf8(),
                            "escape",
                            "only `\\\"` and `\\\\` are escapes",
                        )));
                    }
                    None => break,
                };
                push(&mut out, escaped);
                n += 2;
            }
            c if c.is_whitespace() => {
                pending_space = true;
                n += c.len_utf8();
            }
            c => {
                push(&mut out, c.encode_utf8(&mut [0; 4]));
                n += c.len_utf8();
            }
        }
    }
    Err(NomErr::Failure(PErr {
        at: i,
        expected: Vec::new(),
        complete: Some((1, SyntaxErrorKind::UnterminatedString)),
    }))
}

pub(super) fn digits(i: &str) -> Res<'_, &str> {
    take_while1(|c: char| c.is_ascii_digit()).parse(i)
}

// integer ::= digit+
pub(super) fn integer(i: &str) -> Res<'_, u32> {
    let i = ws(i);
    let (rest, text) = digits(i).map_err(|_| NomErr::Error(PErr::expected(i, "a number")))?;
    match text.parse::<u32>() {
        Ok(n) => Ok((rest, n)),
        Err(_) => Err(NomErr::Failure(PErr::invalid(
            i,
            text.len(),
            "number",
            "it is too large",
        ))),
    }
}

// signed-integer ::= ("+" | "-")? digit+
pub(super) fn signed_integer(i: &str) -> Res<'_, i32> {
    let i = ws(i);
    let (body, negative) = match i.as_bytes().first() {
        Some(b'-') => (&i[1..], true),
        Some(b'+') => (&i[1..], false),
        _ => (i, false),
    };
    let (rest, text) =
        digits(body).map_err(|_| NomErr::Error(PErr::expected(i, "a whole number of days")))?;
    let len = i.len() - rest.len();
    match text.parse::<i32>() {
        Ok(n) if n <= 366 => Ok((rest, if negative { -n } else { n })),
        _ => Err(NomErr::Failure(PErr::invalid(
            i,
            len,
            "day offset",
            "it must be at most 366 days",
        ))),
    }
}

// year ::= digit{4}
pub(super) fn year(i: &str) -> Res<'_, i32> {
    let i = ws(i);
    let (rest, text) = digits(i).map_err(|_| NomErr::Error(PErr::expected(i, "a year")))?;
    match text.parse::<i32>() {
        Ok(y) if text.len() == 4 => Ok((rest, y)),
        _ => Err(NomErr::Failure(PErr::invalid(
            i,
            text.len(),
            "year",
            "a year has four digits",
        ))),
    }
}

// date ::= digit{4} "-" digit{2} "-" digit{2}
pub(super) fn date(i: &str) -> Res<'_, NaiveDate> {
    let i = ws(i);
    let (rest, text) = take_while1(|c: char| c.is_ascii_digit() || c == '-')
        .parse(i)
        .map_err(|_: NomErr<PErr<'_>>| {
            NomErr::Error(PErr::expected(i, "a date such as `2000-02-25`"))
        })?;
    // digit{4} "-" digit{2} "-" digit{2}: a sign or a short year is not a date.
    let shape_ok = text.len() == 10
        && text.bytes().enumerate().all(|(n, b)| match n {
            4 | 7 => b == b'-',
            _ => b.is_ascii_digit(),
        });
    match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        Ok(d) if shape_ok => Ok((rest, d)),
        _ => Err(NomErr::Failure(PErr::invalid(
            i,
            text.len(),
            "date",
            "expected a real date written YYYY-MM-DD",
        ))),
    }
}

// when ::= date | instant        (an instant in RFC 3339: `2001-07-01T09:00:00-04:00`)
pub(super) fn when(i: &str) -> Res<'_, When> {
    let i = ws(i);
    let token_len = i
        .find(|c: char| c.is_whitespace() || c == '}' || c == '#')
        .unwrap_or(i.len());
    let token = i.get(..token_len).unwrap_or(i);
    if token.len() > 10
        && token
            .as_bytes()
            .get(10)
            .is_some_and(|b| *b == b'T' || *b == b't')
    {
        return match crate::time::rfc3339(token) {
            Some(t) => Ok((i.get(token_len..).unwrap_or(""), When::Instant(t))),
            None => Err(NomErr::Failure(PErr::invalid(
                i,
                token_len,
                "instant",
                "expected an instant in RFC 3339, such as `2001-07-01T09:00:00-04:00`",
            ))),
        };
    }
    date(i).map(|(r, d)| (r, When::Date(d)))
}

// time ::= digit{2} ":" digit{2} (":" digit{2})?
pub(super) fn time(i: &str) -> Res<'_, NaiveTime> {
    let i = ws(i);
    let (rest, text) = take_while1(|c: char| c.is_ascii_digit() || c == ':')
        .parse(i)
        .map_err(|_: NomErr<PErr<'_>>| {
            NomErr::Error(PErr::expected(i, "a time such as `20:00` or `23:59:00`"))
        })?;
    let parsed = match text.len() {
        5 => NaiveTime::parse_from_str(text, "%H:%M"),
        8 => NaiveTime::parse_from_str(text, "%H:%M:%S"),
        _ => NaiveTime::parse_from_str("", "%H"),
    };
    match parsed {
        Ok(t) => Ok((rest, t)),
        Err(_) => Err(NomErr::Failure(PErr::invalid(
            i,
            text.len(),
            "time",
            "expected HH:MM or HH:MM:SS on a 24-hour clock, from 00:00:00 to 23:59:59",
        ))),
    }
}

pub(super) fn weekday(i: &str) -> Res<'_, Weekday> {
    let i = ws(i);

    let (rest, w) = word(i).map_err(|_| NomErr::Error(PErr::expected(i, "a weekday")))?;
    match WEEKDAY_NAMES.iter().find(|(name, _)| *name == w) {
        Some((_, day)) => Ok((rest, *day)),
        None => fail(i, "a weekday such as `monday`"),
    }
}

pub(super) fn month(i: &str) -> Res<'_, u32> {
    let i = ws(i);

    let (rest, w) = word(i).map_err(|_| NomErr::Error(PErr::expected(i, "a month")))?;
    match MONTH_NAMES.iter().position(|m| *m == w) {
        // INVARIANT: the position in a 12-element array is below 12.
        Some(n) => Ok((rest, n as u32 + 1)),
        None => fail(i, "a month such as `january`"),
    }
}

/// A day of `month` that exists in some year (February 29 does).
pub(super) fn day_of_month(i: &str, month: u32) -> Res<'_, u32> {
    let day_at = ws(i);
    let (r, day) = integer(i)?;
    if !(1..=31).contains(&day) || NaiveDate::from_ymd_opt(2000, month, day).is_none() {
        let len = day_at.len() - r.len();
        return Err(NomErr::Failure(PErr::invalid(
            day_at,
            len,
            "day of the month",
            "that month has no such day",
        )));
    }
    Ok((r, day))
}

// length ::= integer ("year" | "years" | "month" | "months" | "day" | "days"
//                     | "business-day" | "business-days") "before"?
pub(super) fn length(i: &str) -> Res<'_, Length> {
    let (i, n) = integer(i)?;
    let (i, unit) = match word(i) {
        Ok((r, "year" | "years")) => (r, PeriodUnit::Years),
        Ok((r, "month" | "months")) => (r, PeriodUnit::Months),
        Ok((r, "day" | "days")) => (r, PeriodUnit::Days),
        Ok((r, "business-day" | "business-days")) => (r, PeriodUnit::BusinessDays),
        _ => {
            return Err(NomErr::Error(expected_any(
                ws(i),
                &["`years`", "`months`", "`days`", "`business-days`"],
            )));
        }
    };
    let (i, before) = match kw!("before")(i) {
        Ok((r, _)) => (r, true),
        Err(_) => (i, false),
    };
    Ok((
        i,
        Length {
            count: n,
            unit,
            before,
        },
    ))
}

// roll ::= "none" | "following" | "preceding" | "modified-following"
pub(super) fn roll(i: &str) -> Res<'_, Roll> {
    let at = ws(i);
    match word(at) {
        Ok((r, "none")) => Ok((r, Roll::None)),
        Ok((r, "following")) => Ok((r, Roll::Following)),
        Ok((r, "preceding")) => Ok((r, Roll::Preceding)),
        Ok((r, "modified-following")) => Ok((r, Roll::ModifiedFollowing)),
        _ => Err(NomErr::Error(expected_any(
            at,
            &[
                "`none`",
                "`following`",
                "`preceding`",
                "`modified-following`",
            ],
        ))),
    }
}

// edge ::= "inclusive" | "exclusive"          (true: inclusive)
pub(super) fn edge(i: &str) -> Res<'_, bool> {
    let at = ws(i);
    match word(at) {
        Ok((r, "inclusive")) => Ok((r, true)),
        Ok((r, "exclusive")) => Ok((r, false)),
        _ => Err(NomErr::Error(expected_any(
            at,
            &["`inclusive`", "`exclusive`"],
        ))),
    }
}

// nonexistent ::= "error" | "round-down" | "round-up"
pub(super) fn nonexistent(i: &str) -> Res<'_, Nonexistent> {
    let at = ws(i);
    match word(at) {
        Ok((r, "error")) => Ok((r, Nonexistent::Error)),
        Ok((r, "round-down")) => Ok((r, Nonexistent::RoundDown)),
        Ok((r, "round-up")) => Ok((r, Nonexistent::RoundUp)),
        _ => Err(NomErr::Error(expected_any(
            at,
            &["`error`", "`round-down`", "`round-up`"],
        ))),
    }
}

// shift ::= weekday "=>" ("following" | "preceding") weekday
pub(super) fn shift(i: &str) -> Res<'_, Shift> {
    let (i, from) = weekday(i)?;
    let (i, _) = sym!("=>")(i)?;
    let (i, following) = match word(i) {
        Ok((r, "following")) => (r, true),
        Ok((r, "preceding")) => (r, false),
        _ => {
            return Err(NomErr::Error(expected_any(
                ws(i),
                &["`following`", "`preceding`"],
            )));
        }
    };
    let (i, to) = weekday(i)?;
    Ok((
        i,
        Shift {
            from,
            to,
            following,
        },
    ))
}
