package main

//go:generate go run github.com/resilgen/resilgen/cmd/resilgen

import (
	"context"
	"time"
)

// PodRef names a pod. Its String form, "namespace/name", is the idempotency
// key of RestartPod.
type PodRef struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
}

// String returns "namespace/name", as kubectl prints it.
func (p PodRef) String() string { return p.Namespace + "/" + p.Name }

// Pod is what the agent reads of a pod before it acts.
type Pod struct {
	Ref PodRef `json:"ref"`
	// Phase is "Running" or "CrashLoopBackOff".
	Phase string `json:"phase"`
	// LastTermination is why the container last died: "OOMKilled", "Error".
	LastTermination string `json:"lastTermination"`
	// MemoryLimit is the container's memory limit, such as "512Mi".
	MemoryLimit string `json:"memoryLimit"`
	Restarts    int    `json:"restarts"`
}

// Restart is what RestartPod did: the pod it deleted and when. A repeated
// restart inside the idempotency window returns the first one's Restart.
type Restart struct {
	Pod PodRef    `json:"pod"`
	At  time.Time `json:"at"`
}

// Cluster is the slice of the Kubernetes API the remediation agent uses.
//
// All methods share one breaker that trips on a failure rate: when at least
// 40% of the calls of the last two minutes failed even after their
// retries, once at least 11 ended, it opens for 60s, and the agent stops
// adding load to a control plane that is trying to recover. A rate, not a
// count: 5 failures among 11 calls say the API server is down, 5 among
// 10,000 do not. Every call is retried first, 3 tries with 2^n-second
// backoff and full jitter, so that a network hiccup never counts against
// the breaker. When the API server says when to come back (a 429 with
// Retry-After, see clientDelay), the retry waits at least that long.
//
//resil:breaker rate=40 min=11 timeout=60s
//resil:retry attempts=3 base=1s max=8s jitter=full after=clientDelay
type Cluster interface {
	// GetPod reads a pod's status. Reads are safe to retry as they are.
	//
	//resil:readonly
	GetPod(ctx context.Context, ref PodRef) (Pod, error)

	// SetMemoryLimit sets the pod's memory limit to an absolute value such
	// as "1Gi", never "512Mi more": setting one value twice is one effect.
	// The key is the default, a hash of pod and limit, so the same limit is
	// answered from its record and a different one goes through.
	//
	//resil:idempotent
	SetMemoryLimit(ctx context.Context, pod PodRef, limit string) error

	// RestartPod deletes the pod so that its controller recreates it. A pod
	// restarted in the last 10 minutes is not restarted again: an alert that
	// repeats before the new pod had time to start gets the first restart.
	//
	//resil:idempotent key=pod ttl=10m
	RestartPod(ctx context.Context, pod PodRef) (Restart, error)
}
