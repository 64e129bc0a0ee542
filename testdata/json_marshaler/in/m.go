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

// UnmarshalJSON decodes Money.
func (m *Money) UnmarshalJSON(b []byte) error {
	var v []any
	return json.Unmarshal(b, &v)
}

// Bank returns Money from an idempotent method.
type Bank interface {
	//resil:idempotent
	Balance(ctx context.Context, account string) (Money, error)
}
