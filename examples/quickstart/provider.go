package main

import (
	"context"
	"errors"
)

// ChargeRequest asks for a charge; ID is the caller's idempotency key, such
// as the order number.
type ChargeRequest struct {
	ID    string
	Cents int64
}

// Receipt is a charge that went through.
type Receipt struct {
	ChargeID string
	Cents    int64
}

// flakyProvider stands in for a payment provider's API. Its first request
// fails with a 503, as a provider under load does now and then.
type flakyProvider struct {
	requests, charges int
}

// errUnavailable is the provider's 503.
var errUnavailable = errors.New("payment provider: 503 Service Unavailable")

// Charge implements PaymentClient.
func (p *flakyProvider) Charge(ctx context.Context, req ChargeRequest) (Receipt, error) {
	p.requests++
	if p.requests == 1 {
		return Receipt{}, errUnavailable
	}
	p.charges++
	return Receipt{ChargeID: "ch_" + req.ID, Cents: req.Cents}, nil
}
