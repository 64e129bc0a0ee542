package gen

import (
	"fmt"
	"io"
	"strings"
	"time"

	"golang.org/x/tools/go/packages"
)

// Explain writes, for every annotated interface of pkgs (or those of
// typeNames), the policies each method ends up with once type-level
// directives, method-level overrides and defaults are applied: what a
// reviewer needs to check an annotation without reading the generated
// code. It writes no file. It returns the warnings about the plans, and
// the errors that would stop generation, in which case it explains
// nothing. dir is the directory file names are shown relative to.
func Explain(w io.Writer, dir string, pkgs []*packages.Package, typeNames []string) (warns, errs ErrorList) {
	var b strings.Builder
	for _, pkg := range pkgs {
		plans, perrs := planPackage(pkg, typeNames)
		if len(perrs) > 0 {
			errs = append(errs, perrs...)
			continue
		}
		warns = append(warns, Warn(pkg.Fset, plans)...)
		for _, p := range plans {
			at := pkg.Fset.Position(p.Named.Obj().Pos())
			at.Filename = relTo(dir, at.Filename)
			fmt.Fprintf(&b, "%s.%s (%s)\n", pkg.Types.Name(), p.Name, at)
			explainPlan(&b, p)
		}
	}
	if len(errs) > 0 {
		return nil, errs.Sort()
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return nil, ErrorList{{Msg: fmt.Sprintf("writing the explanation: %v", err)}}
	}
	return warns.Sort(), nil
}

// explainPlan writes one interface's methods, each with a line per policy.
func explainPlan(w io.Writer, p *Plan) {
	for _, m := range p.Methods {
		if !m.Wrapped() {
			fmt.Fprintf(w, "  %s: passes through\n", m.Name)
			continue
		}
		fmt.Fprintf(w, "  %s\n", m.Name)
		for _, row := range explainRows {
			if text := row.text(p, m); text != "" {
				fmt.Fprintf(w, "    %-11s %s\n", row.name, text)
			}
		}
	}
}

// explainRows are the lines of a method's explanation, in the order of
// composition, outermost first. A new directive adds its row here: its name
// (up to 11 letters keeps the column) and the text of its plan, "" when the
// method does not have it.
var explainRows = []struct {
	name string
	text func(p *Plan, m *MethodPlan) string
}{
	{"fallback", explainFallback},
	{"bulkhead", explainBulkhead},
	{"checkpoint", func(_ *Plan, m *MethodPlan) string { return opts("step", m.Step) }},
	{"idempotent", explainIdempotent},
	{"breaker", explainBreaker},
	{"retry", explainRetry},
	{"hedge", explainHedge},
	{"ratelimit", explainRateLimit},
	{"timeout", explainTimeout},
	{"readonly", func(_ *Plan, m *MethodPlan) string { return yes(m.Readonly) }},
	{"omit", func(_ *Plan, m *MethodPlan) string { return strings.Join(m.Omit, " ") }},
}

func explainBreaker(p *Plan, m *MethodPlan) string {
	b := m.Breaker
	if b == nil {
		return ""
	}
	trip := fmt.Sprintf("threshold=%d", b.Threshold)
	if b.Rate > 0 {
		trip = fmt.Sprintf("rate=%d%% min=%d", b.Rate, b.Min)
	}
	slow := ""
	if b.Slow > 0 {
		slow = " slow=" + dur(b.Slow)
	}
	return fmt.Sprintf("%s %s window=%s timeout=%s halfopen=%d%s%s",
		sharing(p, m, b.Name, m.OwnBreaker, func(o *MethodPlan) bool { return o.Breaker == b }),
		trip, dur(b.Window), dur(b.Timeout), b.HalfOpen, slow, opts(" if", b.If))
}

func explainFallback(_ *Plan, m *MethodPlan) string {
	f := m.Fallback
	if f == nil {
		return ""
	}
	on := "rejected"
	if f.OnFailed {
		on = "failed"
	}
	return f.Func + " on=" + on
}

func explainHedge(_ *Plan, m *MethodPlan) string {
	h := m.Hedge
	if h == nil {
		return ""
	}
	return fmt.Sprintf("delay=%s max=%d", dur(h.Delay), h.Max)
}

func explainRateLimit(p *Plan, m *MethodPlan) string {
	r := m.RateLimit
	if r == nil {
		return ""
	}
	shared := ""
	if r.Shared {
		shared = " shared"
	}
	return fmt.Sprintf("%s rate=%d per=%s burst=%d wait=%s%s",
		sharing(p, m, r.Name, m.OwnRateLimit, func(o *MethodPlan) bool { return o.RateLimit == r }),
		r.Rate, dur(r.Per), r.Burst, dur(r.Wait), shared)
}

func explainBulkhead(p *Plan, m *MethodPlan) string {
	b := m.Bulkhead
	if b == nil {
		return ""
	}
	return fmt.Sprintf("%s max=%d wait=%s",
		sharing(p, m, b.Name, m.OwnBulkhead, func(o *MethodPlan) bool { return o.Bulkhead == b }), b.Max, dur(b.Wait))
}

func explainRetry(_ *Plan, m *MethodPlan) string {
	r := m.Retry
	if r == nil {
		return ""
	}
	return fmt.Sprintf("attempts=%d base=%s max=%s jitter=%s%s%s", r.Attempts, dur(r.Base), dur(r.Max), r.Jitter, opts(" if", r.If), opts(" after", r.After))
}

func explainTimeout(_ *Plan, m *MethodPlan) string {
	if m.Timeout <= 0 {
		return ""
	}
	return dur(m.Timeout) + " per attempt"
}

func explainIdempotent(_ *Plan, m *MethodPlan) string {
	ip := m.Idempotent
	if ip == nil {
		return ""
	}
	key := "key=(hash of the arguments)"
	if ip.Key != nil {
		key = "key=" + ip.Key.Written
	}
	return fmt.Sprintf("%s ttl=%s lease=%s", key, dur(ip.TTL), dur(ip.Lease))
}

// sharing says whose a breaker or bulkhead is: the method's own, or the
// interface's with the methods that share it.
func sharing(p *Plan, m *MethodPlan, name string, own bool, shares func(*MethodPlan) bool) string {
	if own {
		return fmt.Sprintf("%q (the method's own)", name)
	}
	var with []string
	for _, o := range p.Methods {
		if o != m && shares(o) {
			with = append(with, o.Name)
		}
	}
	if len(with) == 0 {
		return fmt.Sprintf("%q (the interface's, used by this method only)", name)
	}
	return fmt.Sprintf("%q (the interface's, shared with %s)", name, strings.Join(with, ", "))
}

// opts returns " name=value" without the leading space when name has
// none, or "" when value is empty.
func opts(name, value string) string {
	if value == "" {
		return ""
	}
	return name + "=" + value
}

// dur spells d as a directive would, without the zero units
// time.Duration.String adds: 2m, 24h, 1m30s, 0s.
func dur(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// yes returns "yes" for true, "" for false.
func yes(b bool) string {
	if b {
		return "yes"
	}
	return ""
}
