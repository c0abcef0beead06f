//! What an [`App`](crate::App) shares with the [`Tasks`](crate::Tasks) handles it gives out:
//! the registered task functions and, in native builds, the in-memory stores that stand in
//! for the host (background task results and `state`).
//!
//! Natively, the `state` functions have no handle to find the store through, so dispatching an
//! event, running a task and [`App::in_session`](crate::App::in_session) enter a per-thread
//! *context* (this runtime and the session) for the duration of the call.

use std::cell::RefCell;
use std::rc::Rc;

use crate::tasks::TaskFn;

/// Registered task functions with their names, in registration order.
type TaskList = Vec<(String, Rc<TaskFn>)>;

/// The task functions of one app and, natively, its in-memory stores.
#[derive(Default)]
pub(crate) struct Runtime {
    functions: RefCell<TaskList>,
    #[cfg(not(target_arch = "wasm32"))]
    pub(crate) native: native::Stores,
}

impl Runtime {
    /// Registers `task` under `name`, replacing an earlier function of that name.
    pub(crate) fn insert(&self, name: String, task: Rc<TaskFn>) {
        let mut functions = self.functions.borrow_mut();
        match functions.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 = task,
            None => functions.push((name, task)),
        }
    }

    /// Runs the task `name` with `args`; an unknown name is an error.
    pub(crate) fn run(&self, name: &str, args: &str) -> Result<String, String> {
        // Clone the function out first: a task may register or look up tasks itself.
        let task = self
            .functions
            .borrow()
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, task)| Rc::clone(task));
        match task {
            Some(task) => task(args),
            None => Err(format!("unknown task `{name}`")),
        }
    }

    /// The registered task names, in registration order.
    pub(crate) fn names(&self) -> Vec<String> {
        self.functions
            .borrow()
            .iter()
            .map(|(n, _)| n.clone())
            .collect()
    }
}

/// The native stand-ins for the host's stores, and the per-thread context.
#[cfg(not(target_arch = "wasm32"))]
pub(crate) mod native {
    use super::Runtime;
    use std::cell::RefCell;
    use std::collections::BTreeMap;
    use std::rc::Rc;
    use std::time::{SystemTime, UNIX_EPOCH};

    use crate::tasks::TaskInfo;

    /// One task of the immediate backend.
    pub(crate) struct TaskRecord {
        pub(crate) session: String,
        pub(crate) ttl_seconds: u32,
        pub(crate) info: TaskInfo,
    }

    /// Where a state entry lives: `Some(session)` or `None` for the global scope.
    pub(crate) type StateKey = (Option<String>, String);

    /// The in-memory stores of one app.
    #[derive(Default)]
    pub(crate) struct Stores {
        pub(crate) tasks: RefCell<Vec<TaskRecord>>,
        pub(crate) state: RefCell<BTreeMap<StateKey, String>>,
        pub(crate) memory: RefCell<Vec<crate::memory::Note>>,
    }

    /// Milliseconds since the Unix epoch.
    pub(crate) fn now_ms() -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
    }

    /// The app and session a native call runs for.
    #[derive(Clone)]
    pub(crate) struct Context {
        pub(crate) runtime: Rc<Runtime>,
        pub(crate) session: Option<String>,
    }

    thread_local! {
        static CONTEXT: RefCell<Vec<Context>> = const { RefCell::new(Vec::new()) };
    }

    /// Leaves the context entered by [`enter`] when dropped (also while unwinding).
    pub(crate) struct Entered(());

    impl Drop for Entered {
        fn drop(&mut self) {
            CONTEXT.with(|stack| stack.borrow_mut().pop());
        }
    }

    /// Makes `runtime` and `session` the current context until the guard is dropped.
    pub(crate) fn enter(runtime: &Rc<Runtime>, session: Option<&str>) -> Entered {
        CONTEXT.with(|stack| {
            stack.borrow_mut().push(Context {
                runtime: Rc::clone(runtime),
                session: session.map(str::to_owned),
            })
        });
        Entered(())
    }

    /// Enters `runtime`, keeping the current session if the current context is the same app
    /// (a task run from a test inside [`App::in_session`](crate::App::in_session)).
    pub(crate) fn enter_keeping_session(runtime: &Rc<Runtime>) -> Entered {
        let session = current()
            .filter(|c| Rc::ptr_eq(&c.runtime, runtime))
            .and_then(|c| c.session);
        enter(runtime, session.as_deref())
    }

    /// The innermost context, if any.
    pub(crate) fn current() -> Option<Context> {
        CONTEXT.with(|stack| stack.borrow().last().cloned())
    }
}
