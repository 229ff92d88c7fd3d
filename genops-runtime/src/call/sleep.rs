//! A sleep that does not block its executor's thread, on any executor: one timer thread for the
//! process, started on first use, wakes each sleeping future at its deadline.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Condvar, Mutex, OnceLock, PoisonError};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

/// The deadlines the timer thread waits for, soonest first, with the waker of each.
#[derive(Default)]
struct Timer {
    due: Mutex<BinaryHeap<Reverse<Due>>>,
    changed: Condvar,
}

/// A deadline and who to wake at it.
struct Due(Instant, Waker);

impl PartialEq for Due {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}
impl Eq for Due {}
impl PartialOrd for Due {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Due {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.cmp(&other.0)
    }
}

/// The process's timer, its thread started on first use.
fn timer() -> &'static Timer {
    static TIMER: OnceLock<&'static Timer> = OnceLock::new();
    TIMER.get_or_init(|| {
        let timer: &'static Timer = Box::leak(Box::default());
        std::thread::Builder::new()
            .name("genops-timer".into())
            .spawn(move || timer.run())
            .expect("the genops timer thread");
        timer
    })
}

impl Timer {
    /// Wakes each deadline as it passes, forever.
    fn run(&self) {
        let mut due = self.due.lock().unwrap_or_else(PoisonError::into_inner);
        loop {
            let now = Instant::now();
            while due.peek().is_some_and(|Reverse(d)| d.0 <= now) {
                if let Some(Reverse(Due(_, waker))) = due.pop() {
                    waker.wake();
                }
            }
            due = match due.peek() {
                Some(Reverse(next)) => {
                    let wait = next.0 - now;
                    self.changed
                        .wait_timeout(due, wait)
                        .unwrap_or_else(PoisonError::into_inner)
                        .0
                }
                None => self
                    .changed
                    .wait(due)
                    .unwrap_or_else(PoisonError::into_inner),
            };
        }
    }

    /// Wakes `waker` at `at`.
    fn wake_at(&self, at: Instant, waker: Waker) {
        self.due
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(Reverse(Due(at, waker)));
        self.changed.notify_one();
    }
}

/// A future ready `for` after it is made.
pub(crate) struct Sleep {
    until: Instant,
}

impl Sleep {
    /// Ready after `wait`.
    pub(crate) fn new(wait: Duration) -> Self {
        Sleep {
            until: Instant::now() + wait,
        }
    }
}

impl Future for Sleep {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if Instant::now() >= self.until {
            return Poll::Ready(());
        }
        timer().wake_at(self.until, cx.waker().clone());
        Poll::Pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sleeps_end_at_their_deadline_in_any_order() {
        let start = Instant::now();
        let (short, long) = run_both(
            Sleep::new(Duration::from_millis(20)),
            Sleep::new(Duration::from_millis(60)),
        );
        assert!(short >= Duration::from_millis(20), "{short:?}");
        assert!(long >= Duration::from_millis(60), "{long:?}");
        assert!(start.elapsed() < Duration::from_secs(5));
    }

    /// Runs both sleeps on this thread, parking between wakes: when each ended, from the start.
    fn run_both(a: Sleep, b: Sleep) -> (Duration, Duration) {
        use std::sync::Arc;
        use std::task::Wake;
        struct Unpark(std::thread::Thread);
        impl Wake for Unpark {
            fn wake(self: Arc<Self>) {
                self.0.unpark();
            }
        }
        let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
        let mut cx = Context::from_waker(&waker);
        let start = Instant::now();
        let (mut a, mut b) = (Box::pin(a), Box::pin(b));
        let (mut done_a, mut done_b) = (None, None);
        while done_a.is_none() || done_b.is_none() {
            if done_a.is_none() && a.as_mut().poll(&mut cx).is_ready() {
                done_a = Some(start.elapsed());
            }
            if done_b.is_none() && b.as_mut().poll(&mut cx).is_ready() {
                done_b = Some(start.elapsed());
            }
            std::thread::park_timeout(Duration::from_millis(200));
        }
        (done_a.unwrap_or_default(), done_b.unwrap_or_default())
    }
}
