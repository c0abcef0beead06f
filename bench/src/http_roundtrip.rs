//! Hook round trip over the `http` transport as Claude Code pays for it: POST the event to the
//! daemon, read the whole answer. Measured on one kept-alive connection (what an HTTP client
//! such as Claude Code's reuses) and with a fresh connection per hook, each interleaved with
//! spawning `/bin/true` fed the same event (the floor of any command hook), so both see the
//! same machine load. Reported: medians in absolute time and as a ratio to `/bin/true`.
//!
//! usage: http_roundtrip [--iterations N] EVENT.json URL

mod iterations;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn spawn_true(stdin: &[u8]) -> Duration {
    let start = Instant::now();
    let mut child = Command::new("/bin/true")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn /bin/true");
    let _ = child.stdin.take().unwrap().write_all(stdin);
    let mut out = Vec::new();
    child.stdout.take().unwrap().read_to_end(&mut out).unwrap();
    child.wait().unwrap();
    start.elapsed()
}

/// One POST on `stream` and its whole answer: (status, body).
fn post(stream: &mut BufReader<TcpStream>, request: &[u8]) -> (u16, Vec<u8>) {
    stream.get_mut().write_all(request).expect("send");
    let mut status = 0;
    let mut length = 0usize;
    let mut line = String::new();
    loop {
        line.clear();
        stream.read_line(&mut line).expect("read the answer");
        let trimmed = line.trim_end();
        if trimmed.is_empty() {
            break;
        }
        if let Some(code) = trimmed.strip_prefix("HTTP/1.1 ") {
            status = code[..3].parse().unwrap_or(0);
        } else if let Some((name, value)) = trimmed.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0; length];
    stream.read_exact(&mut body).expect("read the body");
    (status, body)
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let iterations = iterations::take(&mut args);
    let [event_path, url] = &args[..] else {
        panic!("usage: http_roundtrip [--iterations N] EVENT.json URL");
    };
    let event = std::fs::read(event_path).expect("read the event");
    let rest = url.strip_prefix("http://").expect("an http:// URL");
    let (address, path) = rest.split_at(rest.find('/').expect("a path"));
    let mut request = format!(
        "POST {path} HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        event.len()
    )
    .into_bytes();
    request.extend_from_slice(&event);
    let connect = || BufReader::new(TcpStream::connect(address).expect("connect to the daemon"));

    let mut kept = connect();
    let (status, body) = post(&mut kept, &request);
    println!("url: {url}");
    println!(
        "  output: {status}, body {:?}",
        String::from_utf8_lossy(&body).trim()
    );
    // A refusal is fast too: only an answered hook is worth timing.
    if status != 200 {
        eprintln!("http_roundtrip: the daemon answered {status}, not 200: nothing measured");
        std::process::exit(1);
    }
    for _ in 0..20 {
        post(&mut kept, &request);
        post(&mut connect(), &request);
        spawn_true(&event);
    }
    let (mut warm, mut fresh, mut base) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..iterations {
        base.push(spawn_true(&event));
        let start = Instant::now();
        post(&mut kept, &request);
        warm.push(start.elapsed());
        let start = Instant::now();
        post(&mut connect(), &request);
        fresh.push(start.elapsed());
    }
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let base = median(base);
    println!("  /bin/true                 median {:.3} ms", ms(base));
    for (name, samples) in [("kept-alive connection", warm), ("fresh connection", fresh)] {
        let m = median(samples);
        println!(
            "  http, {name:<19} median {:.3} ms  = {:.2}x /bin/true over {iterations} interleaved runs",
            ms(m),
            ms(m) / ms(base)
        );
    }
}
