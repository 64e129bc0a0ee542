// Package badretry is the quickstart's client with a mistake the generator
// catches: Charge is retried but neither idempotent nor read-only, so a
// retry could charge the card twice.
package badretry

import "context"

// PaymentClient charges cards.
//
//resil:breaker threshold=5 timeout=60s
type PaymentClient interface {
	// Charge charges a card.
	//
	//resil:retry attempts=3 base=100ms
	Charge(ctx context.Context, orderID string, cents int64) (string, error)
}
