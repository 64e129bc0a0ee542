package gen

import (
	"fmt"
	"go/token"
	"go/types"
	"math"
	"reflect"
	"strings"
)

// protoreflectPath is the package of protoreflect.Message, which the
// ProtoReflect method of every Protocol Buffers message returns.
const protoreflectPath = "google.golang.org/protobuf/reflect/protoreflect"

// encQuery is what an encodability answer depends on besides the type.
type encQuery struct {
	// decode asks for decoding too: results are decoded on a hit;
	// arguments are only encoded, as a fingerprint.
	decode bool
	// omit is the names of the fields //resil:omit records as zero,
	// sorted and comma-separated, so that the query is comparable.
	omit string
}

// omits reports whether q records fields called name as zero.
func (q encQuery) omits(name string) bool {
	return q.omit != "" && strings.Contains(","+q.omit+",", ","+name+",")
}

// encKey is a memoized encodability question.
type encKey struct {
	t types.Type
	q encQuery
}

// encAnswer is why values of a type cannot round-trip through JSON ("" when
// they can) and, when omitting one field would make them, the innermost
// such field.
type encAnswer struct {
	why, omit string
	// fix, when set, is what to do instead of the usual advice.
	fix string
}

// noAssumption marks an answer that assumed nothing about a type still
// being checked.
const noAssumption = math.MaxInt

// checkResults refuses results (but the final error) that cannot
// round-trip through JSON, since recorded results are stored as JSON. A
// Protocol Buffers message (mp.ProtoResults) is recorded by its own codec
// and is not looked at; fields that q omits are not either.
func (c *checker) checkResults(subject, dir string, pos token.Pos, mp *MethodPlan, q encQuery) {
	res := mp.Sig.Results()
	for i := 0; i < res.Len()-1; i++ {
		if isProto(mp.ProtoResults, i) {
			continue
		}
		a := c.encodableType(res.At(i).Type(), q)
		if a.why == "" {
			continue
		}
		fix := "return an encodable type, or give it MarshalJSON and UnmarshalJSON"
		if a.fix != "" {
			fix = a.fix
		}
		if a.omit != "" {
			fix += "; or write //resil:omit " + a.omit
		}
		c.errorf(pos, "%s: //resil:%s stores results as JSON, but result %d (%s) %s; %s", subject, dir, i+1, c.typeString(res.At(i).Type()), a.why, fix)
	}
}

// paramLabel names a parameter for messages.
func paramLabel(v *types.Var, i int) string {
	if v.Name() != "" && v.Name() != "_" {
		return v.Name()
	}
	return fmt.Sprintf("#%d", i+1)
}

// encodableType answers whether values of t round-trip through
// encoding/json under q.
func (c *checker) encodableType(t types.Type, q encQuery) encAnswer {
	a, _ := c.encodableAt(t, q)
	return a
}

// encodableAt is encodableType that also returns the depth of the
// outermost type still being checked whose answer it assumed, or
// noAssumption. A type met again while it is being checked is assumed
// encodable (a recursive type is as encodable as the rest of it), so an
// answer that relies on that is only final once that type's own check
// ends: it is memoized then, not before, or a later question about an
// inner type would get the partial answer.
func (c *checker) encodableAt(t types.Type, q encQuery) (encAnswer, int) {
	k := encKey{t, q}
	if a, ok := c.encodable[k]; ok {
		return a, noAssumption
	}
	if depth, ok := c.checking[k]; ok {
		return encAnswer{}, depth
	}
	depth := len(c.checking)
	c.checking[k] = depth
	a, assumed := c.encodableUncached(t, q)
	delete(c.checking, k)
	// A refusal is final whatever was assumed: assumptions only say yes.
	if a.why != "" || assumed >= depth {
		c.encodable[k] = a
		return a, noAssumption
	}
	return a, assumed
}

func (c *checker) encodableUncached(t types.Type, q encQuery) (encAnswer, int) {
	t = types.Unalias(t)
	// Before marshals: structpb's messages have a MarshalJSON, but it is
	// protojson's, whose bytes change from one build to the next.
	if _, isPtr := t.(*types.Pointer); c.isProtoMessage(t) || !isPtr && c.isProtoMessage(types.NewPointer(t)) {
		return encAnswer{
			why: "is a Protocol Buffers message inside another type, which JSON would record without its oneofs and unknown fields",
			fix: "return or pass the message itself, which resilgen records with protobuf's own codec",
		}, noAssumption
	}
	if c.marshals(t, q.decode) {
		return encAnswer{}, noAssumption
	}
	why := func(s string) (encAnswer, int) { return encAnswer{why: s}, noAssumption }
	switch u := t.Underlying().(type) {
	case *types.Basic:
		switch {
		case u.Info()&types.IsComplex != 0:
			return why("is a complex number")
		case u.Kind() == types.UnsafePointer:
			return why("is an unsafe.Pointer")
		case u.Kind() == types.Invalid:
			return why("has an invalid type")
		}
	case *types.Pointer:
		return c.encodableAt(u.Elem(), q)
	case *types.Slice:
		return c.encodableAt(u.Elem(), q)
	case *types.Array:
		return c.encodableAt(u.Elem(), q)
	case *types.Map:
		if !c.mapKeyEncodes(u.Key()) {
			return why("is a map whose keys are not strings, integers or encoding.TextMarshaler")
		}
		return c.encodableAt(u.Elem(), q)
	case *types.Chan:
		return why("is a channel")
	case *types.Signature:
		return why("is a func")
	case *types.Interface:
		if _, ok := t.(*types.TypeParam); ok {
			return why("") // known only at instantiation; the runtime reports it then
		}
		return why("is an interface, whose dynamic type JSON cannot restore")
	case *types.Struct:
		exported, assumed := 0, noAssumption
		for i := 0; i < u.NumFields(); i++ {
			f := u.Field(i)
			tag := reflect.StructTag(u.Tag(i)).Get("json")
			if tag == "-" || !f.Exported() && !f.Embedded() {
				continue
			}
			exported++
			if f.Exported() && q.omits(f.Name()) {
				continue // recorded as its zero value, checked by the omit
			}
			fq := q
			if !f.Exported() {
				// The runtime cannot set the fields of an unexported
				// embedded struct, so it omits none of them.
				fq.omit = ""
			}
			a, as := c.encodableAt(f.Type(), fq)
			assumed = min(assumed, as)
			if a.why != "" {
				omit := a.omit
				if omit == "" && f.Exported() && c.zeroEncodes(f.Type()) == "" {
					omit = f.Name()
				}
				return encAnswer{why: fmt.Sprintf("has field %s, which %s", f.Name(), a.why), omit: omit, fix: a.fix}, noAssumption
			}
		}
		if exported == 0 && u.NumFields() > 0 {
			return why("is a struct with unexported fields only, which JSON leaves empty")
		}
		return encAnswer{}, assumed
	}
	return encAnswer{}, noAssumption
}

// mapKeyEncodes reports whether encoding/json can write maps keyed by key.
func (c *checker) mapKeyEncodes(key types.Type) bool {
	key = types.Unalias(key)
	kb, ok := key.Underlying().(*types.Basic)
	return ok && kb.Info()&(types.IsString|types.IsInteger) != 0 || c.implements(key, c.textMar)
}

// zeroEncodes says why the zero value of t does not round-trip through
// JSON ("" when it does): what an omitted field is recorded as. A nil
// pointer, slice, interface or map is null; a func or a channel cannot be
// written at all, not even when nil.
func (c *checker) zeroEncodes(t types.Type) string {
	t = types.Unalias(t)
	if c.marshals(t, true) {
		return ""
	}
	switch u := t.Underlying().(type) {
	case *types.Basic:
		if a, _ := c.encodableUncached(t, encQuery{decode: true}); a.why != "" {
			return a.why
		}
	case *types.Map:
		if !c.mapKeyEncodes(u.Key()) {
			return "is a map whose keys are not strings, integers or encoding.TextMarshaler"
		}
	case *types.Chan:
		return "is a channel"
	case *types.Signature:
		return "is a func"
	case *types.Array:
		return c.zeroEncodes(u.Elem())
	case *types.Struct:
		for i := 0; i < u.NumFields(); i++ {
			f := u.Field(i)
			if reflect.StructTag(u.Tag(i)).Get("json") == "-" || !f.Exported() && !f.Embedded() {
				continue
			}
			if why := c.zeroEncodes(f.Type()); why != "" {
				return fmt.Sprintf("has field %s, which %s", f.Name(), why)
			}
		}
	}
	return ""
}

// isProtoMessage reports whether t is a Protocol Buffers message: a
// concrete type with its own ProtoReflect() protoreflect.Message in its
// method set (so *pb.Msg, not pb.Msg, and not a struct that embeds one).
func (c *checker) isProtoMessage(t types.Type) bool {
	if _, ok := t.Underlying().(*types.Interface); ok {
		return false
	}
	obj, index, _ := types.LookupFieldOrMethod(t, false, nil, "ProtoReflect")
	fn, ok := obj.(*types.Func)
	if !ok || len(index) != 1 {
		return false
	}
	sig := fn.Type().(*types.Signature)
	if sig.Params().Len() != 0 || sig.Results().Len() != 1 {
		return false
	}
	named, ok := types.Unalias(sig.Results().At(0).Type()).(*types.Named)
	return ok && named.Obj().Name() == "Message" && named.Obj().Pkg() != nil && named.Obj().Pkg().Path() == protoreflectPath
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
