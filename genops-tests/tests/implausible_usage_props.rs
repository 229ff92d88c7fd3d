//! Property tests of usage that cannot be true: the provider bodies and stream events of every
//! shape genops reads (`tests/data/providers/`), with their numbers replaced by anything a
//! broken or hostile provider could send. For every call: nothing panics, the call is booked
//! once, no response books more than the model's limits can cost, a response that is flagged
//! books exactly its bound, and a call whose every replaced number can be true is not flagged.

mod support;

use genops::semconv::*;
use genops::{PriceTable, ServiceTier, Usage};
use proptest::prelude::*;
use serde_json::{json, Number, Value};
use support::providers::{body, sse_events};
use support::{capture_with, Capture, SpanRecord};

/// Counts up to this can be true for every model here (well below the smallest limit, the
/// 4,096-token maximum output of Bedrock's Claude 3.5 Sonnet, even where a few add up).
const TRUE_COUNT: u64 = 1_000;

/// The cases each property runs: enough to reach every shape's fields many times, in seconds.
const CASES: u32 = 96;

/// [`CASES`] cases, and no file of failing cases written into the work tree (a failure prints
/// its minimal case).
fn config() -> ProptestConfig {
    ProptestConfig {
        failure_persistence: None,
        ..ProptestConfig::with_cases(CASES)
    }
}

thread_local! {
    /// This test thread's layer and price table: a case builds neither.
    static LAYER: genops::GenOpsLayer = genops::layer();
    static TABLE: PriceTable = PriceTable::embedded();
}

/// What one call booked: calls, cost in pico-dollars, calls flagged.
type Booked = (u64, u128, u64);

/// Runs `f` under this thread's layer and a capture: what it booked, and the one span it made.
fn call(f: impl FnOnce()) -> (Booked, SpanRecord) {
    LAYER.with(|layer| {
        let read = |t: genops::Totals| (t.calls, t.cost.picos(), t.implausible_usage_calls);
        let before = read(layer.ledger().snapshot().total);
        let (_, cap, ledger) = capture_with(layer.clone(), true, f);
        let after = read(ledger.snapshot().total);
        let booked = (after.0 - before.0, after.1 - before.1, after.2 - before.2);
        (booked, only_span(&cap))
    })
}

/// The numbers a case replaces: an index into all of a shape's numbers, and a [`replacement`].
type Picks = Vec<(usize, (Option<Value>, bool))>;

/// What replaces one number of a body: `None` removes it. The flag says whether it can be true.
fn replacement() -> impl Strategy<Value = (Option<Value>, bool)> {
    prop_oneof![
        4 => (0..=TRUE_COUNT).prop_map(|n| (Some(json!(n)), true)),
        1 => Just((None, true)),
        1 => Just((Some(Value::Null), true)),
        2 => any::<u64>().prop_map(|n| (Some(json!(n)), n <= TRUE_COUNT)),
        1 => Just((Some(json!(u64::MAX)), false)),
        1 => (i64::MIN..0).prop_map(|n| (Some(json!(n)), false)),
        1 => any::<f64>().prop_map(|x| {
            let whole = x.fract() == 0.0 && (0.0..=TRUE_COUNT as f64).contains(&x);
            match Number::from_f64(x) {
                Some(n) => (Some(Value::Number(n)), whole),
                None => (Some(Value::Null), true),
            }
        }),
        1 => "[0-9a-z-]{0,6}".prop_map(|s| (Some(json!(s)), false)),
        1 => any::<bool>().prop_map(|b| (Some(json!(b)), false)),
        1 => Just((Some(json!([1, 2])), false)),
        1 => Just((Some(json!({"n": 1})), false)),
    ]
}

/// The path of every number in `value`, as JSON pointer tokens.
fn numbers(value: &Value, path: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    match value {
        Value::Number(_) => out.push(path.clone()),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                path.push(i.to_string());
                numbers(item, path, out);
                path.pop();
            }
        }
        Value::Object(fields) => {
            for (key, item) in fields {
                path.push(key.clone());
                numbers(item, path, out);
                path.pop();
            }
        }
        _ => {}
    }
}

/// `events` with the numbers `picks` chooses (an index into all of them, and a replacement)
/// replaced; whether every replacement can be true.
fn mutate(events: &[Value], picks: &[(usize, (Option<Value>, bool))]) -> (Vec<Value>, bool) {
    let mut events = events.to_vec();
    let mut paths = Vec::new();
    for (e, event) in events.iter().enumerate() {
        let mut found = Vec::new();
        numbers(event, &mut Vec::new(), &mut found);
        paths.extend(found.into_iter().map(|p| (e, p)));
    }
    let mut all_true = true;
    for (pick, (value, can_be_true)) in picks {
        let (e, path) = &paths[pick % paths.len()];
        let (last, parents) = path.split_last().expect("a number has a path");
        let mut parent = &mut events[*e];
        for token in parents {
            parent = match parent {
                Value::Array(items) => &mut items[token.parse::<usize>().unwrap()],
                other => &mut other[token.as_str()],
            };
        }
        match (parent, value) {
            (Value::Object(fields), None) => {
                fields.remove(last);
            }
            (Value::Object(fields), Some(v)) => {
                fields.insert(last.clone(), v.clone());
            }
            (Value::Array(items), v) => {
                items[last.parse::<usize>().unwrap()] = v.clone().unwrap_or(Value::Null);
            }
            _ => continue,
        }
        all_true &= can_be_true;
    }
    (events, all_true)
}

/// The most one response of `model` can cost, in pico-dollars: its context window of every
/// kind of input token and its maximum output of every kind of output token (and as many web
/// searches), each priced on its own at the top band, in the dearest service tier.
fn ceiling(table: &PriceTable, provider: &str, model: &str) -> u128 {
    let (rates, window, output) = limits(table, provider, model);
    let w = Usage::new(window, 0);
    let kinds = [
        w,
        w.cache_read(window),
        w.cache_creation(window),
        w.cache_creation(window).cache_creation_1h(window),
        w.input_audio(window),
        Usage::new(window, output),
        Usage::new(window, output).reasoning(output),
        Usage::new(window, output).output_audio(output),
        w.web_search(output),
    ];
    ServiceTier::ALL
        .iter()
        .map(|&tier| {
            kinds
                .iter()
                .map(|u| rates.cost(&u.service_tier(tier)).cost.picos())
                .sum::<u128>()
        })
        .max()
        .unwrap()
}

/// The rates of `model` and its limits: 10,000,000 where the entry gives none, and for an
/// embedding model's window (its `max_input_tokens` is per input of a batch).
fn limits<'t>(table: &'t PriceTable, provider: &str, model: &str) -> (&'t genops::Rates, u64, u64) {
    let id = table.find(provider, model).expect("a priced model");
    let entry = table.get(table.name(id)).unwrap();
    let limit = |n: Option<u64>| n.filter(|&n| n > 0).unwrap_or(10_000_000);
    let window = match entry.mode.as_deref() {
        Some("embedding") => None,
        _ => entry.max_input_tokens,
    };
    (
        table.rates(id),
        limit(window),
        limit(entry.max_output_tokens),
    )
}

/// What one response that cannot be true books in each service tier: the limits as plain input
/// and output tokens.
fn bounds(table: &PriceTable, provider: &str, model: &str) -> Vec<u128> {
    let (rates, window, output) = limits(table, provider, model);
    ServiceTier::ALL
        .iter()
        .map(|&tier| {
            let bound = Usage::new(window, output).service_tier(tier);
            rates.cost(&bound).cost.picos()
        })
        .collect()
}

#[genops::track(team = "t", provider = "openai", model = model)]
fn openai(model: &str, events: &[Value]) {
    events.iter().for_each(genops::record);
}

#[genops::track(team = "t", provider = "anthropic", model = model)]
fn anthropic(model: &str, events: &[Value]) {
    events.iter().for_each(genops::record);
}

#[genops::track(team = "t", provider = "gcp.gemini", model = model)]
fn gemini(model: &str, events: &[Value]) {
    events.iter().for_each(genops::record);
}

/// The shapes: a name, the provider, the model that prices it, and its events.
fn shapes() -> Vec<(&'static str, &'static str, &'static str, Vec<Value>)> {
    let anthropic_message = json!({
        "type": "message", "id": "msg_1", "model": "claude-sonnet-4-5-20250929",
        "role": "assistant", "content": [{"type": "text", "text": "Hi"}],
        "stop_reason": "end_turn",
        "usage": {"input_tokens": 10, "cache_read_input_tokens": 200,
                  "cache_creation_input_tokens": 300,
                  "cache_creation": {"ephemeral_5m_input_tokens": 100,
                                     "ephemeral_1h_input_tokens": 200},
                  "server_tool_use": {"web_search_requests": 1},
                  "output_tokens": 50, "service_tier": "standard"}
    });
    let gemini_response = json!({
        "candidates": [{"content": {"parts": [{"text": "Hi"}], "role": "model"},
                        "finishReason": "STOP", "index": 0}],
        "usageMetadata": {"promptTokenCount": 1200, "candidatesTokenCount": 30,
                          "thoughtsTokenCount": 40, "cachedContentTokenCount": 1000,
                          "toolUsePromptTokenCount": 5,
                          "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 1000},
                                                  {"modality": "AUDIO", "tokenCount": 200}],
                          "candidatesTokensDetails": [{"modality": "AUDIO", "tokenCount": 10}]},
        "modelVersion": "gemini-2.5-pro", "responseId": "r-1"
    });
    vec![
        (
            "openai chat",
            "openai",
            "gpt-4o-mini",
            vec![body("openai_chat_cached.json")],
        ),
        (
            "openai chat stream",
            "openai",
            "gpt-4o-mini",
            sse_events("openai_chat_stream.sse"),
        ),
        (
            "openai responses",
            "openai",
            "gpt-5",
            vec![body("openai_responses_reasoning.json")],
        ),
        (
            "openai responses stream",
            "openai",
            "gpt-4o-mini",
            sse_events("openai_responses_stream.sse"),
        ),
        (
            "openai embeddings",
            "openai",
            "text-embedding-3-small",
            vec![body("openai_embeddings.json")],
        ),
        (
            "anthropic message",
            "anthropic",
            "claude-sonnet-4-5",
            vec![anthropic_message],
        ),
        (
            "anthropic stream",
            "anthropic",
            "claude-sonnet-4-5",
            sse_events("anthropic_stream.sse"),
        ),
        (
            "gemini response",
            "gcp.gemini",
            "gemini-2.5-pro",
            vec![gemini_response],
        ),
        (
            "gemini stream",
            "gcp.gemini",
            "gemini-2.5-pro",
            sse_events("gemini_stream.sse"),
        ),
    ]
}

/// Checks one finished call of `model` that recorded `events` (each at most one response).
fn check_call(
    (provider, model): (&str, &str),
    events: usize,
    all_true: bool,
    ((calls, picos, implausible), span): (Booked, SpanRecord),
) -> Result<(), TestCaseError> {
    // Booked once, and its result fields recorded once (`get` panics on a second record).
    prop_assert_eq!(calls, 1);
    prop_assert!(span.get(GEN_AI_USAGE_COST).is_some());
    let (limit, bounds) = TABLE.with(|t| (ceiling(t, provider, model), bounds(t, provider, model)));
    let limit = events as u128 * limit;
    prop_assert!(picos <= limit, "{} p$ booked, above {} p$", picos, limit);
    let flagged = span.get(GENOPS_USAGE_IMPLAUSIBLE).is_some();
    prop_assert_eq!(flagged, implausible == 1);
    if all_true {
        prop_assert!(
            !flagged,
            "flagged: {:?}",
            span.get(GENOPS_USAGE_IMPLAUSIBLE)
        );
    }
    if flagged && events == 1 {
        prop_assert!(bounds.contains(&picos), "{} p$", picos);
    }
    Ok(())
}

/// The one span a property's call made.
fn only_span(cap: &Capture) -> SpanRecord {
    let spans = cap.spans();
    assert_eq!(spans.len(), 1, "{spans:?}");
    spans[0].clone()
}

/// One property per shape, so a failure names it.
fn json_property(shape: &str) -> impl Fn(Picks) -> Result<(), TestCaseError> {
    let (_, provider, model, events) = shapes()
        .into_iter()
        .find(|(name, ..)| *name == shape)
        .expect("a shape");
    move |picks| {
        let (events, all_true) = mutate(&events, &picks);
        let track = match provider {
            "openai" => openai,
            "anthropic" => anthropic,
            _ => gemini,
        };
        let booked = call(|| track(model, &events));
        check_call((provider, model), events.len(), all_true, booked)
    }
}

/// Up to eight numbers to replace, anywhere in the events.
fn picks() -> impl Strategy<Value = Picks> {
    prop::collection::vec((any::<usize>(), replacement()), 1..8)
}

macro_rules! json_shapes {
    ($($test:ident: $shape:literal,)*) => {
        proptest! {
            #![proptest_config(config())]
            $(
                #[test]
                fn $test(picks in picks()) {
                    json_property($shape)(picks)?;
                }
            )*
        }
    };
}

json_shapes! {
    openai_chat_bodies: "openai chat",
    openai_chat_stream_events: "openai chat stream",
    openai_responses_bodies: "openai responses",
    openai_responses_stream_events: "openai responses stream",
    openai_embeddings_bodies: "openai embeddings",
    anthropic_message_bodies: "anthropic message",
    anthropic_stream_events: "anthropic stream",
    gemini_bodies: "gemini response",
    gemini_stream_events: "gemini stream",
}

#[test]
fn every_shape_has_numbers_to_replace_and_books_as_documented_unmutated() {
    let table = PriceTable::embedded();
    for (name, provider, model, events) in shapes() {
        let (mutated, all_true) = mutate(&events, &[]);
        assert!(all_true && mutated == events, "{name}");
        let mut found = Vec::new();
        for event in &events {
            numbers(event, &mut Vec::new(), &mut found);
        }
        assert!(found.len() >= 2, "{name}: {found:?}");
        assert!(ceiling(&table, provider, model) > 0, "{name}");
        json_property(name)(vec![]).unwrap_or_else(|e| panic!("{name}: {e}"));
        // Every number u64::MAX: flagged, and booked at no more than the bound per event.
        let all_max: Vec<_> = (0..found.len())
            .map(|i| (i, (Some(json!(u64::MAX)), false)))
            .collect();
        let (mutated, _) = mutate(&events, &all_max);
        let track = match provider {
            "openai" => openai,
            "anthropic" => anthropic,
            _ => gemini,
        };
        let ((calls, picos, implausible), span) = call(|| track(model, &mutated));
        assert_eq!((calls, implausible), (1, 1), "{name}");
        assert!(span.has(GENOPS_USAGE_IMPLAUSIBLE), "{name}");
        let most = bounds(&table, provider, model).into_iter().max().unwrap();
        assert!(
            picos > 0 && picos <= events.len() as u128 * most,
            "{name}: {picos}"
        );
    }
}

/// async-openai's types, parsed from the mutated JSON where they parse.
#[cfg(feature = "async-openai")]
mod async_openai_types {
    use super::*;
    use async_openai::types::chat::{
        CreateChatCompletionResponse, CreateChatCompletionStreamResponse,
    };
    use async_openai::types::embeddings::CreateEmbeddingResponse;
    use async_openai::types::responses::{Response, ResponseStreamEvent};
    use serde::de::DeserializeOwned;

    #[genops::track(team = "t", provider = "openai", model = model)]
    fn typed<T: genops::Recordable>(model: &str, events: &[T]) {
        events.iter().for_each(genops::record);
    }

    /// Parses every event as `T` (a case whose events do not all parse is not a call) and
    /// checks the call that records them.
    fn property<T: DeserializeOwned + genops::Recordable>(
        shape: &str,
        picks: Picks,
    ) -> Result<(), TestCaseError> {
        let (_, provider, model, events) = shapes()
            .into_iter()
            .find(|(name, ..)| *name == shape)
            .unwrap();
        let (events, all_true) = mutate(&events, &picks);
        let Ok(parsed) = events
            .iter()
            .map(|e| serde_json::from_value::<T>(e.clone()))
            .collect::<Result<Vec<T>, _>>()
        else {
            return Ok(());
        };
        let booked = call(|| typed(model, &parsed));
        check_call((provider, model), events.len(), all_true, booked)
    }

    proptest! {
        #![proptest_config(config())]

        #[test]
        fn chat_completions(picks in picks()) {
            property::<CreateChatCompletionResponse>("openai chat", picks)?;
        }

        #[test]
        fn chat_stream_chunks(picks in picks()) {
            property::<CreateChatCompletionStreamResponse>("openai chat stream", picks)?;
        }

        #[test]
        fn responses(picks in picks()) {
            property::<Response>("openai responses", picks)?;
        }

        #[test]
        fn response_stream_events(picks in picks()) {
            property::<ResponseStreamEvent>("openai responses stream", picks)?;
        }

        #[test]
        fn embeddings(picks in picks()) {
            property::<CreateEmbeddingResponse>("openai embeddings", picks)?;
        }
    }
}

/// genai's stream `End` event, with a usage parsed from the mutated JSON where it parses (its
/// counts are `i32`: negatives parse).
#[cfg(feature = "genai")]
mod genai_events {
    use super::*;
    use genai::chat::{ChatStreamEvent, StreamEnd, Usage as GenaiUsage};

    #[genops::track(team = "t", provider = "anthropic", model = "claude-sonnet-4-5")]
    fn streamed(events: &[ChatStreamEvent]) {
        events.iter().for_each(genops::record);
    }

    proptest! {
        #![proptest_config(config())]

        #[test]
        fn end_events(picks in picks()) {
            let usage = json!({
                "prompt_tokens": 1200, "completion_tokens": 300,
                "prompt_tokens_details": {"cached_tokens": 1000, "cache_creation_tokens": 100,
                                          "cache_creation_details": {"ephemeral_1h_tokens": 50},
                                          "audio_tokens": 0},
                "completion_tokens_details": {"reasoning_tokens": 100, "audio_tokens": 0}
            });
            let (usage, all_true) = mutate(&[usage], &picks);
            let Ok(usage) = serde_json::from_value::<GenaiUsage>(usage[0].clone()) else {
                return Ok(());
            };
            let end = ChatStreamEvent::End(StreamEnd {
                captured_usage: Some(usage),
                ..StreamEnd::default()
            });
            let booked = call(|| streamed(&[end]));
            check_call(("anthropic", "claude-sonnet-4-5"), 1, all_true, booked)?;
        }
    }
}

/// Bedrock's token usage, any `i32` in each count.
#[cfg(feature = "aws-bedrock")]
mod bedrock_events {
    use super::*;
    use aws_sdk_bedrockruntime::types::{
        ConverseStreamMetadataEvent, ConverseStreamOutput, TokenUsage,
    };

    const MODEL: &str = "anthropic.claude-3-5-sonnet-20240620-v1:0";

    #[genops::track(team = "t", provider = "aws.bedrock", model = MODEL)]
    fn streamed(events: &[ConverseStreamOutput]) {
        events.iter().for_each(genops::record);
    }

    /// A count: mostly one that can be true, else any.
    fn count() -> impl Strategy<Value = i32> {
        prop_oneof![3 => 0..=1_000i32, 1 => any::<i32>()]
    }

    proptest! {
        #![proptest_config(config())]

        #[test]
        fn metadata_events(counts in [count(), count(), count(), count()]) {
            let [input, output, read, write] = counts;
            let usage = TokenUsage::builder()
                .input_tokens(input)
                .output_tokens(output)
                .total_tokens(0)
                .cache_read_input_tokens(read)
                .cache_write_input_tokens(write)
                .build()
                .expect("every required field");
            let metadata = ConverseStreamMetadataEvent::builder().usage(usage).build();
            let event = ConverseStreamOutput::Metadata(metadata);
            let all_true = counts.iter().all(|n| (0..=1_000).contains(n));
            let booked = call(|| streamed(&[event]));
            // A negative count is not a count.
            let flagged = booked.1.has(GENOPS_USAGE_IMPLAUSIBLE);
            prop_assert_eq!(flagged || counts.iter().all(|n| *n >= 0), true);
            check_call(("aws.bedrock", MODEL), 1, all_true, booked)?;
        }
    }
}

/// rig's terminal stream record, with a usage parsed from the mutated JSON where it parses (its
/// counts are `u64`: negatives and fractions do not parse). From Anthropic, so the cache tokens
/// are added to the input.
#[cfg(feature = "rig")]
mod rig_finals {
    use super::*;
    use rig_agent::agent::{CompletionCall, MultiTurnStreamItem};
    use rig_core::completion::{AssistantContent, Usage as RigUsage};
    use rig_core::streaming::{StreamFinal, StreamedAssistantContent};

    #[genops::track(team = "t", provider = "anthropic", model = "claude-sonnet-4-5")]
    fn streamed(items: &[StreamedAssistantContent]) {
        items.iter().for_each(genops::record);
    }

    #[genops::track(team = "t", provider = "anthropic", model = "claude-sonnet-4-5")]
    fn agent_streamed(items: &[MultiTurnStreamItem]) {
        items.iter().for_each(genops::record);
    }

    /// rig's usage with Anthropic's counts, as JSON to mutate.
    fn anthropic_usage() -> Value {
        json!({
            "input_tokens": 200, "output_tokens": 300, "total_tokens": 1000,
            "cached_input_tokens": 300, "cache_creation_input_tokens": 200,
            "tool_use_prompt_tokens": 0, "reasoning_tokens": 100
        })
    }

    proptest! {
        #![proptest_config(config())]

        #[test]
        fn final_items(picks in picks()) {
            let (usage, all_true) = mutate(&[anthropic_usage()], &picks);
            let Ok(usage) = serde_json::from_value::<RigUsage>(usage[0].clone()) else {
                return Ok(());
            };
            let last = StreamedAssistantContent::Final(StreamFinal::new("anthropic", usage));
            let booked = call(|| streamed(&[last]));
            check_call(("anthropic", "claude-sonnet-4-5"), 1, all_true, booked)?;
        }

        /// An agent's stream: two model calls, each with its `CompletionCall` and its `Final`
        /// item, then the final response with an aggregate (mutated too): booked as the two
        /// calls' items alone book.
        #[test]
        fn agent_items(picks in picks()) {
            let usages = [anthropic_usage(), anthropic_usage(), anthropic_usage()];
            let (usages, all_true) = mutate(&usages, &picks);
            let Ok(usages) = usages
                .into_iter()
                .map(serde_json::from_value::<RigUsage>)
                .collect::<Result<Vec<_>, _>>()
            else {
                return Ok(());
            };
            let turn = |index: usize| {
                let last = StreamFinal::new("anthropic", usages[index]);
                [
                    MultiTurnStreamItem::CompletionCall(CompletionCall::new(index, usages[index])),
                    MultiTurnStreamItem::StreamAssistantItem(StreamedAssistantContent::Final(last)),
                ]
            };
            let mut items = turn(0).to_vec();
            items.extend(turn(1));
            items.push(MultiTurnStreamItem::final_response(
                vec![AssistantContent::text("Hi")],
                usages[2],
            ));
            // The model calls' items alone book the same: the rest adds nothing.
            let calls: Vec<_> = items.iter().step_by(2).take(2).cloned().collect();
            let ((_, calls_alone, _), _) = call(|| agent_streamed(&calls));
            let booked = call(|| agent_streamed(&items));
            prop_assert_eq!(booked.0 .1, calls_alone);
            check_call(("anthropic", "claude-sonnet-4-5"), 2, all_true, booked)?;
        }
    }
}
