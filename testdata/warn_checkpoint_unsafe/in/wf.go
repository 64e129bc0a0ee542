// Package wf journals the steps of a workflow; one of them repeats its
// effect when the process dies while it runs.
package wf

import "context"

// Steps are workflow steps.
type Steps interface {
	// Charge is journaled but not idempotent: a crash while it runs
	// charges twice on resume. Warned about.
	//
	//resil:checkpoint
	Charge(ctx context.Context, order string, cents int64) (string, error)
	// Ship is journaled and idempotent by order: no warning.
	//
	//resil:checkpoint
	//resil:idempotent key=order
	Ship(ctx context.Context, order string) (string, error)
	// Quote is journaled and reads only: no warning.
	//
	//resil:checkpoint step=quote
	//resil:readonly
	Quote(ctx context.Context, order string) (int64, error)
}
