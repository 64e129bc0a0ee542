package boltstore

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/resilgen/resilgen/runtime"
)

// Values are encoded in binary rather than JSON: JSON would spell the
// result, already JSON bytes from the runtime, as base64 (a third larger)
// and the times as text, and would cost an allocation-heavy reflection pass
// on every claim. The binary form is a format byte, varints and raw bytes:
// a typical record is its strings plus about a dozen bytes, and decoding
// copies each field once out of bbolt's mmap.
//
// record: format(1) flags(1) lease(time) expires(time) len+fingerprint len+owner result...
// entry:  format(1) len+name len+owner result...
// time:   varint Unix seconds, uvarint nanoseconds (the zero time round-trips)
// len:    uvarint

const (
	formatRecord byte = 1
	formatEntry  byte = 1
	flagDone     byte = 1 << 0
)

var errCorrupt = errors.New("corrupt value")

// appendRecord appends the encoding of rec (but its key) to b.
func appendRecord(b []byte, rec *runtime.Record) []byte {
	var flags byte
	if rec.Done {
		flags |= flagDone
	}
	b = append(b, formatRecord, flags)
	b = appendTime(b, rec.LeaseUntil)
	b = appendTime(b, rec.ExpiresAt)
	b = appendString(b, rec.Fingerprint)
	b = appendString(b, rec.Owner)
	return append(b, rec.Result...)
}

// known holds strings a caller already has that a record's fields often
// equal: a claim's key, fingerprint and owner. Decoding reuses them instead
// of copying the same bytes into new strings, which saves a hit three of
// its allocations. The zero value reuses nothing.
type known struct {
	key, fingerprint, owner string
}

// decodeRecord decodes the record of key k, copying everything out of v
// but the strings it finds in hint.
func decodeRecord(k, v []byte, hint known) (runtime.Record, error) {
	d := decoder{b: v}
	if d.byte() != formatRecord {
		return runtime.Record{}, fmt.Errorf("record %q: unknown format: %w", k, errCorrupt)
	}
	flags := d.byte()
	rec := runtime.Record{
		Key:         reuse(k, hint.key),
		Done:        flags&flagDone != 0,
		LeaseUntil:  d.time(),
		ExpiresAt:   d.time(),
		Fingerprint: reuse(d.bytes(), hint.fingerprint),
		Owner:       reuse(d.bytes(), hint.owner),
	}
	rec.Result = d.rest()
	if d.err {
		return runtime.Record{}, fmt.Errorf("record %q: %w", k, errCorrupt)
	}
	return rec, nil
}

// appendEntry appends the encoding of e (but its seq, which is in the key).
func appendEntry(b []byte, e *runtime.JournalEntry) []byte {
	b = append(b, formatEntry)
	b = appendString(b, e.Name)
	b = appendString(b, e.Owner)
	return append(b, e.Result...)
}

// decodeEntry decodes the entry at seq, copying everything out of v.
func decodeEntry(seq int, v []byte) (runtime.JournalEntry, error) {
	d := decoder{b: v}
	if d.byte() != formatEntry {
		return runtime.JournalEntry{}, fmt.Errorf("journal entry %d: unknown format: %w", seq, errCorrupt)
	}
	e := runtime.JournalEntry{Seq: seq, Name: d.string(), Owner: d.string()}
	e.Result = d.rest()
	if d.err {
		return runtime.JournalEntry{}, fmt.Errorf("journal entry %d: %w", seq, errCorrupt)
	}
	return e, nil
}

// journalPrefix is the key prefix of workflow's entries: the id's length,
// then the id. The length makes the prefix of "w" differ from the start of
// "wf"'s, so a cursor over one workflow never strays into another.
func journalPrefix(workflow string) []byte {
	return appendString(make([]byte, 0, binary.MaxVarintLen64+len(workflow)+8), workflow)
}

// journalKey is journalPrefix followed by seq, big-endian with the sign bit
// flipped so that byte order is numeric order, negatives included.
func journalKey(workflow string, seq int) []byte {
	return binary.BigEndian.AppendUint64(journalPrefix(workflow), uint64(seq)^(1<<63))
}

// journalSeq returns the seq of a journal key whose prefix is n bytes long.
func journalSeq(k []byte, n int) (int, bool) {
	if len(k) != n+8 {
		return 0, false
	}
	return int(binary.BigEndian.Uint64(k[n:]) ^ (1 << 63)), true
}

func encodeVersion(v uint64) []byte { return binary.AppendUvarint(nil, v) }

func decodeVersion(b []byte) (uint64, error) {
	v, n := binary.Uvarint(b)
	if n <= 0 {
		return 0, fmt.Errorf("meta version %x: %w", b, errCorrupt)
	}
	return v, nil
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendTime(b []byte, t time.Time) []byte {
	b = binary.AppendVarint(b, t.Unix())
	return binary.AppendUvarint(b, uint64(t.Nanosecond()))
}

// decoder reads a value front to back; a short or malformed value sets err
// instead of panicking, and is reported once at the end.
type decoder struct {
	b   []byte
	err bool
}

func (d *decoder) byte() byte {
	if len(d.b) == 0 {
		d.err = true
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err = true
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) string() string {
	return string(d.bytes())
}

// bytes returns the next length-prefixed field, in place: the caller
// copies what it keeps.
func (d *decoder) bytes() []byte {
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.err = true
		return nil
	}
	b := d.b[:n]
	d.b = d.b[n:]
	return b
}

// reuse returns s when b holds its bytes, and a copy of b otherwise.
func reuse(b []byte, s string) string {
	if string(b) == s {
		return s
	}
	return string(b)
}

func (d *decoder) time() time.Time {
	sec, n := binary.Varint(d.b)
	if n <= 0 {
		d.err = true
		return time.Time{}
	}
	d.b = d.b[n:]
	nsec := d.uvarint()
	if nsec >= 1e9 || sec < math.MinInt64/2 {
		d.err = true
		return time.Time{}
	}
	// UTC: the stored instant has no zone, and UTC makes the zero time
	// come back as time.Time{}.
	return time.Unix(sec, int64(nsec)).UTC()
}

// rest returns a copy of what is left, nil when nothing is.
func (d *decoder) rest() []byte {
	if len(d.b) == 0 {
		return nil
	}
	r := make([]byte, len(d.b))
	copy(r, d.b)
	d.b = nil
	return r
}
