//! With no subscriber, a tracked call costs what `#[tracing::instrument]`'s disabled path costs:
//! its attribution expressions are not evaluated and it allocates nothing. Its own process: a
//! callsite's interest is process-wide, so no other test's subscriber may be alive.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

static EVALUATED: AtomicUsize = AtomicUsize::new(0);

fn customer_of(id: u32) -> String {
    EVALUATED.fetch_add(1, Ordering::SeqCst);
    format!("cust-{id}")
}

#[derive(Debug)]
struct AppError;

#[genops::track(team = "search", customer = customer_of(id), provider = "openai", model = model, err)]
fn tracked(id: u32, model: &str) -> Result<u32, AppError> {
    genops::record_usage(genops::Usage::new(10, 10));
    Ok(id)
}

#[genops::track(team = "search", customer = customer_of(id), provider = "openai", model = "gpt-4o")]
async fn tracked_async(id: u32) -> u32 {
    genops::record_usage(genops::Usage::new(10, 10));
    id
}

#[test]
fn without_a_subscriber_nothing_is_evaluated_or_allocated() {
    let noop_waker = std::task::Waker::noop();
    let mut cx = std::task::Context::from_waker(noop_waker);
    // Warm up anything lazily initialised once per process.
    let _ = tracked(0, "gpt-4o");
    let before = ALLOCATIONS.with(Cell::get);
    for i in 0..1_000 {
        assert_eq!(tracked(i, "gpt-4o").unwrap(), i);
        let mut future = std::pin::pin!(tracked_async(i));
        assert_eq!(future.as_mut().poll(&mut cx), std::task::Poll::Ready(i));
    }
    let allocations = ALLOCATIONS.with(Cell::get) - before;
    assert_eq!(
        EVALUATED.load(Ordering::SeqCst),
        0,
        "no attribution expression was evaluated"
    );
    assert_eq!(allocations, 0, "the disabled path allocates nothing");
}
