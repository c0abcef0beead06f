//! The full `fasthooks-host` command line, hook form and subcommands. The front parses only the
//! hook form and hands everything else here by `exec`, so both binaries answer `--help` alike.
//!
//! Usage errors exit 1, never clap's usual 2: to Claude Code, exit 2 from a hook means "block
//! this", and a typo in settings.json must not block every tool call.

use clap::{ArgMatches, Args, CommandFactory, FromArgMatches, Parser, Subcommand};
use fasthooks_ipc::HookArgs;
use fasthooks_ipc::paths::HOME_ENV;
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "fasthooks-host",
    // The front execs this binary for everything but a hook: usage lines name the command
    // users type, not argv[0].
    bin_name = "fasthooks-host",
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
    #[command(after_help = "Example:\n  fasthooks-host describe ./guard.wasm")]
    Describe {
        plugin: PathBuf,
        #[arg(long, env = HOME_ENV, value_name = "DIR")]
        home: Option<PathBuf>,
    },
    /// Run one event through plugins without Claude Code: the answer Claude Code would get
    /// (stdout, stderr, exit code), the plugins' log lines and the tasks they queued.
    Test(Box<crate::test_run::TestArgs>),
    /// Show what a plugin is and asks for, before you grant or install it: name, version,
    /// sha256, contract version, events and matchers, capabilities with the flag that grants
    /// each, the interfaces it imports, and an install command pinned to this build.
    #[command(after_help = "Example:\n  fasthooks-host inspect ./review.wasm")]
    Inspect {
        plugin: PathBuf,
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
        #[arg(long, env = HOME_ENV, value_name = "DIR")]
        home: Option<PathBuf>,
    },
    /// The daemon's counters since it started, per plugin and event: calls, failures, and
    /// p50, p99 and max latency of the most recent calls (hooks run in-process are not
    /// counted).
    #[command(after_help = "Examples:\n  fasthooks-host stats\n  fasthooks-host stats --json")]
    Stats {
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
        #[arg(long, env = HOME_ENV, value_name = "DIR")]
        home: Option<PathBuf>,
    },
    /// Check an installation end to end: binaries, daemon, directories, the task store, and
    /// every fasthooks-host hook of the user, project and local settings (each plugin exists,
    /// matches its pinned sha256, loads, has the grants it needs, is compiled; none runs twice
    /// on one event). Exits 1 when it finds a problem.
    #[command(
        after_help = "Examples:\n  fasthooks-host doctor\n  fasthooks-host doctor --project-dir ~/src/app"
    )]
    Doctor {
        /// The project whose settings to check (default: the current directory).
        #[arg(long, value_name = "DIR")]
        project_dir: Option<PathBuf>,
        #[arg(long, env = HOME_ENV, value_name = "DIR")]
        home: Option<PathBuf>,
    },
    /// Show the host's log (plugins' lines, failures, tasks), picked by plugin, session, event
    /// or task key; --follow keeps printing new lines.
    #[command(
        after_help = "Examples:\n  fasthooks-host logs --plugin guard --lines 20\n  fasthooks-host logs --session 7c1d2e3f --follow"
    )]
    Logs {
        /// Only lines of this plugin (its name, as in describe()).
        #[arg(long, value_name = "NAME")]
        plugin: Option<String>,
        /// Only lines of this session.
        #[arg(long, value_name = "ID")]
        session: Option<String>,
        /// Only lines of hook calls for this event.
        #[arg(long, value_name = "EVENT")]
        event: Option<String>,
        /// Only lines of the background task with this key.
        #[arg(long, value_name = "KEY")]
        task: Option<String>,
        /// How many of the last matching lines to show (0: all).
        #[arg(long, short = 'n', value_name = "N", default_value_t = 100)]
        lines: usize,
        /// Keep printing matching lines as they are written.
        #[arg(long, short = 'f')]
        follow: bool,
        #[arg(long, env = HOME_ENV, value_name = "DIR")]
        home: Option<PathBuf>,
    },
    /// The per-user daemon that runs hooks and background tasks.
    #[command(
        after_help = "Examples:\n  fasthooks-host daemon status\n  fasthooks-host daemon stop\n  fasthooks-host daemon run --log-to-terminal"
    )]
    Daemon {
        #[command(subcommand)]
        action: DaemonAction,
        #[arg(long, env = HOME_ENV, value_name = "DIR", global = true)]
        home: Option<PathBuf>,
    },
    /// List background tasks: session, plugin, key, status, age, error, plugin file
    /// (`tasks show KEY` for one task's arguments and result, `tasks cancel` to stop them).
    #[command(
        after_help = "Examples:\n  fasthooks-host tasks --plugin review\n  fasthooks-host tasks show review:src/lib.rs"
    )]
    Tasks {
        #[command(subcommand)]
        action: Option<TasksAction>,
        /// Only this session's tasks.
        #[arg(long)]
        session: Option<String>,
        /// Only this plugin's tasks: its file (as in the hook command) or its name.
        #[arg(long, value_name = "PATH|NAME")]
        plugin: Option<String>,
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
        #[arg(long, env = HOME_ENV, value_name = "DIR", global = true)]
        home: Option<PathBuf>,
    },
    /// Make a plugin project: the SDK as a dependency, a handler in the seed's Quick Start
    /// shape, a unit test that passes, and a README with the commands that test, build and
    /// install it.
    #[command(
        after_help = "Example:\n  fasthooks-host new my-guard --lang rust && cd my-guard && cargo test"
    )]
    New {
        /// The plugin's name, and its folder's: lowercase letters, digits and `-`.
        name: String,
        /// Its language.
        #[arg(long, value_enum)]
        lang: crate::scaffold::Lang,
        /// Where to make its folder (default: here).
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
        /// The guest-sdk folder of fasthooks-host's source (default: the one this build came from).
        #[arg(long, value_name = "DIR")]
        sdk: Option<PathBuf>,
        /// Rust: take the SDK from fasthooks-host's git repository instead (cargo fetches it;
        /// add a `rev` or `tag` to the dependency in Cargo.toml to pin it).
        #[arg(long, value_name = "URL", conflicts_with = "sdk")]
        sdk_git: Option<String>,
    },
    /// Build a plugin project (Rust, Python or JavaScript/TypeScript, as `new` makes them) into
    /// DIR/NAME.wasm and print its path. The pinned toolchains are installed on first use.
    #[command(
        after_help = "Example:\n  fasthooks-host build my-guard && fasthooks-host install --plugin my-guard/my-guard.wasm"
    )]
    Build {
        /// The project (default: here).
        dir: Option<PathBuf>,
        /// The guest-sdk folder of fasthooks-host's source (default: the one this build came from).
        #[arg(long, value_name = "DIR")]
        sdk: Option<PathBuf>,
        /// The world to build against (default: plugin-http when the plugin sends HTTP requests).
        #[arg(long, value_enum)]
        world: Option<crate::build::World>,
        #[arg(long, env = HOME_ENV, value_name = "DIR")]
        home: Option<PathBuf>,
    },
    /// The wake hook `install` adds for a plugin that marks tasks with `tasks.wake`: run by
    /// Claude Code in the background after Claude stops (`asyncRewake`), it waits for this
    /// session's marked tasks, prints their results and exits 2, which wakes Claude with them.
    /// Exits 0 at once when nothing is marked.
    #[command(
        after_help = "Example (what install writes, as a Stop hook with \"asyncRewake\": true):\n  fasthooks-host wake --plugin review.wasm --sha256 HEX"
    )]
    Wake {
        /// The plugin, as in its hook command.
        #[arg(long, value_name = "PATH")]
        plugin: PathBuf,
        /// Refuse the plugin unless its bytes hash to this.
        #[arg(long, value_name = "HEX")]
        sha256: Option<String>,
        /// The longest wait for a marked task to finish.
        #[arg(long, value_name = "SECONDS", default_value_t = crate::wake::DEFAULT_WAIT_SECONDS)]
        wait_seconds: u64,
        #[arg(long, env = HOME_ENV, value_name = "DIR")]
        home: Option<PathBuf>,
    },
    /// Add hook entries that run a plugin to Claude Code's settings (events from its describe()).
    #[command(
        after_help = "Examples:\n  fasthooks-host install --plugin guard.wasm\n  fasthooks-host install --user --plugin review.wasm --allow-read '$CLAUDE_PROJECT_DIR' --allow-agent"
    )]
    Install(Box<InstallArgs>),
    /// Remove the hook entries `install` added for a plugin.
    #[command(after_help = "Example:\n  fasthooks-host uninstall --plugin guard.wasm")]
    Uninstall(UninstallArgs),
    /// Make a plugin into a Claude Code plugin directory to share: hooks/hooks.json pinned to
    /// this build's sha256 with exactly the grants given, plugin.json, the .wasm and a README
    /// listing the grants. Load it with `claude --plugin-dir DIR`, or list it in a marketplace
    /// folder with --marketplace.
    #[command(
        after_help = "Examples:\n  fasthooks-host package --plugin guard.wasm --out guard-plugin\n  fasthooks-host package --plugin docs.wasm --allow-read '$CLAUDE_PROJECT_DIR/docs' --out docs-plugin\n  fasthooks-host package --plugin guard.wasm --out team-hooks/guard --marketplace team-hooks"
    )]
    Package(Box<PackageArgs>),
    /// Internal: compile the plugin whose bytes are on stdin into OUT, a compile cache file (the
    /// child process that keeps the compiler out of the daemon; see `compile_child`).
    #[command(name = "compile-plugin", hide = true)]
    CompilePlugin {
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        #[arg(long, value_name = "HEX")]
        sha256: String,
    },
}

#[derive(Subcommand, Debug, Clone)]
pub enum TasksAction {
    /// One task in full: its arguments, value or error, times (every plugin's and session's
    /// task with this key, unless --plugin or --session narrow it).
    #[command(
        after_help = "Example:\n  fasthooks-host tasks show review:src/lib.rs --plugin review"
    )]
    Show {
        key: String,
        /// The plugin: its file (as in the hook command) or its name.
        #[arg(long, value_name = "PATH|NAME")]
        plugin: Option<String>,
        /// Only this session's task.
        #[arg(long)]
        session: Option<String>,
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
    /// Cancel unfinished tasks (running ones are stopped): one key's, and/or a plugin's and/or
    /// a session's.
    #[command(
        after_help = "Examples:\n  fasthooks-host tasks cancel review:src/lib.rs\n  fasthooks-host tasks cancel --plugin review --session 7c1d2e3f\n  fasthooks-host tasks cancel --all"
    )]
    Cancel {
        /// Only the task(s) with this key (of every plugin and session, unless --plugin or
        /// --session narrow it).
        key: Option<String>,
        /// The plugin: its file (as in the hook command) or its name.
        #[arg(long, value_name = "PATH|NAME")]
        plugin: Option<String>,
        /// Only this session's tasks.
        #[arg(long)]
        session: Option<String>,
        /// Every unfinished task of every plugin and session.
        #[arg(long, conflicts_with_all = ["key", "plugin", "session"])]
        all: bool,
    },
}

#[derive(Subcommand, Debug, Clone, Copy)]
pub enum DaemonAction {
    /// Is a daemon running? Its pid, version, workers, queued tasks (exit 3 if none).
    Status,
    /// Stop the daemon; its running tasks go back to the queue for the next one.
    Stop,
    /// Start the daemon unless one runs, and check it serves the `http` transport when that
    /// is installed (the SessionStart hook of an `http` install runs this). Exit 1 naming the
    /// cause when it does not.
    Start,
    /// Run the daemon in the foreground (hooks start it on demand; you rarely need this).
    Run {
        /// Leave the caller's process tree first (how hooks start it).
        #[arg(long, hide = true)]
        detach: bool,
        /// Write the log to this terminal (stderr) as well as to the log file.
        #[arg(long, conflicts_with = "detach")]
        log_to_terminal: bool,
    },
}

#[derive(Args, Debug)]
pub struct InstallArgs {
    #[command(flatten)]
    pub hook: HookArgs,
    #[command(flatten)]
    pub target: Target,
    /// Only these events (comma-separated or repeated) among those the plugin subscribes to.
    #[arg(long, value_name = "EVENT", value_delimiter = ',')]
    pub events: Vec<String>,
    /// Claude Code's own timeout for these entries, in seconds (the entry's "timeout"; it also
    /// raises the 1.5 s budget Claude Code gives SessionEnd hooks).
    #[arg(long, value_name = "SECONDS")]
    pub hook_timeout: Option<u64>,
    /// How Claude Code reaches the plugins: `command` runs fasthooks-host for every hook;
    /// `http` posts the event to the daemon on 127.0.0.1 (no process per hook, but it cannot
    /// fail closed: when the daemon is down Claude Code goes on without the hook).
    #[arg(long, value_enum, default_value = "command")]
    pub transport: Transport,
    /// The loopback port of the `http` transport [default: the one set before, else 47983].
    #[arg(long, value_name = "PORT")]
    pub http_port: Option<u16>,
    /// How `command` entries run the host: `exec` (`command` and `args`, no shell; Claude Code
    /// 2.1.139 and later) or `shell` (`sh -c`) [default: exec, unless the claude on PATH is
    /// older than 2.1.139].
    #[arg(long, value_enum, value_name = "FORM")]
    pub command_form: Option<CommandForm>,
}

/// How a `command` handler runs the host (see `install::exec_form`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CommandForm {
    /// `{"command": "fasthooks-host --plugin …"}`: Claude Code runs it with `sh -c`.
    Shell,
    /// `{"command": "fasthooks-host", "args": ["--plugin", …]}`: no shell.
    Exec,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Transport {
    Command,
    Http,
}

#[derive(Args, Debug)]
pub struct PackageArgs {
    #[command(flatten)]
    pub hook: HookArgs,
    /// The directory to create (it must not exist, or be empty).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// How the hooks name the host (default: fasthooks-host, found on PATH).
    #[arg(long, value_name = "PATH")]
    pub host: Option<String>,
    /// Only these events (comma-separated or repeated) among those the plugin subscribes to.
    #[arg(long, value_name = "EVENT", value_delimiter = ',')]
    pub events: Vec<String>,
    /// Claude Code's own timeout for these entries, in seconds.
    #[arg(long, value_name = "SECONDS")]
    pub hook_timeout: Option<u64>,
    /// Also list the package in the marketplace folder DIR (its
    /// .claude-plugin/marketplace.json, made when missing); --out must lie inside DIR.
    #[arg(long, value_name = "DIR")]
    pub marketplace: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct UninstallArgs {
    /// The plugin(s), as given to `install` (same list, same order).
    #[arg(long = "plugin", value_name = "PATH", required = true)]
    pub plugins: Vec<PathBuf>,
    #[command(flatten)]
    pub target: Target,
}

/// Which settings file.
#[derive(Args, Debug)]
pub struct Target {
    /// The project's shared settings, `<project>/.claude/settings.json` (the default).
    #[arg(long, conflicts_with_all = ["local", "user"])]
    pub project: bool,
    /// The project's personal settings, `<project>/.claude/settings.local.json` (not committed).
    #[arg(long, conflicts_with = "user")]
    pub local: bool,
    /// Your settings for every project, ~/.claude/settings.json.
    #[arg(long, conflicts_with = "project_dir")]
    pub user: bool,
    /// The project directory (default: the current directory).
    #[arg(long, value_name = "DIR")]
    pub project_dir: Option<PathBuf>,
}

/// A settings command's words (the program first) read as the hook form, as the front reads
/// them.
pub fn parse_hook_words(words: &[String]) -> anyhow::Result<(HookArgs, ArgMatches)> {
    // clap's message, on one line.
    let one_line = |err: clap::Error| {
        let text = err.to_string();
        let first = text.lines().next().unwrap_or_default();
        anyhow::anyhow!("{}", first.trim_start_matches("error: "))
    };
    let matches = Cli::command()
        .try_get_matches_from(words)
        .map_err(one_line)?;
    let cli = Cli::from_arg_matches(&matches).map_err(one_line)?;
    if cli.command.is_some() {
        anyhow::bail!("it runs a subcommand, not a hook");
    }
    Ok((cli.hook, matches))
}

/// The plugin and pin of a wake hook's words (`fasthooks-host wake --plugin P [--sha256 H]`),
/// or clap's message on one line.
pub fn parse_wake_words(words: &[String]) -> anyhow::Result<(PathBuf, Option<String>)> {
    let cli = Cli::try_parse_from(words).map_err(|err| {
        let text = err.to_string();
        let first = text.lines().next().unwrap_or_default();
        anyhow::anyhow!("{}", first.trim_start_matches("error: "))
    })?;
    match cli.command {
        Some(Command::Wake { plugin, sha256, .. }) => Ok((plugin, sha256)),
        _ => anyhow::bail!("it is not a wake hook"),
    }
}

/// Parse the command line; print clap's message and exit (1 on error, 0 for help) otherwise.
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
