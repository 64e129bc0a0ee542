// Package unwise is the quickstart's client annotated in ways the generator
// accepts but warns about: Charge has a breaker and no retry, so one
// dropped connection counts toward opening it, and it is a checkpointed
// workflow step that is not idempotent, so a crash while it runs charges
// the card again when the workflow resumes.
package unwise

import "context"

// PaymentClient charges cards.
//
//resil:breaker threshold=5 timeout=60s
type PaymentClient interface {
	// Charge charges a card, as a step of the checkout workflow.
	//
	//resil:checkpoint
	Charge(ctx context.Context, orderID string, cents int64) (string, error)

	// Status reads a charge's status.
	//
	//resil:readonly
	//resil:retry attempts=3 base=100ms
	Status(ctx context.Context, chargeID string) (string, error)
}
