package sdk

import (
	"context"
	"testing"
)

// fake counts calls and applies the options it is given, so that the test
// sees they reach it.
type fake struct {
	calls   int
	applied []string
}

func (f *fake) RunInstances(ctx context.Context, params *RunInstancesInput, optFns ...func(*Options)) (*RunInstancesOutput, error) {
	f.calls++
	var o Options
	for _, fn := range optFns {
		fn(&o)
	}
	f.applied = append(f.applied, o.Region)
	return &RunInstancesOutput{InstanceID: "i-" + params.ImageID}, nil
}

func (f *fake) Check(ctx context.Context, in *HealthCheckRequest, opts ...CallOption) (*HealthCheckResponse, error) {
	f.calls++
	var o Options
	for _, opt := range opts {
		if err := opt.before(&o); err != nil {
			return nil, err
		}
	}
	f.applied = append(f.applied, o.Region)
	return &HealthCheckResponse{Status: 1}, nil
}

func (f *fake) New(ctx context.Context, body MessageNewParams, opts ...RequestOption) (*Message, error) {
	f.calls++
	var o Options
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return nil, err
		}
	}
	f.applied = append(f.applied, o.Region)
	return &Message{Text: "re: " + body.Prompt}, nil
}

func (f *fake) Stepped(ctx context.Context, body MessageNewParams, opts ...RequestOption) (*Message, error) {
	return f.New(ctx, body, opts...)
}

type region string

func (r region) before(o *Options) error { o.Region = string(r); return nil }

func inRegion(r string) RequestOption { return func(o *Options) error { o.Region = r; return nil } }

// TestOtherCallOptionsAreTheSameCall: call options are passed on to the
// call but are not part of what makes two calls the same, so a repeat
// with other options (closures JSON could not even encode) runs once.
func TestOtherCallOptionsAreTheSameCall(t *testing.T) {
	ctx := context.Background()
	next := &fake{}
	c := NewResilientClient(next)

	token := "tok-1"
	in := &RunInstancesInput{ImageID: "ami-1", ClientToken: &token}
	out1, err := c.RunInstances(ctx, in, func(o *Options) { o.Region = "eu-west-1" })
	if err != nil {
		t.Fatal(err)
	}
	out2, err := c.RunInstances(ctx, in, func(o *Options) { o.Region = "us-east-1" }, func(*Options) {})
	if err != nil {
		t.Fatal(err)
	}
	if next.calls != 1 || *out1 != *out2 || next.applied[0] != "eu-west-1" {
		t.Fatalf("RunInstances: %d calls, %v then %v, options applied %q; want one call in eu-west-1", next.calls, out1, out2, next.applied)
	}

	req := &HealthCheckRequest{Service: "db"}
	if _, err := c.Check(ctx, req, region("a")); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Check(ctx, req, region("b"), region("c")); err != nil {
		t.Fatal(err)
	}
	if next.calls != 2 || next.applied[1] != "a" {
		t.Fatalf("Check: %d calls in all, options applied %q; want 2 calls, the second in a", next.calls, next.applied)
	}

	body := MessageNewParams{Prompt: "hi"}
	if _, err := c.New(ctx, body, inRegion("x")); err != nil {
		t.Fatal(err)
	}
	if m, err := c.New(ctx, body); err != nil || m.Text != "re: hi" {
		t.Fatalf("New without options = %v, %v", m, err)
	}
	if next.calls != 3 || next.applied[2] != "x" {
		t.Fatalf("New: %d calls in all, options applied %q; want 3 calls, the third in x", next.calls, next.applied)
	}
	// Other data is another call.
	if _, err := c.New(ctx, MessageNewParams{Prompt: "bye"}, inRegion("y")); err != nil {
		t.Fatal(err)
	}
	if next.calls != 4 || next.applied[3] != "y" {
		t.Fatalf("New with another prompt: %d calls, options applied %q; want 4 calls, the fourth in y", next.calls, next.applied)
	}
}
