package gen

import (
	"strconv"
	"strings"
	"time"
)

// constructor writes NewResilientX: it builds every policy once, so that no
// call builds anything.
func (w *writer) constructor(p *Plan, typeName, decl, iface, self, nextField string, methodField map[*MethodPlan]string) {
	n := w.e.newNames()
	next, opts := n.get("next"), n.get("opts")
	ctor := "NewResilient" + p.Name
	w.str("// ", ctor, " returns a ", typeName, " that calls next through the policies\n")
	w.str("// of ", p.Name, "'s directives, built once, here. opts configure the runtime they\n")
	w.str("// share: store, clock, observer.\n")
	w.str("func ", ctor, decl, "(", next, " ", iface, ", ", opts, " ...", w.qual(runtimePath, "Option"), ") *", self, " {\n")
	if decl != "" {
		// A generic wrapper cannot be asserted at package level without
		// picking type arguments; inside its constructor it can.
		w.str("\tvar _ ", iface, " = (*", self, ")(nil)\n")
	}
	wrapped := len(methodField) > 0
	rt := n.get("rt")
	if wrapped {
		w.str("\t", rt, " := ", w.qual(runtimePath, "New"), "(", opts, "...)\n")
	}
	breakerVar := map[*BreakerPlan]string{}
	bulkheadVar := map[*BulkheadPlan]string{}
	if p.Breaker != nil {
		breakerVar[p.Breaker] = n.get("breaker")
		w.breaker(rt, breakerVar[p.Breaker], p.Breaker)
	}
	if p.Bulkhead != nil {
		bulkheadVar[p.Bulkhead] = n.get("bulkhead")
		w.bulkhead(rt, bulkheadVar[p.Bulkhead], p.Bulkhead)
	}
	rateLimits := w.rateLimiters(p, rt, n, methodField)
	for _, m := range p.Methods {
		if m.OwnBulkhead {
			bulkheadVar[m.Bulkhead] = n.get(methodField[m] + "Bulkhead")
			w.bulkhead(rt, bulkheadVar[m.Bulkhead], m.Bulkhead)
		}
		if m.OwnBreaker {
			breakerVar[m.Breaker] = n.get(methodField[m] + "Breaker")
			w.breaker(rt, breakerVar[m.Breaker], m.Breaker)
		}
	}
	// A retry or idempotency setting that several methods share (most
	// often the type's) is built once and shared, so that a reader sees it
	// once and the file stays short.
	shared := sharedConfigs{retry: map[RetryPlan]string{}, idem: map[idemSettings]string{}, rateLimit: rateLimits}
	retryUses, idemUses := map[RetryPlan]int{}, map[idemSettings]int{}
	for _, m := range p.Methods {
		if _, ok := methodField[m]; !ok {
			continue
		}
		if m.Retry != nil {
			retryUses[*m.Retry]++
		}
		if m.Idempotent != nil {
			idemUses[idemSettings{m.Idempotent.TTL, m.Idempotent.Lease}]++
		}
	}
	for _, m := range p.Methods {
		if _, ok := methodField[m]; !ok {
			continue
		}
		if r := m.Retry; r != nil && retryUses[*r] > 1 && shared.retry[*r] == "" {
			shared.retry[*r] = n.get("retry")
			w.str("\t", shared.retry[*r], " := ")
			w.literal(1, w.retry(r))
			w.buf.WriteByte('\n')
		}
		if ip := m.Idempotent; ip != nil {
			k := idemSettings{ip.TTL, ip.Lease}
			if idemUses[k] > 1 && shared.idem[k] == "" {
				shared.idem[k] = n.get("idempotency")
				w.str("\t", shared.idem[k], " := ", w.idempotency(ip), "\n")
			}
		}
	}

	// The methods are set one statement each rather than inside one big
	// composite literal, which reads better and keeps each line short.
	v := n.get("w")
	w.str("\t", v, " := &", self, "{", nextField, ": ", next, "}\n")
	for _, m := range p.Methods {
		if f, ok := methodField[m]; ok {
			w.str("\t", v, ".", f, " = ", rt, ".NewMethod(")
			w.literal(1, w.methodConfig(p, m, breakerVar[m.Breaker], bulkheadVar[m.Bulkhead], shared))
			w.str(")\n")
		}
	}
	w.str("\treturn ", v, "\n}\n")
}

// breaker writes `v := rt.NewBreaker(name, runtime.BreakerConfig{...})`.
func (w *writer) breaker(rt, v string, b *BreakerPlan) {
	// Count mode opens on Threshold failures, rate mode on Rate percent
	// of at least Min calls.
	fields := []kv{{key: "Threshold", val: strconv.Itoa(b.Threshold)}}
	if b.Rate > 0 {
		fields = []kv{{key: "Rate", val: strconv.Itoa(b.Rate)}, {key: "Min", val: strconv.Itoa(b.Min)}}
	}
	fields = append(fields,
		kv{key: "Window", val: w.duration(b.Window)},
		kv{key: "Timeout", val: w.duration(b.Timeout)},
		kv{key: "HalfOpen", val: strconv.Itoa(b.HalfOpen)},
	)
	if b.Slow > 0 {
		fields = append(fields, kv{key: "Slow", val: w.duration(b.Slow)})
	}
	if b.If != "" {
		fields = append(fields, kv{key: "IsFailure", val: w.qual(w.e.pkg.Path(), b.If)})
	}
	w.str("\t", v, " := ", rt, ".NewBreaker(", strconv.Quote(b.Name), ", ")
	w.literal(1, &lit{typ: w.qual(runtimePath, "BreakerConfig"), fields: fields})
	w.str(")\n")
}

// bulkhead writes `v := rt.NewBulkhead(name, runtime.BulkheadConfig{...})`.
func (w *writer) bulkhead(rt, v string, b *BulkheadPlan) {
	w.str("\t", v, " := ", rt, ".NewBulkhead(", strconv.Quote(b.Name), ", ")
	w.literal(1, &lit{typ: w.qual(runtimePath, "BulkheadConfig"), fields: []kv{
		{key: "Max", val: strconv.Itoa(b.Max)},
		{key: "Wait", val: w.duration(b.Wait)},
	}})
	w.str(")\n")
}

// retry is &runtime.RetryConfig{...}.
func (w *writer) retry(r *RetryPlan) *lit {
	jitter := map[string]string{"full": "JitterFull", "equal": "JitterEqual", "decorrelated": "JitterDecorrelated", "none": "JitterNone"}[r.Jitter]
	fields := []kv{
		{key: "Attempts", val: strconv.Itoa(r.Attempts)},
		{key: "Base", val: w.duration(r.Base)},
		{key: "Max", val: w.duration(r.Max)},
		{key: "Jitter", val: w.qual(runtimePath, jitter)},
	}
	if r.If != "" {
		fields = append(fields, kv{key: "If", val: w.qual(w.e.pkg.Path(), r.If)})
	}
	if r.After != "" {
		fields = append(fields, kv{key: "After", val: w.qual(w.e.pkg.Path(), r.After)})
	}
	return &lit{typ: "&" + w.qual(runtimePath, "RetryConfig"), fields: fields}
}

// idempotency spells &runtime.IdempotencyConfig{...}, on one line.
func (w *writer) idempotency(ip *IdempotencyPlan) string {
	return "&" + w.qual(runtimePath, "IdempotencyConfig") + "{TTL: " + w.duration(ip.TTL) + ", Lease: " + w.duration(ip.Lease) + "}"
}

// methodConfig is runtime.MethodConfig{...}, one field per policy layer
// the method has.
func (w *writer) methodConfig(p *Plan, m *MethodPlan, breaker, bulkhead string, shared sharedConfigs) *lit {
	fields := []kv{
		{key: "Interface", val: strconv.Quote(p.Name)},
		{key: "Name", val: strconv.Quote(m.Name)},
	}
	if m.Bulkhead != nil {
		fields = append(fields, kv{key: "Bulkhead", val: bulkhead})
	}
	if m.Breaker != nil {
		fields = append(fields, kv{key: "Breaker", val: breaker})
	}
	if m.Retry != nil {
		if v := shared.retry[*m.Retry]; v != "" {
			fields = append(fields, kv{key: "Retry", val: v})
		} else {
			fields = append(fields, kv{key: "Retry", sub: w.retry(m.Retry)})
		}
	}
	if m.Timeout > 0 {
		fields = append(fields, kv{key: "Timeout", val: w.duration(m.Timeout)})
	}
	if m.Idempotent != nil {
		v := shared.idem[idemSettings{m.Idempotent.TTL, m.Idempotent.Lease}]
		if v == "" {
			v = w.idempotency(m.Idempotent)
		}
		fields = append(fields, kv{key: "Idempotent", val: v})
	}
	if m.Step != "" {
		fields = append(fields, kv{key: "Step", val: strconv.Quote(m.Step)})
	}
	if m.RateLimit != nil {
		fields = append(fields, kv{key: "RateLimit", val: shared.rateLimit[m.RateLimit]})
	}
	fields = w.degradation(m, fields)
	if len(m.Omit) > 0 {
		quoted := make([]string, len(m.Omit))
		for i, name := range m.Omit {
			quoted[i] = strconv.Quote(name)
		}
		fields = append(fields, kv{key: "Omit", val: "[]string{" + strings.Join(quoted, ", ") + "}"})
	}
	return &lit{typ: w.qual(runtimePath, "MethodConfig"), fields: fields}
}

// idemSettings are the settings of an IdempotencyConfig (a plan's key is
// the method's own business).
type idemSettings struct {
	ttl, lease time.Duration
}

// sharedConfigs name the constructor's locals holding settings that several
// methods share.
type sharedConfigs struct {
	retry     map[RetryPlan]string
	idem      map[idemSettings]string
	rateLimit map[*RateLimitPlan]string
}

// lit is a composite literal written one field a line.
type lit struct {
	typ    string
	fields []kv
}

// kv is one field of a composite literal: a one-line value, or sub, a
// literal of its own lines.
type kv struct {
	key, val string
	sub      *lit
}

// literal writes l as gofmt lays it out when its closing brace is indented
// depth tabs: the values of consecutive one-line fields start in one
// column, one space after the longest key's colon; a field that spans lines
// stands alone, its value one space after its colon, and breaks the column
// (go/printer's exprList ends an alignment section around it).
func (w *writer) literal(depth int, l *lit) {
	w.str(l.typ, "{\n")
	indent := strings.Repeat("\t", depth+1)
	for i := 0; i < len(l.fields); {
		if f := l.fields[i]; f.sub != nil {
			w.str(indent, f.key, ": ")
			w.literal(depth+1, f.sub)
			w.str(",\n")
			i++
			continue
		}
		j, width := i, 0
		for ; j < len(l.fields) && l.fields[j].sub == nil; j++ {
			width = max(width, len(l.fields[j].key))
		}
		for ; i < j; i++ {
			f := l.fields[i]
			w.str(indent, f.key, ":", spaces(width-len(f.key)+1), f.val, ",\n")
		}
	}
	w.str(indent[:depth], "}")
}

// duration spells d as a constant expression of package time, such as
// 2 * time.Minute.
func (w *writer) duration(d time.Duration) string {
	if d == 0 {
		return "0"
	}
	units := []struct {
		d    time.Duration
		name string
	}{
		{time.Hour, "Hour"}, {time.Minute, "Minute"}, {time.Second, "Second"},
		{time.Millisecond, "Millisecond"}, {time.Microsecond, "Microsecond"}, {time.Nanosecond, "Nanosecond"},
	}
	for _, u := range units {
		if d%u.d == 0 {
			if d == u.d {
				return w.qual("time", u.name)
			}
			return strconv.FormatInt(int64(d/u.d), 10) + " * " + w.qual("time", u.name)
		}
	}
	panic("unreachable: every duration is a whole number of nanoseconds")
}
