//! Tests of the hook command line: parsing, its inverse, resolving.
use super::*;
use clap::{CommandFactory, FromArgMatches, Parser};

#[derive(Parser)]
struct Cli {
    #[command(flatten)]
    hook: HookArgs,
}

fn parse(args: &[&str]) -> Result<HookCommand, CommandError> {
    let matches = Cli::command()
        .try_get_matches_from(std::iter::once("fasthooks-host").chain(args.iter().copied()))
        .unwrap();
    let cli = Cli::from_arg_matches(&matches).unwrap();
    HookCommand::parse(&cli.hook, &matches)
}

#[test]
fn grants_follow_their_plugin_and_round_trip() {
    let args = [
        "--plugin",
        "a.wasm",
        "--allow-read",
        "/r",
        "--allow-agent",
        "--plugin",
        "b.wasm",
        "--sha256",
        "AB",
        "--allow-env",
        "HOME",
        "--allow-net",
        "example.com:80",
        "--allow-http",
        "https://docs.rs/api",
        "--http-per-minute",
        "5",
        "--fail-closed",
        "--timeout-ms",
        "500",
    ];
    let command = parse(&args).unwrap();
    assert_eq!(command.plugins.len(), 2);
    assert_eq!(
        command.plugins[0].grants,
        [Grant::Read("/r".into()), Grant::Agent]
    );
    assert_eq!(
        command.plugins[1].grants,
        [
            Grant::Sha256("AB".into()),
            Grant::Env("HOME".into()),
            Grant::Net("example.com:80".into()),
            Grant::Http("https://docs.rs/api".into()),
            Grant::HttpPerMinute(5),
        ]
    );
    let request = command.resolve(Path::new("/")).unwrap();
    let http = &request.plugins[1].grants;
    assert_eq!(http.http[0].to_string(), "https://docs.rs/api");
    assert_eq!(http.http_per_minute, Some(5));
    let bad = parse(&["--plugin", "a.wasm", "--allow-http", "docs.rs"])
        .unwrap()
        .resolve(Path::new("/"))
        .unwrap();
    assert_eq!(
        bad.plugins[0].refused.as_deref(),
        Some("--allow-http docs.rs: not a URL (write it as https://HOST[:PORT][/PATH])")
    );
    assert_eq!(command.to_args(), args);
    let again: Vec<String> = command.to_args();
    let again: Vec<&str> = again.iter().map(String::as_str).collect();
    assert_eq!(
        parse(&again).unwrap(),
        command,
        "to_args is parse's inverse"
    );
}

#[test]
fn a_grant_through_a_link_fails_its_plugin_only() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("real")).unwrap();
    std::os::unix::fs::symlink("real", dir.path().join("link")).unwrap();
    let request = parse(&[
        "--plugin",
        "a.wasm",
        "--allow-read",
        "link/.",
        "--plugin",
        "b.wasm",
        "--allow-read",
        "real/../real",
    ])
    .unwrap()
    .resolve(dir.path())
    .unwrap();
    let why = request.plugins[0].refused.as_deref().unwrap();
    assert!(
        why.contains("is a symbolic link") && why.contains("real path"),
        "{why}"
    );
    assert_eq!(request.plugins[1].refused, None);
    assert_eq!(
        request.plugins[1].grants.read_dirs,
        [dir.path().join("real")]
    );
}

#[test]
fn a_grant_before_any_plugin_is_refused() {
    let err = parse(&["--allow-agent", "--plugin", "a.wasm"]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "--allow-agent must follow the --plugin it applies to"
    );
}

#[test]
fn resolving_fills_defaults_and_refuses_a_second_pin() {
    let dir = tempfile::tempdir().unwrap();
    let request = parse(&["--plugin", "p.wasm", "--allow-write", "."])
        .unwrap()
        .resolve(dir.path())
        .unwrap();
    assert_eq!(request.plugins[0].path, dir.path().join("p.wasm"));
    assert_eq!(
        request.plugins[0].grants.write_dirs,
        [std::fs::canonicalize(dir.path()).unwrap()]
    );
    assert_eq!(request.limits, Limits::default());
    let err = parse(&["--plugin", "p.wasm", "--sha256", "a", "--sha256", "b"])
        .unwrap()
        .resolve(dir.path())
        .unwrap();
    assert!(
        err.plugins[0]
            .refused
            .as_ref()
            .unwrap()
            .contains("--sha256 given twice")
    );
    assert!(matches!(
        HookCommand::default().resolve(dir.path()),
        Err(CommandError::NoPlugin)
    ));
}
