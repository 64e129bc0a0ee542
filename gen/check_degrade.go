package gen

import (
	"go/token"
	"go/types"
	"strconv"
	"strings"
)

// checkDegradation reads a method's fallback and hedge (issue 14) into mp,
// refusing what cannot work: a fallback whose func is missing or does not
// match the method, a hedge on a method that is neither readonly nor
// idempotent, or that has no ctx to cancel its losing tries with.
func (c *checker) checkDegradation(in *Interface, mp *MethodPlan, eff map[string]applied, where func(applied) token.Pos) {
	subject := in.Name + "." + mp.Name
	if a := eff["fallback"]; a.Directive != nil {
		mp.Fallback = c.fallbackPlan(subject, mp, a, where(a))
	}
	if a := eff["hedge"]; a.Directive != nil {
		h := &HedgePlan{Delay: defHedge, Max: defHedgeMax}
		if v, ok := a.opt("delay"); ok {
			h.Delay = v.Dur
		}
		if v, ok := a.opt("max"); ok {
			h.Max = v.Int
		}
		if eff["readonly"].Directive == nil && eff["idempotent"].Directive == nil {
			c.errorf(where(a), "%s: //resil:hedge runs the call more than once at a time, which could repeat its effect; add //resil:readonly or //resil:idempotent, or remove hedge", subject)
		}
		if !mp.HasCtx {
			c.errorf(where(a), "%s: //resil:hedge needs context.Context as the first parameter, to cancel the tries that lose; add ctx context.Context, or remove hedge", subject)
		}
		mp.Hedge = h
	}
}

// fallbackPlan checks that the fallback's func is declared in the package
// with the method's parameters followed by err error, and its results.
func (c *checker) fallbackPlan(subject string, mp *MethodPlan, a applied, pos token.Pos) *FallbackPlan {
	v, ok := a.opt("func")
	if !ok {
		c.errorf(pos, "%s: //resil:fallback needs the name of a func of package %s that answers instead, such as //resil:fallback cached%s", subject, c.pkg.Types.Name(), mp.Name)
		return nil
	}
	if a.methodLevel {
		pos = v.Pos
	}
	fp := &FallbackPlan{Func: v.Raw}
	if on, ok := a.opt("on"); ok && on.Raw == "failed" {
		fp.OnFailed = true
	}
	want := "declare " + c.fallbackSignature(v.Raw, mp.Sig) + " in package " + c.pkg.Types.Name()
	sig := c.lookupFunc(pos, subject+": fallback "+v.Raw, v.Raw, "func", want)
	if sig == nil {
		return nil
	}
	if !c.fallbackFits(sig, mp.Sig) {
		c.errorf(pos, "%s: fallback %s has type %s, which does not take the method's parameters and err error and return its results; %s", subject, v.Raw, c.typeString(sig), want)
		return nil
	}
	return fp
}

// fallbackFits reports whether fb takes the parameters of the method's
// signature m (a variadic one as a slice) followed by an error, and returns
// m's results.
func (c *checker) fallbackFits(fb, m *types.Signature) bool {
	if fb.TypeParams().Len() > 0 || fb.Variadic() {
		return false
	}
	mp, fp := m.Params(), fb.Params()
	if fp.Len() != mp.Len()+1 || !types.Identical(fp.At(mp.Len()).Type(), c.errType) {
		return false
	}
	for i := 0; i < mp.Len(); i++ {
		if !types.Identical(fp.At(i).Type(), mp.At(i).Type()) {
			return false
		}
	}
	mr, fr := m.Results(), fb.Results()
	if mr.Len() != fr.Len() {
		return false
	}
	for i := 0; i < mr.Len(); i++ {
		if !types.Identical(fr.At(i).Type(), mr.At(i).Type()) {
			return false
		}
	}
	return true
}

// fallbackSignature spells the func a fallback named name must be for a
// method of signature m, with the method's parameter names.
func (c *checker) fallbackSignature(name string, m *types.Signature) string {
	var params []string
	for i := 0; i < m.Params().Len(); i++ {
		p := m.Params().At(i)
		pname := p.Name()
		if pname == "" || pname == "_" {
			pname = "arg" + strconv.Itoa(i)
		}
		params = append(params, pname+" "+c.typeString(p.Type()))
	}
	params = append(params, "err error")
	var results []string
	for i := 0; i < m.Results().Len(); i++ {
		results = append(results, c.typeString(m.Results().At(i).Type()))
	}
	s := "func " + name + "(" + strings.Join(params, ", ") + ")"
	switch len(results) {
	case 0:
	case 1:
		s += " " + results[0]
	default:
		s += " (" + strings.Join(results, ", ") + ")"
	}
	return s
}

// breakerModes reads a breaker's rate=, min= and slow= into b: rate mode
// replaces threshold, min belongs to rate, slow goes with either.
func (c *checker) breakerModes(a applied, b *BreakerPlan) {
	rate, hasRate := a.opt("rate")
	threshold, hasThreshold := a.opt("threshold")
	minV, hasMin := a.opt("min")
	if hasRate && hasThreshold {
		// A method's own mode overrides the type's other one, and the
		// type's min with its rate; both written together are refused.
		fromMethod := func(v Value) bool { return a.methodLevel && v.Pos >= a.Pos }
		switch {
		case fromMethod(rate) && !fromMethod(threshold):
		case fromMethod(threshold) && !fromMethod(rate):
			hasRate = false
			hasMin = hasMin && fromMethod(minV)
		default:
			at := max(rate.Pos, threshold.Pos)
			c.errorf(at, "breaker: threshold=%s counts failures and rate=%s a failure percentage; keep one", threshold.Raw, rate.Raw)
			return
		}
	}
	if v, ok := a.opt("slow"); ok {
		b.Slow = v.Dur
	}
	if !hasRate {
		if hasMin {
			c.errorf(minV.Pos, "breaker min=%s: min is the fewest calls in the window before rate= opens the breaker; add rate=PERCENT, or remove min", minV.Raw)
		}
		return
	}
	if rate.Int > 100 {
		c.errorf(rate.Pos, "breaker: bad value %q for rate: want a percentage from 1 to 100", rate.Raw)
	}
	b.Threshold, b.Rate, b.Min = 0, rate.Int, defMin
	if hasMin {
		b.Min = minV.Int
	}
}
