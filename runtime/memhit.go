package runtime

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash/maphash"
	"time"
)

// The memory store's fast hit. Its records never leave this process, so
// their fingerprint need not be sha256, whose records must match across
// processes and versions: a keyed 128-bit hash of the same JSON (two
// maphash sums under the store's own random seeds) tells a reused key from
// a repeated call as well within one process, at a tenth of the cost (and
// the short JSON of a keyed call is compared as it is, exactly). And a hit
// on it reads the record in place, under the store's lock, without the copy
// Claim makes for callers outside the package.

// memHashLen is the length of a hashed memory store fingerprint: 128 bits,
// kept raw, as no one reads them but the store's own comparisons. Where the
// fingerprint is the key (a method without key=), the key is its hex.
const memHashLen = 16

// memFingerprintMax is the longest memory store fingerprint. A keyed call
// whose arguments' JSON is at most this long, and not memHashLen, is
// fingerprinted by that JSON itself: comparing it is exact, and cheaper than
// hashing it twice. Its length tells it from a hash, so the two kinds never
// match each other.
const memFingerprintMax = 48

// memFingerprint returns the fingerprint in s of args, written in dst: the
// JSON of args, as json.Marshal writes it, or its keyed hash.
func (s *memoryStore) memFingerprint(dst *[memFingerprintMax]byte, args []any, keyed bool) ([]byte, error) {
	var small [smallJSON]byte
	b, e, err := argsJSON(&small, args)
	if err != nil {
		return nil, err
	}
	fp := s.fingerprintJSON(dst, b, keyed)
	if e != nil {
		e.release()
	}
	return fp, nil
}

// fingerprintJSON returns the fingerprint in s of b, the JSON of a call's
// arguments, written in dst: b itself for a keyed call when it is short
// enough, and otherwise its keyed 128-bit hash, which is also what a call
// keyed by its fingerprint needs (see memFingerprintMax).
func (s *memoryStore) fingerprintJSON(dst *[memFingerprintMax]byte, b []byte, keyed bool) []byte {
	if keyed && len(b) <= memFingerprintMax && len(b) != memHashLen {
		return append(dst[:0], b...)
	}
	binary.LittleEndian.PutUint64(dst[:8], maphash.Bytes(s.seeds[0], b))
	binary.LittleEndian.PutUint64(dst[8:memHashLen], maphash.Bytes(s.seeds[1], b))
	return dst[:memHashLen]
}

// memStoreKey is room on the stack for the usual store key.
type memStoreKey [128]byte

// peek returns the result recorded in s under the store key of key (or,
// when key is empty, of fp) when it is a finished, live record with
// fingerprint fp, and the store key; ok is false otherwise (no record, a
// claim, another fingerprint, a canceled ctx: the caller's slow path says
// which). The result is the store's own slice, for reading only: no one
// writes into a recorded result, and Complete stores a new one. The store
// key is built in small, so that a hit allocates nothing: a map lookup by
// string(bytes) does not. rec is the record found, and memo its decoded
// results, if a hit decoded them (memo.go).
func (m *Method) peek(ctx context.Context, s *memoryStore, small *memStoreKey, key string, fp []byte) (result, storeKey []byte, rec *memRecord, memo *resultMemo, ok bool) {
	var expiresAt time.Time
	k := append(small[:0], m.fullName...)
	k = append(k, ':')
	if key == "" {
		k = hex.AppendEncode(k, fp)
	} else {
		k = append(k, key...)
	}
	if ctx.Err() != nil {
		return nil, k, nil, nil, false
	}
	s.mu.Lock()
	r := s.records[string(k)]
	ok = r != nil && r.Done && r.Fingerprint == string(fp)
	if ok {
		result, expiresAt, memo = r.Result, r.ExpiresAt, r.memo
	}
	s.mu.Unlock()
	// The clock is read outside the lock: the record's fields are copied.
	if !ok || !m.before(expiresAt) {
		return nil, k, nil, nil, false
	}
	return result, k, r, memo, true
}

// before reports whether the method's clock is still before t. On the
// system clock it reads only the monotonic clock (time.Until does, for a t
// that has a monotonic reading, as the memory store's expiries do): half
// the cost of time.Now, which reads the wall clock too, on every hit.
func (m *Method) before(t time.Time) bool {
	if _, system := m.clock.(systemClock); system {
		return time.Until(t) > 0
	}
	return t.After(m.clock.Now())
}

// hitKey is the key a hit reports: key itself, or, for a call keyed by its
// fingerprint, the hex at the end of its store key.
func (m *Method) hitKey(key string, storeKey []byte) string {
	if key != "" {
		return key
	}
	return string(storeKey[len(m.fullName)+1:])
}

// memoryHit answers an idempotent call from the memory store s without a
// claim when its key holds a finished result for the same arguments, the
// common case of a cache. done is false when it did not: the caller then
// runs the claim loop, which handles (and reports) every other case, with
// the store key, key and fingerprint returned here. These three are
// substrings of one string, one allocation where there were three.
func (m *Method) memoryHit(ctx context.Context, s *memoryStore, rec Recording) (storeKey, key, fp string, done bool, err error) {
	var buf [memFingerprintMax]byte
	sum, err := s.memFingerprint(&buf, rec.Args, rec.Key != "")
	if err != nil {
		return "", "", "", true, fmt.Errorf("%s: idempotency fingerprint of the arguments: %w", m.fullName, err)
	}
	var small memStoreKey
	result, k, r, memo, ok := m.peek(ctx, s, &small, rec.Key, sum)
	if ok {
		return "", "", "", true, m.memoryHitOf(ctx, s, r, memo, rec.Key, k, result, rec.Results)
	}
	both := string(append(k, sum...))
	storeKey, fp = both[:len(k)], both[len(k):]
	key = rec.Key
	if key == "" {
		// Keyed by the fingerprint: the key is the hex peek wrote.
		key = storeKey[len(m.fullName)+1:]
	}
	return storeKey, key, fp, false, nil
}

// memoryHitOf fills results from r, a finished record found under
// storeKey with result and memo, for a call with key: by copying the memo
// when there is one, else by decoding the record, after which it keeps the
// record's results decoded in r for the hits to come, when their types
// allow (memo.go). The key reported is spelled only when it is needed.
func (m *Method) memoryHitOf(ctx context.Context, s *memoryStore, r *memRecord, memo *resultMemo, key string, storeKey, result []byte, results []any) error {
	if memo != nil && memo.fill(results) {
		if m.observer != nil {
			m.reportHit(ctx, m.hitKey(key, storeKey))
		}
		return nil
	}
	if err := m.hit(ctx, m.hitKey(key, storeKey), result, results); err != nil {
		return err
	}
	if memo == nil && len(results) > 0 {
		if memo, ok := newResultMemo(result, results); ok {
			s.mu.Lock()
			if r.memo == nil {
				r.memo = memo
			}
			s.mu.Unlock()
		}
	}
	return nil
}
