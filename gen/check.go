package gen

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"path/filepath"

	"golang.org/x/tools/go/packages"
)

// policyDirectives are the directives that wrap a method.
var policyDirectives = []string{"breaker", "bulkhead", "retry", "timeout", "idempotent", "checkpoint", "ratelimit", "fallback", "hedge"}

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
	// encodable memoizes final encodability answers; checking holds the
	// questions being answered, with their depth (check_encode.go).
	encodable map[encKey]encAnswer
	checking  map[encKey]int
	// typeOmits are the names of type-level //resil:omit directives, by
	// position, with what the methods they apply to found (check_omit.go).
	typeOmits map[token.Pos]*omitUse
	errs      []*Error
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
		encodable: map[encKey]encAnswer{},
		checking:  map[encKey]int{},
		typeOmits: map[token.Pos]*omitUse{},
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
	c.refuseUnusedOmits()
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

	c.checkPlacement(in)
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
		c.checkNameable(in, m, src)
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
	mp := &MethodPlan{Name: m.Name(), Sig: sig, Pos: src.pos}
	var methodLevel map[string]*Directive
	if src.field != nil {
		dirs, perrs := ParseDoc(src.field.Doc)
		c.errs = append(c.errs, perrs...)
		methodLevel = byName(dirs)
	}
	// Every method registers the type's omit names, so that names of a
	// type with no recorded method are refused too.
	c.registerTypeOmits(in, typeLevel["omit"])
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
	subject := in.Name + "." + m.Name()
	recorded := eff["idempotent"].Directive != nil || eff["checkpoint"].Directive != nil
	if d := methodLevel["omit"]; d != nil && !recorded {
		c.errorf(d.Pos, "%s: //resil:omit applies to recorded results, but %s is neither idempotent nor checkpointed; remove it", subject, m.Name())
	}
	if !wrapped {
		return mp
	}
	mp.Readonly = eff["readonly"].Directive != nil

	// where says where a problem with directive a is reported: at the
	// directive when the method carries it, else at the method, since a
	// type-level directive does not say which method is at fault.
	where := func(a applied) token.Pos {
		if a.methodLevel {
			return a.Pos
		}
		return src.pos
	}

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
	mp.CallOptions = isCallOptions(sig)
	var results encQuery // how recorded results are checked
	if recorded {
		results = c.recordedResults(in, mp, typeLevel["omit"], methodLevel["omit"])
	}
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
		if v, ok := a.opt("after"); ok {
			r.After = v.Raw
			c.checkHintFunc(v)
		}
		unsafe, _ := a.opt("unsafe")
		if eff["idempotent"].Directive == nil && eff["readonly"].Directive == nil && !unsafe.Bool {
			c.errorf(where(a), "%s: //resil:retry on a method that is neither idempotent nor readonly could repeat its effect; add //resil:idempotent or //resil:readonly, or write //resil:retry unsafe", subject)
		}
		mp.Retry = r
	}
	if a := eff["ratelimit"]; a.Directive != nil {
		c.checkRateLimit(in.Name, subject, p, mp, a, where(a))
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
		c.checkResults(subject, "checkpoint", where(a), mp, results)
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
		c.checkResults(subject, "idempotent", where(a), mp, results)
		if mp.HasCtx {
			for _, i := range mp.Fingerprinted() {
				t := params.At(i).Type()
				if c.isProtoMessage(t) {
					mp.ProtoParams = setFlag(mp.ProtoParams, params.Len(), i)
					continue
				}
				if ans := c.encodableType(t, encQuery{}); ans.why != "" {
					fix := "pass an encodable type, or drop idempotent"
					if ans.fix != "" {
						fix = ans.fix
					}
					c.errorf(where(a), "%s: //resil:idempotent fingerprints the arguments as JSON, but parameter %s %s; %s", subject, paramLabel(params.At(i), i), ans.why, fix)
				}
			}
		}
		mp.Idempotent = ip
	}
	c.checkDegradation(in, mp, eff, where)
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
	c.breakerModes(a, b)
	return b
}
