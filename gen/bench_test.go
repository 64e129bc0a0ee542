package gen

import (
	"bytes"
	"context"
	"fmt"
	"go/format"
	"strings"
	"testing"

	"golang.org/x/tools/go/packages"
)

// synthetic writes a module whose package big has n interfaces of m
// methods each, with a mix of directives, and returns its directory.
func synthetic(b testing.TB, n, m int) string {
	b.Helper()
	var src strings.Builder
	src.WriteString("package big\n\nimport (\n\t\"context\"\n\t\"time\"\n)\n\n")
	src.WriteString("// Req is a request.\ntype Req struct {\n\tID  string\n\tSeq int64\n\tAt  time.Time\n}\n\n")
	src.WriteString("// Resp is a response.\ntype Resp struct {\n\tBody  []byte\n\tCodes map[string]int\n}\n\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&src, "// Service%d is synthetic.\n//\n//resil:breaker threshold=%d\n//resil:readonly\n//resil:retry attempts=3\ntype Service%d interface {\n", i, 3+i%5, i)
		for j := 0; j < m; j++ {
			switch j % 4 {
			case 0:
				fmt.Fprintf(&src, "\t//resil:idempotent key=req.ID\n\tM%d(ctx context.Context, req Req) (*Resp, error)\n", j)
			case 1:
				fmt.Fprintf(&src, "\t//resil:timeout 2s\n\tM%d(ctx context.Context, id string, n int) (int, string, error)\n", j)
			case 2:
				fmt.Fprintf(&src, "\t//resil:checkpoint\n\tM%d(ctx context.Context, ids ...string) ([]Resp, error)\n", j)
			default:
				fmt.Fprintf(&src, "\tM%d(ctx context.Context, at time.Time) error\n", j)
			}
		}
		src.WriteString("}\n\n")
	}
	return writeModuleTB(b, map[string]string{"big/big.go": src.String()})
}

// BenchmarkLoad is the floor: one bare packages.Load of the synthetic
// package with types and syntax, as every generator needs.
func BenchmarkLoad(b *testing.B) {
	dir := synthetic(b, 300, 8)
	cfg := &packages.Config{Mode: loadMode, Dir: dir}
	for b.Loop() {
		pkgs, err := packages.Load(cfg, "./big")
		if err != nil || len(pkgs) != 1 || len(pkgs[0].Errors) > 0 {
			b.Fatal(err, pkgs)
		}
	}
}

// BenchmarkGenerate is a whole run but the write: load, find, check, emit
// and format 300 interfaces of 8 methods. The target is at most twice
// BenchmarkLoad.
func BenchmarkGenerate(b *testing.B) {
	dir := synthetic(b, 300, 8)
	for b.Loop() {
		pkgs, err := Load(context.Background(), dir, []string{"./big"})
		if err != nil {
			b.Fatal(err)
		}
		files, _, errs := GenerateAll(pkgs, nil, Header(nil))
		if len(errs) > 0 || len(files) != 1 || files[0].Content == nil {
			b.Fatal(errs)
		}
	}
}

// TestEmitGroupsAreGofmtOfTheWholeFile checks that rendering and formatting
// in parallel groups gives the bytes of one gofmt over the whole file.
func TestEmitGroupsAreGofmtOfTheWholeFile(t *testing.T) {
	t.Parallel()
	dir := synthetic(t, 40, 8)
	pkgs, err := Load(context.Background(), dir, []string{"./big"})
	if err != nil {
		t.Fatal(err)
	}
	ifaces, errs := FindInterfaces(pkgs[0], nil)
	plans, cerrs := Check(pkgs[0], ifaces)
	if len(errs)+len(cerrs) > 0 || len(plans) != 40 {
		t.Fatal(errs, cerrs)
	}
	one, err := emit(pkgs[0].Types, plans, Header(nil), 1)
	if err != nil {
		t.Fatal(err)
	}
	if formatted, err := format.Source(one); err != nil || !bytes.Equal(formatted, one) {
		t.Fatalf("one group is not gofmt'd: %v", err)
	}
	for _, groups := range []int{2, 3, 7, 40} {
		got, err := emit(pkgs[0].Types, plans, Header(nil), groups)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, one) {
			t.Errorf("%d groups give other bytes than one", groups)
		}
	}
}

// BenchmarkEmit is the part of BenchmarkGenerate that is ours alone:
// rendering and formatting the checked plans.
func BenchmarkEmit(b *testing.B) {
	dir := synthetic(b, 300, 8)
	pkgs, err := Load(context.Background(), dir, []string{"./big"})
	if err != nil {
		b.Fatal(err)
	}
	ifaces, _ := FindInterfaces(pkgs[0], nil)
	plans, errs := Check(pkgs[0], ifaces)
	if len(errs) > 0 {
		b.Fatal(errs)
	}
	for b.Loop() {
		if _, err := Emit(pkgs[0].Types, plans, Header(nil)); err != nil {
			b.Fatal(err)
		}
	}
}
