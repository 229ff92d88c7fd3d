//! `init()`'s log output: what a line shows, where it goes, and that it has no colour codes when
//! it is not a terminal. The process runs `init()` with its default log output, as a service
//! does, and the parent reads its stderr and stdout.

mod support;

use support::child::{run_child, run_if_child, transcript};

#[genops::track(team = "search", provider = "openai", model = "gpt-4o-mini")]
fn slow_call() {
    tracing::warn!(retry = 2, "provider slow, retrying");
    genops::record_usage(genops::Usage::new(1_000, 100));
}

#[genops::track(team = "labs", provider = "openai", model = "no-such-model")]
fn unpriced_call() {
    genops::record_usage(genops::Usage::new(10, 10));
}

/// A service: `init()` with its default log output (the child of
/// `log_lines_show_the_call_and_go_to_stderr_without_colour`).
fn child_service() {
    let guard = genops::init().install().expect("install");
    let request = tracing::info_span!("request", id = 7);
    {
        let _request = request.enter();
        slow_call();
        tracing::info!("request served");
    }
    unpriced_call();
    println!("calls={}", guard.ledger().snapshot().total.calls);
}

/// `init()` as a scoped dispatcher (the child of
/// `log_lines_show_the_call_under_a_scoped_dispatcher_too`).
fn child_scoped() {
    let (dispatch, _guard) = genops::init().into_dispatch().expect("init");
    // Another scoped dispatcher elsewhere in the process, as a test harness or a
    // `.with_subscriber()` future has.
    let other = std::thread::spawn(|| {
        let _elsewhere = tracing::dispatcher::set_default(&tracing::Dispatch::none());
        std::thread::sleep(std::time::Duration::from_millis(200));
    });
    tracing::dispatcher::with_default(&dispatch, slow_call);
    other.join().unwrap();
}

#[test]
fn log_lines_show_the_call_under_a_scoped_dispatcher_too() {
    run_if_child(&[("child_scoped", child_scoped)]);
    let output = run_child("child_scoped", &[]);
    let text = transcript(&output);
    assert!(output.status.success(), "{text}");
    assert!(
        String::from_utf8_lossy(&output.stderr).contains(
            " WARN chat gpt-4o-mini{team=search provider=openai model=gpt-4o-mini}: log_output: provider slow"
        ),
        "{text}"
    );
}

#[test]
fn log_lines_show_the_call_and_go_to_stderr_without_colour() {
    run_if_child(&[("child_service", child_service)]);
    let output = run_child("child_service", &[]);
    let text = transcript(&output);
    assert!(output.status.success(), "{text}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let stdout = String::from_utf8_lossy(&output.stdout);
    // Piped, so no ANSI escape codes at all.
    assert!(!stderr.contains('\u{1b}'), "{text}");
    // The user's event inside a tracked call, inside an ordinary span: both in its scope, the
    // tracked call with its team, provider and model.
    let slow = stderr
        .lines()
        .find(|l| l.contains("provider slow, retrying"))
        .unwrap_or_else(|| panic!("no user event:\n{text}"));
    assert!(slow.contains(" WARN "), "{slow}");
    assert!(
        slow.contains("request{id=7}:chat gpt-4o-mini{team=search provider=openai model=gpt-4o-mini}: log_output: provider slow, retrying retry=2"),
        "{slow}"
    );
    // An event outside any tracked call keeps the ordinary span's context only.
    let served = stderr
        .lines()
        .find(|l| l.contains("request served"))
        .unwrap_or_else(|| panic!("no second event:\n{text}"));
    assert!(
        served.contains(" INFO request{id=7}: log_output: request served"),
        "{served}"
    );
    // genops's own WARN for an unpriced model, with the provider and model.
    let unpriced = stderr
        .lines()
        .find(|l| l.contains("no price is known for this model"))
        .unwrap_or_else(|| panic!("no unknown-model warning:\n{text}"));
    assert!(unpriced.contains(" WARN genops: "), "{unpriced}");
    assert!(
        unpriced.contains("provider=\"openai\" model=\"no-such-model\""),
        "{unpriced}"
    );
    // Nothing is logged to stdout: it stays the program's own.
    assert_eq!(
        stdout
            .lines()
            .filter(|l| l.contains("WARN") || l.contains("INFO"))
            .count(),
        0,
        "{text}"
    );
    assert!(stdout.contains("calls=2"), "{text}");
}
