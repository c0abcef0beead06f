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

use crate::dispatch::{Dispatcher, HookRequest, PluginSpec, PluginTaskRunner};
use crate::store::Store;
use crate::tasks::{TaskAccess, TaskConfig, TaskService};
use std::sync::Arc;
use crate::engine::{EngineSettings, new_engine, start_epoch_ticker};
use crate::paths::Paths;
use crate::plugin::{PluginFile, PluginLoader};
use crate::protocol::Rendered;
use crate::sandbox::Limits;
use clap::{ArgAction, ArgMatches, Args, CommandFactory, FromArgMatches, Parser, Subcommand};
use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

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
    command: Option<Command>,
    #[command(flatten)]
    hook: HookArgs,
}

#[derive(Subcommand, Debug)]
enum Command {
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
}

#[derive(Subcommand, Debug)]
enum DaemonAction {
    /// Is a daemon running? Its pid, version, workers, queued tasks (exit 3 if none).
    Status,
    /// Stop the daemon; its running tasks go back to the queue for the next one.
    Stop,
    /// Run the daemon in the foreground (hooks start it on demand; you rarely need this).
    Run,
}

#[derive(Args, Debug)]
struct HookArgs {
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
    inline: bool,
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
    home: Option<PathBuf>,
}

pub fn main() -> ExitCode {
    let matches = Cli::command().get_matches();
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(err) => err.exit(),
    };
    match cli.command {
        Some(Command::Describe { plugin, home }) => describe(plugin, home),
        Some(Command::Daemon { action, home }) => crate::admin::daemon(action_name(&action), home.as_deref()),
        Some(Command::Tasks { session, json, home }) => crate::admin::tasks(session.as_deref(), json, home.as_deref()),
        None => run_hook(cli.hook, &matches),
    }
}

fn action_name(action: &DaemonAction) -> crate::admin::DaemonCommand {
    match action {
        DaemonAction::Status => crate::admin::DaemonCommand::Status,
        DaemonAction::Stop => crate::admin::DaemonCommand::Stop,
        DaemonAction::Run => crate::admin::DaemonCommand::Run,
    }
}

fn run_hook(args: HookArgs, matches: &ArgMatches) -> ExitCode {
    let request = match hook_request(&args, matches) {
        Ok(request) => request,
        Err(message) => return finish(error(message)),
    };
    let stdin = match read_event() {
        Ok(bytes) => bytes,
        Err(message) => return finish(error(message)),
    };
    let paths = Paths::resolve(args.home.as_deref());
    crate::logging::init(paths.logs.clone());
    if args.inline {
        return finish(run_inline(&paths, &request, &stdin));
    }
    // The daemon parses the event too; a client-side check keeps the answer for bad input
    // identical in both modes and spares a round trip.
    if let Err(err) = crate::protocol::HookEvent::parse(&stdin) {
        return finish(error(err.to_string()));
    }
    let event = String::from_utf8(stdin.clone()).expect("a parsed event is UTF-8");
    match crate::client::run_hook(&paths, args.home.as_deref(), &request, event) {
        Ok(rendered) => finish(rendered),
        Err(why) => {
            tracing::warn!("daemon unavailable, running in-process: {why}");
            let mut rendered = run_inline(&paths, &request, &stdin);
            rendered.stderr.insert_str(0, &format!("fasthooks-host: daemon unavailable ({why}); ran in-process\n"));
            finish(rendered)
        }
    }
}

/// Run the hook in this process. Tasks it adds run here too, to completion, before it exits.
fn run_inline(paths: &Paths, request: &HookRequest, stdin: &[u8]) -> Rendered {
    let dispatcher = match new_dispatcher(paths, EngineSettings::for_hook_process()) {
        Ok(dispatcher) => dispatcher,
        Err(message) => return error(message),
    };
    let rendered = dispatcher.run(request, stdin);
    if let Some(tasks) = dispatcher.tasks().and_then(TaskAccess::if_open) {
        if !tasks.wait_idle(request.limits.task_timeout + Duration::from_secs(1)) {
            tracing::warn!("inline tasks still running at exit");
        }
        tasks.store().flush();
    }
    rendered
}

/// The in-process dispatcher: a small engine, and a task service opened on first use.
pub fn new_dispatcher(paths: &Paths, settings: EngineSettings) -> Result<Dispatcher, String> {
    let engine = new_engine(settings).map_err(|err| format!("cannot start the WebAssembly engine: {err:#}"))?;
    start_epoch_ticker(&engine);
    let loader = Arc::new(
        PluginLoader::new(engine, &paths.cache).map_err(|err| format!("cannot link the host interfaces: {err:#}"))?,
    );
    let data_dir = paths.data.clone();
    let runner_loader = loader.clone();
    let tasks = TaskAccess::lazy(move || {
        let store = Store::open(&data_dir)?;
        let service = TaskService::open(store, TaskConfig::default(), false)?;
        service.start_workers(Arc::new(PluginTaskRunner { loader: runner_loader.clone() }));
        Ok(service)
    });
    Ok(Dispatcher::new(loader, Some(tasks)))
}

/// Pair each grant with the `--plugin` it follows, by position on the command line.
fn hook_request(args: &HookArgs, matches: &ArgMatches) -> Result<HookRequest, String> {
    if args.plugins.is_empty() {
        return Err("no plugin given: add --plugin PATH (see fasthooks-host --help)".into());
    }
    let plugin_positions: Vec<usize> = matches.indices_of("plugins").map(Iterator::collect).unwrap_or_default();
    // Absolute paths: the daemon does not share this process's working directory.
    let cwd = std::env::current_dir().unwrap_or_default();
    let mut plugins: Vec<PluginSpec> =
        args.plugins.iter().map(|path| PluginSpec { path: cwd.join(path), ..Default::default() }).collect();
    let owner = |flag: &str, position: usize| -> Result<usize, String> {
        plugin_positions
            .iter()
            .rposition(|&p| p < position)
            .ok_or_else(|| format!("--{flag} must follow the --plugin it applies to"))
    };
    let positions = |id: &str| -> Vec<usize> { matches.indices_of(id).map(Iterator::collect).unwrap_or_default() };

    for (dir, at) in args.allow_read.iter().zip(positions("allow_read")) {
        plugins[owner("allow-read", at)?].grants.read_dirs.push(absolute_dir(dir, "--allow-read")?);
    }
    for (dir, at) in args.allow_write.iter().zip(positions("allow_write")) {
        plugins[owner("allow-write", at)?].grants.write_dirs.push(absolute_dir(dir, "--allow-write")?);
    }
    for (name, at) in args.allow_env.iter().zip(positions("allow_env")) {
        // The value is taken here, from Claude Code's environment, not from the daemon's.
        if let Ok(value) = std::env::var(name) {
            plugins[owner("allow-env", at)?].grants.env.push((name.clone(), value));
        }
    }
    for (host, at) in args.allow_net.iter().zip(positions("allow_net")) {
        plugins[owner("allow-net", at)?].grants.net_hosts.push(host.clone());
    }
    for at in positions("allow_agent") {
        plugins[owner("allow-agent", at)?].grants.agent = true;
    }
    for (hex, at) in args.sha256.iter().zip(positions("sha256")) {
        let spec = &mut plugins[owner("sha256", at)?];
        if spec.sha256.is_some() {
            return Err(format!("--sha256 given twice for --plugin {}", spec.path.display()));
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
fn read_event() -> Result<Vec<u8>, String> {
    let mut stdin = std::io::stdin().lock();
    if stdin.is_terminal() {
        return Err("no event on stdin: Claude Code pipes one JSON event into the hook (try: fasthooks-host --plugin P < event.json)".into());
    }
    let mut bytes = Vec::with_capacity(8 << 10);
    stdin.read_to_end(&mut bytes).map_err(|err| format!("cannot read stdin: {err}"))?;
    Ok(bytes)
}

fn describe(plugin: PathBuf, home: Option<PathBuf>) -> ExitCode {
    let paths = Paths::resolve(home.as_deref());
    crate::logging::init(paths.logs.clone());
    let result = (|| {
        let dispatcher = new_dispatcher(&paths, EngineSettings::for_hook_process())?;
        let file = PluginFile::read(&plugin)?;
        let loader = dispatcher.loader();
        let loaded = loader
            .load(&file, |pre| {
                let context = crate::instance::CallContext {
                    plugin: Arc::new(crate::plugin::PluginId { name: file.display_name(), path: file.path.clone() }),
                    plugin_sha256: file.sha256.clone(),
                    session_id: String::new(),
                    grants: Default::default(),
                    memory_bytes: Limits::default().memory_bytes,
                    timeout: Limits::default().handle_timeout,
                    wait_deadline: std::time::Instant::now(),
                    task_timeout: Limits::default().task_timeout,
                    tasks: None,
                    cancel: Default::default(),
                };
                crate::instance::describe(loader.engine(), pre, context).map_err(|f| f.to_string())
            })
            .map_err(|err| format!("plugin {}: {err}", plugin.display()))?;
        let mut json = serde_json::to_value(&loaded.info).expect("serializes");
        json["sha256"] = file.sha256.clone().into();
        json["path"] = file.path.display().to_string().into();
        Ok::<_, String>(serde_json::to_string_pretty(&json).expect("serializes"))
    })();
    match result {
        Ok(json) => finish(Rendered { stdout: json, stderr: String::new(), exit_code: 0 }),
        Err(message) => finish(error(message)),
    }
}

pub fn error(message: String) -> Rendered {
    Rendered { stdout: String::new(), stderr: format!("fasthooks-host: {message}\n"), exit_code: 1 }
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
