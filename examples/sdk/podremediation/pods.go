package main

//go:generate go run github.com/resilgen/resilgen/cmd/resilgen

import (
	"context"
	"errors"
	"net"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	corev1client "k8s.io/client-go/kubernetes/typed/core/v1"
)

// Pods is the part of client-go's typed PodInterface, for one namespace,
// that the remediation agent calls, in client-go's own signatures:
// clientset.CoreV1().Pods(ns) implements it, on a real cluster or on the
// fake clientset.
//
// All methods share one breaker: when the API server is degraded, five
// calls that failed even after their retries open it for 60s, and the agent
// stops adding load to a control plane that is trying to recover. Only
// server-side trouble counts (see serverFault), and only it is retried
// (see retryable): a pod that is not found is an answer, not an outage.
//
// Idempotency records are keyed by method and arguments, not by namespace:
// give each namespace's wrapper a store of its own (the default, a memory
// store per wrapper, is).
//
//resil:breaker threshold=5 timeout=60s if=serverFault
//resil:retry attempts=3 base=100ms max=2s if=retryable
type Pods interface {
	// Get reads a pod. Reads are retried, never cached.
	//
	//resil:readonly
	Get(ctx context.Context, name string, opts metav1.GetOptions) (*corev1.Pod, error)

	// List lists the pods that opts select.
	//
	//resil:readonly
	List(ctx context.Context, opts metav1.ListOptions) (*corev1.PodList, error)

	// Patch patches a pod, or one of its subresources ("resize" to change
	// its resources in place). The agent sends absolute values ("memory:
	// 512Mi", never "512Mi more"), so the same patch twice is one effect:
	// it is answered from its record, keyed by all its arguments.
	//
	//resil:idempotent
	Patch(ctx context.Context, name string, pt types.PatchType, data []byte, opts metav1.PatchOptions, subresources ...string) (*corev1.Pod, error)

	// Delete deletes a pod so that its controller recreates it. An alert
	// repeated within 10 minutes, before the new pod had time to start,
	// gets the first deletion's answer instead of deleting the new pod or
	// failing with NotFound.
	//
	//resil:idempotent ttl=10m
	Delete(ctx context.Context, name string, opts metav1.DeleteOptions) error
}

// Pods is client-go's own.
var _ Pods = corev1client.PodInterface(nil)

// retryable reports whether err is worth another attempt: the API server
// throttling, timing out or unavailable, or the network failing. A refusal
// (not found, conflict, invalid, forbidden) is final.
func retryable(err error) bool {
	var ne net.Error
	return serverFault(err) || apierrors.IsTooManyRequests(err) || errors.As(err, &ne)
}

// serverFault reports whether err says the API server is in trouble, which
// is what the breaker counts.
func serverFault(err error) bool {
	return apierrors.IsServiceUnavailable(err) || apierrors.IsInternalError(err) ||
		apierrors.IsServerTimeout(err) || apierrors.IsTimeout(err) || apierrors.IsUnexpectedServerError(err)
}
