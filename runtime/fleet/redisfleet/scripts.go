package redisfleet

import "github.com/redis/go-redis/v9"

// The fleet breaker lives in Redis under the keys of one breaker:
//
//	KEYS[1]        hash: state (0 closed, 1 open, 2 half-open), until (ms,
//	               Redis TIME, when an open breaker allows trials), epoch
//	               (state changes), succ (trial successes), seq
//	KEYS[2]        sorted set: the failures inside the window, by time
//	KEYS[1]:t<i>   trial slot i of the current half-open epoch, with a TTL
//
// Every script reads Redis TIME, so that no replica's clock matters, checks
// the hash's values before using them (a value that is not a small decimal
// integer is refused with an error, and the replica goes on locally), and
// answers {state, ms left open, epoch, trial slot taken (0 or 1)}. A change
// of state is published on the namespace's channel as
// "<name> <state> <ms left open> <epoch>".
//
// ARGV: 1 threshold, 2 window ms, 3 open timeout ms, 4 halfopen, 5 trial
// lease ms, 6 channel, 7 breaker name, 8 replica token, then the script's own.
//
// The slot keys are built inside the scripts from KEYS[1]; the key names
// share a hash tag, so they sit in one slot of a cluster.
const prelude = `
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function num(v, hi)
  if not v then return 0 end
  if #v > 16 or not string.match(v, '^%d+$') then return nil end
  local n = tonumber(v)
  if n > hi then return nil end
  return n
end
local function load()
  local v = redis.call('HMGET', KEYS[1], 'state', 'until', 'epoch', 'succ')
  local s = {state = num(v[1], 2), untl = num(v[2], 1e15), epoch = num(v[3], 1e15), succ = num(v[4], 1e6)}
  if not (s.state and s.untl and s.epoch and s.succ) then return nil end
  return s
end
local function bad()
  return redis.error_reply('invalid breaker state under ' .. KEYS[1] .. ': a field of the hash is not a small decimal integer')
end
local function left(s, now)
  if s.state ~= 1 or s.untl <= now then return 0 end
  return s.untl - now
end
local function reply(s, now, ok)
  return {s.state, left(s, now), s.epoch, ok}
end
local function set(s, state, now)
  s.epoch = s.epoch + 1
  s.state = state
  s.succ = 0
  if state == 1 then s.untl = now + tonumber(ARGV[3]) end
  redis.call('HSET', KEYS[1], 'state', state, 'until', s.untl, 'epoch', s.epoch, 'succ', 0)
  redis.call('DEL', KEYS[2])
  for i = 1, tonumber(ARGV[4]) do redis.call('DEL', KEYS[1] .. ':t' .. i) end
  redis.call('PUBLISH', ARGV[6], ARGV[7] .. ' ' .. state .. ' ' .. left(s, now) .. ' ' .. s.epoch)
end
local now = now_ms()
local s = load()
if not s then return bad() end
`

// readScript answers the state, changing nothing: the periodic sync.
var readScript = redis.NewScript(prelude + `
return reply(s, now, 0)
`)

// failureScript counts a failure of a call admitted while closed, inside
// the window, and opens the breaker at the threshold.
var failureScript = redis.NewScript(prelude + `
if s.state ~= 0 then return reply(s, now, 0) end
local w = tonumber(ARGV[2])
local seq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
redis.call('ZADD', KEYS[2], now, seq)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - w)
redis.call('PEXPIRE', KEYS[2], w)
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[1]) then set(s, 1, now) end
return reply(s, now, 0)
`)

// trialScript moves an open breaker whose time is up to half-open and takes
// a trial slot if one of the halfopen is free. A slot is held until the
// breaker changes state, or its lease ends (its holder died), or its holder
// reports an outcome that says nothing: so a half-open epoch admits at most
// halfopen trials that count.
var trialScript = redis.NewScript(prelude + `
if s.state == 0 then return reply(s, now, 0) end
if s.state == 1 then
  if s.untl > now then return reply(s, now, 0) end
  set(s, 2, now)
end
local token = ARGV[8] .. ':' .. s.epoch
for i = 1, tonumber(ARGV[4]) do
  if redis.call('SET', KEYS[1] .. ':t' .. i, token, 'NX', 'PX', ARGV[5]) then return reply(s, now, 1) end
end
return reply(s, now, 0)
`)

// doneScript records the outcome ARGV[10] ("s", "f" or "i") of a trial
// taken in epoch ARGV[9]; an outcome from an older epoch changes nothing.
var doneScript = redis.NewScript(prelude + `
if s.state ~= 2 or s.epoch ~= tonumber(ARGV[9]) then return reply(s, now, 0) end
local o = ARGV[10]
if o == 'f' then
  set(s, 1, now)
elseif o == 's' then
  s.succ = redis.call('HINCRBY', KEYS[1], 'succ', 1)
  if s.succ >= tonumber(ARGV[4]) then set(s, 0, now) end
else
  local token = ARGV[8] .. ':' .. s.epoch
  for i = 1, tonumber(ARGV[4]) do
    local k = KEYS[1] .. ':t' .. i
    if redis.call('GET', k) == token then
      redis.call('DEL', k)
      break
    end
  end
end
return reply(s, now, 0)
`)

// gcraScript takes a token of a rate limit shared by the fleet, by GCRA
// (the generic cell rate algorithm) on Redis TIME: KEYS[1] holds the
// theoretical arrival time (TAT) in microseconds. ARGV: 1 interval between
// tokens (µs), 2 burst, 3 longest wait for a token (µs). It answers
// {1, µs to wait} when a token is taken or reserved, {0, µs until the next
// one} when it would come past the longest wait. A value under the key that
// is not a small decimal integer is refused.
var gcraScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval, burst, maxwait = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local v = redis.call('GET', KEYS[1])
local tat = now
if v then
  if #v > 20 or not string.match(v, '^%d+$') then
    return redis.error_reply('invalid rate limit state under ' .. KEYS[1] .. ': not a small decimal integer')
  end
  tat = math.max(tonumber(v), now)
end
local new = tat + interval
local wait = new - burst * interval - now
if wait > maxwait then return {0, wait} end
redis.call('SET', KEYS[1], string.format('%.0f', new), 'PX', math.ceil((new - now) / 1000) + 1)
if wait < 0 then wait = 0 end
return {1, wait}
`)
