package runtime

import (
	"encoding/json"
	"math"
	"reflect"
	"testing"
)

// TestAppendJSONArrayIsMarshal holds the fast codec to json.Marshal's bytes
// for every value it accepts (fingerprints and records made either way must
// match), and checks that it refuses what it would write differently.
func TestAppendJSONArrayIsMarshal(t *testing.T) {
	s, n, b, i64 := "plain", -42, true, int64(math.MinInt64)
	var nilString *string
	for _, vals := range [][]any{
		nil,
		{},
		{"acct-42", 100},
		{"", 0, -1, true, false, nil},
		{int64(math.MaxInt64), int32(math.MinInt32), uint(7), uint64(math.MaxUint64), uint32(9)},
		{&s, &n, &b, &i64, nilString},
		{"a space ~ and punctuation !#$%'()*+,-./:;=?@[]^_`{|}"},
	} {
		want, err := json.Marshal(vals)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := appendJSONArray(nil, vals)
		if !ok || string(got) != string(want) {
			t.Errorf("appendJSONArray(%v) = %s, %v; json.Marshal writes %s", vals, got, ok, want)
		}
	}
	type named string
	for _, v := range []any{
		`quote"`, `back\slash`, "<tag>", "a<b", "a>b", "a&b", "tab\t", "é", "\u2028", "bad\xff",
		1.5, float32(2), int8(1), uint8(1), named("x"), []int{1}, struct{}{}, &struct{}{},
	} {
		if got, ok := appendJSONArray(nil, []any{v}); ok {
			t.Errorf("appendJSONArray accepted %#v as %s: encoding/json must write it", v, got)
		}
	}
}

// TestDecodeJSONScalarIsUnmarshal holds the fast decoder to json.Unmarshal
// on every element it accepts, into targets that already hold a value (so
// that a null that must leave it alone shows), and checks that it leaves
// to encoding/json what it cannot read exactly (escapes, non-canonical or
// out-of-range numbers, wrong types), writing nothing.
func TestDecodeJSONScalarIsUnmarshal(t *testing.T) {
	targets := func() []any {
		s, b, n, n64, n32 := "old", true, 5, int64(5), int32(5)
		return []any{&s, &b, &n, &n64, &n32}
	}
	for _, elem := range []string{
		`"x"`, ` "spaced" `, `""`, `null`, ` null`, `true`, `false`, `0`, `-0`, `7`, `-12`,
		`2147483647`, `2147483648`, `-2147483649`, `9223372036854775807`, `9223372036854775808`,
		`"esc\n"`, `"é"`, `01`, `1.0`, `1e2`, `-`, `"7"`, `7`, `tru`, `{}`, `[]`,
		`-2147483648`, `-9223372036854775808`, `-9223372036854775809`, `18446744073709551615`,
		`99999999999999999999`, `-00`, `--1`, `1-`,
	} {
		fast, slow := targets(), targets()
		for i := range fast {
			if !decodeJSONScalar([]byte(elem), fast[i]) {
				if !reflect.DeepEqual(fast[i], targets()[i]) {
					t.Errorf("decodeJSONScalar(%s, %T) refused but wrote %v", elem, fast[i], reflect.ValueOf(fast[i]).Elem())
				}
				continue
			}
			if err := json.Unmarshal([]byte(elem), slow[i]); err != nil {
				t.Errorf("decodeJSONScalar(%s, %T) accepted what json.Unmarshal refuses: %v", elem, fast[i], err)
				continue
			}
			if !reflect.DeepEqual(fast[i], slow[i]) {
				t.Errorf("decodeJSONScalar(%s, %T) = %v, json.Unmarshal gives %v", elem, fast[i],
					reflect.ValueOf(fast[i]).Elem(), reflect.ValueOf(slow[i]).Elem())
			}
		}
	}
	// The bounds of each integer type are read fast, as json.Unmarshal reads them.
	n32, n64 := int32(0), int64(0)
	for _, c := range []struct {
		elem string
		ptr  any
		want any
	}{
		{`2147483647`, &n32, int32(math.MaxInt32)},
		{`-2147483648`, &n32, int32(math.MinInt32)},
		{`9223372036854775807`, &n64, int64(math.MaxInt64)},
		{`-9223372036854775808`, &n64, int64(math.MinInt64)},
		{`-0`, &n64, int64(0)},
	} {
		if !decodeJSONScalar([]byte(c.elem), c.ptr) || reflect.ValueOf(c.ptr).Elem().Interface() != c.want {
			t.Errorf("decodeJSONScalar(%s, %T) not read fast as %v", c.elem, c.ptr, c.want)
		}
	}
	// The common forms must take the fast path, or it is a fast path in name only.
	var s string
	var n int
	if !decodeJSONScalar([]byte(`"acct"`), &s) || !decodeJSONScalar([]byte(`100`), &n) || s != "acct" || n != 100 {
		t.Fatalf("plain string and int not decoded fast: %q %d", s, n)
	}
}
