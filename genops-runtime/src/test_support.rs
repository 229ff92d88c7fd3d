//! Helpers for the unit tests.

use crate::call::TrackedSpan;
use crate::usage::Usage;

/// One tracked `chat` call to openai for `team` on `model` that records `usage`; the returned
/// handle finishes the call when dropped.
pub(crate) fn tracked_call(team: &str, model: &str, usage: Usage) -> TrackedSpan {
    let span = crate::__tracked_span!(
        level: tracing::Level::INFO,
        name: "chat",
        operation: "chat",
        provider: "openai",
        kind: "client",
        model: model,
        otel_name: tracing::field::Empty,
        sample_rate: tracing::field::Empty,
        attribution: [team, tracing::field::Empty, tracing::field::Empty, "cust-1",
            tracing::field::Empty, tracing::field::Empty, tracing::field::Empty],
        fields: {},
    );
    let call = TrackedSpan::__new(span);
    {
        let _entered = call.enter();
        crate::record_usage(usage);
    }
    call
}

/// Bytes allocated and not yet freed by the current thread while [`counting`] runs (the
/// global allocator of the unit tests counts only there).
pub(crate) mod heap {
    use std::alloc::{GlobalAlloc, Layout, System};
    use std::cell::Cell;

    thread_local! {
        static ON: Cell<bool> = const { Cell::new(false) };
        static LIVE: Cell<isize> = const { Cell::new(0) };
    }

    struct ThreadCounting;

    fn count(delta: isize) {
        if ON.try_with(Cell::get).unwrap_or(false) {
            let _ = LIVE.try_with(|live| live.set(live.get() + delta));
        }
    }

    // SAFETY: every call is forwarded unchanged to the system allocator; the counters only
    // observe.
    unsafe impl GlobalAlloc for ThreadCounting {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            let ptr = System.alloc(layout);
            if !ptr.is_null() {
                count(layout.size() as isize);
            }
            ptr
        }
        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            System.dealloc(ptr, layout);
            count(-(layout.size() as isize));
        }
        unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
            let new = System.realloc(ptr, layout, new_size);
            if !new.is_null() {
                count(new_size as isize - layout.size() as isize);
            }
            new
        }
    }

    #[global_allocator]
    static ALLOCATOR: ThreadCounting = ThreadCounting;

    /// Runs `f`, and returns its result with the bytes it left allocated on this thread.
    pub(crate) fn counting<T>(f: impl FnOnce() -> T) -> (T, isize) {
        LIVE.with(|live| live.set(0));
        ON.with(|on| on.set(true));
        let out = f();
        ON.with(|on| on.set(false));
        (out, LIVE.with(Cell::get))
    }
}
