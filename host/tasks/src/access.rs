//! How an instance reaches the task store.

use crate::call::TaskPort;
use crate::scheduler::TaskService;
use crate::store::StoreError;
use std::sync::Arc;

type Opener = Box<dyn Fn() -> Result<TaskPort, StoreError> + Send + Sync>;

/// How an instance reaches the task store: owned and running (daemon), or reached on first use
/// (an in-process hook pays for the store only if a plugin touches tasks or state, and then
/// owns it or asks the daemon that does).
#[derive(Clone)]
pub struct TaskAccess(Arc<TaskAccessInner>);

struct TaskAccessInner {
    /// The first attempt's outcome, kept: a store that failed to open is not retried per call.
    port: std::sync::OnceLock<Result<TaskPort, Arc<StoreError>>>,
    open: Option<Opener>,
}

impl TaskAccess {
    pub fn ready(service: Arc<TaskService>) -> TaskAccess {
        let cell = std::sync::OnceLock::new();
        let _ = cell.set(Ok(TaskPort::Owner(service)));
        TaskAccess(Arc::new(TaskAccessInner {
            port: cell,
            open: None,
        }))
    }

    pub fn lazy(
        open: impl Fn() -> Result<TaskPort, StoreError> + Send + Sync + 'static,
    ) -> TaskAccess {
        TaskAccess(Arc::new(TaskAccessInner {
            port: std::sync::OnceLock::new(),
            open: Some(Box::new(open)),
        }))
    }

    pub fn get(&self) -> Result<TaskPort, Arc<StoreError>> {
        self.0
            .port
            .get_or_init(|| match &self.0.open {
                Some(open) => open().map_err(Arc::new),
                None => Err(Arc::new(StoreError::NotOpen)),
            })
            .clone()
    }

    /// The service, if this process opened the store and owns it.
    pub fn if_owned(&self) -> Option<Arc<TaskService>> {
        match self.0.port.get() {
            Some(Ok(TaskPort::Owner(service))) => Some(service.clone()),
            _ => None,
        }
    }
}
