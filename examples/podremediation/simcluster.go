package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sort"
	"sync"
	"syscall"
	"time"

	"github.com/resilgen/resilgen/runtime"
)

// simCluster is a Kubernetes API server in memory, with the two kinds of
// trouble a remediation agent meets: a connection reset now and then, and a
// control plane that answers 503 to everything for a while (etcd lost its
// leader, the apiserver is overloaded). The scenario turns them on and off,
// so every run of the program is the same story.
//
// It counts every request that reached it, so the program can show that a
// rejected call never did.
type simCluster struct {
	clock runtime.Clock

	mu   sync.Mutex
	pods map[PodRef]*simPod
	// requests is the number of requests the server received.
	requests int
	// resets is the number of upcoming requests whose connection is reset.
	resets int
	// down makes every request fail with 503 Service Unavailable.
	down bool
	// throttled is the number of upcoming requests answered 429 Too Many
	// Requests with a Retry-After of throttleFor.
	throttled   int
	throttleFor int
}

// newSimCluster returns a cluster holding pods.
func newSimCluster(clock runtime.Clock, pods ...Pod) *simCluster {
	c := &simCluster{clock: clock, pods: make(map[PodRef]*simPod, len(pods))}
	for _, p := range pods {
		c.pods[p.Ref] = &simPod{Pod: p}
	}
	return c
}

// simPod is a pod as the server keeps it.
type simPod struct {
	Pod
	// restartedAt is when the pod was last deleted; its replacement is
	// ContainerCreating for startupTime after that.
	restartedAt time.Time
}

// startupTime is how long a restarted pod takes to be Running again: long
// enough that the repeated alert, which waits out a 5s Retry-After first,
// still finds the pod starting however slowly the machine runs the story.
const startupTime = 90 * time.Second

// statusError is the API server's error answer, like apimachinery's
// StatusError.
type statusError struct {
	Code   int
	Reason string
	Msg    string
	// RetryAfterSeconds is the server's hint of when to try again, as
	// StatusDetails.RetryAfterSeconds carries it; 0: none.
	RetryAfterSeconds int
}

// clientDelay reads the API server's hint of when to try again, as
// client-go's apierrors.SuggestsClientDelay does: a 429 Too Many Requests
// (API Priority and Fairness shedding load) or a 5xx that carries
// RetryAfterSeconds. //resil:retry after=clientDelay on Cluster makes the
// retry wait at least that long.
func clientDelay(err error) (time.Duration, bool) {
	var se *statusError
	if errors.As(err, &se) && se.RetryAfterSeconds > 0 && (se.Code == 429 || se.Code >= 500) {
		return time.Duration(se.RetryAfterSeconds) * time.Second, true
	}
	return 0, false
}

func (e *statusError) Error() string { return fmt.Sprintf("%s (%d %s)", e.Msg, e.Code, e.Reason) }

// ErrorType names the error for OpenTelemetry's error.type attribute by its
// reason, such as "ServiceUnavailable", rather than by its Go type: that is
// what a dashboard of API server failures wants to group by.
func (e *statusError) ErrorType() string { return e.Reason }

// errNotFound is the answer for a pod that does not exist. Retrying it would
// not help, so the cluster marks it permanent.
var errNotFound = errors.New("not found")

// request admits one request to the server, or fails it the way the
// scenario asks. It is called with c.mu held.
func (c *simCluster) request(verb, path string) error {
	c.requests++
	if c.resets > 0 {
		c.resets--
		// What net/http returns when a load balancer drops the connection.
		return fmt.Errorf("%s https://10.96.0.1:443%s: %w", verb, path,
			&net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET})
	}
	if c.down {
		return &statusError{Code: 503, Reason: "ServiceUnavailable", Msg: "the server is currently unable to handle the request"}
	}
	if c.throttled > 0 {
		c.throttled--
		return &statusError{Code: 429, Reason: "TooManyRequests", Msg: "Too many requests, please try again later.", RetryAfterSeconds: c.throttleFor}
	}
	return nil
}

func podPath(ref PodRef) string {
	return "/api/v1/namespaces/" + ref.Namespace + "/pods/" + ref.Name
}

// GetPod implements Cluster.
func (c *simCluster) GetPod(ctx context.Context, ref PodRef) (Pod, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.request("GET", podPath(ref)); err != nil {
		return Pod{}, err
	}
	p, ok := c.pods[ref]
	if !ok {
		return Pod{}, runtime.Permanent(fmt.Errorf("pod %s: %w", ref, errNotFound))
	}
	pod := *p
	if !p.restartedAt.IsZero() && c.clock.Now().Sub(p.restartedAt) < startupTime {
		pod.Phase = "ContainerCreating"
	}
	return pod.Pod, nil
}

// SetMemoryLimit implements Cluster.
func (c *simCluster) SetMemoryLimit(ctx context.Context, ref PodRef, limit string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.request("PATCH", podPath(ref)); err != nil {
		return err
	}
	p, ok := c.pods[ref]
	if !ok {
		return runtime.Permanent(fmt.Errorf("pod %s: %w", ref, errNotFound))
	}
	p.MemoryLimit = limit
	return nil
}

// RestartPod implements Cluster: the pod's controller replaces it at once,
// and the new pod is running.
func (c *simCluster) RestartPod(ctx context.Context, ref PodRef) (Restart, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.request("DELETE", podPath(ref)); err != nil {
		return Restart{}, err
	}
	p, ok := c.pods[ref]
	if !ok {
		return Restart{}, runtime.Permanent(fmt.Errorf("pod %s: %w", ref, errNotFound))
	}
	now := c.clock.Now()
	p.Phase, p.LastTermination, p.restartedAt = "Running", "", now
	p.Restarts++
	return Restart{Pod: ref, At: now}, nil
}

// resetNext makes the next n requests fail with a connection reset.
func (c *simCluster) resetNext(n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.resets = n
}

// throttleNext makes the next n requests fail with 429 Too Many Requests
// and a Retry-After of seconds, as API Priority and Fairness does when the
// agent's priority level is full.
func (c *simCluster) throttleNext(n, seconds int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.throttled, c.throttleFor = n, seconds
}

// setDown makes the control plane fail (true) or answer again (false).
func (c *simCluster) setDown(down bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.down = down
}

// Requests returns how many requests reached the server.
func (c *simCluster) Requests() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.requests
}

// restarts returns how often each pod was restarted, by "namespace/name".
func (c *simCluster) restarts() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for ref, p := range c.pods {
		out = append(out, fmt.Sprintf("%s restarted %dx, memory limit %s", ref, p.Restarts, p.MemoryLimit))
	}
	sort.Strings(out)
	return out
}
