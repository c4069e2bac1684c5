//! `deemed serve`: the same answers over HTTP, for the systems that hold notices.
//!
//! Every route answers through the library's one reading ([`crate::query`], [`crate::batch`],
//! [`crate::Rules::show`]): the JSON is the command line's `--format json`, field for field. Errors
//! are JSON too, `{"error": {"message", "help", "field"}}`, with their status: 400 for a body
//! that is not the JSON asked for, 422 for a value the rules cannot use (an unknown method,
//! party or agreement, with the known names; a time that is not one), 413 for a body over
//! [`BODY_LIMIT`], 404 for an unknown route, 503 when [`BATCHES_AT_ONCE`] batches already run,
//! 504 past [`REQUEST_TIMEOUT`]. A panic in a handler is answered 500, never a dropped
//! connection.

use std::io::{self, Read, Seek, Write};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use futures_util::StreamExt;
use serde_json::{Value, json};
use tokio::sync::{Semaphore, mpsc};

use crate::Library;
use crate::batch::{Batch, ChangeLine, Options, SpoolError, spool};
use crate::query::{self, QueryError, QueryErrorKind};

/// The page at `/`: a form for people, served from the binary with everything it needs.
const PAGE: &str = include_str!("serve_page.html");

/// The most a single query's body may hold (a batch's body is streamed, line by line).
pub const BODY_LIMIT: usize = 64 * 1024;
/// How much of a body past [`BODY_LIMIT`] is read (and dropped) before the 413 is sent.
const DRAINED_AT_MOST: usize = 16 << 20;
/// How long a single query may take before it is answered 504.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// The most a `POST /v1/batch` body may hold: it is held whole (in a temporary file)
/// before the run, so that its notices of change are read ahead.
pub const BATCH_BODY_LIMIT: u64 = 1 << 30;

/// How many `POST /v1/batch` requests run at once; another is answered 503.
pub const BATCHES_AT_ONCE: usize = 4;

/// What every handler reads.
#[derive(Clone)]
struct Served {
    library: Arc<Library>,
    batches: Arc<Semaphore>,
}

/// An error answered as JSON with its status.
struct ApiError {
    status: StatusCode,
    message: String,
    help: Option<String>,
    field: Option<String>,
}

impl ApiError {
    fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: message.into(),
            help: None,
            field: None,
        }
    }

    fn help(mut self, help: impl Into<String>) -> ApiError {
        self.help = Some(help.into());
        self
    }
}

impl From<QueryError> for ApiError {
    fn from(e: QueryError) -> ApiError {
        let status = match e.kind {
            QueryErrorKind::NoAgreement => StatusCode::INTERNAL_SERVER_ERROR,
            QueryErrorKind::Unknown | QueryErrorKind::Invalid => StatusCode::UNPROCESSABLE_ENTITY,
        };
        ApiError {
            status,
            message: e.message,
            help: e.help,
            field: e.field,
        }
    }
}

impl From<crate::library::AgreementError> for ApiError {
    fn from(e: crate::library::AgreementError) -> ApiError {
        ApiError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            message: e.to_string(),
            help: Some(e.help()),
            field: Some("agreement".into()),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut error = json!({ "message": self.message, "help": self.help });
        if let (Some(field), Some(map)) = (self.field, error.as_object_mut()) {
            map.insert("field".into(), field.into());
        }
        (self.status, axum::Json(json!({ "error": error }))).into_response()
    }
}

/// Answers `value` as the command line prints it (pretty JSON and a line end), byte for
/// byte.
fn answer<T: serde::Serialize>(value: T) -> Response {
    let text = serde_json::to_string_pretty(&value).unwrap_or_default() + "\n";
    ([(header::CONTENT_TYPE, "application/json")], text).into_response()
}

/// A request's body read whole (at most [`BODY_LIMIT`]) and read as `T`.
async fn body_of<T: serde::de::DeserializeOwned>(body: Body) -> Result<T, ApiError> {
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the body is larger than {BODY_LIMIT} bytes"),
        )
        .help("send one notice a request, or a log to POST /v1/batch")
    };
    // Read chunk by chunk; past the limit the rest is read and dropped (up to
    // [`DRAINED_AT_MOST`]), so that a client that writes its whole body before it reads
    // still receives the 413 rather than a connection reset.
    let mut stream = body.into_data_stream();
    let mut bytes = Vec::new();
    let mut drained = 0usize;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                format!("the body could not be read: {e}"),
            )
        })?;
        match bytes.len() + chunk.len() <= BODY_LIMIT && drained == 0 {
            true => bytes.extend_from_slice(&chunk),
            false => {
                drained += chunk.len();
                if drained > DRAINED_AT_MOST {
                    return Err(too_large());
                }
            }
        }
    }
    if drained > 0 {
        return Err(too_large());
    }
    serde_json::from_slice(&bytes).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("the body is not the JSON asked for: {e}"),
        )
        .help("see GET /openapi.json for each route's fields")
    })
}

/// How a server holds its connections.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Connections held at once; a client beyond them waits until one closes. Kept below
    /// the usual limit of 1,024 open files.
    pub connections: usize,
    /// How long a client has to send a request's headers once it starts one; then the
    /// connection is closed.
    pub header_timeout: Duration,
    /// How long requests in flight are given to finish after SIGTERM or Ctrl-C.
    pub shutdown_deadline: Duration,
    /// Host names answered besides the loopback ones (`localhost`, `127.0.0.1`, `[::1]`):
    /// a request naming another `Host` is refused, so that a web page elsewhere cannot
    /// read the rules through a name that resolves here (DNS rebinding).
    pub hosts: Vec<String>,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            connections: 512,
            header_timeout: Duration::from_secs(10),
            shutdown_deadline: Duration::from_secs(30),
            hosts: Vec::new(),
        }
    }
}

/// Starts the server on `addr` and answers until SIGTERM or Ctrl-C; requests in flight
/// finish first, within [`Limits::shutdown_deadline`]. Says where it listens on standard
/// error.
pub fn serve(library: Library, addr: SocketAddr, limits: Limits) -> io::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let local = listener.local_addr()?;
        // The signals are watched before the server says it listens: a SIGTERM from then on
        // stops it cleanly.
        let stop = shutdown()?;
        let _ = writeln!(io::stderr(), "deemed serve: listening on http://{local}");
        let app = router(library).layer(axum::middleware::from_fn_with_state(
            Arc::new(limits.hosts.clone()),
            served_host,
        ));
        accept(listener, app, limits, stop).await;
        Ok(())
    })
}

/// Accepts connections until `stop`, each served over HTTP/1.1 with the limits; then lets
/// those open finish, within the deadline.
async fn accept(
    listener: tokio::net::TcpListener,
    app: Router,
    limits: Limits,
    stop: impl std::future::Future<Output = ()>,
) {
    use hyper_util::rt::{TokioIo, TokioTimer};
    let permits = Arc::new(Semaphore::new(limits.connections.max(1)));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    tokio::pin!(stop);
    loop {
        // A connection is taken only with a permit: past the cap, clients wait in the
        // listener's queue rather than use up the process's open files.
        let permit = tokio::select! {
            () = &mut stop => break,
            permit = Arc::clone(&permits).acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
        };
        let stream = tokio::select! {
            () = &mut stop => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                // Out of file handles or a connection reset before it was taken: try again.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
        };
        let service = hyper_util::service::TowerToHyperService::new(app.clone());
        let connection = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(limits.header_timeout)
            .serve_connection(TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            let _ = connection.await;
            drop(permit);
        });
    }
    drop(listener);
    let _ = tokio::time::timeout(limits.shutdown_deadline, graceful.shutdown()).await;
}

/// The routes.
fn router(library: Library) -> Router {
    let served = Served {
        library: Arc::new(library),
        batches: Arc::new(Semaphore::new(BATCHES_AT_ONCE)),
    };
    let quick = Router::new()
        .route(
            "/healthz",
            get(|| async { answer(json!({ "status": "ok" })) }),
        )
        .route("/openapi.json", get(|| async { answer(openapi()) }))
        .route("/v1/rules", get(rules))
        .route("/v1/calendar/{name}/{year}", get(calendar))
        .route(
            "/",
            get(|| async {
                ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], PAGE).into_response()
            }),
        )
        .route("/v1/when-effective", post(when_effective))
        .route("/v1/explain", post(explain))
        .route("/v1/latest-send", post(latest_send))
        .route("/v1/window", post(window))
        .layer(axum::middleware::from_fn(within_time));
    Router::new()
        .merge(quick)
        .route("/v1/batch", post(batch))
        .fallback(|| async {
            ApiError::new(StatusCode::NOT_FOUND, "no such route").help("see GET /openapi.json")
        })
        .layer(axum::middleware::from_fn(json_errors))
        .layer(axum::middleware::from_fn(no_panic))
        .with_state(served)
}

/// A request that takes longer than [`REQUEST_TIMEOUT`] is answered 504.
async fn within_time(request: Request, next: Next) -> Response {
    match tokio::time::timeout(REQUEST_TIMEOUT, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            ApiError::new(StatusCode::GATEWAY_TIMEOUT, "the request took too long").into_response()
        }
    }
}

/// A handler that panics is answered 500 with a JSON error; the server goes on.
async fn no_panic(request: Request, next: Next) -> Response {
    let handled = tokio::spawn(next.run(request)).await;
    match handled {
        Ok(response) => response,
        Err(_) => ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the request could not be answered",
        )
        .into_response(),
    }
}

/// Every error answered as JSON: an error the router or an extractor writes (a method not
/// allowed, a path it cannot decode) in text, or with no body, becomes `{"error": {...}}`
/// with the same status and headers (`Allow` among them).
async fn json_errors(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    let json = (response.headers().get(header::CONTENT_TYPE))
        .is_some_and(|t| t.as_bytes().starts_with(b"application/json"));
    if !(status.is_client_error() || status.is_server_error()) || json {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, 4096)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_string())
        .unwrap_or_default();
    let message = match text.is_empty() {
        true => status
            .canonical_reason()
            .unwrap_or("the request could not be answered")
            .to_lowercase(),
        false => text,
    };
    let error = ApiError::new(status, message).help("see GET /openapi.json for each route");
    let mut answered = error.into_response();
    parts.headers.remove(header::CONTENT_TYPE);
    parts.headers.remove(header::CONTENT_LENGTH);
    for (name, value) in &parts.headers {
        answered.headers_mut().insert(name.clone(), value.clone());
    }
    answered
}

/// Refuses a request whose `Host` is not a loopback name or one of `hosts` (421).
async fn served_host(
    State(hosts): State<Arc<Vec<String>>>,
    request: Request,
    next: Next,
) -> Response {
    let host = (request.headers().get(header::HOST))
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    // The name without its port (`[::1]:8080` is `[::1]`).
    let name = match host.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => host,
    };
    let loopback = ["localhost", "127.0.0.1", "[::1]"];
    let served = loopback.iter().any(|l| name.eq_ignore_ascii_case(l))
        || hosts.iter().any(|h| name.eq_ignore_ascii_case(h));
    if served {
        return next.run(request).await;
    }
    let mut error = ApiError::new(
        StatusCode::MISDIRECTED_REQUEST,
        format!("this server does not answer for the host `{name}`"),
    );
    error.help = Some(format!(
        "start it with `--allow-host {name}` to answer requests that name it"
    ));
    error.into_response()
}

/// A future that resolves on SIGTERM or Ctrl-C, watching both from now on.
fn shutdown() -> io::Result<impl std::future::Future<Output = ()>> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate())?;
        let mut interrupt = signal(SignalKind::interrupt())?;
        Ok(async move {
            tokio::select! {
                _ = term.recv() => {},
                _ = interrupt.recv() => {},
            }
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            let _ = tokio::signal::ctrl_c().await;
        })
    }
}

/// `GET /v1/rules`: what `deemed show --format json` prints (for a folder of several, each
/// agreement in turn).
async fn rules(State(s): State<Served>) -> Response {
    let mut folder = s.library.show_all();
    // Where the rules lie on this machine is not the client's to know: a file by its name
    // alone, an agreement by its name.
    for shown in &mut folder.agreements {
        let file = std::path::Path::new(&shown.origin).file_name();
        shown.origin = file.map_or_else(String::new, |f| f.to_string_lossy().into_owned());
        shown.chosen_by = shown.name.as_ref().map(|n| format!("agreement `{n}`"));
    }
    match folder.agreements.len() {
        // One agreement is shown as `deemed show` shows it, without a name to tell it apart.
        1 => {
            let mut one = folder.agreements.swap_remove(0);
            one.name = None;
            answer(one)
        }
        _ => answer(folder),
    }
}

/// `GET /v1/calendar/{name}/{year}`: what `deemed calendar holidays YEAR --calendar NAME
/// --format json` prints.
async fn calendar(
    State(s): State<Served>,
    Path((name, year)): Path<(String, String)>,
    asked: Result<Query<CalendarQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let asked = match asked {
        Ok(Query(asked)) => asked,
        Err(e) => {
            let mut error = ApiError::new(StatusCode::BAD_REQUEST, e.body_text());
            error.help = Some("the one parameter is `agreement`: `?agreement=NAME`".into());
            return error.into_response();
        }
    };
    let Ok(year) = year.parse::<i32>() else {
        return ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("`{year}` is not a year"),
        )
        .into_response();
    };
    // The calendars of the agreement asked for (each agreement of a folder may declare its
    // own); without one, the first agreement that knows the name.
    let rules = match asked.agreement.as_deref() {
        Some(agreement) => match s.library.get(Some(agreement)) {
            Ok(rules) => Some(rules),
            Err(e) => return ApiError::from(e).into_response(),
        },
        None => (s.library.entries().iter())
            .map(|e| &e.rules)
            .find(|r| r.calendar(&name).is_some())
            .or_else(|| s.library.entries().first().map(|e| &e.rules)),
    };
    let Some(cal) = rules.and_then(|r| r.calendar(&name)) else {
        let known = rules.map(|r| r.unknown_calendar(&name));
        let mut e = ApiError::new(StatusCode::NOT_FOUND, format!("unknown calendar `{name}`"));
        e.help = known.map(|u| u.help());
        e.field = Some("name".into());
        return e.into_response();
    };
    match cal.holidays(year) {
        Ok(list) => answer(serde_json::to_value(&list).unwrap_or_default()),
        Err(e) => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, e.to_string()).into_response(),
    }
}

/// `GET /v1/calendar/{name}/{year}?agreement=NAME`: the agreement whose calendars to read.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct CalendarQuery {
    agreement: Option<String>,
}

/// `POST /v1/when-effective`: what `when-effective --format json` prints.
async fn when_effective(State(s): State<Served>, body: Body) -> Result<Response, ApiError> {
    let q: query::Query = body_of(body).await?;
    let rules = s.library.get(q.agreement.as_deref())?;
    let a = query::when_effective(rules, &q, &[])?;
    Ok((
        [(header::CONTENT_TYPE, "application/json")],
        a.to_json_text(),
    )
        .into_response())
}

/// `POST /v1/explain`: the same query, answered as `when-effective` prints it for people.
async fn explain(State(s): State<Served>, body: Body) -> Result<Response, ApiError> {
    let q: query::Query = body_of(body).await?;
    let rules = s.library.get(q.agreement.as_deref())?;
    let a = query::when_effective(rules, &q, &[])?;
    Ok((
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        a.to_string(),
    )
        .into_response())
}

/// `POST /v1/latest-send`: what `latest-send --format json` prints.
async fn latest_send(State(s): State<Served>, body: Body) -> Result<Response, ApiError> {
    let q: query::LatestQuery = body_of(body).await?;
    let rules = s.library.get(q.agreement.as_deref())?;
    Ok(answer(query::latest_send(rules, &q)?))
}

/// `POST /v1/window`: what `window --format json` prints.
async fn window(State(s): State<Served>, body: Body) -> Result<Response, ApiError> {
    let q: query::WindowQuery = body_of(body).await?;
    let rules = s.library.get(q.agreement.as_deref())?;
    Ok(answer(query::window(rules, &q)?))
}

/// `POST /v1/batch`: a JSON Lines body in, the records `deemed batch` writes out. The body
/// is held whole first (in a temporary file, at most [`BATCH_BODY_LIMIT`]), so that its
/// notices of change are read ahead as a file's are; then a batch run on a blocking thread
/// streams the records out as they are written.
async fn batch(State(s): State<Served>, body: Body) -> Result<Response, ApiError> {
    let Ok(permit) = Arc::clone(&s.batches).try_acquire_owned() else {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("{BATCHES_AT_ONCE} batches are running already"),
        )
        .help("try again when one has finished"));
    };
    let (to_reader, from_body) = mpsc::channel::<io::Result<Bytes>>(64);
    let (to_client, records) = mpsc::channel::<Result<Bytes, io::Error>>(16);
    // The body, chunk by chunk, to the spool; a body cut short is an error, not an end.
    tokio::spawn(async move {
        let mut stream = body.into_data_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e));
            let failed = chunk.is_err();
            if to_reader.send(chunk).await.is_err() || failed {
                break;
            }
        }
    });
    // The whole body is held first, so that its notices of change are read ahead as a
    // file's are: the same log gives the same answers as `deemed batch FILE`.
    let reader = ChannelReader {
        rx: from_body,
        chunk: Bytes::new(),
    };
    let held = tokio::task::spawn_blocking(move || {
        let file = spool(reader, BATCH_BODY_LIMIT)?;
        let changes = ChangeLine::find_in("request", &file).map_err(SpoolError::Io)?;
        (&file).rewind().map_err(SpoolError::Io)?;
        Ok::<_, SpoolError>((file, changes))
    })
    .await;
    let (file, changes) = match held {
        Ok(Ok(held)) => held,
        Ok(Err(SpoolError::TooLarge { .. })) => {
            return Err(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("the body is larger than {} MiB", BATCH_BODY_LIMIT >> 20),
            )
            .help("split the log into several requests"));
        }
        Ok(Err(e)) => {
            return Err(ApiError::new(StatusCode::BAD_REQUEST, e.to_string())
                .help("send the whole log as the body"));
        }
        Err(_) => {
            return Err(ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the log could not be read",
            ));
        }
    };
    if file.metadata().is_ok_and(|m| m.len() == 0) {
        return Err(ApiError::new(StatusCode::BAD_REQUEST, "the body is empty")
            .help("send a notice log as the body: one JSON object a line"));
    }
    let library = Arc::clone(&s.library);
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        let options = Options {
            threads: 1,
            ..Options::default()
        };
        let mut out = ChannelWriter {
            tx: to_client.clone(),
            buf: Vec::new(),
        };
        let run = Batch::over(&library, options).and_then(|mut b| {
            if !changes.is_empty() {
                b.learn_changes(&changes);
            }
            let reader = io::BufReader::with_capacity(1 << 16, file);
            b.run("request", reader, &mut out, &mut |_| {})
        });
        let flushed = out.flush();
        if let Err(e) = run
            .map_err(|e| io::Error::other(e.to_string()))
            .and(flushed)
        {
            let _ = to_client.blocking_send(Err(e));
        }
    });
    let stream = futures_util::stream::unfold(records, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    });
    Ok((
        [(header::CONTENT_TYPE, "application/x-ndjson")],
        Body::from_stream(stream),
    )
        .into_response())
}

/// The request body as the batch reads it, from the chunks the server receives.
struct ChannelReader {
    rx: mpsc::Receiver<io::Result<Bytes>>,
    chunk: Bytes,
}

impl Read for ChannelReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.chunk.is_empty() {
            match self.rx.blocking_recv() {
                Some(chunk) => self.chunk = chunk?,
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.chunk.len());
        let head = self.chunk.split_to(n);
        if let Some(dst) = buf.get_mut(..n) {
            dst.copy_from_slice(&head);
        }
        Ok(n)
    }
}

/// The records the batch writes, sent to the client a chunk at a time.
struct ChannelWriter {
    tx: mpsc::Sender<Result<Bytes, io::Error>>,
    buf: Vec<u8>,
}

impl Write for ChannelWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= 1 << 16 {
            self.flush()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::take(&mut self.buf));
        self.tx
            .blocking_send(Ok(chunk))
            .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "the client has gone"))
    }
}

/// `GET /openapi.json`: the routes, their fields and their errors.
fn openapi() -> Value {
    let error = json!({ "$ref": "#/components/schemas/Error" });
    let json_body = |props: Value, required: Value| {
        json!({ "required": true, "content": { "application/json": { "schema": {
            "type": "object", "properties": props, "required": required, "additionalProperties": false } } } })
    };
    let ok = |what: &str| json!({ "description": what, "content": { "application/json": { "schema": { "type": "object" } } } });
    let errors = json!({
        "400": { "description": "the body is not the JSON asked for", "content": { "application/json": { "schema": error } } },
        "413": { "description": format!("the body is larger than {BODY_LIMIT} bytes"), "content": { "application/json": { "schema": error } } },
        "422": { "description": "a value the rules cannot use: an unknown method, party, period or agreement (the known names in `help`), a time that is not one", "content": { "application/json": { "schema": error } } }
    });
    let with = |mut responses: Value, ok: Value| {
        if let Some(map) = responses.as_object_mut() {
            map.insert("200".into(), ok);
        }
        responses
    };
    let text = |d: &str| json!({ "type": "string", "description": d });
    json!({
        "openapi": "3.0.3",
        "info": { "title": "deemed", "version": env!("CARGO_PKG_VERSION"),
                  "description": "When is a notice legally given, and when does a deadline close? The same answers as the command line's --format json." },
        "paths": {
            "/healthz": { "get": { "summary": "Whether the server answers", "responses": { "200": ok("`{\"status\": \"ok\"}`") } } },
            "/openapi.json": { "get": { "summary": "This description", "responses": { "200": ok("the OpenAPI document") } } },
            "/v1/rules": { "get": { "summary": "What the rules declare: `deemed show --format json`", "responses": { "200": ok("the agreement, or `{\"agreements\": [...]}` for a folder") } } },
            "/v1/calendar/{name}/{year}": { "get": {
                "summary": "A calendar's holidays and closures of a year: `deemed calendar holidays YEAR --calendar NAME --format json`",
                "parameters": [
                    { "name": "name", "in": "path", "required": true, "schema": { "type": "string" } },
                    { "name": "year", "in": "path", "required": true, "schema": { "type": "integer" } },
                    { "name": "agreement", "in": "query", "required": false, "schema": { "type": "string" },
                      "description": "which agreement of a folder's calendars (each may declare its own); without it, the first that knows the name" } ],
                "responses": {
                    "200": ok("the list"),
                    "400": { "description": "a query parameter other than `agreement`", "content": { "application/json": { "schema": error } } },
                    "404": { "description": "unknown calendar or agreement", "content": { "application/json": { "schema": error } } },
                    "422": { "description": "not a year, or a year the calendar does not cover", "content": { "application/json": { "schema": error } } } } } },
            "/v1/when-effective": { "post": {
                "summary": "When a notice is deemed given and effective: `deemed when-effective --format json`",
                "requestBody": json_body(json!({
                    "method": text("how it was sent: one of the rules' methods"),
                    "sent": text("when it was sent, as people write times (RFC 3339, `2000-03-03 9:15 pm`, a date alone where the rules read only the date)"),
                    "received": text("when it was received"),
                    "to": text("the recipient: one of the rules' parties"),
                    "from": text("the sender"),
                    "fax_number": text("the facsimile number it was sent to"),
                    "companions": { "type": "array", "items": { "type": "string" }, "description": "other deliveries of the notice, each `METHOD=TIME`" },
                    "deadline": text("a deadline to compare with (a date alone: the end of that day)"),
                    "period": text("or a period's last instant as the deadline, with `issued`"),
                    "issued": text("the date the period runs from, YYYY-MM-DD"),
                    "agreement": text("which agreement of a folder")
                }), json!(["method"])),
                "responses": with(errors.clone(), ok("the answer, with `deadline` when one was given")) } },
            "/v1/explain": { "post": {
                "summary": "The same as /v1/when-effective, answered for people: `deemed when-effective` (text)",
                "responses": { "200": { "description": "the answer and its explanation", "content": { "text/plain": { "schema": { "type": "string" } } } } } } },
            "/": { "get": { "summary": "A page with a form, for people", "responses": { "200": { "description": "HTML", "content": { "text/html": { "schema": { "type": "string" } } } } } } },
            "/v1/latest-send": { "post": {
                "summary": "For every method, the latest instant to send: `deemed latest-send --format json`",
                "requestBody": json_body(json!({
                    "by": text("the deadline"), "period": text("or a period's last instant, with `issued`"),
                    "issued": text("YYYY-MM-DD"), "to": text("the recipient"), "agreement": text("which agreement of a folder")
                }), json!([])),
                "responses": with(errors.clone(), ok("the answer")) } },
            "/v1/window": { "post": {
                "summary": "When a period opens and closes: `deemed window PERIOD --issued DATE --format json`",
                "requestBody": json_body(json!({
                    "period": text("the period's name"), "issued": text("the date it runs from, YYYY-MM-DD"),
                    "at": text("an instant to place in it"), "notice_given": text("when a notice that cuts it short was given"),
                    "agreement": text("which agreement of a folder")
                }), json!(["period", "issued"])),
                "responses": with(errors, ok("the window")) } },
            "/v1/batch": { "post": {
                "summary": "A log of notices, JSON Lines in and out: the records `deemed batch` writes of the same log (the body is held whole first, so that notices of change apply wherever they are)",
                "requestBody": { "required": true, "content": { "application/x-ndjson": { "schema": { "type": "string" } } } },
                "responses": {
                    "200": { "description": "one record per line", "content": { "application/x-ndjson": { "schema": { "type": "string" } } } },
                    "400": { "description": "the body was cut short or could not be read", "content": { "application/json": { "schema": error } } },
                    "413": { "description": format!("the body is larger than {} MiB", BATCH_BODY_LIMIT >> 20), "content": { "application/json": { "schema": error } } },
                    "503": { "description": format!("{BATCHES_AT_ONCE} batches are running already"), "content": { "application/json": { "schema": error } } } } } }
        },
        "components": { "schemas": { "Error": { "type": "object", "properties": { "error": { "type": "object", "properties": {
            "message": { "type": "string" }, "help": { "type": "string", "nullable": true }, "field": { "type": "string" } } } } } } }
    })
}
