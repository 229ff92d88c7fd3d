//! Behaviour of `#[genops::track]` as a subscriber sees it: names, fields and their types,
//! nesting, costs, errors, panics and cancellation, for every item kind.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};

use genops::semconv::*;
use genops::Usage;
use support::{capture, capture_with, nanos, V};

#[derive(Debug)]
struct AppError;

// Published prices used below (USD per million tokens):
// gpt-4o-mini: input 0.15, cached input 0.075, output 0.60
// gpt-4o:      input 2.50, cached input 1.25,  output 10.00
// claude-haiku-4-5: input 1.00, cache read 0.10, cache write 1.25, output 5.00

#[genops::track(
    team = "search",
    project = "qa",
    provider = "openai",
    model = "gpt-4o-mini"
)]
fn plain() -> u32 {
    genops::record_usage(Usage::new(1_000, 200));
    7
}

#[test]
fn plain_fn_span_has_every_field_with_its_type() {
    let (out, cap, ledger) = capture(true, plain);
    assert_eq!(out, 7);
    let span = cap.span("chat gpt-4o-mini");
    assert!(span.closed);
    assert_eq!(&span.declared[..TRACKED_FIELDS.len()], TRACKED_FIELDS);
    assert_eq!(span.field(GEN_AI_OPERATION_NAME).str(), "chat");
    assert_eq!(span.field(GEN_AI_PROVIDER_NAME).str(), "openai");
    assert_eq!(span.field(GEN_AI_REQUEST_MODEL).str(), "gpt-4o-mini");
    assert_eq!(span.field(GENOPS_TEAM).str(), "search");
    assert_eq!(span.field(GENOPS_PROJECT).str(), "qa");
    assert_eq!(span.field(OTEL_KIND).str(), "client");
    assert_eq!(span.field(GEN_AI_USAGE_INPUT_TOKENS), &V::I64(1_000));
    assert_eq!(span.field(GEN_AI_USAGE_OUTPUT_TOKENS), &V::I64(200));
    // 1,000 × $0.15/M + 200 × $0.60/M = $0.000150 + $0.000120 = $0.000270
    assert_eq!(nanos(span.field(GEN_AI_USAGE_COST).f64()), 270_000);
    assert_eq!(nanos(span.field(GENOPS_COST_SELF).f64()), 270_000);
    assert_eq!(nanos(span.field(GENOPS_COST_TOTAL).f64()), 270_000);
    assert_eq!(span.field(GENOPS_COST_CURRENCY).str(), "USD");
    for absent in [
        GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
        GEN_AI_USAGE_REASONING_OUTPUT_TOKENS,
        ERROR_TYPE,
        OTEL_STATUS_CODE,
        GENOPS_COST_UNKNOWN_MODEL,
        GENOPS_CANCELLED,
        GENOPS_CUSTOMER_ID,
    ] {
        assert!(!span.has(absent), "{absent} should not be recorded");
    }
    let snap = ledger.snapshot();
    assert_eq!(snap.total.calls, 1);
    assert_eq!(snap.total.cost.picos(), 270_000_000);
    assert_eq!(snap.by_team["search"].input_tokens, 1_000);
    assert_eq!(snap.by_model["gpt-4o-mini"].calls, 1);
}

#[genops::track(team = "search", provider = "openai", model = "gpt-4o", err)]
fn fallible(fail: bool) -> Result<u32, AppError> {
    genops::record_usage(Usage::new(100, 10));
    if fail {
        return Err(AppError);
    }
    let value: u32 = "5".parse().map_err(|_| AppError)?;
    Ok(value)
}

#[test]
fn err_records_the_error_type_and_status() {
    let (_, cap, ledger) = capture(true, || {
        assert!(fallible(true).is_err());
    });
    let span = cap.span("chat gpt-4o");
    assert_eq!(span.field(ERROR_TYPE).str(), "AppError");
    assert_eq!(span.field(OTEL_STATUS_CODE).str(), "error");
    // Usage is still priced: 100 × $2.50/M + 10 × $10/M = $0.00035
    assert_eq!(nanos(span.field(GEN_AI_USAGE_COST).f64()), 350_000);
    assert_eq!(ledger.snapshot().total.errors, 1);

    let (_, cap, ledger) = capture(false, || assert_eq!(fallible(false).unwrap(), 5));
    let span = cap.span("chat gpt-4o");
    assert!(!span.has(ERROR_TYPE));
    assert!(!span.has(OTEL_STATUS_CODE));
    assert_eq!(ledger.snapshot().total.errors, 0);
}

#[genops::track(team = "search", provider = "openai", model = "gpt-4o-mini")]
fn panics() {
    genops::record_usage(Usage::new(10, 0));
    panic!("boom");
}

#[test]
fn a_panic_closes_the_span_with_error_panic() {
    let (result, cap, ledger) = capture(true, || std::panic::catch_unwind(panics));
    assert!(result.is_err());
    let span = cap.span("chat gpt-4o-mini");
    assert!(span.closed);
    assert_eq!(span.field(ERROR_TYPE).str(), "panic");
    assert_eq!(span.field(OTEL_STATUS_CODE).str(), "error");
    assert!(!span.has(GENOPS_CANCELLED));
    assert_eq!(ledger.snapshot().total.errors, 1);
}

#[genops::track(team = "rag", operation = "invoke_workflow", name = "rag.answer")]
async fn rag_chain() -> u64 {
    let (a, b) = tokio::join!(retrieve(), generate());
    a + b
}

#[genops::track(
    provider = "openai",
    model = "text-embedding-3-small",
    operation = "embeddings"
)]
async fn retrieve() -> u64 {
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    genops::record_usage(Usage::new(50_000, 0));
    1
}

#[genops::track(team = "writers", provider = "anthropic", model = "claude-haiku-4-5")]
async fn generate() -> u64 {
    tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    genops::record_usage(Usage::new(2_000, 500).cache_read(1_000).cache_creation(500));
    2
}

#[test]
fn async_join_nests_rolls_up_and_inherits_attribution() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (out, cap, ledger) = capture(true, || rt.block_on(rag_chain()));
    assert_eq!(out, 3);
    let root = cap.span("rag.answer");
    let embed = cap.span("embeddings text-embedding-3-small");
    let chat = cap.span("chat claude-haiku-4-5");
    assert_eq!(embed.parent, Some(root.id));
    assert_eq!(chat.parent, Some(root.id));
    assert_eq!(root.field(OTEL_KIND).str(), "internal");
    assert_eq!(root.field(GEN_AI_OPERATION_NAME).str(), "invoke_workflow");
    // 50,000 × $0.02/M = $0.001
    assert_eq!(nanos(embed.field(GEN_AI_USAGE_COST).f64()), 1_000_000);
    // The embedding call inherits its parent's team, recorded once at finish.
    assert_eq!(embed.field(GENOPS_TEAM).str(), "rag");
    // Its own team wins over the parent's.
    assert_eq!(chat.field(GENOPS_TEAM).str(), "writers");
    // claude-haiku-4-5: 500 plain input × $1/M + 1,000 cache read × $0.10/M
    //   + 500 cache write × $1.25/M + 500 output × $5/M
    //   = 0.0005 + 0.0001 + 0.000625 + 0.0025 = $0.003725
    assert_eq!(nanos(chat.field(GEN_AI_USAGE_COST).f64()), 3_725_000);
    assert_eq!(
        chat.field(GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS),
        &V::I64(1_000)
    );
    assert_eq!(
        chat.field(GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS),
        &V::I64(500)
    );
    // The workflow's own cost is 0; its total is its children's.
    assert_eq!(nanos(root.field(GEN_AI_USAGE_COST).f64()), 0);
    assert_eq!(nanos(root.field(GENOPS_COST_TOTAL).f64()), 4_725_000);
    // The ledger books each call's own cost once.
    let snap = ledger.snapshot();
    assert_eq!(snap.total.calls, 3);
    assert_eq!(snap.total.cost.nanos(), 4_725_000);
    assert_eq!(snap.by_team["rag"].cost.nanos(), 1_000_000);
    assert_eq!(snap.by_team["writers"].cost.nanos(), 3_725_000);
}

#[genops::track(team = "search", provider = "openai", model = "gpt-4o-mini")]
async fn slow() {
    genops::record_usage(Usage::new(10, 10));
    tokio::time::sleep(std::time::Duration::from_secs(10)).await;
}

#[test]
fn a_future_dropped_mid_flight_is_cancelled_and_one_never_polled_makes_no_span() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (_, cap, ledger) = capture(true, || {
        rt.block_on(async {
            let never_polled = slow();
            drop(never_polled);
            let timed_out =
                tokio::time::timeout(std::time::Duration::from_millis(10), slow()).await;
            assert!(timed_out.is_err());
        })
    });
    let spans = cap.spans();
    assert_eq!(spans.len(), 1, "only the polled future makes a span");
    let span = &spans[0];
    assert!(span.closed);
    assert!(span.field(GENOPS_CANCELLED).bool());
    assert!(!span.has(ERROR_TYPE));
    assert_eq!(span.field(GEN_AI_USAGE_INPUT_TOKENS), &V::I64(10));
    assert_eq!(ledger.snapshot().total.calls, 1);
}

#[genops::track(team = "search", provider = "openai", model = "gpt-4o-mini")]
async fn panics_async() {
    tokio::task::yield_now().await;
    panic!("async boom");
}

#[test]
fn a_panic_in_a_spawned_future_is_a_panic_not_a_cancellation() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (joined, cap, _) = capture(true, || {
        rt.block_on(async { tokio::spawn(panics_async()).await })
    });
    assert!(joined.unwrap_err().is_panic());
    let span = cap.span("chat gpt-4o-mini");
    assert_eq!(span.field(ERROR_TYPE).str(), "panic");
    assert!(!span.has(GENOPS_CANCELLED));
}

struct Client {
    calls: u32,
}

impl Client {
    #[genops::track(
        team = "a",
        provider = "openai",
        model = "gpt-4o-mini",
        name = "by_ref"
    )]
    fn by_ref(&self) -> u32 {
        self.calls
    }

    #[genops::track(
        team = "b",
        provider = "openai",
        model = "gpt-4o-mini",
        name = "by_mut"
    )]
    fn by_mut(&mut self) {
        self.calls += 1;
    }

    #[genops::track(
        team = "c",
        provider = "openai",
        model = "gpt-4o-mini",
        name = "by_value"
    )]
    fn by_value(self) -> u32 {
        self.calls
    }
}

trait Answer {
    async fn answer(&self) -> u32;
}

impl Answer for Client {
    #[genops::track(
        team = "d",
        provider = "mistral",
        model = "mistral-large-latest",
        name = "trait_impl"
    )]
    async fn answer(&self) -> u32 {
        genops::record_usage(Usage::new(1_000, 1_000));
        self.calls
    }
}

#[async_trait::async_trait]
trait Boxed {
    async fn boxed(&self) -> Result<u32, AppError>;
}

#[async_trait::async_trait]
impl Boxed for Client {
    #[genops::track(
        team = "e",
        provider = "openai",
        model = "gpt-4o-mini",
        name = "async_trait",
        err
    )]
    async fn boxed(&self) -> Result<u32, AppError> {
        Err(AppError)
    }
}

#[test]
fn methods_and_trait_methods() {
    let (_, cap, ledger) = capture(false, || {
        let mut client = Client { calls: 0 };
        client.by_mut();
        assert_eq!(client.by_ref(), 1);
        assert_eq!(futures::executor::block_on(client.answer()), 1);
        assert!(futures::executor::block_on(client.boxed()).is_err());
        assert_eq!(client.by_value(), 1);
    });
    for (name, team) in [
        ("by_ref", "a"),
        ("by_mut", "b"),
        ("by_value", "c"),
        ("trait_impl", "d"),
        ("async_trait", "e"),
    ] {
        let span = cap.span(name);
        assert!(span.closed, "{name}");
        assert_eq!(span.field(GENOPS_TEAM).str(), team, "{name}");
    }
    let trait_impl = cap.span("trait_impl");
    // The `mistral` alias is normalised.
    assert_eq!(trait_impl.field(GEN_AI_PROVIDER_NAME).str(), "mistral_ai");
    assert!(trait_impl.field(GEN_AI_USAGE_COST).f64() > 0.0);
    assert_eq!(cap.span("async_trait").field(ERROR_TYPE).str(), "AppError");
    assert_eq!(ledger.snapshot().total.calls, 5);
}

#[genops::track(team = "search", provider = "openai", model = "gpt-4o")]
fn usage_from_a_child_span_and_twice() {
    let child = tracing::info_span!("http.request");
    let _entered = child.enter();
    genops::record_usage(Usage::new(1_000, 100).cache_read(400));
    genops::record_usage(Usage::new(1_000, 100));
}

#[test]
fn usage_recorded_in_an_ordinary_child_reaches_the_tracked_parent_and_adds_up() {
    let (_, cap, ledger) = capture(true, usage_from_a_child_span_and_twice);
    let span = cap.span("chat gpt-4o");
    // `field` panics if a field was recorded twice.
    assert_eq!(span.field(GEN_AI_USAGE_INPUT_TOKENS), &V::I64(2_000));
    assert_eq!(span.field(GEN_AI_USAGE_OUTPUT_TOKENS), &V::I64(200));
    // 1,600 plain input × $2.50/M + 400 cached × $1.25/M + 200 output × $10/M
    //   = 0.004 + 0.0005 + 0.002 = $0.0065
    assert_eq!(nanos(span.field(GEN_AI_USAGE_COST).f64()), 6_500_000);
    assert!(cap.span("http.request").records.is_empty());
    assert_eq!(ledger.snapshot().total.cost.nanos(), 6_500_000);
}

#[genops::track(team = "search", provider = "openai", model = "gpt-4o")]
fn answered_by_a_snapshot() {
    genops::record_response_model("gpt-4o-mini-2024-07-18");
    genops::record_usage(Usage::new(1_000, 200));
}

#[test]
fn the_response_model_wins_for_pricing() {
    let (_, cap, ledger) = capture(true, answered_by_a_snapshot);
    let span = cap.span("chat gpt-4o");
    assert_eq!(
        span.field(GEN_AI_RESPONSE_MODEL).str(),
        "gpt-4o-mini-2024-07-18"
    );
    // Priced as gpt-4o-mini (dated snapshot → base): $0.00027, not gpt-4o's $0.0045.
    assert_eq!(nanos(span.field(GEN_AI_USAGE_COST).f64()), 270_000);
    assert_eq!(
        ledger.snapshot().by_model["gpt-4o-mini-2024-07-18"].calls,
        1
    );
}

#[genops::track(team = "labs", provider = "openai", model = "gpt-9-imaginary")]
fn unknown_model() {
    genops::record_usage(Usage::new(1_000, 1_000));
}

#[test]
fn an_unknown_model_is_flagged_warned_once_and_counted() {
    let (_, cap, ledger) = capture(true, || {
        unknown_model();
        unknown_model();
    });
    let spans = cap.spans();
    assert_eq!(spans.len(), 2);
    for span in &spans {
        assert!(span.field(GENOPS_COST_UNKNOWN_MODEL).bool());
        assert_eq!(span.field(GEN_AI_USAGE_COST), &V::F64(0.0));
    }
    let warnings: Vec<_> = cap
        .events()
        .into_iter()
        .filter(|(_, f)| f["level"] == V::Str("WARN".into()))
        .collect();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].0.contains("no price is known"));
    assert_eq!(warnings[0].1["model"], V::Str("gpt-9-imaginary".into()));
    assert_eq!(warnings[0].1["provider"], V::Str("openai".into()));
    assert_eq!(ledger.snapshot().total.unknown_model_calls, 2);
}

#[genops::track(team = "vision", provider = "openai", operation = "generate_content")]
fn manual_costs(usd: f64) {
    genops::record_cost(0.04);
    genops::record_cost(usd);
}

#[test]
fn manual_costs_add_up_and_bad_ones_are_rejected() {
    let (_, cap, ledger) = capture(true, || manual_costs(0.01));
    let span = cap.span("manual_costs");
    assert_eq!(nanos(span.field(GEN_AI_USAGE_COST).f64()), 50_000_000);
    assert!(!span.has(GENOPS_COST_REJECTED));
    assert_eq!(ledger.snapshot().total.cost.nanos(), 50_000_000);

    for bad in [f64::NAN, f64::INFINITY, -1.0] {
        let (_, cap, ledger) = capture(true, || manual_costs(bad));
        let span = cap.span("manual_costs");
        assert!(span.field(GENOPS_COST_REJECTED).bool());
        // Only the valid $0.04 is booked.
        assert_eq!(ledger.snapshot().total.cost.nanos(), 40_000_000);
        let events = cap.events();
        assert_eq!(events.len(), 1);
        assert!(events[0].0.contains("rejected a manual cost"), "{events:?}");
    }
}

static EVALUATED: AtomicUsize = AtomicUsize::new(0);

fn customer_of(id: u32) -> String {
    EVALUATED.fetch_add(1, Ordering::SeqCst);
    format!("cust-{id}")
}

#[genops::track(team = "search", customer = customer_of(id), user = id, provider = "openai", model = model, fields(request.id = id, kind = %"x"))]
fn dynamic(id: u32, model: &str) {}

#[test]
fn expressions_are_recorded_as_plain_strings() {
    // Without a subscriber nothing is evaluated: tests/disabled.rs checks that in a process of
    // its own, as a callsite's interest is process-wide.
    let (_, cap, _) = capture(true, || dynamic(42, "gpt-4o-mini"));
    assert_eq!(EVALUATED.load(Ordering::SeqCst), 1);
    let span = cap.span("chat");
    assert_eq!(span.field(GENOPS_CUSTOMER_ID), &V::Str("cust-42".into()));
    assert_eq!(span.field(GENOPS_USER_ID), &V::Str("42".into()));
    assert_eq!(
        span.field(GEN_AI_REQUEST_MODEL),
        &V::Str("gpt-4o-mini".into())
    );
    assert_eq!(span.field(OTEL_NAME), &V::Str("chat gpt-4o-mini".into()));
    assert_eq!(span.field("request.id"), &V::U64(42));
    assert_eq!(span.declared.len(), TRACKED_FIELDS.len() + 2);
}

#[genops::track(
    team = "search",
    provider = "openai",
    model = "gpt-4o-mini",
    fields(
        f01 = 1,
        f02 = 2,
        f03 = 3,
        f04 = 4,
        f05 = 5,
        f06 = 6,
        f07 = 7,
        f08 = 8,
        f09 = 9,
        f10 = 10,
        f11 = 11,
        f12 = 12,
        f13 = 13,
        f14 = 14,
        f15 = 15,
        f16 = 16
    )
)]
fn many_fields() {
    genops::record_usage(Usage::new(1_000, 200));
}

#[test]
fn a_call_site_with_many_fields_of_its_own_records_its_results() {
    // More fields than the result fields' buffer keeps on the stack.
    let (_, cap, ledger) = capture(true, many_fields);
    let span = cap.span("chat gpt-4o-mini");
    assert_eq!(span.declared.len(), TRACKED_FIELDS.len() + 16);
    assert_eq!(span.field("f16"), &V::I64(16));
    assert_eq!(span.field(GEN_AI_USAGE_INPUT_TOKENS), &V::I64(1_000));
    assert_eq!(span.field(GENOPS_TEAM).str(), "search");
    // 1,000 × $0.15/M + 200 × $0.60/M
    assert_eq!(nanos(span.field(GENOPS_COST_TOTAL).f64()), 270_000);
    assert_eq!(ledger.snapshot().total.cost.picos(), 270_000_000);
}

#[genops::track(provider = "ollama", model = "llama3.1:8b")]
fn local_call(ms: u64) {
    genops::record_usage(Usage::new(5_000, 5_000));
    std::thread::sleep(std::time::Duration::from_millis(ms));
}

#[test]
fn local_providers_are_internal_free_by_default_and_priced_by_time_on_request() {
    let (_, cap, ledger) = capture(true, || local_call(0));
    let span = cap.span("chat llama3.1:8b");
    assert_eq!(span.field(OTEL_KIND).str(), "internal");
    assert_eq!(span.field(GEN_AI_USAGE_COST), &V::F64(0.0));
    assert!(!span.has(GENOPS_COST_UNKNOWN_MODEL));
    assert_eq!(ledger.snapshot().total.cost.picos(), 0);

    // $3.60 per hour is $0.000001 per millisecond.
    let layer = genops::GenOpsLayer::builder()
        .local_compute_rate(3.6)
        .build();
    let start = std::time::Instant::now();
    let (_, _, ledger) = capture_with(layer, true, || local_call(20));
    let elapsed_ms = start.elapsed().as_secs_f64() * 1e3;
    let cost_ms = ledger.snapshot().total.cost.as_usd() / 1e-6;
    assert!(
        cost_ms >= 20.0 && cost_ms <= elapsed_ms,
        "{cost_ms} ms billed of {elapsed_ms}"
    );
}

#[test]
fn attribution_falls_back_to_layer_defaults() {
    let layer = genops::GenOpsLayer::builder()
        .default_attribution(genops::Dimension::CostCenter, "cc-42")
        .default_attribution(genops::Dimension::Team, "platform")
        .build();
    let (_, cap, ledger) = capture_with(layer, true, plain);
    let span = cap.span("chat gpt-4o-mini");
    assert_eq!(
        span.field(GENOPS_TEAM).str(),
        "search",
        "the span's own value wins"
    );
    assert_eq!(span.field(GENOPS_COST_CENTER).str(), "cc-42");
    assert_eq!(ledger.snapshot().by_cost_center["cc-42"].calls, 1);
}

#[test]
fn the_manual_span_has_the_same_contract() {
    let (_, cap, ledger) = capture(true, || {
        let call = genops::span!(team = "batch", provider = "openai", model = "gpt-4o-mini");
        {
            let _entered = call.enter();
            genops::record_usage(Usage::new(1_000, 200));
        }
        drop(call);
        let call = genops::span!(
            team = "batch",
            provider = "openai",
            model = "gpt-4o",
            name = "async.manual"
        );
        futures::executor::block_on(call.instrument(async {
            genops::record_usage(Usage::new(100, 10));
        }));
    });
    let span = cap.span("chat gpt-4o-mini");
    assert_eq!(&span.declared[..], TRACKED_FIELDS);
    assert_eq!(nanos(span.field(GEN_AI_USAGE_COST).f64()), 270_000);
    let manual = cap.span("async.manual");
    assert!(manual.closed);
    assert_eq!(nanos(manual.field(GEN_AI_USAGE_COST).f64()), 350_000);
    assert_eq!(ledger.snapshot().by_team["batch"].calls, 2);
}

#[genops::track(team = "outer", operation = "invoke_agent", name = "depth")]
fn nested(depth: u32) {
    genops::record_usage(Usage::new(0, 0));
    if depth > 0 {
        nested(depth - 1);
    } else {
        plain();
    }
}

#[test]
fn roll_up_is_the_same_in_either_layer_order() {
    for genops_first in [true, false] {
        let (_, cap, ledger) = capture(genops_first, || nested(3));
        let spans = cap.spans();
        assert_eq!(spans.len(), 5);
        for span in spans.iter().filter(|s| s.name == "depth") {
            assert_eq!(nanos(span.field(GENOPS_COST_TOTAL).f64()), 270_000);
            assert_eq!(nanos(span.field(GENOPS_COST_SELF).f64()), 0);
        }
        assert_eq!(ledger.snapshot().total.cost.nanos(), 270_000);
        assert_eq!(ledger.snapshot().total.calls, 5);
    }
}

#[test]
fn outside_any_tracked_span_recording_is_a_no_op() {
    let (_, cap, ledger) = capture(true, || {
        genops::record_usage(Usage::new(1, 1));
        genops::record_cost(1.0);
        genops::record_response_model("x");
    });
    assert!(cap.spans().is_empty());
    assert_eq!(ledger.snapshot().total.calls, 0);
}

#[genops::track(team = "search", provider = "openai", model = "gpt-4o-mini")]
fn keeps_its_span() -> tracing::Span {
    genops::record_usage(Usage::new(1_000, 200));
    tracing::Span::current()
}

#[test]
fn a_sync_call_whose_span_outlives_it_is_booked_once_and_closes_later() {
    let (kept, cap, ledger) = capture(true, || {
        let kept = keeps_its_span();
        // Finished and booked when the function returned, though its span is still open.
        assert_eq!(kept.metadata().map(|m| m.name()), Some("chat gpt-4o-mini"));
        // The last handle closes it on another thread; a second call follows on this one.
        std::thread::scope(|s| {
            s.spawn(move || drop(kept));
        });
        keeps_its_span()
    });
    drop(kept);
    let spans: Vec<_> = cap
        .spans()
        .into_iter()
        .filter(|span| span.name == "chat gpt-4o-mini")
        .collect();
    assert_eq!(spans.len(), 2);
    assert!(spans.iter().all(|span| span.closed));
    let snapshot = ledger.snapshot();
    assert_eq!(snapshot.total.calls, 2);
    // Two calls of 1,000 × $0.15/M + 200 × $0.60/M = $0.000270 each.
    assert_eq!(snapshot.total.cost.picos(), 2 * 270_000_000);
}
