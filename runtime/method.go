package runtime

import (
	"context"
	"time"
)

// MethodConfig is what a generated wrapper knows of one method: its names and
// the policies its directives ask for. A nil policy is left out of the chain.
type MethodConfig struct {
	// Interface and Name name the method in events and errors.
	Interface, Name string
	// Bulkhead, when set, caps the method's calls in flight. Methods of one
	// interface share the interface's bulkhead unless they have their own.
	Bulkhead *Bulkhead
	// Breaker, when set, guards the method. Methods of one interface share
	// the interface's breaker unless they have their own.
	Breaker *Breaker
	// Retry, when set, retries failed attempts.
	Retry *RetryConfig
	// Timeout, when positive, is the deadline of each attempt. It is a real
	// context deadline (context.WithTimeout), which the dependency's client
	// can read and pass on, so it runs on the system clock even when the
	// runtime has another Clock.
	Timeout time.Duration
	// Idempotent, when set, records successful results by key in the
	// runtime's store and returns them to later calls with that key.
	Idempotent *IdempotencyConfig
	// Step, when not empty, makes the method a checkpointed workflow step
	// of that name: inside a Workflow its result is journaled and replayed.
	Step string
	// Hedge, when set, races a second try (and more) of each attempt that
	// has not answered after Hedge.Delay. Only for methods that are
	// readonly or idempotent: a try may run while another succeeds.
	Hedge *HedgeConfig
	// Fallback says when [Method.Fallback] tells the wrapper to call the
	// method's fallback; zero: never.
	Fallback FallbackOn
	// Omit names fields left out of recorded results: a field of one of
	// these names, at any depth of a result, is recorded (in idempotency
	// records and workflow journals) as its zero value and so replays as
	// zero, while the caller that made the call still gets it. For what a
	// replay need not repeat, such as the AWS SDK's ResultMetadata.
	// Exported fields are matched by their Go name, through pointers,
	// slices, arrays, map values and structs; a type with its own
	// MarshalJSON or MarshalText is recorded as it encodes itself.
	Omit []string
	// RateLimit, when set, gives each attempt, retries included, a token
	// of the limiter first. Methods of one interface share the interface's
	// limiter unless they have their own.
	RateLimit *RateLimiter
}

// Method runs the calls of one wrapped method through its policies. It is
// built once, by [Runtime.NewMethod], and is safe for concurrent use.
type Method struct {
	cfg MethodConfig

	rt       *Runtime
	clock    Clock
	observer Observer
	// retry is the method's retry with defaults filled in; a method without
	// a retry makes one attempt.
	retry RetryConfig
	// rand is the jitter's source set by WithRand; nil: the global one.
	rand *lockedRand
	// idem is the method's idempotency with defaults filled in.
	idem IdempotencyConfig
	// fullName is "Interface.Method", the namespace of its idempotency keys.
	fullName string
	// omit records results without the fields of cfg.Omit; nil without.
	omit *omitter
	// budget is the runtime's retry budget for a method that retries; nil
	// otherwise.
	budget *RetryBudget
	// faults are the injected faults that apply to the method (WithFaults);
	// nil without.
	faults []Fault
	// slow is the breaker's Slow: a call is timed only when it is set.
	slow time.Duration
	// hedge is cfg.Hedge with defaults filled in; nil without.
	hedge *HedgeConfig
	// straight says the method's calls may take the straight path of
	// generated code (see Straight): set once, by NewMethod.
	straight bool
}

// NewMethod builds the policy chain of one method, once.
func (rt *Runtime) NewMethod(cfg MethodConfig) *Method {
	m := &Method{
		cfg:      cfg,
		rt:       rt,
		clock:    rt.cfg.clock,
		observer: rt.cfg.observer,
		rand:     rt.cfg.rand,
		retry:    RetryConfig{Attempts: 1},
		fullName: cfg.Interface + "." + cfg.Name,
		omit:     newOmitter(cfg.Omit),
		faults:   faultsFor(rt.cfg.faults, cfg.Interface, cfg.Name),
	}
	if cfg.Retry != nil {
		m.retry = cfg.Retry.withDefaults()
	}
	if cfg.Retry != nil || cfg.Hedge != nil {
		// Retries and hedges both add load to a dependency: the budget
		// counts the calls of methods that make them.
		m.budget = rt.cfg.budget
	}
	if cfg.Breaker != nil {
		m.slow = cfg.Breaker.cfg.Slow
	}
	if cfg.Hedge != nil {
		h := cfg.Hedge.withDefaults()
		m.hedge = &h
	}
	if cfg.Idempotent != nil {
		m.idem = cfg.Idempotent.withDefaults()
	}
	m.straight = m.straightable()
	return m
}

// Do runs call through the method's bulkhead, breaker, retry, hedge, rate
// limiter, timeout and injected faults, in that order, and returns its
// error. call gets the attempt's context (with the per-attempt deadline)
// and must store its results itself. On the happy path of a closed
// breaker in count mode, without Slow, observer, rate limiter or hedge, Do
// allocates nothing and reads no clock.
//
// A call that panics while the breaker is half-open counts as a failure; the
// panic goes on to the caller.
func (m *Method) Do(ctx context.Context, call func(context.Context) error) error {
	if b := m.cfg.Bulkhead; b != nil {
		if err := m.enter(ctx, b); err != nil {
			return err
		}
		defer b.release()
	}
	return m.guarded(ctx, call)
}

// enter takes a slot of b for a call, or reports the call rejected. The
// caller releases the slot, with a defer of its own so that a panicking
// call gives it back too.
func (m *Method) enter(ctx context.Context, b *Bulkhead) error {
	err := b.acquire(ctx)
	if err != nil && m.observer != nil {
		m.rejected(ctx, "bulkhead", "", err)
		m.called(ctx, m.clock.Now(), 0, err)
	}
	return err
}

// guarded runs call through the breaker, retry and timeout.
func (m *Method) guarded(ctx context.Context, call func(context.Context) error) error {
	var start time.Time
	if m.observer != nil || m.slow > 0 {
		start = m.clock.Now()
	}
	b := m.cfg.Breaker
	if b == nil {
		n, err := m.retried(ctx, call)
		if m.observer != nil {
			m.called(ctx, start, n, err)
		}
		return err
	}
	t, err := b.allow(ctx)
	if err != nil {
		if m.observer != nil {
			m.rejected(ctx, "breaker", b.name, err)
			m.called(ctx, start, 0, err)
		}
		return err
	}
	if t.state == StateHalfOpen {
		return m.trial(ctx, b, t, start, call)
	}
	// Retries happen inside the breaker: a call whose attempts all failed
	// counts as one failure.
	n, err := m.retried(ctx, call)
	// The test of m.slow is spelled out: tookSlow reads the clock through
	// an interface and is not inlined, and this is every call's path.
	b.done(ctx, t, err, m.slow > 0 && m.tookSlow(start))
	if m.observer != nil {
		m.called(ctx, start, n, err)
	}
	return err
}

// tookSlow reports whether a call that started at start took the breaker's
// Slow or longer; false when the breaker has no Slow.
func (m *Method) tookSlow(start time.Time) bool {
	return m.slow > 0 && m.clock.Now().Sub(start) >= m.slow
}

// trial runs a half-open trial call. It is apart from guarded because it
// needs a defer: a trial that panics must still give back its slot, or the
// breaker would stay half-open with no trial left to close it.
func (m *Method) trial(ctx context.Context, b *Breaker, t ticket, start time.Time, call func(context.Context) error) error {
	recorded := false
	defer func() {
		if !recorded {
			b.record(ctx, t, outcomeFailure)
		}
	}()
	n, err := m.retried(ctx, call)
	recorded = true
	b.done(ctx, t, err, m.tookSlow(start))
	if m.observer != nil {
		m.called(ctx, start, n, err)
	}
	return err
}

// retried runs call up to the retry's Attempts times and returns how many
// attempts ran and the error to give the caller.
func (m *Method) retried(ctx context.Context, call func(context.Context) error) (int, error) {
	if m.budget != nil {
		// Apart, so that the defer is not paid by methods without one.
		return m.retriedInBudget(ctx, call)
	}
	err := m.attempt(ctx, 1, call)
	if err == nil {
		return 1, nil
	}
	return m.retryFailed(ctx, err, call)
}

// retriedInBudget is retried for a method under a retry budget: the call
// counts as in flight under the budget until it returns, panics included.
func (m *Method) retriedInBudget(ctx context.Context, call func(context.Context) error) (int, error) {
	m.budget.enter()
	defer m.budget.exit()
	err := m.attempt(ctx, 1, call)
	if err == nil {
		return 1, nil
	}
	return m.retryFailed(ctx, err, call)
}

// retryFailed goes on after attempt 1 failed with err. It is apart from
// retried so that what it needs on the heap is not paid on the happy path.
func (m *Method) retryFailed(ctx context.Context, err error, call func(context.Context) error) (int, error) {
	var prev time.Duration
	// admitted says the retry under way holds a slot of the budget; the
	// defer gives it back when the call panics.
	admitted := false
	defer func() {
		if admitted {
			m.budget.retried()
		}
	}()
	for n := 1; ; n++ {
		if admitted {
			m.budget.retried()
			admitted = false
		}
		if e, ok := permanent(err); ok {
			// Unwrapped, so that an outer retry is not stopped because
			// this one gave up.
			return n, e
		}
		if ctx.Err() != nil {
			// The caller gave up: never retried.
			if n == 1 {
				return n, err
			}
			return n, &RetryError{Attempts: n, Last: err, Cause: context.Cause(ctx)}
		}
		if !m.retry.retryable(err) {
			return n, err
		}
		if n >= m.retry.Attempts {
			if n == 1 {
				return n, err
			}
			return n, &RetryError{Attempts: n, Last: err}
		}
		d := m.retry.backoff(n, prev, m.rand)
		prev = d
		if h, ok := m.retry.hint(err); ok {
			var stop error
			if d, stop = m.hinted(ctx, n, d, h, err); stop != nil {
				return n, stop
			}
		}
		if m.budget != nil {
			if !m.budget.admit() {
				if m.observer != nil {
					m.event(ctx, Event{Kind: EventBudgetExhausted, Policy: "budget", Attempt: n, Err: err})
				}
				return n, &RetryError{Attempts: n, Last: err, Cause: ErrRetryBudget}
			}
			admitted = true
		}
		if m.observer != nil {
			m.event(ctx, Event{Kind: EventRetry, Policy: "retry", Attempt: n, Delay: d, Err: err})
		}
		if !sleep(ctx, m.clock, d) {
			return n, &RetryError{Attempts: n, Last: err, Cause: context.Cause(ctx)}
		}
		if err = m.attempt(ctx, n+1, call); err == nil {
			return n + 1, nil
		}
	}
}

// attempt runs call once, under the per-attempt timeout when there is one.
func (m *Method) attempt(ctx context.Context, n int, call func(context.Context) error) error {
	if m.observer != nil {
		return m.attemptObserved(ctx, n, call)
	}
	if m.hedge != nil {
		return m.hedged(ctx, n, call)
	}
	// One try, spelled out rather than through single: this is the happy
	// path of every wrapped call, and single is not inlined.
	if l := m.cfg.RateLimit; l != nil {
		if _, err := l.take(ctx); err != nil {
			return err
		}
	}
	if m.cfg.Timeout > 0 {
		return m.attemptWithTimeout(ctx, n, call)
	}
	if m.faults != nil { // invoke, spelled out: it is not inlined
		return m.injected(ctx, call)
	}
	return call(ctx)
}

func (m *Method) attemptObserved(ctx context.Context, n int, call func(context.Context) error) error {
	if m.hedge != nil {
		// Each try takes its own token, inside hedged; the attempt's
		// duration is the race's.
		start := m.clock.Now()
		err := m.hedged(ctx, n, call)
		end := m.clock.Now()
		m.event(ctx, Event{Kind: EventAttempt, Time: end, Policy: "retry", Attempt: n, Duration: end.Sub(start), Err: err})
		return err
	}
	if err := m.token(ctx, n); err != nil {
		return err
	}
	start := m.clock.Now()
	var err error
	if m.cfg.Timeout > 0 {
		err = m.attemptWithTimeout(ctx, n, call)
	} else {
		err = m.invoke(ctx, call)
	}
	end := m.clock.Now()
	m.event(ctx, Event{Kind: EventAttempt, Time: end, Policy: "retry", Attempt: n, Duration: end.Sub(start), Err: err})
	return err
}

// token takes a token of the method's rate limiter, when it has one, for a
// try of attempt n, and tells the observer of a wait or a refusal.
func (m *Method) token(ctx context.Context, n int) error {
	l := m.cfg.RateLimit
	if l == nil {
		return nil
	}
	waited, err := l.take(ctx)
	if m.observer != nil && (err != nil || waited > 0) {
		m.event(ctx, Event{Kind: EventRateLimited, Policy: "ratelimit", Attempt: n, Delay: waited, Err: err})
	}
	return err
}

// sleep waits d on clock and reports whether it did; false means ctx ended
// the wait first.
func sleep(ctx context.Context, clock Clock, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := clock.NewTimer(d)
	select {
	case <-t.C():
		return true
	case <-ctx.Done():
		t.Stop()
		return false
	}
}

// event fills in what every event of the method carries and hands it to the
// observer. Callers check m.observer first, so that without an observer no
// event is even built. An event whose caller already read the clock keeps
// that Time: each read costs ~50 ns on a VM, and an observed call would
// otherwise read it six times.
func (m *Method) event(ctx context.Context, e Event) {
	if e.Time.IsZero() {
		e.Time = m.clock.Now()
	}
	e.Interface, e.Method = m.cfg.Interface, m.cfg.Name
	m.observer.Observe(ctx, e)
}

func (m *Method) rejected(ctx context.Context, policy, breaker string, err error) {
	m.event(ctx, Event{Kind: EventRejected, Policy: policy, Breaker: breaker, Err: err})
}

func (m *Method) called(ctx context.Context, start time.Time, attempts int, err error) {
	end := m.clock.Now()
	m.event(ctx, Event{Kind: EventCall, Time: end, Attempt: attempts, Duration: end.Sub(start), Err: err})
}

// Recording is what [Method.DoRecorded] needs to record a call's results and
// to give them back without calling through.
type Recording struct {
	// Key is the idempotency key. Empty: a hash of Args is the key.
	Key string
	// Args are the call's arguments but the context; their JSON encoding is
	// the fingerprint that tells a reused key from a repeated call.
	Args []any
	// Results are pointers to the call's results but the error. They are
	// encoded as a JSON array after a success, and decoded into on a hit.
	Results []any
}

// DoRecorded is Do for a method that is idempotent or checkpointed or both.
// Inside a workflow a checkpointed method first looks in the journal; then an
// idempotent one looks up its record; only then does the call go through Do.
// A hit fills rec.Results and returns without calling through.
//
// The order is bulkhead -> journal (when Step is set and ctx carries a
// workflow) -> idempotency record (when Idempotent is set) -> breaker ->
// retry -> hedge -> rate limiter -> timeout -> faults -> call. A hit fills
// rec.Results by decoding the JSON of each recorded result into the pointer
// at the same index (on the memory store, from the second hit on, by
// copying the results it keeps decoded: the same values). With
// MethodConfig.Omit, the named fields are recorded as zero.
func (m *Method) DoRecorded(ctx context.Context, rec Recording, call func(context.Context) error) error {
	if m.omit != nil {
		// Wrapped here, so that the journal and the idempotency record
		// both encode through it and neither needs to know of omission.
		rec.Results = m.omit.wrap(rec.Results)
	}
	if b := m.cfg.Bulkhead; b != nil {
		if err := m.enter(ctx, b); err != nil {
			return err
		}
		defer b.release()
	}
	if m.cfg.Step != "" {
		if run := runFrom(ctx); run != nil {
			replayed, err := run.step(ctx, m.cfg.Interface, m.cfg.Name, m.cfg.Step, rec.Results, func(ctx context.Context) error {
				return m.recorded(ctx, rec, call)
			})
			if replayed && m.observer != nil {
				// The workflow's observer heard of the replayed step; the
				// method's hears of a call answered without an attempt,
				// as for an idempotent hit, so that calls counted by
				// outcome include replays.
				m.event(ctx, Event{Kind: EventCall, Policy: "checkpoint"})
			}
			return err
		}
	}
	return m.recorded(ctx, rec, call)
}

// recorded runs the idempotency layer, when the method has one, around the
// breaker, retry and timeout.
func (m *Method) recorded(ctx context.Context, rec Recording, call func(context.Context) error) error {
	if m.cfg.Idempotent == nil {
		return m.guarded(ctx, call)
	}
	return m.idempotent(ctx, rec, call)
}
