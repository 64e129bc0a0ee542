package main

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go/middleware"

	"github.com/resilgen/resilgen/runtime"
	"github.com/resilgen/resilgen/runtime/store/boltstore"
)

// TestReplayAfterReopen runs the workflow on bbolt, closes the store,
// reopens it and runs the workflow again on a fresh cloud: the second run
// must send no request and return the SDK's outputs the first run got, ids
// and enum states alike, with a zero ResultMetadata (not recorded).
func TestReplayAfterReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "journal.db")
	cfg := config{name: "qa", region: "eu-west-1"}

	first, cloud := provisionOnce(t, ctx, path, cfg)
	if got := cloud.Requests(); !reflect.DeepEqual(got, map[string]int{"CreateVpc": 1, "CreateSubnet": 1, "RunInstances": 1, "CreateDBInstance": 1}) {
		t.Errorf("first run's requests: %v, want one per step", got)
	}
	for _, r := range cloud.Regions() {
		if r != "eu-west-1" {
			t.Errorf("a request went to %q: the call options were not passed through", r)
		}
	}
	if _, ok := awsmiddleware.GetRequestIDMetadata(first.Instance.ResultMetadata); !ok {
		t.Fatal("the live RunInstances output has no request id: the check below would prove nothing")
	}

	second, cloud := provisionOnce(t, ctx, path, cfg)
	if n := total(cloud.Requests()); n != 0 {
		t.Errorf("replayed run sent the cloud %d requests (%v), want none", n, cloud.Requests())
	}
	for name, md := range map[string]middleware.Metadata{
		"CreateVpc": second.VPC.ResultMetadata, "CreateSubnet": second.Subnet.ResultMetadata,
		"RunInstances": second.Instance.ResultMetadata, "CreateDBInstance": second.Database.ResultMetadata,
	} {
		if !reflect.DeepEqual(md, middleware.Metadata{}) {
			t.Errorf("replayed %s output has ResultMetadata %+v, want zero", name, md)
		}
	}
	if got, want := aws.ToString(second.VPC.Vpc.VpcId), aws.ToString(first.VPC.Vpc.VpcId); got != want || got == "" {
		t.Errorf("replayed VpcId %q, want %q", got, want)
	}
	if got, want := second.Instance.Instances[0].State.Name, ec2types.InstanceStateNamePending; got != want {
		t.Errorf("replayed instance state %q, want %q", got, want)
	}
	if got, want := second.Subnet.Subnet.State, ec2types.SubnetStateAvailable; got != want {
		t.Errorf("replayed subnet state %q, want %q", got, want)
	}
	// Everything but the transport's metadata is the first run's.
	first.VPC.ResultMetadata, first.Subnet.ResultMetadata = middleware.Metadata{}, middleware.Metadata{}
	first.Instance.ResultMetadata, first.Database.ResultMetadata = middleware.Metadata{}, middleware.Metadata{}
	if !reflect.DeepEqual(second, first) {
		t.Errorf("replayed outputs differ from the first run's:\n got %s\nwant %s", second, first)
	}
}

// provisionOnce opens the store at path, runs the workflow on a new
// simulated cloud and closes the store.
func provisionOnce(t *testing.T, ctx context.Context, path string, cfg config) (environment, *simCloud) {
	t.Helper()
	store, err := boltstore.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := store.Close(); err != nil {
			t.Error(err)
		}
	}()
	cloud := newSimCloud("us-east-1")
	var out bytes.Buffer
	env, err := provisionOn(ctx, store, cloud, cloud, cfg, &stepLog{out: &out})
	if err != nil {
		t.Fatalf("provisioning: %v\n%s", err, &out)
	}
	return env, cloud
}

// runInput is a RunInstances request with token (nil: none).
func runInput(token *string, image string) *ec2.RunInstancesInput {
	return &ec2.RunInstancesInput{
		ClientToken:  token,
		ImageId:      aws.String(image),
		InstanceType: ec2types.InstanceTypeM7gLarge,
		MinCount:     aws.Int32(1),
		MaxCount:     aws.Int32(1),
		SubnetId:     aws.String("subnet-0a1b2c3d00000002"),
	}
}

// inRegion is a call option that sends a request to region.
func inRegion(region string) func(*ec2.Options) {
	return func(o *ec2.Options) { o.Region = region }
}

// TestClientToken checks RunInstances' key, params.ClientToken, outside a
// workflow: the same token with other call options runs once and gets the
// recorded reservation; with other parameters it is a conflict; without a
// token (nil or empty) the call is keyed by its parameters.
func TestClientToken(t *testing.T) {
	ctx := context.Background()
	newClient := func() (*ResilientEC2, *simCloud) {
		cloud := newSimCloud("us-east-1")
		return NewResilientEC2(cloud, runtime.WithStore(runtime.NewMemoryStore())), cloud
	}

	t.Run("same token, other call options", func(t *testing.T) {
		c, cloud := newClient()
		a, err := c.RunInstances(ctx, runInput(aws.String("tok-1"), "ami-1"), inRegion("eu-west-1"))
		if err != nil {
			t.Fatal(err)
		}
		b, err := c.RunInstances(ctx, runInput(aws.String("tok-1"), "ami-1"), inRegion("ap-south-1"), func(o *ec2.Options) { o.RetryMaxAttempts = 1 })
		if err != nil {
			t.Fatal(err)
		}
		if n := cloud.Requests()["RunInstances"]; n != 1 {
			t.Errorf("RunInstances ran %d times, want once", n)
		}
		if got := cloud.Regions(); !reflect.DeepEqual(got, []string{"eu-west-1"}) {
			t.Errorf("regions the cloud saw: %q, want the first call's option", got)
		}
		if aws.ToString(b.ReservationId) != aws.ToString(a.ReservationId) || aws.ToString(b.Instances[0].InstanceId) != aws.ToString(a.Instances[0].InstanceId) {
			t.Errorf("second call got reservation %s, want the recorded %s", aws.ToString(b.ReservationId), aws.ToString(a.ReservationId))
		}
	})

	t.Run("same token, other parameters", func(t *testing.T) {
		c, cloud := newClient()
		if _, err := c.RunInstances(ctx, runInput(aws.String("tok-2"), "ami-1")); err != nil {
			t.Fatal(err)
		}
		_, err := c.RunInstances(ctx, runInput(aws.String("tok-2"), "ami-2"))
		if !errors.Is(err, runtime.ErrIdempotencyConflict) {
			t.Fatalf("same token, other image: %v, want ErrIdempotencyConflict", err)
		}
		if !strings.Contains(err.Error(), "tok-2") {
			t.Errorf("the conflict does not name the token: %v", err)
		}
		if n := cloud.Requests()["RunInstances"]; n != 1 {
			t.Errorf("RunInstances ran %d times, want once", n)
		}
	})

	for name, token := range map[string]*string{"nil token": nil, "empty token": aws.String("")} {
		t.Run(name, func(t *testing.T) {
			c, cloud := newClient()
			a, err := c.RunInstances(ctx, runInput(token, "ami-1"))
			if err != nil {
				t.Fatal(err)
			}
			b, err := c.RunInstances(ctx, runInput(token, "ami-1"), inRegion("ap-south-1"))
			if err != nil {
				t.Fatal(err)
			}
			if n := cloud.Requests()["RunInstances"]; n != 1 {
				t.Errorf("the same parameters ran %d times, want once", n)
			}
			if aws.ToString(b.ReservationId) != aws.ToString(a.ReservationId) {
				t.Errorf("the same parameters got reservation %s, want the recorded %s", aws.ToString(b.ReservationId), aws.ToString(a.ReservationId))
			}
			// Other parameters are another key, not a conflict.
			d, err := c.RunInstances(ctx, runInput(token, "ami-2"))
			if err != nil {
				t.Fatalf("other parameters without a token: %v", err)
			}
			if n := cloud.Requests()["RunInstances"]; n != 2 || aws.ToString(d.ReservationId) == aws.ToString(a.ReservationId) {
				t.Errorf("other parameters: %d requests, reservation %s; want a second launch", n, aws.ToString(d.ReservationId))
			}
		})
	}
}

// TestRun runs the program twice on one journal: the first run provisions,
// retrying the throttled RunInstances; the second replays every step.
func TestRun(t *testing.T) {
	db := filepath.Join(t.TempDir(), "journal.db")
	var out bytes.Buffer
	if err := run(context.Background(), []string{"-db", db}, &out); err != nil {
		t.Fatalf("first run: %v\n%s", err, &out)
	}
	for _, want := range []string{
		"retry: EC2.RunInstances attempt 1 failed: api error RequestLimitExceeded",
		"step 3 RunInstances     ran and was journaled",
		"replayed 0 of 4 steps from the journal, ran 4; the cloud got 5 requests",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("first run: no %q in\n%s", want, &out)
		}
	}
	out.Reset()
	if err := run(context.Background(), []string{"-db", db}, &out); err != nil {
		t.Fatalf("second run: %v\n%s", err, &out)
	}
	if want := "replayed 4 of 4 steps from the journal, ran 0; the cloud got 0 requests"; !strings.Contains(out.String(), want) {
		t.Errorf("second run: no %q in\n%s", want, &out)
	}
	out.Reset()
	if err := run(context.Background(), []string{"-db", db, "-reset"}, &out); err != nil {
		t.Fatalf("run -reset: %v\n%s", err, &out)
	}
	if want := "replayed 0 of 4 steps"; !strings.Contains(out.String(), want) {
		t.Errorf("run -reset: no %q in\n%s", want, &out)
	}
}
