package runtime

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
)

// decodeResultsTwice is the two-pass decoder decodeResults replaced: the
// reference it must agree with on every input.
func decodeResultsTwice(data []byte, results []any) error {
	var raw []json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	if len(raw) != len(results) {
		return fmt.Errorf("recorded %d results, the call has %d", len(raw), len(results))
	}
	for i, r := range raw {
		if err := json.Unmarshal(r, results[i]); err != nil {
			return fmt.Errorf("result %d: %w", i, err)
		}
	}
	return nil
}

type decodeTarget struct {
	R struct {
		ID     string
		Amount int
	}
	S   string
	N   []int
	P   *int
	Big int
}

// fresh returns results pointing into a target that already holds values,
// so that a null that must leave a value alone, or clear it, shows.
func (t *decodeTarget) fresh() []any {
	one := 1
	*t = decodeTarget{S: "old", N: []int{9}, P: &one, Big: 5}
	return []any{&t.R, &t.S, &t.N, &t.P}
}

func FuzzDecodeResults(f *testing.F) {
	for _, s := range []string{
		`[{"ID":"a","Amount":1},"x",[1,2],3]`,
		`[null,null,null,null]`,
		` [ {"ID":"]\",[{"} , "a\\\"],", [] , null ] `,
		`[{},"",[],null]`, `[1,2,3]`, `[1,2,3,4,5]`, `[]`, `[ ]`, `{}`, `null`, ``,
		`[{"ID":"a"},"x",[1],2]x`, `[{"ID":"a"},"x",[1],2`, `[{"ID":"a"]},"x",[1],2]`,
		`[{"ID":"a"},"x",[1],2,]`, `[,"x",[1],2]`, `[{"ID":"a"} "x",[1],2]`, `["\u00e9\ud83d\ude00","x",[1],2]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var got, want decodeTarget
		errGot := decodeResults(data, got.fresh())
		errWant := decodeResultsTwice(data, want.fresh())
		if (errGot == nil) != (errWant == nil) {
			t.Fatalf("%q: error %v, the two-pass decoder's %v", data, errGot, errWant)
		}
		if errWant == nil && !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: decoded %+v, the two-pass decoder %+v", data, got, want)
		}
	})
}

func TestDecodeResultsNull(t *testing.T) {
	var tgt decodeTarget
	res := tgt.fresh()
	if err := decodeResults([]byte(`[null,null,null,null]`), res); err != nil {
		t.Fatal(err)
	}
	if tgt.S != "old" || tgt.N != nil || tgt.P != nil {
		t.Fatalf("null results: %+v; want S kept, N and P nil", tgt)
	}
	if res[2] != &tgt.N {
		t.Fatal("a null result replaced the caller's pointer")
	}
}

func TestDecodeResultsLengthIsCheckedFirst(t *testing.T) {
	var tgt decodeTarget
	res := tgt.fresh()
	err := decodeResults([]byte(`[{"ID":"new"},"new",[1],2,5]`), res)
	if err == nil || err.Error() != "recorded 5 results, the call has 4" {
		t.Fatalf("error %v", err)
	}
	if tgt.R.ID != "" || tgt.S != "old" {
		t.Fatalf("a record of the wrong length changed results: %+v", tgt)
	}
}
