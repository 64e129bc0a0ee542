package runtime

import (
	"context"
	"errors"
	"fmt"
)

// attemptWithTimeout runs attempt n of call with a context that ends after
// the method's Timeout.
//
// The deadline is a real context deadline (context.WithTimeout), not one of
// the runtime's Clock: the dependency's client (net/http, gRPC) reads it
// from ctx and must see a true deadline, which a manual clock cannot give.
func (m *Method) attemptWithTimeout(ctx context.Context, n int, call func(context.Context) error) error {
	actx, cancel := context.WithTimeout(ctx, m.cfg.Timeout)
	err := m.invoke(actx, call)
	timedOut := err != nil && ctx.Err() == nil && errors.Is(actx.Err(), context.DeadlineExceeded)
	cancel()
	if timedOut {
		// The attempt's own deadline, not the caller's: a failure of the
		// dependency, to be retried and counted by the breaker.
		return fmt.Errorf("%s.%s: attempt %d timed out after %v: %w", m.cfg.Interface, m.cfg.Name, n, m.cfg.Timeout, err)
	}
	return err
}
