package gen

import (
	"bytes"
	"fmt"
	"go/format"
	"go/types"
	goruntime "runtime"
	"slices"
	"strings"
	"sync"
)

// runtimePath is the package generated code calls.
const runtimePath = "github.com/resilgen/resilgen/runtime"

// protocodecPath is the package generated code records Protocol Buffers
// messages with, imported only by code that has such a message.
const protocodecPath = runtimePath + "/protocodec"

// fixedImports are the packages generated code may use besides those of the
// wrapped signatures, with their names.
var fixedImports = map[string]string{
	runtimePath:    "runtime",
	"context":      "context",
	"time":         "time",
	"errors":       "errors",
	"strconv":      "strconv",
	protocodecPath: "protocodec",
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

// Header returns the first line of a generated file, naming the command
// line that made it as stringer does.
func Header(args []string) string {
	cmd := "resilgen"
	if len(args) > 0 {
		cmd += " " + strings.Join(args, " ")
	}
	return "Code generated by " + cmd + ". DO NOT EDIT."
}
