//! The engine side of the command line (`fasthooks-engine`): hooks in-process, `describe`, the
//! daemon and the task listing. See [`crate::cli`] for the arguments and the front.

use crate::cli::{
    Command, DaemonAction, FALLBACK_NOTE_ENV, HookArgs, error, finish, hook_request, parse,
    read_event,
};
use crate::dispatch::{Dispatcher, HookRequest, PluginTaskRunner};
use crate::engine::{EngineSettings, new_engine, start_epoch_ticker};
use crate::paths::Paths;
use crate::plugin::{PluginFile, PluginLoader};
use crate::protocol::Rendered;
use crate::request::Limits;
use crate::store::Store;
use crate::tasks::{TaskAccess, TaskConfig, TaskService};
use clap::ArgMatches;
use std::path::PathBuf;
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
    let mut rendered = run_inline(&paths, &request, &stdin);
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
    let result = (|| {
        let dispatcher = new_dispatcher(&paths, EngineSettings::for_hook_process())?;
        let file = PluginFile::read(&plugin)?;
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
        Ok(json) => finish(Rendered {
            stdout: json,
            stderr: String::new(),
            exit_code: 0,
        }),
        Err(message) => finish(error(message)),
    }
}
