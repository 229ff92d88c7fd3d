//! Per-customer detail in a long-running multi-tenant service: the ledger keeps its running
//! totals, and every period a background thread drains the per-customer and per-user rows and
//! writes them as JSON lines, one line per customer, to somewhere durable (a file here).
//!
//! ```text
//! cargo run --example tenant_detail            # writes tenant-detail.jsonl
//! cargo run --example tenant_detail -- out.jsonl
//! ```

use std::fs::File;
use std::io::{BufWriter, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use genops::{Dimension, Ledger, Usage};

/// One customer's spend over one period: a line of the output.
#[derive(serde::Serialize)]
struct Line<'a> {
    period_end_unix_s: u64,
    customer: &'a str,
    calls: u64,
    input_tokens: u64,
    output_tokens: u64,
    /// Integer pico-dollars: exact, and summable without rounding.
    cost_picos: u128,
}

#[genops::track(team = "support", provider = "openai", model = "gpt-4o-mini", customer = customer)]
fn answer(customer: &str, question_tokens: u64) {
    // let resp = client.chat(...).await?;                       // the provider call
    genops::record_usage(Usage::new(question_tokens, 120)); // resp.usage
}

/// Drains `ledger` and appends one line per customer of the period to `out`.
fn ship(ledger: &Ledger, out: &mut impl Write) -> std::io::Result<usize> {
    let period = ledger.drain();
    let end = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    let rows = period.by(Dimension::Customer);
    for (customer, totals) in rows {
        let line = Line {
            period_end_unix_s: end,
            customer,
            calls: totals.calls,
            input_tokens: totals.input_tokens,
            output_tokens: totals.output_tokens,
            cost_picos: totals.cost.picos(),
        };
        serde_json::to_writer(&mut *out, &line)?;
        out.write_all(b"\n")?;
    }
    if let Some(folded) = period.folded.get(&Dimension::Customer) {
        eprintln!("this period, about {folded} customers past the cap share the (overflow) line");
    }
    out.flush()?;
    Ok(rows.len())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "tenant-detail.jsonl".into());
    let guard = genops::init()
        .service_name("tenant-detail-example")
        // Room for 500 customers' own rows per period; the rest share one overflow row.
        .ledger_cap(Dimension::Customer, 500)
        .install()?;
    let ledger = guard.ledger();

    // The shipping thread: a period every 200 ms here; minutes in a real service.
    let stop = Arc::new(AtomicBool::new(false));
    let shipper = {
        let (ledger, stop) = (ledger.clone(), Arc::clone(&stop));
        let mut out = BufWriter::new(File::create(&path)?);
        std::thread::spawn(move || -> std::io::Result<usize> {
            let mut lines = 0;
            while !stop.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(200));
                lines += ship(&ledger, &mut out)?;
            }
            Ok(lines + ship(&ledger, &mut out)?)
        })
    };

    // The service: 20,000 requests from 2,000 customers.
    for request in 0..20_000u64 {
        let customer = format!("customer-{:04}", request * 7919 % 2_000);
        answer(&customer, 400 + request % 300);
        if request % 4_000 == 0 {
            std::thread::sleep(Duration::from_millis(150));
        }
    }
    stop.store(true, Ordering::Relaxed);
    let lines = shipper.join().expect("the shipping thread")?;

    // The running totals are still exact, whatever was drained.
    let total = ledger.snapshot().total;
    println!(
        "{} calls, ${:.6} in all; {lines} customer lines written to {path}",
        total.calls,
        total.cost.as_usd()
    );
    Ok(())
}
