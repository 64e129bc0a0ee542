package gen

import (
	"fmt"
	"go/types"
	"strings"
)

// checkNameable refuses a method, wrapped or passed through, whose
// signature names a type that the interface's package cannot spell: the
// wrapper repeats the signature, so it would not compile. Such types come
// in through methods promoted from another package's interface: that
// package's unexported types, struct or interface literals with its
// unexported field or method names (a different type when written
// elsewhere), and types of an internal/ package the interface's package may
// not import.
func (c *checker) checkNameable(in *Interface, m *types.Func, src source) {
	sig := m.Type().(*types.Signature)
	subject := in.Name + "." + m.Name()
	where := in.Name
	if src.promoted {
		where = "an interface of your own"
	}
	// //resil:skip is no way out: a method passed through repeats its
	// signature as much as a wrapped one.
	fix := fmt.Sprintf("declare %s in %s with types package %s can name (//resil:skip does not help: a passed-through method spells its types too)", m.Name(), where, c.pkg.Types.Name())
	seen := map[string]bool{}
	report := func(label string, v *types.Var) {
		why := c.unnameable(v.Type(), map[types.Type]bool{})
		if why == "" || seen[why] {
			return
		}
		seen[why] = true
		c.errorf(src.pos, "%s: %s %s; %s", subject, label, why, fix)
	}
	for i := 0; i < sig.Params().Len(); i++ {
		report("parameter "+paramLabel(sig.Params().At(i), i), sig.Params().At(i))
	}
	for i := 0; i < sig.Results().Len(); i++ {
		report(fmt.Sprintf("result %d", i+1), sig.Results().At(i))
	}
}

// unnameable says why t cannot be written in the interface's package, or
// "" when it can. It walks the whole type, as the generated code spells it:
// a named type by its name and type arguments, anything else by its parts.
func (c *checker) unnameable(t types.Type, seen map[types.Type]bool) string {
	if seen[t] {
		return ""
	}
	seen[t] = true
	walk := func(t types.Type) string { return c.unnameable(t, seen) }
	switch t := t.(type) {
	case *types.Alias:
		if why := c.unnameableObj(t.Obj()); why != "" {
			return why
		}
		for i := 0; i < t.TypeArgs().Len(); i++ {
			if why := walk(t.TypeArgs().At(i)); why != "" {
				return why
			}
		}
	case *types.Named:
		if why := c.unnameableObj(t.Obj()); why != "" {
			return why
		}
		for i := 0; i < t.TypeArgs().Len(); i++ {
			if why := walk(t.TypeArgs().At(i)); why != "" {
				return why
			}
		}
	case *types.Pointer:
		return walk(t.Elem())
	case *types.Slice:
		return walk(t.Elem())
	case *types.Array:
		return walk(t.Elem())
	case *types.Chan:
		return walk(t.Elem())
	case *types.Map:
		if why := walk(t.Key()); why != "" {
			return why
		}
		return walk(t.Elem())
	case *types.Signature:
		for _, tup := range []*types.Tuple{t.Params(), t.Results()} {
			for i := 0; i < tup.Len(); i++ {
				if why := walk(tup.At(i).Type()); why != "" {
					return why
				}
			}
		}
	case *types.Struct:
		for i := 0; i < t.NumFields(); i++ {
			f := t.Field(i)
			if !f.Embedded() && !f.Exported() && f.Pkg() != c.pkg.Types {
				return fmt.Sprintf("has field %s, unexported in package %s: the same struct written in package %s is another type", f.Name(), f.Pkg().Path(), c.pkg.Types.Name())
			}
			if why := walk(f.Type()); why != "" {
				return why
			}
		}
	case *types.Interface:
		for i := 0; i < t.NumExplicitMethods(); i++ {
			m := t.ExplicitMethod(i)
			if !m.Exported() && m.Pkg() != c.pkg.Types {
				return fmt.Sprintf("has method %s, unexported in package %s: the same interface written in package %s is another type", m.Name(), m.Pkg().Path(), c.pkg.Types.Name())
			}
			if why := walk(m.Type()); why != "" {
				return why
			}
		}
		for i := 0; i < t.NumEmbeddeds(); i++ {
			if why := walk(t.EmbeddedType(i)); why != "" {
				return why
			}
		}
	case *types.Union:
		for i := 0; i < t.Len(); i++ {
			if why := walk(t.Term(i).Type()); why != "" {
				return why
			}
		}
	}
	return ""
}

// unnameableObj says why the type name obj cannot be written in the
// interface's package, or "" when it can.
func (c *checker) unnameableObj(obj *types.TypeName) string {
	pkg := obj.Pkg()
	if pkg == nil { // error, comparable
		return ""
	}
	if pkg == c.pkg.Types {
		if obj.Parent() != nil && obj.Parent() != pkg.Scope() {
			return fmt.Sprintf("names %s, declared inside a function", obj.Name())
		}
		return ""
	}
	qualified := pkg.Name() + "." + obj.Name()
	switch {
	case !obj.Exported():
		return fmt.Sprintf("names %s, unexported in package %s", qualified, pkg.Path())
	case pkg.Name() == "main":
		return fmt.Sprintf("names %s of package main (%s), which no package can import", qualified, pkg.Path())
	}
	if ok, parent := mayImport(c.pkg.PkgPath, pkg.Path()); !ok {
		if parent == "" {
			return fmt.Sprintf("names %s of %s, which only the standard library may import", qualified, pkg.Path())
		}
		return fmt.Sprintf("names %s of %s, which package %s may not import: an internal/ package is importable only from %s and below", qualified, pkg.Path(), c.pkg.PkgPath, parent)
	}
	return ""
}

// mayImport applies the go command's rule to an import of path from the
// package from: path a/b/internal/c (or a/b/vendor/c) is importable only
// from a/b and below. It returns the tree allowed, "" for the standard
// library's own internal and vendored packages.
func mayImport(from, path string) (ok bool, parent string) {
	parts := strings.Split(path, "/")
	for i := len(parts) - 1; i >= 0; i-- {
		if parts[i] != "internal" && parts[i] != "vendor" {
			continue
		}
		parent = strings.Join(parts[:i], "/")
		if parent == "" {
			// internal/x and vendor/x are the standard library's; resilgen
			// never generates for it.
			return false, ""
		}
		return from == parent || strings.HasPrefix(from, parent+"/"), parent
	}
	return true, ""
}
