package runtime_test

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/resilgen/resilgen/runtime"
)

// Metadata stands for the AWS SDK's middleware.Metadata: what a replay
// need not repeat, and maybe could not encode.
type Metadata struct {
	RequestID string
}

// Item sits in a slice and a map of Output, with metadata of its own.
type Item struct {
	Name           string
	ResultMetadata *Metadata
}

// Output is a result with omitted fields at several depths.
type Output struct {
	ID             string
	ResultMetadata Metadata
	Items          []Item
	ByName         map[string]*Item
	Next           *Output
	Stamp          Stamp
}

// Stamp encodes itself: the omitter does not look into it.
type Stamp struct{ ResultMetadata string }

// MarshalJSON writes the field the omitter would otherwise zero.
func (s Stamp) MarshalJSON() ([]byte, error) { return json.Marshal("stamp:" + s.ResultMetadata) }

// UnmarshalJSON reads what MarshalJSON wrote.
func (s *Stamp) UnmarshalJSON(b []byte) error {
	var v string
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	s.ResultMetadata = strings.TrimPrefix(v, "stamp:")
	return nil
}

func fullOutput(id string) *Output {
	return &Output{
		ID:             id,
		ResultMetadata: Metadata{RequestID: "req-" + id},
		Items:          []Item{{Name: "a", ResultMetadata: &Metadata{RequestID: "ia"}}, {Name: "b"}},
		ByName:         map[string]*Item{"c": {Name: "c", ResultMetadata: &Metadata{RequestID: "ic"}}},
		Next:           &Output{ID: id + "-next", ResultMetadata: Metadata{RequestID: "next"}},
		Stamp:          Stamp{ResultMetadata: "kept"},
	}
}

// withoutMetadata is fullOutput as it must replay.
func withoutMetadata(id string) *Output {
	return &Output{
		ID:     id,
		Items:  []Item{{Name: "a"}, {Name: "b"}},
		ByName: map[string]*Item{"c": {Name: "c"}},
		Next:   &Output{ID: id + "-next"},
		Stamp:  Stamp{ResultMetadata: "kept"},
	}
}

// describe calls m recording an *Output and a plain int.
func describe(ctx context.Context, m *runtime.Method, calls *int, id string) (*Output, int, error) {
	var r0 *Output
	var r1 int
	err := m.DoRecorded(ctx, runtime.Recording{Args: []any{id}, Results: []any{&r0, &r1}}, func(context.Context) error {
		*calls++
		r0, r1 = fullOutput(id), 7
		if id == "" {
			r0 = nil
		}
		return nil
	})
	return r0, r1, err
}

func TestOmittedFieldsReplayAsZero(t *testing.T) {
	rt := runtime.New()
	m := rt.NewMethod(runtime.MethodConfig{
		Interface: "EC2", Name: "Describe",
		Idempotent: &runtime.IdempotencyConfig{},
		Omit:       []string{"ResultMetadata"},
	})
	ctx := context.Background()
	calls := 0
	first, _, err := describe(ctx, m, &calls, "i-1")
	noErr(t, err)
	hit, n, err := describe(ctx, m, &calls, "i-1")
	noErr(t, err)
	equal(t, 1, calls, "calls")
	equal(t, 7, n, "the other result")
	if !reflect.DeepEqual(hit, withoutMetadata("i-1")) {
		t.Fatalf("hit = %+v, want everything but ResultMetadata", hit)
	}
	// The first caller keeps what the call returned, also after the record
	// was made from it.
	if !reflect.DeepEqual(first, fullOutput("i-1")) {
		t.Fatalf("the first caller's result changed: %+v", first)
	}
}

func TestOmittedFieldsReplayAsZeroFromTheJournal(t *testing.T) {
	rt := runtime.New()
	m := rt.NewMethod(runtime.MethodConfig{Interface: "EC2", Name: "Describe", Step: "describe", Omit: []string{"ResultMetadata"}})
	store := runtime.NewMemoryStore()
	calls := 0
	var got *Output
	body := func(ctx context.Context) error {
		var err error
		got, _, err = describe(ctx, m, &calls, "i-2")
		return err
	}
	noErr(t, runtime.NewWorkflow(store, "WF-omit").Run(context.Background(), body))
	if !reflect.DeepEqual(got, fullOutput("i-2")) {
		t.Fatalf("the recording run got %+v, want the full result", got)
	}
	noErr(t, runtime.NewWorkflow(store, "WF-omit").Run(context.Background(), body))
	equal(t, 1, calls, "calls")
	if !reflect.DeepEqual(got, withoutMetadata("i-2")) {
		t.Fatalf("replayed %+v, want everything but ResultMetadata", got)
	}
}

// TestOmitKeepsANilResultNil: encoding/json gives the wrapper a null to
// decode, which must still set the result pointer to nil.
func TestOmitKeepsANilResultNil(t *testing.T) {
	rt := runtime.New()
	m := rt.NewMethod(runtime.MethodConfig{Interface: "EC2", Name: "Describe", Idempotent: &runtime.IdempotencyConfig{}, Omit: []string{"ResultMetadata"}})
	calls := 0
	_, _, err := describe(context.Background(), m, &calls, "")
	noErr(t, err)
	got, n, err := describe(context.Background(), m, &calls, "")
	noErr(t, err)
	equal(t, 1, calls, "calls")
	equal(t, 7, n, "the other result")
	if got != nil {
		t.Fatalf("a nil result replayed as %+v", got)
	}
}
