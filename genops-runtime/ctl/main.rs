//! `genops-ctl`: the kill switch from outside the process. Lists, kills and revives scopes in
//! the budget store that replicas share (a Redis URL, or a budget store file while no process
//! has it open), so that every replica obeys within a second, until revived.
//!
//! ```text
//! genops-ctl [--store URL|PATH] list
//! genops-ctl [--store URL|PATH] kill SCOPE REASON...
//! genops-ctl [--store URL|PATH] revive SCOPE
//! ```
//!
//! The store defaults to `GENOPS_BUDGET_STORE`. A scope is `key=value` conditions joined by
//! `&` (`team=search`, `customer=acme&model=gpt-4o`), or `all`.

use std::process::ExitCode;

use genops_runtime::{BudgetStore, GenOpsLayer, Scope, BUDGET_STORE_VAR};

/// How to call the command, printed on a usage error.
const USAGE: &str = "usage: genops-ctl [--store URL|PATH] list | kill SCOPE REASON... | revive \
                     SCOPE\n  the store defaults to GENOPS_BUDGET_STORE; a scope is like \
                     team=search or customer=acme&model=gpt-4o";

fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(problem) => {
            eprintln!("genops-ctl: {problem}");
            ExitCode::FAILURE
        }
    }
}

/// Runs the command `args` says.
fn run(mut args: Vec<String>) -> Result<(), String> {
    let store = match args.iter().position(|a| a == "--store") {
        Some(i) if i + 1 < args.len() => {
            let store = args.remove(i + 1);
            args.remove(i);
            store
        }
        Some(_) => return Err(format!("--store needs a Redis URL or a file path\n{USAGE}")),
        None => std::env::var(BUDGET_STORE_VAR)
            .ok()
            .filter(|s| !s.trim().is_empty())
            .ok_or_else(|| format!("no store: give --store or set {BUDGET_STORE_VAR}\n{USAGE}"))?,
    };
    let store: BudgetStore = store.parse().map_err(|e| format!("--store {store}: {e}"))?;
    let layer = GenOpsLayer::builder()
        .budget_store(store)
        .try_build()
        .map_err(|e| e.to_string())?;
    let scope = |text: Option<&String>| -> Result<Scope, String> {
        let text = text.ok_or_else(|| format!("a scope is missing\n{USAGE}"))?;
        text.parse().map_err(|e| format!("scope {text:?}: {e}"))
    };
    match args.first().map(String::as_str) {
        Some("list") => {
            for kill in layer.kills() {
                println!("{kill}");
            }
            Ok(())
        }
        Some("kill") => {
            let scope = scope(args.get(1))?;
            let reason = args[2.min(args.len())..].join(" ");
            if reason.trim().is_empty() {
                return Err(format!("say why: genops-ctl kill SCOPE REASON...\n{USAGE}"));
            }
            layer.kill(scope, &reason)?;
            println!("killed {}", args[1]);
            Ok(())
        }
        Some("revive") => {
            let text = args.get(1).cloned().unwrap_or_default();
            layer.revive(&scope(args.get(1))?)?;
            println!("revived {text}");
            Ok(())
        }
        _ => Err(USAGE.to_owned()),
    }
}
