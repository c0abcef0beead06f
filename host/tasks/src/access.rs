//! How an instance reaches the task service.

use crate::scheduler::TaskService;
use crate::store::StoreError;
use std::sync::Arc;

type Opener = Box<dyn Fn() -> Result<Arc<TaskService>, StoreError> + Send + Sync>;

/// How an instance reaches the task service: already running (daemon), or opened on first use
/// (an `--inline` hook process pays for the store only if a plugin touches tasks or state).
#[derive(Clone)]
pub struct TaskAccess(Arc<TaskAccessInner>);

struct TaskAccessInner {
    /// The first attempt's outcome, kept: a store that failed to open is not retried per call.
    service: std::sync::OnceLock<Result<Arc<TaskService>, Arc<StoreError>>>,
    open: Option<Opener>,
}

impl TaskAccess {
    pub fn ready(service: Arc<TaskService>) -> TaskAccess {
        let cell = std::sync::OnceLock::new();
        let _ = cell.set(Ok(service));
        TaskAccess(Arc::new(TaskAccessInner {
            service: cell,
            open: None,
        }))
    }

    pub fn lazy(
        open: impl Fn() -> Result<Arc<TaskService>, StoreError> + Send + Sync + 'static,
    ) -> TaskAccess {
        TaskAccess(Arc::new(TaskAccessInner {
            service: std::sync::OnceLock::new(),
            open: Some(Box::new(open)),
        }))
    }

    pub fn get(&self) -> Result<Arc<TaskService>, Arc<StoreError>> {
        self.0
            .service
            .get_or_init(|| match &self.0.open {
                Some(open) => open().map_err(Arc::new),
                None => Err(Arc::new(StoreError::NotOpen)),
            })
            .clone()
    }

    /// The service if something already opened it.
    pub fn if_open(&self) -> Option<Arc<TaskService>> {
        self.0.service.get().and_then(|r| r.as_ref().ok()).cloned()
    }
}
