// Command podremediation is the chapter's Scenario 1, a Kubernetes pod
// auto-remediation agent, run against a simulated API server that resets a
// connection and then loses its control plane for a while.
//
// Its Cluster client is wrapped by resilgen (see cluster.go): one breaker for
// the API server (5 failures open it for 60s), 3 tries with exponential
// backoff and jitter before a call counts as a failure, and idempotent
// memory-limit changes and restarts, so a repeated alert changes nothing.
// The program prints the agent's audit log with the resilience events
// between its lines: retries, the breaker opening, rejecting at once,
// letting trial calls through and closing again.
//
// Time is simulated and runs 500 times faster than the wall clock, so the
// minutes of the story take well under a second.
//
//	go run ./examples/podremediation [-metrics]
//	go run ./examples/podremediation -faults=0.3 [-seed=N]
//
// With -metrics, the runtime's events also go to OpenTelemetry (through
// runtime/observe/otelobserver) and the collected metrics are printed at
// the end.
//
// With -faults=R, the program plays a game day instead of the story: the
// same alerts against a healthy control plane, while runtime/faults fails
// R of the client's attempts with 503, reproducibly for a given -seed.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/resilgen/resilgen/runtime"
	"github.com/resilgen/resilgen/runtime/observe/otelobserver"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "podremediation:", err)
		os.Exit(1)
	}
}

// speedup is how much faster than the wall clock simulated time runs.
const speedup = 500

// run plays the scenario, writing the audit log to out.
func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("podremediation", flag.ContinueOnError)
	fs.SetOutput(out)
	withMetrics := fs.Bool("metrics", false, "also record OpenTelemetry metrics and print them at exit")
	faultRate := fs.Float64("faults", 0, "play a game day: fail this `fraction` (0 to 1) of the API requests with injected 503s")
	seed := fs.Uint64("seed", 1, "the seed of the injected faults and the retries' jitter, with -faults")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *faultRate < 0 || *faultRate > 1 {
		return fmt.Errorf("-faults=%v: want a fraction from 0 to 1, such as 0.3", *faultRate)
	}
	if *faultRate > 0 {
		return gameDay(ctx, out, *faultRate, *seed)
	}

	clock := newFastClock(time.Date(2026, 3, 14, 2, 0, 0, 0, time.UTC), speedup)
	obs := observers{eventPrinter{out: out, clock: clock}}
	var reader *sdkmetric.ManualReader
	if *withMetrics {
		reader = sdkmetric.NewManualReader()
		mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
		defer mp.Shutdown(context.WithoutCancel(ctx))
		otel, err := otelobserver.New(otelobserver.WithMeterProvider(mp))
		if err != nil {
			return fmt.Errorf("making the OpenTelemetry observer: %w", err)
		}
		obs = append(obs, otel)
	}

	sim := newSimCluster(clock, scenarioPods()...)
	a := &agent{
		cluster: NewResilientCluster(sim, runtime.WithClock(clock), runtime.WithObserver(obs)),
		clock:   clock,
		out:     out,
	}
	say := func(format string, args ...any) {
		fmt.Fprintf(out, "\n== %s\n", fmt.Sprintf(format, args...))
	}

	say("a connection reset: retried, never seen by the breaker")
	sim.resetNext(1)
	checkout := Alert{Pod: PodRef{"shop", "checkout-7d9f5"}, Reason: "OOMKilled", RecommendedMemory: "1Gi"}
	a.receive(checkout)
	a.pass(ctx)

	say("the same alert, delivered again by the second Alertmanager replica, while the API server sheds load")
	sim.throttleNext(1, 5)
	a.receive(checkout, Alert{Pod: PodRef{"shop", "cart-5c2fb"}, Reason: "CrashLoopBackOff"})
	a.pass(ctx)

	say("the control plane loses its etcd leader: every request gets 503")
	sim.setDown(true)
	a.receive(
		Alert{Pod: PodRef{"search", "indexer-0"}, Reason: "OOMKilled", RecommendedMemory: "4Gi"},
		Alert{Pod: PodRef{"payments", "ledger-6b8d4"}, Reason: "CrashLoopBackOff"},
		Alert{Pod: PodRef{"shop", "recommender-9f7c1"}, Reason: "OOMKilled", RecommendedMemory: "2Gi"},
		Alert{Pod: PodRef{"mail", "sender-77d2a"}, Reason: "CrashLoopBackOff"},
		Alert{Pod: PodRef{"auth", "token-svc-4e1b0"}, Reason: "CrashLoopBackOff"},
	)
	a.pass(ctx)

	say("a new alert arrives while the breaker is open: every alert is deferred at once")
	before := sim.Requests()
	a.receive(Alert{Pod: PodRef{"shop", "cart-5c2fb"}, Reason: "CrashLoopBackOff"})
	a.pass(ctx)
	fmt.Fprintf(out, "API requests during this pass: %d: the open breaker answered for the API server\n", sim.Requests()-before)

	say("60s later the control plane is still down: the trial call fails and the breaker opens again")
	a.waitForBreaker()
	a.pass(ctx)

	say("the control plane has a leader again")
	sim.setDown(false)
	a.waitForBreaker()
	a.pass(ctx)

	say("cluster state")
	for _, line := range sim.restarts() {
		fmt.Fprintln(out, line)
	}
	fmt.Fprintf(out, "API requests received: %d; alerts still queued: %d\n", sim.Requests(), len(a.queue))

	if reader != nil {
		var rm metricdata.ResourceMetrics
		if err := reader.Collect(ctx, &rm); err != nil {
			return fmt.Errorf("collecting the metrics: %w", err)
		}
		fmt.Fprintln(out)
		printMetrics(out, rm)
	}
	return nil
}
