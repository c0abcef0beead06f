//! One call into a plugin: a fresh sandboxed instance, the export, and a failure described in one
//! line (trap, timeout, cancellation, guest error), with what the guest printed kept for the log.

use crate::call::CallContext;
use crate::sandbox::{InstanceState, Interruption, new_store};
use crate::wit::{PluginCore, PluginCorePre, types};
use fasthooks_protocol::{HookEvent, Response};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};
use wasmtime::{Engine, Store, Trap};

/// How a call into a plugin ended without an answer; displayed after the plugin's name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallFailure {
    #[error("did not finish within {} ms and was stopped", .0.as_millis())]
    TimedOut(Duration),
    /// Stopped at what the hook's `--deadline-ms` left it (less than its `--timeout-ms`).
    #[error(
        "was stopped after {} ms, all the hook's --deadline-ms left it",
        .0.as_millis()
    )]
    OutOfHookTime(Duration),
    #[error("cancelled")]
    Cancelled,
    #[error("crashed: {0}")]
    Trapped(String),
    /// The export ran and returned `Err`.
    #[error("returned an error: {0}")]
    Returned(String),
    /// The host could not set up the instance.
    #[error("{0}")]
    Setup(String),
}

impl CallFailure {
    /// As the task scheduler records it: the guest's own error text stays as it was.
    pub fn into_task_failure(self) -> fasthooks_tasks::TaskFailure {
        use fasthooks_tasks::TaskFailure;
        match self {
            CallFailure::Cancelled => TaskFailure::Cancelled,
            CallFailure::Returned(text) => TaskFailure::Returned(text),
            other => TaskFailure::Failed(other.to_string()),
        }
    }
}

/// wasmtime errors carry a chain of contexts; a hook prints one line.
pub fn one_line(err: &wasmtime::Error) -> String {
    format!("{err:#}").replace('\n', " ")
}

/// A guest export call on a fresh instance, as a future borrowing the store.
type Call<'a, R> = Pin<Box<dyn Future<Output = wasmtime::Result<Result<R, String>>> + Send + 'a>>;

thread_local! {
    /// Guest calls run as futures on the calling thread's own single-threaded runtime, so the
    /// WASI calls a guest blocks in (a sleep, a socket read) can be abandoned at the deadline
    /// or on cancellation: the epoch deadline only reaches a guest while it runs wasm code.
    /// Only plugins granted the network or HTTP need the I/O driver; the others skip its set-up.
    static RUNTIME: tokio::runtime::Runtime = runtime(false);
    static RUNTIME_WITH_IO: tokio::runtime::Runtime = runtime(true);
}

fn runtime(io: bool) -> tokio::runtime::Runtime {
    let mut builder = tokio::runtime::Builder::new_current_thread();
    builder.enable_time();
    if io {
        builder.enable_io();
    }
    builder.build().expect("a tokio runtime for guest calls")
}

/// How often a guest blocked in a host call looks at its cancellation flag.
const CANCEL_POLL: Duration = Duration::from_millis(5);

/// Run `call` (which instantiates the plugin) in a fresh store, bounded in CPU time (epoch
/// deadline), in wall-clock time (waits on tasks included) and by cancellation.
fn with_instance<R: Send>(
    engine: &Engine,
    pre: &PluginCorePre<InstanceState>,
    context: CallContext,
    call: impl for<'a> FnOnce(
        &'a PluginCorePre<InstanceState>,
        &'a mut Store<InstanceState>,
    ) -> Call<'a, R>
    + Send,
) -> Result<R, CallFailure> {
    let timeout = context.timeout;
    let timed_out = if context.timeout_cut {
        CallFailure::OutOfHookTime(timeout)
    } else {
        CallFailure::TimedOut(timeout)
    };
    let cancel = context.cancel.clone();
    let runtime = if context.grants.net_hosts.is_empty() && context.grants.http.is_empty() {
        &RUNTIME
    } else {
        &RUNTIME_WITH_IO
    };
    let _slot = crate::share::take(&context.plugin.path)
        .map_err(|err| CallFailure::Setup(err.to_string()))?;
    let mut store =
        new_store(engine, context).map_err(|err| CallFailure::Setup(err.to_string()))?;
    // The wall-clock end of the call: its time limit plus a small margin, pushed back by the
    // time the guest spends waiting on tasks (see `InstanceState::extend_deadline`). It stops a
    // guest blocked in a host call (a sleep, a socket read), which the epoch deadline cannot.
    let wall = store.data().wall_deadline.clone();
    let outcome = runtime.with(|runtime| {
        runtime.block_on(async {
            let run = call(pre, &mut store);
            let cancelled = async {
                while !cancel.load(Ordering::Relaxed) {
                    tokio::time::sleep(CANCEL_POLL).await;
                }
            };
            tokio::select! {
                result = run => Some(result),
                () = wall_clock_end(&wall) => None,
                () = cancelled => None,
            }
        })
    });
    log_guest_output(&store);
    // Only a call that returned has really received what it popped.
    store
        .data_mut()
        .settle_taken(matches!(outcome, Some(Ok(_))));
    match outcome {
        Some(Ok(Ok(value))) => Ok(value),
        Some(Ok(Err(err))) => Err(CallFailure::Returned(err)),
        Some(Err(err)) => Err(classify(&store, &err, timed_out)),
        // Abandoned while blocked in a host call.
        None if cancel.load(Ordering::Relaxed) => Err(CallFailure::Cancelled),
        None => Err(timed_out),
    }
}

/// Resolves when the wall clock passes `deadline` (which may move later meanwhile).
async fn wall_clock_end(deadline: &std::sync::Mutex<Instant>) {
    loop {
        let until = *deadline.lock().unwrap_or_else(|e| e.into_inner());
        if Instant::now() >= until {
            return;
        }
        tokio::time::sleep_until(until.into()).await;
    }
}

fn classify(
    store: &Store<InstanceState>,
    err: &wasmtime::Error,
    timed_out: CallFailure,
) -> CallFailure {
    match store.data().interrupted {
        Some(Interruption::DeadlineExceeded) => return timed_out,
        Some(Interruption::Cancelled) => return CallFailure::Cancelled,
        None => {}
    }
    if store.data().memory_refused().is_some() {
        return CallFailure::Trapped(format!(
            "ran out of memory (limit {} MiB; raise it with --max-memory-mb)",
            store.data().memory_limit() >> 20
        ));
    }
    let mut what = match err.downcast_ref::<Trap>() {
        Some(Trap::UnreachableCodeReached) => {
            "wasm trap: unreachable code (a panic or abort)".to_owned()
        }
        Some(trap) => format!("wasm trap: {trap}"),
        None => one_line(err),
    };
    let (_, stderr) = store.data().captured_output();
    if let Some(last_words) = last_words(&stderr) {
        what.push_str(&format!(" (guest stderr: {last_words})"));
    }
    CallFailure::Trapped(what)
}

/// What a crashing guest said last: a Rust panic message (which spans the lines after
/// "panicked at"), an allocation failure, or the last non-empty line, minus the backtrace hint.
fn last_words(stderr: &str) -> Option<String> {
    let from = stderr.rfind("panicked at").unwrap_or_else(|| {
        stderr
            .trim_end()
            .rfind('\n')
            .map_or(0, |newline| newline + 1)
    });
    let words: Vec<&str> = stderr[from..]
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with("note: run with `RUST_BACKTRACE"))
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}

fn log_guest_output(store: &Store<InstanceState>) {
    let state = store.data();
    let (stdout, stderr) = state.captured_output();
    let (plugin, path) = (state.plugin.name.as_str(), &state.plugin.path);
    let (session, event, task) = state.log_fields();
    for (stream, text) in [("stdout", &stdout), ("stderr", &stderr)] {
        for line in text.lines() {
            let line = crate::logging::guest_line(line, 16 << 10);
            crate::logging::within_rate(path, plugin, || {
                tracing::info!(plugin, session, event, task, stream, "{line}")
            });
        }
    }
}

/// `describe()` answers a constant: it gets a short deadline of its own, whatever the hook's
/// limits, so a plugin stuck there costs the others of its command little.
pub const DESCRIBE_TIMEOUT: Duration = Duration::from_secs(3);

/// What a plugin says about itself, asked of one instance: `describe()`, and the names of its
/// tasks from `task-names()`, which plugins built before 0.1.4 do not export (`None`).
pub struct Described {
    pub info: types::PluginInfo,
    pub task_names: Option<Vec<String>>,
}

pub fn describe(
    engine: &Engine,
    pre: &PluginCorePre<InstanceState>,
    context: CallContext,
) -> Result<Described, CallFailure> {
    let context = CallContext {
        timeout: context.timeout.min(DESCRIBE_TIMEOUT),
        wait_deadline: Instant::now(),
        called: crate::call::Called::Describe,
        ..context
    };
    with_instance(engine, pre, context, |pre, store| {
        Box::pin(async move {
            let instance = pre.instance_pre().instantiate_async(&mut *store).await?;
            let plugin = PluginCore::new(&mut *store, &instance)?;
            let info = plugin.call_describe(&mut *store).await?;
            let task_names = match instance
                .get_typed_func::<(), (Vec<String>,)>(&mut *store, crate::wit::TASK_NAMES_EXPORT)
            {
                Ok(func) => Some(func.call_async(&mut *store, ()).await?.0),
                Err(_) => None,
            };
            Ok(Ok(Described { info, task_names }))
        })
    })
}

pub fn handle(
    engine: &Engine,
    pre: &PluginCorePre<InstanceState>,
    context: CallContext,
    event: &HookEvent,
) -> Result<Response, CallFailure> {
    let wit_event = types::Event {
        name: event.name.clone(),
        session_id: event.session_id.clone(),
        cwd: event.cwd.clone(),
        transcript_path: event.transcript_path.clone(),
        permission_mode: event.permission_mode.clone(),
        tool_name: event.tool_name.clone(),
        raw_json: event.raw_json.clone(),
    };
    let response = with_instance(engine, pre, context, |pre, store| {
        Box::pin(async move {
            let plugin = pre.instantiate_async(&mut *store).await?;
            plugin.call_handle(store, &wit_event).await
        })
    })?;
    crate::wit::from_wit_response(response).map_err(CallFailure::Returned)
}

pub fn run_task(
    engine: &Engine,
    pre: &PluginCorePre<InstanceState>,
    context: CallContext,
    name: &str,
    args: &str,
) -> Result<String, CallFailure> {
    let (name, args) = (name.to_owned(), args.to_owned());
    with_instance(engine, pre, context, move |pre, store| {
        Box::pin(async move {
            let plugin = pre.instantiate_async(&mut *store).await?;
            plugin.call_run_task(store, &name, &args).await
        })
    })
}

#[cfg(test)]
mod tests {
    use super::last_words;

    #[test]
    fn last_words_of_a_panic_skip_the_backtrace_hint() {
        let stderr = "\nthread '<unnamed>' panicked at src/lib.rs:53:23:\nboom\nnote: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n";
        assert_eq!(
            last_words(stderr).as_deref(),
            Some("panicked at src/lib.rs:53:23: boom")
        );
        assert_eq!(
            last_words("x\nmemory allocation of 16 bytes failed\n").as_deref(),
            Some("memory allocation of 16 bytes failed")
        );
        assert_eq!(last_words(""), None);
    }
}
