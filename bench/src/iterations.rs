//! The `--iterations N` option the round-trip benchmarks share (default 300).

/// Take a leading `--iterations N` off `args`; N, or 300 without it.
pub fn take(args: &mut Vec<String>) -> usize {
    if args.first().map(String::as_str) != Some("--iterations") {
        return 300;
    }
    let count = args
        .get(1)
        .and_then(|n| n.parse().ok())
        .expect("--iterations N");
    args.drain(0..2);
    count
}
