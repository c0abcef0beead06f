//! The `fasthooks-host` command line.
//!
//! The hook form is what goes into `.claude/settings.json`:
//!
//! ```text
//! fasthooks-host --plugin guard.wasm --plugin review.wasm --allow-read "$CLAUDE_PROJECT_DIR"
//! ```
//!
//! Grants (`--allow-*`, `--sha256`) apply to the `--plugin` they follow, so each plugin gets only
//! what the user wrote next to it.
//!
//! Two binaries share this command line. `fasthooks-host` is the small front that Claude Code
//! spawns on every event: it parses, reads stdin, asks the daemon, prints, exits, and links none
//! of the WebAssembly engine (process start-up is most of a hook's cost). Everything else, the
//! daemon, `--inline`, the fallback when the daemon cannot be reached and the admin commands, it
//! hands to `fasthooks-engine` (installed next to it) by `exec` with the same arguments.

use crate::client::ClientError;
use crate::paths::Paths;
use crate::protocol::Rendered;
use crate::request::{HookRequest, Limits, PluginSpec};
use clap::{ArgAction, ArgMatches, Args, CommandFactory, FromArgMatches, Parser, Subcommand};
use std::io::{IsTerminal, Read, Write};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// The binary that runs WebAssembly, next to `fasthooks-host`.
pub const ENGINE_BINARY: &str = "fasthooks-engine";
/// Set when the front hands a hook to the engine because the daemon could not be reached.
pub const FALLBACK_NOTE_ENV: &str = "FASTHOOKS_FALLBACK_NOTE";

#[derive(Parser, Debug)]
#[command(
    name = "fasthooks-host",
    version,
    about = "Run Claude Code hooks as sandboxed WebAssembly components",
    long_about = "Run Claude Code hooks as sandboxed WebAssembly components.\n\n\
        As a hook: reads one Claude Code event on stdin, runs every --plugin subscribed to it, \
        and prints the decision in Claude Code's wire format.",
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub hook: HookArgs,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Print what a plugin declares (name, version, subscriptions, capabilities) as JSON.
    Describe {
        plugin: PathBuf,
        #[arg(long, env = crate::paths::HOME_ENV, value_name = "DIR")]
        home: Option<PathBuf>,
    },
    /// The per-user daemon that runs hooks and background tasks.
    Daemon {
        #[command(subcommand)]
        action: DaemonAction,
        #[arg(long, env = crate::paths::HOME_ENV, value_name = "DIR", global = true)]
        home: Option<PathBuf>,
    },
    /// List background tasks: session, plugin, key, status, age.
    Tasks {
        /// Only this session's tasks.
        #[arg(long)]
        session: Option<String>,
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
        #[arg(long, env = crate::paths::HOME_ENV, value_name = "DIR")]
        home: Option<PathBuf>,
    },
    /// Add hook entries that run a plugin to Claude Code's settings (events from its describe()).
    Install(Box<crate::install::InstallArgs>),
    /// Remove the hook entries `install` added for a plugin.
    Uninstall(crate::install::UninstallArgs),
}

#[derive(Subcommand, Debug)]
pub enum DaemonAction {
    /// Is a daemon running? Its pid, version, workers, queued tasks (exit 3 if none).
    Status,
    /// Stop the daemon; its running tasks go back to the queue for the next one.
    Stop,
    /// Run the daemon in the foreground (hooks start it on demand; you rarely need this).
    Run,
}

#[derive(Args, Debug)]
pub struct HookArgs {
    /// A plugin component (.wasm). Repeat for several; they run in this order.
    #[arg(long = "plugin", value_name = "PATH")]
    plugins: Vec<PathBuf>,
    /// Let the preceding plugin read DIR (and below). Repeatable.
    #[arg(long, value_name = "DIR")]
    allow_read: Vec<PathBuf>,
    /// Let the preceding plugin read and write DIR (and below). Repeatable.
    #[arg(long, value_name = "DIR")]
    allow_write: Vec<PathBuf>,
    /// Let the preceding plugin see environment variable NAME. Repeatable.
    #[arg(long, value_name = "NAME")]
    allow_env: Vec<String>,
    /// Let the preceding plugin open TCP connections to HOST[:PORT] (port 443 if omitted).
    #[arg(long, value_name = "HOST[:PORT]")]
    allow_net: Vec<String>,
    /// Let the preceding plugin start Claude sub-agents.
    #[arg(long, num_args = 0, default_missing_value = "true", action = ArgAction::Append)]
    allow_agent: Vec<bool>,
    /// Refuse the preceding plugin unless its SHA-256 is HEX.
    #[arg(long, value_name = "HEX")]
    sha256: Vec<String>,
    /// Run in this process instead of the per-user daemon.
    #[arg(long)]
    pub inline: bool,
    /// When a plugin fails on a permission event, deny instead of letting the call through.
    #[arg(long)]
    fail_closed: bool,
    /// How long one plugin may take to handle an event before it is stopped.
    #[arg(long, value_name = "MS", default_value_t = 10_000)]
    timeout_ms: u64,
    /// Linear memory limit per plugin instance.
    #[arg(long, value_name = "MB", default_value_t = 256)]
    max_memory_mb: usize,
    /// How long one background task may run before it is stopped (and failed).
    #[arg(long, value_name = "MS", default_value_t = 300_000)]
    task_timeout_ms: u64,
    /// The whole hook call, waits on tasks included, answers within this.
    #[arg(long, value_name = "MS", default_value_t = 60_000)]
    deadline_ms: u64,
    /// Put cache, store, socket and logs under DIR instead of the XDG directories.
    #[arg(long, env = crate::paths::HOME_ENV, value_name = "DIR")]
    pub home: Option<PathBuf>,
}

/// Pair each grant with the `--plugin` it follows, by position on the command line.
pub fn hook_request(args: &HookArgs, matches: &ArgMatches) -> Result<HookRequest, String> {
    if args.plugins.is_empty() {
        return Err("no plugin given: add --plugin PATH (see fasthooks-host --help)".into());
    }
    let plugin_positions: Vec<usize> = matches
        .indices_of("plugins")
        .map(Iterator::collect)
        .unwrap_or_default();
    // Absolute paths: the daemon does not share this process's working directory.
    let cwd = std::env::current_dir().unwrap_or_default();
    let mut plugins: Vec<PluginSpec> = args
        .plugins
        .iter()
        .map(|path| PluginSpec {
            path: cwd.join(path),
            ..Default::default()
        })
        .collect();
    let owner = |flag: &str, position: usize| -> Result<usize, String> {
        plugin_positions
            .iter()
            .rposition(|&p| p < position)
            .ok_or_else(|| format!("--{flag} must follow the --plugin it applies to"))
    };
    let positions = |id: &str| -> Vec<usize> {
        matches
            .indices_of(id)
            .map(Iterator::collect)
            .unwrap_or_default()
    };

    for (dir, at) in args.allow_read.iter().zip(positions("allow_read")) {
        plugins[owner("allow-read", at)?]
            .grants
            .read_dirs
            .push(absolute_dir(dir, "--allow-read")?);
    }
    for (dir, at) in args.allow_write.iter().zip(positions("allow_write")) {
        plugins[owner("allow-write", at)?]
            .grants
            .write_dirs
            .push(absolute_dir(dir, "--allow-write")?);
    }
    for (name, at) in args.allow_env.iter().zip(positions("allow_env")) {
        // The value is taken here, from Claude Code's environment, not from the daemon's.
        if let Ok(value) = std::env::var(name) {
            plugins[owner("allow-env", at)?]
                .grants
                .env
                .push((name.clone(), value));
        }
    }
    for (host, at) in args.allow_net.iter().zip(positions("allow_net")) {
        plugins[owner("allow-net", at)?]
            .grants
            .net_hosts
            .push(host.clone());
    }
    for at in positions("allow_agent") {
        plugins[owner("allow-agent", at)?].grants.agent = true;
    }
    for (hex, at) in args.sha256.iter().zip(positions("sha256")) {
        let spec = &mut plugins[owner("sha256", at)?];
        if spec.sha256.is_some() {
            return Err(format!(
                "--sha256 given twice for --plugin {}",
                spec.path.display()
            ));
        }
        spec.sha256 = Some(hex.to_ascii_lowercase());
    }
    Ok(HookRequest {
        plugins,
        fail_closed: args.fail_closed,
        limits: Limits {
            memory_bytes: args.max_memory_mb.saturating_mul(1 << 20),
            handle_timeout: Duration::from_millis(args.timeout_ms),
            task_timeout: Duration::from_millis(args.task_timeout_ms),
            hook_deadline: Duration::from_millis(args.deadline_ms),
        },
    })
}

fn absolute_dir(dir: &PathBuf, flag: &str) -> Result<PathBuf, String> {
    std::fs::canonicalize(dir).map_err(|err| format!("{flag} {}: {err}", dir.display()))
}

/// The whole event. A terminal on stdin means nobody is going to write one: say so at once.
pub fn read_event() -> Result<Vec<u8>, String> {
    let mut stdin = std::io::stdin().lock();
    if stdin.is_terminal() {
        return Err("no event on stdin: Claude Code pipes one JSON event into the hook (try: fasthooks-host --plugin P < event.json)".into());
    }
    let mut bytes = Vec::with_capacity(8 << 10);
    stdin
        .read_to_end(&mut bytes)
        .map_err(|err| format!("cannot read stdin: {err}"))?;
    Ok(bytes)
}

/// Parse the command line. Usage errors exit 1, never clap's usual 2: to Claude Code, exit 2
/// from a hook means "block this", and a typo in settings.json must not block every tool call.
pub fn parse() -> (Cli, ArgMatches) {
    let parsed = Cli::command()
        .try_get_matches()
        .and_then(|matches| Ok((Cli::from_arg_matches(&matches)?, matches)));
    match parsed {
        Ok(parsed) => parsed,
        Err(err) => {
            let _ = err.print();
            let code = if err.use_stderr() { 1 } else { 0 };
            std::process::exit(code);
        }
    }
}

/// `fasthooks-host`: the hook front.
pub fn front_main() -> ExitCode {
    let (cli, matches) = parse();
    if cli.command.is_some() || cli.hook.inline {
        return exec_engine(None, None);
    }
    let request = match hook_request(&cli.hook, &matches) {
        Ok(request) => request,
        Err(message) => return finish(error(message)),
    };
    let stdin = match read_event() {
        Ok(bytes) => bytes,
        Err(message) => return finish(error(message)),
    };
    // Bad input gets the same one-line answer as in-process, without a round trip.
    if let Err(err) = crate::protocol::HookEvent::parse(&stdin) {
        return finish(error(err.to_string()));
    }
    let paths = Paths::resolve(cli.hook.home.as_deref());
    let event = String::from_utf8(stdin.clone()).expect("a parsed event is UTF-8");
    match crate::client::run_hook(&paths, cli.hook.home.as_deref(), &request, event) {
        Ok(rendered) => finish(rendered),
        Err(ClientError::Unavailable(why)) => exec_engine(Some(&stdin), Some(&why)),
        Err(ClientError::NoAnswer(why)) => finish(no_answer(&request, &stdin, &why)),
    }
}

/// The hook could not be answered in time: fail open (exit 1), or deny a permission event
/// under `--fail-closed`.
pub fn no_answer(request: &HookRequest, stdin: &[u8], why: &str) -> Rendered {
    let line = format!("fasthooks-host: no answer in time ({why})\n");
    let event = crate::protocol::HookEvent::parse(stdin)
        .map(|e| e.name)
        .unwrap_or_default();
    if request.fail_closed && matches!(event.as_str(), "PreToolUse" | "PermissionRequest") {
        let outcome = crate::protocol::Outcome::merge([crate::protocol::PluginResponse {
            decision: Some(crate::protocol::PluginDecision::Deny),
            reason: Some(format!(
                "fasthooks-host --fail-closed: no answer in time ({why})"
            )),
            ..Default::default()
        }]);
        let mut rendered = crate::protocol::render(&event, &outcome);
        rendered.stderr = line;
        return rendered;
    }
    Rendered {
        stdout: String::new(),
        stderr: line,
        exit_code: 1,
    }
}

/// The engine binary next to this one.
pub fn engine_path() -> Result<PathBuf, String> {
    let exe =
        std::env::current_exe().map_err(|err| format!("cannot find my own executable: {err}"))?;
    let engine = exe.with_file_name(ENGINE_BINARY);
    if engine.exists() {
        Ok(engine)
    } else {
        Err(format!(
            "{} is missing: install it next to {}",
            engine.display(),
            exe.display()
        ))
    }
}

/// Replace this process with the engine, same arguments. With `stdin`, the event already read
/// is handed over through an in-memory file; with a `fallback` reason, the engine runs the hook
/// in-process and says why on stderr.
fn exec_engine(stdin: Option<&[u8]>, fallback: Option<&str>) -> ExitCode {
    let engine = match engine_path() {
        Ok(engine) => engine,
        Err(message) => return finish(error(message)),
    };
    let mut command = std::process::Command::new(engine);
    command.args(std::env::args_os().skip(1));
    if let Some(why) = fallback {
        command.arg("--inline").env(FALLBACK_NOTE_ENV, why);
    }
    if let Some(bytes) = stdin
        && let Err(err) = replace_stdin(bytes)
    {
        return finish(error(format!("cannot hand the event to the engine: {err}")));
    }
    let err = command.exec();
    finish(error(format!("cannot run the engine: {err}")))
}

/// Make `bytes` this process's stdin, through an anonymous file (kept across `exec`).
fn replace_stdin(bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Seek;
    use std::os::fd::AsRawFd;
    let mut file = anonymous_file()?;
    file.write_all(bytes)?;
    file.seek(std::io::SeekFrom::Start(0))?;
    // SAFETY: both descriptors are valid; dup2 atomically replaces stdin.
    if unsafe { libc::dup2(file.as_raw_fd(), 0) } < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

#[cfg(target_os = "linux")]
fn anonymous_file() -> std::io::Result<std::fs::File> {
    use std::os::fd::FromRawFd;
    // SAFETY: memfd_create returns a new descriptor we own (or -1).
    let fd = unsafe { libc::memfd_create(c"fasthooks-event".as_ptr(), 0) };
    if fd < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: fd is valid and owned here.
    Ok(unsafe { std::fs::File::from_raw_fd(fd) })
}

#[cfg(not(target_os = "linux"))]
fn anonymous_file() -> std::io::Result<std::fs::File> {
    let path = std::env::temp_dir().join(format!("fasthooks-event-{}", std::process::id()));
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .open(&path)?;
    std::fs::remove_file(&path)?;
    Ok(file)
}

pub fn error(message: String) -> Rendered {
    Rendered {
        stdout: String::new(),
        stderr: format!("fasthooks-host: {message}\n"),
        exit_code: 1,
    }
}

/// Print and exit. Stdout gets the whole answer in one write, or nothing.
pub fn finish(rendered: Rendered) -> ExitCode {
    if !rendered.stdout.is_empty() {
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(format!("{}\n", rendered.stdout).as_bytes());
        let _ = out.flush();
    }
    if !rendered.stderr.is_empty() {
        let _ = std::io::stderr().write_all(rendered.stderr.as_bytes());
    }
    ExitCode::from(u8::try_from(rendered.exit_code).unwrap_or(1))
}
