package boltstore

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
	"time"

	"github.com/resilgen/resilgen/runtime"
)

// Values are encoded in binary rather than JSON: JSON would spell the
// result, already JSON bytes from the runtime, as base64 (a third larger)
// and the times as text, and would cost an allocation-heavy reflection pass
// on every claim. The binary form is a format byte, varints and raw bytes:
// a typical record is its strings plus about twenty bytes, and decoding
// copies each field once out of bbolt's mmap.
//
// Format 2 (written since layout version 2):
//
//	record: format(1)=2 flags(1) lease(time) expires(time) len+fingerprint len+owner len+result crc(4)
//	entry:  format(1)=2 len+name len+owner len+result crc(4)
//
// Format 1 (layout version 1, still read):
//
//	record: format(1)=1 flags(1) lease(time) expires(time) len+fingerprint len+owner result...
//	entry:  format(1)=1 len+name len+owner result...
//
// time:   varint Unix seconds, uvarint nanoseconds (the zero time round-trips)
// len:    uvarint
// crc:    CRC-32C (Castagnoli), big-endian, of every byte before it
//
// Format 2 exists because format 1 could not tell a damaged value from a
// good one: a value cut short inside its result, or with a flipped bit in
// it, decoded as a different result, which a hit would then hand to the
// caller as the recorded one. The result's length catches every
// truncation, and the checksum catches every flipped bit (bbolt checksums
// only its meta pages). Both cost nothing on a hit from the cache, which
// decodes nothing.

const (
	formatV1     byte = 1
	formatV2     byte = 2
	formatRecord      = formatV2 // the format this build writes
	formatEntry       = formatV2
	flagDone     byte = 1 << 0
	crcLen            = 4
)

// castagnoli is the CRC-32C table; the hardware computes it on amd64 and
// arm64.
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

var errCorrupt = errors.New("corrupt value")

// appendRecord appends the encoding of rec (but its key) to b.
func appendRecord(b []byte, rec *runtime.Record) []byte {
	start := len(b)
	var flags byte
	if rec.Done {
		flags |= flagDone
	}
	b = append(b, formatRecord, flags)
	b = appendTime(b, rec.LeaseUntil)
	b = appendTime(b, rec.ExpiresAt)
	b = appendString(b, rec.Fingerprint)
	b = appendString(b, rec.Owner)
	b = appendBytes(b, rec.Result)
	return appendCRC(b, start)
}

// known holds strings a caller already has that a record's fields often
// equal: a claim's key, fingerprint and owner. Decoding reuses them instead
// of copying the same bytes into new strings, which saves a hit three of
// its allocations. The zero value reuses nothing.
type known struct {
	key, fingerprint, owner string
}

// decodeRecord decodes the record of key k, of either format, copying
// everything out of v but the strings it finds in hint.
func decodeRecord(k, v []byte, hint known) (runtime.Record, error) {
	d, format := open(v)
	if format != formatV1 && format != formatV2 {
		return runtime.Record{}, fmt.Errorf("record %q: unknown format %d: %w", k, format, errCorrupt)
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
	rec.Result = d.result(format)
	if d.err {
		return runtime.Record{}, fmt.Errorf("record %q (format %d): %w", k, format, errCorrupt)
	}
	return rec, nil
}

// appendEntry appends the encoding of e (but its seq, which is in the key).
func appendEntry(b []byte, e *runtime.JournalEntry) []byte {
	start := len(b)
	b = append(b, formatEntry)
	b = appendString(b, e.Name)
	b = appendString(b, e.Owner)
	b = appendBytes(b, e.Result)
	return appendCRC(b, start)
}

// decodeEntry decodes the entry at seq, of either format, copying
// everything out of v.
func decodeEntry(seq int, v []byte) (runtime.JournalEntry, error) {
	d, format := open(v)
	if format != formatV1 && format != formatV2 {
		return runtime.JournalEntry{}, fmt.Errorf("journal entry %d: unknown format %d: %w", seq, format, errCorrupt)
	}
	e := runtime.JournalEntry{Seq: seq, Name: d.string(), Owner: d.string()}
	e.Result = d.result(format)
	if d.err {
		return runtime.JournalEntry{}, fmt.Errorf("journal entry %d (format %d): %w", seq, format, errCorrupt)
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

func appendBytes(b, s []byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// appendCRC appends the checksum of b[start:], the value being encoded.
func appendCRC(b []byte, start int) []byte {
	return binary.BigEndian.AppendUint32(b, crc32.Checksum(b[start:], castagnoli))
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

// open returns a decoder of v after its format byte, and that byte (0 for
// an empty value). A format 2 value must end in the checksum of the rest,
// which the decoder drops; a wrong one sets err.
func open(v []byte) (decoder, byte) {
	if len(v) == 0 {
		return decoder{err: true}, 0
	}
	format := v[0]
	if format == formatV2 {
		if len(v) < 1+crcLen {
			return decoder{err: true}, format
		}
		body, sum := v[:len(v)-crcLen], v[len(v)-crcLen:]
		if crc32.Checksum(body, castagnoli) != binary.BigEndian.Uint32(sum) {
			return decoder{err: true}, format
		}
		v = body
	}
	return decoder{b: v[1:]}, format
}

// result reads a result in format: the rest of the value in format 1, a
// length-prefixed field that ends the value in format 2.
func (d *decoder) result(format byte) []byte {
	if format == formatV1 {
		return d.rest()
	}
	r := d.bytes()
	if len(d.b) != 0 {
		d.err = true // bytes after the result: not a value this wrote
		return nil
	}
	return clone(r)
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
	r := clone(d.b)
	d.b = nil
	return r
}

// clone returns a copy of b out of the mmap, nil when b is empty (as format
// 1 always decoded an empty result).
func clone(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	r := make([]byte, len(b))
	copy(r, b)
	return r
}
