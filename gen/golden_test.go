package gen

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"go/format"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"golang.org/x/tools/go/packages"
)

// update rewrites the expectations of testdata/<case>/ from the generator's
// output: go test ./gen -run TestGolden -update.
var update = flag.Bool("update", false, "rewrite testdata/<case>/want and stderr.txt")

// goldenCase is one folder of testdata/: in/ is a package; want/resil_gen.go
// is its expected output, or stderr.txt its expected errors.
type goldenCase struct {
	name, dir string
	types     []string
}

// repoRoot is the module's root, where testdata/ lives.
func repoRoot(t testing.TB) string {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// goldenCases lists testdata/*/in, sorted.
func goldenCases(t testing.TB) []goldenCase {
	t.Helper()
	root := repoRoot(t)
	ins, err := filepath.Glob(filepath.Join(root, "testdata", "*", "in"))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(ins)
	var cases []goldenCase
	for _, in := range ins {
		dir := filepath.Dir(in)
		c := goldenCase{name: filepath.Base(dir), dir: dir}
		if b, err := os.ReadFile(filepath.Join(dir, "types.txt")); err == nil {
			c.types = strings.Fields(string(b))
		}
		cases = append(cases, c)
	}
	return cases
}

// loaded is the one load of every golden case, shared by all tests: the load
// is the slow part, and one packages.Load of all cases costs about what one
// case costs.
var loaded struct {
	once  sync.Once
	pkgs  map[string]*packages.Package // by case directory
	err   error
	cases []goldenCase
}

// loadCases loads every case's in/ package once per test binary.
func loadCases(t testing.TB) ([]goldenCase, map[string]*packages.Package) {
	t.Helper()
	loaded.once.Do(func() {
		root := repoRoot(t)
		loaded.cases = goldenCases(t)
		var patterns []string
		for _, c := range loaded.cases {
			patterns = append(patterns, "./testdata/"+c.name+"/in")
		}
		pkgs, err := Load(context.Background(), root, patterns)
		if err != nil {
			loaded.err = err
			return
		}
		loaded.pkgs = map[string]*packages.Package{}
		for _, p := range pkgs {
			if len(p.GoFiles) > 0 {
				loaded.pkgs[filepath.Dir(filepath.Dir(p.GoFiles[0]))] = p
			}
		}
	})
	if loaded.err != nil {
		t.Fatal(loaded.err)
	}
	return loaded.cases, loaded.pkgs
}

// TestGolden replays every case of testdata/ and compares the generated
// file, or the errors, with the expectation.
func TestGolden(t *testing.T) {
	cases, pkgs := loadCases(t)
	if len(cases) == 0 {
		t.Fatal("no cases in testdata/")
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			pkg := pkgs[c.dir]
			if pkg == nil {
				t.Fatalf("case %s was not loaded", c.name)
			}
			out, errs := Generate(pkg, c.types, Header(nil))
			wantFile := filepath.Join(c.dir, "want", DefaultOutput)
			stderrFile := filepath.Join(c.dir, "stderr.txt")
			var got []byte
			file := wantFile
			if len(errs) > 0 {
				got = []byte(errs.Relative(c.dir).Error() + "\n")
				file = stderrFile
			} else {
				got = out
				// Emit writes gofmt'd text without running gofmt; this
				// keeps the two from drifting apart.
				if formatted, err := format.Source(out); err != nil || !bytes.Equal(formatted, out) {
					t.Errorf("the output is not gofmt'd (%v):\n%s", err, diffLines(out, formatted))
				}
			}
			if *update {
				os.Remove(wantFile)
				os.Remove(stderrFile)
				if got == nil {
					t.Fatalf("case %s generates nothing", c.name)
				}
				if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(file, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(file)
			if err != nil {
				if len(errs) > 0 {
					t.Fatalf("unexpected errors:\n%s", errs.Relative(c.dir))
				}
				t.Fatalf("no expectation: %v (run with -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from the output; run with -update to accept it\n--- got:\n%s\n--- want:\n%s", file, got, want)
			}
		})
	}
}

// TestGoldenCompiles builds every good case's package with its expected
// output in place (through a go build overlay, so nothing is written into
// testdata) and runs go vet over it and over the case's own tests, which
// exercise the wrapper end to end against the runtime.
func TestGoldenCompiles(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the go command")
	}
	cases := goldenCases(t)
	root := repoRoot(t)
	overlay := map[string]string{}
	var dirs, withTests []string
	for _, c := range cases {
		want := filepath.Join(c.dir, "want", DefaultOutput)
		if _, err := os.Stat(want); err != nil {
			continue
		}
		overlay[filepath.Join(c.dir, "in", DefaultOutput)] = want
		dirs = append(dirs, "./testdata/"+c.name+"/in")
		if tests, _ := filepath.Glob(filepath.Join(c.dir, "in", "*_test.go")); len(tests) > 0 {
			withTests = append(withTests, "./testdata/"+c.name+"/in")
		}
	}
	ovFile := filepath.Join(t.TempDir(), "overlay.json")
	b, err := json.Marshal(map[string]any{"Replace": overlay})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(ovFile, b, 0o644); err != nil {
		t.Fatal(err)
	}
	goCmd := func(args ...string) {
		t.Helper()
		cmd := exec.Command("go", args...)
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("go %s: %v\n%s", strings.Join(args[:1], " "), err, out)
		}
	}
	goCmd(append([]string{"vet", "-overlay=" + ovFile}, dirs...)...)
	if len(withTests) > 0 && !t.Failed() {
		goCmd(append([]string{"test", "-count=1", "-overlay=" + ovFile}, withTests...)...)
	}
}

// diffLines shows the first line where got and want differ, with its
// neighbours, which is where a layout mistake of the writer shows.
func diffLines(got, want []byte) string {
	g, w := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := 0; i < len(g) || i < len(w); i++ {
		if i < len(g) && i < len(w) && g[i] == w[i] {
			continue
		}
		lo := max(0, i-2)
		return fmt.Sprintf("line %d:\n--- got:\n%s\n--- gofmt:\n%s", i+1,
			strings.Join(g[lo:min(len(g), i+3)], "\n"), strings.Join(w[lo:min(len(w), i+3)], "\n"))
	}
	return ""
}
