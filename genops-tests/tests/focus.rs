//! FOCUS 1.2 files from the ledger: a day of mixed traffic through a real layer goes out to
//! hourly files and reads back, per team, customer, provider and model, to the ledger's exact
//! costs and token counts; files are never written twice, a new writer resumes after the old
//! one's files, and the guard writes the last, partial period. With `GENOPS_FOCUS_VALIDATOR`
//! set, the FinOps Foundation's validator checks every file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, UNIX_EPOCH};

use tracing::Dispatch;
use tracing_subscriber::prelude::*;

use genops::{
    Dimension, FocusSettings, FocusWriter, PriceTable, ServiceTier, Snapshot, Totals, Usage,
};

/// 2026-12-01T00:00:00Z.
const DAY: u64 = 1_796_083_200;

#[genops::track(team = "search", provider = "openai", model = "gpt-4o", customer = customer)]
fn search(customer: &str, usage: Usage) {
    genops::record_usage(usage);
}

#[genops::track(team = "support", provider = "anthropic", model = "claude-sonnet-4-5", customer = customer, err)]
fn support(customer: &str, usage: Usage) -> Result<(), String> {
    genops::record_usage(usage);
    if usage.output == 0 {
        return Err("no answer".into());
    }
    Ok(())
}

#[genops::track(team = "research", provider = "openai", model = "o3-mini")]
fn reason(usage: Usage) {
    genops::record_usage(usage);
}

#[genops::track(team = "research", provider = "gcp.gemini", model = "gemini-2.5-pro", customer = customer)]
fn review(customer: &str, usage: Usage) {
    genops::record_usage(usage);
}

#[genops::track(team = "research", provider = "openai", model = "odd-batch")]
fn batch(usage: Usage) {
    genops::record_usage(usage);
}

#[genops::track(team = "lab", provider = "openai", model = "in-house-finetune")]
fn unknown(usage: Usage) {
    genops::record_usage(usage);
    genops::record_cost(0.000_123);
}

/// One hour of mixed traffic: cache reads and writes, reasoning, audio, web searches, long
/// prompts, service tiers, a batch job at half odd prices, errors, an unknown model.
fn hour(h: u64) {
    for (i, customer) in ["acme", "globex", "initech"].into_iter().enumerate() {
        let i = i as u64;
        search(
            customer,
            Usage::new(2_000 + h * 7 + i, 300 + i)
                .cache_read(1_024)
                .web_search(h % 3),
        );
        let turn = if (h + i) % 5 == 0 {
            Usage::new(6_001 + h, 0)
                .cache_creation(4_000 + i)
                .cache_creation_1h(1_000)
        } else {
            Usage::new(6_001 + h, 700 - h).cache_read(4_000)
        };
        let _ = support(customer, turn);
        review(
            customer,
            Usage::new(150_000 + 10_000 * h, 2_000 + h).service_tier(if h % 2 == 0 {
                ServiceTier::Standard
            } else {
                ServiceTier::Flex
            }),
        );
    }
    reason(
        Usage::new(1_500 + h, 4_000)
            .reasoning(3_000 + h)
            .input_audio(100),
    );
    batch(Usage::new(3 + h, 1 + h).service_tier(ServiceTier::Batch));
    if h % 4 == 0 {
        unknown(Usage::new(3_000, 300).reasoning(100));
    }
}

/// A layer with the embedded prices and `odd-batch`, whose batch prices are half-pico-dollars.
fn layer() -> genops::GenOpsLayer {
    let mut prices = PriceTable::embedded();
    let odd = r#"{"odd-batch": {"litellm_provider": "openai", "input_cost_per_token": 1e-12, "output_cost_per_token": 3e-12}}"#;
    prices.apply_json("test", odd).unwrap();
    genops::GenOpsLayer::builder().prices(prices).build()
}

fn at(secs: u64) -> std::time::SystemTime {
    UNIX_EPOCH + Duration::from_secs(secs)
}

/// A day of traffic, drained and written hour by hour: the files, and the periods' breakdowns
/// added up.
fn a_day_into(dir: &Path) -> (Vec<PathBuf>, Snapshot) {
    let layer = layer();
    let ledger = layer.ledger();
    let dispatch = Dispatch::new(tracing_subscriber::registry().with(layer));
    let mut writer =
        FocusWriter::new(dir, FocusSettings::default().discount("anthropic", 1_250)).unwrap();
    let mut files = Vec::new();
    let mut day = Snapshot::default();
    for h in 0..24 {
        tracing::dispatcher::with_default(&dispatch, || hour(h));
        let period = ledger.drain();
        let start = DAY + h * 3_600;
        files.push(writer.write(&period, at(start), at(start + 3_600)).unwrap());
        day.total.add(&period.total);
        for (mine, theirs) in [
            (&mut day.by_team, &period.by_team),
            (&mut day.by_customer, &period.by_customer),
            (&mut day.by_provider, &period.by_provider),
            (&mut day.by_model, &period.by_model),
        ] {
            for (name, totals) in theirs {
                mine.entry(name.clone()).or_default().add(totals);
            }
        }
    }
    (files, day)
}

/// A decimal with at most `scale` places, as an integer count of 10^-scale.
fn scaled(text: &str, scale: usize) -> u128 {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    assert!(
        fraction.len() <= scale,
        "{text} has more than {scale} places"
    );
    whole.parse::<u128>().unwrap() * 10u128.pow(scale as u32)
        + format!("{fraction:0<scale$}").parse::<u128>().unwrap()
}

/// Every row of `files`, as column name → value.
fn rows(files: &[PathBuf]) -> Vec<BTreeMap<String, String>> {
    files
        .iter()
        .flat_map(|file| genops::read_focus_csv(&std::fs::read_to_string(file).unwrap()))
        .collect()
}

/// What the files say of one group of calls.
#[derive(Debug, Default, PartialEq, Eq)]
struct ReadBack {
    calls: u64,
    errors: u64,
    unknown_model_calls: u64,
    input_tokens: u64,
    output_tokens: u64,
    cache_read_tokens: u64,
    cache_creation_tokens: u64,
    reasoning_tokens: u64,
    cost_picos: u128,
}

impl ReadBack {
    fn of(t: &Totals) -> Self {
        ReadBack {
            calls: t.calls,
            errors: t.errors,
            unknown_model_calls: t.unknown_model_calls,
            input_tokens: t.input_tokens,
            output_tokens: t.output_tokens,
            cache_read_tokens: t.cache_read_tokens,
            cache_creation_tokens: t.cache_creation_tokens,
            reasoning_tokens: t.reasoning_tokens,
            cost_picos: t.cost.picos(),
        }
    }

    fn add(&mut self, row: &BTreeMap<String, String>) {
        let count = |column: &str| row[column].parse::<u64>().unwrap_or(0);
        self.calls += count("x_Calls");
        self.errors += count("x_Errors");
        self.unknown_model_calls += count("x_UnknownModelCalls");
        self.cost_picos += scaled(&row["BilledCost"], 12);
        if row["ConsumedUnit"] != "Tokens" {
            return;
        }
        let tokens = u64::try_from(scaled(&row["ConsumedQuantity"], 1) / 10).unwrap();
        let details: serde_json::Value = serde_json::from_str(&row["SkuPriceDetails"]).unwrap();
        match details["x_TokenDirection"].as_str().unwrap() {
            "Input" => self.input_tokens += tokens,
            _ => self.output_tokens += tokens,
        }
        match row["x_TokenClass"].as_str() {
            "cache_read" => self.cache_read_tokens += tokens,
            "cache_write_5m" | "cache_write_1h" => self.cache_creation_tokens += tokens,
            "reasoning" => self.reasoning_tokens += tokens,
            _ => {}
        }
    }
}

#[test]
fn a_day_of_traffic_reads_back_to_the_ledger_exactly() {
    let dir = tempdir("round-trip");
    let (files, day) = a_day_into(&dir);
    assert_eq!(files.len(), 24);
    let rows = rows(&files);
    let mut total = ReadBack::default();
    for row in &rows {
        total.add(row);
    }
    assert_eq!(total, ReadBack::of(&day.total));
    assert_eq!(day.total.unknown_model_calls, 6);
    assert!(day.total.errors > 0, "{:?}", day.total);
    let label = |value: Option<&serde_json::Value>| {
        value
            .and_then(|v| v.as_str())
            .unwrap_or(genops::UNATTRIBUTED)
            .to_owned()
    };
    let customer_tag = Dimension::Customer.field();
    for (breakdown, name_of) in [
        (
            &day.by_team,
            &(|row: &BTreeMap<String, String>| {
                let tags: serde_json::Value = serde_json::from_str(&row["Tags"]).unwrap();
                label(tags.get("genops.team"))
            }) as &dyn Fn(&BTreeMap<String, String>) -> String,
        ),
        (&day.by_customer, &|row| {
            let tags: serde_json::Value = serde_json::from_str(&row["Tags"]).unwrap();
            label(tags.get(customer_tag))
        }),
        (&day.by_provider, &|row| row["ProviderName"].clone()),
        (&day.by_model, &|row| {
            let details: serde_json::Value = serde_json::from_str(&row["SkuPriceDetails"]).unwrap();
            label(details.get("x_ModelId"))
        }),
    ] {
        let mut read: BTreeMap<String, ReadBack> = BTreeMap::new();
        for row in &rows {
            read.entry(name_of(row)).or_default().add(row);
        }
        let expected: BTreeMap<String, ReadBack> = breakdown
            .iter()
            .map(|(name, totals)| (name.clone(), ReadBack::of(totals)))
            .collect();
        assert_eq!(read, expected);
    }
    // The discount shows in the contracted cost, never in the billed cost.
    for row in &rows {
        let billed = scaled(&row["BilledCost"], 16);
        let contracted = scaled(&row["ContractedCost"], 16);
        let kept = if row["ProviderName"] == "anthropic" {
            8_750
        } else {
            10_000
        };
        assert_eq!(contracted * 10_000, billed * kept, "{row:?}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_period_is_never_written_twice_and_a_new_writer_resumes() {
    let dir = tempdir("resume");
    let ledger = genops::Ledger::new();
    let mut writer = FocusWriter::new(&dir, FocusSettings::default()).unwrap();
    assert_eq!(writer.written_until(), None);
    writer
        .write(&ledger.drain(), at(DAY), at(DAY + 3_600))
        .unwrap();
    // A restart: the new writer knows where the files end.
    let mut again = FocusWriter::new(&dir, FocusSettings::default()).unwrap();
    assert_eq!(again.written_until(), Some(at(DAY + 3_600)));
    let twice = again.write(&ledger.drain(), at(DAY + 1_800), at(DAY + 7_200));
    assert_eq!(twice.unwrap_err().kind(), std::io::ErrorKind::AlreadyExists);
    again
        .write(&ledger.drain(), at(DAY + 3_600), at(DAY + 7_200))
        .unwrap();
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    // Complete files only: no temporary file is left (and, with `focus-parquet`, a Parquet
    // file beside each CSV one).
    assert!(names.iter().all(|n| !n.ends_with(".tmp")), "{names:?}");
    let parquet = names.iter().filter(|n| n.ends_with(".parquet")).count();
    assert_eq!(
        parquet,
        if cfg!(feature = "focus-parquet") {
            2
        } else {
            0
        }
    );
    names.retain(|n| n.ends_with(".csv"));
    assert_eq!(
        names,
        [
            "focus-20261201T000000Z-20261201T010000Z.csv",
            "focus-20261201T010000Z-20261201T020000Z.csv"
        ]
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_guard_writes_the_last_partial_period() {
    let dir = tempdir("guard");
    let (dispatch, guard) = genops::init()
        .log_output(false)
        .focus(&dir, FocusSettings::default())
        .into_dispatch()
        .unwrap();
    tracing::dispatcher::with_default(&dispatch, || {
        search("acme", Usage::new(1_000, 100));
    });
    let cost = guard.ledger().snapshot().total.cost.picos();
    drop(guard);
    let files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "csv"))
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let mut read = ReadBack::default();
    for row in rows(&files) {
        read.add(&row);
    }
    assert_eq!((read.calls, read.cost_picos), (1, cost));
    assert_eq!(read.input_tokens, 1_000);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
#[ignore = "needs focus-validator: set GENOPS_FOCUS_VALIDATOR to .ci/focus/setup's validate script"]
fn the_finops_foundation_validator_passes_every_file() {
    let validator = std::env::var("GENOPS_FOCUS_VALIDATOR").expect("GENOPS_FOCUS_VALIDATOR");
    let dir = tempdir("validator");
    let (files, _) = a_day_into(&dir);
    // A few hours are enough: every kind of row is in each of them.
    for file in files.iter().step_by(8) {
        // With `focus-parquet`, the Parquet file of the same rows too.
        let parquet = file.with_extension("parquet");
        let status = std::process::Command::new(&validator)
            .arg(file)
            .args(parquet.exists().then_some(parquet))
            .status()
            .unwrap();
        assert!(status.success(), "{} failed validation", file.display());
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A fresh, empty directory for one test.
fn tempdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("genops-focus-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
