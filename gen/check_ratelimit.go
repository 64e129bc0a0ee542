package gen

import (
	"go/token"
	"go/types"
	"strings"
	"time"
)

// RateLimitPlan is a rate limiter's settings, as written: rate, per and
// burst have no defaults.
type RateLimitPlan struct {
	Name        string
	Rate, Burst int
	Per, Wait   time.Duration
	Shared      bool
}

// checkRateLimit reads the ratelimit directive a of method mp into its
// plan: the interface's shared limiter for a type-level directive, the
// method's own for a method-level one, as for breakers and bulkheads. at
// is where a problem is reported.
func (c *checker) checkRateLimit(iface, subject string, p *Plan, mp *MethodPlan, a applied, at token.Pos) {
	r := &RateLimitPlan{Name: iface}
	var missing []string
	for _, opt := range []struct {
		name string
		set  func(Value)
	}{
		{"rate", func(v Value) { r.Rate = v.Int }},
		{"per", func(v Value) { r.Per = v.Dur }},
		{"burst", func(v Value) { r.Burst = v.Int }},
	} {
		if v, ok := a.opt(opt.name); ok {
			opt.set(v)
		} else {
			missing = append(missing, opt.name)
		}
	}
	if len(missing) > 0 {
		if !a.methodLevel {
			// The type's directive is at fault, once: reported there,
			// not at each method it applies to.
			if p.RateLimit == nil {
				c.errorf(a.Pos, "%s: //resil:ratelimit needs rate, per and burst, such as //resil:ratelimit rate=5 per=1s burst=5; missing %s", iface, strings.Join(missing, ", "))
				p.RateLimit = r
			}
			return
		}
		c.errorf(at, "%s: //resil:ratelimit needs rate, per and burst, such as //resil:ratelimit rate=5 per=1s burst=5; missing %s", subject, strings.Join(missing, ", "))
		return
	}
	if v, ok := a.opt("wait"); ok {
		r.Wait = v.Dur
	}
	if v, ok := a.opt("shared"); ok {
		r.Shared = v.Bool
	}
	if a.methodLevel {
		r.Name = subject
		mp.RateLimit, mp.OwnRateLimit = r, true
		return
	}
	if p.RateLimit == nil {
		p.RateLimit = r
	}
	mp.RateLimit = p.RateLimit
}

// checkHintFunc checks that retry after=Name names a package-level
// func(error) (time.Duration, bool).
func (c *checker) checkHintFunc(v Value) {
	const sigText = "func(err error) (time.Duration, bool)"
	want := "declare func " + v.Raw + "(err error) (time.Duration, bool) in package " + c.pkg.Types.Name()
	sig := c.lookupFunc(v.Pos, "retry after="+v.Raw, v.Raw, sigText, want)
	if sig == nil {
		return
	}
	if sig.TypeParams().Len() > 0 || sig.Variadic() || sig.Params().Len() != 1 || sig.Results().Len() != 2 ||
		!types.Identical(sig.Params().At(0).Type(), c.errType) ||
		!c.isDuration(sig.Results().At(0).Type()) ||
		!types.Identical(sig.Results().At(1).Type(), types.Typ[types.Bool]) {
		c.errorf(v.Pos, "retry after=%s: %s has type %s, not %s; change its signature to %s", v.Raw, v.Raw, types.TypeString(sig, types.RelativeTo(c.pkg.Types)), sigText, sigText)
	}
}

// isDuration reports whether t is time.Duration. A package that reaches
// no import of package time cannot name it.
func (c *checker) isDuration(t types.Type) bool {
	timePkg := findImport(c.pkg.Types, "time", map[*types.Package]bool{})
	if timePkg == nil {
		return false
	}
	d := timePkg.Scope().Lookup("Duration")
	return d != nil && types.Identical(t, d.Type())
}
