// Package purger runs a store's Purge on a schedule, in one goroutine, for
// boltstore and pgstore. The stores own the options and the documentation;
// this package owns the loop, so that both stop, report errors and space
// their purges alike.
package purger

import (
	"context"
	"log/slog"
	"time"

	"github.com/resilgen/resilgen/runtime"
)

// Config says what to purge and when.
type Config struct {
	// Clock times the purges and gives each one its now.
	Clock runtime.Clock
	// Interval is the wait between the end of one purge and the start of
	// the next. Start runs nothing when it is zero or negative.
	Interval time.Duration
	// First is the wait before the first purge; zero or negative means
	// Interval.
	First time.Duration
	// Purge is the store's Purge.
	Purge func(ctx context.Context, now time.Time) (int, error)
	// OnError receives the error of each failed purge, on the purger's
	// goroutine. Nil logs it with [slog.Default], as Store names the store.
	OnError func(error)
	// Store names the store in the default log line, such as "boltstore".
	Store string
}

// Purger is a running schedule. A nil *Purger is a schedule that was never
// started: Stop does nothing.
type Purger struct {
	cancel context.CancelFunc
	done   chan struct{}
}

// Start starts purging on c's schedule, or returns nil when c.Interval is
// zero or negative.
func Start(c Config) *Purger {
	if c.Interval <= 0 {
		return nil
	}
	if c.First <= 0 {
		c.First = c.Interval
	}
	if c.OnError == nil {
		store := c.Store
		c.OnError = func(err error) {
			// Read at each error, so that a later slog.SetDefault applies.
			slog.Default().Warn("resilgen: scheduled purge of expired idempotency records failed",
				"store", store, "err", err)
		}
	}
	// Not the caller's context: Open's or New's context bounds the setup,
	// and the purger must outlive it until Stop.
	ctx, cancel := context.WithCancel(context.Background())
	p := &Purger{cancel: cancel, done: make(chan struct{})}
	go p.run(ctx, c)
	return p
}

// run purges until ctx is canceled. The next timer starts only after a purge
// and its error report end, so purges never overlap; a test that advances
// a manual clock past a purge knows it finished once the next timer is
// pending.
func (p *Purger) run(ctx context.Context, c Config) {
	defer close(p.done)
	wait := c.First
	for {
		t := c.Clock.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C():
		}
		// Both may be ready at once and select picks either; Stop must
		// win, so that no purge starts after it.
		if ctx.Err() != nil {
			return
		}
		_, err := c.Purge(ctx, c.Clock.Now())
		// An error caused by Stop's cancellation is no failure.
		if err != nil && ctx.Err() == nil {
			c.OnError(err)
		}
		wait = c.Interval
	}
}

// Stop cancels a purge in flight (as far as the store's Purge heeds its
// context), and returns once the goroutine is gone, so the caller may close
// what Purge uses. It is safe to call more than once, and concurrently; it
// must not be called from OnError, which runs on the goroutine it waits for.
func (p *Purger) Stop() {
	if p == nil {
		return
	}
	p.cancel()
	<-p.done
}
