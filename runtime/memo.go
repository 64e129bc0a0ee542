package runtime

import (
	"reflect"
	"time"
)

// The memory store's decoded results. A hit on a record decodes its JSON
// into the caller's results; for results of structs and slices that is
// encoding/json by reflection, most of a hit's time (~3 us for a few log
// events). The memory store keeps, beside a finished record, its results
// decoded once, and later hits copy them into the caller's results
// instead. A copy must be what decoding would give: a value the caller
// owns whole, sharing nothing that either side could change. So only
// types a deep copy reproduces exactly are kept: numbers, bools, strings,
// time.Time, and arrays, slices, maps, pointers and structs of them, with
// every field of a reference kind exported (a copy cannot reach the
// others). Interfaces, funcs and channels are never kept, nor a type with
// an unexported pointer, slice or map, such as a Protocol Buffers message.

// resultMemo is one record's results, decoded from its JSON into fresh
// values: vals[i] is the value results[i] pointed to.
type resultMemo struct {
	types []reflect.Type
	vals  []reflect.Value
}

// newResultMemo decodes result, a finished record's JSON, into fresh
// values of the types results point to, and returns them when every one is
// of a type a deep copy reproduces; ok is false otherwise, or when the
// record does not decode.
func newResultMemo(result []byte, results []any) (memo *resultMemo, ok bool) {
	memo = &resultMemo{types: make([]reflect.Type, len(results)), vals: make([]reflect.Value, len(results))}
	fresh := make([]any, len(results))
	for i, r := range results {
		t := reflect.TypeOf(r)
		if t == nil || t.Kind() != reflect.Pointer || !copyable(t.Elem(), map[reflect.Type]bool{}) {
			return nil, false
		}
		p := reflect.New(t.Elem())
		memo.types[i], fresh[i] = t, p.Interface()
		memo.vals[i] = p.Elem()
	}
	if decodeResults(result, fresh) != nil {
		return nil, false
	}
	return memo, true
}

// fill copies the memo into results, and reports whether it could: results
// must point to values of the memo's types, as the same method's do.
func (memo *resultMemo) fill(results []any) bool {
	if len(results) != len(memo.types) {
		return false
	}
	for i, r := range results {
		if reflect.TypeOf(r) != memo.types[i] {
			return false
		}
	}
	for i, r := range results {
		p := reflect.ValueOf(r)
		if p.IsNil() {
			return false
		}
		deepCopy(p.Elem(), memo.vals[i])
	}
	return true
}

var timeType = reflect.TypeFor[time.Time]()

// plain reports whether a value of type t is copied whole by assignment:
// it holds no reference the copy would share, or only an immutable one
// (time.Time's *Location, which is never changed once made).
func plain(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Complex64, reflect.Complex128, reflect.String:
		return true
	case reflect.Array:
		return plain(t.Elem())
	case reflect.Struct:
		if t == timeType {
			return true
		}
		for i := range t.NumField() {
			if !plain(t.Field(i).Type) {
				return false
			}
		}
		return true
	}
	return false
}

// copyable reports whether deepCopy reproduces a value of type t exactly.
// seen holds the types being checked, so that a recursive type (a tree of
// pointers) ends: decoded JSON is finite, and so is its copy.
func copyable(t reflect.Type, seen map[reflect.Type]bool) bool {
	if plain(t) {
		return true
	}
	if seen[t] {
		return true
	}
	seen[t] = true
	switch t.Kind() {
	case reflect.Slice, reflect.Pointer, reflect.Array:
		return copyable(t.Elem(), seen)
	case reflect.Map:
		return plain(t.Key()) && copyable(t.Elem(), seen)
	case reflect.Struct:
		for i := range t.NumField() {
			f := t.Field(i)
			if !plain(f.Type) && (!f.IsExported() || !copyable(f.Type, seen)) {
				return false
			}
		}
		return true
	}
	return false
}

// deepCopy sets dst, settable, to a copy of src, of a copyable type, that
// shares no memory with it but strings and time Locations, both immutable.
func deepCopy(dst, src reflect.Value) {
	t := src.Type()
	if plain(t) {
		dst.Set(src)
		return
	}
	switch t.Kind() {
	case reflect.Slice:
		if src.IsNil() {
			dst.SetZero()
			return
		}
		n := src.Len()
		s := reflect.MakeSlice(t, n, n)
		if plain(t.Elem()) {
			reflect.Copy(s, src)
		} else {
			for i := range n {
				deepCopy(s.Index(i), src.Index(i))
			}
		}
		dst.Set(s)
	case reflect.Pointer:
		if src.IsNil() {
			dst.SetZero()
			return
		}
		p := reflect.New(t.Elem())
		deepCopy(p.Elem(), src.Elem())
		dst.Set(p)
	case reflect.Map:
		if src.IsNil() {
			dst.SetZero()
			return
		}
		m := reflect.MakeMapWithSize(t, src.Len())
		for it := src.MapRange(); it.Next(); {
			v := reflect.New(t.Elem()).Elem()
			deepCopy(v, it.Value())
			m.SetMapIndex(it.Key(), v)
		}
		dst.Set(m)
	case reflect.Array:
		for i := range src.Len() {
			deepCopy(dst.Index(i), src.Index(i))
		}
	case reflect.Struct:
		// Whole first, for the unexported plain fields a copy cannot
		// reach one by one; then each reference field, exported (see
		// copyable), deep.
		dst.Set(src)
		for i := range t.NumField() {
			if !plain(t.Field(i).Type) {
				deepCopy(dst.Field(i), src.Field(i))
			}
		}
	}
}
