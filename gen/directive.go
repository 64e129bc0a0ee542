package gen

import (
	"fmt"
	"go/ast"
	"go/token"
	"sort"
	"strconv"
	"strings"
	"time"
)

// directivePrefix starts every directive. Like //go: directives it has no
// space after the slashes, so that gofmt leaves it alone and godoc hides it.
const directivePrefix = "//resil:"

// valueKind says how an option's value is read and checked.
type valueKind uint8

const (
	kindInt      valueKind = iota // positive integer
	kindDuration                  // Go duration; positive unless zeroOK
	kindEnum                      // one of spec.values
	kindIdent                     // Go identifier (a function name)
	kindPath                      // param or param.Field.Path
	kindBool                      // true/false; the bare word alone is true
	kindName                      // free-form token (a step name)
)

// optionSpec describes one option of a directive.
type optionSpec struct {
	kind   valueKind
	values []string // kindEnum
	zeroOK bool     // kindInt, kindDuration: zero is allowed
}

// directiveSpec describes one directive: its options, and what a bare word
// (no '=') means for it.
type directiveSpec struct {
	options map[string]optionSpec
	// positional, when set, is the option a bare word of a non-bool value
	// fills (timeout's d).
	positional string
	// names, when set, says bare words are a list of names and what they
	// name: "method" for skip on a type, "field" for omit.
	names string
	// needsNames says the directive means nothing without names (omit).
	needsNames bool
}

// directiveSpecs is the grammar of DESIGN.md's directive table. It is read
// only, so it is a package-level value, not mutable state.
var directiveSpecs = map[string]directiveSpec{
	"breaker": {options: map[string]optionSpec{
		"threshold": {kind: kindInt},
		"window":    {kind: kindDuration},
		"timeout":   {kind: kindDuration},
		"halfopen":  {kind: kindInt},
		"scope":     {kind: kindEnum, values: []string{"interface", "method"}},
		"if":        {kind: kindIdent},
		"rate":      {kind: kindInt},
		"min":       {kind: kindInt},
		"slow":      {kind: kindDuration},
	}},
	"retry": {options: map[string]optionSpec{
		"attempts": {kind: kindInt},
		"base":     {kind: kindDuration},
		"max":      {kind: kindDuration},
		"jitter":   {kind: kindEnum, values: []string{"full", "equal", "decorrelated", "none"}},
		"if":       {kind: kindIdent},
		"unsafe":   {kind: kindBool},
		"after":    {kind: kindIdent},
	}},
	"idempotent": {options: map[string]optionSpec{
		"key":   {kind: kindPath},
		"ttl":   {kind: kindDuration},
		"lease": {kind: kindDuration},
	}},
	"readonly":   {options: map[string]optionSpec{}},
	"checkpoint": {options: map[string]optionSpec{"step": {kind: kindName}}},
	"timeout":    {options: map[string]optionSpec{"d": {kind: kindDuration}}, positional: "d"},
	"bulkhead": {options: map[string]optionSpec{
		"max":  {kind: kindInt},
		"wait": {kind: kindDuration, zeroOK: true},
	}},
	"ratelimit": {options: map[string]optionSpec{
		"rate":   {kind: kindInt},
		"per":    {kind: kindDuration},
		"burst":  {kind: kindInt},
		"wait":   {kind: kindDuration, zeroOK: true},
		"shared": {kind: kindBool},
	}},
	"skip": {options: map[string]optionSpec{}, names: "method"},
	"fallback": {options: map[string]optionSpec{
		"func": {kind: kindIdent},
		"on":   {kind: kindEnum, values: []string{"rejected", "failed"}},
	}, positional: "func"},
	"hedge": {options: map[string]optionSpec{
		"delay": {kind: kindDuration},
		"max":   {kind: kindInt},
	}},
	"omit": {options: map[string]optionSpec{}, names: "field", needsNames: true},
}

// Directive is one parsed //resil: line. Its values are typed and checked
// against the grammar; whether the directive fits its target (a method
// needs a ctx, a key path must resolve) is check.go's business.
type Directive struct {
	// Name is the directive's name, such as "retry".
	Name string
	// Pos is the position of the comment's first slash.
	Pos token.Pos
	// Opts holds the options that were written, by name.
	Opts map[string]Value
	// Names are the bare words of a skip on a type (method names) or of an
	// omit (field names).
	Names []Word
}

// Value is one option's value, read according to the option's kind.
type Value struct {
	// Pos is the position of the option's key (or of the bare word).
	Pos token.Pos
	// Raw is the value as written ("true" for a bare boolean).
	Raw string
	// Int is set for integers.
	Int int
	// Dur is set for durations.
	Dur time.Duration
	// Bool is set for booleans.
	Bool bool
}

// optional returns the option's value and whether it was written; a nil
// directive has no options.
func (d *Directive) optional(name string) (Value, bool) {
	if d == nil {
		return Value{}, false
	}
	v, ok := d.Opts[name]
	return v, ok
}

// Word is a bare word with its position.
type Word struct {
	Text string
	Pos  token.Pos
}

// ParseDirective parses one comment line that starts with "//resil:".
// base is the position of the comment's first byte; every position in the
// result and in the error is base plus a byte offset into text.
// The error, when not nil, is an *Error with a position inside text.
func ParseDirective(text string, base token.Pos) (*Directive, error) {
	errAt := func(off int, format string, args ...any) error {
		return &Error{Pos: base + token.Pos(off), Msg: fmt.Sprintf(format, args...)}
	}
	if !strings.HasPrefix(text, directivePrefix) {
		return nil, errAt(0, "not a //resil: directive")
	}
	words := splitWords(text, len(directivePrefix))
	if len(words) == 0 || words[0].off != len(directivePrefix) {
		return nil, errAt(len(directivePrefix), "missing directive name after //resil: (want one of %s)", strings.Join(sortedKeys(directiveSpecs), ", "))
	}
	name := words[0]
	spec, ok := directiveSpecs[name.text]
	if !ok {
		return nil, errAt(name.off, "unknown directive %q%s", name.text, didYouMean(name.text, sortedKeys(directiveSpecs)))
	}
	d := &Directive{Name: name.text, Pos: base, Opts: map[string]Value{}}
	for _, w := range words[1:] {
		key, raw, hasEq := strings.Cut(w.text, "=")
		valOff := w.off + len(key) + 1
		if !hasEq {
			switch {
			case spec.names != "":
				if !isIdent(w.text) {
					return nil, errAt(w.off, "%s: %q is not a %s name", name.text, w.text, spec.names)
				}
				d.Names = append(d.Names, Word{Text: w.text, Pos: base + token.Pos(w.off)})
				continue
			case spec.options[w.text].kind == kindBool && hasOption(spec, w.text):
				raw = "true"
			case spec.positional != "" && !hasOption(spec, w.text):
				key, raw, valOff = spec.positional, w.text, w.off
			default:
				if len(spec.options) == 0 {
					return nil, errAt(w.off, "%s takes no options, found %q", name.text, w.text)
				}
				if hasOption(spec, w.text) {
					return nil, errAt(w.off, "%s: option %s has no value; write %s=VALUE", name.text, w.text, w.text)
				}
				return nil, errAt(w.off, "%s: unexpected word %q: options are written name=value%s", name.text, w.text, didYouMean(w.text, sortedKeys(spec.options)))
			}
		}
		if key == "" {
			return nil, errAt(w.off, "%s: missing option name before '='", name.text)
		}
		opt, ok := spec.options[key]
		if !ok {
			if len(spec.options) == 0 {
				return nil, errAt(w.off, "%s takes no options, found %q", name.text, key)
			}
			return nil, errAt(w.off, "%s: unknown option %q%s (options: %s)", name.text, key, didYouMean(key, sortedKeys(spec.options)), strings.Join(sortedKeys(spec.options), ", "))
		}
		if _, dup := d.Opts[key]; dup {
			return nil, errAt(w.off, "%s: option %s given twice; keep one", name.text, key)
		}
		if raw == "" {
			return nil, errAt(valOff, "%s: option %s has no value; write %s=VALUE", name.text, key, key)
		}
		v, err := readValue(name.text, key, opt, raw)
		if err != nil {
			return nil, errAt(valOff, "%s", err)
		}
		v.Pos = base + token.Pos(w.off)
		d.Opts[key] = v
	}
	if spec.needsNames && len(d.Names) == 0 {
		return nil, errAt(0, "//resil:%s needs the names of the %ss it applies to, such as //resil:omit ResultMetadata", name.text, spec.names)
	}
	return d, nil
}

// readValue reads raw as an option of kind opt, or says what is wrong with
// it and how to write it instead.
func readValue(dir, key string, opt optionSpec, raw string) (Value, error) {
	v := Value{Raw: raw}
	bad := func(format string, args ...any) (Value, error) {
		return Value{}, fmt.Errorf("%s: bad value %q for %s: %s", dir, raw, key, fmt.Sprintf(format, args...))
	}
	switch opt.kind {
	case kindInt:
		n, err := strconv.Atoi(raw)
		if err != nil {
			return bad("want an integer, such as %s=5", key)
		}
		if n < 0 || n == 0 && !opt.zeroOK {
			return bad("want a positive integer")
		}
		v.Int = n
	case kindDuration:
		d, err := time.ParseDuration(raw)
		if err != nil {
			return bad("want a Go duration, such as 250ms, 2s or 1m")
		}
		if d < 0 || d == 0 && !opt.zeroOK {
			return bad("want a positive duration")
		}
		v.Dur = d
	case kindEnum:
		for _, e := range opt.values {
			if raw == e {
				return v, nil
			}
		}
		return bad("want one of %s%s", strings.Join(opt.values, ", "), didYouMean(raw, opt.values))
	case kindIdent:
		if !isIdent(raw) {
			return bad("want the name of a function in this package")
		}
	case kindPath:
		for _, part := range strings.Split(raw, ".") {
			if !isIdent(part) {
				return bad("want a parameter name or a field path such as req.ID")
			}
		}
	case kindBool:
		b, err := strconv.ParseBool(raw)
		if err != nil {
			return bad("want true or false (the bare word %s means true)", key)
		}
		v.Bool = b
	case kindName:
		if strings.ContainsAny(raw, "\"`\\") || !isPrintable(raw) {
			return bad("want a plain step name without quotes or backslashes")
		}
	}
	return v, nil
}

// hasOption reports whether spec has an option called name.
func hasOption(spec directiveSpec, name string) bool {
	_, ok := spec.options[name]
	return ok
}

// word is one whitespace-separated token of a directive and its byte offset.
type word struct {
	text string
	off  int
}

// splitWords splits text[from:] at spaces and tabs, keeping offsets.
func splitWords(text string, from int) []word {
	var words []word
	start := -1
	for i := from; i <= len(text); i++ {
		if i == len(text) || text[i] == ' ' || text[i] == '\t' {
			if start >= 0 {
				words = append(words, word{text: text[start:i], off: start})
				start = -1
			}
			continue
		}
		if start < 0 {
			start = i
		}
	}
	return words
}

// ParseDoc parses every //resil: line of a doc comment. It returns the
// directives in source order and an error for each malformed one and for
// each directive given twice on one target.
func ParseDoc(doc *ast.CommentGroup) ([]*Directive, []*Error) {
	if doc == nil {
		return nil, nil
	}
	var (
		dirs []*Directive
		errs []*Error
		seen = map[string]bool{}
	)
	for _, c := range doc.List {
		if !strings.HasPrefix(c.Text, directivePrefix) {
			continue
		}
		d, err := ParseDirective(c.Text, c.Slash)
		if err != nil {
			errs = append(errs, err.(*Error))
			continue
		}
		if seen[d.Name] {
			errs = append(errs, &Error{Pos: d.Pos, Msg: fmt.Sprintf("duplicate //resil:%s on one target; merge the options into one line", d.Name)})
			continue
		}
		seen[d.Name] = true
		dirs = append(dirs, d)
	}
	return dirs, errs
}

// hasDirective reports whether doc holds a //resil: line, well-formed or
// not: such an interface is annotated, so its mistakes get reported.
func hasDirective(doc *ast.CommentGroup) bool {
	return len(directiveLines(doc)) > 0
}

// didYouMean returns ` (did you mean "x"?)` for the candidate closest to s,
// or "" when none is close enough to be a likely typo.
func didYouMean(s string, candidates []string) string {
	best, bestDist := "", 3
	for _, c := range candidates {
		d := editDistance(strings.ToLower(s), strings.ToLower(c))
		if d < bestDist || d == bestDist && best != "" && c < best {
			best, bestDist = c, d
		}
	}
	if best == "" || bestDist > len(s)/2+1 {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// sortedKeys returns m's keys in order, so that messages are deterministic.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// isIdent reports whether s is a Go identifier (not a keyword).
func isIdent(s string) bool { return token.IsIdentifier(s) }

// isPrintable reports whether s holds only printable ASCII.
func isPrintable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return true
}
