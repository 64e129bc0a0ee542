package runtime_test

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/resilgen/resilgen/runtime"
)

// report is a result of structs, slices, maps, pointers and times: what a
// hit decodes by reflection, and what the memory store keeps decoded.
type report struct {
	At     time.Time
	Lines  []line
	Tags   map[string][]int
	Parent *report
	Note   string `json:"note,omitempty"`
	Secret string `json:"-"`
}

type line struct {
	N    int
	Text string
}

// reporter is a method whose result is a report, on a memory store.
type reporter struct {
	m     *runtime.Method
	calls int
	out   report
}

func newReporter(t *testing.T, store runtime.Store, iface string, cfg runtime.MethodConfig, opts ...runtime.Option) *reporter {
	t.Helper()
	rt := runtime.New(append([]runtime.Option{runtime.WithStore(store)}, opts...)...)
	cfg.Interface, cfg.Name, cfg.Idempotent = iface, "Get", &runtime.IdempotencyConfig{}
	return &reporter{m: rt.NewMethod(cfg)}
}

func (r *reporter) get(t *testing.T, key string) report {
	t.Helper()
	var out report
	err := r.m.DoRecorded(context.Background(), runtime.Recording{Key: key, Args: []any{key}, Results: []any{&out}},
		func(context.Context) error {
			r.calls++
			out = r.out
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func sampleReport() report {
	zone := time.FixedZone("X", 3600)
	return report{
		At:     time.Date(2026, 12, 3, 10, 0, 0, 5, zone),
		Lines:  []line{{1, "OOMKilled"}, {2, "restarted"}},
		Tags:   map[string][]int{"a": {1, 2}, "empty": {}, "nil": nil},
		Parent: &report{Note: "parent", Lines: []line{}},
		Note:   "n",
		Secret: "not recorded",
	}
}

// decoded is what decoding the record of v gives: what every hit must
// return, whether it decodes or copies.
func decoded(t *testing.T, v report) report {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out report
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestMemoryHitsReturnWhatDecodingGives checks that the hits after the
// first, which copy the results the memory store keeps decoded, return
// what decoding the record returns, down to the time's zone, the empty and
// the nil slices, and the field the record leaves out.
func TestMemoryHitsReturnWhatDecodingGives(t *testing.T) {
	r := newReporter(t, runtime.NewMemoryStore(), "Svc", runtime.MethodConfig{})
	r.out = sampleReport()
	want := decoded(t, r.out)
	if got := r.get(t, "k"); !reflect.DeepEqual(got, r.out) {
		t.Fatalf("the call's own result = %+v, want %+v", got, r.out)
	}
	for i := range 3 {
		got := r.get(t, "k")
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("hit %d = %#v\nwant %#v", i+1, got, want)
		}
		if got.At.Location().String() != "" || got.Secret != "" || got.Tags["nil"] != nil || got.Tags["empty"] == nil {
			t.Fatalf("hit %d differs from a decoded record: zone %q, Secret %q, Tags %#v", i+1, got.At.Location(), got.Secret, got.Tags)
		}
	}
	equal(t, 1, r.calls, "calls through")
}

// TestMemoryHitsShareNothing checks that a caller changing everything a
// hit gave it, deep down, changes nothing the next hit gets.
func TestMemoryHitsShareNothing(t *testing.T) {
	r := newReporter(t, runtime.NewMemoryStore(), "Svc", runtime.MethodConfig{})
	r.out = sampleReport()
	want := decoded(t, r.out)
	r.get(t, "k")
	for range 3 {
		got := r.get(t, "k")
		got.Lines[0].Text = "changed"
		got.Lines = append(got.Lines, line{3, "more"})
		got.Tags["a"][0] = 99
		got.Tags["new"] = []int{1}
		got.Parent.Note = "changed"
		got.Parent.Lines = append(got.Parent.Lines, line{})
	}
	if got := r.get(t, "k"); !reflect.DeepEqual(got, want) {
		t.Fatalf("after callers changed their results, a hit = %#v\nwant %#v", got, want)
	}
}

// TestMemoryHitOfAnotherTypeDecodes checks that a record made by a method
// of other result types under the same names (two wrappers sharing a
// store) is decoded into the caller's types, not copied from the kept ones.
func TestMemoryHitOfAnotherTypeDecodes(t *testing.T) {
	store := runtime.NewMemoryStore()
	r := newReporter(t, store, "Svc", runtime.MethodConfig{})
	r.out = sampleReport()
	r.get(t, "k")
	r.get(t, "k") // keeps the record decoded as a report

	rt := runtime.New(runtime.WithStore(store))
	m := rt.NewMethod(runtime.MethodConfig{Interface: "Svc", Name: "Get", Idempotent: &runtime.IdempotencyConfig{}})
	var other struct{ Note string }
	err := m.DoRecorded(context.Background(), runtime.Recording{Key: "k", Args: []any{"k"}, Results: []any{&other}},
		func(context.Context) error { t.Fatal("called through on a recorded key"); return nil })
	noErr(t, err)
	equal(t, "n", other.Note, "the other type's field, decoded")
}

// TestMemoryHitsFromKeptResultsAreReported checks that a hit answered from
// the kept results is reported as one that decoded.
func TestMemoryHitsFromKeptResultsAreReported(t *testing.T) {
	rec := &recorder{}
	r := newReporter(t, runtime.NewMemoryStore(), "Svc", runtime.MethodConfig{}, runtime.WithObserver(rec))
	r.out = sampleReport()
	for range 3 {
		r.get(t, "k")
	}
	equal(t, 2, len(rec.kind(runtime.EventIdempotentHit)), "hits reported")
}

// TestMemoryHitWithOmitReturnsTheZero checks that a field omitted from the
// record is zero on every hit, the kept results being the record's.
func TestMemoryHitWithOmitReturnsTheZero(t *testing.T) {
	r := newReporter(t, runtime.NewMemoryStore(), "Svc", runtime.MethodConfig{Omit: []string{"Parent"}})
	r.out = sampleReport()
	r.get(t, "k")
	for i := range 2 {
		if got := r.get(t, "k"); got.Parent != nil {
			t.Fatalf("hit %d: omitted Parent = %+v, want nil", i+1, got.Parent)
		}
	}
}
