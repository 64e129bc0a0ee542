package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
)

// TestScenario runs the agent's story and checks that the breaker went
// through the states the chapter describes, in order, that repeated alerts
// changed nothing, and that no pod was restarted twice.
func TestScenario(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	if err := run(context.Background(), nil, &out); err != nil {
		t.Fatalf("run: %v\n%s", err, &out)
	}
	got := out.String()
	t.Log("\n" + got)

	// The breaker's life, in order, and nothing else in between.
	var transitions []string
	for _, m := range regexp.MustCompile(`breaker Cluster: (\S+ -> \S+)`).FindAllStringSubmatch(got, -1) {
		transitions = append(transitions, m[1])
	}
	want := []string{"closed -> open", "open -> half-open", "half-open -> open", "open -> half-open", "half-open -> closed"}
	if strings.Join(transitions, ", ") != strings.Join(want, ", ") {
		t.Errorf("breaker transitions = %q, want %q", transitions, want)
	}

	mustContain := []string{
		// The connection reset is retried, and the call succeeds.
		"retry: Cluster.GetPod attempt 1 failed: GET https://10.96.0.1:443/api/v1/namespaces/shop/pods/checkout-7d9f5: read tcp: connection reset by peer",
		"memory limit of shop/checkout-7d9f5 raised from 512Mi to 1Gi",
		// The server's Retry-After sets the wait, above the backoff's 1s.
		"Cluster.GetPod: the API server asks to retry after 5s",
		"retry: Cluster.GetPod attempt 1 failed: Too many requests, please try again later. (429 TooManyRequests); next attempt in 5s",
		// The repeated alert is answered from the idempotency records.
		"Cluster.SetMemoryLimit answered from its idempotency record (no request sent)",
		"Cluster.RestartPod answered from its idempotency record (no request sent)",
		// Exhausted retries are one failure each.
		"Cluster.GetPod gave up after 3 attempts: one failure for the breaker",
		// An open breaker answers at once.
		"Cluster.GetPod rejected at once by the breaker (no request sent)",
		"API requests during this pass: 0: the open breaker answered for the API server",
		"deferred: breaker Cluster is open, next trial call in 1m0s",
		// Everything was handled in the end, with a known number of requests:
		// 7 before the outage and 1 throttled, 15 (5 calls x 3 attempts)
		// until the breaker opened, 3 for the failed trial call and 13
		// after the recovery.
		"API requests received: 39; alerts still queued: 0",
	}
	for _, s := range mustContain {
		if !strings.Contains(got, s) {
			t.Errorf("output lacks %q", s)
		}
	}
	if !regexp.MustCompile(`shop/checkout-7d9f5 was restarted at 02:0\d:\d\d and is still starting: not restarted again`).MatchString(got) {
		t.Errorf("the repeated alert restarted shop/checkout-7d9f5 again")
	}
	if n := strings.Count(got, "gave up after 3 attempts"); n != 6 {
		t.Errorf("%d calls gave up after their retries, want 6 (5 to open the breaker, 1 failed trial)", n)
	}
	for _, pod := range []string{"shop/checkout-7d9f5", "shop/cart-5c2fb", "search/indexer-0", "payments/ledger-6b8d4", "shop/recommender-9f7c1", "mail/sender-77d2a", "auth/token-svc-4e1b0"} {
		if !strings.Contains(got, pod+" restarted 1x") {
			t.Errorf("%s was not restarted exactly once", pod)
		}
	}
}

// TestMetrics checks that -metrics prints what the OpenTelemetry reader
// collected, with the counts the scenario implies.
func TestMetrics(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	if err := run(context.Background(), []string{"-metrics"}, &out); err != nil {
		t.Fatalf("run -metrics: %v\n%s", err, &out)
	}
	_, metrics, ok := strings.Cut(out.String(), "metrics of github.com/resilgen/resilgen/runtime/observe/otelobserver:\n")
	if !ok {
		t.Fatalf("no metrics printed:\n%s", &out)
	}
	t.Log("\n" + metrics)
	for _, re := range []string{
		`error\.type=circuit_open interface=Cluster method=GetPod outcome=rejected +11\n`,
		`error\.type=ServiceUnavailable interface=Cluster method=GetPod outcome=error +6\n`,
		`breaker\.name=Cluster interface=Cluster method=GetPod policy=breaker +11\n`,
		`breaker\.name=Cluster breaker\.state=open +2\n`,
		`breaker\.name=Cluster breaker\.state=closed +1\n`,
		`interface=Cluster method=RestartPod +1\n`, // idempotent hits
		`resilgen\.breaker\.state \(\{state\}\)\n +breaker\.name=Cluster +0\n`,
	} {
		if !regexp.MustCompile(re).MatchString(metrics) {
			t.Errorf("metrics lack a line matching %s", re)
		}
	}
}

// TestGameDay runs the program with -faults=0.3, as the README does, for a
// few seeds: however the faults fall, every alert is handled in the end,
// every pod is restarted exactly once (a retried or repeated restart would
// show as 2x), and a seed replays its run line for line, timestamps
// included.
func TestGameDay(t *testing.T) {
	t.Parallel()
	summary := regexp.MustCompile(`faults injected: (\d+); API requests received: (\d+); passes: \d+; alerts still queued: 0\n`)
	for _, seed := range []string{"1", "2", "3", "4"} {
		t.Run("seed="+seed, func(t *testing.T) {
			t.Parallel()
			var runs [2]string
			for i := range runs {
				var out bytes.Buffer
				if err := run(context.Background(), []string{"-faults=0.3", "-seed=" + seed}, &out); err != nil {
					t.Fatalf("run: %v\n%s", err, &out)
				}
				runs[i] = out.String()
			}
			got := runs[0]
			m := summary.FindStringSubmatch(got)
			if m == nil {
				t.Fatalf("no summary with every alert handled:\n%s", got)
			}
			if m[1] == "0" {
				t.Errorf("no fault was injected:\n%s", got)
			}
			if !strings.Contains(got, "injected fault: the server is currently unable to handle the request (503 ServiceUnavailable)") {
				t.Errorf("no retry of an injected 503 shown:\n%s", got)
			}
			for _, pod := range []string{"shop/checkout-7d9f5", "shop/cart-5c2fb", "search/indexer-0", "payments/ledger-6b8d4", "shop/recommender-9f7c1", "mail/sender-77d2a", "auth/token-svc-4e1b0"} {
				if !strings.Contains(got, pod+" restarted 1x") {
					t.Errorf("%s was not restarted exactly once:\n%s", pod, got)
				}
			}
			if runs[1] != got {
				t.Errorf("seed %s did not replay its run:\n%s\nthen\n%s", seed, got, runs[1])
			}
		})
	}
}

// TestFaultsFlagRange checks that a rate outside [0, 1] is refused.
func TestFaultsFlagRange(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	if err := run(context.Background(), []string{"-faults=1.5"}, &out); err == nil || !strings.Contains(err.Error(), "-faults=1.5: want a fraction from 0 to 1") {
		t.Errorf("run -faults=1.5: %v, want a range error", err)
	}
}
