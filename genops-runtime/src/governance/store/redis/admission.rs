//! A gated call's admission in one script: the kill check, every budget's reservation and
//! every limit's take, all or none, composed of the steps the budget and limit scripts run
//! alone. Its keys span hash tags, so it runs on a single server, not on a Redis Cluster.

use redis::Script;

use super::limits::{LimitKeys, KILLED, KILLS_KEY, ROLL, TAKE_STEPS};
use super::scripts::{Keys, NOW, RESERVE_STEPS};

/// KEYS: the kills hash, then 3 keys per budget, then 2 per limit. ARGV: the budgets' count,
/// the limits' count, the conditions' count, the call's conditions (`key=value`), then the
/// reservation script's 5 arguments per budget, then the take script's 5 per limit.
///
/// Returns, every item a string: {'killed', 0, scope, its value}; {'limit', index, ms until it
/// would fit, total}; {'budget', index, spent, reserved}; or {'ok', 0, '', '', then spent and
/// reserved per budget, then the total per limit}. Nothing is applied unless every part fits;
/// a retried admission (same ids) is applied once.
const ADMIT: &str = r"
local nb, nl, nc = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local conditions = {}
for i = 1, nc do conditions[ARGV[3 + i]] = true end
local scope, kill = killed(KEYS[1], conditions)
if scope then return {'killed', '0', scope, kill} end
local function part(list, first, n)
  local out = {}
  for i = 1, n do out[i] = list[first + i - 1] end
  return out
end
local args = 4 + nc
local takes = {}
for j = 1, nl do
  local K = part(KEYS, 2 + 3 * nb + 2 * (j - 1), 2)
  local A = part(ARGV, args + 5 * nb + 5 * (j - 1), 5)
  local fits, wait, total = take_check(K, A)
  if fits == 0 then
    return {'limit', tostring(j - 1), string.format('%d', wait), string.format('%d', total)}
  end
  takes[j] = {K, A, fits, total}
end
local holds = {}
for j = 1, nb do
  local K = part(KEYS, 2 + 3 * (j - 1), 3)
  local A = part(ARGV, args + 5 * (j - 1), 5)
  local fits, spent, reserved = reserve_check(K, A)
  if fits == 0 then return {'budget', tostring(j - 1), spent, reserved} end
  holds[j] = {K, A, fits, spent, reserved}
end
local out = {'ok', '0', '', ''}
for j = 1, nb do
  local h = holds[j]
  if h[3] == 2 then h[5] = reserve_apply(h[1], h[2]) end
  table.insert(out, h[4])
  table.insert(out, h[5])
end
for j = 1, nl do
  local t = takes[j]
  if t[3] == 2 then t[4] = take_apply(t[1], t[2], t[4]) end
  table.insert(out, string.format('%d', t[4]))
end
return out
";

/// The admission script, loaded by hash on first use.
pub(super) fn script() -> Script {
    Script::new(&format!(
        "{NOW}{RESERVE_STEPS}{ROLL}{TAKE_STEPS}{KILLED}{ADMIT}"
    ))
}

/// One budget's part of an admission: its window's keys, the reservation's id and amount
/// (nano-dollars), and the budget's limit.
pub(super) struct BudgetPart {
    pub(super) keys: Keys,
    pub(super) id: u64,
    pub(super) amount: u64,
    pub(super) limit: u64,
}

/// One limit's part of an admission: its log's keys, the hold's id and amount, and the limit.
pub(super) struct LimitPart {
    pub(super) keys: LimitKeys,
    pub(super) id: u64,
    pub(super) amount: u64,
    pub(super) max: u64,
}

/// The script's keys and arguments for a call meeting `conditions`, whose holds live
/// `hold_ttl_ms` in the store.
pub(super) fn invocation(
    conditions: &[String],
    budgets: &[BudgetPart],
    limits: &[LimitPart],
    hold_ttl_ms: u128,
) -> (Vec<String>, Vec<String>) {
    let mut keys = vec![KILLS_KEY.to_owned()];
    let mut args = vec![
        budgets.len().to_string(),
        limits.len().to_string(),
        conditions.len().to_string(),
    ];
    args.extend(conditions.iter().cloned());
    for part in budgets {
        keys.extend([
            part.keys.hash.clone(),
            part.keys.deadlines.clone(),
            part.keys.settled.clone(),
        ]);
        args.extend([
            part.id.to_string(),
            part.amount.to_string(),
            part.limit.to_string(),
            hold_ttl_ms.to_string(),
            part.keys.expire_at.to_string(),
        ]);
    }
    for part in limits {
        keys.extend([part.keys.log.clone(), part.keys.amounts.clone()]);
        args.extend([
            part.keys.window_ms.to_string(),
            part.id.to_string(),
            part.amount.to_string(),
            part.max.to_string(),
            part.keys.keep_ms.to_string(),
        ]);
    }
    (keys, args)
}

/// What the script said.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Said {
    /// A kill is over the call: its scope as written, and its value ("since-ms reason").
    Killed(String, String),
    /// Limit `index` is full: ms until the call would fit, and the total in its window.
    Limit(usize, u64, u64),
    /// Budget `index` has no room: its spent and reserved.
    Budget(usize, u64, u64),
    /// Admitted: (spent, reserved) per budget, then the total per limit.
    Admitted(Vec<(u64, u64)>, Vec<u64>),
}

/// Reads the script's `reply` to an admission of `budgets` budgets.
pub(super) fn said(reply: Vec<String>, budgets: usize) -> Result<Said, String> {
    let number = |i: usize| -> Result<u64, String> {
        let field = reply.get(i).map_or("", String::as_str);
        field
            .parse()
            .map_err(|_| format!("the admission script answered {reply:?}"))
    };
    let index = number(1)? as usize;
    match reply.first().map(String::as_str) {
        Some("killed") if reply.len() == 4 => Ok(Said::Killed(reply[2].clone(), reply[3].clone())),
        Some("limit") => Ok(Said::Limit(index, number(2)?, number(3)?)),
        Some("budget") => Ok(Said::Budget(index, number(2)?, number(3)?)),
        Some("ok") => {
            let spent = (0..budgets)
                .map(|j| Ok((number(4 + 2 * j)?, number(5 + 2 * j)?)))
                .collect::<Result<_, String>>()?;
            let totals = (4 + 2 * budgets..reply.len())
                .map(number)
                .collect::<Result<_, String>>()?;
            Ok(Said::Admitted(spent, totals))
        }
        _ => Err(format!("the admission script answered {reply:?}")),
    }
}
