//! A service that steps down to cheaper models as its budget drains, instead of failing: past
//! 60% of the day's budget gpt-4o becomes gpt-4o-mini, past 90% gpt-4o-mini becomes
//! gpt-3.5-turbo; and where the requested model's hold no longer fits, the first cheaper step
//! whose hold fits is admitted.
//!
//! ```text
//! cargo run --example step_down
//! ```

use genops::{Budget, GovernanceError, Scope, StepDown, Usage, Usd};

/// The service's answer, on the model the call was admitted on; `hold` is its worst case on
/// gpt-4o (a cheaper step holds its share of it).
#[genops::track(team = "support", provider = "openai", model = "gpt-4o", enforce(reserve = hold))]
fn answer(question: usize, hold: f64) -> Result<String, GovernanceError> {
    // The one line that obeys the step-down: the model to put in the request.
    let model = genops::admitted_model().unwrap_or_else(|| "gpt-4o".into());
    // ... send the request on `model`; it reports 4,000 input and 1,000 output tokens ...
    genops::record_usage(Usage::new(4_000, 1_000));
    Ok(format!("answer {question} by {model}"))
}

/// Other traffic of the team, not gated: it drains the budget whatever the answers cost.
#[genops::track(team = "support", provider = "openai", model = "gpt-4o")]
fn nightly_batch() {
    // $0.015 of gpt-4o.
    genops::record_usage(Usage::new(2_000, 1_000));
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let guard = genops::init()
        .log_output(false)
        .budget(Budget::daily("support-daily", Scope::team("support"), Usd(0.40)).hard())
        .step_down(
            StepDown::new("support-degrade", Scope::team("support"))
                .at(0.60, "gpt-4o", "gpt-4o-mini")
                .at(0.90, "gpt-4o-mini", "gpt-3.5-turbo"),
        )
        .install()?;
    println!("Answers (holding $0.02 on gpt-4o) and a batch job against a $0.40 budget:");
    for question in 1..=30 {
        let before = guard.budgets()[0].utilization();
        // Question 5 asks for a long answer: its $0.30 hold on gpt-4o no longer fits.
        let hold = if question == 5 { 0.30 } else { 0.02 };
        match answer(question, hold) {
            Ok(text) => println!("  at {:>5.1}%: {text}", before * 100.0),
            Err(denied) => {
                println!("  at {:>5.1}%: denied: {denied}", before * 100.0);
                break;
            }
        }
        nightly_batch();
    }
    let status = &guard.budgets()[0];
    println!(
        "  spent ${:.4} of ${:.2}: the answers stepped down instead of failing, until even the \
         cheapest step no longer fit (the batch job is not gated, so it is booked past the limit)",
        status.spent, status.limit
    );
    Ok(())
}
