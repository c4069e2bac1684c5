//! The page at `/`, driven in headless Chromium through chromedriver (Debian's `chromium`
//! and `chromium-driver`; `.ci/run` installs them when missing): a person fills the form with
//! the keyboard and reads the answer in `#answer`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// A process stopped when dropped.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// One HTTP/1.1 request with a JSON body; the JSON answer.
fn http(method: &str, port: u16, path: &str, body: Option<&Value>) -> Value {
    let body = body.map(Value::to_string).unwrap_or_default();
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    // The head, then as many bytes as it says (the driver may keep the connection open).
    let mut reader = BufReader::new(stream);
    let mut length = 0;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        if line.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().unwrap_or(0);
            }
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).unwrap();
    serde_json::from_slice(&body).unwrap_or(Value::Null)
}

fn chromedriver() -> (Running, u16) {
    let port = free_port();
    let child = Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("chromedriver does not run ({e}): install Debian's chromium and chromium-driver, as .ci/run does"));
    let started = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "chromedriver did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    (Running(child), port)
}

/// The element a CSS selector finds, as WebDriver names it.
fn find(driver: u16, session: &str, css: &str) -> String {
    let found = http(
        "POST",
        driver,
        &format!("/session/{session}/element"),
        Some(&json!({"using": "css selector", "value": css})),
    );
    let element = &found["value"];
    element
        .as_object()
        .and_then(|o| o.values().next())
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("no element {css}: {found}"))
        .to_string()
}

/// Keys pressed on the page, wherever the focus is (WebDriver's key actions): `\u{E004}` is
/// Tab, `\u{E007}` Enter.
fn press(driver: u16, session: &str, keys: &str) {
    let actions: Vec<Value> = keys
        .chars()
        .flat_map(|c| {
            [
                json!({"type": "keyDown", "value": c.to_string()}),
                json!({"type": "keyUp", "value": c.to_string()}),
            ]
        })
        .collect();
    let body = json!({"actions": [{"type": "key", "id": "keyboard", "actions": actions}]});
    http(
        "POST",
        driver,
        &format!("/session/{session}/actions"),
        Some(&body),
    );
}

/// The id of the element that has the focus.
fn focused(driver: u16, session: &str) -> String {
    let script = json!({"script": "return document.activeElement.id", "args": []});
    let id = http(
        "POST",
        driver,
        &format!("/session/{session}/execute/sync"),
        Some(&script),
    );
    id["value"].as_str().unwrap_or("").to_string()
}

/// A headless browser session (a phone-sized window) at `url`; its id.
fn open(driver: u16, url: &str) -> String {
    let capabilities = json!({"capabilities": {"alwaysMatch": {"goog:chromeOptions": {
        "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=390,844"]
    }}}});
    let created = http("POST", driver, "/session", Some(&capabilities));
    let session = created["value"]["sessionId"]
        .as_str()
        .unwrap_or_else(|| panic!("{created}"))
        .to_string();
    http(
        "POST",
        driver,
        &format!("/session/{session}/url"),
        Some(&json!({"url": url})),
    );
    session
}

#[test]
fn a_person_fills_the_form_and_reads_the_answer() {
    let server = crate::serve::Server::start(None);
    let url = format!("http://{}", server.addr);
    let (_driver, driver) = chromedriver();
    let session = open(driver, &url);
    // Wait for the rules to fill the choices.
    let started = Instant::now();
    loop {
        let title = http(
            "POST",
            driver,
            &format!("/session/{session}/execute/sync"),
            Some(
                &json!({"script": "return document.getElementById('method').options.length", "args": []}),
            ),
        );
        if title["value"].as_u64().unwrap_or(0) > 0 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the choices were not filled"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    // With the keyboard alone, from the top of the page: Tab to each field in turn (a select
    // takes the typed name), then Enter submits the form.
    let tab = "\u{E004}";
    let steps = [
        ("method", "fax"),
        ("sent", "2000-03-03 9:15 pm"),
        ("received", ""),
        ("to", "company"),
        ("fax_number", "(949) 788-6706"),
        ("deadline", "2000-03-06"),
    ];
    for (field, text) in steps {
        press(driver, &session, tab);
        assert_eq!(
            focused(driver, &session),
            field,
            "Tab does not reach {field} next"
        );
        press(driver, &session, text);
    }
    press(driver, &session, "\u{E007}");
    let started = Instant::now();
    let text = loop {
        let answer = find(driver, &session, "#answer");
        let text = http(
            "GET",
            driver,
            &format!("/session/{session}/element/{answer}/text"),
            None,
        );
        let text = text["value"].as_str().unwrap_or("").to_string();
        if text.contains("Deemed given")
            || text.contains("error")
            || started.elapsed() > Duration::from_secs(20)
        {
            break text;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    http("DELETE", driver, &format!("/session/{session}"), None);
    assert!(
        text.contains("Deemed given 2000-03-06, effective 2000-03-06T00:00:00-05:00"),
        "{text}"
    );
    assert!(text.contains("Clause ii"), "{text}");
    assert!(text.contains("clause ii applies"), "{text}");
    assert!(text.contains("stepping over Saturday 2000-03-04"), "{text}");
    assert!(text.contains("makes the deadline"), "{text}");
    assert!(text.contains("fax: send by"), "{text}");
    assert!(text.contains("March 2000 on us-ny-banking"), "{text}");
    assert!(text.contains("Download the deemed date (.ics)"), "{text}");
}

/// Over a folder of agreements, the page offers each by its name, as `/v1/rules` gives it.
#[test]
fn the_page_offers_a_folders_agreements_by_name() {
    let dir = crate::temp_dir("page-folder");
    let spa = std::fs::read_to_string("rules/spa-2000-02-25.rules").unwrap();
    std::fs::write(dir.join("spa.rules"), &spa).unwrap();
    // A name another begins with: told apart by name, not by the words of `chosen_by`.
    std::fs::write(dir.join("spa-two.rules"), &spa).unwrap();
    let server = crate::serve::Server::start(Some(dir.to_str().unwrap()));
    let url = format!("http://{}", server.addr);
    let (_driver, driver) = chromedriver();
    let session = open(driver, &url);
    let script = json!({"script": "return [...document.getElementById('agreement').options].map((o) => o.value)", "args": []});
    let started = Instant::now();
    let names = loop {
        let names = http(
            "POST",
            driver,
            &format!("/session/{session}/execute/sync"),
            Some(&script),
        );
        if names["value"].as_array().is_some_and(|v| !v.is_empty()) {
            break names["value"].clone();
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the agreements were not offered"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(names, json!(["spa", "spa-two"]));
    http("DELETE", driver, &format!("/session/{session}"), None);
}
