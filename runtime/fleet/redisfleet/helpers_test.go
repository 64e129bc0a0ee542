package redisfleet_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/resilgen/resilgen/runtime"
	"github.com/resilgen/resilgen/runtime/fleet/redisfleet"
)

// redisAddr returns the address of the test Redis (scripts/test.sh starts
// one). Without it the test skips, but fails in CI, which must run it.
func redisAddr(t *testing.T) string {
	t.Helper()
	addr := redisAddrOrEmpty()
	if addr == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("RESILGEN_REDIS_ADDR is not set in CI: run the tests through scripts/test.sh")
		}
		t.Skip("RESILGEN_REDIS_ADDR is not set: run through scripts/test.sh for a throwaway Redis")
	}
	return addr
}

// namespace returns a namespace no other test uses.
func namespace(t *testing.T) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return "t-" + hex.EncodeToString(b[:])
}

// replica is one process of the fleet: its own client, fleet and runtime.
type replica struct {
	fleet   *redisfleet.Fleet
	rt      *runtime.Runtime
	breaker *runtime.Breaker
	method  *runtime.Method
	events  *events
}

// newReplica joins the fleet on addr under ns with a breaker of cfg.
func newReplica(t *testing.T, addr, ns string, cfg runtime.BreakerConfig, fopts []redisfleet.Option, opts ...runtime.Option) *replica {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	t.Cleanup(func() { rdb.Close() })
	f, err := redisfleet.New(rdb, append([]redisfleet.Option{redisfleet.WithNamespace(ns)}, fopts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	ev := &events{}
	rt := runtime.New(append([]runtime.Option{runtime.WithFleet(f), runtime.WithObserver(ev)}, opts...)...)
	b := rt.NewBreaker("Dep", cfg)
	m := rt.NewMethod(runtime.MethodConfig{Interface: "Dep", Name: "Get", Breaker: b})
	return &replica{fleet: f, rt: rt, breaker: b, method: m, events: ev}
}

// events records the fleet events a replica's observer receives.
type events struct {
	mu   sync.Mutex
	list []runtime.Event
}

func (e *events) Observe(_ context.Context, ev runtime.Event) {
	if ev.Kind != runtime.EventFleetFallback && ev.Kind != runtime.EventFleetRejoin && ev.Kind != runtime.EventStateChange {
		return
	}
	if ev.Kind == runtime.EventFleetFallback && os.Getenv("DEBUG_FLEET") != "" {
		fmt.Println("fallback:", ev.Err)
	}
	e.mu.Lock()
	e.list = append(e.list, ev)
	e.mu.Unlock()
}

// count returns how many events of kind were observed.
func (e *events) count(kind runtime.EventKind) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := 0
	for _, ev := range e.list {
		if ev.Kind == kind {
			n++
		}
	}
	return n
}

// first returns the first event of kind, if any.
func (e *events) first(kind runtime.EventKind) (runtime.Event, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, ev := range e.list {
		if ev.Kind == kind {
			return ev, true
		}
	}
	return runtime.Event{}, false
}

// dependency counts the calls that reach it and fails while down.
type dependency struct {
	mu    sync.Mutex
	calls int
	down  bool
}

var errDown = errors.New("dependency down")

func (d *dependency) call(context.Context) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.calls++
	if d.down {
		return errDown
	}
	return nil
}

func (d *dependency) set(down bool) {
	d.mu.Lock()
	d.down = down
	d.mu.Unlock()
}

func (d *dependency) count() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.calls
}

// eventually polls cond every millisecond until it holds or d passes.
func eventually(t *testing.T, d time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > d {
			t.Fatalf("%s: not within %v", what, d)
		}
		time.Sleep(time.Millisecond)
	}
	return time.Since(start)
}

// freePort returns a loopback port nothing listens on now.
func freePort(t *testing.T) int {
	t.Helper()
	p := freePortNoT()
	if p == 0 {
		t.Fatal("no free loopback port")
	}
	return p
}

func freePortNoT() int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func itoa(n int) string { return fmt.Sprint(n) }

// redisServer is a redis-server process a test starts and kills itself.
type redisServer struct {
	cmd  *exec.Cmd
	addr string
}

// startRedis starts redis-server on port (found as scripts/test.sh finds
// it) in a temporary directory, without persistence, and waits until it
// answers. It is killed at the end of the test if still running.
func startRedis(t *testing.T, port int) *redisServer {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("redis-server not found in CI: install Debian's redis-server package")
		}
		t.Skip("redis-server not found: install Debian's redis-server package")
	}
	dir := t.TempDir()
	cmd := exec.Command(bin, "--port", fmt.Sprint(port), "--bind", "127.0.0.1", "--dir", dir,
		"--save", "", "--appendonly", "no", "--logfile", filepath.Join(dir, "server.log"))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &redisServer{cmd: cmd, addr: fmt.Sprintf("127.0.0.1:%d", port)}
	t.Cleanup(s.kill)
	rdb := redis.NewClient(&redis.Options{Addr: s.addr})
	defer rdb.Close()
	eventually(t, 5*time.Second, "redis-server answers on "+s.addr, func() bool {
		return rdb.Ping(context.Background()).Err() == nil
	})
	return s
}

// kill sends SIGKILL and waits for the process to end.
func (s *redisServer) kill() {
	if s.cmd.ProcessState != nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGKILL)
	_ = s.cmd.Wait()
}

// commandsProcessed reads Redis's count of commands processed.
func commandsProcessed(t *testing.T, rdb *redis.Client) int64 {
	t.Helper()
	info, err := rdb.Info(context.Background(), "stats").Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "total_commands_processed:"); ok {
			var n int64
			fmt.Sscan(v, &n)
			return n
		}
	}
	t.Fatal("INFO stats has no total_commands_processed")
	return 0
}

// waitSubscribed waits until n replicas listen on namespace ns's channel: a
// replica learns of state changes pushed after that, and of the others by
// its first sync.
func waitSubscribed(t *testing.T, addr, ns string, n int) {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	defer rdb.Close()
	channel := "resilgen:" + ns + ":fleet"
	eventually(t, 5*time.Second, "replicas subscribed", func() bool {
		subs, err := rdb.PubSubNumSub(context.Background(), channel).Result()
		return err == nil && subs[channel] >= int64(n)
	})
}

func redisAddrOrEmpty() string { return os.Getenv("RESILGEN_REDIS_ADDR") }
