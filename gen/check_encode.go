package gen

import (
	"fmt"
	"go/token"
	"go/types"
	"reflect"
)

// checkResults refuses results (but the final error) that cannot
// round-trip through JSON, since recorded results are stored as JSON.
func (c *checker) checkResults(subject, dir string, pos token.Pos, sig *types.Signature) {
	res := sig.Results()
	for i := 0; i < res.Len()-1; i++ {
		if why := c.encodableType(res.At(i).Type(), true); why != "" {
			c.errorf(pos, "%s: //resil:%s stores results as JSON, but result %d (%s) %s; return an encodable type, or give it MarshalJSON and UnmarshalJSON", subject, dir, i+1, types.TypeString(res.At(i).Type(), types.RelativeTo(c.pkg.Types)), why)
		}
	}
}

// paramLabel names a parameter for messages.
func paramLabel(v *types.Var, i int) string {
	if v.Name() != "" && v.Name() != "_" {
		return v.Name()
	}
	return fmt.Sprintf("#%d", i+1)
}

// encodableType says why values of t cannot round-trip through
// encoding/json ("" when they can). decode asks for decoding too: results
// are decoded on a hit; arguments are only encoded, as a fingerprint.
func (c *checker) encodableType(t types.Type, decode bool) string {
	k := encKey{t, decode}
	if why, ok := c.encodable[k]; ok {
		return why
	}
	c.encodable[k] = "" // a recursive type is as encodable as the rest of it
	why := c.encodableUncached(t, decode)
	c.encodable[k] = why
	return why
}

func (c *checker) encodableUncached(t types.Type, decode bool) string {
	t = types.Unalias(t)
	if c.marshals(t, decode) {
		return ""
	}
	switch u := t.Underlying().(type) {
	case *types.Basic:
		switch {
		case u.Info()&types.IsComplex != 0:
			return "is a complex number"
		case u.Kind() == types.UnsafePointer:
			return "is an unsafe.Pointer"
		case u.Kind() == types.Invalid:
			return "has an invalid type"
		}
	case *types.Pointer:
		return c.encodableType(u.Elem(), decode)
	case *types.Slice:
		return c.encodableType(u.Elem(), decode)
	case *types.Array:
		return c.encodableType(u.Elem(), decode)
	case *types.Map:
		key := types.Unalias(u.Key())
		kb, ok := key.Underlying().(*types.Basic)
		if !(ok && kb.Info()&(types.IsString|types.IsInteger) != 0) && !c.implements(key, c.textMar) {
			return "is a map whose keys are not strings, integers or encoding.TextMarshaler"
		}
		return c.encodableType(u.Elem(), decode)
	case *types.Chan:
		return "is a channel"
	case *types.Signature:
		return "is a func"
	case *types.Interface:
		if _, ok := t.(*types.TypeParam); ok {
			return "" // known only at instantiation; the runtime reports it then
		}
		return "is an interface, whose dynamic type JSON cannot restore"
	case *types.Struct:
		exported := 0
		for i := 0; i < u.NumFields(); i++ {
			f := u.Field(i)
			tag := reflect.StructTag(u.Tag(i)).Get("json")
			if tag == "-" || !f.Exported() && !f.Embedded() {
				continue
			}
			exported++
			if why := c.encodableType(f.Type(), decode); why != "" {
				return fmt.Sprintf("has field %s, which %s", f.Name(), why)
			}
		}
		if exported == 0 && u.NumFields() > 0 {
			return "is a struct with unexported fields only, which JSON leaves empty"
		}
	}
	return ""
}

// marshals reports whether t has its own JSON (or text) encoding, and its
// decoding when decode is set.
func (c *checker) marshals(t types.Type, decode bool) bool {
	ptr := types.NewPointer(t)
	if c.implements(t, c.jsonMar) && (!decode || c.implements(ptr, c.jsonUnmar)) {
		return true
	}
	return c.implements(t, c.textMar) && (!decode || c.implements(ptr, c.textUnmar))
}

// implements reports whether t or *t has the methods of iface. Both count:
// the values generated code hands to encoding/json are addressable.
func (c *checker) implements(t types.Type, iface *types.Interface) bool {
	if _, ok := t.Underlying().(*types.Interface); ok {
		return false
	}
	if types.Implements(t, iface) {
		return true
	}
	if _, isPtr := t.(*types.Pointer); !isPtr {
		return types.Implements(types.NewPointer(t), iface)
	}
	return false
}
