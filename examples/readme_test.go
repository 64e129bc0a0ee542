package examples

import (
	"bufio"
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// root is the repository's root, seen from this package's directory, where
// go test runs it. Tests read it and never write into it: a command that
// generates runs in a copy (see checkout).
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
	// directory, so a private TMPDIR makes this a fresh machine's run. It
	// generates, so it runs in a copy of the repository.
	gen := filepath.Join("examples", "provisioning", "resil_gen.go")
	before, err := os.ReadFile(filepath.Join(root, gen))
	if err != nil {
		t.Fatal(err)
	}
	dir := checkout(t)
	out := shell(t, dir, cmds[0], "TMPDIR="+t.TempDir())
	for _, want := range []string{
		"step 1 CreateVPC      ran and was journaled",
		"step 4 CreateDatabase ran and was journaled",
		"provisioned staging: replayed 0 of 4 steps from the journal, ran 4",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("%s: output lacks %q:\n%s", cmds[0], want, out)
		}
	}
	if after, _ := os.ReadFile(filepath.Join(dir, gen)); !bytes.Equal(before, after) {
		t.Errorf("go generate changed examples/provisioning/resil_gen.go: the committed file was stale")
	}
}

// TestGeneratedFresh checks that every example's committed resil_gen.go is
// what go generate writes now, in a copy of the repository. (It does not
// use resilgen -check, whose header would name its own arguments; see the
// header of a generated file.)
func TestGeneratedFresh(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("*", "resil_gen.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no generated files under examples/: %v", err)
	}
	dir := checkout(t)
	if out := shell(t, dir, "go generate ./examples/..."); out != "" {
		t.Fatalf("go generate ./examples/...:\n%s", out)
	}
	for _, f := range files {
		before, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if after, _ := os.ReadFile(filepath.Join(dir, "examples", f)); !bytes.Equal(before, after) {
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

// TestSDKSnippet checks that the README's real-SDK example is cut from
// examples/sdk/provisioning/cloud.go, which compiles against the SDK and is
// generated and tested in its module: every line of the block stands in
// the file, in the same order (lines of the file may be left out).
func TestSDKSnippet(t *testing.T) {
	const file = "sdk/provisioning/cloud.go"
	src, err := os.ReadFile(filepath.FromSlash(file))
	if err != nil {
		t.Fatal(err)
	}
	var snippet []string
	for _, b := range readmeBlocks(t) {
		if b.lang == "go" && strings.Contains(strings.Join(b.lines, "\n"), "ec2.RunInstancesInput") {
			snippet = b.lines
		}
	}
	if snippet == nil {
		t.Fatal("README.md has no go block with the EC2 interface")
	}
	lines := strings.Split(string(src), "\n")
	at := 0
	for _, want := range snippet {
		for at < len(lines) && lines[at] != want {
			at++
		}
		if at == len(lines) {
			t.Fatalf("README.md's EC2 block has %q, which is not in examples/%s (in that order); cut the block from the file again", want, file)
		}
		at++
	}
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
					out = shell(t, checkout(t), c.cmd)
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
// `go tool resilgen` and runs it.
//
// The module is not published, so the README's commands run with
// GOPROXY=off: a proxy asked for resilgen answers with an error rather
// than "not found", and go get stops there instead of using the replace.
// What a published resilgen would bring from the proxy, the go.mod files
// of its whole module graph (go get reads them all) and the modules it
// builds with, is fetched first through the proxy the environment names,
// so that the test passes on a machine with an empty module cache; their
// checksums come from resilgen's go.sum.
func toolDependency(t *testing.T, cmd string) string {
	t.Helper()
	abs, err := filepath.Abs(root)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	gomod := "module example.com/shop\n\ngo 1.26.0\n\nrequire github.com/resilgen/resilgen v0.0.0\n\nreplace github.com/resilgen/resilgen => " + abs + "\n"
	write(t, filepath.Join(dir, "go.mod"), gomod)
	// The checksums of resilgen's dependencies, as go get would take them
	// from the checksum database, which the offline command cannot ask.
	sum, err := os.ReadFile(filepath.Join(abs, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, "go.sum"), string(sum))
	fetchModuleGraph(t, abs)
	offline := []string{"GOPROXY=off", "GOFLAGS=-mod=mod"}
	out := shell(t, dir, cmd, offline...)

	mod, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(mod), "\ntool github.com/resilgen/resilgen/cmd/resilgen\n") {
		t.Fatalf("%s did not add the tool directive:\n%s\n--- it printed:\n%s", cmd, mod, out)
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

// fetchModuleGraph puts into the module cache what a module that requires
// the module at dir needs: every go.mod file of its module graph and every
// module of its build list. It works on a copy of dir's go.mod and go.sum,
// so that nothing is written into dir.
func fetchModuleGraph(t *testing.T, dir string) {
	t.Helper()
	scratch := t.TempDir()
	for _, f := range []string{"go.mod", "go.sum"} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		write(t, filepath.Join(scratch, f), string(b))
	}
	// Loading "all" reads the go.mod file of every module in the graph.
	c := exec.Command("go", "mod", "download", "all")
	c.Dir = scratch
	if out, err := c.CombinedOutput(); err != nil {
		t.Fatalf("go mod download all (fetching what go get -tool needs): %v\n%s", err, out)
	}
}

// shell runs script with bash in dir, with env added to this process's
// environment, and returns its output, stdout and stderr together, less
// the go command's "go: downloading" lines, which only a machine with an
// empty module cache prints. A non-zero exit is not an error here: the
// README shows failures too.
func shell(t *testing.T, dir, script string, env ...string) string {
	t.Helper()
	c := exec.Command("bash", "-c", script)
	c.Dir = dir
	c.Env = append(os.Environ(), env...)
	out, err := c.CombinedOutput()
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		t.Fatalf("%s: %v", script, err)
	}
	var kept []string
	for _, l := range strings.SplitAfter(string(out), "\n") {
		if !strings.HasPrefix(l, "go: downloading ") {
			kept = append(kept, l)
		}
	}
	return strings.Join(kept, "")
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// checkout copies the repository's module into a temporary directory and
// returns it, for a command that writes (go generate does): a test must
// never write into the checkout it tests. The copy leaves out what no
// example needs: .git, the bench module and the generator's testdata.
func checkout(t *testing.T) string {
	t.Helper()
	src, err := filepath.Abs(root)
	if err != nil {
		t.Fatal(err)
	}
	dst := t.TempDir()
	skip := map[string]bool{".git": true, "bench": true, "testdata": true}
	err = filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		switch {
		case skip[rel] && d.IsDir():
			return filepath.SkipDir
		case skip[rel]:
			// In a worktree .git is a file; SkipDir here would skip
			// the rest of the directory.
			return nil
		}
		target := filepath.Join(dst, rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(target, 0o755)
		case !d.Type().IsRegular():
			return nil // a socket or link left by a tool is not source
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	})
	if err != nil {
		t.Fatalf("copying the repository: %v", err)
	}
	return dst
}
