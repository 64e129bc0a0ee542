package gen

import (
	"go/types"
	"strings"
)

// straightPath reports whether a method's wrapper gets a straight path:
// a call that the method's runtime.Method lets through (Straight) calls
// the dependency itself, with no closure and no chain of policy frames,
// and only a failed first attempt goes on through the runtime. That is
// for methods whose policies are a breaker (without slow=), a retry and a
// per-attempt timeout, with or without a fallback; the runtime decides per call, and turns the
// path down for what the plan cannot see (an observer, a retry budget,
// faults, an open breaker).
func straightPath(m *MethodPlan) bool {
	return m.Wrapped() && !m.Recorded() && m.Hedge == nil && m.Bulkhead == nil &&
		m.RateLimit == nil && (m.Breaker == nil || m.Breaker.Slow <= 0)
}

// slowPathNames names the slow-path method of each method with a straight
// path, after every field: a struct's methods and fields share one
// namespace, which fields holds with the interface's method names.
func slowPathNames(p *Plan, fields *names, methodField map[*MethodPlan]string) map[*MethodPlan]string {
	out := map[*MethodPlan]string{}
	for _, m := range p.Methods {
		if straightPath(m) {
			out[m] = fields.get(methodField[m] + "SlowPath")
		}
	}
	return out
}

// straightLocals are the names a method with a straight path adds to its
// locals: the runtime.Pass and whether Straight gave one, and the slow
// path's parameter for the first attempt's error.
type straightLocals struct {
	slow, pass, ok, failed string
	// actx and cancel are the first attempt's context and its cancel,
	// for a method with a per-attempt timeout; empty without.
	actx, cancel string
}

func newStraightLocals(n *names, slow string, timed bool) straightLocals {
	sl := straightLocals{slow: slow, pass: n.get("pass"), ok: n.get("ok"), failed: n.get("failed")}
	if timed {
		sl.actx, sl.cancel = n.get("actx"), n.get("cancel")
	}
	return sl
}

// straightBody writes the body of a method with a straight path:
//
//	var r0 T
//	var err error
//	if pass, ok := w.get.Straight(); ok {
//		if r0, err = w.next.Get(ctx, key); err == nil {
//			w.get.Succeeded(pass)
//			return r0, nil
//		}
//		return w.getSlowPath(ctx, key, pass, r0, err)
//	}
//	return w.getSlowPath(ctx, key, runtime.Pass{}, r0, nil)
//
// With a per-attempt timeout, the first attempt gets its own context:
//
//	actx, cancel := w.get.AttemptContext(ctx)
//	r0, err = w.next.Get(actx, key)
//	err = w.get.Attempted(ctx, actx, err)
//	cancel()
//	if err == nil { ... }
//
// timedCall is the call with actx for ctx; empty without a timeout.
//
// The fast path builds no closure, and its results are locals of this
// function that no closure captures: a variable captured by a closure
// that escapes lives on the heap for the whole function. Do's call does
// not escape today, but nothing promises that it never will, so the
// closure is in the slow path's method only. The first attempt's results
// go to the slow path, which returns them when the call ends there, as
// Do's closure would have left them.
func (w *writer) straightBody(m *MethodPlan, sl straightLocals, recv, field, errName string, pnames, rnames []string, call, timedCall string) {
	res := m.Sig.Results()
	for i, r := range rnames {
		w.str("\tvar ", r, " ", w.typ(res.At(i).Type()), "\n")
	}
	w.str("\tvar ", errName, " error\n")
	// The slow path gets the arguments as the method got them: a variadic
	// one as its slice, so that the dependency gets the caller's slice.
	slowCall := func(pass, failed string) string {
		args := append(append(append([]string{}, pnames...), pass), rnames...)
		return recv + "." + sl.slow + "(" + strings.Join(append(args, failed), ", ") + ")"
	}
	method := recv + "." + field
	w.str("\tif ", sl.pass, ", ", sl.ok, " := ", method, ".Straight(); ", sl.ok, " {\n")
	assign := strings.Join(append(append([]string{}, rnames...), errName), ", ") + " = "
	if sl.actx != "" {
		w.str("\t\t", sl.actx, ", ", sl.cancel, " := ", method, ".AttemptContext(", pnames[0], ")\n")
		w.str("\t\t", assign, timedCall, "\n")
		w.str("\t\t", errName, " = ", method, ".Attempted(", pnames[0], ", ", sl.actx, ", ", errName, ")\n")
		w.str("\t\t", sl.cancel, "()\n")
		w.str("\t\tif ", errName, " == nil {\n")
	} else {
		w.str("\t\tif ", assign, call, "; ", errName, " == nil {\n")
	}
	w.str("\t\t\t", method, ".Succeeded(", sl.pass, ")\n")
	w.str("\t\t\treturn ", strings.Join(append(append([]string{}, rnames...), "nil"), ", "), "\n")
	w.str("\t\t}\n")
	w.str("\t\treturn ", slowCall(sl.pass, errName), "\n")
	w.str("\t}\n")
	w.str("\treturn ", slowCall(w.qual(runtimePath, "Pass")+"{}", "nil"), "\n")
}

// slowPathMethod writes the slow path of a method with a straight path:
// the call through the whole runtime.Method, from the start (Do) when the
// straight path was closed to it, or on from a first attempt that failed
// on it (Failed); then the fallback, as wrappedBody writes it.
func (w *writer) slowPathMethod(m *MethodPlan, sl straightLocals, recv, self, field, ctx, errName, callName string, pnames, rnames []string, call string) {
	method := recv + "." + field
	w.str("// ", sl.slow, " is ", m.Name, " past its straight path: the whole call through\n")
	w.str("// ", method, " when Straight turned it away (", sl.failed, " is nil), else the rest of a\n")
	w.str("// call whose first attempt, let through with ", sl.pass, ", failed with ", sl.failed, ".\n")
	w.str("func (", recv, " *", self, ") ", sl.slow, "(")
	params, res := m.Sig.Params(), m.Sig.Results()
	for i, name := range pnames {
		t := params.At(i).Type()
		if m.Sig.Variadic() && i == len(pnames)-1 {
			w.str(name, " []", w.typ(t.(*types.Slice).Elem()), ", ")
			continue
		}
		w.str(name, " ", w.typ(t), ", ")
	}
	w.str(sl.pass, " ", w.qual(runtimePath, "Pass"), ", ")
	for i, r := range rnames {
		w.str(r, " ", w.typ(res.At(i).Type()), ", ")
	}
	w.str(sl.failed, " error)")
	w.results(m.Sig)
	w.str(" {\n")

	callerCtx, attemptParam := w.attemptCtx(m, ctx)
	w.attemptFunc(callName, attemptParam, errName, call, rnames)
	w.str("\t", errName, " := ", sl.failed, "\n")
	w.str("\tif ", errName, " == nil {\n")
	w.str("\t\t", errName, " = ", method, ".Do(", callerCtx, ", ", callName, ")\n")
	w.str("\t} else {\n")
	w.str("\t\t", errName, " = ", method, ".Failed(", callerCtx, ", ", sl.pass, ", ", errName, ", ", callName, ")\n")
	w.str("\t}\n")
	if m.Fallback != nil {
		w.fallback(m, recv, field, callerCtx, errName, pnames)
	}
	w.str("\treturn ", strings.Join(append(append([]string{}, rnames...), errName), ", "), "\n")
	w.str("}\n")
}
