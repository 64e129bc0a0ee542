// Package pods trips its breaker on a failure rate.
package pods

import "context"

// Pods restarts pods.
//
//resil:breaker rate=50 min=4 window=1m slow=2s
type Pods interface {
	// Restart is the remediation.
	Restart(ctx context.Context, name string) error
	// Status has a breaker of its own, counting failures.
	//
	//resil:breaker threshold=2 slow=500ms
	Status(ctx context.Context, name string) (string, error)
}
