package gen

import (
	"bytes"
	"errors"
	"fmt"
	"go/format"
	"go/types"
	goruntime "runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/dave/jennifer/jen"
)

// runtimePath is the package generated code calls.
const runtimePath = "github.com/resilgen/resilgen/runtime"

// fixedImports are the packages generated code may use besides those of the
// wrapped signatures, with their names.
var fixedImports = map[string]string{
	runtimePath: "runtime",
	"context":   "context",
	"time":      "time",
	"errors":    "errors",
	"strconv":   "strconv",
}

// emitter renders the wrappers of one package into one file.
//
// The file is written as text that is already gofmt'd, rather than built as
// a jennifer tree and run through go/format: formatting was the largest cost
// after loading (go/printer parses the whole file and prints every
// multi-line argument twice), and building the tree the next one. What the
// text cannot get right by construction goes through jennifer and go/format
// once per distinct type: the spelling of every type of a wrapped signature
// (qualified under the names planImports chose, so imports come out right)
// and the import specs. The golden tests check that format.Source leaves
// the output unchanged.
type emitter struct {
	pkg *types.Package
	// imports are the names planImports chose, by path.
	imports map[string]importName
	// taken are the names a local or parameter of generated code must not
	// take, because generated code refers to them: the file's import names,
	// the package's own declarations and the type parameters.
	taken map[string]bool
	// typeText is the gofmt'd spelling of each type the file prints, which
	// planTypes fills before any writing; writers only read it.
	typeText map[types.Type]string
	// typeImports are the import specs the types need.
	typeImports []string
	// reformat says some type spells over several lines (an inline struct
	// or interface), whose layout depends on where it sits: then the file
	// goes through format.Source once instead of being trusted.
	reformat bool
}

// Emit renders the wrappers of plans, all from package pkg, as one
// gofmt'd file starting with header. It makes no refusals: Check did.
func Emit(pkg *types.Package, plans []*Plan, header string) ([]byte, error) {
	return emit(pkg, plans, header, 0)
}

// emit is Emit with the number of groups to write in parallel; 0 picks it
// from the size of the work and the CPUs.
func emit(pkg *types.Package, plans []*Plan, header string, groups int) ([]byte, error) {
	e := &emitter{pkg: pkg, taken: map[string]bool{}, imports: map[string]importName{}}
	e.planImports(plans)
	if err := e.planTypes(plans); err != nil {
		return nil, fmt.Errorf("rendering the types of %s: %w", pkg.Path(), err)
	}

	// One package would keep one CPU busy while the others idle, so large
	// ones are cut into groups of interfaces, each written into a buffer of
	// its own, and joined in order. Top-level declarations are laid out
	// independently of each other, so the bytes do not depend on the cut.
	workers := goruntime.GOMAXPROCS(0)
	methods := 0
	for _, p := range plans {
		methods += len(p.Methods)
	}
	if groups <= 0 {
		groups = 1
		if methods >= 256 { // below that, goroutines cost more than they save
			groups = 2 * workers
		}
	}
	groups = max(1, min(groups, len(plans)))
	type result struct {
		uses map[string]bool
		body []byte
	}
	results := make([]result, groups)
	var wg sync.WaitGroup
	sem := make(chan struct{}, workers)
	for g := range groups {
		lo, hi := g*len(plans)/groups, (g+1)*len(plans)/groups
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			w := &writer{e: e, uses: map[string]bool{}}
			w.buf.Grow((hi - lo) * 8 << 10) // ~180 lines of ~40 bytes an interface
			for i, p := range plans[lo:hi] {
				if i > 0 {
					w.buf.WriteByte('\n')
				}
				w.wrapper(p)
			}
			results[g] = result{uses: w.uses, body: w.buf.Bytes()}
		}()
	}
	wg.Wait()

	uses := map[string]bool{}
	size := 0
	for _, r := range results {
		for path := range r.uses {
			uses[path] = true
		}
		size += len(r.body) + 1
	}
	fixed, err := e.importSpecs(sortedKeys(uses))
	if err != nil {
		return nil, fmt.Errorf("naming the imports of %s: %w", pkg.Path(), err)
	}
	specs := slices.Concat(e.typeImports, fixed)
	slices.Sort(specs)
	var head bytes.Buffer
	fmt.Fprintf(&head, "// %s\n\npackage %s\n\nimport (\n", header, pkg.Name())
	for _, line := range slices.Compact(specs) {
		fmt.Fprintf(&head, "\t%s\n", line)
	}
	head.WriteString(")\n")
	// gofmt sorts the imports by path and drops the parentheses around a
	// single one: a few lines, so go/format does it.
	fmtHead, err := format.Source(head.Bytes())
	if err != nil {
		return nil, fmt.Errorf("formatting the imports of %s: %w", pkg.Path(), err)
	}
	out := make([]byte, 0, len(fmtHead)+size)
	out = append(out, fmtHead...)
	for _, r := range results {
		out = append(out, '\n')
		out = append(out, r.body...)
	}
	if e.reformat {
		if out, err = format.Source(out); err != nil {
			return nil, fmt.Errorf("formatting the wrappers of %s: %w", pkg.Path(), err)
		}
	}
	return out, nil
}

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
		for i := 1; e.taken[name] || used[name] || jen.IsReservedWord(name) || !isIdent(name); i++ {
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
	// Predeclared names are avoided too: generated code converts with
	// string(...) and int64(...). "err" is jennifer's "common variable",
	// which is exactly what we want it for.
	for i := 1; n.taken[name] || n.shared[name] || jen.IsReservedWord(name) && name != "err" || !isIdent(name); i++ {
		name = want + strconv.Itoa(i)
	}
	n.taken[name] = true
	return name
}

// writer writes the wrappers of some plans as gofmt'd text: tabs for
// indentation, and the alignment gofmt gives struct fields and the keys of
// composite literals (see literal).
type writer struct {
	e   *emitter
	buf bytes.Buffer
	// uses are the fixedImports the text refers to.
	uses map[string]bool
}

// qual spells the exported name of the package at path as the file refers
// to it, and notes that the file imports it.
func (w *writer) qual(path, name string) string {
	if path == w.e.pkg.Path() {
		return name
	}
	w.uses[path] = true
	return w.e.imports[path].name + "." + name
}

// typ spells t, from planTypes.
func (w *writer) typ(t types.Type) string {
	s, ok := w.e.typeText[t]
	if !ok {
		// planTypes walks what the writers print; a miss is a bug of
		// ours, made loud in the output rather than silent.
		return fmt.Sprintf("/* unplanned type %s */", t)
	}
	return s
}

// str writes the strings in order.
func (w *writer) str(parts ...string) {
	for _, s := range parts {
		w.buf.WriteString(s)
	}
}

// wrapper writes the struct, constructor, assertion and methods of one plan.
func (w *writer) wrapper(p *Plan) {
	typeName := "Resilient" + p.Name
	tps := p.Named.TypeParams()
	var decl, inst string // [T any], [T]
	if tps.Len() > 0 {
		d, in := make([]string, tps.Len()), make([]string, tps.Len())
		for i := range d {
			tp := tps.At(i)
			d[i] = tp.Obj().Name() + " " + w.typ(tp.Constraint())
			in[i] = tp.Obj().Name()
		}
		decl, inst = "["+strings.Join(d, ", ")+"]", "["+strings.Join(in, ", ")+"]"
	}
	iface := w.qual(w.e.pkg.Path(), p.Name) + inst
	self := typeName + inst

	// Field names: next, then one per wrapped method. A struct's fields and
	// methods share a namespace, so the method names are taken too.
	fields := &names{taken: map[string]bool{}}
	for _, m := range p.Methods {
		fields.taken[m.Name] = true
	}
	nextField := fields.get("next")
	methodField := map[*MethodPlan]string{}
	rows := [][2]string{{nextField, iface}}
	method := "*" + w.qual(runtimePath, "Method")
	for _, m := range p.Methods {
		if m.Wrapped() {
			methodField[m] = fields.get(lowerFirst(m.Name))
			rows = append(rows, [2]string{methodField[m], method})
		}
	}

	w.str("// ", typeName, " wraps a ", p.Name, " with the resilience policies of its\n")
	w.str("// directives. It is safe for concurrent use when the wrapped ", p.Name, " is.\n")
	w.str("type ", typeName, decl, " struct {\n")
	// gofmt aligns the types of consecutive one-line fields, in runes.
	width := 0
	for _, r := range rows {
		width = max(width, utf8.RuneCountInString(r[0]))
	}
	for _, r := range rows {
		w.str("\t", r[0], spaces(width-utf8.RuneCountInString(r[0])+1), r[1], "\n")
	}
	w.str("}\n\n")
	w.constructor(p, typeName, decl, iface, self, nextField, methodField)
	if decl == "" {
		w.str("\nvar _ ", iface, " = (*", self, ")(nil)\n")
	}
	for _, m := range p.Methods {
		w.buf.WriteByte('\n')
		w.method(p, m, self, nextField, methodField[m])
	}
}

// spaces returns n spaces.
func spaces(n int) string {
	const s = "                                                                "
	if n <= len(s) {
		return s[:n]
	}
	return strings.Repeat(" ", n)
}

// constructor writes NewResilientX: it builds every policy once, so that no
// call builds anything.
func (w *writer) constructor(p *Plan, typeName, decl, iface, self, nextField string, methodField map[*MethodPlan]string) {
	n := w.e.newNames()
	next, opts := n.get("next"), n.get("opts")
	ctor := "NewResilient" + p.Name
	w.str("// ", ctor, " returns a ", typeName, " that calls next through the policies\n")
	w.str("// of ", p.Name, "'s directives, built once, here. opts configure the runtime they\n")
	w.str("// share: store, clock, observer.\n")
	w.str("func ", ctor, decl, "(", next, " ", iface, ", ", opts, " ...", w.qual(runtimePath, "Option"), ") *", self, " {\n")
	if decl != "" {
		// A generic wrapper cannot be asserted at package level without
		// picking type arguments; inside its constructor it can.
		w.str("\tvar _ ", iface, " = (*", self, ")(nil)\n")
	}
	wrapped := len(methodField) > 0
	rt := n.get("rt")
	if wrapped {
		w.str("\t", rt, " := ", w.qual(runtimePath, "New"), "(", opts, "...)\n")
	}
	breakerVar := map[*BreakerPlan]string{}
	bulkheadVar := map[*BulkheadPlan]string{}
	if p.Breaker != nil {
		breakerVar[p.Breaker] = n.get("breaker")
		w.breaker(rt, breakerVar[p.Breaker], p.Breaker)
	}
	if p.Bulkhead != nil {
		bulkheadVar[p.Bulkhead] = n.get("bulkhead")
		w.bulkhead(rt, bulkheadVar[p.Bulkhead], p.Bulkhead)
	}
	for _, m := range p.Methods {
		if m.OwnBulkhead {
			bulkheadVar[m.Bulkhead] = n.get(methodField[m] + "Bulkhead")
			w.bulkhead(rt, bulkheadVar[m.Bulkhead], m.Bulkhead)
		}
		if m.OwnBreaker {
			breakerVar[m.Breaker] = n.get(methodField[m] + "Breaker")
			w.breaker(rt, breakerVar[m.Breaker], m.Breaker)
		}
	}
	// A retry or idempotency setting that several methods share (most
	// often the type's) is built once and shared, so that a reader sees it
	// once and the file stays short.
	shared := sharedConfigs{retry: map[RetryPlan]string{}, idem: map[idemSettings]string{}}
	retryUses, idemUses := map[RetryPlan]int{}, map[idemSettings]int{}
	for _, m := range p.Methods {
		if _, ok := methodField[m]; !ok {
			continue
		}
		if m.Retry != nil {
			retryUses[*m.Retry]++
		}
		if m.Idempotent != nil {
			idemUses[idemSettings{m.Idempotent.TTL, m.Idempotent.Lease}]++
		}
	}
	for _, m := range p.Methods {
		if _, ok := methodField[m]; !ok {
			continue
		}
		if r := m.Retry; r != nil && retryUses[*r] > 1 && shared.retry[*r] == "" {
			shared.retry[*r] = n.get("retry")
			w.str("\t", shared.retry[*r], " := ")
			w.literal(1, w.retry(r))
			w.buf.WriteByte('\n')
		}
		if ip := m.Idempotent; ip != nil {
			k := idemSettings{ip.TTL, ip.Lease}
			if idemUses[k] > 1 && shared.idem[k] == "" {
				shared.idem[k] = n.get("idempotency")
				w.str("\t", shared.idem[k], " := ", w.idempotency(ip), "\n")
			}
		}
	}

	// The methods are set one statement each rather than inside one big
	// composite literal, which reads better and keeps each line short.
	v := n.get("w")
	w.str("\t", v, " := &", self, "{", nextField, ": ", next, "}\n")
	for _, m := range p.Methods {
		if f, ok := methodField[m]; ok {
			w.str("\t", v, ".", f, " = ", rt, ".NewMethod(")
			w.literal(1, w.methodConfig(p, m, breakerVar[m.Breaker], bulkheadVar[m.Bulkhead], shared))
			w.str(")\n")
		}
	}
	w.str("\treturn ", v, "\n}\n")
}

// breaker writes `v := rt.NewBreaker(name, runtime.BreakerConfig{...})`.
func (w *writer) breaker(rt, v string, b *BreakerPlan) {
	fields := []kv{
		{key: "Threshold", val: strconv.Itoa(b.Threshold)},
		{key: "Window", val: w.duration(b.Window)},
		{key: "Timeout", val: w.duration(b.Timeout)},
		{key: "HalfOpen", val: strconv.Itoa(b.HalfOpen)},
	}
	if b.If != "" {
		fields = append(fields, kv{key: "IsFailure", val: w.qual(w.e.pkg.Path(), b.If)})
	}
	w.str("\t", v, " := ", rt, ".NewBreaker(", strconv.Quote(b.Name), ", ")
	w.literal(1, &lit{typ: w.qual(runtimePath, "BreakerConfig"), fields: fields})
	w.str(")\n")
}

// bulkhead writes `v := rt.NewBulkhead(name, runtime.BulkheadConfig{...})`.
func (w *writer) bulkhead(rt, v string, b *BulkheadPlan) {
	w.str("\t", v, " := ", rt, ".NewBulkhead(", strconv.Quote(b.Name), ", ")
	w.literal(1, &lit{typ: w.qual(runtimePath, "BulkheadConfig"), fields: []kv{
		{key: "Max", val: strconv.Itoa(b.Max)},
		{key: "Wait", val: w.duration(b.Wait)},
	}})
	w.str(")\n")
}

// retry is &runtime.RetryConfig{...}.
func (w *writer) retry(r *RetryPlan) *lit {
	jitter := map[string]string{"full": "JitterFull", "equal": "JitterEqual", "decorrelated": "JitterDecorrelated", "none": "JitterNone"}[r.Jitter]
	fields := []kv{
		{key: "Attempts", val: strconv.Itoa(r.Attempts)},
		{key: "Base", val: w.duration(r.Base)},
		{key: "Max", val: w.duration(r.Max)},
		{key: "Jitter", val: w.qual(runtimePath, jitter)},
	}
	if r.If != "" {
		fields = append(fields, kv{key: "If", val: w.qual(w.e.pkg.Path(), r.If)})
	}
	return &lit{typ: "&" + w.qual(runtimePath, "RetryConfig"), fields: fields}
}

// idempotency spells &runtime.IdempotencyConfig{...}, on one line.
func (w *writer) idempotency(ip *IdempotencyPlan) string {
	return "&" + w.qual(runtimePath, "IdempotencyConfig") + "{TTL: " + w.duration(ip.TTL) + ", Lease: " + w.duration(ip.Lease) + "}"
}

// methodConfig is runtime.MethodConfig{...}, one field per policy layer
// the method has.
func (w *writer) methodConfig(p *Plan, m *MethodPlan, breaker, bulkhead string, shared sharedConfigs) *lit {
	fields := []kv{
		{key: "Interface", val: strconv.Quote(p.Name)},
		{key: "Name", val: strconv.Quote(m.Name)},
	}
	if m.Bulkhead != nil {
		fields = append(fields, kv{key: "Bulkhead", val: bulkhead})
	}
	if m.Breaker != nil {
		fields = append(fields, kv{key: "Breaker", val: breaker})
	}
	if m.Retry != nil {
		if v := shared.retry[*m.Retry]; v != "" {
			fields = append(fields, kv{key: "Retry", val: v})
		} else {
			fields = append(fields, kv{key: "Retry", sub: w.retry(m.Retry)})
		}
	}
	if m.Timeout > 0 {
		fields = append(fields, kv{key: "Timeout", val: w.duration(m.Timeout)})
	}
	if m.Idempotent != nil {
		v := shared.idem[idemSettings{m.Idempotent.TTL, m.Idempotent.Lease}]
		if v == "" {
			v = w.idempotency(m.Idempotent)
		}
		fields = append(fields, kv{key: "Idempotent", val: v})
	}
	if m.Step != "" {
		fields = append(fields, kv{key: "Step", val: strconv.Quote(m.Step)})
	}
	return &lit{typ: w.qual(runtimePath, "MethodConfig"), fields: fields}
}

// idemSettings are the settings of an IdempotencyConfig (a plan's key is
// the method's own business).
type idemSettings struct {
	ttl, lease time.Duration
}

// sharedConfigs name the constructor's locals holding settings that several
// methods share.
type sharedConfigs struct {
	retry map[RetryPlan]string
	idem  map[idemSettings]string
}

// lit is a composite literal written one field a line.
type lit struct {
	typ    string
	fields []kv
}

// kv is one field of a composite literal: a one-line value, or sub, a
// literal of its own lines.
type kv struct {
	key, val string
	sub      *lit
}

// literal writes l as gofmt lays it out when its closing brace is indented
// depth tabs: the values of consecutive one-line fields start in one
// column, one space after the longest key's colon; a field that spans lines
// stands alone, its value one space after its colon, and breaks the column
// (go/printer's exprList ends an alignment section around it).
func (w *writer) literal(depth int, l *lit) {
	w.str(l.typ, "{\n")
	indent := strings.Repeat("\t", depth+1)
	for i := 0; i < len(l.fields); {
		if f := l.fields[i]; f.sub != nil {
			w.str(indent, f.key, ": ")
			w.literal(depth+1, f.sub)
			w.str(",\n")
			i++
			continue
		}
		j, width := i, 0
		for ; j < len(l.fields) && l.fields[j].sub == nil; j++ {
			width = max(width, len(l.fields[j].key))
		}
		for ; i < j; i++ {
			f := l.fields[i]
			w.str(indent, f.key, ":", spaces(width-len(f.key)+1), f.val, ",\n")
		}
	}
	w.str(indent[:depth], "}")
}

// duration spells d as a constant expression of package time, such as
// 2 * time.Minute.
func (w *writer) duration(d time.Duration) string {
	if d == 0 {
		return "0"
	}
	units := []struct {
		d    time.Duration
		name string
	}{
		{time.Hour, "Hour"}, {time.Minute, "Minute"}, {time.Second, "Second"},
		{time.Millisecond, "Millisecond"}, {time.Microsecond, "Microsecond"}, {time.Nanosecond, "Nanosecond"},
	}
	for _, u := range units {
		if d%u.d == 0 {
			if d == u.d {
				return w.qual("time", u.name)
			}
			return strconv.FormatInt(int64(d/u.d), 10) + " * " + w.qual("time", u.name)
		}
	}
	panic("unreachable: every duration is a whole number of nanoseconds")
}

// lowerFirst lowers the first letter: Charge -> charge.
func lowerFirst(s string) string {
	r, size := utf8.DecodeRuneInString(s)
	return string(unicode.ToLower(r)) + s[size:]
}

// method writes one method of the wrapper: a pass-through, or a call
// through the method's runtime.Method.
func (w *writer) method(p *Plan, m *MethodPlan, self, nextField, field string) {
	n := w.e.newNames()
	recv := n.get("w")
	wrapped := m.Wrapped()
	var ctx, errName, callName string
	if wrapped {
		ctx, errName, callName = n.get("ctx"), n.get("err"), n.get("call")
	}
	params := m.Sig.Params()
	pnames := make([]string, params.Len())
	for i := range pnames {
		if i == 0 && m.HasCtx && wrapped {
			pnames[i] = ctx
			continue
		}
		want := params.At(i).Name()
		if want == "" || want == "_" {
			want = "arg" + strconv.Itoa(i)
		}
		pnames[i] = n.get(want)
	}
	res := m.Sig.Results()
	nres := res.Len()
	if wrapped {
		nres-- // the error
	}
	rnames := make([]string, nres)
	for i := range rnames {
		rnames[i] = n.get("r" + strconv.Itoa(i))
	}
	// The call to the wrapped method; pnames[0] is the attempt's ctx.
	var call strings.Builder
	call.WriteString(recv + "." + nextField + "." + m.Name + "(")
	for i, name := range pnames {
		if i > 0 {
			call.WriteString(", ")
		}
		call.WriteString(name)
		if m.Sig.Variadic() && i == len(pnames)-1 {
			call.WriteString("...")
		}
	}
	call.WriteString(")")

	if wrapped {
		w.str("// ", m.Name, " calls the wrapped ", p.Name, "'s ", m.Name, " through its policies.\n")
	} else {
		w.str("// ", m.Name, " calls the wrapped ", p.Name, "'s ", m.Name, " directly: it has no policies.\n")
	}
	w.str("func (", recv, " *", self, ") ", m.Name)
	w.signature(m.Sig, pnames)
	w.str(" {\n")
	switch {
	case !wrapped && res.Len() == 0:
		w.str("\t", call.String(), "\n")
	case !wrapped:
		w.str("\treturn ", call.String(), "\n")
	default:
		w.wrappedBody(p, m, recv, field, ctx, errName, callName, pnames, rnames, call.String())
	}
	w.str("}\n")
}

// signature writes (params) results, the parameters named names.
func (w *writer) signature(sig *types.Signature, names []string) {
	params := sig.Params()
	w.buf.WriteByte('(')
	for i := 0; i < params.Len(); i++ {
		if i > 0 {
			w.str(", ")
		}
		w.str(names[i], " ")
		if sig.Variadic() && i == params.Len()-1 {
			w.str("...", w.typ(params.At(i).Type().(*types.Slice).Elem()))
		} else {
			w.str(w.typ(params.At(i).Type()))
		}
	}
	w.buf.WriteByte(')')
	res := sig.Results()
	switch res.Len() {
	case 0:
	case 1:
		w.str(" ", w.typ(res.At(0).Type()))
	default:
		w.str(" (")
		for i := 0; i < res.Len(); i++ {
			if i > 0 {
				w.str(", ")
			}
			w.str(w.typ(res.At(i).Type()))
		}
		w.str(")")
	}
}

// wrappedBody writes the body of a method with policies: declare the
// results, compute the key, run the call through Do or DoRecorded, return.
func (w *writer) wrappedBody(p *Plan, m *MethodPlan, recv, field, ctx, errName, callName string, pnames, rnames []string, call string) {
	res := m.Sig.Results()
	for i, r := range rnames {
		w.str("\tvar ", r, " ", w.typ(res.At(i).Type()), "\n")
	}
	// returns spells `return r0, ..., last`.
	returns := func(last string) string {
		if len(rnames) == 0 {
			return "return " + last
		}
		return "return " + strings.Join(rnames, ", ") + ", " + last
	}

	// The attempt: the closure the runtime calls once per attempt. Without
	// a ctx parameter the attempt's ctx has nowhere to go.
	attemptParam := ctx + " " + w.qual("context", "Context")
	callerCtx := ctx
	if !m.HasCtx {
		attemptParam = w.qual("context", "Context")
		callerCtx = w.qual("context", "Background") + "()"
	}
	attempt := func() {
		w.str("\t", callName, " := func(", attemptParam, ") error {\n")
		if len(rnames) == 0 {
			w.str("\t\treturn ", call, "\n")
		} else {
			w.str("\t\tvar ", errName, " error\n")
			w.str("\t\t", strings.Join(rnames, ", "), ", ", errName, " = ", call, "\n")
			w.str("\t\treturn ", errName, "\n")
		}
		w.str("\t}\n")
	}

	// The attempt gets a name of its own rather than being written inside
	// the call: it reads better with the call on one line.
	var run string
	if m.Recorded() {
		key := w.key(p, m, pnames, returns)
		attempt()
		run = recv + "." + field + ".DoRecorded(" + callerCtx + ", " + w.recording(m, pnames, rnames, key) + ", " + callName + ")"
	} else {
		attempt()
		run = recv + "." + field + ".Do(" + callerCtx + ", " + callName + ")"
	}
	if len(rnames) == 0 {
		w.str("\treturn ", run, "\n")
		return
	}
	w.str("\t", errName, " := ", run, "\n")
	w.str("\t", returns(errName), "\n")
}

// recording spells runtime.Recording{Key, Args, Results}, on one line. Args
// (the fingerprint) are given only when the method is idempotent.
func (w *writer) recording(m *MethodPlan, pnames, rnames []string, key string) string {
	var fields []string
	if key != "" {
		fields = append(fields, "Key: "+key)
	}
	if m.Idempotent != nil && len(pnames) > 1 {
		fields = append(fields, "Args: []any{"+strings.Join(pnames[1:], ", ")+"}")
	}
	if len(rnames) > 0 {
		results := make([]string, len(rnames))
		for i, r := range rnames {
			results[i] = "&" + r
		}
		fields = append(fields, "Results: []any{"+strings.Join(results, ", ")+"}")
	}
	return w.qual(runtimePath, "Recording") + "{" + strings.Join(fields, ", ") + "}"
}

// key writes the nil checks a key path needs and returns the key
// expression, or "" when the key is the hash of all arguments.
func (w *writer) key(p *Plan, m *MethodPlan, pnames []string, returns func(string) string) string {
	if m.Idempotent == nil || m.Idempotent.Key == nil {
		return ""
	}
	k := m.Idempotent.Key
	userParam := m.Sig.Params().At(k.Param).Name()
	sel := func(n int) (expr, text string) {
		expr, text = pnames[k.Param], userParam
		for _, f := range k.Fields[:n] {
			expr += "." + f
			text += "." + f
		}
		return expr, text
	}
	for _, n := range k.NilChecks {
		expr, text := sel(n)
		msg := fmt.Sprintf("%s.%s: idempotency key %s: %s is nil", p.Name, m.Name, k.Written, text)
		w.str("\tif ", expr, " == nil {\n")
		w.str("\t\t", returns(w.qual("errors", "New")+"("+strconv.Quote(msg)+")"), "\n")
		w.str("\t}\n")
	}
	expr, _ := sel(len(k.Fields))
	switch k.Conv {
	case keyNamedStr:
		return "string(" + expr + ")"
	case keySigned:
		if !types.Identical(k.Type, types.Typ[types.Int64]) {
			expr = "int64(" + expr + ")"
		}
		return w.qual("strconv", "FormatInt") + "(" + expr + ", 10)"
	case keyUnsigned:
		if !types.Identical(k.Type, types.Typ[types.Uint64]) {
			expr = "uint64(" + expr + ")"
		}
		return w.qual("strconv", "FormatUint") + "(" + expr + ", 10)"
	case keyStringer:
		return expr + ".String()"
	}
	return expr
}

// Header returns the first line of a generated file, naming the command
// line that made it as stringer does.
func Header(args []string) string {
	cmd := "resilgen"
	if len(args) > 0 {
		cmd += " " + strings.Join(args, " ")
	}
	return "Code generated by " + cmd + ". DO NOT EDIT."
}
