package examples

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// root is the repository's root, seen from this package's directory, where
// go test runs it.
const root = ".."

// The README's first code block: what a newcomer runs on a fresh machine.
const (
	firstCommand  = "go generate ./examples/provisioning && go run ./examples/provisioning"
	secondCommand = "./scripts/test.sh"
)

// block is one fenced code block of the README.
type block struct {
	lang  string
	lines []string
}

// readmeBlocks returns the README's fenced code blocks in order.
func readmeBlocks(t *testing.T) []block {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	var (
		blocks []block
		cur    *block
	)
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "```") {
			if cur == nil {
				cur = &block{lang: strings.TrimPrefix(line, "```")}
			} else {
				blocks = append(blocks, *cur)
				cur = nil
			}
			continue
		}
		if cur != nil {
			cur.lines = append(cur.lines, line)
		}
	}
	if cur != nil {
		t.Fatal("README.md: a code block is not closed")
	}
	return blocks
}

// TestFirstBlock checks that the README's first code block holds exactly
// the two commands, that CI runs the second, and runs the first: it must
// generate, then provision every step on a fresh store.
func TestFirstBlock(t *testing.T) {
	blocks := readmeBlocks(t)
	if len(blocks) == 0 {
		t.Fatal("README.md has no code block")
	}
	var cmds []string
	for _, l := range blocks[0].lines {
		if l = strings.TrimSpace(l); l != "" {
			cmds = append(cmds, l)
		}
	}
	if len(cmds) != 2 || cmds[0] != firstCommand || cmds[1] != secondCommand {
		t.Fatalf("README.md's first code block holds %q, want exactly [%q %q]", cmds, firstCommand, secondCommand)
	}

	// The second command is the one CI runs.
	ci, err := os.ReadFile(filepath.Join(root, ".ci", "run"))
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(?m)^(exec )?` + regexp.QuoteMeta(secondCommand) + `\s*$`).Match(ci) {
		t.Errorf(".ci/run does not run %s:\n%s", secondCommand, ci)
	}

	// The first: the example's default store is under the temporary
	// directory, so a private TMPDIR makes this a fresh machine's run.
	gen := filepath.Join(root, "examples", "provisioning", "resil_gen.go")
	before, err := os.ReadFile(gen)
	if err != nil {
		t.Fatal(err)
	}
	out := shell(t, root, cmds[0], "TMPDIR="+t.TempDir())
	for _, want := range []string{
		"step 1 CreateVPC      ran and was journaled",
		"step 4 CreateDatabase ran and was journaled",
		"provisioned staging: replayed 0 of 4 steps from the journal, ran 4",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("%s: output lacks %q:\n%s", cmds[0], want, out)
		}
	}
	if after, _ := os.ReadFile(gen); !bytes.Equal(before, after) {
		t.Errorf("go generate changed examples/provisioning/resil_gen.go: the committed file was stale")
	}
}

// TestGeneratedFresh checks that every example's committed resil_gen.go is
// what go generate writes now. (It does not use resilgen -check, whose
// header would name its own arguments; see the header of a generated file.)
func TestGeneratedFresh(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("*", "resil_gen.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no generated files under examples/: %v", err)
	}
	before := map[string][]byte{}
	for _, f := range files {
		if before[f], err = os.ReadFile(f); err != nil {
			t.Fatal(err)
		}
	}
	if out := shell(t, root, "go generate ./examples/..."); out != "" {
		t.Fatalf("go generate ./examples/...:\n%s", out)
	}
	for _, f := range files {
		if after, _ := os.ReadFile(f); !bytes.Equal(before[f], after) {
			t.Errorf("examples/%s was stale: go generate rewrote it", f)
		}
	}
}

// TestQuickstartSnippet checks that the README's quickstart is, verbatim,
// the compiled example package examples/quickstart.
func TestQuickstartSnippet(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("quickstart", "quickstart.go"))
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range readmeBlocks(t) {
		if b.lang == "go" && strings.Join(b.lines, "\n")+"\n" == string(src) {
			return
		}
	}
	t.Errorf("README.md has no go block equal to examples/quickstart/quickstart.go; copy the file into the quickstart")
}

// TestConsoleBlocks runs every "$ command" of the README's console blocks and
// compares its output with the lines the README shows under it. A command
// this test does not know how to run fails it: every command in the README
// is run by a test, or by CI.
func TestConsoleBlocks(t *testing.T) {
	n := 0
	for _, b := range readmeBlocks(t) {
		if b.lang != "console" {
			continue
		}
		for _, c := range splitConsole(b.lines) {
			n++
			t.Run(c.cmd, func(t *testing.T) {
				t.Parallel()
				var out string
				switch {
				case strings.HasPrefix(c.cmd, "go get -tool "):
					out = toolDependency(t, c.cmd)
				case strings.HasPrefix(c.cmd, "cd examples/"):
					out = shell(t, root, c.cmd)
				default:
					t.Fatalf("README.md shows %q, which no test runs; teach TestConsoleBlocks to run it", c.cmd)
				}
				if want := strings.Join(c.output, "\n"); strings.TrimRight(out, "\n") != want {
					t.Errorf("%s printed\n%s\nREADME.md shows\n%s", c.cmd, out, want)
				}
			})
		}
	}
	if n == 0 {
		t.Error("README.md has no console block")
	}
}

// consoleCommand is a "$ command" and the output shown under it.
type consoleCommand struct {
	cmd    string
	output []string
}

func splitConsole(lines []string) []consoleCommand {
	var cmds []consoleCommand
	for _, l := range lines {
		if cmd, ok := strings.CutPrefix(l, "$ "); ok {
			cmds = append(cmds, consoleCommand{cmd: cmd})
		} else if len(cmds) > 0 {
			cmds[len(cmds)-1].output = append(cmds[len(cmds)-1].output, l)
		}
	}
	return cmds
}

// toolDependency runs the README's `go get -tool` in a new module that
// requires this repository through a replace directive, as a user's would
// require a published version, then generates the quickstart there with
// `go tool resilgen` and runs it. The module is not published, so the go
// command runs with GOPROXY=off: everything it needs is in the module
// cache already, having been used to build this repository.
func toolDependency(t *testing.T, cmd string) string {
	t.Helper()
	abs, err := filepath.Abs(root)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	gomod := "module example.com/shop\n\ngo 1.26.0\n\nrequire github.com/resilgen/resilgen v0.0.0\n\nreplace github.com/resilgen/resilgen => " + abs + "\n"
	write(t, filepath.Join(dir, "go.mod"), gomod)
	offline := []string{"GOPROXY=off", "GOFLAGS=-mod=mod"}
	out := shell(t, dir, cmd, offline...)

	mod, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(mod), "\ntool github.com/resilgen/resilgen/cmd/resilgen\n") {
		t.Fatalf("%s did not add the tool directive:\n%s", cmd, mod)
	}
	// The quickstart, with the tool in its //go:generate line.
	pay := filepath.Join(dir, "pay")
	if err := os.Mkdir(pay, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"quickstart.go", "provider.go"} {
		src, err := os.ReadFile(filepath.Join("quickstart", f))
		if err != nil {
			t.Fatal(err)
		}
		write(t, filepath.Join(pay, f), strings.Replace(string(src),
			"//go:generate go run github.com/resilgen/resilgen/cmd/resilgen", "//go:generate go tool resilgen", 1))
	}
	run := shell(t, pay, "go generate && go run .", offline...)
	if !strings.Contains(run, "provider: 2 requests, 1 charge") {
		t.Errorf("the quickstart generated by go tool resilgen printed:\n%s", run)
	}
	return out
}

// shell runs script with bash in dir, with env added to this process's
// environment, and returns its output, stdout and stderr together. A
// non-zero exit is not an error here: the README shows failures too.
func shell(t *testing.T, dir, script string, env ...string) string {
	t.Helper()
	c := exec.Command("bash", "-c", script)
	c.Dir = dir
	c.Env = append(os.Environ(), env...)
	out, err := c.CombinedOutput()
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		t.Fatalf("%s: %v", script, err)
	}
	return string(out)
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
