package runtime

import (
	"encoding"
	"encoding/json"
	"reflect"
	"sync"
)

// omitter records results with some fields left out: the fields of
// MethodConfig.Omit, at any depth, are recorded as their zero value and so
// replay as zero. It is built once per method and safe for concurrent use.
//
// It never changes a result: the caller that made the call keeps every
// field. The fields are zeroed in a copy made along the paths that lead to
// them only, so the rest of a large result is neither walked nor copied.
type omitter struct {
	names map[string]bool
	// reach memoizes, by reflect.Type, whether values of the type can hold
	// an omitted field.
	reach sync.Map
}

// newOmitter returns the omitter of names, or nil when there are none.
func newOmitter(names []string) *omitter {
	if len(names) == 0 {
		return nil
	}
	o := &omitter{names: make(map[string]bool, len(names))}
	for _, n := range names {
		o.names[n] = true
	}
	return o
}

// wrap returns results with each pointer wrapped in an omitted value, in a
// slice of its own: the caller's slice is left as it was.
func (o *omitter) wrap(results []any) []any {
	out := make([]any, len(results))
	for i, r := range results {
		out[i] = &omitted{o: o, p: r}
	}
	return out
}

// omitted is one result pointer as it is recorded: its JSON is that of the
// result with the omitted fields zero; decoding goes into the pointer as if
// it were not wrapped.
type omitted struct {
	o *omitter
	p any
}

// MarshalJSON encodes a copy of the result with the omitted fields zero, or
// the result itself when it holds none that is set.
func (w *omitted) MarshalJSON() ([]byte, error) {
	v := reflect.ValueOf(w.p)
	if v.Kind() != reflect.Pointer || v.IsNil() {
		return json.Marshal(w.p)
	}
	scrubbed, changed := w.o.scrub(v.Elem())
	if !changed {
		return json.Marshal(w.p)
	}
	// Through a pointer, as the unwrapped result is encoded, so that a
	// MarshalJSON with a pointer receiver is used alike.
	p := reflect.New(scrubbed.Type())
	p.Elem().Set(scrubbed)
	return json.Marshal(p.Interface())
}

// UnmarshalJSON decodes into the result pointer, with json.Unmarshal's
// semantics: encoding/json hands a null to an Unmarshaler rather than
// setting it to nil, and passing it on sets a pointer result to nil.
func (w *omitted) UnmarshalJSON(data []byte) error {
	return json.Unmarshal(data, w.p)
}

// scrub returns v with the omitted fields zero and whether that differs
// from v. v is never modified; what changes is copied.
func (o *omitter) scrub(v reflect.Value) (reflect.Value, bool) {
	if !o.reaches(v.Type()) {
		return v, false
	}
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return v, false
		}
		e, changed := o.scrub(v.Elem())
		if !changed {
			return v, false
		}
		p := reflect.New(e.Type())
		p.Elem().Set(e)
		return p, true
	case reflect.Struct:
		var out reflect.Value // the copy, made at the first change
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			fv := v.Field(i)
			var nv reflect.Value
			switch {
			case o.names[f.Name]:
				if fv.IsZero() {
					continue
				}
				nv = reflect.Zero(f.Type)
			default:
				s, changed := o.scrub(fv)
				if !changed {
					continue
				}
				nv = s
			}
			if !out.IsValid() {
				out = reflect.New(t).Elem()
				out.Set(v)
			}
			out.Field(i).Set(nv)
		}
		return out, out.IsValid()
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.IsNil() {
			return v, false
		}
		var out reflect.Value
		for i := 0; i < v.Len(); i++ {
			s, changed := o.scrub(v.Index(i))
			if !changed {
				continue
			}
			if !out.IsValid() {
				if v.Kind() == reflect.Slice {
					out = reflect.MakeSlice(v.Type(), v.Len(), v.Len())
					reflect.Copy(out, v)
				} else {
					out = reflect.New(v.Type()).Elem()
					out.Set(v)
				}
			}
			out.Index(i).Set(s)
		}
		return out, out.IsValid()
	case reflect.Map:
		if v.IsNil() {
			return v, false
		}
		var out reflect.Value
		iter := v.MapRange()
		for iter.Next() {
			s, changed := o.scrub(iter.Value())
			if !changed {
				continue
			}
			if !out.IsValid() {
				out = reflect.MakeMapWithSize(v.Type(), v.Len())
				copyMap(out, v)
			}
			out.SetMapIndex(iter.Key(), s)
		}
		return out, out.IsValid()
	}
	return v, false
}

// copyMap copies the entries of src into dst.
func copyMap(dst, src reflect.Value) {
	iter := src.MapRange()
	for iter.Next() {
		dst.SetMapIndex(iter.Key(), iter.Value())
	}
}

// reaches reports whether a value of type t can hold an omitted field that
// encoding/json would write: it looks through pointers, slices, arrays, map
// values and exported struct fields, and stops at a type with its own
// encoding, as encoding/json does.
func (o *omitter) reaches(t reflect.Type) bool {
	if r, ok := o.reach.Load(t); ok {
		return r.(bool)
	}
	// Only the answer for t is kept: answers found on the way while an
	// enclosing type was still being looked at may be partial.
	r := o.search(t, map[reflect.Type]bool{})
	o.reach.Store(t, r)
	return r
}

// search is reaches without the memo; seen holds the types being looked at,
// which a recursive type meets again.
func (o *omitter) search(t reflect.Type, seen map[reflect.Type]bool) bool {
	if seen[t] || marshalsItself(t) {
		return false
	}
	seen[t] = true
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Array, reflect.Map:
		return o.search(t.Elem(), seen)
	case reflect.Struct:
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			if o.names[f.Name] || o.search(f.Type, seen) {
				return true
			}
		}
	}
	return false
}

var (
	jsonMarshaler = reflect.TypeFor[json.Marshaler]()
	textMarshaler = reflect.TypeFor[encoding.TextMarshaler]()
)

// marshalsItself reports whether t or *t has its own JSON or text encoding,
// whose output the omitter cannot see into.
func marshalsItself(t reflect.Type) bool {
	for _, x := range []reflect.Type{t, reflect.PointerTo(t)} {
		if x.Implements(jsonMarshaler) || x.Implements(textMarshaler) {
			return true
		}
	}
	return false
}
