// Package ec2 records AWS-shaped outputs without their ResultMetadata.
package ec2

import "context"

// Metadata stands for middleware.Metadata: unexported fields only, so
// JSON cannot record it.
type Metadata struct {
	values map[any]any
}

// Get returns a value of the metadata.
func (m Metadata) Get(key any) any { return m.values[key] }

// NewMetadata returns metadata holding one request ID.
func NewMetadata(id string) Metadata { return Metadata{values: map[any]any{"id": id}} }

// Instance is one instance of an output, with metadata of its own.
type Instance struct {
	ID             string
	ResultMetadata Metadata
}

// RunInstancesOutput stands for ec2.RunInstancesOutput.
type RunInstancesOutput struct {
	Instances      []Instance
	ResultMetadata Metadata
	// Raw is omitted by one method only.
	Raw *string
}

// EC2 records results without ResultMetadata, and RunInstances also
// without Raw.
//
//resil:omit ResultMetadata
type EC2 interface {
	//resil:idempotent
	//resil:omit Raw
	RunInstances(ctx context.Context, name string) (*RunInstancesOutput, error)
	//resil:checkpoint
	Describe(ctx context.Context, id string) (RunInstancesOutput, error)
}
