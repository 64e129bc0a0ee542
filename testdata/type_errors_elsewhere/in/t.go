// Package t already calls the constructor that is about to be generated: a
// type error outside the annotated interface does not block generation.
package t

import "context"

// Svc is wrapped.
//
//resil:breaker
type Svc interface {
	Run(ctx context.Context) error
}

// Default is a wrapped Svc; NewResilientSvc does not exist yet.
var Default = NewResilientSvc(nil)
