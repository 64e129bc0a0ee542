package gen

import (
	"go/types"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// lowerFirst lowers the first letter: Charge -> charge.
func lowerFirst(s string) string {
	r, size := utf8.DecodeRuneInString(s)
	return string(unicode.ToLower(r)) + s[size:]
}

// method writes one method of the wrapper: a pass-through, or a call
// through the method's runtime.Method. slow names the method's slow path
// when it has a straight path (see straightPath), else it is empty.
func (w *writer) method(p *Plan, m *MethodPlan, self, nextField, field, slow string) {
	n := w.e.newNames()
	recv := n.get("w")
	wrapped := m.Wrapped()
	var ctx, errName, callName string
	if wrapped {
		ctx, errName, callName = n.get("ctx"), n.get("err"), n.get("call")
	}
	params := m.Sig.Params()
	pnames := make([]string, params.Len())
	for i := range pnames {
		if i == 0 && m.HasCtx && wrapped {
			pnames[i] = ctx
			continue
		}
		want := params.At(i).Name()
		if want == "" || want == "_" {
			want = "arg" + strconv.Itoa(i)
		}
		pnames[i] = n.get(want)
	}
	res := m.Sig.Results()
	nres := res.Len()
	if wrapped {
		nres-- // the error
	}
	rnames := make([]string, nres)
	for i := range rnames {
		rnames[i] = n.get("r" + strconv.Itoa(i))
	}
	// The call to the wrapped method; pnames[0] is the attempt's ctx.
	// callWith spells it with first for the first argument.
	callWith := func(first string) string {
		var b strings.Builder
		b.WriteString(recv + "." + nextField + "." + m.Name + "(")
		for i, name := range pnames {
			if i == 0 {
				name = first
			}
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(name)
			if m.Sig.Variadic() && i == len(pnames)-1 {
				b.WriteString("...")
			}
		}
		b.WriteString(")")
		return b.String()
	}
	first := ""
	if len(pnames) > 0 {
		first = pnames[0]
	}
	call := callWith(first)
	// The same call with the first attempt's own context, on the straight
	// path of a method with a per-attempt timeout (which has a ctx).
	var timedCall string
	var sl straightLocals
	if slow != "" {
		sl = newStraightLocals(n, slow, m.Timeout > 0)
		if sl.actx != "" {
			timedCall = callWith(sl.actx)
		}
	}

	if wrapped {
		w.str("// ", m.Name, " calls the wrapped ", p.Name, "'s ", m.Name, " through its policies.\n")
	} else {
		w.str("// ", m.Name, " calls the wrapped ", p.Name, "'s ", m.Name, " directly: it has no policies.\n")
	}
	w.str("func (", recv, " *", self, ") ", m.Name)
	w.signature(m.Sig, pnames)
	w.str(" {\n")
	switch {
	case !wrapped && res.Len() == 0:
		w.str("\t", call, "\n")
	case !wrapped:
		w.str("\treturn ", call, "\n")
	case slow != "":
		w.straightBody(m, sl, recv, field, errName, pnames, rnames, call, timedCall)
		w.str("}\n\n")
		w.slowPathMethod(m, sl, recv, self, field, ctx, errName, callName, pnames, rnames, call)
		return
	default:
		w.wrappedBody(m, n, recv, field, ctx, errName, callName, pnames, rnames, call)
	}
	w.str("}\n")
}

// signature writes (params) results, the parameters named names.
func (w *writer) signature(sig *types.Signature, names []string) {
	params := sig.Params()
	w.buf.WriteByte('(')
	for i := 0; i < params.Len(); i++ {
		if i > 0 {
			w.str(", ")
		}
		w.str(names[i], " ")
		if sig.Variadic() && i == params.Len()-1 {
			w.str("...", w.typ(params.At(i).Type().(*types.Slice).Elem()))
		} else {
			w.str(w.typ(params.At(i).Type()))
		}
	}
	w.buf.WriteByte(')')
	w.results(sig)
}

// results writes the result types of sig, after its parameters.
func (w *writer) results(sig *types.Signature) {
	res := sig.Results()
	switch res.Len() {
	case 0:
	case 1:
		w.str(" ", w.typ(res.At(0).Type()))
	default:
		w.str(" (")
		for i := 0; i < res.Len(); i++ {
			if i > 0 {
				w.str(", ")
			}
			w.str(w.typ(res.At(i).Type()))
		}
		w.str(")")
	}
}

// wrappedBody writes the body of a method with policies: declare the
// results, compute the key, run the call through Do or DoRecorded, return.
func (w *writer) wrappedBody(m *MethodPlan, n *names, recv, field, ctx, errName, callName string, pnames, rnames []string, call string) {
	// First, before the results are declared: see emit_replay.go.
	replayKey, replayed := w.replayFirst(m, n, recv, field, ctx, pnames)
	res := m.Sig.Results()
	for i, r := range rnames {
		w.str("\tvar ", r, " ", w.typ(res.At(i).Type()), "\n")
	}
	// returns spells `return r0, ..., last`.
	returns := func(last string) string {
		if len(rnames) == 0 {
			return "return " + last
		}
		return "return " + strings.Join(rnames, ", ") + ", " + last
	}

	callerCtx, attemptParam := w.attemptCtx(m, ctx)
	attempt := func() {
		if m.Hedge != nil {
			// A hedged method has a ctx: the checker refuses one without.
			w.hedgedAttempt(n, ctx, callName, attemptParam, errName, call, rnames)
			return
		}
		w.attemptFunc(callName, attemptParam, errName, call, rnames)
	}

	// The attempt gets a name of its own rather than being written inside
	// the call: it reads better with the call on one line.
	var run string
	runCtx := callerCtx
	if m.Hedge != nil {
		runCtx = w.qual(runtimePath, "HedgeCall") + "(" + callerCtx + ", " + callName + ")"
	}
	if m.Recorded() {
		key := replayKey
		if !replayed {
			key = w.key(m, n, pnames)
		}
		attempt()
		run = recv + "." + field + ".DoRecorded(" + runCtx + ", " + w.recording(m, pnames, rnames, key) + ", " + callName + ")"
	} else {
		attempt()
		run = recv + "." + field + ".Do(" + runCtx + ", " + callName + ")"
	}
	if len(rnames) == 0 && m.Fallback == nil {
		w.str("\treturn ", run, "\n")
		return
	}
	w.str("\t", errName, " := ", run, "\n")
	if m.Fallback != nil {
		w.fallback(m, recv, field, callerCtx, errName, pnames)
	}
	w.str("\t", returns(errName), "\n")
}

// attemptCtx returns the context the method's caller gave (ctx, or
// context.Background() for a method without one) and the parameter of the
// attempt's closure: without a ctx parameter the attempt's ctx has nowhere
// to go, and is not named.
func (w *writer) attemptCtx(m *MethodPlan, ctx string) (callerCtx, attemptParam string) {
	if !m.HasCtx {
		return w.qual("context", "Background") + "()", w.qual("context", "Context")
	}
	return ctx, ctx + " " + w.qual("context", "Context")
}

// attemptFunc writes the attempt: the closure, named callName, that the
// runtime calls once per attempt, storing the call's results in rnames.
func (w *writer) attemptFunc(callName, attemptParam, errName, call string, rnames []string) {
	w.str("\t", callName, " := func(", attemptParam, ") error {\n")
	if len(rnames) == 0 {
		w.str("\t\treturn ", call, "\n")
	} else {
		w.str("\t\tvar ", errName, " error\n")
		w.str("\t\t", strings.Join(rnames, ", "), ", ", errName, " = ", call, "\n")
		w.str("\t\treturn ", errName, "\n")
	}
	w.str("\t}\n")
}

// recording spells runtime.Recording{Key, Args, Results}, on one line. Args
// (the fingerprint) are given only when the method is idempotent, without
// its call options. A Protocol Buffers message goes through protocodec.
func (w *writer) recording(m *MethodPlan, pnames, rnames []string, key string) string {
	var fields []string
	if key != "" {
		fields = append(fields, "Key: "+key)
	}
	if m.Idempotent != nil {
		var args []string
		for _, i := range m.Fingerprinted() {
			args = append(args, w.recorded(pnames[i], isProto(m.ProtoParams, i)))
		}
		if len(args) > 0 {
			fields = append(fields, "Args: []any{"+strings.Join(args, ", ")+"}")
		}
	}
	if len(rnames) > 0 {
		results := make([]string, len(rnames))
		for i, r := range rnames {
			results[i] = "&" + r
			if isProto(m.ProtoResults, i) {
				results[i] = w.recorded(r, true)
			}
		}
		fields = append(fields, "Results: []any{"+strings.Join(results, ", ")+"}")
	}
	return w.qual(runtimePath, "Recording") + "{" + strings.Join(fields, ", ") + "}"
}

// recorded spells the value recorded for the local name: itself, or a
// protocodec.Message of its address when it is a Protocol Buffers message.
func (w *writer) recorded(name string, proto bool) string {
	if !proto {
		return name
	}
	return w.qual(protocodecPath, "Message") + "(&" + name + ")"
}

// key returns the key expression, or "" when the key is the hash of all
// arguments. A path through pointers gets a local, set only when none of
// them is nil: a nil leaves the key empty, which keys the call by the
// fingerprint of its arguments, as if key= were not written.
func (w *writer) key(m *MethodPlan, n *names, pnames []string) string {
	if m.Idempotent == nil || m.Idempotent.Key == nil {
		return ""
	}
	k := m.Idempotent.Key
	sel := func(n int) string {
		expr := pnames[k.Param]
		for _, f := range k.Fields[:n] {
			expr += "." + f
		}
		return expr
	}
	expr := strings.Repeat("*", k.Derefs) + sel(len(k.Fields))
	switch k.Conv {
	case keyNamedStr:
		expr = "string(" + expr + ")"
	case keySigned:
		if !types.Identical(k.Type, types.Typ[types.Int64]) {
			expr = "int64(" + expr + ")"
		}
		expr = w.qual("strconv", "FormatInt") + "(" + expr + ", 10)"
	case keyUnsigned:
		if !types.Identical(k.Type, types.Typ[types.Uint64]) {
			expr = "uint64(" + expr + ")"
		}
		expr = w.qual("strconv", "FormatUint") + "(" + expr + ", 10)"
	case keyStringer:
		if k.Derefs > 0 {
			expr = "(" + expr + ")"
		}
		expr += ".String()"
	}
	if len(k.NilChecks) == 0 {
		return expr
	}
	checks := make([]string, len(k.NilChecks))
	ending := 0 // checks of the pointers that end the path so far
	for i, at := range k.NilChecks {
		// The pointers ending the path are checked one more
		// dereference deep each: **p is checked as p, then *p.
		checks[i] = strings.Repeat("*", ending) + sel(at) + " != nil"
		if at == len(k.Fields) {
			ending++
		}
	}
	key := n.get("key")
	w.str("\tvar ", key, " string\n")
	w.str("\tif ", strings.Join(checks, " && "), " {\n")
	w.str("\t\t", key, " = ", expr, "\n")
	w.str("\t}\n")
	return key
}
