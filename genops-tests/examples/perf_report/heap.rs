//! A counting global allocator, off unless a measurement window is open (one relaxed load per
//! allocation outside the memory section), and the process's resident set size.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicI64, AtomicU64, AtomicU8, Ordering};

struct Counting;

/// 0: not counting; 1: counting every thread; 2: counting only threads marked with `MARKED`.
static SCOPE: AtomicU8 = AtomicU8::new(0);
static ALLOCS: AtomicU64 = AtomicU64::new(0);
static DEALLOCS: AtomicU64 = AtomicU64::new(0);
static ALLOC_BYTES: AtomicU64 = AtomicU64::new(0);
static DEALLOC_BYTES: AtomicU64 = AtomicU64::new(0);
static LIVE: AtomicI64 = AtomicI64::new(0);
static PEAK: AtomicI64 = AtomicI64::new(0);

thread_local! {
    static MARKED: Cell<bool> = const { Cell::new(false) };
}

fn counted() -> bool {
    match SCOPE.load(Ordering::Relaxed) {
        0 => false,
        1 => true,
        _ => MARKED.try_with(Cell::get).unwrap_or(false),
    }
}

fn on_alloc(size: usize) {
    ALLOCS.fetch_add(1, Ordering::Relaxed);
    ALLOC_BYTES.fetch_add(size as u64, Ordering::Relaxed);
    let live = LIVE.fetch_add(size as i64, Ordering::Relaxed) + size as i64;
    PEAK.fetch_max(live, Ordering::Relaxed);
}

fn on_dealloc(size: usize) {
    DEALLOCS.fetch_add(1, Ordering::Relaxed);
    DEALLOC_BYTES.fetch_add(size as u64, Ordering::Relaxed);
    LIVE.fetch_sub(size as i64, Ordering::Relaxed);
}

// SAFETY: every call is forwarded unchanged to the system allocator; the counters only observe.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let ptr = System.alloc(layout);
        if !ptr.is_null() && counted() {
            on_alloc(layout.size());
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let ptr = System.alloc_zeroed(layout);
        if !ptr.is_null() && counted() {
            on_alloc(layout.size());
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout);
        if counted() {
            on_dealloc(layout.size());
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let new = System.realloc(ptr, layout, new_size);
        if !new.is_null() && counted() {
            on_dealloc(layout.size());
            on_alloc(new_size);
        }
        new
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// What the allocator saw in one window.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Heap {
    pub(crate) allocs: u64,
    pub(crate) alloc_bytes: u64,
    pub(crate) dealloc_bytes: u64,
    /// Net bytes allocated since the window opened.
    pub(crate) live: i64,
    /// The highest `live` since the window opened (or since `reset_peak`).
    pub(crate) peak: i64,
}

/// Opens a window counting every thread's allocations (background export threads included).
pub(crate) fn heap_start() {
    heap_open(1);
}

/// Opens a window counting only this thread's allocations, so the periodic wake-ups of other
/// threads (a collector, a batch processor) cannot show up as retained memory.
pub(crate) fn heap_start_this_thread() {
    MARKED.with(|m| m.set(true));
    heap_open(2);
}

fn heap_open(scope: u8) {
    SCOPE.store(0, Ordering::SeqCst);
    for counter in [&ALLOCS, &DEALLOCS, &ALLOC_BYTES, &DEALLOC_BYTES] {
        counter.store(0, Ordering::SeqCst);
    }
    LIVE.store(0, Ordering::SeqCst);
    PEAK.store(0, Ordering::SeqCst);
    SCOPE.store(scope, Ordering::SeqCst);
}

/// What the allocator has seen since the window opened, without closing it.
pub(crate) fn heap_read() -> Heap {
    Heap {
        allocs: ALLOCS.load(Ordering::SeqCst),
        alloc_bytes: ALLOC_BYTES.load(Ordering::SeqCst),
        dealloc_bytes: DEALLOC_BYTES.load(Ordering::SeqCst),
        live: LIVE.load(Ordering::SeqCst),
        peak: PEAK.load(Ordering::SeqCst),
    }
}

/// Closes the window and returns what it saw.
pub(crate) fn heap_stop() -> Heap {
    SCOPE.store(0, Ordering::SeqCst);
    MARKED.with(|m| m.set(false));
    heap_read()
}

/// Resident set size in bytes, from `/proc/self/statm` (4 KiB pages).
pub(crate) fn rss_bytes() -> f64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<f64>().ok())
        .map_or(f64::NAN, |pages| pages * 4096.0)
}

/// Peak resident set size in bytes (`VmHWM`).
pub(crate) fn rss_peak_bytes() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
            line.split_whitespace().nth(1)?.parse::<f64>().ok()
        })
        .map_or(f64::NAN, |kb| kb * 1024.0)
}
