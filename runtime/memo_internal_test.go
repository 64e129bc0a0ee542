package runtime

import (
	"context"
	"reflect"
	"testing"
	"time"
)

// TestCopyable checks which result types the memory store keeps decoded:
// those a deep copy reproduces, and no type with a reference it cannot
// reach or copy.
func TestCopyable(t *testing.T) {
	type tree struct {
		Kids []*tree
		Name string
	}
	type hidden struct {
		Name  string
		items []int
	}
	type withAny struct{ V any }
	type plainHidden struct {
		N    int
		note string
	}
	for _, c := range []struct {
		v    any
		want bool
	}{
		{0, true}, {"", true}, {time.Time{}, true}, {[3]int{}, true}, {plainHidden{}, true},
		{[]string{}, true}, {map[string][]int{}, true}, {&tree{}, true}, {tree{}, true}, {[2][]int{}, true},
		{hidden{}, false}, {withAny{}, false}, {[]any{}, false}, {map[string]any{}, false},
		{func() {}, false}, {make(chan int), false}, {map[[1]*int]int{}, false}, {[]hidden{}, false},
	} {
		typ := reflect.TypeOf(c.v)
		if got := copyable(typ, map[reflect.Type]bool{}); got != c.want {
			t.Errorf("copyable(%v) = %v, want %v", typ, got, c.want)
		}
	}
}

// TestMemoryStoreKeepsDecodedResults checks that the first hit on a record
// of struct results keeps them decoded in the record, and that the next
// hit is answered from them (a record whose JSON no longer decodes still
// answers).
func TestMemoryStoreKeepsDecodedResults(t *testing.T) {
	s := NewMemoryStore().(*memoryStore)
	rt := New(WithStore(s))
	m := rt.NewMethod(MethodConfig{Interface: "Svc", Name: "Get", Idempotent: &IdempotencyConfig{}})
	type out struct{ Lines []string }
	call := func() (out, error) {
		var o out
		err := m.DoRecorded(context.Background(), Recording{Key: "k", Args: []any{"k"}, Results: []any{&o}},
			func(context.Context) error { o = out{Lines: []string{"a", "b"}}; return nil })
		return o, err
	}
	for range 2 {
		if _, err := call(); err != nil {
			t.Fatal(err)
		}
	}
	r := s.records["Svc.Get:k"]
	if r == nil || r.memo == nil {
		t.Fatal("the first hit kept no decoded results")
	}
	// Spoiled under the store's lock: a hit that decoded would now fail.
	s.mu.Lock()
	r.Result = []byte(`[{"Lines": 7}]`)
	s.mu.Unlock()
	got, err := call()
	if err != nil || !reflect.DeepEqual(got, out{Lines: []string{"a", "b"}}) {
		t.Fatalf("hit = %+v, %v; want the kept results", got, err)
	}
}
