// Package pay is the chapter's payment client: a breaker on the interface,
// an idempotent, retried Charge keyed by the request's ID.
package pay

import (
	"context"
	"errors"
)

// ChargeRequest asks for a charge.
type ChargeRequest struct {
	ID     string
	Amount int64
}

// Receipt is a charge that went through.
type Receipt struct {
	ChargeID string
	Amount   int64
}

// ErrDeclined is a card that said no: not worth retrying.
var ErrDeclined = errors.New("declined")

// PaymentClient charges cards.
//
//resil:breaker threshold=5 window=2m timeout=60s halfopen=2
type PaymentClient interface {
	// Charge charges once per request ID.
	//
	//resil:idempotent key=req.ID ttl=24h
	//resil:retry attempts=3 base=100ms max=2s jitter=full if=isTransient
	//resil:timeout 2s
	Charge(ctx context.Context, req ChargeRequest) (*Receipt, error)

	// Refund is a plain call through the shared breaker.
	Refund(ctx context.Context, chargeID string) error
}

// isTransient says which failures are worth another try.
func isTransient(err error) bool { return !errors.Is(err, ErrDeclined) }
