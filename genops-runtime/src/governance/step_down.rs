//! [`StepDown`]: degrade instead of deny. A gated call's model is stepped down to a cheaper one
//! as the tightest budget it falls under drains, and, where the requested model's hold no
//! longer fits a hard budget, to the first step down whose hold fits.

use super::budget::Scope;
use super::call_info::CallInfo;
use crate::intern::Sym;

/// A gated call admitted on a cheaper model than it asked for.
#[derive(Clone, Debug)]
pub(crate) struct SteppedDown {
    pub(crate) policy: String,
    pub(crate) from: Sym,
    pub(crate) to: Sym,
}

/// One step: past `at` of the tightest budget, `from` becomes `to`.
#[derive(Clone, Debug, PartialEq)]
struct Step {
    at: f64,
    from: String,
    to: String,
}

/// A model step-down policy for the gated calls in a scope.
///
/// At admission the tightest budget the call falls under (the highest share spent; of a
/// per-value budget, the share its own value has spent) is read, and every step whose
/// threshold it has reached applies in turn; the call then reads the model it may use with
/// `genops::admitted_model()`, and is priced and booked on it. Where a hard budget has no
/// room for the hold of the model so chosen, the next steps down are tried in order (each hold
/// scaled by the models' prices), and the first that fits is admitted.
///
/// ```
/// use genops::{Scope, StepDown};
/// let policy = StepDown::new("chat-degrade", Scope::team("search"))
///     .at(0.80, "gpt-4o", "gpt-4o-mini")
///     .at(0.95, "gpt-4o-mini", "gpt-4.1-nano");
/// assert_eq!(policy.name(), "chat-degrade");
/// ```
#[derive(Clone, Debug)]
pub struct StepDown {
    name: String,
    scope: Scope,
    steps: Vec<Step>,
}

impl StepDown {
    /// A policy named `name` for the gated calls in `scope`, with no steps yet.
    pub fn new(name: impl Into<String>, scope: Scope) -> Self {
        StepDown {
            name: name.into(),
            scope,
            steps: Vec::new(),
        }
    }

    /// Past `utilization` (a share of the tightest budget's limit: 0.8 = 80%), calls for
    /// `from` use `to`. Steps apply in the order of their thresholds, so one step's `to` may be
    /// the next one's `from`.
    pub fn at(mut self, utilization: f64, from: impl Into<String>, to: impl Into<String>) -> Self {
        self.steps.push(Step {
            at: utilization,
            from: from.into(),
            to: to.into(),
        });
        self.steps.sort_by(|a, b| a.at.total_cmp(&b.at));
        self
    }

    /// The policy's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether the policy applies to `call`.
    pub(crate) fn matches(&self, call: &CallInfo<'_>) -> bool {
        self.scope.matches(call)
    }

    /// The model a call for `model` is admitted on at `utilization`.
    pub(crate) fn model_at<'m>(&'m self, model: &'m str, utilization: f64) -> &'m str {
        self.steps
            .iter()
            .filter(|step| utilization >= step.at)
            .fold(
                model,
                |model, step| {
                    if step.from == model {
                        &step.to
                    } else {
                        model
                    }
                },
            )
    }

    /// The models below `model`, step by step, in the order of the thresholds.
    pub(crate) fn below<'m>(&'m self, model: &'m str) -> impl Iterator<Item = &'m str> {
        let mut current = model;
        self.steps
            .iter()
            .filter(move |step| {
                let next = step.from == current;
                if next {
                    current = &step.to;
                }
                next
            })
            .map(|step| step.to.as_str())
    }

    /// Whether the policy can step `model` down at all.
    pub(crate) fn steps_from(&self, model: &str) -> bool {
        self.steps.iter().any(|step| step.from == model)
    }

    /// What is wrong with the policy, if anything.
    pub(crate) fn problem(&self) -> Option<String> {
        self.steps
            .iter()
            .find(|step| !(0.0..=1.0).contains(&step.at))
            .map(|step| {
                format!(
                    "step-down policy `{}`: the threshold {} of {} → {} is not a share between 0 \
                     and 1",
                    self.name, step.at, step.from, step.to
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_apply_in_order_of_their_thresholds() {
        let policy = StepDown::new("p", Scope::all())
            .at(0.95, "gpt-4o-mini", "gpt-4.1-nano")
            .at(0.80, "gpt-4o", "gpt-4o-mini");
        assert_eq!(policy.model_at("gpt-4o", 0.79), "gpt-4o");
        assert_eq!(policy.model_at("gpt-4o", 0.80), "gpt-4o-mini");
        assert_eq!(policy.model_at("gpt-4o", 0.96), "gpt-4.1-nano");
        assert_eq!(policy.model_at("gpt-4o-mini", 0.90), "gpt-4o-mini");
        assert_eq!(policy.model_at("claude", 0.99), "claude");
        assert_eq!(
            policy.below("gpt-4o").collect::<Vec<_>>(),
            ["gpt-4o-mini", "gpt-4.1-nano"]
        );
        assert!(policy.steps_from("gpt-4o-mini"));
        assert!(!policy.steps_from("gpt-4.1-nano"));
        assert!(StepDown::new("q", Scope::all())
            .at(80.0, "a", "b")
            .problem()
            .is_some());
    }
}
