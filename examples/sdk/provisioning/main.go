// Command provisioning provisions an environment, VPC -> subnet -> instance
// -> database, on the AWS SDK for Go v2's EC2 and RDS types, as a workflow
// whose steps are journaled in an embedded bbolt store. The cloud is
// simulated in memory and lives as long as the process; the journal
// outlives it. Run it twice: the first run calls the cloud for each step,
// the second replays every output, ids and states, from the journal and
// sends the cloud no request.
//
//	go run ./provisioning                provision, or replay
//	go run ./provisioning -reset         delete the journal first
//
// The first request to RunInstances is throttled (RequestLimitExceeded) and
// retried.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/rds"

	"github.com/resilgen/resilgen/runtime"
	"github.com/resilgen/resilgen/runtime/store/boltstore"
)

func main() {
	err := run(context.Background(), os.Args[1:], os.Stdout)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "provisioning:", err)
		os.Exit(1)
	}
}

// config is what the flags say.
type config struct {
	db, name, region string
	reset            bool
}

func parseFlags(args []string, out io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("provisioning", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.StringVar(&c.db, "db", filepath.Join(os.TempDir(), "resilgen-sdk-provisioning", "journal.db"), "the bbolt file that journals the workflow")
	fs.StringVar(&c.name, "name", "staging", "the environment to provision; resources are named after it")
	fs.StringVar(&c.region, "region", "eu-west-1", "the region requests go to, set per call through the SDK's call options")
	fs.BoolVar(&c.reset, "reset", false, "delete the journal first, and start over")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	return c, nil
}

// run provisions the environment the flags name on a simulated cloud,
// writing what happens to out.
func run(ctx context.Context, args []string, out io.Writer) error {
	cfg, err := parseFlags(args, out)
	if err != nil {
		return err
	}
	if cfg.reset {
		if err := os.Remove(cfg.db); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("reset: %w", err)
		}
	}
	if err := os.MkdirAll(filepath.Dir(cfg.db), 0o755); err != nil {
		return fmt.Errorf("making the journal's directory: %w", err)
	}
	store, err := boltstore.Open(cfg.db)
	if err != nil {
		return err
	}
	defer store.Close()

	cloud := newSimCloud("us-east-1")
	cloud.throttleNext("RunInstances", 1)
	log := &stepLog{out: out}
	env, err := provisionOn(ctx, store, cloud, cloud, cfg, log)
	if err != nil {
		return err
	}
	replayed, ran := log.counts()
	fmt.Fprintf(out, "provisioned %s: replayed %d of 4 steps from the journal, ran %d; the cloud got %d requests\n",
		cfg.name, replayed, ran, total(cloud.Requests()))
	fmt.Fprintf(out, "  %s\n", env)
	return nil
}

// provisionOn runs the workflow of environment cfg.name, journaled in
// store, on the given EC2 and RDS through their resilient wrappers.
func provisionOn(ctx context.Context, store runtime.Store, ec2c EC2, rdsc RDS, cfg config, obs runtime.Observer) (environment, error) {
	// Idempotency records go to the journal's store, so that both survive
	// the process.
	opts := []runtime.Option{runtime.WithStore(store), runtime.WithObserver(obs)}
	wec2, wrds := NewResilientEC2(ec2c, opts...), NewResilientRDS(rdsc, opts...)
	wf := runtime.NewWorkflow(store, "provision-"+cfg.name, runtime.WithObserver(obs))
	var env environment
	err := wf.Run(ctx, func(ctx context.Context) error {
		var err error
		env, err = provision(ctx, wec2, wrds, cfg.name, cfg.region)
		return err
	})
	if err != nil {
		return env, fmt.Errorf("workflow %s: %w", wf.ID(), err)
	}
	return env, nil
}

// environment is what the workflow made: the SDK's outputs, as the cloud
// returned them or as the journal replays them.
type environment struct {
	VPC      *ec2.CreateVpcOutput
	Subnet   *ec2.CreateSubnetOutput
	Instance *ec2.RunInstancesOutput
	Database *rds.CreateDBInstanceOutput
}

// String says what was made.
func (e environment) String() string {
	i := e.Instance.Instances[0]
	return fmt.Sprintf("instance %s (%s, %s) in subnet %s of %s; database %s at %s",
		aws.ToString(i.InstanceId), aws.ToString(i.PrivateIpAddress), i.State.Name,
		aws.ToString(e.Subnet.Subnet.SubnetId), aws.ToString(e.VPC.Vpc.VpcId),
		aws.ToString(e.Database.DBInstance.DBInstanceIdentifier), aws.ToString(e.Database.DBInstance.Endpoint.Address))
}

// provision is the workflow's body: each step takes ids from the output of
// the one before, from the cloud or, replayed, from the journal. It calls
// its steps in the same order on every run, as replay requires. Every
// request goes to region through the SDK's per-call options.
func provision(ctx context.Context, ec2c EC2, rdsc RDS, name, region string) (environment, error) {
	inRegion := func(o *ec2.Options) { o.Region = region }
	var env environment
	var err error
	env.VPC, err = ec2c.CreateVpc(ctx, &ec2.CreateVpcInput{
		CidrBlock:         aws.String("10.0.0.0/16"),
		TagSpecifications: nameTag(ec2types.ResourceTypeVpc, name+"-vpc"),
	}, inRegion)
	if err != nil {
		return env, fmt.Errorf("creating the VPC: %w", err)
	}
	vpcID := env.VPC.Vpc.VpcId
	env.Subnet, err = ec2c.CreateSubnet(ctx, &ec2.CreateSubnetInput{
		VpcId:             vpcID,
		CidrBlock:         aws.String("10.0.1.0/24"),
		AvailabilityZone:  aws.String(region + "a"),
		TagSpecifications: nameTag(ec2types.ResourceTypeSubnet, name+"-subnet-a"),
	}, inRegion)
	if err != nil {
		return env, fmt.Errorf("creating the subnet in %s: %w", aws.ToString(vpcID), err)
	}
	subnetID := env.Subnet.Subnet.SubnetId
	env.Instance, err = ec2c.RunInstances(ctx, &ec2.RunInstancesInput{
		// EC2 launches once per client token; the wrapper records once
		// per token too.
		ClientToken:       aws.String(name + "-app-1"),
		ImageId:           aws.String("ami-0c1a7f89451184c8b"),
		InstanceType:      ec2types.InstanceTypeM7gLarge,
		MinCount:          aws.Int32(1),
		MaxCount:          aws.Int32(1),
		SubnetId:          subnetID,
		TagSpecifications: nameTag(ec2types.ResourceTypeInstance, name+"-app-1"),
	}, inRegion)
	if err != nil {
		return env, fmt.Errorf("launching the instance in %s: %w", aws.ToString(subnetID), err)
	}
	env.Database, err = rdsc.CreateDBInstance(ctx, &rds.CreateDBInstanceInput{
		DBInstanceIdentifier: aws.String(name + "-db"),
		DBInstanceClass:      aws.String("db.r7g.large"),
		Engine:               aws.String("postgres"),
		AllocatedStorage:     aws.Int32(100),
		DBSubnetGroupName:    aws.String(name + "-" + aws.ToString(subnetID)),
	}, func(o *rds.Options) { o.Region = region })
	if err != nil {
		return env, fmt.Errorf("creating the database in %s: %w", aws.ToString(subnetID), err)
	}
	return env, nil
}

// nameTag names the resource of type rt that a request creates.
func nameTag(rt ec2types.ResourceType, name string) []ec2types.TagSpecification {
	return []ec2types.TagSpecification{{ResourceType: rt, Tags: []ec2types.Tag{{Key: aws.String("Name"), Value: aws.String(name)}}}}
}

// total is the sum of the request counts.
func total(requests map[string]int) int {
	n := 0
	for _, c := range requests {
		n += c
	}
	return n
}

// stepLog prints, for each step, whether it was replayed from the journal or
// ran, and the retries on the way.
type stepLog struct {
	out io.Writer

	mu            sync.Mutex
	replayed, ran int
}

// Observe implements runtime.Observer.
func (l *stepLog) Observe(ctx context.Context, e runtime.Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch e.Kind {
	case runtime.EventStepReplayed:
		l.replayed++
		fmt.Fprintf(l.out, "step %d %-16s replayed from the journal: no request\n", e.Seq+1, e.Step)
	case runtime.EventStepRecorded:
		l.ran++
		fmt.Fprintf(l.out, "step %d %-16s ran and was journaled\n", e.Seq+1, e.Step)
	case runtime.EventRetry:
		fmt.Fprintf(l.out, "    retry: %s.%s attempt %d failed: %v\n", e.Interface, e.Method, e.Attempt, e.Err)
	case runtime.EventIdempotentHit:
		fmt.Fprintf(l.out, "    %s.%s answered from its idempotency record: no request\n", e.Interface, e.Method)
	}
}

func (l *stepLog) counts() (replayed, ran int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.replayed, l.ran
}
