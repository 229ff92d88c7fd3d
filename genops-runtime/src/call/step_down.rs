//! Model step-down at admission: which model a gated call is admitted on, the hold it takes
//! there, and how the call reads it ([`admitted_model`]).

use super::engine::Engine;
use super::record::with_nearest_tracked;
use crate::governance::{Admission, Governance, GovernanceError, Refusal, SteppedDown};
use crate::intern::{intern, Sym};
use crate::ledger::LedgerKey;
use crate::money::Cost;
use crate::recordable::RequestModel;
use crate::token_class::ByClass;
use crate::usage::Usage;

/// The usage the models of a step-down are compared by, to scale a hold from one to another: a
/// million tokens in and a million out.
const REFERENCE: Usage = Usage::new(1_000_000, 1_000_000);

/// The price of [`REFERENCE`] on `model`, when it is known.
fn reference_cost(engine: &Engine, provider: Option<&Sym>, model: &Sym) -> Option<Cost> {
    let id = engine.price(provider, model)?;
    let cost = engine
        .by_class(id, &REFERENCE, &mut ByClass::default())
        .cost;
    Some(cost).filter(|cost| *cost > Cost::ZERO)
}

/// Admits the gated call of `key`, on a cheaper model where a step-down policy applies: the
/// model the tightest budget's utilisation admits, or, where a hard budget has no room for its
/// hold, the first step below whose hold (`reserve` scaled by the models' prices) fits. Its
/// token rate limits hold `tokens` (input, output). `key` is left with the admitted model.
pub(crate) fn admit(
    governance: &Governance,
    engine: Option<&Engine>,
    key: &mut LedgerKey,
    reserve: Option<Cost>,
    tokens: Option<(u64, u64)>,
) -> (Result<Admission, Refusal>, Option<SteppedDown>) {
    let (Some(engine), Some(plan)) = (engine, governance.step_plan(key)) else {
        return (governance.admit(key, reserve, tokens), None);
    };
    let Some(requested) = key.model.clone() else {
        return (governance.admit(key, reserve, tokens), None);
    };
    let requested_cost = reference_cost(engine, key.provider.as_ref(), &requested);
    let mut first_denial = None;
    for (i, model) in plan.models.iter().enumerate() {
        let model = intern(model);
        let hold = match (
            reserve,
            requested_cost,
            reference_cost(engine, key.provider.as_ref(), &model),
        ) {
            (Some(reserve), Some(from), Some(to)) => Some(Cost::from_picos(
                reserve.picos().saturating_mul(to.picos()) / from.picos(),
            )),
            _ => reserve,
        };
        key.model = Some(model.clone());
        match governance.admit(key, hold, tokens) {
            Ok(admission) => {
                let stepped = (model != requested).then(|| SteppedDown {
                    policy: plan.policy.clone(),
                    from: requested.clone(),
                    to: model,
                });
                if let Some(s) = &stepped {
                    governance.count_step_down(&s.policy, s.from.as_str(), s.to.as_str());
                }
                return (Ok(admission), stepped);
            }
            // A full budget: try the next step down, if there is one.
            Err(denied)
                if matches!(denied.error, GovernanceError::BudgetExceeded { .. })
                    && i + 1 < plan.models.len() =>
            {
                first_denial.get_or_insert(denied);
            }
            Err(denied) => {
                key.model = Some(requested);
                return (Err(first_denial.unwrap_or(denied)), None);
            }
        }
    }
    key.model = Some(requested);
    (governance.admit(key, reserve, tokens), None)
}

/// The model the nearest tracked call may use: the one a step-down policy admitted it on, else
/// the one it asked for. `None` outside a tracked call, or for a call that names no model.
/// Obeying a step-down is this one line:
///
/// ```
/// #[genops::track(team = "search", provider = "openai", model = "gpt-4o", enforce)]
/// fn answer() -> Result<String, genops::GovernanceError> {
///     let model = genops::admitted_model().unwrap_or_else(|| "gpt-4o".into());
///     // ... call the provider with `model` ...
///     Ok(model)
/// }
/// ```
pub fn admitted_model() -> Option<String> {
    with_nearest_tracked(|state, _| state.admitted_model().map(|m| m.as_str().to_owned())).flatten()
}

/// Sets the model of `request` to the one the nearest tracked call may use
/// ([`admitted_model`]); outside a tracked call, or for a call that names no model, leaves it
/// as it is.
///
/// ```
/// #[genops::track(team = "search", provider = "openai", model = "gpt-4o", enforce)]
/// fn answer(mut body: serde_json::Value) -> Result<serde_json::Value, genops::GovernanceError> {
///     genops::use_admitted_model(&mut body);
///     // ... send `body` ...
///     Ok(body)
/// }
/// ```
pub fn use_admitted_model<R: RequestModel + ?Sized>(request: &mut R) -> &mut R {
    match admitted_model() {
        Some(model) => request.set_model(&model),
        None => request,
    }
}
