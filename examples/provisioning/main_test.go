package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestCrashAndResume builds the program and runs it as real processes: for
// each step N it kills a run inside step N, after the cloud created the
// resource, then runs it again. The resumed run must replay the steps before
// N without calling the cloud, run N and the rest, and the cloud must hold
// each resource exactly once.
func TestCrashAndResume(t *testing.T) {
	bin := build(t)
	for n := 1; n <= len(steps); n++ {
		t.Run(fmt.Sprintf("crash-at=%d", n), func(t *testing.T) {
			t.Parallel()
			db := filepath.Join(t.TempDir(), "provisioning.db")

			out, err := runBinary(bin, "-db", db, fmt.Sprintf("-crash-at=%d", n))
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != -1 || !strings.Contains(exit.String(), "killed") {
				t.Fatalf("crashing run: %v, want it killed by a signal\n%s", err, out)
			}
			if !strings.Contains(out, fmt.Sprintf("crash: killed inside step %d, after the cloud created the %s", n, steps[n-1])) {
				t.Fatalf("crashing run did not crash inside step %d:\n%s", n, out)
			}
			before := readCloud(t, db)
			if len(before.Creations) != n {
				t.Fatalf("after a crash in step %d the cloud made %d resources, want %d: %q", n, len(before.Creations), n, before.Creations)
			}

			out, err = runBinary(bin, "-db", db)
			if err != nil {
				t.Fatalf("resumed run: %v\n%s", err, out)
			}
			for i, kind := range steps {
				step := i + 1
				ran := fmt.Sprintf("step %d %-14s ran and was journaled", step, methodOf(kind))
				replayed := fmt.Sprintf("step %d %-14s replayed from the journal", step, methodOf(kind))
				want, notWant := ran, replayed
				if step < n {
					want, notWant = replayed, ran
				}
				if !strings.Contains(out, want) || strings.Contains(out, notWant) {
					t.Errorf("resumed run after a crash in step %d: want %q and not %q", n, want, notWant)
				}
			}
			// The step in flight ran again, and its create found the
			// resource the crashed run made.
			if !strings.Contains(out, fmt.Sprintf("cloud: %s ", steps[n-1])) || !strings.Contains(out, "exists already") {
				t.Errorf("the re-run step %d did not find its %s in the cloud", n, steps[n-1])
			}
			t.Logf("resumed run after a crash in step %d:\n%s", n, out)
			after := readCloud(t, db)
			checkOnce(t, after, "staging")
			// A replayed step sends the cloud no request at all.
			for i := 0; i < n-1; i++ {
				name := resourceName("staging", steps[i])
				if b, a := before.Resources[name].Requests, after.Resources[name].Requests; a != b {
					t.Errorf("%s got %d create requests in the resumed run, want 0: its step is replayed", name, a-b)
				}
			}

			// A finished workflow run again replays everything.
			out, err = runBinary(bin, "-db", db)
			if err != nil {
				t.Fatalf("third run: %v\n%s", err, out)
			}
			if !strings.Contains(out, "replayed 4 of 4 steps from the journal, ran 0") {
				t.Errorf("third run did not replay every step:\n%s", out)
			}
			if again := readCloud(t, db); fmt.Sprint(again.Creations) != fmt.Sprint(after.Creations) {
				t.Errorf("third run changed the cloud: %q, was %q", again.Creations, after.Creations)
			}
		})
	}
}

// TestReset checks that -reset starts over: the journal and the cloud are
// new, so every step runs and creates its resource.
func TestReset(t *testing.T) {
	db := filepath.Join(t.TempDir(), "provisioning.db")
	var out bytes.Buffer
	for range 2 {
		out.Reset()
		if err := run(context.Background(), []string{"-db", db, "-reset", "-name", "qa"}, &out); err != nil {
			t.Fatalf("run -reset: %v\n%s", err, &out)
		}
		if !strings.Contains(out.String(), "provisioned qa: replayed 0 of 4 steps from the journal, ran 4") {
			t.Fatalf("run -reset did not start over:\n%s", &out)
		}
	}
	st := readCloud(t, db)
	checkOnce(t, st, "qa")
}

// TestBadFlags checks that a step out of range is refused before anything
// is opened.
func TestBadFlags(t *testing.T) {
	var out bytes.Buffer
	err := run(context.Background(), []string{"-db", filepath.Join(t.TempDir(), "p.db"), "-crash-at=5"}, &out)
	if err == nil || !strings.Contains(err.Error(), "-crash-at=5: want a step from 1 to 4") {
		t.Errorf("run -crash-at=5: %v, want a range error", err)
	}
}

// build compiles the program into a temporary directory.
func build(t *testing.T) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(os.Getenv("GOROOT"), "bin", "go")
	}
	bin := filepath.Join(t.TempDir(), "provisioning")
	cmd := exec.Command(goTool, "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// runBinary runs the program and returns its output, stdout and stderr
// together.
func runBinary(bin string, args ...string) (string, error) {
	out, err := exec.Command(bin, args...).CombinedOutput()
	return string(out), err
}

// readCloud reads the simulated cloud's state beside db.
func readCloud(t *testing.T, db string) cloudState {
	t.Helper()
	data, err := os.ReadFile(cloudPath(db))
	if err != nil {
		t.Fatalf("reading the cloud's state: %v", err)
	}
	var st cloudState
	if err := json.Unmarshal(data, &st); err != nil {
		t.Fatalf("decoding the cloud's state: %v", err)
	}
	return st
}

// checkOnce checks that the cloud made each of the four resources of
// environment env exactly once.
func checkOnce(t *testing.T, st cloudState, env string) {
	t.Helper()
	seen := map[string]int{}
	for _, c := range st.Creations {
		f := strings.Fields(c)
		seen[f[0]+" "+f[1]]++
	}
	for _, kind := range steps {
		if k := kind + " " + resourceName(env, kind); seen[k] != 1 {
			t.Errorf("%s was created %d times, want once (creations: %q)", k, seen[k], st.Creations)
		}
	}
	if len(st.Creations) != len(steps) {
		t.Errorf("the cloud made %d resources, want %d: %q", len(st.Creations), len(steps), st.Creations)
	}
}

// resourceName is the name the workflow gives the resource of kind in
// environment env.
func resourceName(env, kind string) string {
	return env + map[string]string{"vpc": "-vpc", "subnet": "-subnet-a", "instance": "-app-1", "database": "-db"}[kind]
}

// methodOf is the step name, the method name, of the step creating kind.
func methodOf(kind string) string {
	return map[string]string{"vpc": "CreateVPC", "subnet": "CreateSubnet", "instance": "CreateInstance", "database": "CreateDatabase"}[kind]
}
