//! `deemed serve`: every route answers as the command line does, and refuses bad requests
//! with JSON errors and their status. The server is the real binary on a free port.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

use crate::deemed;

/// A server on a free port of the loopback address, stopped when dropped (the page test
/// starts its own with it too).
pub(crate) struct Server {
    child: Child,
    /// `HOST:PORT`.
    pub(crate) addr: String,
}

impl Server {
    pub(crate) fn start(rules: Option<&str>) -> Server {
        Server::start_with(rules, &[])
    }

    /// A server started with `extra` arguments.
    pub(crate) fn start_with(rules: Option<&str>, extra: &[&str]) -> Server {
        let mut command = Command::new(env!("CARGO_BIN_EXE_deemed"));
        command.args(["serve", "--addr", "127.0.0.1:0"]);
        command.args(extra);
        if let Some(rules) = rules {
            command.args(["--rules", rules]);
        }
        let mut child = command
            .env_remove("DEEMED_RULES")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stderr.as_mut().unwrap())
            .read_line(&mut line)
            .unwrap();
        let addr = line.trim().rsplit("http://").next().unwrap().to_string();
        Server { child, addr }
    }

    /// One request; the status and the body.
    pub(crate) fn request(&self, method: &str, path: &str, body: &str) -> (u16, String) {
        let mut stream = TcpStream::connect(&self.addr).unwrap();
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.addr,
            body.len()
        )
        .unwrap();
        let mut response = Vec::new();
        stream.read_to_end(&mut response).unwrap();
        let response = String::from_utf8(response).unwrap();
        let (head, rest) = response.split_once("\r\n\r\n").unwrap();
        let status = head.split(' ').nth(1).unwrap().parse().unwrap();
        let body = match head
            .to_ascii_lowercase()
            .contains("transfer-encoding: chunked")
        {
            true => unchunk(rest),
            false => rest.to_string(),
        };
        (status, body)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A chunked body's bytes.
fn unchunk(mut rest: &str) -> String {
    let mut out = String::new();
    while let Some((size, after)) = rest.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 {
            break;
        }
        out.push_str(&after[..n]);
        rest = &after[n + 2..];
    }
    out
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

#[test]
fn every_route_answers_as_the_command_line() {
    let server = Server::start(None);
    let (status, body) = server.request("GET", "/healthz", "");
    assert_eq!(
        (status, json(&body)),
        (200, serde_json::json!({"status": "ok"}))
    );

    let notice = r#"{"method":"fax","sent":"2000-03-03T21:15:00-05:00","to":"company","fax_number":"(949) 788-6706","deadline":"2000-03-06"}"#;
    let (status, body) = server.request("POST", "/v1/when-effective", notice);
    let (cli, _, _) = crate::reference_query(&["--deadline", "2000-03-06", "--format", "json"]);
    assert_eq!((status, body), (200, cli));

    let (status, body) = server.request(
        "POST",
        "/v1/latest-send",
        r#"{"by":"2005-02-26T00:00:00-05:00","to":"company"}"#,
    );
    let (cli, _, _) = deemed(&[
        "latest-send",
        "--by",
        "2005-02-26T00:00:00-05:00",
        "--to",
        "company",
        "--format",
        "json",
    ]);
    assert_eq!((status, body), (200, cli));

    let (status, body) = server.request(
        "POST",
        "/v1/window",
        r#"{"period":"warrant","issued":"2000-02-25","at":"2005-02-25T16:00:00-05:00"}"#,
    );
    let (cli, _, _) = deemed(&[
        "window",
        "warrant",
        "--issued",
        "2000-02-25",
        "--at",
        "2005-02-25T16:00:00-05:00",
        "--format",
        "json",
    ]);
    assert_eq!((status, body), (200, cli));

    let (status, body) = server.request("GET", "/v1/calendar/nyse/2025", "");
    let (cli, _, _) = deemed(&[
        "calendar",
        "holidays",
        "2025",
        "--calendar",
        "nyse",
        "--format",
        "json",
    ]);
    assert_eq!((status, body), (200, cli));

    let (status, body) = server.request("GET", "/v1/rules", "");
    let (cli, _, _) = deemed(&["show", "--format", "json"]);
    let (mut served, mut shown) = (json(&body), json(&cli));
    // Only how the rules were chosen is said otherwise, and where they lie: by the file's
    // name alone.
    served.as_object_mut().unwrap().remove("chosen_by");
    shown.as_object_mut().unwrap().remove("chosen_by");
    assert_eq!(served["origin"], "spa-2000-02-25.rules");
    shown["origin"] = served["origin"].clone();
    assert_eq!((status, served), (200, shown));

    let (status, body) = server.request("GET", "/openapi.json", "");
    assert_eq!(status, 200);
    let api = json(&body);
    for path in [
        "/v1/when-effective",
        "/v1/batch",
        "/v1/latest-send",
        "/v1/window",
        "/v1/rules",
        "/v1/calendar/{name}/{year}",
        "/healthz",
    ] {
        assert!(api["paths"].get(path).is_some(), "{path}");
    }
}

#[test]
fn batch_streams_the_records_deemed_batch_writes() {
    let server = Server::start(None);
    let log = std::fs::read_to_string("tests/fixtures/notices.jsonl").unwrap();
    // Long enough to take several chunks each way.
    let log = log.repeat(400);
    let path = crate::temp_file("serve", "log.jsonl", &log);
    let (cli, _, _) = deemed(&["batch", &path, "--quiet"]);
    let (status, body) = server.request("POST", "/v1/batch", &log);
    assert_eq!(status, 200);
    assert!(
        body == cli,
        "the records differ ({} and {} bytes)",
        body.len(),
        cli.len()
    );
}

#[test]
fn a_folder_answers_for_the_agreement_named() {
    let server = Server::start(Some("rules"));
    let q = r#"{"agreement":"cetalon-put-notice","method":"email","received":"2024-03-04T11:00:00-08:00"}"#;
    let (status, body) = server.request("POST", "/v1/when-effective", q);
    let (cli, _, _) = deemed(&[
        "when-effective",
        "--rules",
        "rules",
        "--agreement",
        "cetalon-put-notice",
        "--method",
        "email",
        "--received",
        "2024-03-04T11:00:00-08:00",
        "--format",
        "json",
    ]);
    assert_eq!((status, body), (200, cli));
    let (status, body) = server.request(
        "POST",
        "/v1/when-effective",
        r#"{"method":"fax","sent":"2000-03-03T10:00"}"#,
    );
    assert_eq!(status, 422);
    assert_eq!(json(&body)["error"]["field"], "agreement");
    let (_, body) = server.request("GET", "/v1/rules", "");
    let (cli, _, _) = deemed(&["show", "--rules", "rules", "--format", "json"]);
    // The same agreements, each by its file's name alone and its agreement's name: the
    // service says nothing of where the rules lie.
    let mut shown = json(&cli);
    for a in shown["agreements"].as_array_mut().unwrap() {
        let origin = a["origin"]
            .as_str()
            .unwrap()
            .rsplit('/')
            .next()
            .unwrap()
            .to_string();
        a["origin"] = origin.into();
        a["chosen_by"] = format!("agreement `{}`", a["name"].as_str().unwrap()).into();
    }
    assert_eq!(json(&body), shown);
    assert!(!body.contains("rules/"), "{body}");
}

#[test]
fn bad_requests_get_json_errors_with_their_status() {
    let server = Server::start(None);
    let cases: [(&str, &str, String, u16, Option<&str>); 9] = [
        (
            "POST",
            "/v1/when-effective",
            r#"{"method":"facsimile","sent":"2000-03-03T10:00"}"#.into(),
            422,
            Some("method"),
        ),
        (
            "POST",
            "/v1/when-effective",
            r#"{"method":"fax","sent":"2000-02-30T10:00"}"#.into(),
            422,
            Some("sent"),
        ),
        (
            "POST",
            "/v1/when-effective",
            r#"{"method":"#.into(),
            400,
            None,
        ),
        (
            "POST",
            "/v1/when-effective",
            r#"{"method":"fax","sent":"2000-03-03T10:00","colour":"blue"}"#.into(),
            400,
            None,
        ),
        (
            "POST",
            "/v1/when-effective",
            format!(r#"{{"method":"{}"}}"#, "x".repeat(100_000)),
            413,
            None,
        ),
        ("GET", "/v2/nothing", String::new(), 404, None),
        // The router's own answers are JSON too: a method not allowed, a path it cannot
        // decode; and an empty batch is an error, not an empty answer.
        ("GET", "/v1/when-effective", String::new(), 405, None),
        ("GET", "/v1/calendar/%ff/2025", String::new(), 400, None),
        ("POST", "/v1/batch", String::new(), 400, None),
    ];
    for (method, path, body, status, field) in cases {
        let (got, text) = server.request(method, path, &body);
        assert_eq!(got, status, "{path}: {text}");
        let v = json(&text);
        assert!(v["error"]["message"].is_string(), "{text}");
        if let Some(field) = field {
            assert_eq!(v["error"]["field"], field, "{text}");
        }
    }
    // The server is still there.
    assert_eq!(server.request("GET", "/healthz", "").0, 200);
}

#[cfg(unix)]
#[test]
fn sigterm_stops_it_cleanly() {
    let mut server = Server::start(None);
    let pid = server.child.id().to_string();
    let killed = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(killed.success());
    let status = server.child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
}

#[test]
fn the_page_needs_nothing_from_elsewhere_and_labels_every_field() {
    let server = Server::start(None);
    let (status, page) = server.request("GET", "/", "");
    assert_eq!(status, 200);
    // No outside assets: no script, style, font or image from another address.
    for needle in ["src=\"http", "href=\"http", "url(http", "@import", "//cdn"] {
        assert!(!page.contains(needle), "{needle}");
    }
    for field in [
        "method",
        "sent",
        "received",
        "to",
        "fax_number",
        "deadline",
        "agreement",
    ] {
        assert!(
            page.contains(&format!("name=\"{field}\"")),
            "no field {field}"
        );
        assert!(
            page.contains(&format!("<label for=\"{field}\"")),
            "no label for {field}"
        );
    }
    assert!(page.contains("id=\"answer\""));
    assert!(page.contains("name=\"viewport\""));
    // What the page shows for people is when-effective's text.
    let q = r#"{"method":"fax","sent":"2000-03-03 9:15 pm","to":"company","fax_number":"(949) 788-6706"}"#;
    let (status, text) = server.request("POST", "/v1/explain", q);
    let (cli, _, _) = deemed(&[
        "when-effective",
        "--method",
        "fax",
        "--sent",
        "2000-03-03 9:15 pm",
        "--to",
        "company",
        "--fax-number",
        "(949) 788-6706",
    ]);
    assert_eq!((status, text), (200, cli));
}

/// A folder's agreements each answer with their own calendars, and `/v1/rules` names each
/// agreement as data.
#[test]
fn a_folder_answers_each_agreements_calendars() {
    let dir = crate::temp_dir("serve-folder");
    let spa = std::fs::read_to_string("rules/spa-2000-02-25.rules").unwrap();
    std::fs::write(dir.join("a.rules"), &spa).unwrap();
    let own = spa.replacen("calendar us-ny-banking\n", "calendar own\n", 1)
        + "\ncalendar own \"b's own\" {\n  years 1990 through 2030\n  weekend saturday, sunday\n  holiday \"Founders' Day\" on march 1\n}\n";
    std::fs::write(dir.join("b.rules"), own).unwrap();
    let server = Server::start(Some(dir.to_str().unwrap()));
    let (status, body) = server.request("GET", "/v1/calendar/own/2000", "");
    assert_eq!(status, 200, "{body}");
    assert_eq!(json(&body)[0]["name"], "Founders' Day");
    let (status, body) = server.request("GET", "/v1/calendar/own/2000?agreement=b", "");
    assert_eq!(status, 200, "{body}");
    let (status, body) = server.request("GET", "/v1/calendar/own/2000?agreement=a", "");
    assert_eq!(status, 404, "{body}");
    assert_eq!(json(&body)["error"]["field"], "name");
    let (status, body) = server.request("GET", "/v1/calendar/own/2000?nope=1", "");
    assert_eq!(status, 400, "{body}");
    assert!(json(&body)["error"]["message"].is_string());
    let (_, body) = server.request("GET", "/v1/rules", "");
    let shown = json(&body);
    let names: Vec<&str> = shown["agreements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["a", "b"]);
}

/// A client that starts a request and stalls is cut off after the header timeout, the
/// server answers others meanwhile even past its connection cap, and SIGTERM stops it while
/// such a client is connected.
#[test]
fn stalled_clients_neither_hold_the_server_nor_its_shutdown() {
    use std::time::{Duration, Instant};
    let mut server = Server::start_with(None, &["--header-timeout", "1", "--max-connections", "4"]);
    // Six clients that send one header line and stall: more than the cap.
    let stalled: Vec<TcpStream> = (0..6)
        .map(|_| {
            let mut s = TcpStream::connect(&server.addr).unwrap();
            s.write_all(b"GET /healthz HTTP/1.1\r\n").unwrap();
            s
        })
        .collect();
    // Within a few timeouts every stalled connection is closed by the server...
    let started = Instant::now();
    for mut s in stalled {
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut rest = Vec::new();
        let _ = s.read_to_end(&mut rest);
    }
    assert!(
        started.elapsed() < Duration::from_secs(9),
        "{:?}",
        started.elapsed()
    );
    // ...and the server answers.
    assert_eq!(server.request("GET", "/healthz", "").0, 200);
    // SIGTERM with a stalled client connected stops it within the timeout.
    let mut stalled = TcpStream::connect(&server.addr).unwrap();
    stalled.write_all(b"GET /healthz HTTP/1.1\r\n").unwrap();
    std::thread::sleep(Duration::from_millis(100));
    let pid = server.child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let started = Instant::now();
    let status = server.child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

/// A client that writes its whole body before it reads still gets the 413 for a body too
/// large, and a malformed chunked body is a 400.
#[test]
fn a_large_body_is_refused_after_it_is_read_and_a_malformed_one_is_a_400() {
    let server = Server::start(None);
    let body = format!(r#"{{"method":"{}"}}"#, "x".repeat(8 << 20));
    let (status, text) = server.request("POST", "/v1/when-effective", &body);
    assert_eq!(status, 413, "{text}");
    assert!(json(&text)["error"]["message"].is_string());
    let mut stream = TcpStream::connect(&server.addr).unwrap();
    write!(
        stream,
        "POST /v1/when-effective HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\n{{}}\r\n0\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    assert!(response.starts_with("HTTP/1.1 400"), "{response}");
}

/// Only the loopback names, and those allowed, are answered: a page elsewhere cannot read
/// the rules through a name that resolves here.
#[test]
fn a_request_for_another_host_is_refused() {
    let ask = |server: &Server, host: &str| {
        let mut stream = TcpStream::connect(&server.addr).unwrap();
        write!(
            stream,
            "GET /v1/rules HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut response = String::new();
        let _ = stream.read_to_string(&mut response);
        response
    };
    let server = Server::start(None);
    let refused = ask(&server, "evil.example");
    assert!(refused.starts_with("HTTP/1.1 421"), "{refused}");
    assert!(refused.contains("--allow-host evil.example"), "{refused}");
    assert!(!refused.contains("Technology Drive"), "{refused}");
    for host in ["localhost:8080", "127.0.0.1", "[::1]:9"] {
        assert!(ask(&server, host).starts_with("HTTP/1.1 200"), "{host}");
    }
    let allowed = Server::start_with(None, &["--allow-host", "notices.example"]);
    assert!(ask(&allowed, "notices.example:443").starts_with("HTTP/1.1 200"));
    assert!(ask(&allowed, "evil.example").starts_with("HTTP/1.1 421"));
}
