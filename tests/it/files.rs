//! A user's files are never lost, and no command panics on a full or closed output.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A fresh directory of this test's own.
fn dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("deemed-files-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn run(args: &[&str]) -> (String, String, i32) {
    crate::deemed(args)
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

const LOG: &str = r#"{"id":"n1","method":"fax","sent":"2000-03-03T21:15:00-05:00","to":"company","fax_number":"(949) 788-6706"}
{"id":"n2","method":"courier","sent":"2000-12-22T15:00:00-05:00"}
"#;

/// The files in a directory other than those named.
fn others(dir: &Path, named: &[&str]) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !named.contains(&n.as_str()))
        .collect();
    names.sort();
    names
}

#[test]
fn an_output_that_is_an_input_is_refused_before_anything_is_written() {
    let d = dir("same");
    let log = d.join("log.jsonl");
    std::fs::write(&log, LOG).unwrap();
    // The same file, and the same file by another name.
    let other_name = d.join("./log.jsonl");
    for out in [&log, &other_name] {
        let (_, stderr, code) = run(&["batch", path(&log), "--output", path(out)]);
        assert_eq!(code, 2, "{stderr}");
        assert!(stderr.contains("is the input"), "{stderr}");
        assert_eq!(std::fs::read_to_string(&log).unwrap(), LOG);
    }
    assert_eq!(others(&d, &["log.jsonl"]), Vec::<String>::new());
}

#[test]
fn a_run_that_fails_to_start_leaves_an_existing_output_as_it_was() {
    let d = dir("start");
    let csv = d.join("log.csv");
    std::fs::write(&csv, "foo,bar\n1,2\n").unwrap();
    let out = d.join("out.jsonl");
    std::fs::write(&out, "keep me\n").unwrap();
    let (_, stderr, code) = run(&[
        "batch",
        path(&csv),
        "--input-format",
        "csv",
        "--output",
        path(&out),
    ]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("was left as it was"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "keep me\n");
    // No half file under another name either.
    assert_eq!(others(&d, &["log.csv", "out.jsonl"]), Vec::<String>::new());
}

#[test]
fn a_run_that_succeeds_replaces_the_output_whole() {
    let d = dir("replace");
    let log = d.join("log.jsonl");
    std::fs::write(&log, LOG).unwrap();
    let out = d.join("out.jsonl");
    std::fs::write(&out, "old\n".repeat(1000)).unwrap();
    let (_, stderr, code) = run(&["batch", path(&log), "--output", path(&out)]);
    assert_eq!(code, 0, "{stderr}");
    let written = std::fs::read_to_string(&out).unwrap();
    assert_eq!(written.lines().count(), 2, "{written}");
    assert!(written.starts_with(r#"{"id":"n1""#), "{written}");
    assert_eq!(
        others(&d, &["log.jsonl", "out.jsonl"]),
        Vec::<String>::new()
    );
}

#[test]
fn fmt_write_replaces_a_file_whole_and_keeps_its_permissions() {
    let d = dir("fmt");
    let file = d.join("mine.rules");
    std::fs::write(
        &file,
        "calendar mine \"x\" {   years 2000 through 2001 weekend saturday, sunday }\n",
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o640)).unwrap();
    }
    let (_, stderr, code) = run(&["fmt", "--write", path(&file)]);
    assert_eq!(code, 0, "{stderr}");
    let (_, _, check) = run(&["fmt", "--check", path(&file)]);
    assert_eq!(check, 0);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o640);
    }
    assert_eq!(others(&d, &["mine.rules"]), Vec::<String>::new());
}

/// Every command, with arguments that make it print something.
fn commands(d: &Path) -> Vec<Vec<String>> {
    let log = d.join("log.jsonl");
    std::fs::write(&log, LOG.repeat(2000)).unwrap();
    let log = path(&log).to_string();
    let spa = "rules/spa-2000-02-25.rules".to_string();
    let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    vec![
        args(&["calendar", "2000-03"]),
        args(&["calendar", "holidays", "2000"]),
        args(&[
            "when-effective",
            "--method",
            "fax",
            "--sent",
            "2000-03-03T21:15:00-05:00",
        ]),
        args(&["lint"]),
        args(&["check", &spa]),
        args(&["fmt", &spa]),
        args(&["latest-send", "--by", "2005-02-26T00:00:00-05:00"]),
        args(&["window", "warrant", "--issued", "2000-02-25"]),
        args(&["batch", &log, "--threads", "1"]),
        args(&["batch", &log]),
        args(&["diff", &spa, &spa, "--events", &log]),
    ]
}

/// With standard output closed before anything is read, every command stops quietly: no
/// panic, and the status a closed pipe gives (141), or 0 when it wrote before the pipe
/// closed.
#[test]
fn a_closed_standard_output_stops_every_command_quietly() {
    let d = dir("closed");
    for args in commands(&d) {
        let mut child = Command::new(env!("CARGO_BIN_EXE_deemed"))
            .env_remove("DEEMED_RULES")
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Close the reading end at once.
        drop(child.stdout.take());
        let mut stderr = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut stderr)
            .unwrap();
        let status = child.wait().unwrap();
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(!stderr.contains("cannot write"), "{args:?}: {stderr}");
        let code = status.code();
        assert!(
            matches!(code, Some(141) | Some(0) | Some(1)),
            "{args:?}: {code:?} {stderr}"
        );
    }
}

/// On a full disk (`/dev/full`), every command says it could not write, exits 2, and
/// does not panic; with standard error full too, it still does not panic.
#[cfg(target_os = "linux")]
#[test]
fn a_full_standard_output_is_reported_by_every_command() {
    let d = dir("full");
    for args in commands(&d) {
        let full = || {
            std::fs::OpenOptions::new()
                .write(true)
                .open("/dev/full")
                .unwrap()
        };
        let out = Command::new(env!("CARGO_BIN_EXE_deemed"))
            .env_remove("DEEMED_RULES")
            .args(&args)
            .stdout(full())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains("cannot write"), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        let both = Command::new(env!("CARGO_BIN_EXE_deemed"))
            .env_remove("DEEMED_RULES")
            .args(&args)
            .stdout(full())
            .stderr(full())
            .status()
            .unwrap();
        assert_eq!(both.code(), Some(2), "{args:?}");
    }
    // An error message to a full standard error: the status still says what happened.
    let status = Command::new(env!("CARGO_BIN_EXE_deemed"))
        .env_remove("DEEMED_RULES")
        .args(["calendar", "2000-13"])
        .stderr(
            std::fs::OpenOptions::new()
                .write(true)
                .open("/dev/full")
                .unwrap(),
        )
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(1));
}

/// An output that is not a regular file (a pipe, a device such as `/dev/stdout`) is written
/// through, never replaced; a link is written through to the file it names.
#[cfg(unix)]
#[test]
fn outputs_that_are_not_plain_files_are_written_through() {
    use std::os::unix::fs::FileTypeExt;
    let d = dir("special");
    let log = d.join("log.jsonl");
    std::fs::write(&log, LOG).unwrap();
    let fifo = d.join("fifo");
    let made = Command::new("mkfifo").arg(&fifo).status();
    if made.is_ok_and(|s| s.success()) {
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
        };
        let (_, stderr, code) = run(&["batch", path(&log), "--output", path(&fifo)]);
        assert_eq!(code, 0, "{stderr}");
        assert_eq!(reader.join().unwrap().lines().count(), 2);
        assert!(
            std::fs::symlink_metadata(&fifo)
                .unwrap()
                .file_type()
                .is_fifo()
        );
    }
    let real = d.join("real.jsonl");
    std::fs::write(&real, "old\n").unwrap();
    let link = d.join("link.jsonl");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let (_, stderr, code) = run(&["batch", path(&log), "--output", path(&link)]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(std::fs::read_to_string(&real).unwrap().lines().count(), 2);
}

/// Whether a temporary file (of an output being written) is in `dir`.
fn temporary(dir: &Path) -> bool {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(Result::ok)
        .any(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
}

/// `deemed batch LOG --output OUTPUT` started, once its temporary file is in `dir` (the run
/// is under way).
fn batch_under_way(dir: &Path, log: &Path, output: &Path) -> std::process::Child {
    let child = Command::new(env!("CARGO_BIN_EXE_deemed"))
        .args(["batch", "--quiet", "--threads", "1", "--output"])
        .arg(output)
        .arg(log)
        .env_remove("DEEMED_RULES")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while !temporary(dir) && started.elapsed() < std::time::Duration::from_secs(20) {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    assert!(temporary(dir), "the run made no temporary file");
    child
}

/// A run stopped by SIGTERM or Ctrl-C removes its temporary file and keeps the output that
/// was there, with exit code 130.
#[test]
fn an_interrupted_run_leaves_no_temporary_file() {
    let dir = crate::temp_dir("interrupted");
    let corpus = std::fs::read_to_string("tests/corpus/spa-2000-02-25.jsonl").unwrap();
    let log = dir.join("big.jsonl");
    std::fs::write(&log, corpus.repeat(40_000)).unwrap();
    let output = dir.join("answers.jsonl");
    std::fs::write(&output, "kept\n").unwrap();
    for signal in ["-TERM", "-INT"] {
        let mut child = batch_under_way(&dir, &log, &output);
        let pid = child.id().to_string();
        let sent = Command::new("kill").args([signal, &pid]).status().unwrap();
        assert!(sent.success());
        let status = child.wait().unwrap();
        assert_eq!(status.code(), Some(130), "{signal}");
        assert!(!temporary(&dir), "{signal}: a temporary file is left");
        assert_eq!(std::fs::read_to_string(&output).unwrap(), "kept\n");
    }
}

/// A log changed while a run reads it (here a notice appended) is an error, exit 2, and an
/// existing output is kept: its answers could mix two versions of the file.
#[test]
fn a_log_changed_during_the_run_is_an_error() {
    let dir = crate::temp_dir("changed");
    let corpus = std::fs::read_to_string("tests/corpus/spa-2000-02-25.jsonl").unwrap();
    let log = dir.join("big.jsonl");
    std::fs::write(&log, corpus.repeat(2_000)).unwrap();
    let output = dir.join("answers.jsonl");
    std::fs::write(&output, "kept\n").unwrap();
    let child = batch_under_way(&dir, &log, &output);
    let mut file = std::fs::OpenOptions::new().append(true).open(&log).unwrap();
    std::io::Write::write_all(&mut file, corpus.lines().next().unwrap().as_bytes()).unwrap();
    drop(file);
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("changed while it was read"), "{err}");
    assert_eq!(std::fs::read_to_string(&output).unwrap(), "kept\n");
}
