package pb

import (
	"context"
	"testing"
	"time"

	"github.com/resilgen/resilgen/runtime"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

type fake struct{ calls int }

func value(t *testing.T, v any) *structpb.Value {
	t.Helper()
	m, err := structpb.NewValue(v)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func (f *fake) Get(ctx context.Context, in *structpb.Value, opts ...CallOption) (*structpb.Value, error) {
	f.calls++
	if in.GetStringValue() == "none" {
		return nil, nil
	}
	return structpb.NewValue(map[string]any{"echo": in.AsInterface(), "n": []any{1.0, "two", nil, true}})
}

func (f *fake) At(ctx context.Context, ts *timestamppb.Timestamp, name string) (*timestamppb.Timestamp, *structpb.Value, error) {
	f.calls++
	return withUnknown(timestamppb.New(ts.AsTime().Add(time.Hour)), 7), structpb.NewStringValue(name), nil
}

// withUnknown gives m an unknown field 99 = n, as a message from a newer
// server has: JSON would drop it, protobuf's codec keeps it.
func withUnknown[M proto.Message](m M, n uint64) M {
	b := protowire.AppendTag(nil, 99, protowire.VarintType)
	m.ProtoReflect().SetUnknown(protowire.AppendVarint(b, n))
	return m
}

func (f *fake) Plain(ctx context.Context, in *structpb.Value) (*structpb.Value, error) {
	return in, nil
}

func (f *fake) Step(ctx context.Context, in *structpb.Value) (*structpb.Value, int, error) {
	f.calls++
	return structpb.NewListValue(&structpb.ListValue{Values: []*structpb.Value{in, structpb.NewBoolValue(true)}}), f.calls, nil
}

// TestEqualMessagesAreOneCallThatReplaysEqual: two equal messages built
// apart fingerprint alike, and the hit replays a proto.Equal oneof.
func TestEqualMessagesAreOneCallThatReplaysEqual(t *testing.T) {
	next := &fake{}
	v := NewResilientValues(next)
	ctx := context.Background()
	first, err := v.Get(ctx, value(t, map[string]any{"a": 1.0, "b": "x", "c": []any{true}}))
	if err != nil {
		t.Fatal(err)
	}
	again, err := v.Get(ctx, value(t, map[string]any{"c": []any{true}, "b": "x", "a": 1.0}))
	if err != nil {
		t.Fatal(err)
	}
	if next.calls != 1 || !proto.Equal(first, again) {
		t.Fatalf("%d calls; replayed %v, want %v", next.calls, again, first)
	}
	if again.GetStructValue().GetFields()["n"].GetListValue().GetValues()[2].GetNullValue() != structpb.NullValue_NULL_VALUE {
		t.Fatalf("the oneof's null lost its kind: %v", again)
	}
	if _, err := v.Get(ctx, value(t, "other")); err != nil || next.calls != 2 {
		t.Fatalf("another message: %d calls, %v; want 2 calls", next.calls, err)
	}
	for range 2 {
		if got, err := v.Get(ctx, value(t, "none")); err != nil || got != nil {
			t.Fatalf("a nil message replayed as %v, %v", got, err)
		}
	}
	if next.calls != 3 {
		t.Fatalf("%d calls, want 3", next.calls)
	}

	at := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	ts1, name1, err := v.At(ctx, timestamppb.New(at), "x")
	if err != nil {
		t.Fatal(err)
	}
	ts2, name2, err := v.At(ctx, timestamppb.New(at), "x")
	if err != nil {
		t.Fatal(err)
	}
	if next.calls != 4 || !proto.Equal(ts1, ts2) || !proto.Equal(name1, name2) || !ts2.AsTime().Equal(at.Add(time.Hour)) {
		t.Fatalf("%d calls; At replayed %v %v, want %v %v", next.calls, ts2, name2, ts1, name1)
	}
	// Arguments that differ only in an unknown field are other calls.
	for _, n := range []uint64{1, 2, 2} {
		if _, _, err := v.At(ctx, withUnknown(timestamppb.New(at), n), "x"); err != nil {
			t.Fatal(err)
		}
	}
	if next.calls != 6 {
		t.Fatalf("%d calls for two new argument lists, want 6", next.calls)
	}
}

// TestJournaledMessageReplaysEqual: a checkpointed step's message comes
// back from the journal proto.Equal.
func TestJournaledMessageReplaysEqual(t *testing.T) {
	next := &fake{}
	s := NewResilientSteps(next)
	store := runtime.NewMemoryStore()
	var got []*structpb.Value
	var ns []int
	body := func(ctx context.Context) error {
		out, n, err := s.Step(ctx, value(t, map[string]any{"k": "v"}))
		got, ns = append(got, out), append(ns, n)
		return err
	}
	for range 2 {
		if err := runtime.NewWorkflow(store, "wf").Run(context.Background(), body); err != nil {
			t.Fatal(err)
		}
	}
	if next.calls != 1 || !proto.Equal(got[0], got[1]) || ns[1] != 1 {
		t.Fatalf("%d calls; replayed %v (%d), want %v (1)", next.calls, got[1], ns[1], got[0])
	}
}
