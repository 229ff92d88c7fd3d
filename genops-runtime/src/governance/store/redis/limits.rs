//! Rate limits and kills in Redis. A limit's sliding log for one value is a sorted set (call id
//! → admission time in store ms) and a hash (call id → amount, and their `total`) under one
//! hash tag, so its scripts run on Redis Cluster too; amounts are integers passed as strings.
//! The kills are one hash, `genops:{kills}` (scope → "since-ms reason"), which every replica
//! re-reads every [`KILLS_EVERY`].

use std::time::{Duration, SystemTime};

use redis::Script;

use super::scripts::NOW;

use crate::governance::budget::Scope;
use crate::governance::compiled_limit::CompiledLimit;
use crate::governance::kill::{from_unix_ms, unix_ms, Kill};

/// The hash of kills every replica reads.
pub(crate) const KILLS_KEY: &str = "genops:{kills}";
/// How often a replica re-reads the kills: a kill reaches every replica within this (plus a
/// round trip), well within a second.
pub(super) const KILLS_EVERY: Duration = Duration::from_millis(300);
/// How long a limit's keys outlive their last change beyond the window (ms).
const KEEP_MS: u64 = 1_000;

/// `roll(K, window)` forgets the log's entries a window (`window` ms) or more old, and returns
/// the window's start (store ms) and the `total` left in it. Needs [`NOW`].
pub(super) const ROLL: &str = r"
local function roll(K, window)
  local edge = now - tonumber(window)
  local old = redis.call('ZRANGEBYSCORE', K[1], '-inf', edge)
  for _, id in ipairs(old) do
    local a = redis.call('HGET', K[2], id)
    if a then
      redis.call('HINCRBY', K[2], 'total', '-' .. a)
      redis.call('HDEL', K[2], id)
    end
  end
  if #old > 0 then redis.call('ZREMRANGEBYSCORE', K[1], '-inf', edge) end
  return edge, tonumber(redis.call('HGET', K[2], 'total') or '0')
end
";

/// A limit's take in two steps, for one script or several in one (after [`ROLL`]):
/// `take_check(K, A)` says whether `A[3]` under id `A[2]` fits below the limit `A[4]` in the
/// window of `A[1]` ms (2), was taken already (1: a retry) or does not fit (0, with the ms
/// until it would), with the total in the window; `take_apply(K, A, total)` logs it, the keys
/// `K` expiring `A[5]` ms after, and returns the total after.
pub(super) const TAKE_STEPS: &str = r"
local function take_check(K, A)
  local edge, total = roll(K, A[1])
  if redis.call('HEXISTS', K[2], A[2]) == 1 then return 1, 0, total end
  local amount = tonumber(A[3])
  if total + amount > tonumber(A[4]) then
    local over = total + amount - tonumber(A[4])
    local entries = redis.call('ZRANGE', K[1], 0, -1, 'WITHSCORES')
    for i = 1, #entries, 2 do
      over = over - tonumber(redis.call('HGET', K[2], entries[i]) or '0')
      if over <= 0 then return 0, tonumber(entries[i + 1]) - edge, total end
    end
    return 0, tonumber(A[1]), total
  end
  return 2, 0, total
end
local function take_apply(K, A, total)
  redis.call('ZADD', K[1], now, A[2])
  redis.call('HSET', K[2], A[2], A[3])
  redis.call('HINCRBY', K[2], 'total', A[3])
  redis.call('PEXPIRE', K[1], A[5])
  redis.call('PEXPIRE', K[2], A[5])
  return total + tonumber(A[3])
end
";

/// Logs `ARGV[3]` under id `ARGV[2]` if the window of `ARGV[1]` ms has room below the limit
/// `ARGV[4]`; keys expire `ARGV[5]` ms after. Returns {admitted (0/1), ms until it would fit,
/// the total after}. A retried take (same id) is not applied twice. Follows [`TAKE_STEPS`].
const TAKE: &str = r"
local fits, wait, total = take_check(KEYS, ARGV)
if fits == 2 then return {1, 0, take_apply(KEYS, ARGV, total)} end
return {fits, wait, total}
";

/// `killed(key, conditions)`: the first kill in the hash `key` (scope → "since-ms reason")
/// whose every condition is in the set `conditions` (`key=value` → true), as (scope, value),
/// or nil. `all` kills every call. A scope the replicas cannot read ([`Scope::parse`]: empty,
/// or with an empty condition between `&`s) kills nothing here either, as in their lists.
///
/// [`Scope::parse`]: crate::governance::budget::Scope::parse
pub(super) const KILLED: &str = r"
local function killed(key, conditions)
  local kills = redis.call('HGETALL', key)
  for i = 1, #kills, 2 do
    local scope = string.match(kills[i], '^%s*(.-)%s*$')
    local hit = scope ~= ''
    if hit and scope ~= 'all' then
      for c in string.gmatch(scope .. '&', '([^&]*)&') do
        local k, v = string.match(c, '^%s*([^=]-)%s*=%s*([^=]-)%s*$')
        if not k or k == '' or v == '' or not conditions[k .. '=' .. v] then
          hit = false
          break
        end
      end
    end
    if hit then return kills[i], kills[i + 1] end
  end
  return nil
end
";

/// Forgets the entries of the window of `ARGV[1]` ms, then settles id `ARGV[2]` to `ARGV[3]` if `ARGV[4]` is 1 (0: removes it), else logs `ARGV[3]`
/// under that id unchecked, once; keys expire `ARGV[5]` ms after. Returns the total.
const COUNT: &str = r"
roll(KEYS, ARGV[1])
local id = ARGV[2]
local held = redis.call('HGET', KEYS[2], id)
if ARGV[4] == '1' then
  if held then
    redis.call('HINCRBY', KEYS[2], 'total', '-' .. held)
    if ARGV[3] == '0' then
      redis.call('HDEL', KEYS[2], id)
      redis.call('ZREM', KEYS[1], id)
    else
      redis.call('HSET', KEYS[2], id, ARGV[3])
      redis.call('HINCRBY', KEYS[2], 'total', ARGV[3])
    end
  end
elseif not held and ARGV[3] ~= '0' then
  redis.call('ZADD', KEYS[1], now, id)
  redis.call('HSET', KEYS[2], id, ARGV[3])
  redis.call('HINCRBY', KEYS[2], 'total', ARGV[3])
end
redis.call('PEXPIRE', KEYS[1], ARGV[5])
redis.call('PEXPIRE', KEYS[2], ARGV[5])
return redis.call('HGET', KEYS[2], 'total') or '0'
";

/// The limit scripts, loaded by hash on first use.
pub(super) struct LimitScripts {
    pub(super) take: Script,
    pub(super) count: Script,
}

impl LimitScripts {
    pub(super) fn new() -> Self {
        LimitScripts {
            take: Script::new(&format!("{NOW}{ROLL}{TAKE_STEPS}{TAKE}")),
            count: Script::new(&format!("{NOW}{ROLL}{COUNT}")),
        }
    }
}

/// One value's log of a limit in Redis: its two keys, and the arguments every script takes.
#[derive(Clone, Debug)]
pub(super) struct LimitKeys {
    pub(super) log: String,
    pub(super) amounts: String,
    pub(super) window_ms: u64,
    pub(super) keep_ms: u64,
}

impl LimitKeys {
    /// The keys of `value`'s log of `limit`.
    pub(super) fn new(limit: &CompiledLimit, value: Option<&str>) -> Self {
        let tag = match value {
            Some(value) => format!("limit:{}|{value}", limit.name),
            None => format!("limit:{}", limit.name),
        };
        LimitKeys {
            log: format!("genops:{{{tag}}}:l"),
            amounts: format!("genops:{{{tag}}}:a"),
            window_ms: limit.window_ms,
            keep_ms: limit.window_ms + KEEP_MS,
        }
    }
}

/// The kills in a `genops:{kills}` reply; entries that cannot be read are skipped.
pub(crate) fn kills_from(entries: Vec<(String, String)>) -> Vec<Kill> {
    entries
        .into_iter()
        .filter_map(|(scope, value)| {
            let (reason, since) = reason_since(&value)?;
            Some(Kill {
                scope: Scope::parse(&scope).ok()?,
                reason,
                since,
            })
        })
        .collect()
}

/// The reason and time of a kill kept as `value` ("since-ms reason"), if it can be read.
pub(super) fn reason_since(value: &str) -> Option<(String, SystemTime)> {
    let (since, reason) = value.split_once(' ').unwrap_or((value, ""));
    Some((reason.to_owned(), from_unix_ms(since.parse().ok()?)))
}

/// The value `kill` is kept as in `genops:{kills}`.
pub(crate) fn kill_value(kill: &Kill) -> String {
    format!("{} {}", unix_ms(kill.since), kill.reason)
}
