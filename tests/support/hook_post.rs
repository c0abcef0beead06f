//! Post an event to the daemon's `http` transport as Claude Code does (`POST /hook?…`,
//! `Content-Type: application/json`), over a plain loopback connection, with headers a test
//! may change to look like something else (a web page, another host).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
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

/// `/hook?QUERY&sig=…`: a hook path signed with the URL key of the fasthooks home `home` (its
/// `data/http-key`, made here as install makes it when there is none, owned by the home's
/// owner), so a test can post a query of its own making that the daemon accepts.
pub fn signed_path(home: &Path, query: &str) -> String {
    use hmac::Mac;
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let data = home.join("data");
    let file = data.join("http-key");
    if !file.exists() {
        std::fs::create_dir_all(&data).unwrap();
        let key: String = (0..32)
            .map(|i| format!("{:02x}", (i * 37 + 11) as u8))
            .collect();
        std::fs::write(&file, format!("{key}\n")).unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
        let owner = std::fs::metadata(home).unwrap();
        std::os::unix::fs::chown(&data, Some(owner.uid()), Some(owner.gid())).unwrap();
        std::os::unix::fs::chown(&file, Some(owner.uid()), Some(owner.gid())).unwrap();
    }
    let text = std::fs::read_to_string(&file).unwrap();
    let text = text.trim();
    let key: Vec<u8> = (0..text.len())
        .step_by(2)
        .map(|at| u8::from_str_radix(&text[at..at + 2], 16).unwrap())
        .collect();
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(&key).unwrap();
    mac.update(query.as_bytes());
    let signature: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    format!("/hook?{query}&sig={signature}")
}
