package runtime

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	goruntime "runtime"
	"sync"
	"time"
)

// IdempotencyConfig sets how long a method's records live. A zero field takes
// the default of the //resil:idempotent directive written beside it.
//
// Idempotency records a success and answers later calls with the same key
// from the record, and runs concurrent calls with one key once. It is not
// exactly-once for a call in flight when its process dies: the dependency
// may have succeeded before the result was recorded, and the next call with
// the key, finding no record, calls again (at least once). With boltstore
// the claim dies with the process, so the restarted process calls at once;
// with pgstore another replica takes the key over after the lease. A call
// that fails or panics records nothing and gives the key up at once.
type IdempotencyConfig struct {
	// TTL is how long a successful result is kept and returned. Default 24h.
	TTL time.Duration
	// Lease is how long a claim holds a key while its call runs; it is
	// renewed while the call runs, so a claimer that died gives up the key
	// after at most Lease. Default 30s. In the memory store, which dies
	// with its claimers, a claim holds its key until its call ends.
	Lease time.Duration
}

// withDefaults fills the zero fields of c with the directive's defaults.
func (c IdempotencyConfig) withDefaults() IdempotencyConfig {
	if c.TTL <= 0 {
		c.TTL = 24 * time.Hour
	}
	if c.Lease <= 0 {
		c.Lease = 30 * time.Second
	}
	return c
}

// inProcessLease is the lease of a claim in the memory store: it lasts
// until the call releases or completes it, unrenewed. A lease bounds how
// long a claimer that died holds its key, and one that dies with the store
// holds nothing; a call that ends in any way settles its claim, and one
// that never ends would renew it forever anyway. So the memory store's
// claims need no renewing goroutine, timer and context per call.
const inProcessLease = 100 * 365 * 24 * time.Hour

// maxClaimPoll bounds how long a duplicate waits between looks at another
// process's claim, so that it sees the result soon after it is recorded.
const maxClaimPoll = time.Second

// idempotent runs the claim -> call -> record cycle of an idempotent method.
// The store is asked first, so that a hit (a key already recorded) costs one
// Claim, which writes nothing for a finished record, and no bookkeeping in
// this process. A call that claims the key leads its flight; duplicates in
// this process that find the key claimed by this runtime wait for that
// flight instead of polling the store; those that find another process's
// claim look again until the result is recorded or the claim's lease runs
// out.
func (m *Method) idempotent(ctx context.Context, rec Recording, call func(context.Context) error) error {
	mem, _ := m.rt.cfg.store.(*memoryStore)
	var storeKey, key, fp string
	if mem != nil {
		var done bool
		var err error
		if storeKey, key, fp, done, err = m.memoryHit(ctx, mem, rec); done {
			return err
		}
	} else {
		var err error
		if fp, err = fingerprint(rec.Args); err != nil {
			return fmt.Errorf("%s: idempotency fingerprint of the arguments: %w", m.fullName, err)
		}
		// Namespaced, so that two methods sharing a store never share a key.
		key = rec.Key
		if key == "" {
			// The fingerprint is the key: key and fp become substrings
			// of storeKey, which saves an allocation.
			storeKey = m.fullName + ":" + fp
			key = storeKey[len(m.fullName)+1:]
			fp = key
		} else {
			storeKey = m.fullName + ":" + key
		}
	}

	// mine is a flight this call started for a claimer in this runtime that
	// had not registered its own yet; when no claimer takes it over, this
	// call ends it on the way out, so that no waiter is left on it.
	var mine *flight
	defer func() {
		if mine != nil {
			m.rt.flights.drop(storeKey, mine)
		}
	}()
	store, owner, lease := m.rt.cfg.store, m.rt.cfg.owner, m.idem.Lease
	if mem != nil {
		lease = inProcessLease
	}
	for {
		now := m.clock.Now()
		r, claimed, err := store.Claim(ctx, storeKey, fp, owner, now, now.Add(lease))
		if err != nil {
			return fmt.Errorf("%s: claiming idempotency key %q: %w", m.fullName, key, err)
		}
		if claimed {
			return m.claimAndCall(ctx, storeKey, key, fp, rec, call)
		}
		if r.Fingerprint != fp {
			return m.conflict(key)
		}
		if r.Done {
			return m.hit(ctx, key, r.Result, rec.Results)
		}
		wait := min(r.LeaseUntil.Sub(now), maxClaimPoll)
		if r.Owner != owner {
			// Another process holds a live claim: look again when its
			// lease runs out, or sooner to see its result.
			if !sleep(ctx, m.clock, wait) {
				return fmt.Errorf("%s: waiting for %s's claim of idempotency key %q: %w", m.fullName, r.Owner, key, context.Cause(ctx))
			}
			continue
		}
		// A call in this runtime holds the claim: wait for its flight.
		f, led, made := m.rt.flights.await(storeKey, fp)
		switch {
		case made:
			// The claimer has not registered its flight yet, or it has
			// already ended it: look again before waiting, since in the
			// second case no one would end this one.
			mine = f
			continue
		case f == nil:
			// The flight is of a claim that another fingerprint has
			// taken over since: the store will say so.
			goruntime.Gosched()
			continue
		}
		var t Timer
		var timeout <-chan time.Time
		if !led {
			// No claimer has taken the flight over yet, and none may
			// come: a claim whose release failed outlives its call. Look
			// again no later than the store's poll would.
			t = m.clock.NewTimer(wait)
			timeout = t.C()
		}
		ended, canceled := false, false
		select {
		case <-f.done:
			ended = true
		case <-timeout:
		case <-ctx.Done():
			canceled = true
		}
		if t != nil {
			t.Stop()
		}
		switch {
		case canceled:
			return fmt.Errorf("%s: waiting for the call in flight with idempotency key %q: %w", m.fullName, key, context.Cause(ctx))
		case ended && f.ok:
			return m.hit(ctx, key, f.result, rec.Results)
		}
		// The call failed and recorded nothing, or no claimer came: look
		// again, and maybe call through.
	}
}

// claimAndCall runs the call of a key this call has just claimed in the
// store, as the leader of the key's flight, and records its result. A call
// that fails or panics records nothing: the claim is released and the
// flight ends as failed, so that the next call with the key runs at once.
func (m *Method) claimAndCall(ctx context.Context, storeKey, key, fp string, rec Recording, call func(context.Context) error) error {
	f := m.rt.flights.lead(storeKey, fp)
	ok, result := false, []byte(nil)
	defer func() { m.rt.flights.finish(storeKey, f, ok, result) }()

	store, owner := m.rt.cfg.store, m.rt.cfg.owner
	mem, inProcess := store.(*memoryStore)
	// The claim must be settled even when the caller has given up, or the
	// key would stay blocked until the lease runs out.
	// The memory store reads nothing of a context but its end: it gets
	// one that never ends, which costs no allocation.
	bg := context.Background()
	runCtx, stopRenewing := ctx, func() {}
	if !inProcess {
		bg = context.WithoutCancel(ctx)
		runCtx, stopRenewing = m.keepClaim(ctx, storeKey)
	}
	returned := false
	defer func() {
		if returned {
			return
		}
		// The call panicked (or ran runtime.Goexit): nothing is recorded,
		// so give the key up as for a failure, before the deferred finish
		// wakes this flight's waiters to look again. Not recovering lets
		// the panic go on to the caller with its own value and stack.
		stopRenewing()
		_ = store.Release(bg, storeKey, owner)
	}()
	err := m.guarded(runCtx, call)
	returned = true
	stopRenewing()

	if err != nil {
		// Failures are not recorded: the next call with the key may try.
		// The call's error is what the caller needs; a failed release only
		// delays the next claim until the lease runs out.
		_ = store.Release(bg, storeKey, owner)
		return err
	}
	enc, err := resultsJSON(rec.Results)
	if err != nil {
		_ = store.Release(bg, storeKey, owner)
		return fmt.Errorf("%s: encoding the results of idempotency key %q: %w", m.fullName, key, err)
	}
	expiresAt := m.clock.Now().Add(m.idem.TTL)
	if inProcess {
		// enc is this call's own and read-only from here on (the flight
		// hands it to waiters to decode): the store may keep it.
		err = mem.completeOwned(bg, storeKey, owner, enc, expiresAt)
	} else {
		err = store.Complete(bg, storeKey, owner, enc, expiresAt)
	}
	if err != nil {
		return fmt.Errorf("%s: the call succeeded but recording its result under idempotency key %q failed: %w", m.fullName, key, err)
	}
	ok, result = true, enc
	return nil
}

// resultsJSON is json.Marshal of results, through the fast codec when
// every result is of a type it writes. The slice is the caller's to keep.
func resultsJSON(results []any) ([]byte, error) {
	if b, ok := appendJSONArray(make([]byte, 0, 32), results); ok {
		return b, nil
	}
	return json.Marshal(results)
}

// keepClaim renews the claim of storeKey every third of its lease until the
// returned stop is called. The returned context is ended with ErrLeaseLost
// when the store says another owner took the key over, so that the call
// stops instead of racing the new owner.
func (m *Method) keepClaim(ctx context.Context, storeKey string) (context.Context, func()) {
	runCtx, cancel := context.WithCancelCause(ctx)
	stop, stopped := make(chan struct{}), make(chan struct{})
	store, owner, lease := m.rt.cfg.store, m.rt.cfg.owner, m.idem.Lease
	go func() {
		defer close(stopped)
		for {
			t := m.clock.NewTimer(max(lease/3, time.Millisecond))
			select {
			case <-stop:
				t.Stop()
				return
			case <-runCtx.Done():
				t.Stop()
				return
			case <-t.C():
			}
			err := store.Renew(context.WithoutCancel(ctx), storeKey, owner, m.clock.Now().Add(lease))
			if errors.Is(err, ErrLeaseLost) {
				cancel(fmt.Errorf("%s: renewing the claim of %q: %w", m.fullName, storeKey, err))
				return
			}
			// Another error is the store's trouble, maybe passing: the claim
			// is ours until its lease runs out, so try again next tick.
		}
	}()
	return runCtx, func() {
		close(stop)
		<-stopped
		cancel(nil)
	}
}

// hit fills results from a recorded result and reports it.
func (m *Method) hit(ctx context.Context, key string, result []byte, results []any) error {
	if err := decodeResults(result, results); err != nil {
		return fmt.Errorf("%s: decoding the recorded result of idempotency key %q: %w", m.fullName, key, err)
	}
	if m.observer != nil {
		m.reportHit(ctx, key)
	}
	return nil
}

// reportHit tells the observer of a call answered from the record of key.
func (m *Method) reportHit(ctx context.Context, key string) {
	m.event(ctx, Event{Kind: EventIdempotentHit, Policy: "idempotency", Key: key})
	m.event(ctx, Event{Kind: EventCall, Policy: "idempotency"})
}

func (m *Method) conflict(key string) error {
	return fmt.Errorf("%s: idempotency key %q: %w", m.fullName, key, ErrIdempotencyConflict)
}

// fingerprint is the hex sha256 of the JSON of args, as json.Marshal
// writes it: records already stored by earlier versions must keep matching.
//
// It encodes into a pooled buffer rather than calling json.Marshal, which
// copies its output into a new slice on every call; only the hex string
// is allocated. Arguments of the scalar types jsonfast.go writes skip
// encoding/json and the pool: their JSON is written on the stack.
func fingerprint(args []any) (string, error) {
	var small [smallJSON]byte
	b, e, err := argsJSON(&small, args)
	if err != nil {
		return "", err
	}
	fp := sha256Hex(b)
	if e != nil {
		e.release()
	}
	return fp, nil
}

// smallJSON is the room on the stack for the JSON of the usual few scalar
// arguments; longer ones spill to the heap.
const smallJSON = 256

// sha256Hex returns the hex sha256 of b, the durable stores' fingerprint.
func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	var h [2 * sha256.Size]byte
	hex.Encode(h[:], sum[:])
	return string(h[:])
}

// argsJSON returns the JSON of args as json.Marshal writes it: in small,
// through the fast codec, when every argument is of a type it writes, and
// otherwise in the buffer of e, a pooled encoder the caller must release
// once done with the bytes.
func argsJSON(small *[smallJSON]byte, args []any) ([]byte, *fingerprintEncoder, error) {
	if b, ok := appendJSONArray(small[:0], args); ok {
		return b, nil, nil
	}
	e := fingerprintPool.Get().(*fingerprintEncoder)
	// Encoded through a field of the pooled encoder: passing args itself
	// would box the slice header on the heap, and a pointer to a slice
	// encodes as the slice.
	e.args = args
	if err := e.enc.Encode(&e.args); err != nil {
		e.release()
		return nil, nil, err
	}
	// Encode ends the JSON with a newline that json.Marshal does not write.
	b := e.buf.Bytes()
	return b[:len(b)-1], e, nil
}

// fingerprintEncoder is a JSON encoder and the buffer it writes to, kept
// together so that one pool hit gives both.
type fingerprintEncoder struct {
	buf  bytes.Buffer
	enc  *json.Encoder
	args []any
}

// fingerprintPool holds idle fingerprintEncoders; the pool is the only
// state shared by runtimes, and it holds nothing a caller can observe.
var fingerprintPool = sync.Pool{New: func() any {
	e := new(fingerprintEncoder)
	e.enc = json.NewEncoder(&e.buf)
	return e
}}

// maxPooledFingerprint caps the buffer a fingerprintEncoder keeps in the
// pool, so that one call with huge arguments does not pin their size.
const maxPooledFingerprint = 64 << 10

func (e *fingerprintEncoder) release() {
	e.args = nil // not to keep the caller's arguments alive
	if e.buf.Cap() > maxPooledFingerprint {
		return
	}
	e.buf.Reset()
	fingerprintPool.Put(e)
}

// decodeResults decodes data, a JSON array, element by element into the
// pointers of results, each with json.Unmarshal's semantics (a null element
// sets a pointer, slice or map result to nil and leaves others as they are).
// A record whose length differs from len(results) is refused before any
// result is touched.
//
// It does not decode into []json.RawMessage first, which scanned, copied
// and allocated every element twice (about 4x the time of one int result):
// splitArray finds the elements' bounds with a byte scan, and each element
// is decoded once, in place. json.Unmarshal still validates each element,
// so nothing invalid gets through. It does not decode into the []any of
// results either: encoding/json replaces a slot with nil on a null element
// instead of decoding null into the pointer the slot holds.
func decodeResults(data []byte, results []any) error {
	// Room for the usual few results, so that the bounds stay on the stack.
	var small [4][2]int
	elems, err := splitArray(data, small[:0])
	if err != nil {
		return err
	}
	if len(elems) != len(results) {
		return fmt.Errorf("recorded %d results, the call has %d", len(elems), len(results))
	}
	for i, e := range elems {
		if decodeJSONScalar(data[e[0]:e[1]], results[i]) {
			continue
		}
		if err := json.Unmarshal(data[e[0]:e[1]], results[i]); err != nil {
			return fmt.Errorf("result %d: %w", i, err)
		}
	}
	return nil
}

// The errors of splitArray; the elements' own errors come from
// json.Unmarshal.
var (
	errNotArray  = errors.New("the record is not a JSON array")
	errTrailing  = errors.New("the record has data after its JSON array")
	errTruncated = errors.New("the record's JSON array is cut short")
)

// splitArray appends to elems the [start, end) bounds of each element of the
// JSON array data, surrounding spaces included, and returns it. It only
// tracks strings and nesting, enough to find the top-level commas of valid
// JSON; the caller must validate each element (json.Unmarshal does), and an
// array whose elements are all valid is valid as a whole.
func splitArray(data []byte, elems [][2]int) ([][2]int, error) {
	i := skipSpace(data, 0)
	if bytes.HasPrefix(data[i:], []byte("null")) && skipSpace(data, i+4) == len(data) {
		// json.Marshal writes a nil []any, the results of a method that
		// returns only an error, as null: no elements.
		return elems, nil
	}
	if i == len(data) || data[i] != '[' {
		return nil, errNotArray
	}
	i++
	if j := skipSpace(data, i); j < len(data) && data[j] == ']' {
		if skipSpace(data, j+1) != len(data) {
			return nil, errTrailing
		}
		return elems, nil
	}
	start, depth := i, 0
	for ; i < len(data); i++ {
		switch c := data[i]; c {
		case '"':
			// Brackets and commas inside a string are not structure.
			for i++; i < len(data) && data[i] != '"'; i++ {
				if data[i] == '\\' {
					i++
				}
			}
		case '[', '{':
			depth++
		case ']', '}':
			if depth > 0 {
				depth--
				continue
			}
			if c != ']' {
				return nil, errNotArray
			}
			if skipSpace(data, i+1) != len(data) {
				return nil, errTrailing
			}
			return append(elems, [2]int{start, i}), nil
		case ',':
			if depth == 0 {
				elems = append(elems, [2]int{start, i})
				start = i + 1
			}
		}
	}
	return nil, errTruncated
}

// skipSpace returns the index of the first byte of data from i on that is
// not JSON white space.
func skipSpace(data []byte, i int) int {
	for i < len(data) {
		switch data[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}
