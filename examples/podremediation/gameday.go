package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"github.com/resilgen/resilgen/runtime"
	"github.com/resilgen/resilgen/runtime/faults"
)

// gameDaySpeedup is how much faster than the wall clock the game day's
// timers fire. Slower than the story's: an idempotent call's lease-renewal
// timer (due 10s into the call) must not fire, and move the stepClock,
// before the call's retry waits (3s at most) are over, however busy the
// machine; at 100x that leaves 70ms of wall time to spare.
const gameDaySpeedup = 100

// gameDay plays the alerts of the story against a healthy control plane
// while runtime/faults makes rate of the client's attempts fail with 503,
// as a game day would: the retries absorb most failures, an alert whose
// retries all failed is deferred to the next pass, and in the end every pod
// was handled, and restarted once. The faults and the retries' jitter are
// drawn from one source seeded with seed, and the clock moves only by the
// waits (stepClock), so a seed replays the same faults and prints the same
// lines.
func gameDay(ctx context.Context, out io.Writer, rate float64, seed uint64) error {
	clock := newStepClock(time.Date(2026, 3, 14, 2, 0, 0, 0, time.UTC), gameDaySpeedup)
	sim := newSimCluster(clock, scenarioPods()...)
	// The error of the API server when it sheds load: the agent defers
	// such an alert instead of dropping it.
	fault := faults.Error(rate, faults.WithError(&statusError{Code: 503, Reason: "ServiceUnavailable", Msg: "the server is currently unable to handle the request"}))
	a := &agent{
		cluster: NewResilientCluster(sim, runtime.WithClock(clock), runtime.WithObserver(eventPrinter{out: out, clock: clock}),
			runtime.WithRand(rand.NewPCG(seed, 0)), runtime.WithFaults(fault)),
		clock: clock,
		out:   out,
	}
	fmt.Fprintf(out, "== game day: runtime/faults fails %g%% of the API requests with 503 (seed %d)\n", rate*100, seed)
	checkout := Alert{Pod: PodRef{"shop", "checkout-7d9f5"}, Reason: "OOMKilled", RecommendedMemory: "1Gi"}
	a.receive(
		checkout,
		Alert{Pod: PodRef{"shop", "cart-5c2fb"}, Reason: "CrashLoopBackOff"},
		Alert{Pod: PodRef{"search", "indexer-0"}, Reason: "OOMKilled", RecommendedMemory: "4Gi"},
		Alert{Pod: PodRef{"payments", "ledger-6b8d4"}, Reason: "CrashLoopBackOff"},
		Alert{Pod: PodRef{"shop", "recommender-9f7c1"}, Reason: "OOMKilled", RecommendedMemory: "2Gi"},
		Alert{Pod: PodRef{"mail", "sender-77d2a"}, Reason: "CrashLoopBackOff"},
		Alert{Pod: PodRef{"auth", "token-svc-4e1b0"}, Reason: "CrashLoopBackOff"},
		checkout, // delivered twice, by both Alertmanager replicas
	)
	const maxPasses = 10
	passes := 0
	for ; len(a.queue) > 0 && passes < maxPasses; passes++ {
		if passes > 0 {
			fmt.Fprintf(out, "\n== pass %d, for the alerts deferred: %d\n", passes+1, len(a.queue))
		}
		a.pass(ctx)
		a.waitForBreaker()
	}

	fmt.Fprintf(out, "\n== cluster state\n")
	for _, line := range sim.restarts() {
		fmt.Fprintln(out, line)
	}
	fmt.Fprintf(out, "faults injected: %d; API requests received: %d; passes: %d; alerts still queued: %d\n",
		fault.Injected(), sim.Requests(), passes, len(a.queue))
	if len(a.queue) > 0 {
		return fmt.Errorf("%d alerts still queued after %d passes", len(a.queue), maxPasses)
	}
	return nil
}

// scenarioPods are the crash-looping pods of the story.
func scenarioPods() []Pod {
	return []Pod{
		{Ref: PodRef{"shop", "checkout-7d9f5"}, Phase: "CrashLoopBackOff", LastTermination: "OOMKilled", MemoryLimit: "512Mi"},
		{Ref: PodRef{"shop", "cart-5c2fb"}, Phase: "CrashLoopBackOff", LastTermination: "Error", MemoryLimit: "256Mi"},
		{Ref: PodRef{"search", "indexer-0"}, Phase: "CrashLoopBackOff", LastTermination: "OOMKilled", MemoryLimit: "2Gi"},
		{Ref: PodRef{"payments", "ledger-6b8d4"}, Phase: "CrashLoopBackOff", LastTermination: "Error", MemoryLimit: "1Gi"},
		{Ref: PodRef{"shop", "recommender-9f7c1"}, Phase: "CrashLoopBackOff", LastTermination: "OOMKilled", MemoryLimit: "1Gi"},
		{Ref: PodRef{"mail", "sender-77d2a"}, Phase: "CrashLoopBackOff", LastTermination: "Error", MemoryLimit: "128Mi"},
		{Ref: PodRef{"auth", "token-svc-4e1b0"}, Phase: "CrashLoopBackOff", LastTermination: "Error", MemoryLimit: "256Mi"},
	}
}
