package gen

import (
	"testing"
	"time"
)

// planOf checks the interfaces of a golden case and returns the plan named
// iface and its methods by name.
func planOf(t *testing.T, caseName, iface string) (*Plan, map[string]*MethodPlan) {
	t.Helper()
	pkg := caseByName(t, caseName)
	ifaces, errs := FindInterfaces(pkg, nil)
	plans, cerrs := Check(pkg, ifaces)
	if len(errs)+len(cerrs) > 0 {
		t.Fatal(errs, cerrs)
	}
	for _, p := range plans {
		if p.Name == iface {
			methods := map[string]*MethodPlan{}
			for _, m := range p.Methods {
				methods[m.Name] = m
			}
			return p, methods
		}
	}
	t.Fatalf("no plan for %s", iface)
	return nil, nil
}

func TestCheckOverridesKeyByKey(t *testing.T) {
	t.Parallel()
	_, m := planOf(t, "override", "O")
	want := RetryPlan{Attempts: 2, Base: 10 * time.Millisecond, Max: time.Second, Jitter: "equal"}
	if got := *m["A"].Retry; got != want {
		t.Errorf("A's retry = %+v, want %+v (attempts from the method, the rest from the type)", got, want)
	}
	if m["B"].Timeout != 100*time.Millisecond || m["C"].Timeout != 5*time.Second {
		t.Errorf("timeouts B, C = %v, %v; want 100ms, 5s", m["B"].Timeout, m["C"].Timeout)
	}
	if m["B"].Idempotent.Key == nil || m["B"].Idempotent.TTL != time.Hour || m["C"].Idempotent.Key != nil {
		t.Errorf("B's key and ttl, C's key = %+v, %+v", m["B"].Idempotent, m["C"].Idempotent)
	}
}

func TestCheckBreakerScopes(t *testing.T) {
	t.Parallel()
	p, m := planOf(t, "breaker_method", "API")
	if m["Fetch"].Breaker != p.Breaker || m["Fetch"].OwnBreaker {
		t.Errorf("Fetch should share the interface's breaker")
	}
	up := m["Upload"]
	if !up.OwnBreaker || up.Breaker.Name != "API.Upload" || up.Breaker.Threshold != 10 || up.Breaker.Window != time.Minute || up.Breaker.HalfOpen != 1 {
		t.Errorf("Upload's breaker = %+v; want its own, threshold 10 and halfopen 1 from it, window 1m from the type", up.Breaker)
	}
	s, sm := planOf(t, "breaker_method", "Scoped")
	if s.Breaker != nil || !sm["A"].OwnBreaker || sm["A"].Breaker == sm["B"].Breaker || sm["B"].Breaker.Name != "Scoped.B" {
		t.Errorf("scope=method should give each method its own breaker")
	}
}

func TestCheckPromotedMethodsTakeOnlyTheEmbeddersDirectives(t *testing.T) {
	t.Parallel()
	_, m := planOf(t, "embedded_same", "Store")
	read := m["Read"]
	if read.Timeout != 0 || read.Breaker == nil || read.Breaker.Threshold != 7 {
		t.Errorf("Read = %+v; want Store's breaker and not Reader's timeout", read)
	}
}

func TestCheckKeyPaths(t *testing.T) {
	t.Parallel()
	_, m := planOf(t, "key_stringer", "Keys")
	k := m["ByName"].Idempotent.Key
	if k.Conv != keyString || len(k.Fields) != 2 || len(k.NilChecks) != 2 || k.NilChecks[0] != 0 || k.NilChecks[1] != 1 {
		t.Errorf("ByName's key = %+v; want req, req.Customer checked for nil", k)
	}
	if k := m["ByRef"].Idempotent.Key; k.Conv != keyStringer || len(k.NilChecks) != 2 {
		t.Errorf("ByRef's key = %+v; want a Stringer behind two pointers", k)
	}
	_, n := planOf(t, "key_named_string", "Named")
	if k := n["ByPromoted"].Idempotent.Key; len(k.Fields) != 2 || k.Fields[0] != "Base" || len(k.NilChecks) != 1 || k.NilChecks[0] != 1 {
		t.Errorf("ByPromoted's key = %+v; want the embedded *Base spelled out and checked", k)
	}
	if k := n["ByToken"].Idempotent.Key; k.Conv != keyNamedStr {
		t.Errorf("ByToken's key conversion = %v, want string(...)", k.Conv)
	}
	_, ints := planOf(t, "key_int", "Orders")
	if ints["ByOrder"].Idempotent.Key.Conv != keyUnsigned || ints["BySeq"].Idempotent.Key.Conv != keySigned {
		t.Errorf("integer keys: ByOrder %v, BySeq %v", ints["ByOrder"].Idempotent.Key.Conv, ints["BySeq"].Idempotent.Key.Conv)
	}
}

func TestCheckContextByIdentityNotSpelling(t *testing.T) {
	t.Parallel()
	// aliased_import spells it stdctx.Context; param_clash names it c.
	_, m := planOf(t, "aliased_import", "Timed")
	if !m["At"].HasCtx {
		t.Error("stdctx.Context was not recognized as context.Context")
	}
	_, f := planOf(t, "param_clash", "Clash")
	if !f["F"].HasCtx {
		t.Error("a ctx parameter named c was not recognized")
	}
}
