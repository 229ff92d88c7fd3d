//! Chargeback files that finance can load: a day of synthetic traffic (several teams,
//! customers, providers and models, with cache reads and writes, reasoning, a batch job, web
//! searches, a long prompt and a model with no known price), written hour by hour as FOCUS 1.2
//! CSV files, then read back into a per-team showback table.
//!
//! ```text
//! cargo run --example chargeback -- /tmp/focus
//! ```
//!
//! The last line is the ledger's total, `total_usd=<decimal>`: the files' `BilledCost` adds up
//! to it exactly.

use std::collections::BTreeMap;
use std::time::{Duration, UNIX_EPOCH};

use genops::{FocusSettings, FocusWriter, ServiceTier, Usage};

/// The day the traffic is written for: 2026-12-01, UTC.
const DAY_START_UNIX_S: u64 = 1_796_083_200;

#[genops::track(team = "search", provider = "openai", model = "gpt-4o", customer = customer)]
fn search_answer(customer: &str, hour: u64) {
    // A cached system prompt, and a web search every fourth hour.
    let usage = Usage::new(2_400 + hour, 350).cache_read(2_048);
    let usage = if hour % 4 == 0 {
        usage.web_search(1)
    } else {
        usage
    };
    genops::record_usage(usage);
}

#[genops::track(team = "search", provider = "openai", model = "gpt-4o-mini", customer = customer)]
fn nightly_batch(customer: &str) {
    genops::record_usage(Usage::new(90_001, 12_345).service_tier(ServiceTier::Batch));
}

#[genops::track(team = "support", provider = "anthropic", model = "claude-sonnet-4-5", customer = customer)]
fn support_reply(customer: &str, first_of_session: bool) {
    // The first turn writes the conversation to the cache (partly for an hour); later turns read it.
    let usage = if first_of_session {
        Usage::new(6_000, 700)
            .cache_creation(5_000)
            .cache_creation_1h(2_000)
    } else {
        Usage::new(6_300, 650).cache_read(5_000)
    };
    genops::record_usage(usage);
}

#[genops::track(team = "research", provider = "openai", model = "o3-mini", customer = customer)]
fn plan(customer: &str) {
    genops::record_usage(Usage::new(1_500, 4_000).reasoning(3_100));
}

#[genops::track(team = "research", provider = "gcp.gemini", model = "gemini-2.5-pro")]
fn long_review() {
    // Above 200k prompt tokens: the long-context prices.
    genops::record_usage(Usage::new(250_000, 2_000));
}

#[genops::track(team = "research", provider = "openai", model = "in-house-finetune")]
fn experiment() {
    // No known price: booked at $0 and flagged, never dropped.
    genops::record_usage(Usage::new(3_000, 300));
}

/// One hour of traffic.
fn hour_of_traffic(hour: u64) {
    for customer in ["acme", "globex", "initech"] {
        search_answer(customer, hour);
        support_reply(customer, hour % 6 == 0);
    }
    if hour % 3 == 0 {
        plan("acme");
    }
    if hour == 2 {
        nightly_batch("globex");
    }
    if hour == 14 {
        long_review();
        experiment();
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args()
        .nth(1)
        .ok_or("usage: chargeback <directory for the FOCUS files>")?;
    let (dispatch, guard) = genops::init().log_output(false).into_dispatch()?;
    let ledger = guard.ledger();
    let settings = FocusSettings::default()
        .billing_account("acme-corp", "ACME Corp AI")
        .sub_account("platform", "Platform services")
        .discount("anthropic", 1_000); // 10% negotiated
    let mut writer = FocusWriter::new(&dir, settings)?;
    let at = |secs: u64| UNIX_EPOCH + Duration::from_secs(secs);
    let mut files = Vec::new();
    for hour in 0..24 {
        tracing::dispatcher::with_default(&dispatch, || hour_of_traffic(hour));
        let start = DAY_START_UNIX_S + hour * 3_600;
        let period = ledger.drain();
        files.push(writer.write(&period, at(start), at(start + 3_600))?);
    }
    println!("wrote {} hourly FOCUS files into {dir}", files.len());

    let showback = read_back(&files)?;
    println!(
        "{:<10} {:>7} {:>12} {:>18}",
        "team", "calls", "tokens", "billed (USD)"
    );
    for (team, row) in &showback {
        println!(
            "{team:<10} {:>7} {:>12} {:>18}",
            row.calls,
            row.tokens,
            usd(row.billed_picos)
        );
    }
    let total = ledger.snapshot().total.cost.picos();
    let billed: u128 = showback.values().map(|r| r.billed_picos).sum();
    assert_eq!(billed, total, "the files add up to the ledger exactly");
    println!("total_usd={}", usd(total));
    Ok(())
}

/// One team's showback, read from the files.
#[derive(Default)]
struct Showback {
    calls: u64,
    tokens: u64,
    billed_picos: u128,
}

/// Per-team showback from the files: `BilledCost` added up exactly, as integer pico-dollars.
fn read_back(
    files: &[std::path::PathBuf],
) -> Result<BTreeMap<String, Showback>, Box<dyn std::error::Error>> {
    let mut teams: BTreeMap<String, Showback> = BTreeMap::new();
    for file in files {
        for row in genops::read_focus_csv(&std::fs::read_to_string(file)?) {
            let tags: serde_json::Value = serde_json::from_str(&row["Tags"])?;
            let team = tags["genops.team"].as_str().unwrap_or("(none)").to_owned();
            let entry = teams.entry(team).or_default();
            entry.billed_picos += picos(&row["BilledCost"])?;
            if row["ConsumedUnit"] == "Tokens" {
                // Quantities are decimals; token counts are whole (`2400.0`).
                let whole = row["ConsumedQuantity"]
                    .split('.')
                    .next()
                    .unwrap_or_default();
                entry.tokens += whole.parse::<u64>()?;
            }
            // A key's call counts are on its first row only.
            if let Some(calls) = row.get("x_Calls").filter(|c| !c.is_empty()) {
                entry.calls += calls.parse::<u64>()?;
            }
        }
    }
    Ok(teams)
}

/// A decimal amount of USD as integer pico-dollars, exactly.
fn picos(text: &str) -> Result<u128, Box<dyn std::error::Error>> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if fraction.len() > 12 {
        return Err(format!("{text} has more decimals than pico-dollars").into());
    }
    Ok(whole.parse::<u128>()? * 1_000_000_000_000 + format!("{fraction:0<12}").parse::<u128>()?)
}

/// Pico-dollars as a decimal amount of USD, every digit kept.
fn usd(picos: u128) -> String {
    format!(
        "{}.{:012}",
        picos / 1_000_000_000_000,
        picos % 1_000_000_000_000
    )
}
