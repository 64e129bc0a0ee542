package main

import (
	"context"
	"fmt"
	"net/netip"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
)

// simCloud is an EC2 and RDS in memory: it implements EC2 and RDS as the
// SDK's clients do, answering with the SDK's own output types. As EC2 does,
// it answers RunInstances with a client token it has seen with the
// reservation that token made. It counts the requests it receives, notes
// the region each request's call options chose, and can throttle.
type simCloud struct {
	region string
	// now stamps launch and creation times; fixed, so that outputs are
	// reproducible.
	now time.Time

	mu        sync.Mutex
	seq       int
	requests  map[string]int
	regions   []string
	throttle  map[string]int
	byToken   map[string]*ec2.RunInstancesOutput
	databases map[string]bool
}

// newSimCloud returns an empty cloud in region.
func newSimCloud(region string) *simCloud {
	return &simCloud{
		region:    region,
		now:       time.Date(2026, 3, 14, 9, 30, 0, 0, time.UTC),
		requests:  map[string]int{},
		throttle:  map[string]int{},
		byToken:   map[string]*ec2.RunInstancesOutput{},
		databases: map[string]bool{},
	}
}

var (
	_ EC2 = (*simCloud)(nil)
	_ RDS = (*simCloud)(nil)
)

// throttleNext makes the next n requests to op fail as EC2 fails a request
// over its rate limit.
func (c *simCloud) throttleNext(op string, n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.throttle[op] = n
}

// Requests returns how many requests each operation received.
func (c *simCloud) Requests() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := make(map[string]int, len(c.requests))
	for op, n := range c.requests {
		m[op] = n
	}
	return m
}

// Regions returns the region each request's options chose, in order.
func (c *simCloud) Regions() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.regions...)
}

// request counts a request to op in region and returns the error of a
// throttled one. Callers hold c.mu.
func (c *simCloud) request(op, region string) error {
	c.requests[op]++
	c.regions = append(c.regions, region)
	if c.throttle[op] > 0 {
		c.throttle[op]--
		return &smithy.GenericAPIError{Code: "RequestLimitExceeded", Message: "Request limit exceeded.", Fault: smithy.FaultClient}
	}
	return nil
}

// id returns a new resource id with prefix, shaped as EC2's are.
func (c *simCloud) id(prefix string) string {
	c.seq++
	return fmt.Sprintf("%s-%017x", prefix, 0x0a1b2c3d00000000+c.seq)
}

// metadata is what the transport would have recorded of a request: its id.
func (c *simCloud) metadata(m *middleware.Metadata) {
	awsmiddleware.SetRequestIDMetadata(m, fmt.Sprintf("req-%04d", c.seq))
}

// ec2Region applies a call's options, as the SDK's client does, and
// returns the region they leave.
func (c *simCloud) ec2Region(optFns []func(*ec2.Options)) string {
	o := ec2.Options{Region: c.region}
	for _, fn := range optFns {
		fn(&o)
	}
	return o.Region
}

// CreateVpc implements EC2.
func (c *simCloud) CreateVpc(ctx context.Context, params *ec2.CreateVpcInput, optFns ...func(*ec2.Options)) (*ec2.CreateVpcOutput, error) {
	region := c.ec2Region(optFns)
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.request("CreateVpc", region); err != nil {
		return nil, err
	}
	if _, err := netip.ParsePrefix(aws.ToString(params.CidrBlock)); err != nil {
		return nil, &smithy.GenericAPIError{Code: "InvalidParameterValue", Message: fmt.Sprintf("Value (%s) for parameter cidrBlock is invalid.", aws.ToString(params.CidrBlock)), Fault: smithy.FaultClient}
	}
	out := &ec2.CreateVpcOutput{Vpc: &ec2types.Vpc{
		VpcId:           aws.String(c.id("vpc")),
		CidrBlock:       params.CidrBlock,
		State:           ec2types.VpcStatePending,
		InstanceTenancy: ec2types.TenancyDefault,
		IsDefault:       aws.Bool(false),
		OwnerId:         aws.String("123456789012"),
		Tags:            tagsOf(params.TagSpecifications),
	}}
	c.metadata(&out.ResultMetadata)
	return out, nil
}

// CreateSubnet implements EC2.
func (c *simCloud) CreateSubnet(ctx context.Context, params *ec2.CreateSubnetInput, optFns ...func(*ec2.Options)) (*ec2.CreateSubnetOutput, error) {
	region := c.ec2Region(optFns)
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.request("CreateSubnet", region); err != nil {
		return nil, err
	}
	if aws.ToString(params.VpcId) == "" {
		return nil, &smithy.GenericAPIError{Code: "MissingParameter", Message: "The request must contain the parameter vpcId.", Fault: smithy.FaultClient}
	}
	out := &ec2.CreateSubnetOutput{Subnet: &ec2types.Subnet{
		SubnetId:                aws.String(c.id("subnet")),
		VpcId:                   params.VpcId,
		CidrBlock:               params.CidrBlock,
		AvailabilityZone:        params.AvailabilityZone,
		AvailableIpAddressCount: aws.Int32(251),
		State:                   ec2types.SubnetStateAvailable,
		Tags:                    tagsOf(params.TagSpecifications),
	}}
	c.metadata(&out.ResultMetadata)
	return out, nil
}

// RunInstances implements EC2. A client token seen before gets the
// reservation it made, as EC2 answers. (EC2 refuses a token repeated with
// other parameters, with IdempotentParameterMismatch; the simulation does
// not check, so that a test sees that the wrapper refuses it first.)
func (c *simCloud) RunInstances(ctx context.Context, params *ec2.RunInstancesInput, optFns ...func(*ec2.Options)) (*ec2.RunInstancesOutput, error) {
	region := c.ec2Region(optFns)
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.request("RunInstances", region); err != nil {
		return nil, err
	}
	token := aws.ToString(params.ClientToken)
	if out, ok := c.byToken[token]; ok && token != "" {
		return out, nil
	}
	n := int(aws.ToInt32(params.MinCount))
	if n < 1 {
		n = 1
	}
	out := &ec2.RunInstancesOutput{
		ReservationId: aws.String(c.id("r")),
		OwnerId:       aws.String("123456789012"),
	}
	for i := range n {
		out.Instances = append(out.Instances, ec2types.Instance{
			InstanceId:       aws.String(c.id("i")),
			ImageId:          params.ImageId,
			InstanceType:     params.InstanceType,
			SubnetId:         params.SubnetId,
			ClientToken:      params.ClientToken,
			PrivateIpAddress: aws.String(fmt.Sprintf("10.0.1.%d", 10+c.seq+i)),
			LaunchTime:       aws.Time(c.now),
			Architecture:     ec2types.ArchitectureValuesArm64,
			State:            &ec2types.InstanceState{Code: aws.Int32(0), Name: ec2types.InstanceStateNamePending},
			Tags:             tagsOf(params.TagSpecifications),
		})
	}
	c.metadata(&out.ResultMetadata)
	if token != "" {
		c.byToken[token] = out
	}
	return out, nil
}

// CreateDBInstance implements RDS. An identifier in use is refused, as RDS
// does.
func (c *simCloud) CreateDBInstance(ctx context.Context, params *rds.CreateDBInstanceInput, optFns ...func(*rds.Options)) (*rds.CreateDBInstanceOutput, error) {
	o := rds.Options{Region: c.region}
	for _, fn := range optFns {
		fn(&o)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.request("CreateDBInstance", o.Region); err != nil {
		return nil, err
	}
	name := aws.ToString(params.DBInstanceIdentifier)
	if c.databases[name] {
		return nil, &smithy.GenericAPIError{Code: "DBInstanceAlreadyExists", Message: "DB instance already exists", Fault: smithy.FaultClient}
	}
	c.databases[name] = true
	out := &rds.CreateDBInstanceOutput{DBInstance: &rdstypes.DBInstance{
		DBInstanceIdentifier: params.DBInstanceIdentifier,
		DBInstanceArn:        aws.String(fmt.Sprintf("arn:aws:rds:%s:123456789012:db:%s", o.Region, name)),
		DBInstanceClass:      params.DBInstanceClass,
		Engine:               params.Engine,
		DBInstanceStatus:     aws.String("creating"),
		DbiResourceId:        aws.String(c.id("db")),
		InstanceCreateTime:   aws.Time(c.now),
		Endpoint: &rdstypes.Endpoint{
			Address: aws.String(fmt.Sprintf("%s.c0ffee.%s.rds.amazonaws.com", name, o.Region)),
			Port:    aws.Int32(5432),
		},
	}}
	c.metadata(&out.ResultMetadata)
	return out, nil
}

// tagsOf returns the tags a request's tag specifications put on the
// resource it creates.
func tagsOf(specs []ec2types.TagSpecification) []ec2types.Tag {
	var tags []ec2types.Tag
	for _, s := range specs {
		tags = append(tags, s.Tags...)
	}
	return tags
}
