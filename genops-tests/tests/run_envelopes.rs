//! Run envelopes (`budget = ...`): every gated call beneath a run's span, on its thread or on
//! tasks that carry the span, is held in the run's envelope and in every enclosing one.

mod support;

use futures::FutureExt as _;
use genops::semconv::*;
use genops::{Cost, GovernanceError};
use support::{capture, AppError, V};
use tracing::instrument::WithSubscriber as _;
use tracing::Instrument as _;

/// One step of an agent: a gated model call that costs exactly what it reserves.
#[genops::track(provider = "openai", model = "gpt-4o-mini", enforce(reserve = usd))]
async fn step(usd: f64) -> Result<(), AppError> {
    genops::record_cost(usd);
    tokio::task::yield_now().await;
    Ok(())
}

/// The cost of step `i` of run `run`: between $0.001 and $0.009, different for every run.
fn cost_of(run: usize, i: usize) -> f64 {
    ((run * 7 + i * 3) % 9 + 1) as f64 / 1_000.0
}

/// What one run did: the costs of its admitted steps, and the denial that stopped it.
struct RunReport {
    admitted: Vec<f64>,
    denied_at: Option<(f64, GovernanceError)>,
}

/// An agent loop of up to 200 steps under a $0.10 envelope; odd steps run on a spawned task
/// that carries the run's span.
#[genops::track(operation = "invoke_agent", team = "agents", budget = 0.10)]
async fn agent(run: usize) -> RunReport {
    let mut report = RunReport {
        admitted: Vec::new(),
        denied_at: None,
    };
    for i in 0..200 {
        let usd = cost_of(run, i);
        let result = if i % 2 == 1 {
            let carried = tracing::Span::current();
            tokio::spawn(
                async move { step(usd).await }
                    .instrument(carried)
                    .with_current_subscriber(),
            )
            .await
            .unwrap()
        } else {
            step(usd).await
        };
        match result {
            Ok(()) => report.admitted.push(usd),
            Err(AppError::Denied(denied)) => {
                report.denied_at = Some((usd, denied));
                break;
            }
        }
    }
    report
}

fn cost(usd: f64) -> Cost {
    Cost::from_usd(usd).unwrap()
}

fn sum(costs: &[f64]) -> Cost {
    costs
        .iter()
        .fold(Cost::ZERO, |total, usd| total + cost(*usd))
}

#[test]
fn twenty_concurrent_runs_each_stop_at_their_own_envelope() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .build()
        .unwrap();
    let (reports, cap, ledger) = capture(true, || {
        runtime.block_on(async {
            let runs: Vec<_> = (0..20)
                .map(|run| tokio::spawn(agent(run).with_current_subscriber()))
                .collect();
            let mut reports = Vec::new();
            for run in runs {
                reports.push(run.await.unwrap());
            }
            reports
        })
    });
    let limit = cost(0.10);
    let mut total = Cost::ZERO;
    for (run, report) in reports.iter().enumerate() {
        let spent = sum(&report.admitted);
        total += spent;
        assert!(spent <= limit, "run {run} overshot: {spent:?}");
        let (next, denied) = report
            .denied_at
            .as_ref()
            .expect("every run reaches its envelope");
        // It stopped exactly where the next step no longer fit, on its own figures.
        assert!(spent + cost(*next) > limit, "run {run} stopped early");
        assert_eq!(
            *denied,
            GovernanceError::EnvelopeExceeded {
                run: "agent".into(),
                trace_id: None,
                limit: 0.10,
                spent: spent.as_usd(),
                reserved: 0.0,
                reservation: *next,
            },
            "run {run}"
        );
        assert!(denied
            .to_string()
            .starts_with("run `agent` has no room in its $0.10 envelope"));
    }
    // Every run's span records its envelope, spend and remaining amount.
    let runs: Vec<_> = cap
        .spans()
        .into_iter()
        .filter(|s| s.name == "agent")
        .collect();
    assert_eq!(runs.len(), 20);
    let mut recorded = Cost::ZERO;
    for span in &runs {
        let spent = span.field(GENOPS_RUN_SPENT).f64();
        assert_eq!(span.field(GENOPS_RUN_BUDGET).f64(), 0.10);
        assert_eq!(
            cost(span.field(GENOPS_RUN_REMAINING).f64()),
            limit.saturating_sub(cost(spent))
        );
        recorded += cost(spent);
    }
    assert_eq!(recorded, total);
    assert_eq!(ledger.snapshot().total.cost, total);
    // Each denied step is blocked on its span, naming the run.
    let blocked: Vec<_> = cap
        .spans()
        .into_iter()
        .filter(|s| s.get(GENOPS_POLICY_RESULT) == Some(&V::Str("blocked".into())))
        .collect();
    assert_eq!(blocked.len(), 20);
    assert!(blocked
        .iter()
        .all(|s| s.field(GENOPS_POLICY_NAME).str() == "agent"));
}

/// A step that holds $0.08 and panics after spending $0.01.
#[genops::track(provider = "openai", model = "gpt-4o-mini", enforce(reserve = 0.08))]
fn panicking_step() -> Result<(), AppError> {
    genops::record_cost(0.01);
    panic!("the tool crashed")
}

/// A step that holds $0.08 and never completes.
#[genops::track(provider = "openai", model = "gpt-4o-mini", enforce(reserve = 0.08))]
async fn hanging_step() -> Result<(), AppError> {
    std::future::pending::<()>().await;
    Ok(())
}

/// A step that holds $0.08 and spends nothing.
#[genops::track(provider = "openai", model = "gpt-4o-mini", enforce(reserve = 0.08))]
fn big_step() -> Result<(), AppError> {
    Ok(())
}

#[test]
fn a_panic_or_a_cancellation_inside_a_run_releases_its_holds() {
    let ((), cap, _) = capture(true, || {
        let run = genops::span!(operation = "invoke_agent", budget = 0.10);
        let _entered = run.enter();
        let panicked = std::panic::catch_unwind(panicking_step);
        assert!(panicked.is_err());
        // Its $0.08 hold is given back: $0.01 spent leaves room for another $0.08.
        assert_eq!(big_step(), Ok(()));
        // A cancelled step gives its hold back too.
        let mut hanging = Box::pin(hanging_step());
        assert!((&mut hanging).now_or_never().is_none());
        assert!(
            matches!(big_step(), Err(AppError::Denied(_))),
            "held while in flight"
        );
        drop(hanging);
        // $0.01 spent and nothing held: $0.08 fits again.
        assert_eq!(big_step(), Ok(()));
    });
    let run = cap
        .spans()
        .into_iter()
        .find(|s| s.has(GENOPS_RUN_BUDGET))
        .unwrap();
    assert_eq!(run.field(GENOPS_RUN_SPENT).f64(), 0.01);
}

#[genops::track(operation = "invoke_agent", name = "sub-agent", budget = 0.10)]
async fn sub_agent() -> Vec<f64> {
    let mut spent = Vec::new();
    while step(0.03).await.is_ok() {
        spent.push(0.03);
    }
    spent
}

#[genops::track(operation = "invoke_agent", name = "run", budget = 0.50)]
async fn nested_run() -> (Vec<Vec<f64>>, GovernanceError) {
    let mut subs = Vec::new();
    loop {
        let spent = sub_agent().await;
        if spent.is_empty() {
            // Not even one step fit: the run's envelope is the one that denied.
            let Err(AppError::Denied(denied)) = step(0.03).await else {
                unreachable!("the run is full")
            };
            return (subs, denied);
        }
        subs.push(spent);
    }
}

#[test]
fn nested_envelopes_both_apply() {
    let ((subs, denied), _, _) = capture(true, || support::run(nested_run()));
    // Each sub-agent stops at its $0.10 (three steps of $0.03), and the run at its $0.50:
    // five sub-agents spend $0.45, and a sixth fits one step more.
    assert_eq!(
        subs,
        vec![
            vec![0.03; 3],
            vec![0.03; 3],
            vec![0.03; 3],
            vec![0.03; 3],
            vec![0.03; 3],
            vec![0.03]
        ]
    );
    assert_eq!(
        denied,
        GovernanceError::EnvelopeExceeded {
            run: "run".into(),
            trace_id: None,
            limit: 0.50,
            spent: 0.48,
            reserved: 0.0,
            reservation: 0.03,
        }
    );
}

/// A step that holds $0.08 and spends $0.05.
#[genops::track(provider = "openai", model = "gpt-4o-mini", enforce(reserve = 0.08))]
fn spending_step() -> Result<(), AppError> {
    genops::record_cost(0.05);
    Ok(())
}

/// A run of $0.10 whose steps hold $0.08 and spend $0.05: the second is denied.
#[genops::track(operation = "invoke_agent", name = "exported-run", budget = 0.10)]
fn exported_run() -> GovernanceError {
    spending_step().unwrap();
    match spending_step() {
        Err(AppError::Denied(denied)) => denied,
        Ok(()) => panic!("the second step fits"),
    }
}

#[cfg(feature = "otlp")]
#[test]
fn a_denial_names_the_trace_of_an_exported_run() {
    use opentelemetry::trace::TracerProvider as _;
    use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider};
    use tracing_subscriber::prelude::*;

    let exporter = InMemorySpanExporter::default();
    let provider = SdkTracerProvider::builder()
        .with_simple_exporter(exporter.clone())
        .build();
    let otel = tracing_opentelemetry::layer().with_tracer(provider.tracer("test"));
    let subscriber = tracing_subscriber::registry()
        .with(otel)
        .with(genops::layer());
    let denied = tracing::subscriber::with_default(subscriber, exported_run);
    provider.force_flush().unwrap();
    let spans = exporter.get_finished_spans().unwrap();
    let run = spans.iter().find(|s| s.name == "exported-run").unwrap();
    let trace_id = run.span_context.trace_id().to_string();
    let GovernanceError::EnvelopeExceeded {
        run,
        trace_id: named,
        ..
    } = &denied
    else {
        panic!("{denied:?}")
    };
    assert_eq!(run, "exported-run");
    assert_eq!(named.as_deref(), Some(trace_id.as_str()));
    assert!(denied.to_string().starts_with(&format!(
        "run `exported-run` (trace {trace_id}) has no room"
    )));
}
