//! The regression gate: this run's gate figures against saved reports.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::table::{f, Table};
use crate::targets::above_ceilings;

/// A saved report's gate figures, and the machine they were measured on.
struct Baseline {
    path: PathBuf,
    cpu_model: String,
    cores: u64,
    gate: serde_json::Map<String, Value>,
}

impl Baseline {
    fn load(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read baseline {}: {e}", path.display()))?;
        let json: Value = serde_json::from_str(&text)
            .map_err(|e| format!("baseline {} is not JSON: {e}", path.display()))?;
        let gate = json.get("gate").and_then(Value::as_object).ok_or(format!(
            "baseline {} has no \"gate\" object",
            path.display()
        ))?;
        let machine = json.get("machine");
        Ok(Self {
            path: path.to_owned(),
            cpu_model: machine
                .and_then(|m| m.get("cpu_model"))
                .and_then(Value::as_str)
                .unwrap_or("unknown")
                .to_owned(),
            cores: machine
                .and_then(|m| m.get("cores"))
                .and_then(Value::as_u64)
                .unwrap_or(0),
            gate: gate.clone(),
        })
    }

    /// `path` is one saved report, or a directory of them (one per kind of machine).
    fn load_all(path: &Path) -> Result<Vec<Self>, String> {
        if !path.is_dir() {
            return Ok(vec![Self::load(path)?]);
        }
        let entries = std::fs::read_dir(path)
            .map_err(|e| format!("cannot list baselines in {}: {e}", path.display()))?;
        let mut files: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        if files.is_empty() {
            return Err(format!("no baseline (*.json) in {}", path.display()));
        }
        files.iter().map(|p| Self::load(p)).collect()
    }

    fn machine(&self) -> String {
        format!("{} cores, {}", self.cores, self.cpu_model)
    }
}

/// How far a gate figure may grow before it is a regression.
#[derive(Clone, Copy)]
pub(crate) struct Tolerance {
    /// For the timed ratios (`*.ratio_to_bare`), which move with the machine's load.
    pub(crate) time: f64,
    /// For the counts (instructions, allocations, bytes), which do not.
    pub(crate) count: f64,
}

impl Tolerance {
    fn of(self, key: &str) -> f64 {
        if is_timed(key) {
            self.time
        } else {
            self.count
        }
    }
}

fn is_timed(key: &str) -> bool {
    key.ends_with(".ratio_to_bare")
}

/// The regression gate. Ratios to the bare call still move between CPU models (the same
/// `tracing::instrument` span is 10.8 bare calls on one 2-core guest and 14.0 on another), so
/// the baseline measured on this machine's CPU model is used. With none, a figure is a
/// regression only if it is one against every saved machine: a slower genops is slower
/// everywhere. Figures above their fixed ceilings fail whatever the baseline says.
pub(crate) fn check_regressions(
    path: &Path,
    machine: &Value,
    current: &BTreeMap<String, f64>,
    tolerance: Tolerance,
) -> Result<Vec<String>, String> {
    let mut regressions = above_ceilings(current);
    regressions.extend(against_baselines(path, machine, current, tolerance)?);
    Ok(regressions)
}

/// The gate figures that moved beyond `tolerance` from the baseline of this machine (or, when
/// none was measured here, from every saved baseline).
fn against_baselines(
    path: &Path,
    machine: &Value,
    current: &BTreeMap<String, f64>,
    tolerance: Tolerance,
) -> Result<Vec<String>, String> {
    let baselines = Baseline::load_all(path)?;
    let cpu_model = machine.get("cpu_model").and_then(Value::as_str);
    let cores = machine.get("cores").and_then(Value::as_u64);
    let same = baselines
        .iter()
        .find(|b| Some(b.cpu_model.as_str()) == cpu_model && Some(b.cores) == cores);
    if let Some(baseline) = same {
        return Ok(compare(baseline, current, tolerance)
            .into_values()
            .collect());
    }
    println!(
        "No baseline in {} was measured on this machine's CPU ({} cores, {}): a figure counts as \
         a regression only against every saved machine. Save one for this machine with \
         `--quick --runs 3 --json`.\n",
        path.display(),
        cores.unwrap_or(0),
        cpu_model.unwrap_or("unknown"),
    );
    let mut found = baselines.iter().map(|b| compare(b, current, tolerance));
    let first = found.next().unwrap_or_default();
    let everywhere = found.fold(first, |mut all, these| {
        all.retain(|key, _| these.contains_key(key));
        all
    });
    Ok(everywhere.into_values().collect())
}

/// Prints the gate table against one baseline; returns the regressions, by gate figure.
fn compare(
    baseline: &Baseline,
    current: &BTreeMap<String, f64>,
    tolerances: Tolerance,
) -> BTreeMap<String, String> {
    let mut t = Table::new(&["gate figure", "baseline", "now", "change", "status"]);
    let mut regressions = BTreeMap::new();
    for (key, value) in &baseline.gate {
        let Some(old) = value.as_f64() else { continue };
        let Some(&new) = current.get(key) else {
            regressions.insert(
                key.clone(),
                format!("{key}: in the baseline but not measured now"),
            );
            continue;
        };
        let change = (new / old - 1.0) * 100.0;
        let tolerance = tolerances.of(key);
        // A timed ratio must also move by a whole bare call: below that, code layout and address
        // randomisation between processes move the few-ns modes by more than the tolerance.
        let floor = if is_timed(key) { 1.0 } else { 0.0 };
        let verdict = if new > old * (1.0 + tolerance) && new - old > floor {
            regressions.insert(
                key.clone(),
                format!(
                    "{key}: {} → {} (+{}%, tolerance {}%)",
                    f(old, 3),
                    f(new, 3),
                    f(change, 1),
                    f(tolerance * 100.0, 0)
                ),
            );
            "REGRESSION"
        } else if new < old * (1.0 - tolerance) {
            "improved"
        } else {
            "ok"
        };
        t.row(vec![
            key.clone(),
            f(old, 3),
            f(new, 3),
            format!("{}%", f(change, 1)),
            verdict.into(),
        ]);
    }
    println!(
        "## Regression gate\n\nAgainst {} ({}): of the modes that run genops code, the ratios of \
         their time to the bare call's in the same run (tolerance {}%; a regression must also add \
         at least one bare call), and the counts, which do not move with the machine's load: \
         instructions as a ratio to the bare call's, and allocations (tolerance {}%).\n\n{}",
        baseline.path.display(),
        baseline.machine(),
        f(tolerances.time * 100.0, 0),
        f(tolerances.count * 100.0, 0),
        t.render()
    );
    regressions
}
