// Command genbench times code generators on synthetic packages of N
// annotated interfaces of 8 methods each, so that their growth with N shows.
//
// For each N it writes a module with one package, svc, then runs every
// tool on it -runs times (after one untimed warm-up run each, which fills
// the go command's caches), round-robin so that noise on a shared machine
// falls on all tools alike. Each run is timed as a whole process, startup
// included, since that is what go generate pays:
//
//	resilgen   resilgen ./svc                       (writes svc/resil_gen.go)
//	mockgen    mockgen (package mode) -destination OUT synth.example/gen/svc Service0,...
//	moq        moq -out OUT ./svc Service0 ...
//	load       loadfloor ./svc: a bare packages.Load with types and syntax, the floor
//
// Output written outside svc is deleted after each run, and resilgen's
// output too, so that every run reads the same input.
//
// The results go to stdout in the Go benchmark format, one line per run
// (BenchmarkGen/N=300/mockgen 1 <ns> ns/op <n> out-lines), for benchstat.
//
// Usage:
//
//	genbench -bin DIR [-n 30,300,1000] [-runs 6] [-tools resilgen,mockgen,moq,load] [-work DIR]
//	genbench -write DIR -n 300                  write the synthetic module only
//	genbench -cpuprofile FILE -n 1000 [-runs 3] run resilgen's generator in process, profiled
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/resilgen/resilgen/gen"
)

// methods is the number of methods of each synthetic interface.
const methods = 8

// modulePath is the synthetic module's path; its package is modulePath/svc.
const modulePath = "synth.example/gen"

func main() {
	bin := flag.String("bin", "", "directory holding the resilgen, mockgen, moq and loadfloor binaries")
	ns := flag.String("n", "30,300,1000", "comma-separated numbers of interfaces")
	runs := flag.Int("runs", 6, "timed runs per tool and N")
	toolList := flag.String("tools", "resilgen,mockgen,moq,load", "tools to time")
	work := flag.String("work", "", "directory for the synthetic modules (default: a new temporary one, removed at exit)")
	write := flag.String("write", "", "only write the synthetic module (of the first -n) into this directory")
	cpuprofile := flag.String("cpuprofile", "", "profile resilgen's generator in this process instead, on the first -n, into this file")
	timeout := flag.Duration("timeout", 5*time.Minute, "give up on a run after this long")
	flag.Parse()

	sizes, err := parseInts(*ns)
	if err != nil {
		fatalf("-n: %v", err)
	}
	switch {
	case *write != "":
		if err := writeModule(*write, sizes[0]); err != nil {
			fatalf("%v", err)
		}
		return
	case *cpuprofile != "":
		if err := profile(*cpuprofile, *work, sizes[0], *runs); err != nil {
			fatalf("%v", err)
		}
		return
	case *bin == "":
		fatalf("-bin is required")
	}

	dir := *work
	if dir == "" {
		if dir, err = os.MkdirTemp("", "genbench-"); err != nil {
			fatalf("%v", err)
		}
		defer os.RemoveAll(dir)
	}
	failed := false
	for _, n := range sizes {
		if !timeTools(*bin, filepath.Join(dir, "n"+strconv.Itoa(n)), n, *runs, strings.Split(*toolList, ","), *timeout) {
			failed = true
		}
	}
	if failed {
		os.Exit(1)
	}
}

// tool is one generator under test: how to run it on the module in dir,
// and the file it writes.
type tool struct {
	name string
	args func(bin, dir string, names []string) []string
	out  func(dir string) string
}

var tools = map[string]tool{
	"resilgen": {
		name: "resilgen",
		args: func(bin, dir string, _ []string) []string { return []string{filepath.Join(bin, "resilgen"), "./svc"} },
		out:  func(dir string) string { return filepath.Join(dir, "svc", gen.DefaultOutput) },
	},
	"mockgen": {
		name: "mockgen",
		args: func(bin, dir string, names []string) []string {
			return []string{filepath.Join(bin, "mockgen"), "-destination", filepath.Join(dir, "out", "mock.go"),
				modulePath + "/svc", strings.Join(names, ",")}
		},
		out: func(dir string) string { return filepath.Join(dir, "out", "mock.go") },
	},
	"moq": {
		name: "moq",
		args: func(bin, dir string, names []string) []string {
			return append([]string{filepath.Join(bin, "moq"), "-out", filepath.Join(dir, "out", "moq.go"), "-pkg", "out", "./svc"}, names...)
		},
		out: func(dir string) string { return filepath.Join(dir, "out", "moq.go") },
	},
	"load": {
		name: "load",
		args: func(bin, dir string, _ []string) []string { return []string{filepath.Join(bin, "loadfloor"), "./svc"} },
	},
}

// timeTools writes the module of n interfaces into dir and times each tool
// on it, printing one benchmark line per run. It reports whether every run
// succeeded; a tool that fails is reported on stderr and not run again.
func timeTools(bin, dir string, n, runs int, names []string, timeout time.Duration) bool {
	if err := writeModule(dir, n); err != nil {
		fatalf("%v", err)
	}
	ifaces := interfaceNames(n)
	var ts []tool
	for _, name := range names {
		t, ok := tools[strings.TrimSpace(name)]
		if !ok {
			fatalf("unknown tool %q", name)
		}
		ts = append(ts, t)
	}
	ok := true
	dead := map[string]bool{}
	// Round 0 is the untimed warm-up.
	for round := 0; round <= runs; round++ {
		for _, t := range ts {
			if dead[t.name] {
				continue
			}
			d, lines, err := runTool(t, bin, dir, ifaces, timeout)
			if err != nil {
				fmt.Fprintf(os.Stderr, "genbench: N=%d %s: %v\n", n, t.name, err)
				dead[t.name], ok = true, false
				continue
			}
			if round == 0 {
				continue
			}
			fmt.Printf("BenchmarkGen/N=%d/%s \t1\t%d ns/op\t%d out-lines\n", n, t.name, d.Nanoseconds(), lines)
		}
	}
	return ok
}

// runTool runs t once on the module in dir and returns its wall time and
// the number of lines it wrote, then deletes what it wrote.
func runTool(t tool, bin, dir string, ifaces []string, timeout time.Duration) (time.Duration, int, error) {
	if err := os.MkdirAll(filepath.Join(dir, "out"), 0o755); err != nil {
		return 0, 0, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	args := t.args(bin, dir, ifaces)
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	start := time.Now()
	err := cmd.Run()
	d := time.Since(start)
	if ctx.Err() != nil {
		return 0, 0, fmt.Errorf("gave up after %v", timeout)
	}
	if err != nil {
		return 0, 0, fmt.Errorf("%v\n%s", err, tail(stderr.String(), 2000))
	}
	lines := 0
	if t.out != nil {
		out := t.out(dir)
		b, err := os.ReadFile(out)
		if err != nil {
			return 0, 0, fmt.Errorf("no output: %v", err)
		}
		lines = bytes.Count(b, []byte("\n"))
		if err := os.Remove(out); err != nil {
			return 0, 0, err
		}
	}
	return d, lines, nil
}

// writeModule writes a module whose package svc has n annotated interfaces
// of 8 methods each. The mix of directives and signatures is what a real
// client package has: a breaker and a retry on every interface, some
// idempotent methods keyed by a field, timeouts, checkpoints, variadic
// parameters and several results, over types of this and other packages.
func writeModule(dir string, n int) error {
	var src strings.Builder
	src.WriteString(`// Package svc is synthetic: generated by bench/cmd/genbench.
package svc

import (
	"context"
	"net/http"
	"time"
)

// Req is a request.
type Req struct {
	ID  string
	Seq int64
	At  time.Time
}

// Resp is a response.
type Resp struct {
	Body   []byte
	Codes  map[string]int
	Header http.Header
}

`)
	for i := range n {
		fmt.Fprintf(&src, "// Service%d is synthetic.\n//\n//resil:breaker threshold=%d\n//resil:readonly\n//resil:retry attempts=3\ntype Service%d interface {\n", i, 3+i%5, i)
		for j := range methods {
			switch j % 4 {
			case 0:
				fmt.Fprintf(&src, "\t// M%d is idempotent.\n\t//\n\t//resil:idempotent key=req.ID\n\tM%d(ctx context.Context, req Req) (*Resp, error)\n", j, j)
			case 1:
				fmt.Fprintf(&src, "\t// M%d has a deadline.\n\t//\n\t//resil:timeout 2s\n\tM%d(ctx context.Context, id string, n int) (int, string, error)\n", j, j)
			case 2:
				fmt.Fprintf(&src, "\t// M%d is a workflow step.\n\t//\n\t//resil:checkpoint\n\tM%d(ctx context.Context, ids ...string) ([]Resp, error)\n", j, j)
			default:
				fmt.Fprintf(&src, "\t// M%d is plain.\n\tM%d(ctx context.Context, at time.Time, h http.Header) error\n", j, j)
			}
		}
		src.WriteString("}\n\n")
	}
	if err := os.MkdirAll(filepath.Join(dir, "svc"), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module "+modulePath+"\n\ngo 1.26\n"), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "svc", "svc.go"), []byte(src.String()), 0o644)
}

func interfaceNames(n int) []string {
	names := make([]string, n)
	for i := range names {
		names[i] = "Service" + strconv.Itoa(i)
	}
	return names
}

// profile runs resilgen's generator in this process on a module of n
// interfaces, runs times, under the CPU profiler: where the time goes when
// resilgen is slower than its targets.
//
// With dir empty it works in a new temporary directory, whose first run
// also pays for the go command compiling the new package for export data.
func profile(file, dir string, n, runs int) error {
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp("", "genbench-profile-"); err != nil {
			return err
		}
		defer os.RemoveAll(dir)
	}
	if err := writeModule(dir, n); err != nil {
		return err
	}
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := pprof.StartCPUProfile(f); err != nil {
		return err
	}
	defer pprof.StopCPUProfile()
	for range runs {
		if err := stages(dir, n); err != nil {
			return err
		}
		if err := os.Remove(filepath.Join(dir, "svc", gen.DefaultOutput)); err != nil {
			return err
		}
	}
	return nil
}

// stages runs gen.Run's pipeline stage by stage, and prints how long each
// took: which stage a missed target is in.
func stages(dir string, n int) error {
	ctx := context.Background()
	t0 := time.Now()
	pkgs, err := gen.Load(ctx, dir, []string{"./svc"})
	if err != nil {
		return err
	}
	t1 := time.Now()
	var ifaces []*gen.Interface
	for _, p := range pkgs {
		found, errs := gen.FindInterfaces(p, nil)
		if len(errs) > 0 {
			return errs
		}
		ifaces = append(ifaces, found...)
	}
	plans, errs := gen.Check(pkgs[0], ifaces)
	if len(errs) > 0 {
		return errs
	}
	t2 := time.Now()
	out, err := gen.Emit(pkgs[0].Types, plans, gen.Header(nil))
	if err != nil {
		return err
	}
	t3 := time.Now()
	if err := gen.WriteFiles([]gen.File{{Path: filepath.Join(dir, "svc", gen.DefaultOutput), Content: out}}); err != nil {
		return err
	}
	t4 := time.Now()
	fmt.Fprintf(os.Stderr, "genbench: N=%d in process: load %v, find+check %v, emit+format %v, write %v, total %v\n",
		n, t1.Sub(t0).Round(time.Millisecond), t2.Sub(t1).Round(time.Millisecond), t3.Sub(t2).Round(time.Millisecond),
		t4.Sub(t3).Round(time.Millisecond), t4.Sub(t0).Round(time.Millisecond))
	return nil
}

func parseInts(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("%q is not a positive integer", f)
		}
		out = append(out, n)
	}
	if len(out) == 0 {
		return nil, errors.New("no sizes")
	}
	return out, nil
}

func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}

func fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "genbench: "+format+"\n", args...)
	os.Exit(2)
}
