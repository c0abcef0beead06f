//! Post an event to the daemon's `http` transport as Claude Code does (`POST /hook?…`,
//! `Content-Type: application/json`), over a plain loopback connection, with headers a test
//! may change to look like something else (a web page, another host).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// What came back: the status (None when the daemon closed the connection without a word)
/// and the body.
#[derive(Debug)]
pub struct Posted {
    pub status: Option<u16>,
    pub body: String,
}

/// A free loopback port (bound, then let go), for a test's own `http` transport.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The path and query of a hook URL (`http://127.0.0.1:P/hook?…` → `/hook?…`) and its port.
pub fn split_url(url: &str) -> (u16, String) {
    let rest = url
        .strip_prefix("http://127.0.0.1:")
        .expect("a loopback hook URL");
    let (port, path) = rest.split_once('/').unwrap();
    (port.parse().unwrap(), format!("/{path}"))
}

/// POST `body` to `path` on 127.0.0.1:`port`; `headers` replace the defaults of the same name
/// (`Host`, `Content-Type`), and `("Method", m)` changes the method.
pub fn post(port: u16, path: &str, headers: &[(&str, &str)], body: &str) -> Posted {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect to the daemon");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let host = format!("127.0.0.1:{port}");
    let mut fields: Vec<(String, String)> = vec![
        ("Host".into(), host),
        ("Content-Type".into(), "application/json".into()),
    ];
    let mut method = "POST".to_owned();
    for (name, value) in headers {
        if *name == "Method" {
            method = (*value).to_owned();
            continue;
        }
        fields.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        fields.push(((*name).into(), (*value).into()));
    }
    let mut request = format!("{method} {path} HTTP/1.1\r\n");
    for (name, value) in &fields {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    ));
    // A refused connection may be closed before the request is all written.
    let _ = stream.write_all(request.as_bytes());
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let Some((head, body)) = answer.split_once("\r\n\r\n") else {
        return Posted {
            status: None,
            body: answer,
        };
    };
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok());
    Posted {
        status,
        body: body.to_owned(),
    }
}
