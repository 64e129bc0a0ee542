package main

//go:generate go run github.com/resilgen/resilgen/cmd/resilgen

import "context"

// VPCSpec asks for a virtual network.
type VPCSpec struct {
	Name string `json:"name"`
	CIDR string `json:"cidr"`
}

// VPC is a virtual network the cloud created.
type VPC struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	CIDR string `json:"cidr"`
}

// SubnetSpec asks for a subnet of a VPC.
type SubnetSpec struct {
	Name  string `json:"name"`
	VPCID string `json:"vpcId"`
	CIDR  string `json:"cidr"`
	Zone  string `json:"zone"`
}

// Subnet is a subnet the cloud created.
type Subnet struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	VPCID string `json:"vpcId"`
	CIDR  string `json:"cidr"`
}

// InstanceSpec asks for a virtual machine in a subnet.
type InstanceSpec struct {
	Name     string `json:"name"`
	SubnetID string `json:"subnetId"`
	Type     string `json:"type"`
	Image    string `json:"image"`
}

// Instance is a virtual machine the cloud created.
type Instance struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	PrivateIP string `json:"privateIp"`
}

// DatabaseSpec asks for a managed database reachable from a subnet.
type DatabaseSpec struct {
	Name     string `json:"name"`
	SubnetID string `json:"subnetId"`
	Engine   string `json:"engine"`
	Class    string `json:"class"`
}

// Database is a managed database the cloud created.
type Database struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Endpoint string `json:"endpoint"`
}

// Cloud is the part of a cloud provider's API that provisions an
// environment, the chapter's Scenario 2: VPC -> subnet -> instance ->
// database, each step a create that must never happen twice.
//
// Every method is a checkpointed workflow step: inside a workflow its result
// is journaled, and a resumed workflow replays it instead of calling the
// cloud again. The step that was in flight when the process died runs again;
// it is idempotent, keyed by the resource's name, which is also the client
// token the provider uses to answer a repeated create with the resource it
// already made ("check if exists, return existing").
//
// Each service has its own breaker (scope=method): rate limiting on the
// compute API should not stop the network API.
//
//resil:checkpoint
//resil:idempotent key=spec.Name
//resil:breaker threshold=5 timeout=60s scope=method
//resil:retry attempts=3 base=100ms max=2s
type Cloud interface {
	// CreateVPC creates a VPC, or returns the one named spec.Name.
	CreateVPC(ctx context.Context, spec VPCSpec) (VPC, error)

	// CreateSubnet creates a subnet, or returns the one named spec.Name.
	CreateSubnet(ctx context.Context, spec SubnetSpec) (Subnet, error)

	// CreateInstance creates an instance, or returns the one named
	// spec.Name. The compute API is eventually consistent: a subnet made a
	// moment ago can be unknown to it for a while, so it is retried longer.
	//
	//resil:retry attempts=5 base=200ms max=5s
	CreateInstance(ctx context.Context, spec InstanceSpec) (Instance, error)

	// CreateDatabase creates a database, or returns the one named spec.Name.
	CreateDatabase(ctx context.Context, spec DatabaseSpec) (Database, error)
}
