//! Budgets and policies: a team hits its soft alert at 80%, then its hard limit; a gated call
//! returns the typed error; the spend report shows nothing overshot.
//!
//! ```text
//! cargo run --example budgets
//! ```

use std::sync::{Arc, Mutex};

use genops::{
    AllowedModels, Budget, BudgetAlert, Dimension, GovernanceError, RequiredAttribution, Scope,
    Usage, Usd,
};

#[derive(Debug)]
enum AppError {
    Governance(GovernanceError),
}

impl From<GovernanceError> for AppError {
    fn from(e: GovernanceError) -> Self {
        AppError::Governance(e)
    }
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AppError::Governance(e) => write!(f, "{e}"),
        }
    }
}

/// A gated call: admitted before it runs, reserving $0.02 against the team's hard budget.
#[genops::track(
    team = "search",
    cost_center = "cc-101",
    provider = "openai",
    model = "gpt-4o",
    enforce(reserve = 0.02)
)]
fn answer(question: &str) -> Result<String, AppError> {
    // 2,000 input and 500 output tokens of gpt-4o: $0.005 + $0.005 = $0.01.
    genops::record_usage(Usage::new(2_000, 500));
    Ok(format!("answer to {question}"))
}

/// Not gated: budgets never block it, but it is booked and checked against policies at close.
#[genops::track(team = "search", provider = "openai", model = "gpt-4o")]
fn summarize() {
    genops::record_usage(Usage::new(2_000, 500));
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let alerts: Arc<Mutex<Vec<BudgetAlert>>> = Arc::default();
    let seen = alerts.clone();
    let guard = genops::init()
        .log_output(false)
        .budget(
            Budget::daily("search-daily", Scope::team("search"), Usd(0.10))
                .alert_at([0.5, 0.8, 1.0])
                .hard(),
        )
        .budget(Budget::monthly(
            "search-monthly",
            Scope::team("search"),
            Usd(20.0),
        ))
        .policy(
            AllowedModels::new("search-models", Scope::team("search"))
                .models(["gpt-4o", "gpt-4o-mini"])
                .enforced(),
        )
        .policy(RequiredAttribution::new(
            "chargeback",
            [Dimension::Team, Dimension::CostCenter],
        ))
        .on_alert(move |alert: &BudgetAlert| {
            println!(
                "  ALERT {} reached {:.0}% (${:.4} of ${:.2}){}",
                alert.budget,
                alert.threshold * 100.0,
                alert.spent,
                alert.limit,
                if alert.hard { ", hard limit" } else { "" }
            );
            seen.lock().unwrap().push(alert.clone());
        })
        .install()?;

    println!("Gated calls at $0.01 each against a $0.10 daily hard budget:");
    let mut denied = None;
    for i in 1..=12 {
        match answer(&format!("question {i}")) {
            Ok(_) => println!("  call {i:>2}: ok"),
            Err(e) => {
                println!("  call {i:>2}: denied: {e}");
                denied.get_or_insert(e);
            }
        }
    }
    println!("An ungated call is never blocked, only booked:");
    summarize();

    let status = guard.budgets();
    let daily = status
        .iter()
        .find(|b| b.name == "search-daily")
        .expect("the daily budget");
    let snapshot = guard.ledger().snapshot();
    println!("\nSpend report");
    for b in &status {
        println!(
            "  {:<16} limit ${:>7.2}  spent ${:.4}  reserved ${:.4}  {}",
            b.name,
            b.limit,
            b.spent,
            b.reserved,
            if b.hard { "hard" } else { "soft" }
        );
    }
    println!(
        "  ledger: {} calls, {} denied, ${:.4} booked for team search",
        snapshot.total.calls,
        snapshot.total.errors,
        snapshot.by_team["search"].cost.as_usd()
    );
    let gated_spend = daily.spent - 0.01; // the ungated call
    println!(
        "  gated spend ${gated_spend:.4} <= limit ${:.2}: {}",
        daily.limit,
        if gated_spend <= daily.limit + 1e-12 {
            "nothing overshot"
        } else {
            "OVERSHOOT"
        }
    );
    let fired = alerts.lock().unwrap().len();
    println!("  alerts fired: {fired}");
    assert!(matches!(
        denied,
        Some(AppError::Governance(GovernanceError::BudgetExceeded { .. }))
    ));
    assert!(gated_spend <= daily.limit + 1e-12 && daily.reserved == 0.0);
    Ok(())
}
