package redisfleet

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/resilgen/resilgen/runtime"
)

// breaker is one replica's handle on a fleet breaker.
type breaker struct {
	f      *Fleet
	name   string
	keys   []string
	args   []any
	update func(runtime.FleetState, error)
}

func newBreaker(f *Fleet, name string, cfg runtime.BreakerConfig, update func(runtime.FleetState, error)) *breaker {
	// The hash tag puts every key of the breaker in one cluster slot.
	base := "resilgen:" + f.ns + ":breaker:{" + name + "}"
	return &breaker{
		f:    f,
		name: name,
		keys: []string{base, base + ":failures"},
		args: []any{
			max(cfg.Threshold, 1), cfg.Window.Milliseconds(), max(cfg.Timeout.Milliseconds(), 1),
			max(cfg.HalfOpen, 1), f.cfg.lease.Milliseconds(), f.channel, name, f.token,
		},
		update: update,
	}
}

// Failure implements runtime.FleetBreaker.
func (b *breaker) Failure(ctx context.Context) (runtime.FleetState, error) {
	st, _, err := b.run(ctx, failureScript)
	return st, err
}

// Trial implements runtime.FleetBreaker.
func (b *breaker) Trial(ctx context.Context) (runtime.FleetState, bool, error) {
	return b.run(ctx, trialScript)
}

// TrialDone implements runtime.FleetBreaker.
func (b *breaker) TrialDone(ctx context.Context, epoch uint64, o runtime.FleetOutcome) (runtime.FleetState, error) {
	code := "i"
	switch o {
	case runtime.FleetSuccess:
		code = "s"
	case runtime.FleetFailure:
		code = "f"
	}
	st, _, err := b.run(ctx, doneScript, epoch, code)
	return st, err
}

// run runs script for the breaker within the fleet's timeout, whatever
// ctx's own deadline (the caller's cancellation must not lose a failure).
func (b *breaker) run(ctx context.Context, script *redis.Script, extra ...any) (runtime.FleetState, bool, error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), b.f.cfg.timeout)
	defer cancel()
	args := append(b.args[:len(b.args):len(b.args)], extra...)
	v, err := script.Run(ctx, b.f.rdb, b.keys, args...).Int64Slice()
	if err != nil {
		return runtime.FleetState{}, false, fmt.Errorf("redisfleet: breaker %q on %s: %w", b.name, b.f.rdb.Options().Addr, err)
	}
	st, ok, err := parseReply(v)
	if err != nil {
		return runtime.FleetState{}, false, fmt.Errorf("redisfleet: breaker %q on %s: %w", b.name, b.f.rdb.Options().Addr, err)
	}
	return st, ok, nil
}

// maxOpen bounds the time left open that a reply or a message may carry.
const maxOpen = 24 * time.Hour

// parseReply checks a script's answer {state, ms left open, epoch, slot}.
func parseReply(v []int64) (runtime.FleetState, bool, error) {
	if len(v) != 4 || v[3] < 0 || v[3] > 1 {
		return runtime.FleetState{}, false, fmt.Errorf("unexpected script reply %v", v)
	}
	st, err := state(v[0], v[1], v[2])
	return st, v[3] == 1, err
}

// state checks and builds a FleetState.
func state(s, leftMS, epoch int64) (runtime.FleetState, error) {
	if s < 0 || s > 2 || leftMS < 0 || time.Duration(leftMS)*time.Millisecond > maxOpen || epoch < 0 {
		return runtime.FleetState{}, fmt.Errorf("invalid state %d, %dms left open, epoch %d", s, leftMS, epoch)
	}
	return runtime.FleetState{
		State:   runtime.State(s),
		OpenFor: time.Duration(leftMS) * time.Millisecond,
		Epoch:   uint64(epoch),
	}, nil
}

// maxMessage is the longest pushed message accepted.
const maxMessage = 256

// parseMessage checks a pushed "<name> <state> <ms left open> <epoch>".
func parseMessage(p string) (string, runtime.FleetState, error) {
	if len(p) > maxMessage {
		return "", runtime.FleetState{}, fmt.Errorf("message of %d bytes, more than %d", len(p), maxMessage)
	}
	f := strings.Fields(p)
	if len(f) != 4 {
		return "", runtime.FleetState{}, fmt.Errorf("message %q: want <name> <state> <ms> <epoch>", p)
	}
	var n [3]int64
	for i, s := range f[1:] {
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return "", runtime.FleetState{}, fmt.Errorf("message %q: %w", p, err)
		}
		n[i] = v
	}
	st, err := state(n[0], n[1], n[2])
	if err != nil {
		return "", runtime.FleetState{}, fmt.Errorf("message %q: %w", p, err)
	}
	return f[0], st, nil
}
