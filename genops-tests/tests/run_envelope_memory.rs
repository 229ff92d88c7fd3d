//! A run's envelope is freed when the run ends: memory stays flat over 100,000 finished runs.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};

use tracing_subscriber::prelude::*;

/// The system allocator, counting the bytes live.
struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

#[derive(Debug)]
struct Denied;

impl From<genops::GovernanceError> for Denied {
    fn from(_: genops::GovernanceError) -> Self {
        Denied
    }
}

#[genops::track(provider = "openai", model = "gpt-4o-mini", enforce(reserve = 0.01))]
fn step() -> Result<(), Denied> {
    genops::record_cost(0.004);
    Ok(())
}

#[genops::track(operation = "invoke_agent", team = "agents", budget = 0.10)]
fn run() {
    step().unwrap();
    step().unwrap();
}

#[test]
fn memory_is_freed_when_runs_end() {
    let subscriber = tracing_subscriber::registry().with(genops::layer());
    tracing::subscriber::with_default(subscriber, || {
        // The first runs fill the caches (the ledger's row, prices, call sites).
        for _ in 0..1_000 {
            run();
        }
        let before = LIVE.load(Ordering::Relaxed);
        for _ in 0..100_000 {
            run();
        }
        let grown = LIVE.load(Ordering::Relaxed) - before;
        // An envelope kept per run would be megabytes by now.
        assert!(grown < 16 * 1024, "{grown} bytes still live");
    });
}
