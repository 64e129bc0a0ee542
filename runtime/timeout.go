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
	err = m.timedOut(ctx, actx, n, err)
	cancel()
	return err
}

// timedOut returns err, the error of attempt n made with actx, the
// attempt's context derived from the caller's ctx, wrapped to say so when
// the attempt's own deadline ended it. It must be called before actx is
// cancelled, which would hide the deadline.
func (m *Method) timedOut(ctx, actx context.Context, n int, err error) error {
	if err != nil && ctx.Err() == nil && errors.Is(actx.Err(), context.DeadlineExceeded) {
		// The attempt's own deadline, not the caller's: a failure of the
		// dependency, to be retried and counted by the breaker.
		return fmt.Errorf("%s.%s: attempt %d timed out after %v: %w", m.cfg.Interface, m.cfg.Name, n, m.cfg.Timeout, err)
	}
	return err
}
