package gen

import (
	"go/types"
	"strconv"
	"strings"
)

// The replay fast path. An idempotent call whose record is in the memory
// store (the common case of a cache) is answered by runtime.Method.Replay
// before anything of the slow path is declared: the slow path's results,
// closure and Recording escape through DoRecorded, and a variable that
// escapes is allocated where it is declared, so declaring them first would
// cost the hit their allocations. The hit's own results and slices stay on
// the stack, as Replay keeps none of them.

// replays reports whether the calls of m try Replay first: it is
// idempotent, has no bulkhead (whose wait or rejection comes before the
// lookup), and every argument of its fingerprint and every result is of a
// type Replay reads (runtime/jsonfast.go). Replay would refuse anything
// else at run time; the generator knows the types and leaves it out.
func replays(m *MethodPlan) bool {
	if m.Idempotent == nil || m.Bulkhead != nil {
		return false
	}
	params := m.Sig.Params()
	for _, i := range m.Fingerprinted() {
		if isProto(m.ProtoParams, i) || !replayArg(params.At(i).Type()) {
			return false
		}
	}
	res := m.Sig.Results()
	for i := 0; i < res.Len()-1; i++ { // the last result is the error
		if isProto(m.ProtoResults, i) || !replayResult(res.At(i).Type()) {
			return false
		}
	}
	return true
}

// replayArg reports whether Replay encodes an argument of type t: a string,
// bool or integer the runtime's fast codec writes, or a pointer to one. A
// named type is boxed as itself, which the codec does not know.
func replayArg(t types.Type) bool {
	if p, ok := types.Unalias(t).(*types.Pointer); ok {
		return basicKind(p.Elem(), types.String, types.Bool, types.Int, types.Int64)
	}
	return basicKind(t, types.String, types.Bool, types.Int, types.Int64, types.Int32, types.Uint, types.Uint64, types.Uint32)
}

// replayResult reports whether Replay decodes a result of type t.
func replayResult(t types.Type) bool {
	return basicKind(t, types.String, types.Bool, types.Int, types.Int64, types.Int32)
}

// basicKind reports whether t is the unnamed basic type of one of kinds.
func basicKind(t types.Type, kinds ...types.BasicKind) bool {
	b, ok := types.Unalias(t).(*types.Basic)
	if !ok {
		return false
	}
	for _, k := range kinds {
		if b.Kind() == k {
			return true
		}
	}
	return false
}

// replayFirst writes, for a method that replays, the key and the Replay
// that answers a hit, and returns the key's expression for the slow path
// (a parameter or a local, computed once) and true. For other methods it
// writes nothing and returns "", false.
func (w *writer) replayFirst(m *MethodPlan, n *names, recv, field, ctx string, pnames []string) (key string, ok bool) {
	if !replays(m) {
		return "", false
	}
	key = w.key(m, n, pnames)
	if key != "" && !isIdent(key) {
		// A conversion (strconv.FormatInt(id, 10)) runs once, for both
		// paths.
		local := n.get("key")
		w.str("\t", local, " := ", key, "\n")
		key = local
	}
	var args []string
	for _, i := range m.Fingerprinted() {
		args = append(args, pnames[i])
	}
	res := m.Sig.Results()
	hits := make([]string, res.Len()-1)
	ptrs := make([]string, len(hits))
	for i := range hits {
		hits[i] = n.get("hit" + strconv.Itoa(i))
		ptrs[i] = "&" + hits[i]
		w.str("\tvar ", hits[i], " ", w.typ(res.At(i).Type()), "\n")
	}
	keyArg := key
	if keyArg == "" {
		keyArg = `""` // keyed by the fingerprint of the arguments
	}
	// An idempotent method has a ctx: the checker refuses one without.
	w.str("\tif ", recv, ".", field, ".Replay(", ctx, ", ", keyArg, ", ", anySlice(args), ", ", anySlice(ptrs), ") {\n")
	w.str("\t\treturn ", strings.Join(append(hits, "nil"), ", "), "\n")
	w.str("\t}\n")
	return key, true
}

// anySlice spells []any{elems...}, or nil without elems, as DoRecorded's
// Recording leaves a field without them.
func anySlice(elems []string) string {
	if len(elems) == 0 {
		return "nil"
	}
	return "[]any{" + strings.Join(elems, ", ") + "}"
}
