//! The seed's use-case plugins against local servers, without Claude Code (the real-CLI
//! scenarios are in `claude.rs`): `docs-prefetch` fetches once per URL in the background, feeds
//! the next hook, and keeps to its rate per host.

use fasthooks_e2e::web::{WebReply, WebServer};
use fasthooks_e2e::{Home, plugin, prompt_event};
use std::time::Duration;

/// A PreToolUse or PostToolUse event of WebFetch for `url` (the captured events, retargeted).
fn web_fetch_event(hook: &str, url: &str) -> serde_json::Value {
    let mut event = fasthooks_e2e::fixture(&format!("2.1.332/{hook}.json"));
    event["tool_name"] = "WebFetch".into();
    event["tool_input"] = serde_json::json!({"url": url, "prompt": "Summarise the API"});
    event
}

/// Wait until no task is pending or running.
fn until_tasks_settle(home: &Home) -> Vec<(String, String)> {
    home.await_tasks(None, "tasks settle", Duration::from_secs(60), |tasks| {
        tasks.iter().all(|(_, s)| s != "pending" && s != "running")
    })
}

#[test]
fn docs_prefetch_fetches_once_in_the_background_and_the_next_hook_gets_the_page() {
    let home = Home::new();
    let page = format!("serde docs {}", "x".repeat(7000));
    let served = page.clone();
    let server = WebServer::http(
        move |request| match request.header("x-fasthooks-prefetch") {
            Some(_) => WebReply::text(200, served.clone()),
            None => WebReply::text(400, "not the plugin"),
        },
    );
    let prefetch = plugin("docs-prefetch");
    let origin = server.origin();
    let args = [
        "--plugin",
        prefetch.to_str().unwrap(),
        "--allow-http",
        origin.as_str(),
    ];
    let url = server.url("/docs/serde");

    let pre = home.hook(&args, &web_fetch_event("PreToolUse", &url));
    assert_eq!(
        (pre.code, pre.stdout.trim()),
        (0, ""),
        "no opinion on the fetch: {}",
        pre.stderr
    );
    let settled = until_tasks_settle(&home);
    assert_eq!(settled, [(format!("doc:{url}"), "completed".to_owned())]);

    // The same URL again within the ttl: no second fetch.
    home.hook(&args, &web_fetch_event("PreToolUse", &url));
    until_tasks_settle(&home);
    assert_eq!(server.seen(), ["GET /docs/serde"], "fetched once");

    let prompt = home.hook(&args, &prompt_event("how do I derive Serialize?"));
    let context = prompt.stdout_json()["hookSpecificOutput"]["additionalContext"]
        .as_str()
        .unwrap_or_else(|| panic!("context in {}", prompt.stdout))
        .to_owned();
    let expected: String = page.chars().take(5000).collect();
    assert_eq!(
        context,
        format!("Documentation prefetched from {url}:\n{expected}")
    );
    let again = home.hook(&args, &prompt_event("and Deserialize?"));
    assert_eq!(again.stdout.trim(), "", "a page is given once");

    // PostToolUse WebFetch gets that URL's page when it is ready.
    let other = server.url("/docs/tokio");
    home.hook(&args, &web_fetch_event("PreToolUse", &other));
    until_tasks_settle(&home);
    let post = home.hook(&args, &web_fetch_event("PostToolUse", &other));
    assert!(
        post.stdout_json()["hookSpecificOutput"]["additionalContext"]
            .as_str()
            .is_some_and(|c| c.starts_with(&format!("Documentation prefetched from {other}:\n"))),
        "{}",
        post.stdout
    );
}

#[test]
fn docs_prefetch_fetches_at_most_ten_pages_a_minute_from_one_host() {
    let home = Home::new();
    let server = WebServer::http(|request| WebReply::text(200, format!("page {}", request.path)));
    let prefetch = plugin("docs-prefetch");
    let origin = server.origin();
    let args = [
        "--plugin",
        prefetch.to_str().unwrap(),
        "--allow-http",
        origin.as_str(),
    ];
    for n in 0..12 {
        let run = home.hook(
            &args,
            &web_fetch_event("PreToolUse", &server.url(&format!("/p{n}"))),
        );
        assert_eq!(run.code, 0, "{}", run.stderr);
    }
    let settled = until_tasks_settle(&home);
    assert_eq!(settled.len(), 10, "{settled:?}");
    assert_eq!(server.seen().len(), 10, "{:?}", server.seen());
    assert!(
        home.log().contains("had 10 fetches in the last minute"),
        "{}",
        home.log()
    );
}
