package runtime

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"hash/maphash"
	"time"
)

// The memory store's fast hit. Its records never leave this process, so
// their fingerprint need not be sha256, whose records must match across
// processes and versions: a keyed 128-bit hash of the same JSON (two
// maphash sums under the store's own random seeds) tells a reused key from
// a repeated call as well within one process, at a tenth of the cost. And a
// hit on it reads the record in place, under the store's lock, without the
// copy Claim makes for callers outside the package.

// memFingerprintLen is the length of a memory store fingerprint: 128 bits,
// kept raw, as no one reads them but the store's own comparisons. Where the
// fingerprint is the key (a method without key=), the key is its hex.
const memFingerprintLen = 16

// memFingerprint writes to dst the fingerprint of args in s: the keyed hash
// of their JSON, as json.Marshal writes it.
func (s *memoryStore) memFingerprint(dst *[memFingerprintLen]byte, args []any) error {
	var small [smallJSON]byte
	b, e, err := argsJSON(&small, args)
	if err != nil {
		return err
	}
	binary.LittleEndian.PutUint64(dst[:8], maphash.Bytes(s.seeds[0], b))
	binary.LittleEndian.PutUint64(dst[8:], maphash.Bytes(s.seeds[1], b))
	if e != nil {
		e.release()
	}
	return nil
}

// peekDone returns the result recorded under key when it is a finished,
// unexpired record with fingerprint fp, and ok false otherwise (no record,
// a claim, another fingerprint, a canceled ctx: the caller's slow path
// says which). The result is the store's own slice, for reading only: no
// one writes into a recorded result, and Complete stores a new one.
func (s *memoryStore) peekDone(ctx context.Context, key, fp []byte, now time.Time) (result []byte, ok bool) {
	if ctx.Err() != nil {
		return nil, false
	}
	s.mu.Lock()
	r, found := s.records[string(key)]
	s.mu.Unlock()
	if !found || !r.Done || r.Fingerprint != string(fp) || !live(r, now) {
		return nil, false
	}
	return r.Result, true
}

// memoryHit answers an idempotent call from the memory store s without a
// claim when its key holds a finished result for the same arguments, the
// common case of a cache. done is false when it did not: the caller then
// runs the claim loop, which handles (and reports) every other case.
func (m *Method) memoryHit(ctx context.Context, s *memoryStore, rec Recording) (done bool, err error) {
	var fp [memFingerprintLen]byte
	if s.memFingerprint(&fp, rec.Args) != nil {
		return false, nil
	}
	// The store key built on the stack: a map lookup by string(bytes)
	// does not allocate.
	var small [128]byte
	k := append(small[:0], m.fullName...)
	k = append(k, ':')
	if rec.Key == "" {
		k = hex.AppendEncode(k, fp[:])
	} else {
		k = append(k, rec.Key...)
	}
	result, ok := s.peekDone(ctx, k, fp[:], m.clock.Now())
	if !ok {
		return false, nil
	}
	key := rec.Key
	if key == "" {
		key = string(k[len(m.fullName)+1:])
	}
	return true, m.hit(ctx, key, result, rec.Results)
}
