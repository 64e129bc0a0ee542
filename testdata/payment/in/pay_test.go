package pay

import (
	"context"
	"errors"
	"testing"

	"github.com/resilgen/resilgen/runtime"
)

type fake struct {
	charges, refunds int
	refundErr        error
}

func (f *fake) Charge(ctx context.Context, req ChargeRequest) (*Receipt, error) {
	f.charges++
	return &Receipt{ChargeID: "ch-" + req.ID, Amount: req.Amount}, nil
}

func (f *fake) Refund(ctx context.Context, chargeID string) error {
	f.refunds++
	return f.refundErr
}

func TestChargeRunsOncePerKey(t *testing.T) {
	f := &fake{}
	c := NewResilientPaymentClient(f)
	ctx := context.Background()
	first, err := c.Charge(ctx, ChargeRequest{ID: "order-1", Amount: 500})
	if err != nil {
		t.Fatal(err)
	}
	again, err := c.Charge(ctx, ChargeRequest{ID: "order-1", Amount: 500})
	if err != nil {
		t.Fatal(err)
	}
	if f.charges != 1 || *again != *first {
		t.Fatalf("charges = %d, again = %+v; want 1 and the first receipt", f.charges, again)
	}
	if _, err := c.Charge(ctx, ChargeRequest{ID: "order-1", Amount: 900}); !errors.Is(err, runtime.ErrIdempotencyConflict) {
		t.Fatalf("same key, other amount: err = %v, want ErrIdempotencyConflict", err)
	}
}

func TestBreakerIsSharedAndOpens(t *testing.T) {
	f := &fake{refundErr: errors.New("down")}
	c := NewResilientPaymentClient(f)
	ctx := context.Background()
	for i := 0; i < 5; i++ {
		if err := c.Refund(ctx, "ch"); errors.Is(err, runtime.ErrCircuitOpen) {
			t.Fatalf("refund %d rejected before the threshold", i)
		}
	}
	if err := c.Refund(ctx, "ch"); !errors.Is(err, runtime.ErrCircuitOpen) {
		t.Fatalf("err = %v, want ErrCircuitOpen after 5 failures", err)
	}
	// Charge shares the interface's breaker: it is rejected too.
	if _, err := c.Charge(ctx, ChargeRequest{ID: "order-2"}); !errors.Is(err, runtime.ErrCircuitOpen) {
		t.Fatalf("Charge: err = %v, want ErrCircuitOpen from the shared breaker", err)
	}
	if f.refunds != 5 || f.charges != 0 {
		t.Fatalf("refunds, charges = %d, %d; want 5, 0", f.refunds, f.charges)
	}
}
