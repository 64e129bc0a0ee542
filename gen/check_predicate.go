package gen

import (
	"go/token"
	"go/types"
)

// checkPredicate checks that if=NAME names a func(error) bool declared in
// the package (the generated code refers to it unqualified).
func (c *checker) checkPredicate(dir string, v Value) {
	want := "declare func " + v.Raw + "(err error) bool in package " + c.pkg.Types.Name()
	sig := c.lookupFunc(v.Pos, dir+" if="+v.Raw, v.Raw, "func(error) bool", want)
	if sig == nil {
		return
	}
	if sig.TypeParams().Len() > 0 || sig.Variadic() || sig.Params().Len() != 1 || sig.Results().Len() != 1 ||
		!types.Identical(sig.Params().At(0).Type(), c.errType) ||
		!types.Identical(sig.Results().At(0).Type(), types.Typ[types.Bool]) {
		c.errorf(v.Pos, "%s if=%s: %s has type %s, not func(error) bool; change its signature to func(err error) bool", dir, v.Raw, v.Raw, types.TypeString(sig, types.RelativeTo(c.pkg.Types)))
	}
}

// lookupFunc returns the signature of the func name declared in the
// package, which a directive names (the generated code refers to it
// unqualified). When there is none, it reports at pos, after prefix, that
// there is no such function or that name is something else, not a notA,
// with want as the fix, and returns nil.
func (c *checker) lookupFunc(pos token.Pos, prefix, name, notA, want string) *types.Signature {
	obj := c.pkg.Types.Scope().Lookup(name)
	if obj == nil {
		c.errorf(pos, "%s: no such function in package %s; %s", prefix, c.pkg.Types.Name(), want)
		return nil
	}
	fn, ok := obj.(*types.Func)
	if !ok {
		c.errorf(pos, "%s: %s is a %s, not a %s; %s", prefix, name, objKind(obj), notA, want)
		return nil
	}
	return fn.Type().(*types.Signature)
}

// objKind names what kind of object o is, for messages.
func objKind(o types.Object) string {
	switch o.(type) {
	case *types.Var:
		return "variable"
	case *types.Const:
		return "constant"
	case *types.TypeName:
		return "type"
	}
	return "declaration"
}
