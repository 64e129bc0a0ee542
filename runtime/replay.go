package runtime

import "context"

// Replay answers a call of an idempotent method from its record in the
// memory store, the common case of a cache, and reports whether it did. It
// is for generated wrappers, which call it first and, when it returns
// false, make the call through [Method.DoRecorded] as if Replay had not
// been called: it has no effect then (no claim, no event, no count), and
// results may hold anything.
//
// key, args and results are those of the [Recording] the wrapper would
// give DoRecorded. Replay keeps none of them and hands them to nothing that
// could, so that a wrapper's slices, boxed arguments and results stay on
// its stack: a hit allocates nothing but the strings it decodes into
// string results. It answers only when
//   - the method is idempotent and has no bulkhead (whose wait or
//     rejection comes before the lookup);
//   - the runtime's store is the memory store of [NewMemoryStore];
//   - the method is not a checkpointed step running in a workflow, which
//     looks in the journal first;
//   - every argument is of a type the runtime encodes without
//     encoding/json (strings of printable ASCII, bools, integers, pointers
//     to them), and every result is a pointer to a string, bool, int,
//     int32 or int64 recorded in its plain JSON form;
//   - key holds a finished, unexpired record of the same arguments.
//
// A hit is reported to the observer as DoRecorded reports one.
func (m *Method) Replay(ctx context.Context, key string, args, results []any) bool {
	if m.cfg.Idempotent == nil || m.cfg.Bulkhead != nil {
		return false
	}
	s, _ := m.rt.cfg.store.(*memoryStore)
	if s == nil || m.cfg.Step != "" && runFrom(ctx) != nil {
		return false
	}
	var small [smallJSON]byte
	b, ok := appendJSONArray(small[:0], args)
	if !ok {
		return false
	}
	var buf [memFingerprintMax]byte
	fp := s.fingerprintJSON(&buf, b, key != "")
	var keyBuf memStoreKey
	result, k, _, _, ok := m.peek(ctx, s, &keyBuf, key, fp)
	if !ok || !decodeScalars(result, results) {
		return false
	}
	if m.observer != nil {
		m.reportHit(ctx, m.hitKey(key, k))
	}
	return true
}

// decodeScalars decodes data, a recorded result array, into the pointers
// of results through the fast codec alone, and reports whether every
// element was one it reads; when one is not, or the counts differ, it
// returns false, having maybe written some results. It never reaches
// encoding/json, which would take results to the heap.
func decodeScalars(data []byte, results []any) bool {
	if len(results) == 1 && len(data) >= 2 && data[0] == '[' && data[len(data)-1] == ']' {
		// The usual one result, without splitArray: what is inside the
		// brackets must be one plain scalar for decodeJSONScalar to take
		// it, so a record of more elements is refused as surely.
		return decodeJSONScalar(data[1:len(data)-1], results[0])
	}
	var small [4][2]int
	elems, err := splitArray(data, small[:0])
	if err != nil || len(elems) != len(results) {
		return false
	}
	for i, e := range elems {
		if !decodeJSONScalar(data[e[0]:e[1]], results[i]) {
			return false
		}
	}
	return true
}
