package gen

import (
	"bytes"
	"errors"
	"fmt"
	"go/format"
	"go/token"
	"go/types"
	"strconv"
	"strings"

	"github.com/dave/jennifer/jen"
)

// chunkMark separates the package clause and imports of a file jennifer
// rendered from its declarations.
const chunkMark = "//resilgen:chunk"

// typeHolder is the declaration each type is rendered in, as the constraint
// of a type parameter: the one place where every type, a union included,
// can stand.
const typeHolder = "func _[_ "

// planTypes spells every type the file prints, through jennifer (which
// qualifies each named type under the name planImports chose and records
// its import) and go/format, once per distinct type: the types of a large
// package repeat, and each spelling is then a map lookup.
func (e *emitter) planTypes(plans []*Plan) error {
	e.typeText = map[types.Type]string{}
	var distinct []types.Type
	index := map[string]int{}    // by spelling
	slot := map[types.Type]int{} // into distinct
	add := func(t types.Type) {
		if _, ok := slot[t]; ok {
			return
		}
		// go/types makes a new *types.Pointer (and Slice, Map...) for
		// every occurrence in the source, so the types are told apart by
		// spelling, with full package paths.
		key := types.TypeString(t, (*types.Package).Path)
		i, ok := index[key]
		if !ok {
			i = len(distinct)
			index[key] = i
			distinct = append(distinct, t)
		}
		slot[t] = i
	}
	for _, p := range plans {
		tps := p.Named.TypeParams()
		for i := 0; i < tps.Len(); i++ {
			add(tps.At(i).Constraint())
		}
		for _, m := range p.Methods {
			params := m.Sig.Params()
			for i := 0; i < params.Len(); i++ {
				t := params.At(i).Type()
				if m.Sig.Variadic() && i == params.Len()-1 {
					t = t.(*types.Slice).Elem()
				}
				add(t)
			}
			for i := 0; i < m.Sig.Results().Len(); i++ {
				add(m.Sig.Results().At(i).Type())
			}
		}
	}
	if len(distinct) == 0 {
		return nil
	}

	f := e.jenFile()
	f.Comment(chunkMark)
	for _, t := range distinct {
		f.Func().Id("_").Types(jen.Id("_").Add(e.typ(t))).Params()
	}
	var buf bytes.Buffer
	if err := f.Render(&buf); err != nil {
		return err
	}
	head, decls, ok := bytes.Cut(buf.Bytes(), []byte(chunkMark+"\n"))
	if !ok {
		return errors.New("lost the chunk mark")
	}
	e.typeImports = importSpecs(head)
	formatted, err := format.Source(decls)
	if err != nil {
		return err
	}
	texts := strings.Split(string(formatted), typeHolder)
	if len(texts) != len(distinct)+1 {
		return fmt.Errorf("rendered %d types, want %d", len(texts)-1, len(distinct))
	}
	spelled := make([]string, len(distinct))
	for i, s := range texts[1:] {
		s = strings.TrimSuffix(strings.TrimRight(s, "\n"), "]()")
		spelled[i] = strings.TrimSuffix(s, ",")
		if strings.Contains(s, "\n") {
			e.reformat = true
		}
	}
	for t, i := range slot {
		e.typeText[t] = spelled[i]
	}
	return nil
}

// jenFile is an empty, unformatted jennifer file of the package that
// imports every package under the name planImports chose.
func (e *emitter) jenFile() *jen.File {
	f := jen.NewFilePathName(e.pkg.Path(), e.pkg.Name())
	f.NoFormat = true
	for path, in := range e.imports {
		if in.alias {
			f.ImportAlias(path, in.name)
		} else {
			f.ImportName(path, in.name)
		}
	}
	return f
}

// importSpecs returns the import specs, as jennifer writes them, of the
// packages of paths.
func (e *emitter) importSpecs(paths []string) ([]string, error) {
	if len(paths) == 0 {
		return nil, nil
	}
	f := e.jenFile()
	for _, path := range paths {
		f.Var().Id("_").Op("=").Qual(path, "X")
	}
	var buf bytes.Buffer
	if err := f.Render(&buf); err != nil {
		return nil, err
	}
	return importSpecs(buf.Bytes()), nil
}

// importSpecs returns the import specs (`name "path"` or `"path"`) of the
// unformatted package clause and imports jennifer rendered.
func importSpecs(head []byte) []string {
	var specs []string
	inBlock := false
	for _, line := range strings.Split(string(head), "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "import (":
			inBlock = true
		case inBlock && line == ")":
			inBlock = false
		case inBlock && line != "":
			specs = append(specs, line)
		case strings.HasPrefix(line, "import "):
			specs = append(specs, strings.TrimPrefix(line, "import "))
		}
	}
	return specs
}

// planImports names every package the file may import so that no import
// clashes with a declaration of the package, a type parameter or another
// import, and records those names as taken for locals and parameters.
func (e *emitter) planImports(plans []*Plan) {
	for _, name := range e.pkg.Scope().Names() {
		e.taken[name] = true
	}
	paths := map[string]string{}
	for p, n := range fixedImports {
		paths[p] = n
	}
	seen := map[types.Type]bool{}
	add := func(t types.Type) { collectPackages(t, paths, seen) }
	for _, p := range plans {
		e.taken["Resilient"+p.Name] = true
		e.taken["NewResilient"+p.Name] = true
		tps := p.Named.TypeParams()
		for i := 0; i < tps.Len(); i++ {
			e.taken[tps.At(i).Obj().Name()] = true
			add(tps.At(i).Constraint())
		}
		for _, m := range p.Methods {
			add(m.Sig)
		}
	}
	delete(paths, e.pkg.Path())
	sorted := sortedKeys(paths)
	used := map[string]bool{}
	for _, path := range sorted {
		want := paths[path]
		name := want
		for i := 1; e.taken[name] || used[name] || predeclared(name) || jen.IsReservedWord(name) || !isIdent(name); i++ {
			name = want + strconv.Itoa(i)
		}
		used[name] = true
		e.imports[path] = importName{name: name, alias: name != want}
	}
	for name := range used {
		e.taken[name] = true
	}
}

// importName is the name a package is imported under, and whether that
// name is an alias (differs from the package's own name).
type importName struct {
	name  string
	alias bool
}

// collectPackages records the package of every named type in t.
func collectPackages(t types.Type, paths map[string]string, seen map[types.Type]bool) {
	if seen[t] {
		return
	}
	seen[t] = true
	rec := func(t types.Type) { collectPackages(t, paths, seen) }
	switch t := t.(type) {
	case *types.Alias:
		if pkg := t.Obj().Pkg(); pkg != nil {
			paths[pkg.Path()] = pkg.Name()
		}
		for i := 0; i < t.TypeArgs().Len(); i++ {
			rec(t.TypeArgs().At(i))
		}
	case *types.Named:
		if pkg := t.Obj().Pkg(); pkg != nil {
			paths[pkg.Path()] = pkg.Name()
		}
		for i := 0; i < t.TypeArgs().Len(); i++ {
			rec(t.TypeArgs().At(i))
		}
	case *types.Basic:
		if t.Kind() == types.UnsafePointer {
			paths["unsafe"] = "unsafe"
		}
	case *types.Pointer:
		rec(t.Elem())
	case *types.Slice:
		rec(t.Elem())
	case *types.Array:
		rec(t.Elem())
	case *types.Map:
		rec(t.Key())
		rec(t.Elem())
	case *types.Chan:
		rec(t.Elem())
	case *types.Signature:
		for i := 0; i < t.Params().Len(); i++ {
			rec(t.Params().At(i).Type())
		}
		for i := 0; i < t.Results().Len(); i++ {
			rec(t.Results().At(i).Type())
		}
	case *types.Struct:
		for i := 0; i < t.NumFields(); i++ {
			rec(t.Field(i).Type())
		}
	case *types.Interface:
		for i := 0; i < t.NumExplicitMethods(); i++ {
			rec(t.ExplicitMethod(i).Type())
		}
		for i := 0; i < t.NumEmbeddeds(); i++ {
			rec(t.EmbeddedType(i))
		}
	case *types.Union:
		for i := 0; i < t.Len(); i++ {
			rec(t.Term(i).Type())
		}
	}
}

// typ renders t, qualifying every named type through jennifer so that the
// file imports what it uses under the names planImports chose.
func (e *emitter) typ(t types.Type) jen.Code {
	switch t := t.(type) {
	case *types.Alias:
		obj := t.Obj()
		if obj.Pkg() == nil {
			return jen.Id(obj.Name())
		}
		return e.typeArgs(jen.Qual(obj.Pkg().Path(), obj.Name()), t.TypeArgs())
	case *types.Named:
		obj := t.Obj()
		if obj.Pkg() == nil {
			return jen.Id(obj.Name()) // error, comparable
		}
		return e.typeArgs(jen.Qual(obj.Pkg().Path(), obj.Name()), t.TypeArgs())
	case *types.TypeParam:
		return jen.Id(t.Obj().Name())
	case *types.Basic:
		if t.Kind() == types.UnsafePointer {
			return jen.Qual("unsafe", "Pointer")
		}
		return jen.Id(t.Name())
	case *types.Pointer:
		return jen.Op("*").Add(e.typ(t.Elem()))
	case *types.Slice:
		return jen.Index().Add(e.typ(t.Elem()))
	case *types.Array:
		return jen.Index(jen.Lit(int(t.Len()))).Add(e.typ(t.Elem()))
	case *types.Map:
		return jen.Map(e.typ(t.Key())).Add(e.typ(t.Elem()))
	case *types.Chan:
		switch t.Dir() {
		case types.SendOnly:
			return jen.Chan().Op("<-").Add(e.typ(t.Elem()))
		case types.RecvOnly:
			return jen.Op("<-").Chan().Add(e.typ(t.Elem()))
		}
		return jen.Chan().Add(e.typ(t.Elem()))
	case *types.Signature:
		return jen.Func().Add(e.signature(t, nil))
	case *types.Struct:
		return jen.StructFunc(func(g *jen.Group) {
			for i := 0; i < t.NumFields(); i++ {
				f := t.Field(i)
				s := g.Null()
				if !f.Embedded() {
					s.Id(f.Name())
				}
				s.Add(e.typ(f.Type()))
				if tag := t.Tag(i); tag != "" {
					s.Op(strconv.Quote(tag))
				}
			}
		})
	case *types.Interface:
		if t.IsImplicit() && t.NumEmbeddeds() == 1 {
			return e.typ(t.EmbeddedType(0)) // [T ~int | ~string]
		}
		return jen.InterfaceFunc(func(g *jen.Group) {
			for i := 0; i < t.NumEmbeddeds(); i++ {
				g.Add(e.typ(t.EmbeddedType(i)))
			}
			for i := 0; i < t.NumExplicitMethods(); i++ {
				m := t.ExplicitMethod(i)
				g.Id(m.Name()).Add(e.signature(m.Type().(*types.Signature), nil))
			}
		})
	case *types.Union:
		terms := make([]jen.Code, t.Len())
		for i := 0; i < t.Len(); i++ {
			term := t.Term(i)
			if term.Tilde() {
				terms[i] = jen.Op("~").Add(e.typ(term.Type()))
			} else {
				terms[i] = e.typ(term.Type())
			}
		}
		return jen.Union(terms...)
	}
	// A type go/types has and this switch does not: fail loudly in the
	// output rather than silently emit something else.
	return jen.Id(fmt.Sprintf("/* unsupported type %s */", t))
}

// typeArgs appends [A, B] to s when args are present.
func (e *emitter) typeArgs(s *jen.Statement, args *types.TypeList) jen.Code {
	if args.Len() == 0 {
		return s
	}
	codes := make([]jen.Code, args.Len())
	for i := range codes {
		codes[i] = e.typ(args.At(i))
	}
	return s.Types(codes...)
}

// signature renders (params) results; names, when not nil, names the
// parameters.
func (e *emitter) signature(sig *types.Signature, names []string) *jen.Statement {
	params := make([]jen.Code, sig.Params().Len())
	for i := range params {
		t := sig.Params().At(i).Type()
		var c jen.Code
		if sig.Variadic() && i == len(params)-1 {
			c = jen.Op("...").Add(e.typ(t.(*types.Slice).Elem()))
		} else {
			c = e.typ(t)
		}
		if names != nil {
			c = jen.Id(names[i]).Add(c)
		}
		params[i] = c
	}
	s := jen.Params(params...)
	res := sig.Results()
	switch res.Len() {
	case 0:
	case 1:
		s.Add(e.typ(res.At(0).Type()))
	default:
		out := make([]jen.Code, res.Len())
		for i := range out {
			out[i] = e.typ(res.At(i).Type())
		}
		s.Params(out...)
	}
	return s
}

// names allocates identifiers that clash neither with what generated code
// refers to (shared, read only) nor with each other (local).
type names struct {
	shared map[string]bool
	taken  map[string]bool
}

// newNames starts a scope inside the file's. The file's names are shared,
// not copied: a package of thousands of methods would copy them thousands
// of times.
func (e *emitter) newNames() *names {
	return &names{shared: e.taken, taken: make(map[string]bool, 8)}
}

// get returns want, or want with a number appended, unused so far.
func (n *names) get(want string) string {
	name := want
	for i := 1; n.taken[name] || n.shared[name] || predeclared(name) || !isIdent(name); i++ {
		name = want + strconv.Itoa(i)
	}
	n.taken[name] = true
	return name
}

// predeclared reports whether name is a keyword or one of Go's predeclared
// identifiers (types.Universe: any, error, string, nil, len, min...).
// Generated code refers to them (`[]any{...}`, `var err error`,
// `string(x)`, `x == nil`), so a local or an import of that name would
// shadow what it means. jen.IsReservedWord misses any and comparable
// (and reserves err, which the names beside it keep for the error).
func predeclared(name string) bool {
	return token.IsKeyword(name) || types.Universe.Lookup(name) != nil
}
