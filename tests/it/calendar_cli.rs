//! `deemed calendar`, run as the real binary.

use crate::deemed;

fn ok(args: &[&str]) -> String {
    let (stdout, stderr, code) = deemed(args);
    assert_eq!(code, 0, "{args:?}: {stderr}");
    stdout
}

#[test]
fn month_view_marks_weekends_and_names_holidays() {
    insta::assert_snapshot!(ok(&["calendar", "2000-07"]));
    insta::assert_snapshot!(ok(&[
        "calendar",
        "2022-12",
        "--calendar",
        "us-federal-observed"
    ]));
}

#[test]
fn holidays_of_a_year() {
    insta::assert_snapshot!(ok(&["calendar", "holidays", "2021"]));
    let json: serde_json::Value =
        serde_json::from_str(&ok(&["calendar", "holidays", "2022", "--format", "json"])).unwrap();
    let list = json.as_array().unwrap();
    // Weekend holidays are listed: Christmas Day 2022 fell on a Sunday.
    assert!(
        list.iter()
            .any(|h| h["date"] == "2022-12-25" && h["name"] == "Christmas Day")
    );
    assert!(
        list.iter()
            .any(|h| h["date"] == "2022-12-26" && h["name"] == "Christmas Day (observed)")
    );
    for h in list {
        assert_eq!(h.as_object().unwrap().len(), 2, "{h}");
    }
    // No Juneteenth in 2000.
    let json = ok(&["calendar", "holidays", "2000", "--format", "json"]);
    assert!(!json.contains("Juneteenth"));
}

#[test]
fn business_day_arithmetic() {
    insta::assert_snapshot!(ok(&["calendar", "next-business-day", "2000-12-22"]), @r"
    Tuesday 2000-12-26
      stepping over Saturday 2000-12-23 (Saturday, a weekend day)
      stepping over Sunday 2000-12-24 (Sunday, a weekend day)
      stepping over Monday 2000-12-25 (Christmas Day)
    ");
    insta::assert_snapshot!(ok(&["calendar", "next-business-day", "2000-12-22", "5"]).lines().next().unwrap(), @"Tuesday 2001-01-02");
    insta::assert_snapshot!(ok(&["calendar", "is-business-day", "2000-06-19"]), @"yes: Monday 2000-06-19 is a business day (us-ny-banking)");
    insta::assert_snapshot!(ok(&["calendar", "is-business-day", "2022-06-20"]), @"no: Monday 2022-06-20 is not a business day (us-ny-banking): Juneteenth National Independence Day (observed; falls on Sunday 2022-06-19)");
    let json: serde_json::Value = serde_json::from_str(&ok(&[
        "calendar",
        "is-business-day",
        "2012-10-29",
        "--calendar",
        "us-ny-banking-with-closures",
        "--format",
        "json",
    ]))
    .unwrap();
    assert_eq!(json["business_day"], false);
    assert_eq!(json["why"][0]["kind"], "closure");
}

#[test]
fn calendar_errors() {
    let (_, stderr, code) = deemed(&["calendar", "is-business-day", "1960-01-04"]);
    assert_eq!(code, 1);
    insta::assert_snapshot!(stderr, @"error: 1960-01-04 is outside calendar `us-ny-banking`, which covers 1971 through 2100");
    let (_, stderr, code) = deemed(&["calendar", "2000-13"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("`2000-13` is not a month"));
    let (_, stderr, code) = deemed(&["calendar", "holidays", "2000", "--calendar", "nasdaq"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("unknown calendar `nasdaq`"), "{stderr}");
}

#[test]
fn json_outputs() {
    insta::assert_snapshot!(ok(&[
        "calendar",
        "next-business-day",
        "2000-12-22",
        "--format",
        "json"
    ]));
    insta::assert_snapshot!(ok(&[
        "calendar",
        "is-business-day",
        "2021-06-19",
        "--format",
        "json"
    ]));
    let month: serde_json::Value =
        serde_json::from_str(&ok(&["calendar", "2000-07", "--format", "json"])).unwrap();
    let days = month["days"].as_array().unwrap();
    assert_eq!(days.len(), 31);
    assert_eq!(days[3]["date"], "2000-07-04");
    assert_eq!(days[3]["business_day"], false);
    assert_eq!(days[3]["why"][0]["name"], "Independence Day");
}

#[test]
fn a_year_no_calendar_covers_is_named_as_a_year() {
    for args in [
        &["calendar", "holidays", "300000"][..],
        &["calendar", "holidays", "2150"][..],
    ] {
        let (_, stderr, code) = deemed(args);
        assert_eq!(code, 1, "{args:?}");
        let year = args[2];
        assert!(
            stderr.starts_with(&format!(
                "error: year {year} is outside calendar `us-ny-banking`"
            )) || stderr.starts_with(&format!(
                "error: {year}-01-01 is outside calendar `us-ny-banking`"
            )),
            "{stderr}"
        );
    }
}

/// A calendar the rules file declares stands over a built-in one of the same name: here a
/// `us-ny-banking` whose only weekend day is Monday, so Saturday is a Business Day.
#[test]
fn a_calendar_the_file_declares_stands_over_the_built_in_one() {
    let text = std::fs::read_to_string("rules/spa-2000-02-25.rules").unwrap()
        + "\ncalendar us-ny-banking \"the file's own\" {\n  years 1990 through 2030\n  weekend monday\n}\n";
    let rules = crate::temp_file("calendar-cli", "clash.rules", &text);
    let (out, err, code) = deemed(&[
        "when-effective",
        "--rules",
        &rules,
        "--method",
        "courier",
        "--sent",
        "2000-03-03T12:00:00-05:00",
        "--to",
        "company",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let answer: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(answer["deemed_date"], "2000-03-04");
    let (out, _, _) = deemed(&[
        "calendar",
        "is-business-day",
        "2000-03-06",
        "--rules",
        &rules,
    ]);
    assert!(out.starts_with("no"), "{out}");
}
