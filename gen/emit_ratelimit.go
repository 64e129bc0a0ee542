package gen

import "strconv"

// rateLimiters writes the constructor's rate limiters: the interface's
// shared one, then each method's own. It returns their locals by plan.
func (w *writer) rateLimiters(p *Plan, rt string, n *names, methodField map[*MethodPlan]string) map[*RateLimitPlan]string {
	vars := map[*RateLimitPlan]string{}
	if p.RateLimit != nil {
		vars[p.RateLimit] = n.get("rateLimit")
		w.rateLimiter(rt, vars[p.RateLimit], p.RateLimit)
	}
	for _, m := range p.Methods {
		if m.OwnRateLimit {
			vars[m.RateLimit] = n.get(methodField[m] + "RateLimit")
			w.rateLimiter(rt, vars[m.RateLimit], m.RateLimit)
		}
	}
	return vars
}

// rateLimiter writes `v := rt.NewRateLimiter(name, runtime.RateLimitConfig{...})`.
func (w *writer) rateLimiter(rt, v string, r *RateLimitPlan) {
	fields := []kv{
		{key: "Rate", val: strconv.Itoa(r.Rate)},
		{key: "Per", val: w.duration(r.Per)},
		{key: "Burst", val: strconv.Itoa(r.Burst)},
	}
	if r.Wait > 0 {
		fields = append(fields, kv{key: "Wait", val: w.duration(r.Wait)})
	}
	if r.Shared {
		fields = append(fields, kv{key: "Shared", val: "true"})
	}
	w.str("\t", v, " := ", rt, ".NewRateLimiter(", strconv.Quote(r.Name), ", ")
	w.literal(1, &lit{typ: w.qual(runtimePath, "RateLimitConfig"), fields: fields})
	w.str(")\n")
}
