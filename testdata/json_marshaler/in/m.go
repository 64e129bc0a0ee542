// Package m returns a type with unexported fields that encodes itself.
package m

import (
	"context"
	"encoding/json"
)

// Money has unexported fields only, but marshals itself.
type Money struct {
	cents    int64
	currency string
}

// MarshalJSON encodes Money.
func (m Money) MarshalJSON() ([]byte, error) {
	return json.Marshal([]any{m.cents, m.currency})
}

// UnmarshalJSON decodes Money as MarshalJSON writes it.
func (m *Money) UnmarshalJSON(b []byte) error {
	var v struct {
		cents    int64
		currency string
	}
	if err := json.Unmarshal(b, &[]any{&v.cents, &v.currency}); err != nil {
		return err
	}
	m.cents, m.currency = v.cents, v.currency
	return nil
}

// Bank returns Money from an idempotent method.
type Bank interface {
	//resil:idempotent
	Balance(ctx context.Context, account string) (Money, error)
}
