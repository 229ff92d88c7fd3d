//! Section 8, instructions per call: each gated mode and its bare call counted by callgrind
//! (`--instructions`).
//!
//! Time on a shared 2-core machine moves with its load: the best of five fresh processes of one
//! and the same binary has measured 41% over its own baseline on an idle machine. An instruction
//! count does not move with load, so it can hold genops to a tight tolerance where time cannot.
//! It cannot see waits, contention or cache misses; the timed ratios stay in the gate for those.
//!
//! Each count is a fresh process of this binary under `valgrind --tool=callgrind`, running one
//! mode with `--profile`. Collection is on only inside [`counted_batch`], so set-up, warm-up,
//! and any background thread are not counted.

use std::collections::BTreeMap;
use std::hint::black_box;
use std::path::Path;
use std::process::Command;

use crate::modes::{bare_of, run_batch, Body, Mode, MODES};
use crate::plan::progress;
use crate::stats::Metrics;
use crate::table::{f, thousands, Table};
use crate::targets::gated;

/// Calls counted per mode: enough that a per-call figure is exact to a hundredth of an
/// instruction, few enough that every mode takes a few seconds under callgrind.
pub(crate) const CALLS: u64 = 20_000;

/// The batch of calls callgrind counts: it collects only while this function runs
/// (`--toggle-collect`), so it must never be inlined.
#[inline(never)]
pub(crate) fn counted_batch(rt: &tokio::runtime::Runtime, body: Body, calls: u64) {
    black_box(run_batch(rt, body, calls));
}

/// The name callgrind toggles collection on.
const TOGGLE: &str = "*counted_batch*";

/// Counts every gated mode and the bare calls they are compared with, into `m` as
/// `instructions.KEY.per_call` and `instructions.KEY.ratio` (to its bare call).
pub(crate) fn measure_instructions(m: &mut Metrics) -> Result<(), String> {
    let exe = std::env::current_exe().map_err(|e| format!("the report's own path: {e}"))?;
    let modes = MODES.iter().filter(|mode| gated(mode));
    let bares: BTreeMap<&str, &Mode> = modes
        .clone()
        .map(|mode| (bare_of(mode).key, bare_of(mode)))
        .collect();
    let mut per_call = BTreeMap::new();
    for mode in bares.into_values().chain(modes.clone()) {
        progress(&format!(
            "counting the instructions of {} (callgrind)",
            mode.key
        ));
        let count = count(&exe, mode.key)? as f64 / CALLS as f64;
        m.insert(format!("instructions.{}.per_call", mode.key), count);
        per_call.insert(mode.key, count);
    }
    for mode in modes {
        let bare = per_call[bare_of(mode).key];
        m.insert(
            format!("instructions.{}.ratio", mode.key),
            per_call[mode.key] / bare,
        );
    }
    Ok(())
}

/// Instructions executed by `CALLS` calls of mode `key`, in a fresh process under callgrind.
fn count(exe: &Path, key: &str) -> Result<u64, String> {
    let out = std::env::temp_dir().join(format!("genops-callgrind-{}-{key}", std::process::id()));
    let run = Command::new("valgrind")
        .arg("--tool=callgrind")
        .arg("--collect-atstart=no")
        .arg(format!("--toggle-collect={TOGGLE}"))
        .arg(format!("--callgrind-out-file={}", out.display()))
        .arg(exe)
        .args(["--profile", key, &CALLS.to_string()])
        .output()
        .map_err(|e| {
            format!("--instructions runs valgrind, which did not start ({e}): install valgrind")
        })?;
    let text = std::fs::read_to_string(&out);
    let _ = std::fs::remove_file(&out);
    if !run.status.success() {
        return Err(format!(
            "callgrind on mode {key} failed ({}):\n{}",
            run.status,
            String::from_utf8_lossy(&run.stderr)
        ));
    }
    let text = text.map_err(|e| format!("callgrind wrote no {}: {e}", out.display()))?;
    total(&text).ok_or(format!(
        "callgrind's output for mode {key} has no instruction total"
    ))
}

/// The instruction total of a callgrind output file (its `summary:` or `totals:` line).
fn total(callgrind_out: &str) -> Option<u64> {
    callgrind_out.lines().find_map(|line| {
        let rest = line
            .strip_prefix("summary:")
            .or_else(|| line.strip_prefix("totals:"))?;
        rest.split_whitespace().next()?.parse().ok()
    })
}

/// Section 8's table, from the figures `measure_instructions` left in `m`.
pub(crate) fn render_instructions(m: &Metrics) -> String {
    let mut t = Table::new(&["mode", "instructions per call", "ratio to its bare call"]);
    for mode in MODES.iter().filter(|mode| gated(mode)) {
        let (Some(per_call), Some(ratio)) = (
            m.get(&format!("instructions.{}.per_call", mode.key)),
            m.get(&format!("instructions.{}.ratio", mode.key)),
        ) else {
            continue;
        };
        t.row(vec![
            mode.label.to_owned(),
            thousands(per_call.round()),
            f(*ratio, 2),
        ]);
    }
    format!(
        "## 8. Instructions per call\n\nCounted by callgrind over {} calls of each mode, in a \
         fresh process, against the bare call's own count. Unlike time, a count does not move \
         with the machine's load.\n\n{}",
        thousands(CALLS as f64),
        t.render()
    )
}
