// Package crashtest kills real processes in the middle of a journaled
// workflow and checks that a resumed run finishes it with every recorded
// step's side effect done exactly once. The stores' tests use it: their test
// binary re-executes itself as the child (see [IsChild] and [ChildMain]) and
// the parent drives the scenarios with [Run].
//
// The child runs a workflow of [Steps] steps. Step i appends the line
// "step-i run-N" to an effects log and fsyncs it before returning, so the
// parent can count how often each step's effect happened, across processes.
// The child kills itself with SIGKILL at the point the parent names:
//
//	before   in the workflow body, before Step i is called
//	start    inside step i's function, before its effect
//	during   inside step i's function, after its effect is durable
//	after    step i returned, before its journal entry is written
//	recorded right after step i's journal entry was written
//
// "after" and "recorded" are reached through a Store wrapper around the
// store under test, so the kill lands between the runtime and the store.
package crashtest

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/resilgen/resilgen/runtime"
)

// Steps is the number of steps of the child's workflow.
const Steps = 4

// Points are the places a child can be killed at, in the order a step
// passes them.
var Points = []string{"before", "start", "during", "after", "recorded"}

// The environment a parent hands its child.
const (
	envRole     = "RESILGEN_CRASHTEST_ROLE"
	envKillAt   = "RESILGEN_CRASHTEST_KILL_AT" // "point:step", or empty
	envEffects  = "RESILGEN_CRASHTEST_EFFECTS"
	envResults  = "RESILGEN_CRASHTEST_RESULTS"
	envOwner    = "RESILGEN_CRASHTEST_OWNER"
	envWorkflow = "RESILGEN_CRASHTEST_WORKFLOW"
	envStore    = "RESILGEN_CRASHTEST_STORE" // where the store is, for open
	envLoop     = "RESILGEN_CRASHTEST_LOOP"  // run workflows until killed
)

// IsChild reports whether this process is a crash test child. A store's
// TestMain calls it first and, when true, hands over to [ChildMain].
func IsChild() bool { return os.Getenv(envRole) == "child" }

// Opener opens the store under test in a child process, from the location
// the parent passed in [Scenario.Store], and returns it with its closer.
type Opener func(ctx context.Context, location string) (runtime.Store, func() error, error)

// ChildMain runs the child's workflow on the store open returns and exits
// the process: 0 when the workflow finished (its results written), 1 on an
// error (printed), and by SIGKILL at the kill point. It never returns.
func ChildMain(open Opener) {
	if err := child(open); err != nil {
		fmt.Fprintln(os.Stderr, "crashtest child:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

func child(open Opener) error {
	ctx := context.Background()
	store, closeStore, err := open(ctx, os.Getenv(envStore))
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	defer closeStore()
	point, killStep, err := parseKillAt(os.Getenv(envKillAt))
	if err != nil {
		return err
	}
	owner := os.Getenv(envOwner)
	kill := func(p string, step int) {
		if p == point && step == killStep {
			syscall.Kill(os.Getpid(), syscall.SIGKILL)
			select {} // the signal is on its way; run nothing more
		}
	}
	effects, err := os.OpenFile(os.Getenv(envEffects), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer effects.Close()
	killing := &killingStore{Store: store, kill: kill}

	runOne := func(workflow string) ([]string, error) {
		var results []string
		wf := runtime.NewWorkflow(killing, workflow, runtime.WithOwner(owner))
		err := wf.Run(ctx, func(ctx context.Context) error {
			results = results[:0]
			for i := range Steps {
				kill("before", i)
				r, err := runtime.Step(ctx, stepName(i), func(ctx context.Context) (string, error) {
					kill("start", i)
					if _, err := fmt.Fprintf(effects, "%s %s\n", stepName(i), owner); err != nil {
						return "", err
					}
					if err := effects.Sync(); err != nil {
						return "", err
					}
					kill("during", i)
					return Result(i, owner), nil
				})
				if err != nil {
					return fmt.Errorf("step %d: %w", i, err)
				}
				results = append(results, r)
			}
			return nil
		})
		return results, err
	}

	if os.Getenv(envLoop) != "" {
		// Run workflow after workflow until the parent kills us; it
		// starts its countdown when it reads that the store is open.
		if _, err := fmt.Println(ready); err != nil {
			return err
		}
		for n := 0; ; n++ {
			if _, err := runOne(fmt.Sprintf("%s-%d", os.Getenv(envWorkflow), n)); err != nil {
				return err
			}
		}
	}
	results, err := runOne(os.Getenv(envWorkflow))
	if err != nil {
		return fmt.Errorf("workflow: %w", err)
	}
	b, err := json.Marshal(results)
	if err != nil {
		return err
	}
	return os.WriteFile(os.Getenv(envResults), b, 0o644)
}

// killingStore kills the process around the journal write of a step.
type killingStore struct {
	runtime.Store
	kill func(point string, step int)
}

func (s *killingStore) Append(ctx context.Context, workflow string, e runtime.JournalEntry) (runtime.JournalEntry, error) {
	step, ok := parseStepName(e.Name)
	if ok {
		s.kill("after", step)
	}
	got, err := s.Store.Append(ctx, workflow, e)
	if ok && err == nil {
		s.kill("recorded", step)
	}
	return got, err
}

func stepName(i int) string { return "step-" + strconv.Itoa(i) }

func parseStepName(name string) (int, bool) {
	n, err := strconv.Atoi(strings.TrimPrefix(name, "step-"))
	return n, err == nil && strings.HasPrefix(name, "step-")
}

// Result is what step i returns when owner runs it.
func Result(i int, owner string) string { return fmt.Sprintf("result of %s by %s", stepName(i), owner) }

func parseKillAt(s string) (string, int, error) {
	if s == "" {
		return "", -1, nil
	}
	p, n, ok := strings.Cut(s, ":")
	step, err := strconv.Atoi(n)
	if !ok || err != nil {
		return "", 0, fmt.Errorf("bad %s %q: want point:step", envKillAt, s)
	}
	return p, step, nil
}

// Scenario is what a parent runs: children resuming one workflow in one
// store, the first killed at Point of step Step.
type Scenario struct {
	// Store is the location the children's Opener opens.
	Store string
	// Workflow is the workflow id.
	Workflow string
	// Point and Step say where the first child is killed.
	Point string
	Step  int
	// AfterKill, when set, runs in the parent after the first child was
	// killed, before the next one starts: a store checks its files here.
	// recorded is the number of journal entries the kill must have left.
	AfterKill func(t *testing.T, recorded int)
}

// Run runs s: child "run-1" killed at s.Point of s.Step, then "run-2"
// resuming the workflow to its end, then "run-3" running the finished
// workflow again. It checks that the first child died at the kill point,
// that every step's effect ran exactly once but the one in flight at the
// kill (which may run twice: killed during or after it), that run-2 got
// the recorded results of run-1's steps, and that run-3 only replayed.
func Run(t *testing.T, s Scenario) {
	t.Helper()
	dir := t.TempDir()
	effects := filepath.Join(dir, "effects.log")
	env := func(owner, killAt string) []string {
		return []string{
			envRole + "=child", envKillAt + "=" + killAt, envEffects + "=" + effects,
			envResults + "=" + filepath.Join(dir, owner+".json"), envOwner + "=" + owner,
			envWorkflow + "=" + s.Workflow, envStore + "=" + s.Store,
		}
	}

	out, err := runChild(t, env("run-1", fmt.Sprintf("%s:%d", s.Point, s.Step)))
	if !killed(err) {
		t.Fatalf("run-1 was to be killed at %s of step %d, but it ended with %v; its output:\n%s", s.Point, s.Step, err, out)
	}
	// Steps before the kill are recorded; so is step Step when killed
	// after its entry was written.
	recorded := s.Step
	if s.Point == "recorded" {
		recorded++
	}
	wantEffects := make([]int, Steps)
	for i := range Steps {
		wantEffects[i] = 1
	}
	switch s.Point {
	case "during", "after":
		wantEffects[s.Step] = 2 // in flight: ran, not recorded, runs again
	}
	byRun := make([]string, Steps)
	for i := range byRun {
		byRun[i] = "run-2"
		if i < recorded {
			byRun[i] = "run-1"
		}
	}
	if s.AfterKill != nil {
		s.AfterKill(t, recorded)
	}

	if out, err := runChild(t, env("run-2", "")); err != nil {
		t.Fatalf("run-2, resuming after the kill: %v; its output:\n%s", err, out)
	}
	checkResults(t, filepath.Join(dir, "run-2.json"), byRun)
	checkEffects(t, effects, wantEffects)

	if out, err := runChild(t, env("run-3", "")); err != nil {
		t.Fatalf("run-3, replaying the finished workflow: %v; its output:\n%s", err, out)
	}
	checkResults(t, filepath.Join(dir, "run-3.json"), byRun)
	checkEffects(t, effects, wantEffects)
}

// ready is what a looping child prints once its store is open.
const ready = "ready"

// The owners of the looping child's runs and of the parent's resumption.
const (
	looper  = "looper"
	resumer = "resumer"
)

// KillAtRandom starts a child that runs workflow after workflow (ids
// workflow-0, workflow-1, ...) in the store at location and SIGKILLs it d
// after it has opened the store, wherever it is then: inside a commit, an
// fsync, a step. It fails t if the child ended any other way.
func KillAtRandom(t *testing.T, location, workflow string, d time.Duration) {
	t.Helper()
	dir := t.TempDir()
	cmd := exec.Command(executable(t))
	cmd.Env = append(childEnv(), envRole+"=child", envLoop+"=1", envEffects+"="+filepath.Join(dir, "effects.log"),
		envOwner+"="+looper, envWorkflow+"="+workflow, envStore+"="+location)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// A child that never opens its store must not hang the test.
	stuck := time.AfterFunc(2*time.Minute, func() { cmd.Process.Kill() })
	defer stuck.Stop()
	out := bufio.NewReader(stdout)
	line, _ := out.ReadString('\n')
	if line != ready+"\n" {
		cmd.Process.Kill()
		rest, _ := io.ReadAll(out)
		err := cmd.Wait()
		t.Fatalf("the looping child said %q and ended with %v before it opened the store; its output:\n%s%s", line, err, rest, stderr.String())
	}
	timer := time.AfterFunc(d, func() { cmd.Process.Kill() })
	defer timer.Stop()
	rest, _ := io.ReadAll(out) // until the child dies
	if err := cmd.Wait(); !killed(err) {
		t.Fatalf("the looping child ended with %v before it was killed; its output:\n%s%s", err, rest, stderr.String())
	}
}

// ResumeLoop resumes, in this process, the workflows that a child of
// KillAtRandom journaled in store: ids workflow-0, workflow-1, ... up to
// the first whose journal is empty. Each journal must be a prefix of the
// steps (CheckPrefixJournal), and each workflow must then complete: the
// steps the child journaled replay with its results and without a call,
// the others run here and are journaled. It returns how many steps the
// child had journaled, for the caller to assert that it made progress.
func ResumeLoop(t *testing.T, store runtime.Store, workflow string) (journaled int) {
	t.Helper()
	ctx := context.Background()
	for n := 0; ; n++ {
		id := fmt.Sprintf("%s-%d", workflow, n)
		entries, err := store.Journal(ctx, id)
		if err != nil {
			t.Fatalf("journal of %s: %v", id, err)
		}
		if len(entries) == 0 {
			return journaled
		}
		CheckPrefixJournal(t, id, entries)
		journaled += len(entries)
		resume(t, store, id, len(entries))
	}
}

// resume runs workflow id, of which the looping child journaled the first
// done steps, to its end under the owner resumer, and checks what each
// step returned, how many were called, and the journal left.
func resume(t *testing.T, store runtime.Store, id string, done int) {
	t.Helper()
	ctx := context.Background()
	calls := 0
	var results []string
	err := runtime.NewWorkflow(store, id, runtime.WithOwner(resumer)).Run(ctx, func(ctx context.Context) error {
		for i := range Steps {
			r, err := runtime.Step(ctx, stepName(i), func(context.Context) (string, error) {
				calls++
				return Result(i, resumer), nil
			})
			if err != nil {
				return fmt.Errorf("step %d: %w", i, err)
			}
			results = append(results, r)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("resuming %s after the kill: %v", id, err)
	}
	if calls != Steps-done {
		t.Fatalf("resuming %s called %d steps; want %d (the child journaled %d of %d)", id, calls, Steps-done, done, Steps)
	}
	for i, r := range results {
		want := Result(i, resumer)
		if i < done {
			want = Result(i, looper)
		}
		if r != want {
			t.Fatalf("resuming %s: step %d returned %q; want %q", id, i, r, want)
		}
	}
	entries, err := store.Journal(ctx, id)
	if err != nil {
		t.Fatalf("journal of %s after resuming it: %v", id, err)
	}
	if len(entries) != Steps {
		t.Fatalf("journal of %s after resuming it has %d entries; want %d", id, len(entries), Steps)
	}
	CheckPrefixJournal(t, id, entries)
}

// CheckPrefixJournal checks that a journal written by the children holds
// the steps 0..n-1 of one run, as a workflow cut short anywhere leaves it.
func CheckPrefixJournal(t *testing.T, workflow string, entries []runtime.JournalEntry) {
	t.Helper()
	if len(entries) > Steps {
		t.Fatalf("journal of %s has %d entries; want at most %d", workflow, len(entries), Steps)
	}
	for i, e := range entries {
		if e.Name != stepName(i) || i > 0 && e.Seq != entries[0].Seq+i {
			t.Fatalf("journal of %s [%d] = seq %d %q; want the steps in order, without gaps: %+v", workflow, i, e.Seq, e.Name, entries)
		}
	}
}

func runChild(t *testing.T, env []string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, executable(t))
	cmd.Env = append(childEnv(), env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// childEnv is this process's environment for a child, less the race
// detector's one-second sleep at exit, which would dominate the tests' time.
func childEnv() []string {
	return append(os.Environ(), "GORACE="+os.Getenv("GORACE")+" atexit_sleep_ms=0")
}

func executable(t *testing.T) string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return exe
}

// killed reports whether err says the process died of SIGKILL.
func killed(err error) bool {
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		return false
	}
	ws, ok := ee.Sys().(syscall.WaitStatus)
	return ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL
}

func checkResults(t *testing.T, path string, byRun []string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("results %s: %v", path, err)
	}
	if len(got) != Steps {
		t.Fatalf("results %s = %q; want %d", path, got, Steps)
	}
	for i, r := range got {
		if want := Result(i, byRun[i]); r != want {
			t.Errorf("%s: step %d returned %q; want %q (recorded by the run that first finished it)", filepath.Base(path), i, r, want)
		}
	}
}

func checkEffects(t *testing.T, path string, want []int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got := make([]int, Steps)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, _, _ := strings.Cut(sc.Text(), " ")
		i, ok := parseStepName(name)
		if !ok || i >= Steps {
			t.Fatalf("effects log: bad line %q", sc.Text())
		}
		got[i]++
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("step %d's effect ran %d times; want %d (effects per step %v, want %v)", i, got[i], want[i], got, want)
		}
	}
}
