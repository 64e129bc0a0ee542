// Package wf checkpoints the steps of an incident workflow.
package wf

import "context"

// Incident is the state a step returns.
type Incident struct {
	ID    string
	Notes []string
}

// Steps are journaled inside a workflow.
type Steps interface {
	// Open opens an incident.
	//
	//resil:checkpoint step=open-incident
	Open(ctx context.Context, title string) (Incident, error)
	// Page pages the on-call; its step name is its method name.
	//
	//resil:checkpoint
	Page(ctx context.Context, id string) error
	// Close is not journaled.
	Close(ctx context.Context, id string) error
}
