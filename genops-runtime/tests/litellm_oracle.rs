//! genops' prices against LiteLLM's cost function, over every chat model of LiteLLM's bundled
//! price file.
//!
//! LiteLLM runs through `tests/data/litellm_costs.py` under the Python that
//! `GENOPS_LITELLM_PYTHON` names, else `python3` when it can `import litellm`. The test is
//! ignored unless asked for (`cargo test -- --include-ignored`, as CI runs it), and then fails
//! when there is no such Python.
//!
//! The same price file LiteLLM loads (its bundled `model_prices_and_context_window_backup.json`,
//! whose path the oracle reports) is loaded into a `PriceTable`, and every case must agree within
//! 1e-6 relative or 1e-12 USD absolute.
//!
//! For each chat model the cases are token mixes (plain, cache reads and writes, one-hour writes,
//! reasoning, audio, web search of each context size, all at once) at 10k prompt tokens and just
//! below, at and just above every threshold of the entry (`_above_{N}_tokens` keys and
//! `tiered_pricing` bounds), in the standard tier, in flex and priority when the entry has such
//! prices, and as a batch (all mixes when it has batch prices, three otherwise).
//!
//! Excluded, by reason (each counted and printed); each is a case where LiteLLM's answer depends
//! on something other than the usage and the entry:
//! - **LiteLLM prices another entry**: `cost_per_token` rewrites the name
//!   (`<provider>/<model>` first) and lands on an entry with other prices (deepseek-chat,
//!   deepseek-reasoner, gemini-exp-1206); every case of the model is excluded.
//! - **LiteLLM resolved a name with no entry** (a price-less fallback rule answers).
//! - **`completion_cost` re-maps the name** (together_ai size categories), so its total differs
//!   from `cost_per_token`; every case of the model is excluded.
//! - **LiteLLM's batch path resolves another entry or none**: `batch_cost_calculator` looks the
//!   model up again through `get_llm_provider` and, when that finds nothing, prices the batch at
//!   0 (jamba on Vertex, azure/mistral-large-latest).
//! - **LiteLLM's batch path needs provider credentials**: `get_llm_provider` logs in to
//!   github_copilot, so those batch cases cannot run offline.
//!
//! Time of day (`off_peak_pricing`) is pinned by the oracle to a standard-price moment, and no
//! region, residency or provider-reported cost is passed, so nothing else is excluded.
//!
//! Mismatches that are reported, not failed: on an entry genops flags as unsupported
//! (`Rates::unsupported`), and within the rounding bound (0.5 pico-dollar per token) on an entry
//! whose prices are not whole pico-dollars, which genops rounds at load by design. Any other
//! mismatch fails the test.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use genops_runtime::{PriceTable, SearchContextSize, ServiceTier, Usage};
use serde_json::{json, Value};

/// The Python that can import litellm; fails, saying how to provide one, when there is none.
fn litellm_python() -> String {
    if let Ok(python) = std::env::var("GENOPS_LITELLM_PYTHON") {
        if !python.is_empty() {
            return python;
        }
    }
    let importable = Command::new("python3")
        .args(["-c", "import litellm"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        importable,
        "needs LiteLLM: python3 cannot import litellm; set GENOPS_LITELLM_PYTHON to a python \
         with litellm==1.110.2 (e.g. one of a virtualenv made with `pip install litellm==1.110.2`)"
    );
    "python3".into()
}

fn oracle_script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/litellm_costs.py")
}

/// Runs the oracle over `cases` in `jobs` processes: (header, one answer per case, in order).
fn run_oracle(python: &str, cases: &[Value], jobs: usize) -> (Value, Vec<Value>) {
    let chunk = cases.len().div_ceil(jobs.max(1)).max(1);
    let chunks: Vec<&[Value]> = if cases.is_empty() {
        vec![&[]]
    } else {
        cases.chunks(chunk).collect()
    };
    let outputs: Vec<(Value, Vec<Value>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|chunk| {
                scope.spawn(move || {
                    let mut child = Command::new(python)
                        .arg(oracle_script())
                        .stdin(Stdio::piped())
                        .stdout(Stdio::piped())
                        .stderr(Stdio::null())
                        .spawn()
                        .expect("start the LiteLLM oracle");
                    let input = serde_json::to_vec(chunk).unwrap();
                    let mut stdin = child.stdin.take().unwrap();
                    let writer = std::thread::spawn(move || stdin.write_all(&input));
                    let output = child.wait_with_output().expect("run the LiteLLM oracle");
                    writer.join().unwrap().expect("feed the LiteLLM oracle");
                    let text = String::from_utf8(output.stdout).unwrap();
                    let mut lines = text
                        .lines()
                        .map(|l| serde_json::from_str::<Value>(l).expect("oracle JSON line"));
                    let header = lines.next().expect("oracle header");
                    (header, lines.collect::<Vec<_>>())
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let header = outputs[0].0.clone();
    let answers: Vec<Value> = outputs.into_iter().flat_map(|(_, a)| a).collect();
    assert_eq!(answers.len(), cases.len(), "one oracle answer per case");
    (header, answers)
}

/// A token mix, in the GenAI conventions the oracle documents.
#[derive(Clone, Copy, Debug, Default)]
struct Mix {
    input: u64,
    output: u64,
    cache_read: u64,
    cache_creation: u64,
    cache_creation_1h: u64,
    reasoning: u64,
    input_audio: u64,
    output_audio: u64,
    web_search: u64,
    size: Option<SearchContextSize>,
}

impl Mix {
    fn usage(&self, tier: ServiceTier) -> Usage {
        let mut usage = Usage::new(self.input, self.output)
            .cache_read(self.cache_read)
            .cache_creation(self.cache_creation)
            .cache_creation_1h(self.cache_creation_1h)
            .reasoning(self.reasoning)
            .input_audio(self.input_audio)
            .output_audio(self.output_audio)
            .web_search(self.web_search)
            .service_tier(tier);
        if let Some(size) = self.size {
            usage = usage.search_context_size(size);
        }
        usage
    }

    fn json(&self) -> Value {
        let size = self.size.map(|s| match s {
            SearchContextSize::Low => "low",
            SearchContextSize::Medium => "medium",
            SearchContextSize::High => "high",
        });
        json!({
            "input": self.input, "output": self.output, "cache_read": self.cache_read,
            "cache_creation": self.cache_creation, "cache_creation_1h": self.cache_creation_1h,
            "reasoning": self.reasoning, "input_audio": self.input_audio,
            "output_audio": self.output_audio, "web_search_requests": self.web_search,
            "search_context_size": size,
        })
    }
}

/// The mixes at a prompt of `p` tokens, by name.
fn mixes(p: u64) -> Vec<(&'static str, Mix)> {
    let base = Mix {
        input: p,
        output: 700,
        ..Mix::default()
    };
    vec![
        ("plain", base),
        (
            "cached",
            Mix {
                cache_read: p * 3 / 10,
                cache_creation: p / 10,
                output: 900,
                ..base
            },
        ),
        (
            "1h-writes",
            Mix {
                cache_read: p / 10,
                cache_creation: p / 5,
                cache_creation_1h: p / 10,
                output: 300,
                ..base
            },
        ),
        (
            "reasoning",
            Mix {
                output: 3_000,
                reasoning: 1_200,
                ..base
            },
        ),
        (
            "audio",
            Mix {
                cache_read: p / 10,
                input_audio: p / 4,
                output: 1_500,
                output_audio: 400,
                ..base
            },
        ),
        (
            "all",
            Mix {
                cache_read: p / 4,
                cache_creation: p / 10,
                cache_creation_1h: p / 20,
                input_audio: p / 20,
                output: 2_500,
                reasoning: 800,
                output_audio: 100,
                ..base
            },
        ),
    ]
}

/// The web-search mixes (standard tier only).
fn search_mixes() -> Vec<(&'static str, Mix)> {
    let base = Mix {
        input: 2_000,
        output: 200,
        web_search: 3,
        ..Mix::default()
    };
    vec![
        ("search", base),
        (
            "search-low",
            Mix {
                size: Some(SearchContextSize::Low),
                ..base
            },
        ),
        (
            "search-high",
            Mix {
                size: Some(SearchContextSize::High),
                web_search: 1,
                ..base
            },
        ),
    ]
}

/// Every threshold of an entry: `_above_{N}_tokens` keys and `tiered_pricing` range bounds.
fn thresholds(entry: &serde_json::Map<String, Value>) -> BTreeSet<u64> {
    let mut out = BTreeSet::new();
    for key in entry.keys() {
        let Some((_, rest)) = key.rsplit_once("_above_") else {
            continue;
        };
        let Some((n, _)) = rest.split_once("_tokens") else {
            continue;
        };
        let (digits, scale) = n.strip_suffix('k').map_or((n, 1), |d| (d, 1_000));
        if let Ok(n) = digits.parse::<u64>() {
            out.insert(n * scale);
        }
    }
    for row in entry
        .get("tiered_pricing")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        for bound in row
            .get("range")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(b) = bound.as_f64() {
                out.insert(b as u64);
            }
        }
    }
    out
}

struct Case {
    model: String,
    name: String,
    tier: ServiceTier,
    mix: Mix,
}

fn cases_for(model: &str, entry: &serde_json::Map<String, Value>) -> Vec<Case> {
    let has = |suffix: &str| entry.keys().any(|k| k.ends_with(suffix));
    let thresholds = thresholds(entry);
    let full = |out: &mut Vec<Case>, tier: ServiceTier| {
        for (name, mix) in mixes(10_000) {
            out.push(Case {
                model: model.into(),
                name: format!("{name}@10000"),
                tier,
                mix,
            });
        }
        for &n in &thresholds {
            for p in [n.saturating_sub(1), n, n + 1] {
                for (name, mix) in mixes(p) {
                    if matches!(name, "plain" | "cached" | "all") {
                        out.push(Case {
                            model: model.into(),
                            name: format!("{name}@{p}"),
                            tier,
                            mix,
                        });
                    }
                }
            }
        }
    };
    let mut out = Vec::new();
    full(&mut out, ServiceTier::Standard);
    for (name, mix) in search_mixes() {
        out.push(Case {
            model: model.into(),
            name: name.into(),
            tier: ServiceTier::Standard,
            mix,
        });
    }
    if has("_flex") {
        full(&mut out, ServiceTier::Flex);
    }
    if has("_priority") {
        full(&mut out, ServiceTier::Priority);
    }
    if has("_batches") {
        full(&mut out, ServiceTier::Batch);
    } else {
        for (name, mix) in mixes(10_000) {
            if matches!(name, "plain" | "cached" | "all") {
                out.push(Case {
                    model: model.into(),
                    name: format!("{name}@10000"),
                    tier: ServiceTier::Batch,
                    mix,
                });
            }
        }
    }
    out
}

/// Why an oracle answer is excluded, from its `error`, and whether the reason is the model's
/// name (so every case of the model is excluded).
fn exclusion(error: &str) -> (&'static str, bool) {
    if let Some(batch) = error.strip_prefix("batch path: ") {
        if batch.starts_with("get_llm_provider raised") {
            (
                "LiteLLM's batch path needs provider credentials (get_llm_provider)",
                false,
            )
        } else {
            (
                "LiteLLM's batch path resolves another entry or none (prices 0)",
                false,
            )
        }
    } else if error.contains("LiteLLM priced entry") {
        ("LiteLLM prices another entry (name rewriting)", true)
    } else if error.contains("has no entry") {
        ("LiteLLM resolved a name with no entry", true)
    } else if error.contains("completion_cost") {
        (
            "completion_cost re-maps the name (differs from cost_per_token)",
            true,
        )
    } else {
        ("oracle raised", false)
    }
}

/// Whether a price of `entry` is not a whole number of pico-dollars.
fn has_sub_pico_price(entry: &serde_json::Map<String, Value>) -> bool {
    fn sub_pico(value: &Value) -> bool {
        match value {
            Value::Number(n) => n.as_f64().is_some_and(|usd| {
                let picos = usd * 1e12;
                (picos - picos.round()).abs() > 1e-6 * picos.abs().max(1.0)
            }),
            Value::Array(items) => items.iter().any(sub_pico),
            Value::Object(fields) => fields.values().any(sub_pico),
            _ => false,
        }
    }
    entry
        .iter()
        .any(|(key, value)| key.contains("cost") && sub_pico(value))
}

/// The largest error that rounding each price to a whole pico-dollar can cause on `mix`.
fn rounding_bound_usd(mix: &Mix) -> f64 {
    let tokens = mix.input + mix.output + mix.reasoning + mix.web_search;
    tokens as f64 * 0.5e-12
}

fn close(genops: f64, litellm: f64) -> bool {
    let diff = (genops - litellm).abs();
    diff <= 1e-12 || diff <= 1e-6 * litellm.abs()
}

#[test]
#[ignore = "needs LiteLLM: set GENOPS_LITELLM_PYTHON to a python with litellm==1.110.2"]
fn every_chat_model_costs_what_litellm_says() {
    let python = litellm_python();
    let (header, _) = run_oracle(&python, &[], 1);
    let file = header["price_file"]
        .as_str()
        .expect("the oracle names LiteLLM's price file")
        .to_owned();
    let version = header["litellm_version"].as_str().unwrap_or("?").to_owned();

    let mut table = PriceTable::new();
    table.load_file(&file).expect("LiteLLM's price file loads");
    let raw: serde_json::Map<String, Value> =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let chat: Vec<(&String, &serde_json::Map<String, Value>)> = raw
        .iter()
        .filter_map(|(k, v)| Some((k, v.as_object()?)))
        .filter(|(_, v)| v.get("mode").and_then(Value::as_str) == Some("chat"))
        .collect();
    let cases: Vec<Case> = chat
        .iter()
        .flat_map(|(model, entry)| cases_for(model, entry))
        .collect();
    let inputs: Vec<Value> = cases
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let tier = match c.tier {
                ServiceTier::Standard => Value::Null,
                other => Value::from(other.as_str()),
            };
            json!({"id": i.to_string(), "model": c.model, "usage": c.mix.json(), "service_tier": tier})
        })
        .collect();
    let jobs = std::thread::available_parallelism().map_or(2, |n| n.get().clamp(1, 4));
    let (_, answers) = run_oracle(&python, &inputs, jobs);

    // Reasons that are the model's name exclude every case of the model.
    let mut excluded_models: BTreeMap<&str, &str> = BTreeMap::new();
    for (case, answer) in cases.iter().zip(&answers) {
        if let Some(error) = answer["error"].as_str() {
            if let (reason, true) = exclusion(error) {
                excluded_models.insert(&case.model, reason);
            }
        }
    }
    let mut excluded: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    let mut excluded_cases: BTreeMap<&str, usize> = BTreeMap::new();
    let mut flagged: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    let mut failures = Vec::new();
    let mut compared_models = BTreeSet::new();
    let mut compared = 0usize;
    for (case, answer) in cases.iter().zip(&answers) {
        let reason = match (
            excluded_models.get(case.model.as_str()),
            answer["error"].as_str(),
        ) {
            (Some(&reason), _) => Some(reason),
            (None, Some(error)) => {
                let (reason, _) = exclusion(error);
                if reason == "oracle raised" {
                    failures.push(format!(
                        "{} {}: oracle raised: {error}",
                        case.model, case.name
                    ));
                    continue;
                }
                Some(reason)
            }
            (None, None) => None,
        };
        if let Some(reason) = reason {
            excluded.entry(reason).or_default().insert(&case.model);
            *excluded_cases.entry(reason).or_default() += 1;
            continue;
        }
        let litellm = answer["cost"].as_f64().expect("a cost");
        let id = table
            .find("", &case.model)
            .expect("every chat model is in the table");
        let rates = table.rates(id);
        let priced = rates.cost(&case.mix.usage(case.tier));
        let genops = priced.cost.as_usd();
        compared += 1;
        compared_models.insert(case.model.as_str());
        if close(genops, litellm) {
            continue;
        }
        let line = format!(
            "{} [{}] {} {:?}: genops {genops:e} LiteLLM {litellm:e}",
            case.model,
            case.tier.as_str(),
            case.name,
            case.mix,
        );
        let rounding = (genops - litellm).abs() <= rounding_bound_usd(&case.mix)
            && chat
                .iter()
                .find(|(model, _)| **model == case.model)
                .is_some_and(|(_, entry)| has_sub_pico_price(entry));
        match rates.unsupported() {
            Some(reason) => flagged.entry(reason).or_default().push(line),
            None if rounding => flagged
                .entry("sub-pico prices rounded to whole pico-dollars at load")
                .or_default()
                .push(line),
            None => failures.push(line),
        }
    }

    eprintln!("LiteLLM {version}, price file {file}");
    eprintln!(
        "models compared: {} of {} chat models; cases compared: {compared}; matches: {}",
        compared_models.len(),
        chat.len(),
        compared - failures.len() - flagged.values().map(Vec::len).sum::<usize>()
    );
    for (reason, models) in &excluded {
        eprintln!(
            "excluded ({reason}): {} cases, {} models: {:?}",
            excluded_cases[reason],
            models.len(),
            models.iter().take(20).collect::<Vec<_>>()
        );
    }
    for (reason, lines) in &flagged {
        let models: BTreeSet<&str> = lines.iter().filter_map(|l| l.split(' ').next()).collect();
        eprintln!(
            "mismatches explained ({reason}): {} cases, {} models",
            lines.len(),
            models.len()
        );
        for line in lines.iter().take(5) {
            eprintln!("  {line}");
        }
    }
    if !failures.is_empty() {
        let models: BTreeSet<&str> = failures
            .iter()
            .filter_map(|l| l.split(' ').next())
            .collect();
        eprintln!(
            "unflagged mismatches: {} cases, {} models",
            failures.len(),
            models.len()
        );
    }
    assert!(
        failures.is_empty(),
        "{} cases differ from LiteLLM on entries genops does not flag:\n{}",
        failures.len(),
        failures
            .iter()
            .take(400)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}
