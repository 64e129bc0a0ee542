package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/resilgen/resilgen/runtime"
)

// Alert is what Alertmanager sends the agent: a pod that keeps dying, and
// the memory limit the autoscaler recommends for it.
type Alert struct {
	Pod    PodRef
	Reason string // "OOMKilled" or "CrashLoopBackOff"
	// RecommendedMemory is an absolute limit such as "1Gi". The agent sets
	// it as it is, so that handling one alert twice cannot grow the limit
	// twice, as "add 512Mi" would.
	RecommendedMemory string
}

// agent remediates crash-looping pods: it reads the pod, raises its memory
// limit when it was OOM-killed, and restarts it. Alerts it cannot handle
// because the API server is unavailable are kept and tried again on the
// next pass; audit lines go to out, as the chapter's "log all actions" asks.
type agent struct {
	cluster Cluster
	clock   sleeper
	out     io.Writer

	queue []Alert
	// retryIn is how long the breaker said it stays open, at the latest
	// rejection of this pass.
	retryIn time.Duration
}

// receive queues alerts.
func (a *agent) receive(alerts ...Alert) { a.queue = append(a.queue, alerts...) }

// pass handles every queued alert once and keeps those that failed for a
// reason that may pass: the control plane being down, or the breaker open.
func (a *agent) pass(ctx context.Context) {
	var keep []Alert
	a.retryIn = 0
	for _, al := range a.queue {
		a.logf("alert %s %s", al.Reason, al.Pod)
		err := a.handle(ctx, al)
		var open *runtime.CircuitOpenError
		switch {
		case err == nil:
		case errors.As(err, &open):
			a.logf("  deferred: breaker %s is open, next trial call in %v", open.Breaker, open.RetryIn().Round(time.Second))
			a.retryIn = max(a.retryIn, open.RetryIn())
			keep = append(keep, al)
		case isUnavailable(err):
			a.logf("  deferred: %v", err)
			keep = append(keep, al)
		default:
			a.logf("  dropped: %v", err)
		}
	}
	a.queue = keep
}

// handle remediates one alert.
func (a *agent) handle(ctx context.Context, al Alert) error {
	start := a.clock.Now()
	pod, err := a.cluster.GetPod(ctx, al.Pod)
	if err != nil {
		return fmt.Errorf("reading pod %s: %w", al.Pod, err)
	}
	if pod.Phase == "Running" && pod.LastTermination == "" {
		a.logf("  %s is running again: nothing to do", al.Pod)
		return nil
	}
	if al.Reason == "OOMKilled" && al.RecommendedMemory != "" {
		if err := a.cluster.SetMemoryLimit(ctx, al.Pod, al.RecommendedMemory); err != nil {
			return fmt.Errorf("setting the memory limit of %s to %s: %w", al.Pod, al.RecommendedMemory, err)
		}
		if pod.MemoryLimit == al.RecommendedMemory {
			a.logf("  memory limit of %s is %s already", al.Pod, al.RecommendedMemory)
		} else {
			a.logf("  memory limit of %s raised from %s to %s", al.Pod, pod.MemoryLimit, al.RecommendedMemory)
		}
	}
	r, err := a.cluster.RestartPod(ctx, al.Pod)
	if err != nil {
		return fmt.Errorf("restarting %s: %w", al.Pod, err)
	}
	if r.At.Before(start) {
		a.logf("  %s was restarted at %s and is still starting: not restarted again", al.Pod, r.At.Format(time.TimeOnly))
	} else {
		a.logf("  restarted %s", al.Pod)
	}
	return nil
}

// waitForBreaker sleeps until the breaker lets a trial call through, as the
// last rejection said.
func (a *agent) waitForBreaker() {
	if a.retryIn <= 0 {
		return
	}
	a.logf("%d alerts deferred; waiting %v for the breaker to let a trial call through", len(a.queue), a.retryIn.Round(time.Second))
	a.clock.Sleep(a.retryIn)
}

// logf writes one audit line, stamped with the simulated time of day.
func (a *agent) logf(format string, args ...any) {
	fmt.Fprintf(a.out, "%s %s\n", a.clock.Now().Format(time.TimeOnly), fmt.Sprintf(format, args...))
}

// isUnavailable reports whether err is the API server saying it cannot
// serve now, which is worth trying again later.
func isUnavailable(err error) bool {
	var se *statusError
	return errors.As(err, &se) && se.Code >= 500
}
