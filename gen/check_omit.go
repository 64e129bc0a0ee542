package gen

import (
	"go/types"
	"reflect"
	"slices"
	"strings"
)

// omitUse is one name of a type-level //resil:omit: it must match a field
// of a recorded result of at least one of the type's methods.
type omitUse struct {
	word  Word
	iface string
	// matched says a method's results have the field; recorded says the
	// type has a recorded method at all; refused says its zero value was
	// already refused, so that the message comes once.
	matched, recorded, refused bool
	// fields are the names the recorded results have, for did-you-mean.
	fields map[string]bool
}

// registerTypeOmits records the names of a type-level omit, once.
func (c *checker) registerTypeOmits(in *Interface, d *Directive) {
	if d == nil {
		return
	}
	for _, w := range d.Names {
		if c.typeOmits[w.Pos] == nil {
			c.typeOmits[w.Pos] = &omitUse{word: w, iface: in.Name, fields: map[string]bool{}}
		}
	}
}

// refuseUnusedOmits refuses the type-level omit names that matched no
// field of any recorded result of their type.
func (c *checker) refuseUnusedOmits() {
	var uses []*omitUse
	for _, u := range c.typeOmits {
		if !u.matched {
			uses = append(uses, u)
		}
	}
	slices.SortFunc(uses, func(a, b *omitUse) int { return int(a.word.Pos - b.word.Pos) })
	for _, u := range uses {
		if !u.recorded {
			c.errorf(u.word.Pos, "omit: %s has no idempotent or checkpointed method, whose recorded results %s would be left out of; remove //resil:omit", u.iface, u.word.Text)
			continue
		}
		c.errorf(u.word.Pos, "omit: no recorded result of %s has a field %s%s", u.iface, u.word.Text, didYouMean(u.word.Text, sortedKeys(u.fields)))
	}
}

// recordedResults reads the omit names that apply to the recorded method
// mp (the type's, then its own) against its results, marks its Protocol
// Buffers results, and returns how its results are checked.
func (c *checker) recordedResults(in *Interface, mp *MethodPlan, typeDir, methodDir *Directive) encQuery {
	res := mp.Sig.Results()
	for i := 0; i < res.Len()-1; i++ {
		if c.isProtoMessage(res.At(i).Type()) {
			mp.ProtoResults = setFlag(mp.ProtoResults, res.Len(), i)
		}
	}
	var names []Word
	if typeDir != nil {
		names = append(names, typeDir.Names...)
	}
	if methodDir != nil {
		names = append(names, methodDir.Names...)
	}
	if len(names) == 0 {
		return encQuery{decode: true}
	}
	want := map[string]bool{}
	for _, w := range names {
		want[w.Text] = true
	}
	found := map[string][]*types.Var{}
	fields := map[string]bool{}
	seen := map[types.Type]bool{}
	for i := 0; i < res.Len()-1; i++ {
		if !isProto(mp.ProtoResults, i) {
			c.omitReach(res.At(i).Type(), want, found, fields, seen)
		}
	}
	subject := in.Name + "." + mp.Name
	for _, w := range names {
		if slices.Contains(mp.Omit, w.Text) {
			continue
		}
		use := c.typeOmits[w.Pos] // nil for the method's own names
		if use != nil {
			use.recorded = true
			for f := range fields {
				use.fields[f] = true
			}
		}
		vars := found[w.Text]
		if len(vars) == 0 {
			if use == nil {
				c.errorf(w.Pos, "omit: no result of %s has a field %s%s", subject, w.Text, didYouMean(w.Text, sortedKeys(fields)))
			}
			continue
		}
		if use != nil {
			use.matched = true
		}
		mp.Omit = append(mp.Omit, w.Text)
		for _, v := range vars {
			why := c.zeroEncodes(v.Type())
			if why == "" || use != nil && use.refused {
				continue
			}
			if use != nil {
				use.refused = true
			}
			c.errorf(w.Pos, "omit: field %s of %s's results %s, which JSON cannot record even as its zero value; omit a field that holds it instead", w.Text, subject, why)
			break
		}
	}
	sorted := slices.Clone(mp.Omit)
	slices.Sort(sorted)
	return encQuery{decode: true, omit: strings.Join(sorted, ",")}
}

// omitReach walks what JSON records of t as the runtime's omitter does:
// through pointers, slices, arrays, map values and exported struct fields,
// stopping at a type with its own encoding or a Protocol Buffers message,
// and at a field that is omitted. It collects the fields named in want,
// and the names of all fields it passes in all.
func (c *checker) omitReach(t types.Type, want map[string]bool, found map[string][]*types.Var, all map[string]bool, seen map[types.Type]bool) {
	t = types.Unalias(t)
	if seen[t] || c.marshals(t, true) || c.isProtoMessage(t) {
		return
	}
	seen[t] = true
	switch u := t.Underlying().(type) {
	case *types.Pointer:
		c.omitReach(u.Elem(), want, found, all, seen)
	case *types.Slice:
		c.omitReach(u.Elem(), want, found, all, seen)
	case *types.Array:
		c.omitReach(u.Elem(), want, found, all, seen)
	case *types.Map:
		c.omitReach(u.Elem(), want, found, all, seen)
	case *types.Struct:
		for i := 0; i < u.NumFields(); i++ {
			f := u.Field(i)
			if !f.Exported() || reflect.StructTag(u.Tag(i)).Get("json") == "-" {
				continue
			}
			all[f.Name()] = true
			if want[f.Name()] {
				found[f.Name()] = append(found[f.Name()], f)
				continue
			}
			c.omitReach(f.Type(), want, found, all, seen)
		}
	}
}

// isCallOptions reports whether the final parameter of sig is call options:
// variadic, of a func type or a named interface type with methods, as the
// SDKs' optFns ...func(*Options), opts ...grpc.CallOption and
// opts ...option.RequestOption are. ...any is data.
func isCallOptions(sig *types.Signature) bool {
	if !sig.Variadic() {
		return false
	}
	params := sig.Params()
	elem := types.Unalias(params.At(params.Len() - 1).Type().(*types.Slice).Elem())
	switch u := elem.Underlying().(type) {
	case *types.Signature:
		return true
	case *types.Interface:
		_, named := elem.(*types.Named)
		return named && u.NumMethods() > 0
	}
	return false
}

// setFlag returns flags, made n long when nil, with flags[i] set.
func setFlag(flags []bool, n, i int) []bool {
	if flags == nil {
		flags = make([]bool, n)
	}
	flags[i] = true
	return flags
}
