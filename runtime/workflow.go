package runtime

import "context"

// Workflow is a multi-step run whose checkpointed steps are journaled in a
// store under its id. Running the same id again replays the journaled steps
// in order, without calling through, and executes from the first step that
// has no entry. A step in flight when the process died runs again on resume:
// make it idempotent too for exactly-once effects.
//
// Replay matches each step by its position and name, not by its arguments:
// a body must call its steps in the same order on every run.
type Workflow struct {
	id string
}

// NewWorkflow returns the workflow id journaled in store. opts set its clock,
// observer and owner name, as for a wrapper.
func NewWorkflow(store Store, id string, opts ...Option) *Workflow {
	panic("unimplemented")
}

// ID returns the workflow's id.
func (w *Workflow) ID() string { return w.id }

// Run runs body with the workflow in its context: checkpointed methods and
// [Step] calls inside it are journaled and replayed. Steps must be called one
// after another, not concurrently.
func (w *Workflow) Run(ctx context.Context, body func(context.Context) error) error {
	panic("unimplemented")
}

// Step runs fn as the next step of the workflow in ctx and journals its
// result under name; on a resumed run it returns the journaled result
// without calling fn. Outside a workflow it just calls fn. A name that
// differs from the journal at this position gives ErrNonDeterministic.
func Step[T any](ctx context.Context, name string, fn func(context.Context) (T, error)) (T, error) {
	panic("unimplemented")
}
