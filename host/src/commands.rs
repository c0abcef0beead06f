//! The engine side of the command line (`fasthooks-engine`): hooks in-process, `describe`, the
//! daemon and the task listing. See [`crate::cli`] for the arguments and the front.

use crate::cli::{
    Command, DaemonAction, FALLBACK_NOTE_ENV, HookArgs, error, finish, hook_request, parse,
    read_event,
};
use crate::dispatch::{Dispatcher, HookRequest};
use crate::engine::{EngineSettings, new_engine, start_epoch_ticker};
use crate::paths::Paths;
use crate::plugin::{PluginFile, PluginInfo, PluginLoader};
use crate::protocol::Rendered;
use crate::request::Limits;
use crate::store::Store;
use crate::task_runner::PluginTaskRunner;
use crate::tasks::{TaskAccess, TaskConfig, TaskService};
use clap::ArgMatches;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

/// `fasthooks-engine`: every command, with the WebAssembly engine linked in.
pub fn main() -> ExitCode {
    let (cli, matches) = parse();
    match cli.command {
        Some(Command::Describe { plugin, home }) => describe(plugin, home),
        Some(Command::Daemon { action, home }) => {
            crate::admin::daemon(action_name(&action), home.as_deref())
        }
        Some(Command::Tasks {
            session,
            json,
            home,
        }) => crate::admin::tasks(session.as_deref(), json, home.as_deref()),
        Some(Command::Install(args)) => {
            crate::install::install(&args, subcommand_matches(&matches, "install"))
        }
        Some(Command::Uninstall(args)) => crate::install::uninstall(&args),
        None => run_hook(cli.hook, &matches),
    }
}

fn subcommand_matches<'a>(matches: &'a ArgMatches, name: &str) -> &'a ArgMatches {
    matches
        .subcommand_matches(name)
        .expect("clap parsed this subcommand")
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
    // A guest blocked in a host call (a sleep, a socket read) is out of the epoch deadline's
    // reach: the watchdog answers for it so the hook never outlives its deadline.
    let watchdog = start_watchdog(&request, &stdin);
    let mut rendered = run_inline(&paths, &request, &stdin);
    drop(watchdog);
    if let Some(why) = std::env::var_os(FALLBACK_NOTE_ENV) {
        let why = why.to_string_lossy();
        tracing::warn!("daemon unavailable, ran in-process: {why}");
        rendered.stderr.insert_str(
            0,
            &format!("fasthooks-host: daemon unavailable ({why}); ran in-process\n"),
        );
    }
    finish(rendered)
}

/// Ends the process with a fail-open (or --fail-closed) answer unless dropped first.
fn start_watchdog(request: &HookRequest, stdin: &[u8]) -> std::sync::mpsc::Sender<()> {
    let (done, dispatched) = std::sync::mpsc::channel::<()>();
    let deadline = crate::client::answer_deadline(request);
    let (request, stdin) = (request.clone(), stdin.to_vec());
    std::thread::spawn(move || {
        if let Err(std::sync::mpsc::RecvTimeoutError::Timeout) = dispatched.recv_timeout(deadline) {
            tracing::error!("hook not answered within {deadline:?}: giving up");
            let rendered = crate::cli::no_answer(
                &request,
                &stdin,
                &format!("the plugins did not answer within {deadline:?}"),
            );
            let code = rendered.exit_code;
            finish(rendered);
            std::process::exit(code);
        }
    });
    done
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
    let engine = new_engine(settings)
        .map_err(|err| format!("cannot start the WebAssembly engine: {err:#}"))?;
    start_epoch_ticker(&engine);
    let loader = Arc::new(
        PluginLoader::new(engine, &paths.cache)
            .map_err(|err| format!("cannot link the host interfaces: {err:#}"))?,
    );
    let data_dir = paths.data.clone();
    let runner_loader = loader.clone();
    let tasks = TaskAccess::lazy(move || {
        let store = Store::open(&data_dir)?;
        let service = TaskService::open(store, TaskConfig::default(), false)?;
        service.start_workers(Arc::new(PluginTaskRunner {
            loader: runner_loader.clone(),
        }));
        Ok(service)
    });
    Ok(Dispatcher::new(loader, Some(tasks)))
}

fn describe(plugin: PathBuf, home: Option<PathBuf>) -> ExitCode {
    let paths = Paths::resolve(home.as_deref());
    crate::logging::init(paths.logs.clone());
    let result = describe_plugin(&paths, &plugin).map(|(info, file)| {
        let mut json = serde_json::to_value(&info).expect("serializes");
        json["sha256"] = file.sha256.clone().into();
        json["path"] = file.path.display().to_string().into();
        serde_json::to_string_pretty(&json).expect("serializes")
    });
    match result {
        Ok(json) => finish(Rendered {
            stdout: json,
            stderr: String::new(),
            exit_code: 0,
        }),
        Err(message) => finish(error(message)),
    }
}

/// Load a plugin and ask it what it declares (its `describe()`), without handling any event.
pub fn describe_plugin(paths: &Paths, plugin: &Path) -> Result<(PluginInfo, PluginFile), String> {
    let dispatcher = new_dispatcher(paths, EngineSettings::for_hook_process())?;
    let file = PluginFile::read(plugin)?;
    let loader = dispatcher.loader();
    let loaded = loader
        .load(&file, |pre| {
            let context = crate::instance::CallContext {
                plugin: Arc::new(crate::plugin::PluginId {
                    name: file.display_name(),
                    path: file.path.clone(),
                }),
                plugin_sha256: file.sha256.clone(),
                session_id: String::new(),
                cwd: String::new(),
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
    Ok((loaded.info.clone(), file))
}
