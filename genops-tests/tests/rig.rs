//! The `rig` integration: tracked functions hold the worst case of rig's `CompletionRequest`
//! and return its `CompletionResponse`, a stream of its `StreamedAssistantContent`, or an
//! agent's stream of `MultiTurnStreamItem`; genops records them with no user code. Responses are built by hand for each provider's counts, and
//! come from rig's real OpenAI client against a mock OpenAI server on 127.0.0.1
//! (`examples/support/mock_provider.rs`). Each test checks the span's fields as a subscriber
//! sees them and the exact booked cost in pico-dollars.

#[path = "../examples/support/mock_provider.rs"]
mod mock_provider;
mod support;

use futures::{Stream, StreamExt};
use genops::semconv::*;
use genops::{Budget, GenOpsLayer, Scope, Usd};
use mock_provider::MockProvider;
use rig_agent::agent::{CompletionCall, MultiTurnStreamItem, StreamingError};
use rig_agent::client::AgentClientExt;
use rig_agent::streaming::StreamingPrompt;
use rig_core::client::CompletionClient;
use rig_core::completion::{
    AssistantContent, CompletionError, CompletionModel, CompletionRequest, CompletionResponse,
    FinishReason, Message, Usage,
};
use rig_core::providers::openai;
use rig_core::streaming::{StreamFinal, StreamedAssistantContent};
use support::providers::{assert_cached_chat_booked, assert_chat_stream_booked, MINI_IN, MINI_OUT};
use support::{capture, capture_with, nanos, run, AppError, Capture};

/// rig's usage with these counts (its total the sum of input and output).
fn usage(input: u64, output: u64, cached: u64, written: u64, reasoning: u64) -> Usage {
    let mut usage = Usage::new();
    usage.input_tokens = input;
    usage.output_tokens = output;
    usage.total_tokens = input.saturating_add(output);
    usage.cached_input_tokens = cached;
    usage.cache_creation_input_tokens = written;
    usage.reasoning_tokens = reasoning;
    usage
}

/// A response of `provider` with `usage`, answered by `model`.
fn response(provider: &str, model: &str, usage: Usage) -> CompletionResponse {
    CompletionResponse::new(vec![AssistantContent::text("Hi")], usage, provider)
        .with_model(model)
        .with_response_id("resp-1")
        .with_finish_reason(FinishReason::Stop)
}

#[genops::track(team = "chat", provider = "openai", model = "gpt-4o-mini")]
fn openai(response: CompletionResponse) -> Result<CompletionResponse, CompletionError> {
    Ok(response)
}

#[test]
fn an_openai_response_is_booked_with_its_cached_tokens() {
    // 2,000 input tokens of which 1,500 cached, 300 out: as OpenAI counts, through rig.
    let answer = response(
        "openai",
        "gpt-4o-mini-2024-07-18",
        usage(2_000, 300, 1_500, 0, 0),
    );
    let (_, cap, ledger) = capture(true, || openai(answer));
    let span = cap.span("chat gpt-4o-mini");
    assert_cached_chat_booked(&span, &ledger);
    assert_eq!(span.field(GEN_AI_RESPONSE_ID).str(), "resp-1");
}

#[genops::track(team = "chat", provider = "anthropic", model = "claude-sonnet-4-5")]
fn anthropic(response: CompletionResponse) -> CompletionResponse {
    response
}

#[test]
fn an_anthropic_response_counts_its_cache_reads_and_writes_as_input() {
    // Anthropic's input_tokens leave out the 200 cache reads and 300 writes.
    let answer = response(
        "anthropic",
        "claude-sonnet-4-5-20250929",
        usage(10, 50, 200, 300, 0),
    );
    let (_, cap, ledger) = capture(true, || anthropic(answer));
    let span = cap.span("chat claude-sonnet-4-5");
    assert_eq!(span.field(GEN_AI_USAGE_INPUT_TOKENS).i64(), 510);
    assert_eq!(span.field(GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS).i64(), 200);
    assert_eq!(
        span.field(GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS).i64(),
        300
    );
    assert_eq!(span.field(GEN_AI_USAGE_OUTPUT_TOKENS).i64(), 50);
    // 10 × $3/M + 200 × $0.30/M + 300 × $3.75/M + 50 × $15/M.
    let picos = 10 * 3_000_000 + 200 * 300_000 + 300 * 3_750_000 + 50 * 15_000_000;
    assert_eq!(picos, 1_965_000_000);
    assert_eq!(ledger.snapshot().total.cost.picos(), picos);
}

#[genops::track(team = "chat", provider = custom("moonshot"), model = "kimi-k2-0905-preview")]
fn moonshot(response: CompletionResponse) -> CompletionResponse {
    response
}

#[test]
fn an_anthropic_dialect_response_of_another_provider_counts_its_cache_as_input() {
    // rig's Moonshot client in Anthropic's dialect: named "moonshot", its input_tokens leave
    // out the 200 cache reads and 300 writes, and rig's total counts them apart.
    let mut counted = usage(10, 50, 200, 300, 0);
    counted.total_tokens = 10 + 200 + 300 + 50;
    let answer = response("moonshot", "kimi-k2-0905-preview", counted);
    let (_, cap, _) = capture(true, || moonshot(answer));
    let span = cap.span("chat kimi-k2-0905-preview");
    assert_eq!(span.field(GEN_AI_USAGE_INPUT_TOKENS).i64(), 510);
    // Its OpenAI dialect counts the cache reads inside the input (and the total).
    let mut counted = usage(210, 50, 200, 0, 0);
    counted.total_tokens = 260;
    let answer = response("moonshot", "kimi-k2-0905-preview", counted);
    let (_, cap, _) = capture(true, || moonshot(answer));
    let span = cap.span("chat kimi-k2-0905-preview");
    assert_eq!(span.field(GEN_AI_USAGE_INPUT_TOKENS).i64(), 210);
}

#[genops::track(team = "chat", provider = "gcp.gemini", model = "gemini-2.5-pro")]
fn gemini(response: CompletionResponse) -> CompletionResponse {
    response
}

#[test]
fn a_gemini_response_counts_its_thinking_as_output() {
    // Gemini's output_tokens leave out the 40 thinking tokens.
    let answer = response("gcp.gemini", "gemini-2.5-pro", usage(1_000, 30, 0, 0, 40));
    let (_, cap, ledger) = capture(true, || gemini(answer));
    let span = cap.span("chat gemini-2.5-pro");
    assert_eq!(span.field(GEN_AI_USAGE_INPUT_TOKENS).i64(), 1_000);
    assert_eq!(span.field(GEN_AI_USAGE_OUTPUT_TOKENS).i64(), 70);
    assert_eq!(span.field(GEN_AI_USAGE_REASONING_OUTPUT_TOKENS).i64(), 40);
    // 1,000 × $1.25/M + 70 × $10/M.
    assert_eq!(ledger.snapshot().total.cost.picos(), 1_950_000_000);
}

#[test]
fn a_response_without_usage_books_no_tokens() {
    // rig's sign of a provider that sent no usage: every count 0.
    let answer = response("openai", "gpt-4o-mini-2024-07-18", Usage::new());
    let (_, cap, ledger) = capture(true, || openai(answer));
    let span = cap.span("chat gpt-4o-mini");
    // The model that answered and the finish reason are recorded; no usage, and no cost.
    let answered = [GEN_AI_RESPONSE_MODEL, GEN_AI_RESPONSE_FINISH_REASONS]
        .map(|f| span.field(f).str().to_owned());
    assert_eq!(answered, ["gpt-4o-mini-2024-07-18", r#"["stop"]"#]);
    assert!(!span.has(GEN_AI_USAGE_INPUT_TOKENS));
    assert!(!span.has(GEN_AI_USAGE_OUTPUT_TOKENS));
    assert!(!span.has(GENOPS_USAGE_IMPLAUSIBLE));
    let total = ledger.snapshot().total;
    assert_eq!(
        (total.calls, total.input_tokens, total.cost.picos()),
        (1, 0, 0)
    );
}

#[test]
fn an_implausible_usage_is_flagged_and_booked_at_the_bound() {
    let answer = response(
        "openai",
        "gpt-4o-mini-2024-07-18",
        usage(u64::MAX, 12, 0, 0, 0),
    );
    let (_, cap, ledger) = capture(true, || openai(answer));
    let span = cap.span("chat gpt-4o-mini");
    assert_eq!(
        span.field(GENOPS_USAGE_IMPLAUSIBLE).str(),
        "input=18446744073709551615 (above the context window, 128000)"
    );
    // gpt-4o-mini's bound: its 128,000-token window in and 16,384 out.
    let bound = 128_000 * MINI_IN + 16_384 * MINI_OUT;
    assert_eq!(ledger.snapshot().total.cost.picos(), bound);
    assert_eq!(ledger.snapshot().total.implausible_usage_calls, 1);
    // Anthropic's cache tokens added to an input of u64::MAX saturate, and are flagged too.
    let answer = response(
        "anthropic",
        "claude-sonnet-4-5",
        usage(u64::MAX, 1, 5, 5, 0),
    );
    let (_, cap, _) = capture(true, || anthropic(answer));
    assert!(cap
        .span("chat claude-sonnet-4-5")
        .field(GENOPS_USAGE_IMPLAUSIBLE)
        .str()
        .starts_with("input=18446744073709551615"));
}

type Item = Result<StreamedAssistantContent, CompletionError>;

#[genops::track(team = "chat", provider = "openai", model = "gpt-4o-mini", stream)]
fn streamed(items: Vec<Item>) -> impl Stream<Item = Item> {
    futures::stream::iter(items)
}

/// Text deltas, then (if `last`) the terminal record.
fn items(last: Option<StreamFinal>) -> Vec<Item> {
    let mut items = vec![
        Ok(StreamedAssistantContent::text("Hel")),
        Ok(StreamedAssistantContent::text("lo")),
    ];
    items.extend(last.map(|last| Ok(StreamedAssistantContent::Final(last))));
    items
}

#[test]
fn a_stream_is_booked_from_its_final_item() {
    let last = StreamFinal::new("openai", usage(1_000, 200, 0, 0, 0))
        .with_model("gpt-4o-mini-2024-07-18")
        .with_response_id("chatcmpl-123")
        .with_finish_reason(FinishReason::Stop);
    let (count, cap, ledger) = capture(true, || {
        run(async { streamed(items(Some(last))).count().await })
    });
    assert_eq!(count, 3);
    // As OpenAI's own stream of the same usage books.
    assert_chat_stream_booked(&cap.span("chat gpt-4o-mini"), &ledger);
}

/// Asserts that the one gpt-4o-mini call booked no tokens and no cost, flagged its usage as
/// missing and warned once, saying `why`.
fn assert_usage_missing(cap: &Capture, ledger: &genops::Ledger, why: &str) {
    let span = cap.span("chat gpt-4o-mini");
    assert!(span.field(GENOPS_USAGE_MISSING).bool());
    assert!(!span.has(GEN_AI_USAGE_INPUT_TOKENS));
    let warnings = cap.warnings();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].contains(why), "{}", warnings[0]);
    assert_eq!(ledger.snapshot().total.cost.picos(), 0);
}

#[test]
fn a_stream_without_a_final_item_is_flagged_and_says_why() {
    for last in [None, Some(StreamFinal::new("openai", Usage::new()))] {
        let (_, cap, ledger) = capture(true, || {
            run(async { streamed(items(last.clone())).count().await })
        });
        assert_usage_missing(
            &cap,
            &ledger,
            "rig reports a stream's usage in its final item",
        );
    }
}

#[genops::track(
    team = "chat",
    provider = "openai",
    model = "gpt-4o-mini",
    enforce(reserve = request)
)]
fn held(
    request: &CompletionRequest,
    answer: CompletionResponse,
) -> Result<CompletionResponse, AppError> {
    Ok(answer)
}

/// "Hello!" with at most 100 tokens out, as rig's agent builds it.
fn hello() -> CompletionRequest {
    CompletionRequest {
        model: None,
        preamble: None,
        chat_history: vec![Message::user("Hello!")],
        documents: Vec::new(),
        tools: Vec::new(),
        temperature: None,
        max_tokens: Some(100),
        tool_choice: None,
        additional_params: None,
        output_schema: None,
        record_telemetry_content: false,
    }
}

#[test]
fn a_completion_request_holds_its_worst_case_at_the_calls_model() {
    let layer = GenOpsLayer::builder()
        .budget(Budget::daily("chat-hard", Scope::team("chat"), Usd(1.0)).hard())
        .build();
    let budgets = layer.clone();
    let answer = response("openai", "gpt-4o-mini-2024-07-18", usage(8, 20, 0, 0, 0));
    let (result, cap, ledger) = capture_with(layer, true, || held(&hello(), answer));
    assert!(result.is_ok());
    let span = cap.span("chat gpt-4o-mini");
    // 3 (the reply's priming) + 3 (the message's framing) + "Hello!" (6 bytes, 2 tokens with
    // the tokenizer) in at $0.15/M, 100 out at $0.60/M.
    let input = if cfg!(feature = "tokenizer") { 8 } else { 12 };
    let hold = input * MINI_IN + 100 * MINI_OUT;
    assert_eq!(
        nanos(span.field(GENOPS_BUDGET_HOLD).f64()),
        (hold / 1_000) as i128
    );
    // Booked: the response's usage; nothing is left held.
    let booked = 8 * MINI_IN + 20 * MINI_OUT;
    assert_eq!(ledger.snapshot().total.cost.picos(), booked);
    assert_eq!(budgets.budgets()[0].reserved, 0.0);
}

#[test]
fn a_completion_request_with_no_history_is_denied_naming_it() {
    let layer = GenOpsLayer::builder()
        .budget(Budget::daily("chat-hard", Scope::team("chat"), Usd(1.0)).hard())
        .build();
    let mut empty = hello();
    empty.chat_history.clear();
    let answer = response("openai", "gpt-4o-mini", usage(8, 20, 0, 0, 0));
    let (result, _, ledger) = capture_with(layer, true, || held(&empty, answer));
    let Err(AppError::Denied(denied)) = result else {
        panic!("{result:?}");
    };
    assert!(
        denied.to_string().contains("`chat_history` is empty"),
        "{denied}"
    );
    assert_eq!(ledger.snapshot().total.cost.picos(), 0);
}

#[test]
fn a_claude_request_is_held_at_the_one_hour_cache_write_price() {
    let table = genops::PriceTable::embedded();
    let mut request = hello();
    // 16 (the request) + 16 (the message) + 6 bytes in, each at the one-hour cache write's
    // $6/M (rig's model settings may write the cache), 100 out at $15/M.
    let worst = genops::worst_case(&table, "anthropic", "claude-sonnet-4-5", &request).unwrap();
    assert_eq!((worst.input_tokens, worst.output_tokens), (38, 100));
    assert_eq!(worst.cost.picos(), 38 * 6_000_000 + 100 * 15_000_000);
    // No cap of its own: the model's maximum output from the price table, 64,000 tokens.
    request.max_tokens = None;
    let worst = genops::worst_case(&table, "anthropic", "claude-sonnet-4-5", &request).unwrap();
    assert_eq!(worst.output_tokens, 64_000);
    assert_eq!(worst.cost.picos(), 38 * 6_000_000 + 64_000 * 15_000_000);
}

/// rig's OpenAI chat completions model, gpt-4o-mini, at the mock.
fn mock_model(mock: &MockProvider) -> openai::completion::CompletionModel {
    openai::Client::builder()
        .api_key("sk-test-not-a-real-key")
        .base_url(mock.openai_base())
        .build()
        .expect("a rig client")
        .completions_api()
        .completion_model("gpt-4o-mini")
}

#[genops::track(team = "chat", provider = "openai", model = "gpt-4o-mini", err)]
async fn complete(
    model: &openai::completion::CompletionModel,
) -> Result<CompletionResponse, CompletionError> {
    model.completion(hello()).await
}

#[test]
fn rigs_client_response_is_booked_with_its_cached_tokens() {
    let mock = MockProvider::start();
    let model = mock_model(&mock);
    let (response, cap, ledger) = capture(true, || run(complete(&model)));
    response.expect("the mock answers");
    // The mock's chat completion: as every other path books it.
    assert_cached_chat_booked(&cap.span("chat gpt-4o-mini"), &ledger);
}

#[genops::track(team = "chat", provider = "openai", model = "gpt-4o-mini", stream, err)]
async fn complete_streamed(
    model: &openai::completion::CompletionModel,
) -> Result<impl Stream<Item = Item>, CompletionError> {
    model.stream(hello()).await
}

#[test]
fn rigs_client_stream_is_booked_from_its_final_item() {
    let mock = MockProvider::start();
    let model = mock_model(&mock);
    let (finals, cap, ledger) = capture(true, || {
        run(async {
            let stream = complete_streamed(&model).await.expect("a stream");
            let items: Vec<_> = stream.collect().await;
            items
                .iter()
                .filter(|item| matches!(item, Ok(StreamedAssistantContent::Final(_))))
                .count()
        })
    });
    assert_eq!(finals, 1);
    // rig asks for the usage chunk itself; the mock's stream books as OpenAI's own does.
    assert_chat_stream_booked(&cap.span("chat gpt-4o-mini"), &ledger);
}

type AgentItem = Result<MultiTurnStreamItem, StreamingError>;

#[genops::track(team = "chat", provider = "openai", model = "gpt-4o-mini", stream)]
fn agent_streamed(items: Vec<AgentItem>) -> impl Stream<Item = AgentItem> {
    futures::stream::iter(items)
}

/// One model turn of an agent stream as rig's agent yields it: a text delta, the call's
/// `CompletionCall` with its usage, then the provider's `Final` item with the same usage.
fn turn(index: usize, usage: Usage, reason: FinishReason) -> Vec<AgentItem> {
    let mut call = CompletionCall::new(index, usage).with_finish_reason(Some(reason.clone()));
    call.response_id = Some(format!("chatcmpl-{index}"));
    let last = StreamFinal::new("openai", usage)
        .with_model("gpt-4o-mini-2024-07-18")
        .with_response_id(format!("chatcmpl-{index}"))
        .with_finish_reason(reason);
    vec![
        Ok(MultiTurnStreamItem::StreamAssistantItem(
            StreamedAssistantContent::text("Hi"),
        )),
        Ok(MultiTurnStreamItem::CompletionCall(call)),
        Ok(MultiTurnStreamItem::StreamAssistantItem(
            StreamedAssistantContent::Final(last),
        )),
    ]
}

/// Two turns (1,000 in and 200 out, then 500 in and 100 out), then, if `finished`, the final
/// response with their sum, as rig's agent aggregates it.
fn two_turns(first: Usage, second: Usage, finished: bool) -> Vec<AgentItem> {
    let mut items = turn(0, first, FinishReason::ToolCalls);
    items.extend(turn(1, second, FinishReason::Stop));
    if finished {
        items.push(Ok(MultiTurnStreamItem::final_response(
            vec![AssistantContent::text("HiHi")],
            first + second,
        )));
    }
    items
}

#[test]
fn an_agent_stream_books_the_sum_of_its_model_calls_once() {
    let items = two_turns(usage(1_000, 200, 0, 0, 0), usage(500, 100, 0, 0, 0), true);
    let (count, cap, ledger) = capture(true, || run(async { agent_streamed(items).count().await }));
    assert_eq!(count, 7);
    let span = cap.span("chat gpt-4o-mini");
    assert_eq!(span.field(GEN_AI_USAGE_INPUT_TOKENS).i64(), 1_500);
    assert_eq!(span.field(GEN_AI_USAGE_OUTPUT_TOKENS).i64(), 300);
    assert_eq!(
        span.field(GEN_AI_RESPONSE_MODEL).str(),
        "gpt-4o-mini-2024-07-18"
    );
    assert_eq!(span.field(GEN_AI_RESPONSE_ID).str(), "chatcmpl-1");
    assert_eq!(
        span.field(GEN_AI_RESPONSE_FINISH_REASONS).str(),
        r#"["tool_calls","stop"]"#
    );
    // 1,500 in at $0.15/M and 300 out at $0.60/M: not the calls, the finals and the total.
    let picos = 1_500 * 150_000 + 300 * 600_000;
    assert_eq!((MINI_IN, MINI_OUT), (150_000, 600_000));
    assert_eq!(picos, 405_000_000);
    let total = ledger.snapshot().total;
    assert_eq!((total.calls, total.cost.picos()), (1, picos));
}

#[test]
fn an_agent_stream_cut_short_books_the_calls_that_completed() {
    // The second turn's text arrived, its call did not, nor the final response.
    let mut items = two_turns(usage(1_000, 200, 0, 0, 0), usage(500, 100, 0, 0, 0), false);
    items.truncate(4);
    let (_, cap, ledger) = capture(true, || run(async { agent_streamed(items).count().await }));
    let span = cap.span("chat gpt-4o-mini");
    assert_eq!(span.field(GEN_AI_USAGE_INPUT_TOKENS).i64(), 1_000);
    assert_eq!(span.field(GEN_AI_USAGE_OUTPUT_TOKENS).i64(), 200);
    // 1,000 in at $0.15/M and 200 out at $0.60/M.
    assert_eq!(ledger.snapshot().total.cost.picos(), 270_000_000);
}

#[test]
fn an_agent_stream_without_usage_is_flagged_and_says_why() {
    let items = two_turns(Usage::new(), Usage::new(), true);
    let (_, cap, ledger) = capture(true, || run(async { agent_streamed(items).count().await }));
    assert_usage_missing(&cap, &ledger, "`MultiTurnStreamItem::CompletionCall` item");
    assert_eq!(ledger.snapshot().total.calls, 1);
}

#[genops::track(team = "chat", provider = "anthropic", model = "claude-sonnet-4-5")]
fn anthropic_agent_call(call: CompletionCall) -> MultiTurnStreamItem {
    MultiTurnStreamItem::CompletionCall(call)
}

#[test]
fn an_anthropic_agent_call_counts_its_cache_reads_and_writes_as_input() {
    // The call names no provider; the tracked call does, and Anthropic's input_tokens leave
    // out the 200 cache reads and 300 writes.
    let call = CompletionCall::new(0, usage(10, 50, 200, 300, 0));
    let (_, cap, ledger) = capture(true, || anthropic_agent_call(call));
    let span = cap.span("chat claude-sonnet-4-5");
    assert_eq!(span.field(GEN_AI_USAGE_INPUT_TOKENS).i64(), 510);
    // Added once, when rig's total (as its Anthropic client sums it) shows the cache apart.
    let mut counted = usage(10, 50, 200, 300, 0);
    counted.total_tokens = 10 + 200 + 300 + 50;
    let call = CompletionCall::new(0, counted);
    let (_, cap, _) = capture(true, || anthropic_agent_call(call));
    let span = cap.span("chat claude-sonnet-4-5");
    assert_eq!(span.field(GEN_AI_USAGE_INPUT_TOKENS).i64(), 510);
    // As the same usage in an Anthropic response books: 10 × $3/M + 200 × $0.30/M +
    // 300 × $3.75/M + 50 × $15/M.
    assert_eq!(ledger.snapshot().total.cost.picos(), 1_965_000_000);
}

#[genops::track(team = "chat", provider = "gcp.gemini", model = "gemini-2.5-pro")]
fn gemini_agent_call(call: CompletionCall) -> MultiTurnStreamItem {
    MultiTurnStreamItem::CompletionCall(call)
}

#[test]
fn a_gemini_agent_call_counts_its_thinking_as_output() {
    // The call names no provider; the tracked call does, and Gemini's output_tokens leave out
    // the 40 thinking tokens, which Google bills as output.
    let call = CompletionCall::new(0, usage(1_000, 30, 0, 0, 40));
    let (_, cap, ledger) = capture(true, || gemini_agent_call(call));
    let span = cap.span("chat gemini-2.5-pro");
    assert_eq!(span.field(GEN_AI_USAGE_OUTPUT_TOKENS).i64(), 70);
    // As the same usage in a Gemini response books: 1,000 × $1.25/M + 70 × $10/M.
    assert_eq!(ledger.snapshot().total.cost.picos(), 1_950_000_000);
}

#[genops::track(team = "chat", provider = "openai", model = "gpt-4o-mini", stream)]
async fn agent_prompted(model: &str, mock: &MockProvider) -> impl Stream<Item = AgentItem> {
    let agent = openai::Client::builder()
        .api_key("sk-test-not-a-real-key")
        .base_url(mock.openai_base())
        .build()
        .expect("a rig client")
        .completions_api()
        .agent(model)
        .build();
    agent.stream_prompt(Message::user("Hello!")).await
}

#[test]
fn rigs_agent_stream_is_booked_as_its_one_model_call() {
    let mock = MockProvider::start();
    let (kinds, cap, ledger) = capture(true, || {
        run(async {
            let items: Vec<_> = agent_prompted("gpt-4o-mini", &mock).await.collect().await;
            let calls = items
                .iter()
                .filter(|item| matches!(item, Ok(MultiTurnStreamItem::CompletionCall(_))))
                .count();
            let finals = items
                .iter()
                .filter(|item| matches!(item, Ok(MultiTurnStreamItem::FinalResponse(_))))
                .count();
            (calls, finals)
        })
    });
    // One model call, its usage both in its own item and in the final response: booked once,
    // as the mock's chat stream books on every other path.
    assert_eq!(kinds, (1, 1));
    assert_chat_stream_booked(&cap.span("chat gpt-4o-mini"), &ledger);
}
