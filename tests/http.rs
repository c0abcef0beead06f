//! `--allow-http URL`: what a grant lets a plugin send, and what it sees of everything else,
//! against local HTTP and HTTPS servers (a test CA made per run) and the `http-probe` plugin.

use fasthooks_e2e::web::{TestCa, WebReply, WebServer};
use fasthooks_e2e::{Home, HookRun, plugin, prompt_event, run_command};
use std::time::{Duration, Instant};

/// Run `http-probe` with `grants` on a prompt (`GET URL`, ...) and return the context it
/// answered with. `env` is added to the hook's environment (and so the daemon it starts).
fn probe_with(
    home: &Home,
    grants: &[&str],
    env: &[(&str, &str)],
    prompt: &str,
) -> (String, HookRun) {
    probe_plugin(home, "http-probe", grants, env, prompt)
}

fn probe_plugin(
    home: &Home,
    name: &str,
    grants: &[&str],
    env: &[(&str, &str)],
    prompt: &str,
) -> (String, HookRun) {
    let probe = plugin(name);
    let mut command = home.command();
    command.arg("--plugin").arg(&probe).args(grants);
    for (name, value) in env {
        command.env(name, value);
    }
    let event = prompt_event(prompt).to_string();
    let run = run_command(&mut command, event.as_bytes(), Duration::from_secs(60));
    assert_eq!(run.code, 0, "{}", run.stderr);
    let context = run.stdout_json()["hookSpecificOutput"]["additionalContext"]
        .as_str()
        .unwrap_or_else(|| panic!("context in {:?} / {}", run.stdout, run.stderr))
        .to_owned();
    (context, run)
}

fn probe(home: &Home, grants: &[&str], prompt: &str) -> String {
    probe_with(home, grants, &[], prompt).0
}

fn echo_server() -> WebServer {
    WebServer::http(|request| {
        let body = format!(
            "{} {} host={} probe={} sent={}",
            request.method,
            request.path,
            request.header("host").unwrap_or("-"),
            request.header("x-probe").unwrap_or("-"),
            String::from_utf8_lossy(&request.body)
        );
        WebReply::text(200, body)
    })
}

#[test]
fn a_grant_lets_requests_under_it_through_and_refuses_the_rest_before_they_leave() {
    let home = Home::new();
    let granted = echo_server();
    let other = echo_server();
    let grant = granted.url("/api");
    let grants = ["--allow-http", grant.as_str()];

    let ok = probe(
        &home,
        &grants,
        &format!("GET {}", granted.url("/api/ok?q=1")),
    );
    assert_eq!(
        ok,
        format!(
            "status=200 url={} bytes={} body=GET /api/ok?q=1 host=127.0.0.1:{} probe=1 sent=",
            granted.url("/api/ok?q=1"),
            ok.split("body=").nth(1).unwrap().len(),
            granted.port
        ),
        "a request under the grant goes out with the host's Host header and the plugin's own"
    );
    let posted = probe(
        &home,
        &grants,
        &format!("POST {} hello there", granted.url("/api/new")),
    );
    let expected = format!(
        "body=POST /api/new host=127.0.0.1:{} probe=1 sent=hello there",
        granted.port
    );
    assert!(posted.ends_with(&expected), "{posted}");

    let refused = [
        granted.url("/apix"),
        granted.url("/"),
        granted.url("/api/../admin"),
        granted.url("/api/%2e%2e/admin"),
        format!("https://127.0.0.1:{}/api/ok", granted.port),
        format!("http://localhost:{}/api/ok", granted.port),
        other.url("/api/ok"),
    ];
    for url in &refused {
        let answer = probe(&home, &grants, &format!("GET {url}"));
        assert!(
            answer.starts_with(&format!(
                "error: HTTP request to {url} denied: this plugin is not granted it"
            )),
            "{url} must be refused: {answer}"
        );
    }
    let answer = probe(&home, &grants, &format!("GET {}", other.url("/x")));
    assert!(
        answer.contains(&format!(
            "(the user adds --allow-http {} after its --plugin)",
            other.origin()
        )),
        "the guest's error names the grant: {answer}"
    );
    assert_eq!(
        granted.seen(),
        ["GET /api/ok?q=1", "POST /api/new"],
        "refused requests never reach the server"
    );
    assert!(other.seen().is_empty(), "{:?}", other.seen());
    let log = home.log();
    assert!(
        log.contains(&format!(
            "HTTP request GET {} refused: it is not under any --allow-http grant of this plugin; add --allow-http {} after its --plugin to allow it",
            other.url("/x"),
            other.origin()
        )),
        "the log names the flag to add: {log}"
    );

    // Without any grant the plugin is refused outright: importing wasi:http asks for it.
    let bare = home.hook(
        &["--plugin", plugin("http-probe").to_str().unwrap()],
        &prompt_event(&format!("GET {}", granted.url("/api/ok"))),
    );
    assert!(
        bare.stderr.contains(
            "needs the http capability, which was not granted: add --allow-http URL after --plugin"
        ),
        "{}",
        bare.stderr
    );
    assert_eq!(granted.seen().len(), 2);
}

#[test]
fn redirects_are_followed_inside_the_grant_only() {
    let home = Home::new();
    let elsewhere = echo_server();
    let away = elsewhere.url("/stolen");
    let server = WebServer::http(move |request| match request.path.as_str() {
        "/api/hop" => WebReply::redirect("/api/landed"),
        "/api/away" => WebReply::redirect(&away),
        "/api/outside" => WebReply::redirect("/private"),
        path => WebReply::text(200, format!("at {path}")),
    });
    let grant = server.url("/api");
    let grants = ["--allow-http", grant.as_str()];
    let hop = probe(&home, &grants, &format!("GET {}", server.url("/api/hop")));
    assert_eq!(
        hop,
        format!(
            "status=200 url={} bytes=14 body=at /api/landed",
            server.url("/api/landed")
        )
    );
    for (from, to) in [
        ("/api/away", elsewhere.url("/stolen")),
        ("/api/outside", server.url("/private")),
    ] {
        let answer = probe(&home, &grants, &format!("GET {}", server.url(from)));
        assert!(
            answer.starts_with(&format!("error: HTTP request to {to} denied")),
            "a redirect out of the grant is refused: {answer}"
        );
    }
    assert!(elsewhere.seen().is_empty());
    assert!(
        !server.seen().contains(&"GET /private".to_owned()),
        "{:?}",
        server.seen()
    );
}

#[test]
fn an_oversized_body_and_a_silent_server_end_in_errors_the_plugin_sees_in_time() {
    let home = Home::new();
    const CAP: usize = 8 << 20;
    let server = WebServer::http(|request| match request.path.as_str() {
        "/at-cap" => WebReply::Full(200, Vec::new(), vec![b'y'; CAP]),
        "/big" => WebReply::Full(200, Vec::new(), vec![b'y'; CAP + 1]),
        "/chunked" => WebReply::Chunked(CAP + 64 * 1024),
        _ => WebReply::Silence,
    });
    let origin = server.origin();
    let grants = ["--allow-http", origin.as_str()];
    let at_cap = probe(&home, &grants, &format!("GET {}", server.url("/at-cap")));
    assert!(
        at_cap.starts_with(&format!(
            "status=200 url={} bytes={CAP} ",
            server.url("/at-cap")
        )),
        "{}",
        &at_cap[..100.min(at_cap.len())]
    );
    for path in ["/big", "/chunked"] {
        let answer = probe(&home, &grants, &format!("GET {}", server.url(path)));
        assert_eq!(answer, "error: HTTP response too large", "{path}");
    }

    // A server that never answers: the request ends before the call's deadline, so the plugin
    // still answers (rather than being stopped).
    let timeout_ms = 1500;
    let limit = ["--allow-http", origin.as_str(), "--timeout-ms", "1500"];
    let started = Instant::now();
    let (answer, run) = probe_with(
        &home,
        &limit,
        &[],
        &format!("GET {}", server.url("/silent")),
    );
    assert_eq!(answer, "error: HTTP request timed out");
    assert!(
        run.elapsed < Duration::from_millis(timeout_ms) + Duration::from_secs(5),
        "answered after {:?}",
        started.elapsed()
    );
}

#[test]
fn https_trusts_the_ca_ssl_cert_file_names_and_no_other() {
    let ca = TestCa::new();
    let server = WebServer::https(&ca, |request| {
        WebReply::text(200, format!("secure {}", request.path))
    });
    let grant = format!("https://localhost:{}", server.port);
    let url = format!("https://localhost:{}/doc", server.port);
    let trusted = Home::new();
    let (answer, _) = probe_with(
        &trusted,
        &["--allow-http", &grant],
        &[("SSL_CERT_FILE", ca.pem_path().to_str().unwrap())],
        &format!("GET {url}"),
    );
    assert_eq!(
        answer,
        format!("status=200 url={url} bytes=11 body=secure /doc")
    );

    // The trusted CA, but a name its certificate does not cover: not trusted either.
    let by_address = format!("https://127.0.0.1:{}", server.port);
    let (answer, _) = probe_with(
        &trusted,
        &["--allow-http", &by_address],
        &[("SSL_CERT_FILE", ca.pem_path().to_str().unwrap())],
        &format!("GET {by_address}/doc"),
    );
    assert_eq!(
        answer,
        "error: TLS failed: the server's certificate is not trusted"
    );

    // Another CA's file: the server's certificate is not trusted. (A new home: a daemon reads
    // the trust store once, at its first HTTPS request.)
    let stranger = TestCa::new();
    let untrusting = Home::new();
    let (answer, _) = probe_with(
        &untrusting,
        &["--allow-http", &grant],
        &[("SSL_CERT_FILE", stranger.pem_path().to_str().unwrap())],
        &format!("GET {url}"),
    );
    assert_eq!(
        answer,
        "error: TLS failed: the server's certificate is not trusted"
    );
    assert_eq!(
        server.seen(),
        ["GET /doc"],
        "the untrusted server got no request"
    );
}

#[test]
fn a_plugin_starts_no_more_requests_a_minute_than_its_limit() {
    let home = Home::new();
    let server = echo_server();
    let origin = server.origin();
    let grants = ["--allow-http", origin.as_str(), "--http-per-minute", "2"];
    let url = server.url("/n");
    for _ in 0..2 {
        assert!(probe(&home, &grants, &format!("GET {url}")).starts_with("status=200"));
    }
    let third = probe(&home, &grants, &format!("GET {url}"));
    assert_eq!(
        third,
        format!(
            "error: HTTP request failed: HTTP request GET {url} refused: the plugin has started 2 \
             requests in the last minute, its limit; --http-per-minute N after its --plugin changes it"
        )
    );
    assert_eq!(server.seen().len(), 2);
}

#[test]
fn a_background_task_makes_its_request_and_the_next_hook_pops_the_answer() {
    let home = Home::new();
    let server = echo_server();
    let origin = server.origin();
    let grants = ["--allow-http", origin.as_str()];
    assert_eq!(
        probe(
            &home,
            &grants,
            &format!("TASK GET {}", server.url("/later"))
        ),
        "queued"
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    let answer = loop {
        let answer = probe(&home, &grants, "POP");
        if answer != "nothing yet" || Instant::now() > deadline {
            break answer;
        }
    };
    assert!(
        answer.starts_with(&format!("status=200 url={} ", server.url("/later"))),
        "{answer}"
    );
}

#[test]
fn install_and_inspect_know_an_http_plugin_by_its_import() {
    let home = Home::new();
    let project = tempfile::tempdir().unwrap();
    let path = plugin("http-probe");
    let inspect = run_command(
        home.command().args(["inspect", path.to_str().unwrap()]),
        b"",
        Duration::from_secs(60),
    );
    assert!(
        inspect
            .stdout
            .contains("http                 granted by --allow-http URL"),
        "{}",
        inspect.stdout
    );
    let install = |grants: &[&str]| home.install_into(&path, grants, project.path());
    let refused = install(&[]);
    assert_eq!(refused.code, 1, "{}", refused.stdout);
    assert!(
        refused
            .stderr
            .contains("needs the http capability: add --allow-http URL after its --plugin"),
        "{}",
        refused.stderr
    );
    let bad = install(&["--allow-http", "docs.rs"]);
    assert_eq!(bad.code, 1, "{}", bad.stdout);
    assert!(
        bad.stderr.contains("--allow-http docs.rs: not a URL"),
        "{}",
        bad.stderr
    );
    let installed = install(&["--allow-http", "https://docs.rs", "--http-per-minute", "10"]);
    assert_eq!(installed.code, 0, "{}", installed.stderr);
    let settings: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(project.path().join(".claude/settings.json")).unwrap(),
    )
    .unwrap();
    let handlers: Vec<String> = settings["hooks"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|groups| groups.as_array().unwrap())
        .map(|group| fasthooks_e2e::handler::handler_text(&group["hooks"][0]))
        .collect();
    assert!(
        handlers
            .iter()
            .any(|h| h.contains("--allow-http https://docs.rs --http-per-minute 10")),
        "{settings}"
    );
}

/// Under `/api`: `/api/hop` redirects to `/api/echo`, `/api/away` to `away`, and any other path
/// answers `METHOD PATH probe=X-PROBE sent=BODY`.
fn redirecting_server(away: String) -> WebServer {
    WebServer::http(move |request| match request.path.as_str() {
        "/api/hop" => WebReply::redirect("/api/echo"),
        "/api/away" => WebReply::redirect(&away),
        path => WebReply::text(
            200,
            format!(
                "{} {path} probe={} sent={}",
                request.method,
                request.header("x-probe").unwrap_or("-"),
                String::from_utf8_lossy(&request.body)
            ),
        ),
    })
}

#[test]
fn python_plugins_send_requests_with_the_sdk_and_see_what_was_refused() {
    let home = Home::new();
    let elsewhere = echo_server();
    let server = redirecting_server(elsewhere.url("/stolen"));
    let grant = server.url("/api");
    let grants = ["--allow-http", grant.as_str()];
    let python = |prompt: String| probe_plugin(&home, "http-probe-py", &grants, &[], &prompt).0;

    assert_eq!(
        python(format!("GET {}", server.url("/api/hop"))),
        format!(
            "status=200 url={} bytes=27 body=GET /api/echo probe=1 sent=",
            server.url("/api/echo")
        )
    );
    assert_eq!(
        python(format!("POST {} from python", server.url("/api/p"))),
        format!(
            "status=200 url={} bytes=36 body=POST /api/p probe=1 sent=from python",
            server.url("/api/p")
        )
    );
    for (asked, refused) in [
        (server.url("/api/away"), elsewhere.url("/stolen")),
        (elsewhere.url("/x"), elsewhere.url("/x")),
    ] {
        assert_eq!(
            python(format!("GET {asked}")),
            format!(
                "error: HTTP request to {refused} denied: this plugin is not granted it (the user \
                 adds --allow-http {} after its --plugin)",
                elsewhere.origin()
            )
        );
    }
    assert!(elsewhere.seen().is_empty());
}

#[test]
fn javascript_plugins_use_the_standard_fetch_under_the_same_grants() {
    let home = Home::new();
    let elsewhere = echo_server();
    let server = redirecting_server(elsewhere.url("/stolen"));
    let grant = server.url("/api");
    let grants = ["--allow-http", grant.as_str()];
    let js = |prompt: String| probe_plugin(&home, "http-probe-js", &grants, &[], &prompt).0;

    assert_eq!(
        js(format!("GET {}", server.url("/api/hop"))),
        format!(
            "status=200 url={} bytes=27 body=GET /api/echo probe=1 sent=",
            server.url("/api/echo")
        ),
        "a redirect inside the grant is followed (by the plugin: the runtime's fetch hands 3xx back)"
    );
    assert_eq!(
        js(format!("POST {} from js", server.url("/api/p"))),
        format!(
            "status=200 url={} bytes=32 body=POST /api/p probe=1 sent=from js",
            server.url("/api/p")
        )
    );
    // fetch reports a refused request as the standard NetworkError; the log names the grant.
    let refused = js(format!("GET {}", server.url("/api/away")));
    assert_eq!(
        refused,
        "error: TypeError: NetworkError when attempting to fetch resource"
    );
    assert!(elsewhere.seen().is_empty());
    assert!(
        home.log().contains(&format!(
            "HTTP request GET {} refused: it is not under any --allow-http grant of this plugin; \
             add --allow-http {} after its --plugin to allow it",
            elsewhere.url("/stolen"),
            elsewhere.origin()
        )),
        "{}",
        home.log()
    );
}

#[test]
fn the_host_checks_what_the_plugin_wrote_not_what_an_sdk_would_have() {
    let home = Home::new();
    // 200 only when the Host header is the host's own, written from the checked authority.
    let expected_host = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let host_seen = expected_host.clone();
    let server = WebServer::http(move |request| {
        let host = request.header("host").unwrap_or("-");
        let status = if host == *host_seen.lock().unwrap() {
            200
        } else {
            400
        };
        WebReply::text(status, format!("host={host}"))
    });
    *expected_host.lock().unwrap() = format!("localhost:{}", server.port);
    let grant = format!("http://localhost:{}/api", server.port);
    let grants = ["--allow-http", grant.as_str()];
    let raw = |rest: String| probe(&home, &grants, &format!("RAW {rest}"));
    let port = server.port;

    assert_eq!(raw(format!("LOCALHOST:{port} /api/x")), "status=200");
    for refused in [
        format!("localhost:{port} /api/..;/admin"),
        format!("localhost:{port} /api/%252e%252e/admin"),
        format!("localhost:{port} /apix"),
    ] {
        assert_eq!(
            raw(refused.clone()),
            "error: ErrorCode::HttpRequestDenied",
            "{refused}"
        );
    }
    for malformed in [
        format!("user@localhost:{port} /api/x"),
        format!("localhost:{}9 /api/x", port),
    ] {
        let answer = raw(malformed.clone());
        assert!(
            answer == "error: ErrorCode::HttpRequestUriInvalid"
                || answer == "error: refused by wasi:http",
            "{malformed}: {answer}"
        );
    }
    for header in [
        "x-forwarded-host:evil.example",
        "host:evil.example",
        "x-original-url:/admin",
    ] {
        let answer = raw(format!("localhost:{port} /api/x {header}"));
        assert!(
            answer.starts_with("error: header") && answer.contains("Forbidden"),
            "{header}: {answer}"
        );
    }
    assert_eq!(
        server.seen(),
        ["GET /api/x"],
        "only the request under the grant arrived"
    );
}
