package main

//go:generate go run github.com/resilgen/resilgen/cmd/resilgen

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/rds"
)

// EC2 is the part of the EC2 API the provisioning workflow calls, in the
// SDK's own signatures: *ec2.Client implements it, and so does the
// simulated cloud.
//
// Every method is a checkpointed workflow step: inside a workflow its
// output is journaled, and a resumed workflow replays it instead of calling
// EC2. The step in flight when the process died runs again, so each is
// also idempotent: RunInstances by the client token EC2 itself honours,
// the creates that have no token by their arguments (the same input gets
// the recorded output).
//
// An output's ResultMetadata (request id, attempts, clock skew: the
// transport's, not the resource's) is not recorded: a replayed output has
// a zero one. The call options (optFns) are passed through and are not part
// of the arguments an idempotency record is compared with.
//
// The SDK retries on its own too; give the real client
// `func(o *ec2.Options) { o.Retryer = aws.NopRetryer{} }` to leave retrying
// to these policies.
//
//resil:checkpoint
//resil:omit ResultMetadata
//resil:breaker threshold=5 timeout=60s
//resil:retry attempts=4 base=50ms max=1s
type EC2 interface {
	// CreateVpc creates a VPC. EC2 has no client token for it: a call with
	// the same input is answered from its record.
	//
	//resil:idempotent
	CreateVpc(ctx context.Context, params *ec2.CreateVpcInput, optFns ...func(*ec2.Options)) (*ec2.CreateVpcOutput, error)

	// CreateSubnet creates a subnet in a VPC, keyed by its input as
	// CreateVpc is.
	//
	//resil:idempotent
	CreateSubnet(ctx context.Context, params *ec2.CreateSubnetInput, optFns ...func(*ec2.Options)) (*ec2.CreateSubnetOutput, error)

	// RunInstances launches instances, keyed by params.ClientToken; without
	// a token (nil or empty) by its input.
	//
	//resil:idempotent key=params.ClientToken
	RunInstances(ctx context.Context, params *ec2.RunInstancesInput, optFns ...func(*ec2.Options)) (*ec2.RunInstancesOutput, error)
}

// RDS is the part of the RDS API the workflow calls. CreateDBInstance has
// no client token; the instance identifier is unique, but a second create
// with it fails instead of returning the first, so the call is keyed by its
// whole input.
//
//resil:checkpoint
//resil:omit ResultMetadata
//resil:idempotent
//resil:breaker threshold=5 timeout=60s
//resil:retry attempts=4 base=50ms max=1s
type RDS interface {
	// CreateDBInstance creates a database instance.
	CreateDBInstance(ctx context.Context, params *rds.CreateDBInstanceInput, optFns ...func(*rds.Options)) (*rds.CreateDBInstanceOutput, error)
}

// The interfaces are the SDK clients' own signatures.
var (
	_ EC2 = (*ec2.Client)(nil)
	_ RDS = (*rds.Client)(nil)
)
