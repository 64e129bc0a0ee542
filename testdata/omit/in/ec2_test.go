package ec2

import (
	"context"
	"reflect"
	"testing"

	"github.com/resilgen/resilgen/runtime"
)

type fake struct{ calls int }

func raw(s string) *string { return &s }

func output(id string) RunInstancesOutput {
	return RunInstancesOutput{
		Instances:      []Instance{{ID: id, ResultMetadata: NewMetadata("inner")}},
		ResultMetadata: NewMetadata("req-" + id),
		Raw:            raw("raw " + id),
	}
}

func (f *fake) RunInstances(ctx context.Context, name string) (*RunInstancesOutput, error) {
	f.calls++
	out := output(name)
	return &out, nil
}

func (f *fake) Describe(ctx context.Context, id string) (RunInstancesOutput, error) {
	f.calls++
	return output(id), nil
}

// TestOmittedFieldsAreZeroOnAHit: the first caller sees ResultMetadata and
// Raw; a hit gets them zero and everything else equal.
func TestOmittedFieldsAreZeroOnAHit(t *testing.T) {
	next := &fake{}
	c := NewResilientEC2(next)
	ctx := context.Background()
	first, err := c.RunInstances(ctx, "web")
	if err != nil {
		t.Fatal(err)
	}
	if first.ResultMetadata.Get("id") != "req-web" || first.Instances[0].ResultMetadata.Get("id") != "inner" || *first.Raw != "raw web" {
		t.Fatalf("the first caller lost its fields: %+v", first)
	}
	hit, err := c.RunInstances(ctx, "web")
	if err != nil {
		t.Fatal(err)
	}
	want := RunInstancesOutput{Instances: []Instance{{ID: "web"}}}
	if next.calls != 1 || !reflect.DeepEqual(*hit, want) {
		t.Fatalf("%d calls; hit = %+v, want %+v", next.calls, *hit, want)
	}
	if first.ResultMetadata.Get("id") != "req-web" {
		t.Fatalf("recording changed the first caller's result: %+v", first)
	}
}

// TestOmittedFieldsAreZeroOnAReplay: the type's omit applies to the
// checkpointed method, the method's own omit of Raw does not.
func TestOmittedFieldsAreZeroOnAReplay(t *testing.T) {
	next := &fake{}
	c := NewResilientEC2(next)
	store := runtime.NewMemoryStore()
	var got RunInstancesOutput
	body := func(ctx context.Context) error {
		var err error
		got, err = c.Describe(ctx, "db")
		return err
	}
	if err := runtime.NewWorkflow(store, "wf").Run(context.Background(), body); err != nil {
		t.Fatal(err)
	}
	if got.ResultMetadata.Get("id") != "req-db" {
		t.Fatalf("the recording run lost ResultMetadata: %+v", got)
	}
	if err := runtime.NewWorkflow(store, "wf").Run(context.Background(), body); err != nil {
		t.Fatal(err)
	}
	want := RunInstancesOutput{Instances: []Instance{{ID: "db"}}, Raw: raw("raw db")}
	if next.calls != 1 || !reflect.DeepEqual(got, want) {
		t.Fatalf("%d calls; replay = %+v, want %+v", next.calls, got, want)
	}
}
