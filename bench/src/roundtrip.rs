//! Hook round trip as Claude Code pays for it: spawn the command, write one event to its stdin,
//! close it, read stdout to the end, wait for the exit code. Each candidate command is measured
//! interleaved with `/bin/true` (fed the same stdin) so both see the same machine load, and the
//! report is the ratio of medians.
//!
//! With several commands, each is also compared with the first, through their ratios to
//! `/bin/true` (so each comparison rests on baselines of the same run).
//!
//! usage: roundtrip [--iterations N] EVENT.json -- CMD [ARGS...] [-- CMD2 [ARGS...]]...

mod iterations;

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn run_once(argv: &[String], stdin: &[u8]) -> (Duration, Vec<u8>, i32) {
    let start = Instant::now();
    let mut child = Command::new(&argv[0])
        .args(&argv[1..])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|err| panic!("spawn {}: {err}", argv[0]));
    let mut pipe = child.stdin.take().unwrap();
    // /bin/true does not read its stdin: a write error (EPIPE) is expected and harmless.
    let _ = pipe.write_all(stdin);
    drop(pipe);
    let mut out = Vec::new();
    child.stdout.take().unwrap().read_to_end(&mut out).unwrap();
    let status = child.wait().unwrap();
    (start.elapsed(), out, status.code().unwrap_or(-1))
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[index]
}

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let iterations = iterations::take(&mut args);
    let event_path = args.first().expect("EVENT.json").clone();
    let stdin = std::fs::read(&event_path).expect("read event");
    let commands: Vec<Vec<String>> = args[1..]
        .split(|a| a == "--")
        .filter(|c| !c.is_empty())
        .map(|c| c.to_vec())
        .collect();
    assert!(!commands.is_empty(), "give at least one command after --");
    let baseline = vec!["/bin/true".to_owned()];
    let mut ratios = Vec::new();

    for command in &commands {
        let (_, out, code) = run_once(command, &stdin);
        println!("command: {}", command.join(" "));
        println!(
            "  output: exit {code}, stdout {:?}",
            String::from_utf8_lossy(&out).trim()
        );
        // Warm up both (page cache, compile cache, daemon).
        for _ in 0..20 {
            run_once(command, &stdin);
            run_once(&baseline, &stdin);
        }
        let mut subject = Vec::with_capacity(iterations);
        let mut base = Vec::with_capacity(iterations);
        for _ in 0..iterations {
            base.push(run_once(&baseline, &stdin).0);
            subject.push(run_once(command, &stdin).0);
        }
        subject.sort();
        base.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        let (sm, bm) = (percentile(&subject, 0.5), percentile(&base, 0.5));
        println!(
            "  /bin/true       median {:.3} ms  p90 {:.3} ms",
            ms(bm),
            ms(percentile(&base, 0.9))
        );
        println!(
            "  command         median {:.3} ms  p90 {:.3} ms",
            ms(sm),
            ms(percentile(&subject, 0.9))
        );
        println!(
            "  ratio (median)  {:.2}x /bin/true over {iterations} interleaved runs",
            ms(sm) / ms(bm)
        );
        ratios.push(ms(sm) / ms(bm));
    }
    if let [first, rest @ ..] = &ratios[..] {
        for (index, ratio) in rest.iter().enumerate() {
            let (name, vs) = (index + 2, ratio / first);
            if vs >= 1.0 {
                println!("command {name} takes {vs:.2}x as long as command 1");
            } else {
                println!("command {name} takes {vs:.2}x the time of command 1");
            }
        }
    }
}
