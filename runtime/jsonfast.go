package runtime

import (
	"strconv"
)

// The fast JSON codec of the idempotency hot path. Arguments and results of
// the common scalar types (strings, bools, integers, nil, and pointers to
// them) are written and read here without reflection; anything else returns
// ok false and the caller uses encoding/json. Whatever this file writes is
// byte for byte what json.Marshal writes for the same values, so that a
// fingerprint or record made either way matches the other: records stored
// by earlier versions keep matching.

// appendJSONArray appends the JSON array of vals to buf, as json.Marshal of
// vals writes it (a nil slice is null). ok is false when a value is not of a
// type this codec writes exactly as encoding/json would; buf is then
// unspecified.
func appendJSONArray(buf []byte, vals []any) ([]byte, bool) {
	if vals == nil {
		return append(buf, "null"...), true
	}
	buf = append(buf, '[')
	for i, v := range vals {
		if i > 0 {
			buf = append(buf, ',')
		}
		var ok bool
		if buf, ok = appendJSONScalar(buf, v); !ok {
			return buf, false
		}
	}
	return append(buf, ']'), true
}

// appendJSONScalar appends the JSON of v, which may be a pointer to a
// scalar (as results are) or a scalar (as arguments are). Floats are left to
// encoding/json: its shortest-form rules are not worth copying here.
func appendJSONScalar(buf []byte, v any) ([]byte, bool) {
	switch v := v.(type) {
	case nil:
		return append(buf, "null"...), true
	case string:
		return appendJSONString(buf, v)
	case *string:
		if v == nil {
			return append(buf, "null"...), true
		}
		return appendJSONString(buf, *v)
	case bool:
		return strconv.AppendBool(buf, v), true
	case *bool:
		if v == nil {
			return append(buf, "null"...), true
		}
		return strconv.AppendBool(buf, *v), true
	case int:
		return strconv.AppendInt(buf, int64(v), 10), true
	case *int:
		if v == nil {
			return append(buf, "null"...), true
		}
		return strconv.AppendInt(buf, int64(*v), 10), true
	case int64:
		return strconv.AppendInt(buf, v, 10), true
	case *int64:
		if v == nil {
			return append(buf, "null"...), true
		}
		return strconv.AppendInt(buf, *v, 10), true
	case int32:
		return strconv.AppendInt(buf, int64(v), 10), true
	case uint:
		return strconv.AppendUint(buf, uint64(v), 10), true
	case uint64:
		return strconv.AppendUint(buf, v, 10), true
	case uint32:
		return strconv.AppendUint(buf, uint64(v), 10), true
	}
	return buf, false
}

// appendJSONString appends s quoted, when encoding/json would write its
// bytes unchanged: printable ASCII but the quote, the backslash and the
// characters it escapes for HTML (<, >, &). Anything else needs escapes or
// UTF-8 validation, and is left to encoding/json.
func appendJSONString(buf []byte, s string) ([]byte, bool) {
	for i := 0; i < len(s); i++ {
		if !plainJSONByte[s[i]] {
			return buf, false
		}
	}
	buf = append(buf, '"')
	buf = append(buf, s...)
	return append(buf, '"'), true
}

// plainJSONByte says which bytes encoding/json writes unchanged inside a
// string: one load per byte on every fingerprint, where the six tests it
// stands for cost a branch each. It is never written after it is built.
var plainJSONByte = func() (plain [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		plain[c] = true
	}
	for _, c := range `"\<>&` {
		plain[c] = false
	}
	return plain
}()

// decodeJSONScalar decodes elem, one element of a recorded result array
// with its surrounding spaces, into ptr as json.Unmarshal would, when ptr
// points to a type this codec reads and elem is in the plain form
// appendJSONScalar writes. ok is false otherwise, and nothing is written:
// the caller then runs json.Unmarshal, which also reports every error.
func decodeJSONScalar(elem []byte, ptr any) (ok bool) {
	elem = elem[skipSpace(elem, 0):]
	elem = elem[:trimSpaceRight(elem)]
	if string(elem) == "null" {
		// json.Unmarshal leaves a string, bool or integer alone on null.
		switch ptr.(type) {
		case *string, *bool, *int, *int64, *int32, *uint, *uint64, *uint32:
			return true
		}
		return false
	}
	switch p := ptr.(type) {
	case *string:
		s, ok := plainJSONString(elem)
		if ok {
			*p = s
		}
		return ok
	case *bool:
		switch string(elem) {
		case "true":
			*p = true
		case "false":
			*p = false
		default:
			return false
		}
		return true
	case *int:
		n, ok := plainJSONInt(elem, strconv.IntSize)
		if ok {
			*p = int(n)
		}
		return ok
	case *int64:
		n, ok := plainJSONInt(elem, 64)
		if ok {
			*p = n
		}
		return ok
	case *int32:
		n, ok := plainJSONInt(elem, 32)
		if ok {
			*p = int32(n)
		}
		return ok
	}
	// Unsigned results are rare: encoding/json reads them.
	return false
}

// plainJSONString returns the string of a JSON string literal without
// escapes and of printable ASCII only, the bytes json.Unmarshal would give.
func plainJSONString(elem []byte) (string, bool) {
	if len(elem) < 2 || elem[0] != '"' || elem[len(elem)-1] != '"' {
		return "", false
	}
	body := elem[1 : len(elem)-1]
	for _, c := range body {
		if c < 0x20 || c >= 0x80 || c == '"' || c == '\\' {
			return "", false
		}
	}
	return string(body), true
}

// plainJSONInt parses a JSON integer in its canonical form (an optional
// minus, then 0 or digits without a leading zero) that fits bits. It reads
// the digits itself rather than through strconv.ParseInt, which would
// scan them a second time after the form is checked, on every hit.
func plainJSONInt(elem []byte, bits int) (int64, bool) {
	digits := elem
	neg := len(digits) > 0 && digits[0] == '-'
	if neg {
		digits = digits[1:]
	}
	// 19 digits always fit a uint64 (its largest has 20): the range of
	// bits is checked after the loop, which cannot overflow.
	if len(digits) == 0 || len(digits) > 19 || (digits[0] == '0' && len(digits) > 1) {
		return 0, false
	}
	var u uint64
	for _, c := range digits {
		if c < '0' || c > '9' {
			return 0, false
		}
		u = u*10 + uint64(c-'0')
	}
	// A signed integer of bits holds -limit to limit-1.
	limit := uint64(1) << (bits - 1)
	if neg {
		if u > limit {
			return 0, false
		}
		return int64(-u), true
	}
	if u >= limit {
		return 0, false
	}
	return int64(u), true
}

// trimSpaceRight returns the length of data without its trailing JSON
// white space.
func trimSpaceRight(data []byte) int {
	n := len(data)
	for n > 0 {
		switch data[n-1] {
		case ' ', '\t', '\n', '\r':
			n--
		default:
			return n
		}
	}
	return n
}
