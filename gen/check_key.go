package gen

import (
	"go/token"
	"go/types"
	"strings"
)

// resolveKey resolves key=param.Field.Path to a parameter and field path
// whose value is a string, an integer or a fmt.Stringer, or a pointer to
// one. A nil pointer on the way keys the call by its fingerprint.
func (c *checker) resolveKey(subject string, v Value, pos token.Pos, methodLevel bool, sig *types.Signature) *KeyPlan {
	if methodLevel {
		pos = v.Pos
	}
	parts := strings.Split(v.Raw, ".")
	params := sig.Params()
	kp := &KeyPlan{Written: v.Raw, Param: -1}
	var names []string
	for i := 1; i < params.Len(); i++ {
		n := params.At(i).Name()
		if n == "" || n == "_" {
			continue
		}
		names = append(names, n)
		if n == parts[0] {
			kp.Param = i
		}
	}
	if kp.Param < 0 {
		if len(names) == 0 {
			c.errorf(pos, "%s: idempotent key=%s names no parameter; name the method's parameters, or drop key= to hash all arguments", subject, v.Raw)
		} else {
			c.errorf(pos, "%s: idempotent key=%s: no parameter %s%s (parameters: %s)", subject, v.Raw, parts[0], didYouMean(parts[0], names), strings.Join(names, ", "))
		}
		return nil
	}
	cur := params.At(kp.Param).Type()
	for i, field := range parts[1:] {
		obj, index, _ := types.LookupFieldOrMethod(cur, true, c.pkg.Types, field)
		fv, ok := obj.(*types.Var)
		if !ok || !fv.IsField() {
			c.errorf(pos, "%s: idempotent key=%s: %s (type %s) has no field %s; use a field path such as %s.ID", subject, v.Raw, strings.Join(parts[:i+1], "."), c.typeString(cur), field, parts[0])
			return nil
		}
		for _, idx := range index {
			if ptr, ok := types.Unalias(cur).Underlying().(*types.Pointer); ok {
				kp.NilChecks = append(kp.NilChecks, len(kp.Fields))
				cur = ptr.Elem()
			}
			st := types.Unalias(cur).Underlying().(*types.Struct)
			f := st.Field(idx)
			kp.Fields = append(kp.Fields, f.Name())
			cur = f.Type()
		}
	}
	// A path may end at pointers (an AWS ClientToken is a *string): each
	// is checked for nil and dereferenced down to a string or an integer.
	// A pointer to anything else stops here: a pointer Stringer is called
	// as it is, after its own nil check below.
	for {
		ptr, ok := types.Unalias(cur).Underlying().(*types.Pointer)
		if !ok {
			break
		}
		_, toPtr := types.Unalias(ptr.Elem()).Underlying().(*types.Pointer)
		if !toPtr && !isKeyBasic(ptr.Elem()) {
			break
		}
		kp.NilChecks = append(kp.NilChecks, len(kp.Fields))
		kp.Derefs++
		cur = ptr.Elem()
	}
	kp.Type = cur
	if isKeyBasic(cur) {
		b := types.Unalias(cur).Underlying().(*types.Basic)
		switch {
		case b.Info()&types.IsString != 0 && types.Identical(cur, types.Typ[types.String]):
			kp.Conv = keyString
		case b.Info()&types.IsString != 0:
			kp.Conv = keyNamedStr
		case b.Info()&types.IsUnsigned != 0:
			kp.Conv = keyUnsigned
		default:
			kp.Conv = keySigned
		}
		return kp
	}
	if c.implements(cur, c.stringer) {
		kp.Conv = keyStringer
		if _, ok := types.Unalias(cur).Underlying().(*types.Pointer); ok {
			kp.NilChecks = append(kp.NilChecks, len(kp.Fields))
		}
		return kp
	}
	c.errorf(pos, "%s: idempotent key=%s has type %s; a key must be a string, an integer or a fmt.Stringer, or a pointer to one: pick such a field, or add a String() string method", subject, v.Raw, c.typeString(cur))
	return nil
}

// typeString writes t as the package's own code would: its own types bare,
// others by package name.
func (c *checker) typeString(t types.Type) string {
	return types.TypeString(t, func(p *types.Package) string {
		if p == c.pkg.Types {
			return ""
		}
		return p.Name()
	})
}

// isKeyBasic reports whether t is a string or an integer type, named or not.
func isKeyBasic(t types.Type) bool {
	b, ok := types.Unalias(t).Underlying().(*types.Basic)
	return ok && b.Info()&(types.IsString|types.IsInteger) != 0
}
