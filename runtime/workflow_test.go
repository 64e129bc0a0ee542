package runtime_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/resilgen/resilgen/runtime"
)

// steps counts the calls that went through, by step name.
type steps map[string]int

// incident is a three-step workflow body; fail, when set, makes the step
// of that name fail.
func incident(calls steps, fail string, out *[]string) func(context.Context) error {
	return func(ctx context.Context) error {
		*out = nil
		for _, name := range []string{"diagnose", "restart", "verify"} {
			v, err := runtime.Step(ctx, name, func(context.Context) (string, error) {
				calls[name]++
				if name == fail {
					return "", errBoom
				}
				return name + "-done", nil
			})
			if err != nil {
				return err
			}
			*out = append(*out, v)
		}
		return nil
	}
}

func TestWorkflowResumesAtTheFirstUnrecordedStep(t *testing.T) {
	store, calls := runtime.NewMemoryStore(), steps{}
	var out []string
	wf := runtime.NewWorkflow(store, "INC-1")
	equal(t, "INC-1", wf.ID(), "id")
	isErr(t, wf.Run(context.Background(), incident(calls, "restart", &out)), errBoom)
	equal(t, 1, calls["diagnose"], "diagnose calls")

	// Resumed (a new process would make a new Workflow on the same store).
	obs := &recorder{}
	noErr(t, runtime.NewWorkflow(store, "INC-1", runtime.WithObserver(obs)).Run(context.Background(), incident(calls, "", &out)))
	equal(t, 1, calls["diagnose"], "diagnose calls after resume")
	equal(t, 2, calls["restart"], "restart calls")
	equal(t, 1, calls["verify"], "verify calls")
	equal(t, "diagnose-done", out[0], "replayed result")
	equal(t, 1, len(obs.kind(runtime.EventStepReplayed)), "replayed events")
	equal(t, 2, len(obs.kind(runtime.EventStepRecorded)), "recorded events")
	rep := obs.kind(runtime.EventStepReplayed)[0]
	equal(t, "INC-1", rep.Workflow, "event workflow")
	equal(t, "diagnose", rep.Step, "event step")
	equal(t, 0, rep.Seq, "event seq")
}

func TestFinishedWorkflowReplaysWithoutCallingThrough(t *testing.T) {
	store, calls := runtime.NewMemoryStore(), steps{}
	var first, second []string
	noErr(t, runtime.NewWorkflow(store, "INC-2").Run(context.Background(), incident(calls, "", &first)))
	noErr(t, runtime.NewWorkflow(store, "INC-2").Run(context.Background(), incident(calls, "", &second)))
	for _, name := range []string{"diagnose", "restart", "verify"} {
		equal(t, 1, calls[name], name+" calls")
	}
	equal(t, len(first), len(second), "results")
	for i := range first {
		equal(t, first[i], second[i], "replayed result")
	}
}

func TestWorkflowOtherPathIsNonDeterministic(t *testing.T) {
	store, calls := runtime.NewMemoryStore(), steps{}
	var out []string
	noErr(t, runtime.NewWorkflow(store, "INC-3").Run(context.Background(), incident(calls, "", &out)))
	err := runtime.NewWorkflow(store, "INC-3").Run(context.Background(), func(ctx context.Context) error {
		_, err := runtime.Step(ctx, "escalate", func(context.Context) (int, error) { return 1, nil })
		return err
	})
	isErr(t, err, runtime.ErrNonDeterministic)
}

func TestStepOutsideAWorkflowCallsThrough(t *testing.T) {
	calls := 0
	for range 2 {
		v, err := runtime.Step(context.Background(), "s", func(context.Context) (int, error) { calls++; return 7, nil })
		noErr(t, err)
		equal(t, 7, v, "result")
	}
	equal(t, 2, calls, "calls")
}

func TestStepRoundTripsStructs(t *testing.T) {
	store := runtime.NewMemoryStore()
	type plan struct {
		Replicas int
		Image    string
		Labels   map[string]string
	}
	want := plan{Replicas: 3, Image: "app:v2", Labels: map[string]string{"team": "sre"}}
	calls := 0
	var got plan
	for run := range 2 {
		noErr(t, runtime.NewWorkflow(store, "INC-4").Run(context.Background(), func(ctx context.Context) error {
			var err error
			got, err = runtime.Step(ctx, "plan", func(context.Context) (plan, error) { calls++; return want, nil })
			return err
		}))
		// The replay must not call: its result comes from the journal.
		equal(t, 1, calls, "calls of the step after run "+string(rune('1'+run)))
		equal(t, want.Image, got.Image, "image")
		equal(t, want.Replicas, got.Replicas, "replicas")
		equal(t, "sre", got.Labels["team"], "labels")
	}
}

func TestStepAdoptsASecondRunnerResult(t *testing.T) {
	store := runtime.NewMemoryStore()
	var got string
	noErr(t, runtime.NewWorkflow(store, "INC-5", runtime.WithOwner("me")).Run(context.Background(), func(ctx context.Context) error {
		var err error
		got, err = runtime.Step(ctx, "pick", func(ctx context.Context) (string, error) {
			// Another runner of the same workflow journals the step first.
			_, err := store.Append(ctx, "INC-5", runtime.JournalEntry{Seq: 0, Name: "pick", Result: []byte(`["theirs"]`), Owner: "other"})
			return "mine", err
		})
		return err
	}))
	equal(t, "theirs", got, "result of a step another runner journaled first")
}

func TestStepInsideAStepIsPartOfIt(t *testing.T) {
	store, inner := runtime.NewMemoryStore(), 0
	body := func(ctx context.Context) error {
		_, err := runtime.Step(ctx, "outer", func(ctx context.Context) (int, error) {
			return runtime.Step(ctx, "inner", func(context.Context) (int, error) { inner++; return 1, nil })
		})
		return err
	}
	noErr(t, runtime.NewWorkflow(store, "INC-6").Run(context.Background(), body))
	noErr(t, runtime.NewWorkflow(store, "INC-6").Run(context.Background(), body))
	entries, err := store.Journal(context.Background(), "INC-6")
	noErr(t, err)
	equal(t, 1, len(entries), "journal entries")
	equal(t, 1, inner, "inner calls")
}

// checkpointed is a method Svc.Restart that is a checkpointed step and,
// optionally, idempotent.
func checkpointed(t *testing.T, idempotent bool, obs *recorder) (*runtime.Method, *int) {
	t.Helper()
	rt := runtime.New(runtime.WithObserver(obs))
	cfg := runtime.MethodConfig{Interface: "Svc", Name: "Restart", Step: "restart"}
	if idempotent {
		cfg.Idempotent = &runtime.IdempotencyConfig{}
	}
	calls := 0
	return rt.NewMethod(cfg), &calls
}

func restart(ctx context.Context, m *runtime.Method, calls *int, pod string) (string, error) {
	var out string
	err := m.DoRecorded(ctx, runtime.Recording{Args: []any{pod}, Results: []any{&out}}, func(context.Context) error {
		*calls++
		out = pod + " restarted"
		return nil
	})
	return out, err
}

func TestCheckpointedMethodIsJournaled(t *testing.T) {
	store, obs := runtime.NewMemoryStore(), &recorder{}
	m, calls := checkpointed(t, false, obs)
	var got string
	body := func(ctx context.Context) error {
		var err error
		got, err = restart(ctx, m, calls, "web-1")
		return err
	}
	noErr(t, runtime.NewWorkflow(store, "INC-7").Run(context.Background(), body))
	noErr(t, runtime.NewWorkflow(store, "INC-7").Run(context.Background(), body))
	equal(t, 1, *calls, "calls")
	equal(t, "web-1 restarted", got, "replayed result")
	entries, err := store.Journal(context.Background(), "INC-7")
	noErr(t, err)
	equal(t, "restart", entries[0].Name, "journaled step name")

	// Outside a workflow it just calls through.
	_, err = restart(context.Background(), m, calls, "web-1")
	noErr(t, err)
	equal(t, 2, *calls, "calls outside a workflow")
}

func TestCheckpointedIdempotentLooksInTheJournalFirst(t *testing.T) {
	store, obs := runtime.NewMemoryStore(), &recorder{}
	m, calls := checkpointed(t, true, obs)
	body := func(ctx context.Context) error { _, err := restart(ctx, m, calls, "web-1"); return err }

	noErr(t, runtime.NewWorkflow(store, "INC-8").Run(context.Background(), body))
	// Another workflow, same arguments: not in its journal, but recorded.
	noErr(t, runtime.NewWorkflow(store, "INC-9").Run(context.Background(), body))
	equal(t, 1, *calls, "calls")
	equal(t, 1, len(obs.kind(runtime.EventIdempotentHit)), "idempotent hits")

	// The first workflow again: answered by its journal, not the record.
	wobs := &recorder{}
	noErr(t, runtime.NewWorkflow(store, "INC-8", runtime.WithObserver(wobs)).Run(context.Background(), body))
	equal(t, 1, len(obs.kind(runtime.EventIdempotentHit)), "idempotent hits after the journal replay")
	replayed := wobs.kind(runtime.EventStepReplayed)
	equal(t, 1, len(replayed), "replayed steps")
	equal(t, "Restart", replayed[0].Method, "replayed method")
}

func TestWorkflowJournalErrorIsWrapped(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := runtime.NewWorkflow(runtime.NewMemoryStore(), "INC-10").Run(ctx, func(context.Context) error { return nil })
	isErr(t, err, context.Canceled)
	if !errors.Is(err, context.Canceled) || err.Error() == context.Canceled.Error() {
		t.Fatalf("error %q does not say where it came from", err)
	}
}

func TestNewWorkflowWithoutStoreKeepsItInMemory(t *testing.T) {
	wf := runtime.NewWorkflow(nil, "INC-11", runtime.WithClock(nil))
	calls := 0
	body := func(ctx context.Context) error {
		_, err := runtime.Step(ctx, "s", func(context.Context) (time.Duration, error) { calls++; return time.Second, nil })
		return err
	}
	noErr(t, wf.Run(context.Background(), body))
	noErr(t, wf.Run(context.Background(), body))
	equal(t, 1, calls, "calls")
}

// TestReplayedMethodIsReportedAsACall checks that a checkpointed method
// answered from the journal reaches the method's observer as a call with
// no attempt and Policy "checkpoint", as an idempotent hit does with
// "idempotency", so that calls counted by outcome include replays.
func TestReplayedMethodIsReportedAsACall(t *testing.T) {
	store, obs := runtime.NewMemoryStore(), &recorder{}
	m, calls := checkpointed(t, false, obs)
	body := func(ctx context.Context) error { _, err := restart(ctx, m, calls, "web-1"); return err }

	noErr(t, runtime.NewWorkflow(store, "INC-12").Run(context.Background(), body))
	ran := obs.kind(runtime.EventCall)
	equal(t, 1, len(ran), "calls on the first run")
	equal(t, 1, ran[0].Attempt, "attempts of the call that ran")

	wobs := &recorder{}
	noErr(t, runtime.NewWorkflow(store, "INC-12", runtime.WithObserver(wobs)).Run(context.Background(), body))
	equal(t, 1, *calls, "calls through")
	equal(t, 1, len(wobs.kind(runtime.EventStepReplayed)), "replayed steps")
	equal(t, 0, len(wobs.kind(runtime.EventCall)), "calls reported to the workflow's observer")
	all := obs.kind(runtime.EventCall)
	equal(t, 2, len(all), "calls after the replay")
	e := all[1]
	equal(t, 0, e.Attempt, "attempts of a replayed call")
	equal(t, "checkpoint", e.Policy, "policy of a replayed call")
	equal(t, "Svc", e.Interface, "interface")
	equal(t, "Restart", e.Method, "method")
	equal(t, nil, e.Err, "error")
	equal(t, 1, len(obs.kind(runtime.EventAttempt)), "attempts, replay included")

	// An ad-hoc step is not a call: its replay is a step event only.
	sobs := &recorder{}
	adhoc := func(ctx context.Context) error {
		_, err := runtime.Step(ctx, "s", func(context.Context) (int, error) { return 1, nil })
		return err
	}
	for range 2 {
		noErr(t, runtime.NewWorkflow(store, "INC-13", runtime.WithObserver(sobs)).Run(context.Background(), adhoc))
	}
	equal(t, 1, len(sobs.kind(runtime.EventStepReplayed)), "replayed ad-hoc steps")
	equal(t, 0, len(sobs.kind(runtime.EventCall)), "calls of an ad-hoc step")
}

// flakyThenAfter is a body that calls step "flaky" until it succeeds (it
// fails on its first call ever) and then step "after".
func flakyThenAfter(calls steps, out *[]string) func(context.Context) error {
	return func(ctx context.Context) error {
		*out = nil
		for {
			v, err := runtime.Step(ctx, "flaky", func(context.Context) (string, error) {
				if calls["flaky"]++; calls["flaky"] == 1 {
					return "", errBoom
				}
				return "flaky-done", nil
			})
			if err == nil {
				*out = append(*out, v)
				break
			}
		}
		v, err := runtime.Step(ctx, "after", func(context.Context) (string, error) {
			calls["after"]++
			return "after-done", nil
		})
		*out = append(*out, v)
		return err
	}
}

func TestFailedStepLeavesItsPositionToTheNextStep(t *testing.T) {
	store, calls := runtime.NewMemoryStore(), steps{}
	var first, second []string
	noErr(t, runtime.NewWorkflow(store, "INC-14").Run(context.Background(), flakyThenAfter(calls, &first)))
	equal(t, 2, calls["flaky"], "flaky calls on the first run")

	entries, err := store.Journal(context.Background(), "INC-14")
	noErr(t, err)
	equal(t, 2, len(entries), "journal entries")
	for i, name := range []string{"flaky", "after"} {
		equal(t, i, entries[i].Seq, "position of "+name)
		equal(t, name, entries[i].Name, "step at position "+string(rune('0'+i)))
	}

	// The finished workflow replays completely: no call, same results.
	obs := &recorder{}
	noErr(t, runtime.NewWorkflow(store, "INC-14", runtime.WithObserver(obs)).Run(context.Background(), flakyThenAfter(calls, &second)))
	equal(t, 2, calls["flaky"], "flaky calls after the replay")
	equal(t, 1, calls["after"], "after calls after the replay")
	equal(t, 2, len(obs.kind(runtime.EventStepReplayed)), "replayed steps")
	equal(t, 2, len(second), "results of the replay")
	for i := range first {
		equal(t, first[i], second[i], "replayed result")
	}
}

func TestFailedCheckpointedMethodLeavesItsPosition(t *testing.T) {
	// As for Step, for a checkpointed method whose call failed.
	store, obs := runtime.NewMemoryStore(), &recorder{}
	m, calls := checkpointed(t, false, obs)
	failures := 1
	body := func(ctx context.Context) error {
		var out string
		for {
			err := m.DoRecorded(ctx, runtime.Recording{Args: []any{"web-1"}, Results: []any{&out}}, func(context.Context) error {
				*calls++
				if failures > 0 {
					failures--
					return errBoom
				}
				out = "web-1 restarted"
				return nil
			})
			if err == nil {
				break
			}
		}
		_, err := runtime.Step(ctx, "verify", func(context.Context) (bool, error) { return true, nil })
		return err
	}
	noErr(t, runtime.NewWorkflow(store, "INC-15").Run(context.Background(), body))
	noErr(t, runtime.NewWorkflow(store, "INC-15").Run(context.Background(), body))
	equal(t, 2, *calls, "calls through")
	entries, err := store.Journal(context.Background(), "INC-15")
	noErr(t, err)
	equal(t, 2, len(entries), "journal entries")
	equal(t, 1, entries[1].Seq, "position of the step after the retried one")
}

func TestStepAdoptsAJournaledResultOfTheSameOwner(t *testing.T) {
	// Same WithOwner on two runners (or one process restarted with a fixed
	// owner name): the owner cannot tell them apart, the result can.
	store := runtime.NewMemoryStore()
	var got string
	noErr(t, runtime.NewWorkflow(store, "INC-16", runtime.WithOwner("me")).Run(context.Background(), func(ctx context.Context) error {
		var err error
		got, err = runtime.Step(ctx, "pick", func(ctx context.Context) (string, error) {
			_, err := store.Append(ctx, "INC-16", runtime.JournalEntry{Seq: 0, Name: "pick", Result: []byte(`["theirs"]`), Owner: "me"})
			return "mine", err
		})
		return err
	}))
	equal(t, "theirs", got, "result of a step journaled first under the same owner")
}

func TestOneWorkflowRunTwiceAtOnceAgreesOnEachStep(t *testing.T) {
	// Two runs of one *Workflow (one owner) race to journal step 0; the one
	// that loses must return the winner's result, not its own.
	store := runtime.NewMemoryStore()
	wf := runtime.NewWorkflow(store, "INC-17")
	entered, release := make(chan struct{}, 2), make(chan struct{})
	results := make(chan string, 2)
	errs := make(chan error, 2)
	for _, mine := range []string{"a", "b"} {
		go func() {
			errs <- wf.Run(context.Background(), func(ctx context.Context) error {
				v, err := runtime.Step(ctx, "pick", func(context.Context) (string, error) {
					entered <- struct{}{}
					<-release // both have called before either journals
					return mine, nil
				})
				results <- v
				return err
			})
		}()
	}
	<-entered
	<-entered
	close(release)
	noErr(t, <-errs)
	noErr(t, <-errs)
	first, second := <-results, <-results
	entries, err := store.Journal(context.Background(), "INC-17")
	noErr(t, err)
	equal(t, 1, len(entries), "journal entries")
	journaled := string(entries[0].Result)
	equal(t, `["`+first+`"]`, journaled, "result of one run")
	equal(t, `["`+second+`"]`, journaled, "result of the other run")
}
