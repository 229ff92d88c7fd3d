//! What the store keeps in Redis, and the scripts that change it: each budget window (and, for a
//! per-value budget, each value's) is one hash with a sorted set of hold deadlines and one of
//! recently settled reservation ids, under one hash tag so the scripts run on Redis Cluster too.
//! Amounts are integer nano-dollars, passed to `HINCRBY` as strings; Lua compares them as
//! doubles, exact below [`LUA_EXACT_BELOW`].

use std::time::SystemTime;

use redis::Script;

use crate::governance::budget::SECS_PER_DAY;
use crate::governance::compiled::CompiledBudget;

/// Lua compares amounts as doubles: nano-dollar amounts are exact below 2^53 ($9,007,199).
pub(super) const LUA_EXACT_BELOW: u64 = 1 << 53;
/// How long settled reservation ids are remembered, so that a retried settle applies once.
pub(super) const SETTLED_MEMORY_MS: u64 = 3_600_000;
/// The sorted set of live replicas: id → when last heard from (ms).
pub(super) const REPLICAS_KEY: &str = "genops:{replicas}";

/// The store's clock in ms (`now`): the head of every script.
pub(super) const NOW: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
";

/// A budget window's reservation in two steps, for one script or several in one:
/// `reserve_check(K, A)` charges expired holds and says whether reservation `A[1]` of `A[2]`
/// nano-dollars fits below the limit `A[3]` (2), was applied already (1: a retry, or a call
/// already settled) or does not fit (0), with the window's spent and reserved;
/// `reserve_apply(K, A)` reserves it, the hold living `A[4]` ms and the keys `K` expiring at
/// unix time `A[5]`, and returns the reserved after. Needs [`NOW`].
pub(super) const RESERVE_STEPS: &str = r"
local function reserve_check(K, A)
  local dead = redis.call('ZRANGEBYSCORE', K[2], '-inf', now)
  for _, hid in ipairs(dead) do
    local amount = redis.call('HGET', K[1], 'h:' .. hid)
    if amount then
      redis.call('HINCRBY', K[1], 'spent', amount)
      redis.call('HINCRBY', K[1], 'reserved', '-' .. amount)
      redis.call('HDEL', K[1], 'h:' .. hid)
      redis.call('HSET', K[1], 'x:' .. hid, amount)
    end
    redis.call('ZREM', K[2], hid)
  end
  local spent = redis.call('HGET', K[1], 'spent') or '0'
  local reserved = redis.call('HGET', K[1], 'reserved') or '0'
  if redis.call('HEXISTS', K[1], 'h:' .. A[1]) == 1 or redis.call('ZSCORE', K[3], A[1]) then
    return 1, spent, reserved
  end
  if tonumber(spent) + tonumber(reserved) + tonumber(A[2]) > tonumber(A[3]) then
    return 0, spent, reserved
  end
  return 2, spent, reserved
end
local function reserve_apply(K, A)
  local reserved = tostring(redis.call('HINCRBY', K[1], 'reserved', A[2]))
  redis.call('HSET', K[1], 'h:' .. A[1], A[2])
  redis.call('ZADD', K[2], now + tonumber(A[4]), A[1])
  for i = 1, 3 do redis.call('EXPIREAT', K[i], A[5]) end
  return reserved
end
";

/// Charges expired holds, then reserves `ARGV[2]` nano-dollars under id `ARGV[1]` if the
/// window has room below the limit `ARGV[3]`; the hold lives `ARGV[4]` ms; keys expire at unix
/// time `ARGV[5]`. Returns {admitted (0/1), spent, reserved}. A retried reservation (same id) is
/// not applied twice, nor one whose call was already settled. Follows [`RESERVE_STEPS`].
const RESERVE: &str = r"
local fits, spent, reserved = reserve_check(KEYS, ARGV)
if fits == 2 then return {1, spent, reserve_apply(KEYS, ARGV)} end
return {fits, spent, reserved}
";

/// Settles reservation `ARGV[1]` (after [`NOW`]): gives back its hold (or takes back the charge of its
/// expiry) and books `ARGV[2]` nano-dollars, once per id; keys expire at unix time `ARGV[3]`;
/// settled ids are remembered `ARGV[4]` ms; `ARGV[5..]` are the alert lines in nano-dollars,
/// each reported once per window across replicas. Releasing is settling with nothing to book.
/// Returns {spent, reserved, applied (0/1), lines crossed...}.
const SETTLE: &str = r"
local id = ARGV[1]
if redis.call('ZSCORE', KEYS[3], id) then
  return {redis.call('HGET', KEYS[1], 'spent') or '0', redis.call('HGET', KEYS[1], 'reserved') or '0', 0}
end
local held = redis.call('HGET', KEYS[1], 'h:' .. id)
if held then
  redis.call('HINCRBY', KEYS[1], 'reserved', '-' .. held)
  redis.call('HDEL', KEYS[1], 'h:' .. id)
  redis.call('ZREM', KEYS[2], id)
else
  local charged = redis.call('HGET', KEYS[1], 'x:' .. id)
  if charged then
    redis.call('HINCRBY', KEYS[1], 'spent', '-' .. charged)
    redis.call('HDEL', KEYS[1], 'x:' .. id)
  end
end
local spent = tostring(redis.call('HINCRBY', KEYS[1], 'spent', ARGV[2]))
redis.call('ZADD', KEYS[3], now, id)
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now - tonumber(ARGV[4]))
for i = 1, 3 do redis.call('EXPIREAT', KEYS[i], ARGV[3]) end
local out = {spent, redis.call('HGET', KEYS[1], 'reserved') or '0', 1}
for i = 5, #ARGV do
  if tonumber(spent) >= tonumber(ARGV[i]) and redis.call('HSETNX', KEYS[1], 'a:' .. (i - 4), '1') == 1 then
    table.insert(out, i - 4)
  end
end
return out
";

/// Pushes the deadline of holds still in flight (after [`NOW`]): `ARGV` pairs of (id, ms from now); only holds
/// that still exist.
const RENEW: &str = r"
for i = 1, #ARGV, 2 do
  if redis.call('HEXISTS', KEYS[1], 'h:' .. ARGV[i]) == 1 then
    redis.call('ZADD', KEYS[2], 'XX', now + tonumber(ARGV[i + 1]), ARGV[i])
  end
end
return 0
";

/// The store's scripts, loaded by hash on first use.
pub(super) struct Scripts {
    pub(super) reserve: Script,
    pub(super) settle: Script,
    pub(super) renew: Script,
}

impl Scripts {
    pub(super) fn new() -> Self {
        Scripts {
            reserve: Script::new(&format!("{NOW}{RESERVE_STEPS}{RESERVE}")),
            settle: Script::new(&format!("{NOW}{SETTLE}")),
            renew: Script::new(&format!("{NOW}{RENEW}")),
        }
    }
}

/// One budget window in Redis: the names of its three keys and when they expire.
#[derive(Clone, Debug)]
pub(super) struct Keys {
    pub(super) hash: String,
    pub(super) deadlines: String,
    pub(super) settled: String,
    pub(super) expire_at: u64,
}

impl Keys {
    /// The keys of `value`'s window of `budget` at `store_now` (store time).
    pub(super) fn new(budget: &CompiledBudget, value: Option<&str>, store_now: SystemTime) -> Self {
        let window = budget.budget.window.fixed_id(store_now).unwrap_or(0);
        let end = budget.budget.window.end(store_now);
        let tag = match value {
            Some(value) => format!("{}|{value}", budget.budget.name),
            None => budget.budget.name.clone(),
        };
        let base = format!("genops:{{{tag}}}:{window}");
        Keys {
            deadlines: format!("{base}:d"),
            settled: format!("{base}:s"),
            hash: base,
            // A day past the window's end: late settlements still find their window.
            expire_at: end + SECS_PER_DAY,
        }
    }
}

/// The alert lines of `budget`, in nano-dollars, as the settle script takes them.
pub(super) fn lines(budget: &CompiledBudget) -> Vec<u64> {
    budget
        .budget
        .thresholds
        .iter()
        .map(|t| (t * budget.limit.nanos_u64() as f64).ceil() as u64)
        .collect()
}
