package gen

import (
	"go/types"
)

// checkPredicate checks that if=NAME names a func(error) bool declared in
// the package (the generated code refers to it unqualified).
func (c *checker) checkPredicate(dir string, v Value) {
	obj := c.pkg.Types.Scope().Lookup(v.Raw)
	want := "declare func " + v.Raw + "(err error) bool in package " + c.pkg.Types.Name()
	if obj == nil {
		c.errorf(v.Pos, "%s if=%s: no such function in package %s; %s", dir, v.Raw, c.pkg.Types.Name(), want)
		return
	}
	fn, ok := obj.(*types.Func)
	if !ok {
		c.errorf(v.Pos, "%s if=%s: %s is a %s, not a func(error) bool; %s", dir, v.Raw, v.Raw, objKind(obj), want)
		return
	}
	sig := fn.Type().(*types.Signature)
	if sig.TypeParams().Len() > 0 || sig.Variadic() || sig.Params().Len() != 1 || sig.Results().Len() != 1 ||
		!types.Identical(sig.Params().At(0).Type(), c.errType) ||
		!types.Identical(sig.Results().At(0).Type(), types.Typ[types.Bool]) {
		c.errorf(v.Pos, "%s if=%s: %s has type %s, not func(error) bool; change its signature to func(err error) bool", dir, v.Raw, v.Raw, types.TypeString(sig, types.RelativeTo(c.pkg.Types)))
	}
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
