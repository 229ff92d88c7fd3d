//! The FOCUS export of an installed genops: a thread that drains the ledger at each period's
//! end and writes the period's file, and writes the last, partial period when stopped.

use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::period::unix_seconds;
use super::writer::FocusWriter;
use crate::ledger::Ledger;

/// The running export: stopping it (or dropping it) writes the partial period.
#[derive(Debug)]
pub(crate) struct FocusExport {
    stop: Arc<(Mutex<bool>, Condvar)>,
    thread: Option<JoinHandle<()>>,
}

impl FocusExport {
    /// Starts writing `ledger`'s periods with `writer`, from where its directory ends (or the
    /// start of the current period).
    pub(crate) fn start(ledger: Ledger, mut writer: FocusWriter) -> std::io::Result<Self> {
        let stop = Arc::new((Mutex::new(false), Condvar::new()));
        let stopped = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("genops-focus".into())
            .spawn(move || run(&ledger, &mut writer, &stopped))?;
        Ok(FocusExport {
            stop,
            thread: Some(thread),
        })
    }
}

impl Drop for FocusExport {
    fn drop(&mut self) {
        let (lock, wake) = &*self.stop;
        *lock.lock().unwrap_or_else(PoisonError::into_inner) = true;
        wake.notify_all();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The export's loop: a file per period until stopped, then the partial one.
fn run(ledger: &Ledger, writer: &mut FocusWriter, stop: &(Mutex<bool>, Condvar)) {
    let period = writer.settings().period;
    let now = unix_seconds(SystemTime::now());
    let current = period.start_of(now);
    let resumed = writer.written_until().map(unix_seconds);
    let mut start = resumed.map_or(current, |until| until.max(current));
    let (lock, wake) = stop;
    loop {
        let end = period.end_after(start);
        let mut stopped = lock.lock().unwrap_or_else(PoisonError::into_inner);
        loop {
            let now = unix_seconds(SystemTime::now());
            if *stopped || now >= end {
                break;
            }
            let wait = Duration::from_secs(end - now);
            stopped = wake
                .wait_timeout(stopped, wait)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        let last = *stopped;
        drop(stopped);
        let end = if last {
            unix_seconds(SystemTime::now()).clamp(start + 1, end)
        } else {
            end
        };
        let drained = ledger.drain();
        if drained.total.calls > 0 {
            let at = |secs: u64| UNIX_EPOCH + Duration::from_secs(secs);
            if let Err(error) = writer.write(&drained, at(start), at(end)) {
                tracing::warn!(target: "genops", %error, "could not write a FOCUS file");
            }
        }
        if last {
            return;
        }
        start = end;
    }
}
