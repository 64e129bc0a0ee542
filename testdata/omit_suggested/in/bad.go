// Package bad records AWS-shaped outputs without //resil:omit.
package bad

import "context"

// Metadata stands for middleware.Metadata.
type Metadata struct{ values map[string]string }

// Instance has metadata of its own, deeper in.
type Instance struct {
	ID   string
	Meta struct {
		Tags           []string
		ResultMetadata Metadata
	}
}

// Out is an AWS-shaped output.
type Out struct {
	ID             string
	ResultMetadata Metadata
}

// Deep holds the metadata two fields down.
type Deep struct {
	Instances []Instance
}

// A records both.
//
//resil:idempotent
type A interface {
	Get(ctx context.Context, id string) (*Out, error)
	List(ctx context.Context, id string) (Deep, error)
}
