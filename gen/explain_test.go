package gen

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/tools/go/packages"
)

// TestExplainSharing checks that -explain tells an interface's bulkhead,
// with the methods sharing it, from a method's own, with their settings
// after overrides: Drain's max is its own, its wait the type's, merged key
// by key.
func TestExplainSharing(t *testing.T) {
	t.Parallel()
	pkg := caseByName(t, "bulkhead")
	var b strings.Builder
	_, errs := Explain(&b, filepath.Join(repoRoot(t), "testdata", "bulkhead"), []*packages.Package{pkg}, nil)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	got := b.String()
	for _, want := range []string{
		"q.Queue (in/",
		"  Push\n    bulkhead    \"Queue\" (the interface's, used by this method only) max=4 wait=50ms\n",
		"  Drain\n    bulkhead    \"Queue.Drain\" (the method's own) max=1 wait=50ms\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("explanation lacks %q:\n%s", want, got)
		}
	}
}

// TestExplainRefusesWhatGenerationRefuses checks that a bad case is not
// explained: its errors come back, and nothing is written.
func TestExplainRefusesWhatGenerationRefuses(t *testing.T) {
	t.Parallel()
	pkg := caseByName(t, "unknown_option")
	var b strings.Builder
	_, errs := Explain(&b, repoRoot(t), []*packages.Package{pkg}, nil)
	if len(errs) == 0 || b.Len() != 0 {
		t.Fatalf("errors %v, output %q; want errors and no output", errs, b.String())
	}
}

func TestDur(t *testing.T) {
	t.Parallel()
	for d, want := range map[time.Duration]string{
		0: "0s", 2 * time.Minute: "2m", 24 * time.Hour: "24h", 90 * time.Second: "1m30s",
		250 * time.Millisecond: "250ms", time.Hour + time.Second: "1h0m1s",
	} {
		if got := dur(d); got != want {
			t.Errorf("dur(%v) = %q, want %q", d, got, want)
		}
	}
}

// TestExplainDegradationAndThrottling checks the rows of the policies that
// came after -explain: fallback, hedge, rate limit, retry hints and the
// breaker's rate and slow-call modes.
func TestExplainDegradationAndThrottling(t *testing.T) {
	t.Parallel()
	for name, wants := range map[string][]string{
		"fallback":     {"  Tail\n    fallback    lastLines on=failed\n", "    fallback    cachedSummary on=rejected\n"},
		"hedge":        {"  Get\n    hedge       delay=50ms max=2\n"},
		"breaker_rate": {"rate=50% min=4 window=1m timeout=1m halfopen=2 slow=2s", "threshold=2 window=1m timeout=1m halfopen=2 slow=500ms"},
		"ratelimit": {
			"    retry       attempts=3 base=100ms max=10s jitter=none after=throttleHint\n",
			"    ratelimit   \"Logs\" (the interface's, shared with Tail) rate=5 per=1s burst=5 wait=0s shared\n",
			"    ratelimit   \"Logs.Export\" (the method's own) rate=1 per=1m burst=1 wait=10s shared\n",
		},
	} {
		pkg := caseByName(t, name)
		var b strings.Builder
		if _, errs := Explain(&b, filepath.Join(repoRoot(t), "testdata", name), []*packages.Package{pkg}, nil); len(errs) > 0 {
			t.Fatal(errs)
		}
		for _, want := range wants {
			if !strings.Contains(b.String(), want) {
				t.Errorf("%s: explanation lacks %q:\n%s", name, want, b.String())
			}
		}
	}
}
