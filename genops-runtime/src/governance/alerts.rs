//! Delivering budget alerts: the callbacks the application registered, a WARN log line, and the
//! count of alerts fired. Shared with stores that learn of a crossing after the call has closed.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

use super::budget::BudgetAlert;

/// A callback run when a budget threshold is crossed.
pub(crate) type AlertFn = Arc<dyn Fn(&BudgetAlert) + Send + Sync>;

/// The alert callbacks and the count of alerts fired.
pub(crate) struct Alerts {
    on_alert: Vec<AlertFn>,
    /// (budget, threshold) → alerts fired.
    fired: Mutex<BTreeMap<(String, String), u64>>,
}

impl Alerts {
    /// Alerts run through `on_alert`, none fired yet.
    pub(crate) fn new(on_alert: Vec<AlertFn>) -> Self {
        Alerts {
            on_alert,
            fired: Mutex::new(BTreeMap::new()),
        }
    }

    /// Runs the alert callbacks and counts the alerts; call with no lock held.
    pub(crate) fn deliver(&self, alerts: &[BudgetAlert]) {
        for alert in alerts {
            {
                let mut fired = self.fired.lock().unwrap_or_else(PoisonError::into_inner);
                let kind = match alert.forecast {
                    Some(_) => "forecast".to_owned(),
                    None => alert.threshold.to_string(),
                };
                *fired.entry((alert.budget.clone(), kind)).or_default() += 1;
            }
            if let Some(forecast) = &alert.forecast {
                tracing::warn!(
                    target: "genops",
                    budget = alert.budget.as_str(),
                    value = alert.value.as_deref(),
                    spent_usd = alert.spent,
                    limit_usd = alert.limit,
                    usd_per_hour = forecast.usd_per_hour,
                    exhausted_in_seconds = forecast.exhausted_in.map(|d| d.as_secs_f64()),
                    hard = alert.hard,
                    "budget forecast to run out before its window ends"
                );
            } else {
                tracing::warn!(
                target: "genops",
                budget = alert.budget.as_str(),
                value = alert.value.as_deref(),
                threshold = alert.threshold,
                spent_usd = alert.spent,
                limit_usd = alert.limit,
                hard = alert.hard,
                "budget threshold reached"
                );
            }
            for callback in &self.on_alert {
                callback(alert);
            }
        }
    }

    /// Alerts fired so far: (budget, threshold or `forecast`) → count.
    #[cfg(feature = "prometheus")]
    pub(crate) fn counts(&self) -> BTreeMap<(String, String), u64> {
        self.fired
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}
