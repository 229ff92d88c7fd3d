//! Rate limits and kills in Redis. A limit's sliding log for one value is a sorted set (call id
//! → admission time in store ms) and a hash (call id → amount, and their `total`) under one
//! hash tag, so its scripts run on Redis Cluster too; amounts are integers passed as strings.
//! The kills are one hash, `genops:{kills}` (scope → "since-ms reason"), which every replica
//! re-reads every [`KILLS_EVERY`].

use std::time::Duration;

use redis::Script;

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

/// Forgets the log's entries a window (`ARGV[1]` ms) or more old; leaves `now` (store ms) and
/// `total` set. The common head of both scripts.
const ROLL: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local edge = now - tonumber(ARGV[1])
local old = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', edge)
for _, id in ipairs(old) do
  local a = redis.call('HGET', KEYS[2], id)
  if a then
    redis.call('HINCRBY', KEYS[2], 'total', '-' .. a)
    redis.call('HDEL', KEYS[2], id)
  end
end
if #old > 0 then redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', edge) end
local total = tonumber(redis.call('HGET', KEYS[2], 'total') or '0')
";

/// Logs `ARGV[3]` under id `ARGV[2]` if the window has room below the limit `ARGV[4]`; keys
/// expire `ARGV[5]` ms after. Returns {admitted (0/1), ms until it would fit, the total after}.
/// A retried take (same id) is not applied twice.
const TAKE: &str = r"
if redis.call('HEXISTS', KEYS[2], ARGV[2]) == 1 then return {1, 0, total} end
local amount = tonumber(ARGV[3])
if total + amount > tonumber(ARGV[4]) then
  local over = total + amount - tonumber(ARGV[4])
  local entries = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
  for i = 1, #entries, 2 do
    over = over - tonumber(redis.call('HGET', KEYS[2], entries[i]) or '0')
    if over <= 0 then return {0, tonumber(entries[i + 1]) - edge, total} end
  end
  return {0, tonumber(ARGV[1]), total}
end
redis.call('ZADD', KEYS[1], now, ARGV[2])
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
redis.call('HINCRBY', KEYS[2], 'total', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
redis.call('PEXPIRE', KEYS[2], ARGV[5])
return {1, 0, total + amount}
";

/// Settles id `ARGV[2]` to `ARGV[3]` if `ARGV[4]` is 1 (0: removes it), else logs `ARGV[3]`
/// under that id unchecked, once; keys expire `ARGV[5]` ms after. Returns the total.
const COUNT: &str = r"
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
            take: Script::new(&format!("{ROLL}{TAKE}")),
            count: Script::new(&format!("{ROLL}{COUNT}")),
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
            let (since, reason) = value.split_once(' ').unwrap_or((&value, ""));
            Some(Kill {
                scope: Scope::parse(&scope).ok()?,
                reason: reason.to_owned(),
                since: from_unix_ms(since.parse().ok()?),
            })
        })
        .collect()
}

/// The value `kill` is kept as in `genops:{kills}`.
pub(crate) fn kill_value(kill: &Kill) -> String {
    format!("{} {}", unix_ms(kill.since), kill.reason)
}
