package gen

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The property: for any interface shape, resilgen either writes code that
// compiles and vets, or refuses with file:line:col errors and no output.
// randomPackage writes packages of random shapes; checkProperty generates
// for a batch of them in one temporary module, with one load and one go vet.

// propSeeds is the fixed set the normal suite runs. More come from
// go test -fuzz=FuzzGenerate ./gen, or from -prop.from and -prop.n, which
// check n seeds from a given one in one batch.
var propSeeds = seedRange(1, 48)

var (
	propFrom = flag.Int64("prop.from", 1, "first seed of TestGenerateCompilesOrRefuses")
	propN    = flag.Int("prop.n", len(propSeeds), "seeds of TestGenerateCompilesOrRefuses")
)

// seedRange returns n seeds from from.
func seedRange(from int64, n int) []int64 {
	s := make([]int64, n)
	for i := range s {
		s[i] = from + int64(i)
	}
	return s
}

func TestGenerateCompilesOrRefuses(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the go command")
	}
	t.Parallel()
	seeds := seedRange(*propFrom, *propN)
	generated := checkProperty(t, seeds)
	t.Logf("%d of %d random packages generated; the others were refused", generated, len(seeds))
	// A generator of shapes that resilgen always refuses would test only
	// the refusals.
	if generated < len(seeds)/4 {
		t.Errorf("only %d of %d random packages generated; the shapes are too often invalid to test the output", generated, len(seeds))
	}
}

// FuzzGenerate runs the property on one random package per seed.
func FuzzGenerate(f *testing.F) {
	for _, s := range propSeeds[:4] {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, seed int64) {
		checkProperty(t, []int64{seed})
	})
}

// checkProperty generates for the random package of each seed and returns
// how many of them generated a file.
func checkProperty(t *testing.T, seeds []int64) int {
	t.Helper()
	files := map[string]string{}
	for _, s := range seeds {
		for name, src := range randomPackage(s) {
			files[name] = src
		}
	}
	dir := writeModule(t, files)
	patterns := make([]string, len(seeds))
	seedOf := map[string]int64{}
	for i, s := range seeds {
		patterns[i] = "./" + propPkg(s)
		seedOf[propPkg(s)] = s
	}
	pkgs, err := Load(context.Background(), dir, patterns)
	if err != nil {
		t.Fatal(err)
	}
	overlay := map[string]string{}
	var vet []string
	for _, pkg := range pkgs {
		seed := seedOf[pkg.Name]
		src := files[pkg.Name+"/p.go"]
		// The input itself must be valid Go, or the property says nothing
		// about resilgen.
		if len(pkg.Errors) > 0 {
			t.Errorf("seed %d: the random package does not type-check: %v\n%s", seed, pkg.Errors, numbered(src))
			continue
		}
		out, _, errs := Generate(pkg, nil, Header(nil))
		if len(errs) > 0 {
			if testing.Verbose() {
				t.Logf("seed %d: refused:\n%v", seed, errs)
			}
			if out != nil {
				t.Errorf("seed %d: refused and yet produced output", seed)
			}
			for _, e := range errs {
				if !e.Position.IsValid() || e.Position.Filename == "" || e.Position.Column == 0 || e.Msg == "" {
					t.Errorf("seed %d: an error without file:line:col: %q\n%s", seed, e.Error(), numbered(src))
				}
			}
			continue
		}
		if out == nil {
			t.Errorf("seed %d: neither output nor errors, but every random package is annotated", seed)
			continue
		}
		gen := filepath.Join(t.TempDir(), pkg.Name+"_"+DefaultOutput)
		if err := os.WriteFile(gen, out, 0o644); err != nil {
			t.Fatal(err)
		}
		overlay[filepath.Join(dir, pkg.Name, DefaultOutput)] = gen
		vet = append(vet, "./"+pkg.Name)
	}
	if len(vet) == 0 {
		return 0
	}
	ov := filepath.Join(t.TempDir(), "overlay.json")
	b, err := json.Marshal(map[string]any{"Replace": overlay})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(ov, b, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", append([]string{"vet", "-overlay=" + ov}, vet...)...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		// Show the inputs and outputs of the packages that failed, by seed.
		var report strings.Builder
		for _, name := range slices.Compact(regexp.MustCompile(`\bp\d+\b`).FindAllString(string(out), -1)) {
			gen, _ := os.ReadFile(overlay[filepath.Join(dir, name, DefaultOutput)])
			fmt.Fprintf(&report, "\n=== seed %d: input\n%s\n=== output\n%s", seedOf[name], numbered(files[name+"/p.go"]), numbered(string(gen)))
		}
		t.Errorf("generated code does not vet: %v\n%s%s", err, out, report.String())
	}
	return len(vet)
}

// numbered prefixes each line of src with its number, for reports.
func numbered(src string) string {
	lines := strings.Split(src, "\n")
	for i, l := range lines {
		lines[i] = fmt.Sprintf("%4d  %s", i+1, l)
	}
	return strings.Join(lines, "\n")
}

// propPkg is the package (and directory) of a seed's random package; a
// report's "seed N" is the seed as an int64.
func propPkg(seed int64) string {
	return fmt.Sprintf("p%d", uint64(seed))
}

// propOther is a package that every random package imports as other: the
// shapes of other packages' interfaces that a random interface may embed,
// and types it may name. %[1]s is the random package's import path.
const propOther = `package other

import (
	"context"

	"%[1]s/internal/tok"
	"%[1]s/other/internal/sec"
)

type hidden struct{ N int }

// Exported is a plain struct.
type Exported struct {
	ID string
	N  int
}

// Box is generic.
type Box[T any] struct{ V T }

// Option is a call option whose method only this package implements.
type Option interface{ apply(*Exported) }

// Clean names only what other packages can name.
type Clean interface {
	OClean(ctx context.Context, e *Exported, opts ...Option) (Box[string], error)
}

// Hidden names an unexported type.
type Hidden interface {
	OHidden(ctx context.Context) (*hidden, error)
}

// Leaky names a type of an internal package of other.
type Leaky interface {
	OLeaky(ctx context.Context, toks []sec.Token) error
}

// Tok names a type of an internal package its importer may import.
type Tok interface {
	OTok(ctx context.Context) (tok.T, error)
}

// Lit names a struct literal with an unexported field.
type Lit interface {
	OLit(ctx context.Context) (struct{ n int }, error)
}

// Generic is a generic interface.
type Generic[T any] interface {
	OGeneric(ctx context.Context, v T) ([]T, error)
}

// NoErr has no error result.
type NoErr interface {
	ONoErr() string
}
`

// propLocal is the start of every random package: the imports and the
// types its interfaces name.
const propLocal = `// Package %[2]s is a random interface shape for resilgen's property test.
package %[2]s

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"%[1]s/internal/tok"
	"%[1]s/other"
)

var (
	_ context.Context
	_ json.RawMessage
	_ fmt.Stringer
	_ io.Reader
	_ http.Request
	_ time.Duration
	_ tok.T
	_ other.Exported
)

// T is a request.
type T struct {
	ID  string
	N   int
	Ref *T
}

// Key is a named string.
type Key string

// Opts are set by call options.
type Opts struct{ Retries int }

// CallOption is a call option as gRPC spells them.
type CallOption interface{ Apply(*Opts) }

// Box is generic.
type Box[X any] struct{ V X }

// Num is a constraint.
type Num interface{ ~int | ~int64 }

// Base is embedded from this package.
type Base interface {
	Ping(ctx context.Context) error
}
`

// randomPackage returns the files, by path in the module, of the random
// package of seed and of its helpers.
func randomPackage(seed int64) map[string]string {
	r := rand.New(rand.NewSource(seed))
	name := propPkg(seed)
	path := "example.com/m/" + name
	mode := r.Intn(6)
	g := &shapeGen{r: r, clean: mode >= 2, leaky: mode == 2}
	var b strings.Builder
	fmt.Fprintf(&b, propLocal, path, name)
	n := 1 + r.Intn(3)
	for i := 0; i < n; i++ {
		g.iface(&b, fmt.Sprintf("I%d", i))
	}
	if !g.clean && r.Intn(6) == 0 {
		fmt.Fprintf(&b, "\n// ResilientI0 is taken.\ntype ResilientI0 struct{}\n")
	}
	return map[string]string{
		name + "/p.go":                      b.String(),
		name + "/other/other.go":            fmt.Sprintf(propOther, path),
		name + "/other/internal/sec/sec.go": "// Package sec is internal to other.\npackage sec\n\n// Token is a token.\ntype Token struct{ V string }\n",
		name + "/internal/tok/tok.go":       "// Package tok is internal to the random package.\npackage tok\n\n// T is a token.\ntype T string\n",
	}
}

// shapeGen draws the parts of random interfaces.
type shapeGen struct {
	r *rand.Rand
	// clean draws only shapes resilgen should generate for, so that the
	// output side of the property is exercised as often as the refusals.
	clean bool
	// leaky adds to a clean shape one embedded interface of another
	// package whose methods name what the random package cannot: only
	// that may make it refused.
	leaky bool
	// tparams are the type parameters of the interface being drawn, by
	// name, with whether they are comparable.
	tparams map[string]bool
}

// pick returns one of xs.
func pick[S any](r *rand.Rand, xs []S) S { return xs[r.Intn(len(xs))] }

// chance is true with probability 1/n.
func (g *shapeGen) chance(n int) bool { return g.r.Intn(n) == 0 }

// Name pools. Parameter names include what generated code names its
// locals, its imports and the package's types, and predeclared names.
var (
	propMethodNames = []string{"Get", "Put", "List", "Do", "Send", "Close", "String", "Len", "Any", "Next", "Opts", "W", "Call", "New", "Run", "Err", "Ctx", "Fetch", "Delete", "Watch"}
	propParamNames  = []string{
		"id", "req", "n", "v", "data", "in", "x",
		"w", "ctx", "err", "call", "r0", "r1", "next", "opts", "rt", "breaker", "bulkhead", "retry", "idempotency", "arg0", "arg1",
		"runtime", "context", "time", "errors", "strconv", "json", "other", "tok", "http",
		"any", "error", "len", "string", "nil", "int64", "uint64", "true", "comparable", "min", "max", "clear", "new", "make", "append", "cap", "iota",
		"T", "Key", "Box", "Opts", "E", "K", "V",
	}
	propTypes = []string{
		"int", "string", "[]byte", "bool", "float64", "any", "error", "map[string]int", "*T", "[]*T", "T", "Key",
		"chan int", "<-chan string", "chan<- bool", "func(int) error", "func(...string) (int, error)", "[3]int",
		"struct{ A int; B string }", "struct{}", "interface{ M() }", "interface{}", "time.Duration", "*http.Request",
		"io.Reader", "json.RawMessage", "other.Exported", "*other.Exported", "other.Box[int]", "map[Key][]other.Exported",
		"Box[T]", "tok.T", "fmt.Stringer", "[]map[string]*T", "map[int]func(*T) (Key, error)", "other.Option",
	}
	// propEncodable are the types a recorded method's parameters and
	// results may have.
	propEncodable = []string{
		"int", "string", "[]byte", "bool", "float64", "map[string]int", "*T", "[]*T", "T", "Key", "time.Duration",
		"json.RawMessage", "other.Exported", "*other.Exported", "other.Box[int]", "map[Key][]other.Exported", "Box[T]",
		"tok.T", "[3]int", "struct{ A int; B string }",
	}
	propTypeParams = []struct {
		decl  string
		names map[string]bool // name: comparable
	}{
		{"[E any]", map[string]bool{"E": false}},
		{"[K comparable, V any]", map[string]bool{"K": true, "V": false}},
		{"[N Num]", map[string]bool{"N": true}},
		{"[S ~string | ~[]byte]", map[string]bool{"S": false}},
	}
	propEmbeds = []struct {
		expr    string
		methods []string
	}{
		{"Base", []string{"Ping"}},
		{"io.Closer", []string{"Close"}},
		{"fmt.Stringer", []string{"String"}},
		{"other.Clean", []string{"OClean"}},
		{"other.Hidden", []string{"OHidden"}},
		{"other.Leaky", []string{"OLeaky"}},
		{"other.Tok", []string{"OTok"}},
		{"other.Lit", []string{"OLit"}},
		{"other.Generic[int]", []string{"OGeneric"}},
		{"other.NoErr", []string{"ONoErr"}},
	}
)

// typ draws a type, using the interface's type parameters at times;
// recorded asks for one that encodes as JSON.
func (g *shapeGen) typ(recorded bool) string {
	if recorded && g.clean {
		return pick(g.r, propEncodable)
	}
	if len(g.tparams) > 0 && g.chance(3) {
		var names []string
		for n := range g.tparams {
			names = append(names, n)
		}
		slices.Sort(names)
		tp := pick(g.r, names)
		switch g.r.Intn(4) {
		case 0:
			return "[]" + tp
		case 1:
			return "Box[" + tp + "]"
		case 2:
			if g.tparams[tp] {
				return "map[" + tp + "]string"
			}
		}
		return tp
	}
	return pick(g.r, propTypes)
}

// methodDirective draws a method-level directive line, or "".
func (g *shapeGen) methodDirective() string {
	switch g.r.Intn(14) {
	case 0, 1, 2:
		if g.chance(2) {
			return "//resil:idempotent key="
		}
		return "//resil:idempotent ttl=1h"
	case 3, 4:
		return "//resil:readonly"
	case 5:
		return "//resil:checkpoint"
	case 6:
		return "//resil:checkpoint step=s" + fmt.Sprint(g.r.Intn(3))
	case 7:
		return "//resil:skip"
	case 8:
		return "//resil:timeout 2s"
	case 9:
		return "//resil:retry attempts=2 unsafe"
	case 10:
		return "//resil:breaker threshold=2"
	case 11:
		return "//resil:bulkhead max=2 wait=0s"
	}
	return ""
}

// keyFor completes key= with a parameter to key by: in clean shapes one
// of a key's types, else any.
func (g *shapeGen) keyFor(params []param) string {
	var ok []string
	for _, p := range params[min(1, len(params)):] {
		if p.name == "" || p.name == "_" {
			continue
		}
		if !g.clean || p.typ == "string" || p.typ == "int" || p.typ == "Key" {
			ok = append(ok, p.name)
		}
		if g.clean && (p.typ == "T" || p.typ == "other.Exported") {
			ok = append(ok, p.name+".ID")
		}
	}
	if len(ok) == 0 {
		return ""
	}
	return pick(g.r, ok)
}

// iface writes one annotated interface.
func (g *shapeGen) iface(b *strings.Builder, name string) {
	r := g.r
	g.tparams = nil
	decl := ""
	if g.chance(4) {
		tp := pick(r, propTypeParams)
		decl, g.tparams = tp.decl, tp.names
	}
	// Type-level directives: most often a usable set.
	var typeDirs []string
	if g.chance(2) {
		typeDirs = append(typeDirs, pick(r, []string{"//resil:breaker", "//resil:breaker threshold=3 window=1m", "//resil:breaker scope=method"}))
	}
	if g.chance(3) {
		typeDirs = append(typeDirs, "//resil:bulkhead max=4")
	}
	if g.chance(3) {
		retries := []string{"//resil:retry attempts=2 unsafe", "//resil:retry attempts=3 jitter=none unsafe"}
		if !g.clean {
			retries = append(retries, "//resil:retry")
		}
		typeDirs = append(typeDirs, pick(r, retries))
	}
	if g.chance(3) {
		typeDirs = append(typeDirs, "//resil:timeout 1s")
	}
	if len(typeDirs) == 0 {
		typeDirs = append(typeDirs, "//resil:breaker")
	}

	used := map[string]bool{}
	var embeds []string
	for i := r.Intn(3); i > 0; i-- {
		e := pick(r, propEmbeds)
		if g.clean {
			e = propEmbeds[pick(r, []int{0, 1, 3, 6, 8})]
		}
		if slices.Contains(embeds, e.expr) {
			continue
		}
		embeds = append(embeds, e.expr)
		for _, m := range e.methods {
			used[m] = true
		}
	}
	var methods []string
	for i := 1 + r.Intn(4); i > 0; i-- {
		m := pick(r, propMethodNames)
		if used[m] {
			continue
		}
		used[m] = true
		methods = append(methods, m)
	}
	if g.leaky {
		e := propEmbeds[pick(r, []int{4, 5, 7})]
		embeds = append(embeds, e.expr)
		if g.chance(2) {
			// Passing it through changes nothing: it is still spelled.
			typeDirs = append(typeDirs, "//resil:skip "+e.methods[0])
		}
	}
	if len(methods) > 0 && g.chance(3) {
		// Skip a method, or one that does not exist.
		names := methods
		if !g.clean {
			names = append(names, "Nope", "String", "Close")
		}
		typeDirs = append(typeDirs, "//resil:skip "+pick(r, names))
	}

	fmt.Fprintf(b, "\n// %s is random.\n//\n%s\ntype %s%s interface {\n", name, strings.Join(typeDirs, "\n"), name, decl)
	for _, e := range embeds {
		if !g.clean && g.chance(6) {
			b.WriteString("\t//resil:timeout 1s\n")
		}
		fmt.Fprintf(b, "\t%s\n", e)
	}
	for _, m := range methods {
		d := g.methodDirective()
		recorded := strings.HasPrefix(d, "//resil:idempotent") || strings.HasPrefix(d, "//resil:checkpoint")
		sig, params := g.signature(recorded)
		if strings.HasSuffix(d, "key=") {
			d += g.keyFor(params)
			if strings.HasSuffix(d, "key=") {
				d = "//resil:idempotent"
			}
		}
		if d != "" {
			fmt.Fprintf(b, "\t%s\n", d)
		}
		fmt.Fprintf(b, "\t%s%s\n", m, sig)
	}
	b.WriteString("}\n")
}

// param is a drawn parameter: its name ("" when unnamed) and type.
type param struct{ name, typ string }

// signature draws (params) results; recorded asks for a signature a
// recorded method can have.
func (g *shapeGen) signature(recorded bool) (string, []param) {
	r := g.r
	unnamed := g.chance(10)
	var params []param
	taken := map[string]bool{}
	add := func(typ string) {
		p := param{typ: typ}
		for !unnamed {
			p.name = pick(r, propParamNames)
			if g.chance(8) {
				p.name = "_"
			}
			if p.name == "_" || !taken[p.name] {
				taken[p.name] = true
				break
			}
		}
		params = append(params, p)
	}
	if g.clean || !g.chance(6) {
		add("context.Context")
	}
	for i := r.Intn(4); i > 0; i-- {
		add(g.typ(recorded))
	}
	if (!g.clean || !recorded) && g.chance(4) {
		add("..." + pick(r, []string{"func(*Opts)", "CallOption", "string", "other.Option", "*T"}))
	}
	var results []string
	for i := r.Intn(3); i > 0; i-- {
		results = append(results, g.typ(recorded))
	}
	if g.clean || !g.chance(12) {
		results = append(results, "error")
	}
	spelled := make([]string, len(params))
	for i, p := range params {
		spelled[i] = strings.TrimSpace(p.name + " " + p.typ)
	}
	sig := "(" + strings.Join(spelled, ", ") + ")"
	switch len(results) {
	case 0:
	case 1:
		sig += " " + results[0]
	default:
		sig += " (" + strings.Join(results, ", ") + ")"
	}
	return sig, params
}
