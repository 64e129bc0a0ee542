package main

//go:generate go run github.com/resilgen/resilgen/cmd/resilgen

import (
	"context"
	"fmt"
	"log"

	"github.com/resilgen/resilgen/runtime"
)

// PaymentClient charges cards through a payment provider.
//
//resil:breaker threshold=5 timeout=60s
type PaymentClient interface {
	// Charge charges once per request ID, however often it is called.
	//
	//resil:idempotent key=req.ID
	//resil:retry attempts=3 base=100ms
	//resil:timeout 2s
	Charge(ctx context.Context, req ChargeRequest) (Receipt, error)
}

func main() {
	provider := &flakyProvider{} // fails its first request with a 503
	client := NewResilientPaymentClient(provider, runtime.WithStore(runtime.NewMemoryStore()))
	for range 2 { // a retried checkout: the second call gets the first receipt
		r, err := client.Charge(context.Background(), ChargeRequest{ID: "order-1042", Cents: 4999})
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("receipt %s for %d cents\n", r.ChargeID, r.Cents)
	}
	fmt.Printf("provider: %d requests, %d charge\n", provider.requests, provider.charges)
}
