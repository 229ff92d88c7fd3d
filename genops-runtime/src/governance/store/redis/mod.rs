//! The Redis budget store: budgets shared by every replica that names the same server.
//!
//! Admission is synchronous for the tracked call, which may run on an async executor: the
//! reservation script runs on this store's own thread (a current-thread tokio runtime) and the
//! call waits for its answer at most the store's admission timeout, then applies the budget's
//! [`FailMode`](crate::FailMode). Settling never waits: it is sent to that thread, retried with
//! the same reservation id until the store takes it, and flushed when the layer is dropped.
//!
//! The store's parts, each a file: what it keeps in Redis and the scripts that change it
//! (`scripts`; `limits` for rate limits and kills; `admission`, the one script of a gated
//! call's admission), the connection (`connection`) and the thread that runs it (`thread`), the
//! store's clock (`clock`), leases (`leases`), outages (`outage`), settlements and their queue
//! (`settlement`), what the callers and the thread share (`shared`), the thread's chores
//! (`background`), and the store the engine talks to (`store`).

mod admission;
mod background;
mod clock;
mod connection;
mod leases;
mod limits;
mod outage;
mod scripts;
mod settlement;
mod shared;
mod store;
mod thread;

pub(crate) use store::RedisStore;
