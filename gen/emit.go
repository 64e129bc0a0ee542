package gen

import (
	"bytes"
	"errors"
	"fmt"
	"go/format"
	"go/types"
	goruntime "runtime"
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
type emitter struct {
	pkg *types.Package
	f   *jen.File
	// imports are the names planImports chose, by path.
	imports map[string]importName
	// taken are the names a local or parameter of generated code must not
	// take, because generated code refers to them: the file's import names,
	// the package's own declarations and the type parameters.
	taken map[string]bool
}

// Emit renders the wrappers of plans, all from package pkg, as one
// gofmt'd file starting with header. It makes no refusals: Check did.
func Emit(pkg *types.Package, plans []*Plan, header string) ([]byte, error) {
	return emit(pkg, plans, header, 0)
}

// emit is Emit with the number of groups to render in parallel; 0 picks it
// from the size of the work and the CPUs.
func emit(pkg *types.Package, plans []*Plan, header string, groups int) ([]byte, error) {
	e := &emitter{pkg: pkg, taken: map[string]bool{}, imports: map[string]importName{}}
	e.planImports(plans)

	// Rendering and formatting are the largest costs after loading
	// (go/printer prints every multi-line argument twice, once to measure
	// it), and one package would keep one CPU busy while the others idle.
	// So the interfaces are cut into groups, each rendered and formatted
	// on its own behind a copy of the package clause and imports, and the
	// groups are joined under the union of their imports. Top-level
	// declarations format independently of each other, so the bytes are
	// those gofmt gives for the whole file; each is still formatted once.
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
		imports []string
		body    []byte
		err     error
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
			r := &results[g]
			r.imports, r.body, r.err = e.renderGroup(plans[lo:hi])
		}()
	}
	wg.Wait()

	imports := map[string]bool{}
	for _, r := range results {
		if r.err != nil {
			return nil, fmt.Errorf("rendering the wrappers of %s: %w", pkg.Path(), r.err)
		}
		for _, line := range r.imports {
			imports[line] = true
		}
	}
	var head bytes.Buffer
	fmt.Fprintf(&head, "// %s\n\npackage %s\n\nimport (\n", header, pkg.Name())
	for _, line := range sortedKeys(imports) {
		fmt.Fprintf(&head, "\t%s\n", line)
	}
	head.WriteString(")\n")
	out, err := format.Source(head.Bytes())
	if err != nil {
		return nil, fmt.Errorf("formatting the imports of %s: %w", pkg.Path(), err)
	}
	for _, r := range results {
		out = append(out, '\n')
		out = append(out, r.body...)
	}
	return out, nil
}

// chunkMark separates a group's package clause and imports from its
// declarations in jennifer's unformatted output.
const chunkMark = "//resilgen:chunk"

// renderGroup renders the wrappers of plans in a file of their own, formats
// it, and returns its import specs and its formatted declarations.
func (e *emitter) renderGroup(plans []*Plan) (imports []string, body []byte, err error) {
	ge := *e // taken and imports are shared, read only
	ge.f = jen.NewFilePathName(e.pkg.Path(), e.pkg.Name())
	ge.f.NoFormat = true
	for path, in := range e.imports {
		if in.alias {
			ge.f.ImportAlias(path, in.name)
		} else {
			ge.f.ImportName(path, in.name)
		}
	}
	ge.f.Comment(chunkMark)
	for i, p := range plans {
		if i > 0 {
			ge.f.Line()
		}
		ge.wrapper(p)
	}
	var buf bytes.Buffer
	if err := ge.f.Render(&buf); err != nil {
		return nil, nil, err
	}
	head, decls, ok := bytes.Cut(buf.Bytes(), []byte(chunkMark+"\n"))
	if !ok {
		return nil, nil, errors.New("lost the chunk mark")
	}
	imports = importSpecs(head)
	src := append(append(append([]byte(nil), head...), '\n'), decls...)
	formatted, err := format.Source(src)
	if err != nil {
		return nil, nil, err
	}
	fmtHead, err := format.Source(head)
	if err != nil {
		return nil, nil, err
	}
	if !bytes.HasPrefix(formatted, fmtHead) {
		return nil, nil, errors.New("the imports format differently before declarations")
	}
	return imports, bytes.TrimLeft(formatted[len(fmtHead):], "\n"), nil
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

// wrapper emits the struct, constructor, assertion and methods of one plan.
func (e *emitter) wrapper(p *Plan) {
	typeName := "Resilient" + p.Name
	tps := p.Named.TypeParams()
	var decl, inst []jen.Code // [T any], [T]
	for i := 0; i < tps.Len(); i++ {
		tp := tps.At(i)
		decl = append(decl, jen.Id(tp.Obj().Name()).Add(e.typ(tp.Constraint())))
		inst = append(inst, jen.Id(tp.Obj().Name()))
	}
	iface := func() *jen.Statement { return withTypes(jen.Qual(e.pkg.Path(), p.Name), inst) }
	self := func() *jen.Statement { return withTypes(jen.Id(typeName), inst) }

	// Field names: next, then one per wrapped method. A struct's fields and
	// methods share a namespace, so the method names are taken too.
	fields := &names{taken: map[string]bool{}}
	for _, m := range p.Methods {
		fields.taken[m.Name] = true
	}
	nextField := fields.get("next")
	methodField := map[*MethodPlan]string{}
	for _, m := range p.Methods {
		if m.Wrapped() {
			methodField[m] = fields.get(lowerFirst(m.Name))
		}
	}

	e.f.Commentf("%s wraps a %s with the resilience policies of its", typeName, p.Name)
	e.f.Commentf("directives. It is safe for concurrent use when the wrapped %s is.", p.Name)
	e.f.Type().Add(withTypes(jen.Id(typeName), decl)).StructFunc(func(g *jen.Group) {
		g.Id(nextField).Add(iface())
		for _, m := range p.Methods {
			if f, ok := methodField[m]; ok {
				g.Id(f).Op("*").Qual(runtimePath, "Method")
			}
		}
	})
	e.f.Line()
	e.constructor(p, typeName, decl, iface, self, nextField, methodField)
	if len(decl) == 0 {
		e.f.Line()
		e.f.Var().Id("_").Add(iface()).Op("=").Parens(jen.Op("*").Add(self())).Parens(jen.Nil())
	}
	for _, m := range p.Methods {
		e.f.Line()
		e.method(p, m, self, nextField, methodField[m])
	}
}

// constructor emits NewResilientX: it builds every policy once, so that no
// call builds anything.
func (e *emitter) constructor(p *Plan, typeName string, decl []jen.Code, iface, self func() *jen.Statement, nextField string, methodField map[*MethodPlan]string) {
	n := e.newNames()
	next, opts := n.get("next"), n.get("opts")
	var body []jen.Code
	if len(decl) > 0 {
		// A generic wrapper cannot be asserted at package level without
		// picking type arguments; inside its constructor it can.
		body = append(body, jen.Var().Id("_").Add(iface()).Op("=").Parens(jen.Op("*").Add(self())).Parens(jen.Nil()))
	}
	wrapped := len(methodField) > 0
	rt := n.get("rt")
	if wrapped {
		body = append(body, jen.Id(rt).Op(":=").Qual(runtimePath, "New").Call(jen.Id(opts).Op("...")))
	}
	breakerVar := map[*BreakerPlan]string{}
	bulkheadVar := map[*BulkheadPlan]string{}
	if p.Breaker != nil {
		breakerVar[p.Breaker] = n.get("breaker")
		body = append(body, e.breaker(rt, breakerVar[p.Breaker], p.Breaker))
	}
	if p.Bulkhead != nil {
		bulkheadVar[p.Bulkhead] = n.get("bulkhead")
		body = append(body, e.bulkhead(rt, bulkheadVar[p.Bulkhead], p.Bulkhead))
	}
	for _, m := range p.Methods {
		if m.OwnBulkhead {
			bulkheadVar[m.Bulkhead] = n.get(methodField[m] + "Bulkhead")
			body = append(body, e.bulkhead(rt, bulkheadVar[m.Bulkhead], m.Bulkhead))
		}
		if m.OwnBreaker {
			breakerVar[m.Breaker] = n.get(methodField[m] + "Breaker")
			body = append(body, e.breaker(rt, breakerVar[m.Breaker], m.Breaker))
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
			body = append(body, jen.Id(shared.retry[*r]).Op(":=").Add(e.retry(r)))
		}
		if ip := m.Idempotent; ip != nil {
			k := idemSettings{ip.TTL, ip.Lease}
			if idemUses[k] > 1 && shared.idem[k] == "" {
				shared.idem[k] = n.get("idempotency")
				body = append(body, jen.Id(shared.idem[k]).Op(":=").Add(e.idempotency(ip)))
			}
		}
	}

	// The methods are set one statement each rather than inside one big
	// composite literal: go/printer sizes every element of a literal by
	// printing it, so nesting them all would print each one twice over.
	w := n.get("w")
	body = append(body, jen.Id(w).Op(":=").Op("&").Add(self()).Values(jen.Id(nextField).Op(":").Id(next)))
	for _, m := range p.Methods {
		if f, ok := methodField[m]; ok {
			body = append(body, jen.Id(w).Dot(f).Op("=").Add(e.methodConfig(rt, p, m, breakerVar[m.Breaker], bulkheadVar[m.Bulkhead], shared)))
		}
	}
	body = append(body, jen.Return(jen.Id(w)))

	ctor := "NewResilient" + p.Name
	e.f.Commentf("%s returns a %s that calls next through the policies", ctor, typeName)
	e.f.Commentf("of %s's directives, built once, here. opts configure the runtime they", p.Name)
	e.f.Comment("share: store, clock, observer.")
	e.f.Func().Add(withTypes(jen.Id(ctor), decl)).Params(
		jen.Id(next).Add(iface()),
		jen.Id(opts).Op("...").Qual(runtimePath, "Option"),
	).Op("*").Add(self()).Block(body...)
}

// withTypes appends type parameters or arguments when there are any.
func withTypes(s *jen.Statement, codes []jen.Code) *jen.Statement {
	if len(codes) == 0 {
		return s
	}
	return s.Types(codes...)
}

// breaker emits `v := rt.NewBreaker(name, runtime.BreakerConfig{...})`.
func (e *emitter) breaker(rt, v string, b *BreakerPlan) jen.Code {
	fields := []kv{
		{"Threshold", jen.Lit(b.Threshold)},
		{"Window", duration(b.Window)},
		{"Timeout", duration(b.Timeout)},
		{"HalfOpen", jen.Lit(b.HalfOpen)},
	}
	if b.If != "" {
		fields = append(fields, kv{"IsFailure", jen.Qual(e.pkg.Path(), b.If)})
	}
	return jen.Id(v).Op(":=").Id(rt).Dot("NewBreaker").Call(jen.Lit(b.Name), literal(jen.Qual(runtimePath, "BreakerConfig"), fields))
}

// bulkhead emits `v := rt.NewBulkhead(name, runtime.BulkheadConfig{...})`.
func (e *emitter) bulkhead(rt, v string, b *BulkheadPlan) jen.Code {
	return jen.Id(v).Op(":=").Id(rt).Dot("NewBulkhead").Call(jen.Lit(b.Name), literal(jen.Qual(runtimePath, "BulkheadConfig"), []kv{
		{"Max", jen.Lit(b.Max)},
		{"Wait", duration(b.Wait)},
	}))
}

// retry emits &runtime.RetryConfig{...}.
func (e *emitter) retry(r *RetryPlan) jen.Code {
	jitter := map[string]string{"full": "JitterFull", "equal": "JitterEqual", "decorrelated": "JitterDecorrelated", "none": "JitterNone"}[r.Jitter]
	fields := []kv{
		{"Attempts", jen.Lit(r.Attempts)},
		{"Base", duration(r.Base)},
		{"Max", duration(r.Max)},
		{"Jitter", jen.Qual(runtimePath, jitter)},
	}
	if r.If != "" {
		fields = append(fields, kv{"If", jen.Qual(e.pkg.Path(), r.If)})
	}
	return jen.Op("&").Add(literal(jen.Qual(runtimePath, "RetryConfig"), fields))
}

// idempotency emits &runtime.IdempotencyConfig{...}.
func (e *emitter) idempotency(ip *IdempotencyPlan) jen.Code {
	return jen.Op("&").Qual(runtimePath, "IdempotencyConfig").Values(
		jen.Id("TTL").Op(":").Add(duration(ip.TTL)),
		jen.Id("Lease").Op(":").Add(duration(ip.Lease)),
	)
}

// methodConfig emits rt.NewMethod(runtime.MethodConfig{...}), one field
// per policy layer the method has.
func (e *emitter) methodConfig(rt string, p *Plan, m *MethodPlan, breaker, bulkhead string, shared sharedConfigs) jen.Code {
	fields := []kv{
		{"Interface", jen.Lit(p.Name)},
		{"Name", jen.Lit(m.Name)},
	}
	add := func(k string, v jen.Code) {
		fields = append(fields, kv{k, v})
	}
	if m.Bulkhead != nil {
		add("Bulkhead", jen.Id(bulkhead))
	}
	if m.Breaker != nil {
		add("Breaker", jen.Id(breaker))
	}
	if m.Retry != nil {
		if v := shared.retry[*m.Retry]; v != "" {
			add("Retry", jen.Id(v))
		} else {
			add("Retry", e.retry(m.Retry))
		}
	}
	if m.Timeout > 0 {
		add("Timeout", duration(m.Timeout))
	}
	if m.Idempotent != nil {
		if v := shared.idem[idemSettings{m.Idempotent.TTL, m.Idempotent.Lease}]; v != "" {
			add("Idempotent", jen.Id(v))
		} else {
			add("Idempotent", e.idempotency(m.Idempotent))
		}
	}
	if m.Step != "" {
		add("Step", jen.Lit(m.Step))
	}
	return jen.Id(rt).Dot("NewMethod").Call(literal(jen.Qual(runtimePath, "MethodConfig"), fields))
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

// kv is one field of a composite literal.
type kv struct {
	key string
	val jen.Code
}

// literal emits T{k: v, ...}, one field a line.
func literal(t *jen.Statement, fields []kv) *jen.Statement {
	return t.ValuesFunc(func(g *jen.Group) {
		for _, f := range fields {
			g.Line().Id(f.key).Op(":").Add(f.val)
		}
		g.Line()
	})
}

// duration emits d as a constant expression of package time, such as
// 2 * time.Minute.
func duration(d time.Duration) jen.Code {
	if d == 0 {
		return jen.Lit(0)
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
				return jen.Qual("time", u.name)
			}
			// A bare literal: jen.Lit(int64) would write int64(2).
			return jen.Op(strconv.FormatInt(int64(d/u.d), 10)).Op("*").Qual("time", u.name)
		}
	}
	panic("unreachable: every duration is a whole number of nanoseconds")
}

// lowerFirst lowers the first letter: Charge -> charge.
func lowerFirst(s string) string {
	r, size := utf8.DecodeRuneInString(s)
	return string(unicode.ToLower(r)) + s[size:]
}

// method emits one method of the wrapper: a pass-through, or a call
// through the method's runtime.Method.
func (e *emitter) method(p *Plan, m *MethodPlan, self func() *jen.Statement, nextField, field string) {
	n := e.newNames()
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
	// The call to the wrapped method; args[0] is the attempt's ctx.
	args := make([]jen.Code, len(pnames))
	for i, name := range pnames {
		args[i] = jen.Id(name)
		if m.Sig.Variadic() && i == len(pnames)-1 {
			args[i] = jen.Id(name).Op("...")
		}
	}
	call := jen.Id(recv).Dot(nextField).Dot(m.Name).Call(args...)

	var body []jen.Code
	switch {
	case !wrapped && res.Len() == 0:
		body = []jen.Code{call}
	case !wrapped:
		body = []jen.Code{jen.Return(call)}
	default:
		body = e.wrappedBody(p, m, recv, field, ctx, errName, callName, pnames, rnames, call)
	}
	if wrapped {
		e.f.Commentf("%s calls the wrapped %s's %s through its policies.", m.Name, p.Name, m.Name)
	} else {
		e.f.Commentf("%s calls the wrapped %s's %s directly: it has no policies.", m.Name, p.Name, m.Name)
	}
	e.f.Func().Params(jen.Id(recv).Op("*").Add(self())).Id(m.Name).Add(e.signature(m.Sig, pnames)).Block(body...)
}

// wrappedBody is the body of a method with policies: declare the results,
// compute the key, run the call through Do or DoRecorded, return.
func (e *emitter) wrappedBody(p *Plan, m *MethodPlan, recv, field, ctx, errName, callName string, pnames, rnames []string, call *jen.Statement) []jen.Code {
	var body []jen.Code
	res := m.Sig.Results()
	for i, r := range rnames {
		body = append(body, jen.Var().Id(r).Add(e.typ(res.At(i).Type())))
	}
	returns := func(last jen.Code) jen.Code {
		vals := make([]jen.Code, 0, len(rnames)+1)
		for _, r := range rnames {
			vals = append(vals, jen.Id(r))
		}
		return jen.Return(append(vals, last)...)
	}

	// The attempt: the closure the runtime calls once per attempt. Without
	// a ctx parameter the attempt's ctx has nowhere to go.
	attemptParam := jen.Id(ctx).Qual("context", "Context")
	callerCtx := jen.Id(ctx)
	if !m.HasCtx {
		attemptParam = jen.Qual("context", "Context")
		callerCtx = jen.Qual("context", "Background").Call()
	}
	var attempt jen.Code
	if len(rnames) == 0 {
		attempt = jen.Func().Params(attemptParam).Error().Block(jen.Return(call))
	} else {
		lhs := make([]jen.Code, 0, len(rnames)+1)
		for _, r := range rnames {
			lhs = append(lhs, jen.Id(r))
		}
		lhs = append(lhs, jen.Id(errName))
		attempt = jen.Func().Params(attemptParam).Error().Block(
			jen.Var().Id(errName).Error(),
			jen.List(lhs...).Op("=").Add(call),
			jen.Return(jen.Id(errName)),
		)
	}

	// The attempt gets a name of its own rather than being written inside
	// the call: it reads as well, and go/printer, which prints every
	// multi-line argument once more to measure it, prints it once less.
	var run *jen.Statement
	if m.Recorded() {
		keyChecks, key := e.key(p, m, pnames, returns)
		body = append(body, keyChecks...)
		body = append(body, jen.Id(callName).Op(":=").Add(attempt))
		run = jen.Id(recv).Dot(field).Dot("DoRecorded").Call(callerCtx, e.recording(m, pnames, rnames, key), jen.Id(callName))
	} else {
		body = append(body, jen.Id(callName).Op(":=").Add(attempt))
		run = jen.Id(recv).Dot(field).Dot("Do").Call(callerCtx, jen.Id(callName))
	}
	if len(rnames) == 0 {
		return append(body, jen.Return(run))
	}
	return append(body,
		jen.Id(errName).Op(":=").Add(run),
		returns(jen.Id(errName)),
	)
}

// recording emits runtime.Recording{Key, Args, Results}. Args (the
// fingerprint) are given only when the method is idempotent.
func (e *emitter) recording(m *MethodPlan, pnames, rnames []string, key jen.Code) jen.Code {
	var fields []kv
	if key != nil {
		fields = append(fields, kv{"Key", key})
	}
	if m.Idempotent != nil && len(pnames) > 1 {
		args := make([]jen.Code, 0, len(pnames)-1)
		for _, name := range pnames[1:] {
			args = append(args, jen.Id(name))
		}
		fields = append(fields, kv{"Args", jen.Index().Any().Values(args...)})
	}
	if len(rnames) > 0 {
		results := make([]jen.Code, len(rnames))
		for i, r := range rnames {
			results[i] = jen.Op("&").Id(r)
		}
		fields = append(fields, kv{"Results", jen.Index().Any().Values(results...)})
	}
	// One line: a Recording is short, and a call whose arguments all sit
	// on one line is the one go/printer does not measure twice.
	return jen.Qual(runtimePath, "Recording").ValuesFunc(func(g *jen.Group) {
		for _, f := range fields {
			g.Id(f.key).Op(":").Add(f.val)
		}
	})
}

// key emits the nil checks a key path needs and the key expression, or
// nothing when the key is the hash of all arguments.
func (e *emitter) key(p *Plan, m *MethodPlan, pnames []string, returns func(jen.Code) jen.Code) ([]jen.Code, jen.Code) {
	if m.Idempotent == nil || m.Idempotent.Key == nil {
		return nil, nil
	}
	k := m.Idempotent.Key
	userParam := m.Sig.Params().At(k.Param).Name()
	sel := func(n int) (*jen.Statement, string) {
		s, text := jen.Id(pnames[k.Param]), userParam
		for _, f := range k.Fields[:n] {
			s = s.Dot(f)
			text += "." + f
		}
		return s, text
	}
	var checks []jen.Code
	for _, n := range k.NilChecks {
		expr, text := sel(n)
		msg := fmt.Sprintf("%s.%s: idempotency key %s: %s is nil", p.Name, m.Name, k.Written, text)
		checks = append(checks, jen.If(expr.Op("==").Nil()).Block(returns(jen.Qual("errors", "New").Call(jen.Lit(msg)))))
	}
	expr, _ := sel(len(k.Fields))
	switch k.Conv {
	case keyNamedStr:
		return checks, jen.String().Parens(expr)
	case keySigned:
		if !types.Identical(k.Type, types.Typ[types.Int64]) {
			expr = jen.Int64().Parens(expr)
		}
		return checks, jen.Qual("strconv", "FormatInt").Call(expr, jen.Lit(10))
	case keyUnsigned:
		if !types.Identical(k.Type, types.Typ[types.Uint64]) {
			expr = jen.Uint64().Parens(expr)
		}
		return checks, jen.Qual("strconv", "FormatUint").Call(expr, jen.Lit(10))
	case keyStringer:
		return checks, expr.Dot("String").Call()
	}
	return checks, expr
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
