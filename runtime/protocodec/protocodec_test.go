package protocodec_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/resilgen/resilgen/runtime"
	"github.com/resilgen/resilgen/runtime/protocodec"
)

func mustValue(t *testing.T, v any) *structpb.Value {
	t.Helper()
	m, err := structpb.NewValue(v)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestOneofRoundTrips records a Value (a oneof) and a Timestamp and reads
// them back equal, where encoding/json would have lost the oneof.
func TestOneofRoundTrips(t *testing.T) {
	in := mustValue(t, map[string]any{"n": 1.5, "list": []any{"a", true, nil}})
	ts := timestamppb.New(time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC))
	b, err := json.Marshal([]any{protocodec.Message(&in), protocodec.Message(&ts)})
	if err != nil {
		t.Fatal(err)
	}
	var out *structpb.Value
	var outTS *timestamppb.Timestamp
	var raw []json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil || len(raw) != 2 {
		t.Fatalf("not a JSON array of two: %s (%v)", b, err)
	}
	if err := json.Unmarshal(raw[0], protocodec.Message(&out)); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw[1], protocodec.Message(&outTS)); err != nil {
		t.Fatal(err)
	}
	if !proto.Equal(in, out) {
		t.Fatalf("Value: got %v, want %v", out, in)
	}
	if !proto.Equal(ts, outTS) {
		t.Fatalf("Timestamp: got %v, want %v", outTS, ts)
	}
}

// TestNilIsNull writes a nil message as null and reads null back as nil,
// also over a message that was there before.
func TestNilIsNull(t *testing.T) {
	var in *structpb.Value
	b, err := json.Marshal(protocodec.Message(&in))
	if err != nil || string(b) != "null" {
		t.Fatalf("nil message: %s, %v; want null", b, err)
	}
	out := mustValue(t, "was here")
	if err := json.Unmarshal([]byte("null"), protocodec.Message(&out)); err != nil {
		t.Fatal(err)
	}
	if out != nil {
		t.Fatalf("null decoded to %v, want nil", out)
	}
}

// TestEqualMessagesEncodeEqual holds what fingerprints rely on: two equal
// messages with maps built in different orders encode to the same bytes.
func TestEqualMessagesEncodeEqual(t *testing.T) {
	fields := map[string]any{}
	for _, k := range strings.Split("a b c d e f g h i j k l m n o p", " ") {
		fields[k] = k
	}
	for range 20 {
		x, y := mustValue(t, fields), mustValue(t, fields)
		bx, err := json.Marshal(protocodec.Message(&x))
		if err != nil {
			t.Fatal(err)
		}
		by, err := json.Marshal(protocodec.Message(&y))
		if err != nil {
			t.Fatal(err)
		}
		if string(bx) != string(by) {
			t.Fatalf("equal messages encoded differently:\n%s\n%s", bx, by)
		}
	}
}

// TestDecodingDoesNotTouchTheOldMessage decodes over a message the caller
// may still hold and leaves it as it was.
func TestDecodingDoesNotTouchTheOldMessage(t *testing.T) {
	src := mustValue(t, "new")
	b, err := json.Marshal(protocodec.Message(&src))
	if err != nil {
		t.Fatal(err)
	}
	old := mustValue(t, "old")
	held := old
	if err := json.Unmarshal(b, protocodec.Message(&old)); err != nil {
		t.Fatal(err)
	}
	if held.GetStringValue() != "old" || old.GetStringValue() != "new" {
		t.Fatalf("held = %v, decoded = %v; want old and new", held, old)
	}
}

// TestBadRecordsSayWhy decodes what is not a recorded message.
func TestBadRecordsSayWhy(t *testing.T) {
	var out *structpb.Value
	for data, want := range map[string]string{
		`12`:     "base64 JSON string",
		`"%%%"`:  "base64",
		`"/w=="`: "decoding a *structpb.Value",
	} {
		err := json.Unmarshal([]byte(data), protocodec.Message(&out))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v, want it to mention %q", data, err, want)
		}
	}
}

// TestThroughTheRuntime records a oneof result under an idempotency key
// fingerprinted from a message argument: a second call with an equal
// argument is a hit that replays a proto.Equal result without calling.
func TestThroughTheRuntime(t *testing.T) {
	rt := runtime.New()
	m := rt.NewMethod(runtime.MethodConfig{Interface: "Values", Name: "Get", Idempotent: &runtime.IdempotencyConfig{}})
	calls := 0
	get := func(arg *structpb.Value) (*structpb.Value, error) {
		var r0 *structpb.Value
		err := m.DoRecorded(context.Background(), runtime.Recording{
			Args:    []any{protocodec.Message(&arg)},
			Results: []any{protocodec.Message(&r0)},
		}, func(context.Context) error {
			calls++
			r0 = mustValue(t, map[string]any{"echo": arg.AsInterface(), "call": float64(calls)})
			return nil
		})
		return r0, err
	}
	first, err := get(mustValue(t, map[string]any{"x": 1.0, "y": "z"}))
	if err != nil {
		t.Fatal(err)
	}
	again, err := get(mustValue(t, map[string]any{"y": "z", "x": 1.0}))
	if err != nil {
		t.Fatal(err)
	}
	if calls != 1 {
		t.Fatalf("%d calls for equal arguments, want 1", calls)
	}
	if !proto.Equal(first, again) {
		t.Fatalf("replayed %v, want %v", again, first)
	}
	if _, err := get(mustValue(t, "other")); err != nil || calls != 2 {
		t.Fatalf("other argument: %d calls, %v; want 2 calls", calls, err)
	}
}
