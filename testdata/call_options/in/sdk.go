// Package sdk wraps clients whose methods end in call options, as the AWS
// SDK v2, gRPC and the Anthropic SDK write them.
package sdk

import "context"

// Options stands for ec2.Options, changed by the optFns of a call.
type Options struct{ Region string }

// RunInstancesInput stands for ec2.RunInstancesInput.
type RunInstancesInput struct {
	ImageID     string
	ClientToken *string
}

// RunInstancesOutput stands for ec2.RunInstancesOutput.
type RunInstancesOutput struct{ InstanceID string }

// CallOption stands for grpc.CallOption: a named interface with methods.
type CallOption interface {
	before(*Options) error
}

// HealthCheckRequest stands for a gRPC request message.
type HealthCheckRequest struct{ Service string }

// HealthCheckResponse stands for a gRPC response message.
type HealthCheckResponse struct{ Status int }

// RequestOption stands for option.RequestOption of the Anthropic SDK: a
// named func type.
type RequestOption func(*Options) error

// MessageNewParams stands for anthropic.MessageNewParams.
type MessageNewParams struct{ Prompt string }

// Message stands for anthropic.Message.
type Message struct{ Text string }

// Client has the three SDKs' shapes of call options.
//
//resil:idempotent
type Client interface {
	//resil:idempotent key=params.ClientToken
	RunInstances(ctx context.Context, params *RunInstancesInput, optFns ...func(*Options)) (*RunInstancesOutput, error)
	Check(ctx context.Context, in *HealthCheckRequest, opts ...CallOption) (*HealthCheckResponse, error)
	New(ctx context.Context, body MessageNewParams, opts ...RequestOption) (*Message, error)
	// Stepped is checkpointed too, with its options passed on.
	//
	//resil:checkpoint
	Stepped(ctx context.Context, body MessageNewParams, opts ...RequestOption) (*Message, error)
}
