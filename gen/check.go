package gen

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"path/filepath"
	"reflect"
	"strings"
	"time"

	"golang.org/x/tools/go/packages"
)

// Plan is what to generate for one interface. Building it makes every
// refusal of DESIGN.md; emitting it makes none.
type Plan struct {
	// Name is the interface's name; Named its type.
	Name  string
	Named *types.Named
	// Breaker and Bulkhead are the interface's shared policies, nil when no
	// wrapped method uses them.
	Breaker  *BreakerPlan
	Bulkhead *BulkheadPlan
	// Methods are all the interface's methods, wrapped or passed through:
	// the explicit ones in source order, then the promoted ones.
	Methods []*MethodPlan
}

// MethodPlan is one method: its signature and its policies. A method
// without policies passes straight through.
type MethodPlan struct {
	Name string
	Sig  *types.Signature
	// HasCtx says the first parameter is a context.Context.
	HasCtx bool
	// Breaker and Bulkhead point to the interface's shared ones unless
	// OwnBreaker/OwnBulkhead say the method has its own.
	Breaker     *BreakerPlan
	OwnBreaker  bool
	Bulkhead    *BulkheadPlan
	OwnBulkhead bool
	Retry       *RetryPlan
	Timeout     time.Duration
	Idempotent  *IdempotencyPlan
	// Step is the checkpoint's step name, "" when not checkpointed.
	Step string
}

// Wrapped reports whether the method has a policy at all.
func (m *MethodPlan) Wrapped() bool {
	return m.Breaker != nil || m.Bulkhead != nil || m.Retry != nil || m.Timeout > 0 ||
		m.Idempotent != nil || m.Step != ""
}

// Recorded reports whether the method's results are recorded, which needs
// DoRecorded instead of the allocation-free Do.
func (m *MethodPlan) Recorded() bool { return m.Idempotent != nil || m.Step != "" }

// BreakerPlan is a breaker's settings, defaults filled in.
type BreakerPlan struct {
	Name                string
	Threshold, HalfOpen int
	Window, Timeout     time.Duration
	If                  string // a func(error) bool of the package, or ""
}

// BulkheadPlan is a bulkhead's settings, defaults filled in.
type BulkheadPlan struct {
	Name string
	Max  int
	Wait time.Duration
}

// RetryPlan is a retry's settings, defaults filled in.
type RetryPlan struct {
	Attempts  int
	Base, Max time.Duration
	Jitter    string // full, equal, decorrelated or none
	If        string
}

// IdempotencyPlan is an idempotent method's settings.
type IdempotencyPlan struct {
	TTL, Lease time.Duration
	// Key is nil when the key is the hash of all arguments.
	Key *KeyPlan
}

// keyConv is how a key's value becomes a string.
type keyConv uint8

const (
	keyString   keyConv = iota // a string: as is
	keyNamedStr                // a string type: string(x)
	keySigned                  // strconv.FormatInt
	keyUnsigned                // strconv.FormatUint
	keyStringer                // x.String()
)

// KeyPlan is a resolved idempotent key=param.Field.Path.
type KeyPlan struct {
	// Written is the path as the user wrote it, for messages.
	Written string
	// Param is the index of the parameter the path starts at.
	Param int
	// Fields is the selector path after the parameter, with the embedded
	// fields a promoted field goes through spelled out.
	Fields []string
	// NilChecks lists, for each pointer on the way, how many Fields are
	// selected before it is dereferenced (0: the parameter itself).
	NilChecks []int
	// Conv is how the value becomes a string; Type is its type.
	Conv keyConv
	Type types.Type
}

// Directive defaults, from DESIGN.md's table.
const (
	defThreshold = 5
	defWindow    = 2 * time.Minute
	defOpen      = 60 * time.Second
	defHalfOpen  = 2
	defAttempts  = 3
	defBase      = 100 * time.Millisecond
	defMax       = 10 * time.Second
	defJitter    = "full"
	defTTL       = 24 * time.Hour
	defLease     = 30 * time.Second
	defBulkMax   = 10
)

// policyDirectives are the directives that wrap a method.
var policyDirectives = []string{"breaker", "bulkhead", "retry", "timeout", "idempotent", "checkpoint"}

// checker holds what the checks of one package share: the types they
// compare against and memoized answers about types.
type checker struct {
	pkg       *packages.Package
	ctxType   types.Type // nil when no import reaches package context
	errType   types.Type
	stringer  *types.Interface
	jsonMar   *types.Interface
	jsonUnmar *types.Interface
	textMar   *types.Interface
	textUnmar *types.Interface
	// encodable memoizes encodability answers by (type, decode).
	encodable map[encKey]string
	errs      []*Error
}

type encKey struct {
	t      types.Type
	decode bool
}

// newChecker prepares the checks of pkg.
func newChecker(pkg *packages.Package) *checker {
	byteSlice := types.NewSlice(types.Typ[types.Byte])
	errType := types.Universe.Lookup("error").Type()
	method := func(name string, params, results []types.Type) *types.Interface {
		tuple := func(ts []types.Type) *types.Tuple {
			vars := make([]*types.Var, len(ts))
			for i, t := range ts {
				vars[i] = types.NewParam(token.NoPos, nil, "", t)
			}
			return types.NewTuple(vars...)
		}
		sig := types.NewSignatureType(nil, nil, nil, tuple(params), tuple(results), false)
		return types.NewInterfaceType([]*types.Func{types.NewFunc(token.NoPos, nil, name, sig)}, nil).Complete()
	}
	c := &checker{
		pkg:       pkg,
		errType:   errType,
		stringer:  method("String", nil, []types.Type{types.Typ[types.String]}),
		jsonMar:   method("MarshalJSON", nil, []types.Type{byteSlice, errType}),
		jsonUnmar: method("UnmarshalJSON", []types.Type{byteSlice}, []types.Type{errType}),
		textMar:   method("MarshalText", nil, []types.Type{byteSlice, errType}),
		textUnmar: method("UnmarshalText", []types.Type{byteSlice}, []types.Type{errType}),
		encodable: map[encKey]string{},
	}
	if ctxPkg := findImport(pkg.Types, "context", map[*types.Package]bool{}); ctxPkg != nil {
		if obj := ctxPkg.Scope().Lookup("Context"); obj != nil {
			c.ctxType = obj.Type()
		}
	}
	return c
}

// findImport finds the package of path among the transitive imports of p.
func findImport(p *types.Package, path string, seen map[*types.Package]bool) *types.Package {
	if p == nil || seen[p] {
		return nil
	}
	seen[p] = true
	if p.Path() == path {
		return p
	}
	for _, imp := range p.Imports() {
		if found := findImport(imp, path, seen); found != nil {
			return found
		}
	}
	return nil
}

// errorf records a problem at pos.
func (c *checker) errorf(pos token.Pos, format string, args ...any) {
	c.errs = append(c.errs, &Error{Pos: pos, Msg: fmt.Sprintf(format, args...)})
}

// Check checks the annotated interfaces of pkg against every rule of
// DESIGN.md and returns their plans, or every problem it found.
func Check(pkg *packages.Package, ifaces []*Interface) ([]*Plan, ErrorList) {
	c := newChecker(pkg)
	var plans []*Plan
	for _, in := range ifaces {
		if p := c.checkInterface(in); p != nil {
			plans = append(plans, p)
		}
	}
	return plans, resolve(pkg.Fset, c.errs)
}

// source is where a method comes from: its own declaration or the embedded
// interface it is promoted from.
type source struct {
	pos      token.Pos
	field    *ast.Field // the method's own field, nil when promoted
	promoted bool
}

// checkInterface builds the plan of one interface.
func (c *checker) checkInterface(in *Interface) *Plan {
	nerr := len(c.errs)
	named, ok := in.Obj.Type().(*types.Named)
	if !ok {
		c.errorf(in.Spec.Name.Pos(), "%s is an alias; put the directives on the interface it names", in.Name)
		return nil
	}
	iface, _ := named.Underlying().(*types.Interface)
	if iface == nil || !iface.IsMethodSet() {
		c.errorf(in.Spec.Name.Pos(), "%s is a type constraint, not an interface a value can have; remove its //resil: directives", in.Name)
		return nil
	}
	for _, gen := range []string{"Resilient" + in.Name, "NewResilient" + in.Name} {
		if obj := c.pkg.Types.Scope().Lookup(gen); obj != nil {
			at := c.pkg.Fset.Position(obj.Pos())
			c.errorf(in.Spec.Name.Pos(), "%s needs the name %s, which is declared at %s:%d:%d; rename that declaration", in.Name, gen, filepath.Base(at.Filename), at.Line, at.Column)
		}
	}

	typeDirs, perrs := ParseDoc(in.Doc)
	c.errs = append(c.errs, perrs...)
	typeLevel := byName(typeDirs)

	methods, sources := c.methodsOf(in, iface)
	skipped := map[string]bool{}
	if d := typeLevel["skip"]; d != nil {
		if len(d.Names) == 0 {
			c.errorf(d.Pos, "//resil:skip on a type needs the names of the methods to pass through, such as //resil:skip Close; to wrap nothing, remove the directives")
		}
		for _, w := range d.Names {
			if _, ok := sources[w.Text]; !ok {
				c.errorf(w.Pos, "skip: %s has no method %s%s", in.Name, w.Text, didYouMean(w.Text, sortedKeys(sources)))
			}
			skipped[w.Text] = true
		}
	}
	if d := typeLevel["checkpoint"]; d != nil {
		if v, ok := d.Opts["step"]; ok {
			c.errorf(v.Pos, "checkpoint step= on the type would give every method the same step name; put //resil:checkpoint step=%s on one method", v.Raw)
		}
	}

	p := &Plan{Name: in.Name, Named: named}
	for _, m := range methods {
		src := sources[m.Name()]
		if !m.Exported() && m.Pkg() != nil && m.Pkg() != c.pkg.Types {
			c.errorf(src.pos, "%s.%s is unexported in package %s, so no type outside it can implement %s; wrap the interface in that package instead", in.Name, m.Name(), m.Pkg().Path(), in.Name)
			continue
		}
		mp := c.checkMethod(in, p, m, src, typeLevel, skipped[m.Name()])
		p.Methods = append(p.Methods, mp)
	}
	if len(c.errs) > nerr {
		return nil
	}
	return p
}

// methodsOf returns the methods of iface, the explicit ones in source order
// and then the promoted ones, with where each comes from.
func (c *checker) methodsOf(in *Interface, iface *types.Interface) ([]*types.Func, map[string]source) {
	all := map[string]*types.Func{}
	for i := 0; i < iface.NumMethods(); i++ {
		m := iface.Method(i)
		all[m.Name()] = m
	}
	var (
		out     []*types.Func
		sources = map[string]source{}
	)
	add := func(m *types.Func, src source) {
		if _, dup := sources[m.Name()]; dup {
			return
		}
		sources[m.Name()] = src
		out = append(out, m)
	}
	for _, f := range in.Type.Methods.List {
		if len(f.Names) > 0 {
			if m := all[f.Names[0].Name]; m != nil {
				add(m, source{pos: f.Names[0].Pos(), field: f})
			}
			continue
		}
		tv, ok := c.pkg.TypesInfo.Types[f.Type]
		if !ok {
			continue
		}
		if emb, ok := tv.Type.Underlying().(*types.Interface); ok {
			for i := 0; i < emb.NumMethods(); i++ {
				if m := all[emb.Method(i).Name()]; m != nil {
					add(m, source{pos: f.Type.Pos(), promoted: true})
				}
			}
		}
	}
	for i := 0; i < iface.NumMethods(); i++ { // anything the syntax did not show
		add(iface.Method(i), source{pos: in.Spec.Name.Pos(), promoted: true})
	}
	return out, sources
}

// byName indexes directives by name (ParseDoc already refused duplicates).
func byName(dirs []*Directive) map[string]*Directive {
	m := map[string]*Directive{}
	for _, d := range dirs {
		m[d.Name] = d
	}
	return m
}

// applied is a directive as it applies to one method: the type's, the
// method's, or the method's over the type's, key by key.
type applied struct {
	*Directive
	methodLevel bool
}

// opt returns the option's value and whether it was written.
func (a applied) opt(name string) (Value, bool) {
	if a.Directive == nil {
		return Value{}, false
	}
	v, ok := a.Opts[name]
	return v, ok
}

// checkMethod builds one method's plan.
func (c *checker) checkMethod(in *Interface, p *Plan, m *types.Func, src source, typeLevel map[string]*Directive, skipped bool) *MethodPlan {
	sig := m.Type().(*types.Signature)
	mp := &MethodPlan{Name: m.Name(), Sig: sig}
	var methodLevel map[string]*Directive
	if src.field != nil {
		dirs, perrs := ParseDoc(src.field.Doc)
		c.errs = append(c.errs, perrs...)
		methodLevel = byName(dirs)
	}
	if d := methodLevel["skip"]; d != nil {
		if len(d.Names) > 0 {
			c.errorf(d.Names[0].Pos, "//resil:skip on a method takes no names; write it alone")
		}
		for _, other := range methodLevel {
			if other.Name != "skip" {
				c.errorf(other.Pos, "%s.%s has both //resil:skip and //resil:%s; remove one", in.Name, m.Name(), other.Name)
			}
		}
		return mp
	}
	if skipped {
		return mp
	}
	eff := map[string]applied{}
	for name, d := range typeLevel {
		eff[name] = applied{Directive: d}
	}
	for name, d := range methodLevel {
		if t := typeLevel[name]; t != nil {
			merged := &Directive{Name: name, Pos: d.Pos, Opts: map[string]Value{}}
			for k, v := range t.Opts {
				merged.Opts[k] = v
			}
			for k, v := range d.Opts {
				merged.Opts[k] = v
			}
			d = merged
		}
		eff[name] = applied{Directive: d, methodLevel: true}
	}
	wrapped := false
	for _, name := range policyDirectives {
		wrapped = wrapped || eff[name].Directive != nil
	}
	if !wrapped {
		return mp
	}

	// where says where a problem with directive a is reported: at the
	// directive when the method carries it, else at the method, since a
	// type-level directive does not say which method is at fault.
	where := func(a applied) token.Pos {
		if a.methodLevel {
			return a.Pos
		}
		return src.pos
	}
	subject := in.Name + "." + m.Name()

	res := sig.Results()
	if res.Len() == 0 || !types.Identical(res.At(res.Len()-1).Type(), c.errType) {
		fix := "add an error result, or write //resil:skip on the method to pass it through"
		if src.promoted {
			fix = fmt.Sprintf("add an error result, or write //resil:skip %s on %s to pass it through", m.Name(), in.Name)
		}
		c.errorf(src.pos, "%s: a wrapped method must return error as its last result; %s", subject, fix)
		return mp
	}
	params := sig.Params()
	mp.HasCtx = c.ctxType != nil && params.Len() > 0 && types.Identical(params.At(0).Type(), c.ctxType)
	for _, name := range []string{"timeout", "checkpoint", "idempotent"} {
		if a := eff[name]; a.Directive != nil && !mp.HasCtx {
			c.errorf(where(a), "%s: //resil:%s needs context.Context as the first parameter; add ctx context.Context, or //resil:skip the method", subject, name)
		}
	}

	if a := eff["breaker"]; a.Directive != nil {
		b := c.breakerPlan(a, in.Name)
		scope, scoped := a.opt("scope")
		if own, ok := methodLevel["breaker"].optional("scope"); ok && own.Raw == "interface" {
			c.errorf(scope.Pos, "%s: breaker scope=interface on a method; a method-level breaker is the method's own: remove scope, or move the breaker to the type", subject)
		}
		if a.methodLevel || scoped && scope.Raw == "method" {
			b.Name = subject
			mp.Breaker, mp.OwnBreaker = b, true
		} else {
			if p.Breaker == nil {
				p.Breaker = b
			}
			mp.Breaker = p.Breaker
		}
	}
	if a := eff["bulkhead"]; a.Directive != nil {
		b := &BulkheadPlan{Name: in.Name, Max: defBulkMax}
		if v, ok := a.opt("max"); ok {
			b.Max = v.Int
		}
		if v, ok := a.opt("wait"); ok {
			b.Wait = v.Dur
		}
		if a.methodLevel {
			b.Name = subject
			mp.Bulkhead, mp.OwnBulkhead = b, true
		} else {
			if p.Bulkhead == nil {
				p.Bulkhead = b
			}
			mp.Bulkhead = p.Bulkhead
		}
	}
	if a := eff["retry"]; a.Directive != nil {
		r := &RetryPlan{Attempts: defAttempts, Base: defBase, Max: defMax, Jitter: defJitter}
		if v, ok := a.opt("attempts"); ok {
			r.Attempts = v.Int
		}
		if v, ok := a.opt("base"); ok {
			r.Base = v.Dur
		}
		if v, ok := a.opt("max"); ok {
			r.Max = v.Dur
		}
		if v, ok := a.opt("jitter"); ok {
			r.Jitter = v.Raw
		}
		if v, ok := a.opt("if"); ok {
			r.If = v.Raw
			c.checkPredicate("retry", v)
		}
		unsafe, _ := a.opt("unsafe")
		if eff["idempotent"].Directive == nil && eff["readonly"].Directive == nil && !unsafe.Bool {
			c.errorf(where(a), "%s: //resil:retry on a method that is neither idempotent nor readonly could repeat its effect; add //resil:idempotent or //resil:readonly, or write //resil:retry unsafe", subject)
		}
		mp.Retry = r
	}
	if a := eff["timeout"]; a.Directive != nil {
		if v, ok := a.opt("d"); ok {
			mp.Timeout = v.Dur
		} else {
			c.errorf(a.Pos, "%s: //resil:timeout needs a duration, such as //resil:timeout 2s", subject)
		}
	}
	if a := eff["checkpoint"]; a.Directive != nil {
		mp.Step = m.Name()
		if v, ok := a.opt("step"); ok {
			mp.Step = v.Raw
		}
		c.checkResults(subject, "checkpoint", where(a), sig)
	}
	if a := eff["idempotent"]; a.Directive != nil {
		ip := &IdempotencyPlan{TTL: defTTL, Lease: defLease}
		if v, ok := a.opt("ttl"); ok {
			ip.TTL = v.Dur
		}
		if v, ok := a.opt("lease"); ok {
			ip.Lease = v.Dur
		}
		if v, ok := a.opt("key"); ok && mp.HasCtx {
			ip.Key = c.resolveKey(subject, v, where(a), a.methodLevel, sig)
		}
		c.checkResults(subject, "idempotent", where(a), sig)
		if mp.HasCtx {
			for i := 1; i < params.Len(); i++ {
				if why := c.encodableType(params.At(i).Type(), false); why != "" {
					c.errorf(where(a), "%s: //resil:idempotent fingerprints the arguments as JSON, but parameter %s %s; pass an encodable type, or drop idempotent", subject, paramLabel(params.At(i), i), why)
				}
			}
		}
		mp.Idempotent = ip
	}
	return mp
}

// breakerPlan reads a breaker directive, defaults filled in.
func (c *checker) breakerPlan(a applied, name string) *BreakerPlan {
	b := &BreakerPlan{Name: name, Threshold: defThreshold, Window: defWindow, Timeout: defOpen, HalfOpen: defHalfOpen}
	if v, ok := a.opt("threshold"); ok {
		b.Threshold = v.Int
	}
	if v, ok := a.opt("window"); ok {
		b.Window = v.Dur
	}
	if v, ok := a.opt("timeout"); ok {
		b.Timeout = v.Dur
	}
	if v, ok := a.opt("halfopen"); ok {
		b.HalfOpen = v.Int
	}
	if v, ok := a.opt("if"); ok {
		b.If = v.Raw
		c.checkPredicate("breaker", v)
	}
	return b
}

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

// resolveKey resolves key=param.Field.Path to a parameter and field path
// whose value is a string, an integer or a fmt.Stringer.
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
	kp.Type = cur
	if b, ok := types.Unalias(cur).Underlying().(*types.Basic); ok && b.Info()&(types.IsString|types.IsInteger) != 0 {
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
	c.errorf(pos, "%s: idempotent key=%s has type %s; a key must be a string, an integer or a fmt.Stringer: pick such a field, or add a String() string method", subject, v.Raw, c.typeString(cur))
	return nil
}

// typeString writes t as the package's own code would.
func (c *checker) typeString(t types.Type) string {
	return types.TypeString(t, types.RelativeTo(c.pkg.Types))
}
