package boltstore

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/resilgen/resilgen/runtime"
	"github.com/resilgen/resilgen/runtime/store/internal/crashtest"
)

// TestCrashResume kills a real process with SIGKILL at every point of every
// step of a workflow on a bbolt file, and resumes it in a new process.
func TestCrashResume(t *testing.T) {
	for step := range crashtest.Steps {
		for _, point := range crashtest.Points {
			t.Run(fmt.Sprintf("%s-%d", point, step), func(t *testing.T) {
				t.Parallel()
				path := filepath.Join(t.TempDir(), "resil.db")
				crashtest.Run(t, crashtest.Scenario{
					Store: path, Workflow: "wf", Point: point, Step: step,
					AfterKill: func(t *testing.T, recorded int) {
						entries := checkFile(t, path, "wf")
						if len(entries) != recorded {
							t.Fatalf("after the kill the journal has %d entries; want %d", len(entries), recorded)
						}
					},
				})
			})
		}
	}
}

// crashKey is the key the claiming child of TestKilledClaimerFreesKey holds.
const crashKey = "Cloud.CreateVM:web-1"

// TestKilledClaimerFreesKey: a process killed while it holds a claim (with
// an hour of lease left) leaves the key free; the next process to open the
// file claims it at once instead of waiting the lease out.
func TestKilledClaimerFreesKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "resil.db")
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), envClaimChild+"="+path, "GORACE="+os.Getenv("GORACE")+" atexit_sleep_ms=0")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if line != "claimed\n" {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("the claiming child said %q, %v; want \"claimed\"", line, err)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait() // killed, as intended

	s := checkOpen(t, path)
	defer s.Close()
	now := time.Now()
	start := time.Now()
	rec, claimed, err := s.Claim(context.Background(), crashKey, "fp", "restarted", now, now.Add(30*time.Second))
	if err != nil || !claimed || rec.Owner != "restarted" {
		t.Fatalf("Claim after the claimer was killed = %+v, %v, %v; want the key claimed at once (the dead claim's lease had an hour left)", rec, claimed, err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("Claim after the kill took %v", d)
	}
}

// TestCrashAtRandomMoments kills a process running workflow after workflow
// at random moments, which land inside bbolt commits and fsyncs too, and
// checks that the file opens, passes bbolt's consistency check, holds no
// torn journal, and that every workflow the killed process began completes
// when resumed. The killed processes must have journaled some steps, or
// the test would check nothing.
func TestCrashAtRandomMoments(t *testing.T) {
	path := filepath.Join(t.TempDir(), "resil.db")
	rng := rand.New(rand.NewPCG(1, 2))
	const kills = 8
	total := 0
	for i := range kills {
		d := time.Duration(100+rng.IntN(200)) * time.Millisecond
		crashtest.KillAtRandom(t, path, fmt.Sprintf("loop%d", i), d)
		s := checkOpen(t, path)
		n := crashtest.ResumeLoop(t, s, fmt.Sprintf("loop%d", i))
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		total += n
		t.Logf("kill %d, %v after the store opened: %d steps journaled", i, d, n)
	}
	if total == 0 {
		t.Fatalf("none of %d processes journaled a step before it was killed", kills)
	}
}

// checkFile opens the store at path, runs bbolt's consistency check on it,
// and returns the journal of workflow.
func checkFile(t *testing.T, path, workflow string) []runtime.JournalEntry {
	t.Helper()
	s := checkOpen(t, path)
	defer s.Close()
	entries, err := s.Journal(context.Background(), workflow)
	if err != nil {
		t.Fatal(err)
	}
	crashtest.CheckPrefixJournal(t, workflow, entries)
	return entries
}

// checkOpen opens the store at path and checks its pages.
func checkOpen(t *testing.T, path string) *Store {
	t.Helper()
	s, err := Open(path)
	if err != nil {
		t.Fatalf("the store does not open after a kill: %v", err)
	}
	err = s.db.View(func(tx *bolt.Tx) error {
		// Drain the channel: the check reads pages only while tx is open.
		var first error
		for err := range tx.Check() {
			if first == nil {
				first = err
			}
		}
		return first
	})
	if err != nil {
		s.Close()
		t.Fatalf("bbolt consistency check after a kill: %v", err)
	}
	return s
}
