//! README.md tells the truth: its printed outputs are what deemed prints, and every example
//! command in it runs (in a folder holding the files the examples name).

use std::process::Command;

fn readme() -> String {
    std::fs::read_to_string("README.md").unwrap()
}

/// The text of the fenced block that starts with `first_line`.
fn block_starting(text: &str, first_line: &str) -> String {
    let start = text
        .find(&format!("```\n{first_line}"))
        .expect("the block is in README.md")
        + 4;
    let end = start + text[start..].find("\n```").unwrap() + 1;
    text[start..end].to_string()
}

#[test]
fn the_set_up_answer_is_what_deemed_prints() {
    let (out, _, code) = crate::reference_query(&[]);
    assert_eq!(code, 0);
    assert_eq!(block_starting(&readme(), "Monday 2000-03-06"), out);
}

#[test]
fn the_lint_table_is_what_deemed_prints() {
    let (out, _, _) = crate::deemed(&["lint"]);
    let block = block_starting(&readme(), "cut-offs: 20:00:00, 23:59:00");
    let unindented: String = block
        .lines()
        .map(|l| format!("{}\n", l.trim_start_matches("  ")))
        .collect();
    assert!(
        block == out || unindented == out,
        "README:\n{block}\ndeemed:\n{out}"
    );
}

#[test]
fn every_example_command_runs() {
    let dir = crate::temp_dir("readme");
    let copy = |from: &str, to: &str| std::fs::copy(from, dir.join(to)).unwrap();
    copy("tests/fixtures/notices.jsonl", "notices.jsonl");
    copy("tests/fixtures/notices.xlsx", "notices.xlsx");
    std::fs::write(
        dir.join("notices.csv"),
        "id,method,sent,to\na,fax,2000-03-03T21:15:00-05:00,company\n",
    )
    .unwrap();
    copy("rules/spa-2000-02-25.rules", "new.rules");
    // The examples name the shipped rules as `rules/...`, from the top of a checkout.
    let root = std::env::current_dir().unwrap();
    let rules = dir.join("rules");
    if !rules.exists() {
        std::fs::create_dir_all(&rules).unwrap();
        for entry in std::fs::read_dir(root.join("rules")).unwrap() {
            let path = entry.unwrap().path();
            if path.is_file() {
                std::fs::copy(&path, rules.join(path.file_name().unwrap())).unwrap();
            }
        }
    }
    let mut ran = 0;
    let text = readme();
    let mut in_sh = false;
    for line in text.lines() {
        match line {
            "```sh" => in_sh = true,
            "```" => in_sh = false,
            _ if in_sh && line.starts_with("deemed ") => {
                // Writing into the user's home is for the reader, not for the test.
                if line.contains(" > ") || line.contains(">>") {
                    continue;
                }
                let command = line.split(" # ").next().unwrap().trim();
                let out = Command::new("sh")
                    .arg("-c")
                    .arg(command.replacen("deemed", env!("CARGO_BIN_EXE_deemed"), 1))
                    .current_dir(&dir)
                    .env_remove("DEEMED_RULES")
                    .output()
                    .unwrap();
                let code = out.status.code().unwrap_or(-1);
                // 0, or 1 where the answer is "some records are errors" or "changed".
                assert!(
                    code == 0 || code == 1,
                    "`{command}` exited {code}: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
                ran += 1;
            }
            _ => {}
        }
    }
    assert!(ran >= 15, "only {ran} examples found");
}
