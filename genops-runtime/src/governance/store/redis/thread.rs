//! The store's own thread: a current-thread tokio runtime that runs every Redis command, so a
//! tracked call on any executor (or none) only waits for an answer, and settlements go on
//! after the call has returned.

use std::sync::mpsc;

use tokio::runtime::Handle;
use tokio::sync::oneshot;

/// The store thread and a handle to its runtime.
pub(super) struct StoreThread {
    pub(super) handle: Handle,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl StoreThread {
    /// Starts the thread and its runtime.
    pub(super) fn start() -> Result<Self, String> {
        let (handle_tx, handle_rx) = mpsc::channel();
        let (stop, stopped) = oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("genops-budget-store".into())
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(runtime) => runtime,
                    Err(e) => {
                        let _ = handle_tx.send(Err(e.to_string()));
                        return;
                    }
                };
                let _ = handle_tx.send(Ok(runtime.handle().clone()));
                // The runtime lives and is dropped on this thread, outside any other runtime.
                runtime.block_on(async {
                    let _ = stopped.await;
                });
            })
            .map_err(|e| format!("could not start the budget store thread: {e}"))?;
        let handle = handle_rx
            .recv()
            .map_err(|e| e.to_string())?
            .map_err(|e| format!("could not start the budget store runtime: {e}"))?;
        Ok(StoreThread {
            handle,
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}

impl Drop for StoreThread {
    /// Stops the runtime (and the tasks left on it) and waits for the thread.
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
