//! Makes the HTTP request a prompt names and answers with what came back, as context:
//!
//! - `GET URL` or `POST URL BODY`: the request, made in the hook; the context is
//!   `status=N url=FINAL body=TEXT` or `error: WHY`.
//! - `TASK GET URL`: the same request in a background task `fetch` (key `fetch`), whose value
//!   is that text; `POP` pops it.
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
