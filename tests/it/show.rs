//! `deemed show`: what a rules file declares; and the default rules from `DEEMED_RULES`.

use std::process::Command;

use crate::deemed;

#[test]
fn show_lists_what_the_reference_agreement_declares() {
    let (out, _, code) = deemed(&["show"]);
    assert_eq!(code, 0);
    insta::assert_snapshot!(out);
}

#[test]
fn show_in_json_for_a_rules_file() {
    let (out, _, code) = deemed(&[
        "show",
        "--rules",
        "rules/example-pacific-notice.rules",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let a = &v["agreement"];
    assert_eq!(a["time_zone"], "America/Los_Angeles");
    assert_eq!(a["calendar"], "nyse");
    let methods: Vec<&str> = a["methods"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(methods, ["email", "mail", "hand"]);
    assert_eq!(a["parties"][0]["time_zone"], "America/New_York");
    assert_eq!(a["notice"]["clauses"][0]["label"], "a1");
    assert_eq!(
        a["notice"]["clauses"][0]["rule"],
        "when method email, sent on-or-before 17:00:00 on business-day in \"America/Los_Angeles\" => same-day"
    );
    assert_eq!(a["periods"][0]["name"], "prepayment-notice");
    assert_eq!(v["chosen_by"], "from --rules");
    let calendars = v["calendars"].as_array().unwrap();
    assert!(
        calendars
            .iter()
            .any(|c| c["name"] == "gb-eng" && c["first_year"] == 2000)
    );
}

/// A `DEEMED_RULES` file is every command's default, and `show` says where it came from.
#[test]
fn the_default_rules_from_the_environment() {
    let run = |args: &[&str], rules: Option<&str>| {
        let (out, _, code) = deemed_with_rules_env(args, rules);
        (out, code)
    };
    let pacific = Some("rules/example-pacific-notice.rules");
    let (out, code) = run(&["show"], pacific);
    assert_eq!(code, Some(0));
    assert!(out.starts_with(
        "rules: rules/example-pacific-notice.rules (from the DEEMED_RULES environment variable)"
    ));
    let (out, code) = run(
        &[
            "when-effective",
            "--method",
            "email",
            "--sent",
            "2025-04-17T17:00:00-07:00",
        ],
        pacific,
    );
    assert_eq!(code, Some(0));
    assert!(out.contains("under clause a1"), "{out}");
    let (out, _) = run(&["lint"], pacific);
    assert!(out.contains("a1"), "{out}");
    // --rules wins over the environment.
    let (out, _) = run(&["show", "--rules", "rules/spa-2000-02-25.rules"], pacific);
    assert!(
        out.starts_with("rules: rules/spa-2000-02-25.rules (from --rules)"),
        "{out}"
    );
}

/// `show FILE|DIR` names the rules as `check` and `lint` do: the same as `--rules`, in
/// place of DEEMED_RULES; with `--rules` too, it is refused.
#[test]
fn show_takes_the_rules_as_check_and_lint_do() {
    let run = deemed_with_rules_env;
    let body = |out: &str| out.lines().skip(1).collect::<Vec<_>>().join("\n");
    for path in ["rules", "rules/cetalon-put-notice.rules"] {
        let (given, _, code) = run(&["show", path], None);
        assert_eq!(code, Some(0), "{path}");
        let (flagged, _, _) = run(&["show", "--rules", path], None);
        // The same agreements; the first line says how the rules were chosen.
        assert_eq!(body(&given), body(&flagged), "{path}");
        // The environment's rules give way to the path.
        let (over_env, _, _) = run(&["show", path], Some("rules/spa-2000-02-25.rules"));
        assert_eq!(over_env, given, "{path}");
    }
    let (out, _, _) = run(&["show", "rules/spa-2000-02-25.rules"], None);
    assert!(
        out.starts_with("rules: rules/spa-2000-02-25.rules (as given)"),
        "{out}"
    );
    let (_, err, code) = run(&["show", "rules", "--rules", "rules"], None);
    assert_eq!(code, Some(2));
    assert!(err.contains("the rules are given twice"), "{err}");
}

/// The binary's standard output, standard error and exit code, DEEMED_RULES set to `rules`
/// or unset.
fn deemed_with_rules_env(args: &[&str], rules: Option<&str>) -> (String, String, Option<i32>) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_deemed"));
    cmd.args(args).env_remove("DEEMED_RULES");
    if let Some(r) = rules {
        cmd.env("DEEMED_RULES", r);
    }
    let out = cmd.output().unwrap();
    let text = |b: Vec<u8>| String::from_utf8(b).unwrap();
    (text(out.stdout), text(out.stderr), out.status.code())
}
