package gen

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"go/format"
	"go/token"
	"io/fs"
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
var update = flag.Bool("update", false, "rewrite testdata/<case>/want, stderr.txt and warnings.txt")

// updateFlip lets -update turn a good case (want/) into a bad one
// (stderr.txt) or back. Without it such a flip fails the case: a generator
// change that starts refusing a good input, or accepting a bad one, must be
// a decision, not a side effect of accepting new output.
var updateFlip = flag.Bool("update-flip", false, "with -update, allow a case to flip between want/ and stderr.txt")

// goldenCase is one folder of testdata/: in/ is a package; want/resil_gen.go
// is its expected output, or stderr.txt its expected errors. A good case
// that warns has its expected warnings in warnings.txt.
type goldenCase struct {
	name, dir string
	types     []string
}

// kind names what a case expects: "good" (want/resil_gen.go), "bad"
// (stderr.txt), "" (nothing yet) or "ambiguous" (both, which no outcome
// can match).
func (c goldenCase) kind() string {
	_, errWant := os.Stat(c.wantFile())
	_, errStderr := os.Stat(c.stderrFile())
	switch {
	case errWant == nil && errStderr == nil:
		return "ambiguous"
	case errWant == nil:
		return "good"
	case errStderr == nil:
		return "bad"
	}
	return ""
}

func (c goldenCase) wantFile() string     { return filepath.Join(c.dir, "want", DefaultOutput) }
func (c goldenCase) stderrFile() string   { return filepath.Join(c.dir, "stderr.txt") }
func (c goldenCase) warningsFile() string { return filepath.Join(c.dir, "warnings.txt") }

// expectWarnings compares the warnings of a good case with warnings.txt,
// or rewrites it under update. A case that warns about nothing has no
// warnings.txt: a stale one fails, so that a warning that went away is
// noticed as surely as one that appeared.
func (c goldenCase) expectWarnings(warns ErrorList, update bool) error {
	var got []byte
	if len(warns) > 0 {
		got = []byte(warns.Error() + "\n")
	}
	file := c.warningsFile()
	want, err := os.ReadFile(file)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	exists := err == nil
	if update {
		if got == nil {
			if exists {
				return os.Remove(file)
			}
			return nil
		}
		return os.WriteFile(file, got, 0o644)
	}
	switch {
	case got == nil && exists:
		return fmt.Errorf("case %s warns about nothing, but has %s (run with -update to remove it):\n%s", c.name, file, want)
	case got != nil && !exists:
		return fmt.Errorf("case %s warns, and has no warnings.txt (run with -update to record them):\n%s", c.name, got)
	case !bytes.Equal(got, want):
		return fmt.Errorf("%s differs from the warnings; run with -update to accept them\n--- got:\n%s\n--- want:\n%s", file, got, want)
	}
	return nil
}

// describe spells a kind with the file that holds it, for messages.
func describe(kind string) string {
	switch kind {
	case "good":
		return "good (want/" + DefaultOutput + ")"
	case "bad":
		return "bad (stderr.txt)"
	}
	return kind
}

// expect compares what the generator did for the case (got is the file it
// generated, or its errors when generates is false) with the case's
// expectation, or rewrites the expectation when update is set. A case
// whose outcome is of the other kind than its expectation has flipped:
// that fails even under update, unless flip is set too.
func (c goldenCase) expect(got []byte, generates, update, flip bool) error {
	outcome, file := "bad", c.stderrFile()
	if generates {
		outcome, file = "good", c.wantFile()
	}
	had := c.kind()
	flipped := had != "" && had != "ambiguous" && had != outcome
	if update {
		if flipped && !flip {
			return fmt.Errorf("case %s flipped from %s to %s; -update refuses to flip a case: "+
				"if the generator is meant to change its mind, rerun with -update -update-flip\n--- output:\n%s",
				c.name, describe(had), describe(outcome), got)
		}
		if len(got) == 0 {
			return fmt.Errorf("case %s generates nothing", c.name)
		}
		for _, f := range []string{c.wantFile(), c.stderrFile()} {
			if err := os.Remove(f); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
		}
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			return err
		}
		return os.WriteFile(file, got, 0o644)
	}
	switch {
	case had == "":
		return fmt.Errorf("case %s has neither want/%s nor stderr.txt (run with -update); it is %s:\n%s",
			c.name, DefaultOutput, describe(outcome), got)
	case had == "ambiguous":
		return fmt.Errorf("case %s has both want/%s and stderr.txt; remove the wrong one", c.name, DefaultOutput)
	case flipped:
		return fmt.Errorf("case %s flipped from %s to %s; if that is intended, run with -update -update-flip\n--- output:\n%s",
			c.name, describe(had), describe(outcome), got)
	}
	want, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	if !bytes.Equal(got, want) {
		return fmt.Errorf("%s differs from the output; run with -update to accept it\n--- got:\n%s\n--- want:\n%s", file, got, want)
	}
	return nil
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
			out, warns, errs := Generate(pkg, c.types, Header(nil))
			var got []byte
			generates := len(errs) == 0
			if err := c.expectWarnings(warns.Relative(c.dir), *update); err != nil {
				t.Error(err)
			}
			if generates {
				got = out
				// Emit writes gofmt'd text without running gofmt; this
				// keeps the two from drifting apart.
				if formatted, err := format.Source(out); err != nil || !bytes.Equal(formatted, out) {
					t.Errorf("the output is not gofmt'd (%v):\n%s", err, diffLines(out, formatted))
				}
			} else {
				got = []byte(errs.Relative(c.dir).Error() + "\n")
			}
			if err := c.expect(got, generates, *update, *updateFlip); err != nil {
				t.Fatal(err)
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

// TestGoldenExpectFlips runs the expectation logic of TestGolden on
// temporary cases: a case whose outcome changes kind (generates where it
// was refused, or the reverse) fails with "flipped" and its name, with or
// without -update, and only -update -update-flip rewrites it.
func TestGoldenExpectFlips(t *testing.T) {
	const (
		goodOut = "package p\n"
		badOut  = "in/p.go:1:1: nope\n"
	)
	tests := []struct {
		name          string
		had           string // "good" or "bad"
		generates     bool
		update, flip  bool
		wantErr       []string // substrings; nil: no flip
		wantKindAfter string
	}{
		{"good stays good", "good", true, false, false, nil, "good"},
		{"good to bad", "good", false, false, false, []string{"case c flipped from good (want/resil_gen.go) to bad (stderr.txt)", "-update-flip", badOut}, "good"},
		{"bad to good", "bad", true, false, false, []string{"case c flipped from bad (stderr.txt) to good (want/resil_gen.go)"}, "bad"},
		{"update refuses good to bad", "good", false, true, false, []string{"case c flipped from good", "-update -update-flip"}, "good"},
		{"update refuses bad to good", "bad", true, true, false, []string{"case c flipped from bad", "-update -update-flip"}, "bad"},
		{"update-flip good to bad", "good", false, true, true, nil, "bad"},
		{"update-flip bad to good", "bad", true, true, true, nil, "good"},
		{"update good", "good", true, true, false, nil, "good"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := goldenCase{name: "c", dir: t.TempDir()}
			// The old expectation differs from either output, so that a
			// rewrite shows.
			if tt.had == "good" {
				writeCaseFile(t, c.wantFile(), "package old\n")
			} else {
				writeCaseFile(t, c.stderrFile(), "old\n")
			}
			got := badOut
			if tt.generates {
				got = goodOut
			}
			err := c.expect([]byte(got), tt.generates, tt.update, tt.flip)
			switch {
			case tt.wantErr == nil && tt.update:
				if err != nil {
					t.Fatalf("expect: %v", err)
				}
			case tt.wantErr == nil:
				// Same kind without -update: the content differs from
				// the old expectation, the ordinary failure, not a flip.
				if err == nil || strings.Contains(err.Error(), "flipped") {
					t.Fatalf("expect: %v, want a difference that is not a flip", err)
				}
			default:
				if err == nil {
					t.Fatal("expect: no error, want a flip")
				}
				for _, s := range tt.wantErr {
					if !strings.Contains(err.Error(), s) {
						t.Errorf("error %q lacks %q", err, s)
					}
				}
			}
			if k := c.kind(); k != tt.wantKindAfter {
				t.Fatalf("after expect the case is %q, want %q", k, tt.wantKindAfter)
			}
			if tt.update && tt.wantErr == nil {
				file := c.stderrFile()
				if tt.generates {
					file = c.wantFile()
				}
				if b, _ := os.ReadFile(file); string(b) != got {
					t.Fatalf("%s holds %q, want %q", file, b, got)
				}
			}
		})
	}
}

// TestGoldenExpectMatches checks the unflipped paths: a match passes, a new
// case asks for -update, and a case with both files is refused.
func TestGoldenExpectMatches(t *testing.T) {
	c := goldenCase{name: "c", dir: t.TempDir()}
	if err := c.expect([]byte("x\n"), true, false, false); err == nil || !strings.Contains(err.Error(), "run with -update") {
		t.Fatalf("new case: %v, want a request to run with -update", err)
	}
	writeCaseFile(t, c.wantFile(), "x\n")
	if err := c.expect([]byte("x\n"), true, false, false); err != nil {
		t.Fatalf("matching case: %v", err)
	}
	writeCaseFile(t, c.stderrFile(), "e\n")
	if err := c.expect([]byte("x\n"), true, false, false); err == nil || !strings.Contains(err.Error(), "both") {
		t.Fatalf("case with both files: %v, want a refusal naming both", err)
	}
}

// TestGoldenExpectWarnings checks warnings.txt both ways: a warning must
// be recorded, a recorded warning that went away fails, and -update
// writes and removes the file.
func TestGoldenExpectWarnings(t *testing.T) {
	c := goldenCase{name: "c", dir: t.TempDir()}
	w := ErrorList{{Position: token.Position{Filename: "in/a.go", Line: 3, Column: 2}, Msg: "m", Severity: SeverityWarning}}
	if err := c.expectWarnings(nil, false); err != nil {
		t.Fatalf("no warnings, no file: %v", err)
	}
	if err := c.expectWarnings(w, false); err == nil || !strings.Contains(err.Error(), "has no warnings.txt") {
		t.Fatalf("unrecorded warning: %v, want a failure", err)
	}
	if err := c.expectWarnings(w, true); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(c.warningsFile()); string(b) != "in/a.go:3:2: warning: m\n" {
		t.Fatalf("-update wrote %q", b)
	}
	if err := c.expectWarnings(w, false); err != nil {
		t.Fatalf("recorded warning: %v", err)
	}
	if err := c.expectWarnings(nil, false); err == nil || !strings.Contains(err.Error(), "warns about nothing") {
		t.Fatalf("stale warnings.txt: %v, want a failure", err)
	}
	if err := c.expectWarnings(nil, true); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(c.warningsFile()); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("-update left warnings.txt: %v", err)
	}
}

// writeCaseFile writes content to path, making its directory.
func writeCaseFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestGoodCasesRunTheirWrappers requires a behaviour test in every good
// case: compiling a wrapper says nothing of whether it applies its
// directives, and TestGoldenCompiles runs these tests against the runtime.
func TestGoodCasesRunTheirWrappers(t *testing.T) {
	for _, c := range goldenCases(t) {
		if _, err := os.Stat(filepath.Join(c.dir, "want", DefaultOutput)); err != nil {
			continue
		}
		if tests, _ := filepath.Glob(filepath.Join(c.dir, "in", "*_test.go")); len(tests) == 0 {
			t.Errorf("testdata/%s is a good case with no *_test.go in in/: add one that runs the wrapper and asserts what its directives promise", c.name)
		}
	}
}
