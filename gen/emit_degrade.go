package gen

import (
	"strconv"
	"strings"
)

// degradation adds a method's Hedge and Fallback to its MethodConfig.
func (w *writer) degradation(m *MethodPlan, fields []kv) []kv {
	if h := m.Hedge; h != nil {
		fields = append(fields, kv{key: "Hedge", val: "&" + w.qual(runtimePath, "HedgeConfig") + "{Delay: " + w.duration(h.Delay) + ", Max: " + strconv.Itoa(h.Max) + "}"})
	}
	if f := m.Fallback; f != nil {
		on := "FallbackRejected"
		if f.OnFailed {
			on = "FallbackFailed"
		}
		fields = append(fields, kv{key: "Fallback", val: w.qual(runtimePath, on)})
	}
	return fields
}

// hedgedAttempt writes the attempt closure of a hedged method: each try
// gets its results into locals of its own and copies them to the call's
// only when runtime.Won says it is the try the caller gets, so that tries
// running at once never write the same variables.
func (w *writer) hedgedAttempt(n *names, ctx, callName, attemptParam, errName, call string, rnames []string) {
	w.str("\t", callName, " := func(", attemptParam, ") error {\n")
	if len(rnames) == 0 {
		w.str("\t\treturn ", call, "\n")
		w.str("\t}\n")
		return
	}
	tries := make([]string, len(rnames))
	for i := range rnames {
		tries[i] = n.get("t" + strconv.Itoa(i))
	}
	w.str("\t\t", strings.Join(tries, ", "), ", ", errName, " := ", call, "\n")
	w.str("\t\tif ", errName, " == nil && ", w.qual(runtimePath, "Won"), "(", ctx, ") {\n")
	w.str("\t\t\t", strings.Join(rnames, ", "), " = ", strings.Join(tries, ", "), "\n")
	w.str("\t\t}\n")
	w.str("\t\treturn ", errName, "\n")
	w.str("\t}\n")
}

// fallback writes, after the call's err is known, the answer of the
// method's fallback: the func gets the call's arguments and err, and its
// results are the method's, returned as they are.
func (w *writer) fallback(m *MethodPlan, recv, field, callerCtx, errName string, pnames []string) {
	args := append(append([]string{}, pnames...), errName)
	w.str("\tif ", errName, " != nil && ", recv, ".", field, ".Fallback(", callerCtx, ", ", errName, ") {\n")
	w.str("\t\treturn ", w.qual(w.e.pkg.Path(), m.Fallback.Func), "(", strings.Join(args, ", "), ")\n")
	w.str("\t}\n")
}
