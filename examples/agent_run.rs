//! An agent loop under a run envelope: the run may spend $0.10 whatever budgets the team has;
//! its steps (some on spawned tasks that carry the run's span) stop at the envelope, and a
//! sub-agent's own $0.03 envelope holds inside the run's.
//!
//! ```text
//! cargo run --example agent_run
//! ```

use genops::{GovernanceError, Usage};
use tracing::Instrument as _;

#[derive(Debug)]
enum AgentError {
    OutOfBudget(GovernanceError),
}

impl From<GovernanceError> for AgentError {
    fn from(e: GovernanceError) -> Self {
        AgentError::OutOfBudget(e)
    }
}

/// One model call of the agent, gated: it reserves $0.01 in every envelope it is beneath.
#[genops::track(provider = "openai", model = "gpt-4o", enforce(reserve = 0.01))]
async fn think(step: usize) -> Result<String, AgentError> {
    // 1,600 input and 400 output tokens of gpt-4o: $0.004 + $0.004 = $0.008.
    genops::record_usage(Usage::new(1_600, 400));
    Ok(format!("thought {step}"))
}

/// A sub-agent with an envelope of its own, inside the run's.
#[genops::track(operation = "invoke_agent", name = "researcher", budget = 0.03)]
async fn research() -> usize {
    let mut steps = 0;
    while think(steps).await.is_ok() {
        steps += 1;
    }
    steps
}

/// The agent: a run of at most $0.10.
#[genops::track(
    operation = "invoke_agent",
    team = "support",
    name = "triage",
    budget = 0.10
)]
async fn triage() -> (usize, Option<GovernanceError>) {
    let researched = research().await;
    println!("  the researcher stopped at its $0.03 envelope after {researched} steps");
    let mut steps = researched;
    loop {
        // Every other step runs on a task that carries the run's span.
        let step = if steps % 2 == 0 {
            tokio::spawn(think(steps).in_current_span()).await.unwrap()
        } else {
            think(steps).await
        };
        match step {
            Ok(_) => steps += 1,
            Err(AgentError::OutOfBudget(denied)) => return (steps, Some(denied)),
        }
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // No budget is configured: envelopes live in this process, with the span tree.
    let guard = genops::init().log_output(false).install()?;
    println!("An agent run under a $0.10 envelope, $0.008 a step:");
    let (steps, denied) = triage().await;
    println!("  {steps} steps admitted, then:");
    if let Some(denied) = denied {
        println!("  denied: {denied}");
    }
    let spent = guard.ledger().snapshot().total.cost.as_usd();
    println!("  the run spent ${spent:.4} of $0.10");
    assert!(spent <= 0.10, "the envelope held");
    Ok(())
}
