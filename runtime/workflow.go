package runtime

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sync"
)

// Workflow is a multi-step run whose checkpointed steps are journaled in a
// store under its id. Running the same id again replays the journaled steps
// in order, without calling through, and executes from the first step that
// has no entry.
//
// A journaled step never runs again, but the step in flight when the
// process died does, on resume: its call is at least once, not exactly
// once. Making the step idempotent too does not change that for the call
// in flight at a crash: the dependency may have succeeded before the
// process recorded anything, and the call then repeats (boltstore keeps
// claims in memory, so a restarted process claims the key at once;
// pgstore lets another owner take the key over when the lease runs out).
// What idempotency adds is that a repeat with the same key after a
// recorded success is answered from the record, across workflows and
// callers; the dependency's own idempotency key (passed to it as an
// argument) is what makes its effect happen once.
//
// Replay matches each step by its position and name, not by its arguments:
// a body must call its steps in the same order on every run. A position is
// taken only by a step that is journaled or replayed: a step whose call
// failed leaves its position to the next step the body calls, so a body
// may call a failed step again and go on, and its next run replays it
// completely.
type Workflow struct {
	id    string
	store Store
	cfg   config
}

// NewWorkflow returns the workflow id journaled in store. opts set its clock,
// observer and owner name, as for a wrapper. A nil store keeps the journal
// in this process's memory only.
func NewWorkflow(store Store, id string, opts ...Option) *Workflow {
	if store == nil {
		store = NewMemoryStore()
	}
	cfg := newConfig(opts)
	cfg.store = store
	return &Workflow{id: id, store: store, cfg: cfg}
}

// ID returns the workflow's id.
func (w *Workflow) ID() string { return w.id }

// Run runs body with the workflow in its context: checkpointed methods and
// [Step] calls inside it are journaled and replayed. Steps must be called one
// after another, not concurrently.
//
// A step's own function runs with the workflow taken out of its context, so
// that what it calls is part of that one step and not journaled apart.
func (w *Workflow) Run(ctx context.Context, body func(context.Context) error) error {
	entries, err := w.store.Journal(ctx, w.id)
	if err != nil {
		return fmt.Errorf("workflow %q: reading its journal: %w", w.id, err)
	}
	run := &workflowRun{wf: w, journal: make(map[int]JournalEntry, len(entries))}
	for _, e := range entries {
		run.journal[e.Seq] = e
	}
	return body(context.WithValue(ctx, workflowKey{}, run))
}

// workflowKey is the context key of the workflowRun in progress.
type workflowKey struct{}

// runFrom returns the workflow run in ctx, or nil.
func runFrom(ctx context.Context) *workflowRun {
	run, _ := ctx.Value(workflowKey{}).(*workflowRun)
	return run
}

// workflowRun is one run of a workflow: the journal as it was when the run
// started, plus what the run recorded, and the position of the next step.
type workflowRun struct {
	wf *Workflow

	mu      sync.Mutex
	journal map[int]JournalEntry
	next    int
}

// step runs the next step, name, whose results are the pointers results:
// from the journal when it has the step, else by calling fn and journaling
// the results. iface and method name a checkpointed method, empty for Step.
// replayed reports that the journal answered and fn was not called.
func (r *workflowRun) step(ctx context.Context, iface, method, name string, results []any, fn func(context.Context) error) (replayed bool, err error) {
	// The position is taken only by a step that is replayed or recorded
	// (use): a step whose call failed leaves it to the next step the body
	// calls, so that a body that retries a failed step and goes on
	// journals the same positions as its replay will read.
	r.mu.Lock()
	seq := r.next
	entry, replay := r.journal[seq]
	r.mu.Unlock()

	w := r.wf
	if replay {
		if entry.Name != name {
			return false, r.nonDeterministic(seq, entry.Name, name)
		}
		if err := decodeResults(entry.Result, results); err != nil {
			return false, fmt.Errorf("workflow %q step %d %q: decoding its journaled result: %w", w.id, seq, name, err)
		}
		r.use(seq, entry)
		r.report(ctx, EventStepReplayed, iface, method, name, seq)
		return true, nil
	}

	if err := fn(context.WithValue(ctx, workflowKey{}, (*workflowRun)(nil))); err != nil {
		return false, err
	}
	enc, err := json.Marshal(results)
	if err != nil {
		return false, fmt.Errorf("workflow %q step %d %q: encoding its result: %w", w.id, seq, name, err)
	}
	// The step ran: journal it even if the caller gives up now, so that a
	// resumed run does not call through again.
	stored, err := w.store.Append(context.WithoutCancel(ctx), w.id, JournalEntry{Seq: seq, Name: name, Result: enc, Owner: w.cfg.owner})
	if err != nil {
		return false, fmt.Errorf("workflow %q step %d %q: journaling its result: %w", w.id, seq, name, err)
	}
	if stored.Name != name {
		return false, r.nonDeterministic(seq, stored.Name, name)
	}
	if !bytes.Equal(stored.Result, enc) {
		// Another runner of this workflow journaled the step first: its
		// result is the one every run must see from now on. The owner
		// cannot tell: two runners may share one (WithOwner, or one
		// *Workflow run twice at once), and a lost acknowledgement of
		// this run's own write holds the same bytes.
		if err := decodeResults(stored.Result, results); err != nil {
			return false, fmt.Errorf("workflow %q step %d %q: decoding the result journaled by %s: %w", w.id, seq, name, stored.Owner, err)
		}
	}
	r.use(seq, stored)
	r.report(ctx, EventStepRecorded, iface, method, name, seq)
	return false, nil
}

// use records that the step at seq was replayed or journaled as entry, and
// moves the run to the next position.
func (r *workflowRun) use(seq int, entry JournalEntry) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.journal[seq] = entry
	r.next = seq + 1
}

func (r *workflowRun) nonDeterministic(seq int, journaled, called string) error {
	return fmt.Errorf("workflow %q step %d: the journal has %q but the code calls %q: %w",
		r.wf.id, seq, journaled, called, ErrNonDeterministic)
}

func (r *workflowRun) report(ctx context.Context, kind EventKind, iface, method, name string, seq int) {
	w := r.wf
	if w.cfg.observer == nil {
		return
	}
	w.cfg.observer.Observe(ctx, Event{
		Kind:      kind,
		Time:      w.cfg.clock.Now(),
		Interface: iface,
		Method:    method,
		Policy:    "checkpoint",
		Workflow:  w.id,
		Step:      name,
		Seq:       seq,
	})
}

// Step runs fn as the next step of the workflow in ctx and journals its
// result under name; on a resumed run it returns the journaled result
// without calling fn. Outside a workflow it just calls fn. A name that
// differs from the journal at this position gives ErrNonDeterministic.
// When fn fails, nothing is journaled and the step takes no position: the
// next step called (the same one again, to retry it) takes it.
//
// The result is journaled as JSON, so T must survive a round trip through
// encoding/json.
func Step[T any](ctx context.Context, name string, fn func(context.Context) (T, error)) (T, error) {
	run := runFrom(ctx)
	if run == nil {
		return fn(ctx)
	}
	var v T
	_, err := run.step(ctx, "", "", name, []any{&v}, func(ctx context.Context) error {
		var err error
		v, err = fn(ctx)
		return err
	})
	return v, err
}
