//! Makes the HTTP request a prompt names and answers with what came back, as context:
//!
//! - `GET URL` or `POST URL BODY`: the request, made in the hook; the context is
//!   `status=N url=FINAL body=TEXT` or `error: WHY`.
//! - `TASK GET URL`: the same request in a background task `fetch` (key `fetch`), whose value
//!   is that text; `POP` pops it.
//! - `RAW AUTHORITY PATH [NAME:VALUE]`: a plain-HTTP GET through `wasi:http` directly, with the
//!   authority, path and header exactly as given (past the SDK's checks, to test the host's):
//!   `status=N` or `error: CODE`.
//!
//! The `--allow-http` tests drive it: what a grant lets through, and what the guest sees of a
//! refusal, a redirect, a timeout, an oversized body and a certificate.

use fasthooks_sdk::http::Request;
use fasthooks_sdk::{App, Event, Response, Task, Tasks, context};

fn fetch(url: String) -> Result<String, String> {
    Ok(request("GET", &url, ""))
}

/// The background request.
pub static FETCH: Task<String, String> = Task::new("fetch", fetch);

pub fn build_app() -> App {
    let mut app = App::new("http-probe", env!("CARGO_PKG_VERSION"));
    app.register(&FETCH);
    app.on_prompt(probe);
    app
}

fasthooks_sdk::plugin!(build_app);

fn probe(event: &Event, tasks: &Tasks) -> Response {
    let prompt = event.prompt.as_deref().unwrap_or("").trim();
    let mut words = prompt.splitn(3, ' ');
    match (words.next(), words.next(), words.next()) {
        (Some("TASK"), Some("GET"), Some(url)) => match tasks.add(&FETCH, url.to_owned()) {
            Ok(_) => context("queued"),
            Err(err) => context(format!("error: {err}")),
        },
        (Some("RAW"), Some(authority), rest) => context(raw(authority, rest.unwrap_or(""))),
        (Some("POP"), _, _) => match tasks.pop(&FETCH) {
            Ok(Some(text)) => context(text),
            Ok(None) => context("nothing yet"),
            Err(err) => context(format!("error: {err}")),
        },
        (Some(method @ ("GET" | "POST")), Some(url), body) => {
            context(request(method, url, body.unwrap_or("")))
        }
        _ => Response::none(),
    }
}

fn request(method: &str, url: &str, body: &str) -> String {
    let sent = Request::new(method, url)
        .header("x-probe", "1")
        .body(body)
        .send();
    match sent {
        Ok(response) => {
            let text = response.text();
            let shown: String = text.chars().take(200).collect();
            format!(
                "status={} url={} bytes={} body={shown}",
                response.status,
                response.url,
                response.body.len()
            )
        }
        Err(err) => format!("error: {err}"),
    }
}

#[cfg(target_arch = "wasm32")]
fn raw(authority: &str, rest: &str) -> String {
    use wasip2::http::types::{Fields, Method, OutgoingBody, OutgoingRequest, Scheme};
    let (path, header) = rest.split_once(' ').unwrap_or((rest, ""));
    let mut entries = Vec::new();
    if let Some((name, value)) = header.split_once(':') {
        entries.push((name.to_owned(), value.as_bytes().to_vec()));
    }
    let fields = match Fields::from_list(&entries) {
        Ok(fields) => fields,
        Err(err) => return format!("error: header {err:?}"),
    };
    let request = OutgoingRequest::new(fields);
    let set = request
        .set_method(&Method::Get)
        .and_then(|()| request.set_scheme(Some(&Scheme::Http)))
        .and_then(|()| request.set_authority(Some(authority)))
        .and_then(|()| request.set_path_with_query(Some(path)));
    if set.is_err() {
        return "error: refused by wasi:http".into();
    }
    let body = request.body().expect("a body");
    let pending = match wasip2::http::outgoing_handler::handle(request, None) {
        Ok(pending) => pending,
        Err(code) => return format!("error: {code:?}"),
    };
    let _ = OutgoingBody::finish(body, None);
    pending.subscribe().block();
    match pending.get() {
        Some(Ok(Ok(response))) => format!("status={}", response.status()),
        Some(Ok(Err(code))) => format!("error: {code:?}"),
        _ => "error: no response".into(),
    }
}

#[cfg(not(target_arch = "wasm32"))]
fn raw(_authority: &str, _rest: &str) -> String {
    "error: RAW needs the sandbox".into()
}
