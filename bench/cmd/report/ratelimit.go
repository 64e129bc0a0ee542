package main

import (
	"bytes"
	"fmt"
)

// rateLimitCases are the cases of BenchmarkRateLimit: a call through a
// rate limiter with a token available, the hand-written x/time/rate
// wrapper first.
var rateLimitCases = []string{"x-time-rate-allow", "resilgen-ratelimit", "failsafe-ratelimit"}

// rateLimitTargets are the rate limiter's targets: within 1.5x of
// x/time/rate's Allow, and no allocation.
func (r *report) rateLimitTargets() []target {
	var ts []target
	for _, mode := range []string{"seq", "par"} {
		allow, _ := r.get("RateLimit/"+mode+"/x-time-rate-allow", "ns/op")
		ours, _ := r.get("RateLimit/"+mode+"/resilgen-ratelimit", "ns/op")
		ts = append(ts, ratioTarget(fmt.Sprintf("resilgen rate limiter / x/time/rate Allow, token available (%s)", mode),
			ours, allow, 1.5, fmt.Sprintf("%.1f ns vs %.1f ns", ours, allow), "see the rate limit table"))
		t := target{what: fmt.Sprintf("allocs/op through the rate limiter, token available (%s)", mode), limit: "0", measured: "—"}
		if allocs, ok := r.get("RateLimit/"+mode+"/resilgen-ratelimit", "allocs/op"); ok {
			t.measured = fmt.Sprintf("%g", allocs)
			t.met = boolp(allocs == 0)
		}
		ts = append(ts, t)
	}
	return ts
}

// writeRateLimit writes the rate limiters side by side.
func (r *report) writeRateLimit(w *bytes.Buffer) {
	fmt.Fprintf(w, "## Rate limit\n\n")
	fmt.Fprintf(w, "One call of `Get` through a rate limiter whose rate no benchmark reaches, so that a token is always there: x/time/rate's `Allow` in a hand-written wrapper, resilgen's `//resil:ratelimit` (x/time/rate read on the runtime's clock), failsafe-go's bursty rate limiter. \"vs Allow\" is the ratio of ns/op.\n\n")
	fmt.Fprintf(w, "| case | seq ns/op | seq allocs/op | seq vs Allow | par ns/op | par allocs/op | par vs Allow |\n|---|---|---|---|---|---|---|\n")
	for _, c := range rateLimitCases {
		fmt.Fprintf(w, "| %s ", c)
		for _, mode := range []string{"seq", "par"} {
			name := "RateLimit/" + mode + "/" + c
			ns, ok := r.get(name, "ns/op")
			if !ok {
				fmt.Fprintf(w, "| — | — | — ")
				continue
			}
			allocs, _ := r.get(name, "allocs/op")
			allow, _ := r.get("RateLimit/"+mode+"/x-time-rate-allow", "ns/op")
			fmt.Fprintf(w, "| %.1f %s (n=%d) | %g | %s ", ns, r.spread(name, "ns/op"), r.stats[name]["ns/op"].n, allocs, ratio(ns, allow))
		}
		fmt.Fprintf(w, "|\n")
	}
	fmt.Fprintln(w)
}
