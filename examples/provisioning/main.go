// Command provisioning is the chapter's Scenario 2: it provisions an
// environment, VPC -> subnet -> instance -> database, as a workflow whose
// steps are journaled in an embedded bbolt store. Kill it at any point and
// run it again: it replays the steps that finished, runs the rest, and the
// simulated cloud (a JSON file beside the store) never creates anything
// twice.
//
//	go run ./examples/provisioning                  provision, or resume
//	go run ./examples/provisioning -crash-at=3      die inside step 3
//	go run ./examples/provisioning -reset           start over
//
// -crash-at=N kills the process with SIGKILL inside step N, after the cloud
// created the resource and before the step returned: the worst moment, as
// neither the journal nor the idempotency record knows the resource exists.
// The next run re-runs that step, and the create finds the resource by
// name instead of making another.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/resilgen/resilgen/runtime"
	"github.com/resilgen/resilgen/runtime/store/boltstore"
)

func main() {
	err := run(context.Background(), os.Args[1:], os.Stdout)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "provisioning:", err)
		os.Exit(1)
	}
}

// steps are the workflow's steps in order, by the kind of resource each
// creates; -crash-at counts in this order, from 1.
var steps = [...]string{"vpc", "subnet", "instance", "database"}

// config is what the flags say.
type config struct {
	db       string
	name     string
	workflow string
	reset    bool
	crashAt  int
}

func parseFlags(args []string, out io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("provisioning", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.StringVar(&c.db, "db", filepath.Join(os.TempDir(), "resilgen-provisioning", "provisioning.db"),
		"the bbolt file that journals the workflow; the simulated cloud's state is kept beside it")
	fs.StringVar(&c.name, "name", "staging", "the environment to provision; resources are named after it")
	fs.StringVar(&c.workflow, "workflow", "", "the workflow id (default provision-NAME)")
	fs.BoolVar(&c.reset, "reset", false, "delete the journal and the simulated cloud first, and start over")
	fs.IntVar(&c.crashAt, "crash-at", 0, "kill the process inside step `N` (1-4), after the cloud created the resource")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if c.crashAt < 0 || c.crashAt > len(steps) {
		return c, fmt.Errorf("-crash-at=%d: want a step from 1 to %d (0: no crash)", c.crashAt, len(steps))
	}
	if c.workflow == "" {
		c.workflow = "provision-" + c.name
	}
	return c, nil
}

// cloudPath is the simulated cloud's state file, beside the journal.
func cloudPath(db string) string {
	return strings.TrimSuffix(db, filepath.Ext(db)) + ".cloud.json"
}

// run provisions the environment the flags name, writing what happens to
// out.
func run(ctx context.Context, args []string, out io.Writer) error {
	cfg, err := parseFlags(args, out)
	if err != nil {
		return err
	}
	if cfg.reset {
		for _, p := range []string{cfg.db, cloudPath(cfg.db)} {
			if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("reset: %w", err)
			}
		}
		fmt.Fprintf(out, "reset: deleted the journal and the simulated cloud\n")
	}
	if err := os.MkdirAll(filepath.Dir(cfg.db), 0o755); err != nil {
		return fmt.Errorf("making the store's directory: %w", err)
	}
	store, err := boltstore.Open(cfg.db)
	if err != nil {
		return err
	}
	defer store.Close()

	cloud := newSimCloud(cloudPath(cfg.db), out)
	if cfg.crashAt > 0 {
		cloud.afterCreate = func(kind string) {
			if kind == steps[cfg.crashAt-1] {
				fmt.Fprintf(out, "    crash: killed inside step %d, after the cloud created the %s\n", cfg.crashAt, kind)
				kill()
			}
		}
	}
	log := &stepLog{out: out}
	// The wrapper records idempotent results in the same store as the
	// journal, so both survive a crash.
	client := NewResilientCloud(cloud, runtime.WithStore(store), runtime.WithObserver(log))
	wf := runtime.NewWorkflow(store, cfg.workflow, runtime.WithObserver(log))

	fmt.Fprintf(out, "workflow %s, journal %s\n", wf.ID(), cfg.db)
	var env environment
	err = wf.Run(ctx, func(ctx context.Context) error {
		return provision(ctx, client, cfg.name, &env)
	})
	if err != nil {
		return fmt.Errorf("workflow %s: %w", wf.ID(), err)
	}
	replayed, ran := log.counts()
	fmt.Fprintf(out, "provisioned %s: replayed %d of %d steps from the journal, ran %d\n", cfg.name, replayed, len(steps), ran)
	fmt.Fprintf(out, "  instance %s (%s) in subnet %s of %s; database at %s\n",
		env.instance.ID, env.instance.PrivateIP, env.subnet.ID, env.vpc.ID, env.database.Endpoint)
	if ran == 0 {
		fmt.Fprintf(out, "nothing left to do: run with -reset to start over\n")
	}
	return nil
}

// environment is what the workflow made.
type environment struct {
	vpc      VPC
	subnet   Subnet
	instance Instance
	database Database
}

// provision is the workflow's body. Its steps are the checkpointed calls to
// cloud; each takes what the step before returned, from the cloud or, on a
// resumed run, from the journal. It must call them in the same order on
// every run: a step is matched with the journal by its position and name.
func provision(ctx context.Context, cloud Cloud, name string, env *environment) error {
	var err error
	env.vpc, err = cloud.CreateVPC(ctx, VPCSpec{Name: name + "-vpc", CIDR: "10.0.0.0/16"})
	if err != nil {
		return fmt.Errorf("creating the VPC: %w", err)
	}
	env.subnet, err = cloud.CreateSubnet(ctx, SubnetSpec{Name: name + "-subnet-a", VPCID: env.vpc.ID, CIDR: "10.0.1.0/24", Zone: "eu-west-1a"})
	if err != nil {
		return fmt.Errorf("creating the subnet in %s: %w", env.vpc.ID, err)
	}
	env.instance, err = cloud.CreateInstance(ctx, InstanceSpec{Name: name + "-app-1", SubnetID: env.subnet.ID, Type: "m7g.large", Image: "ami-0c1a7f89451184c8b"})
	if err != nil {
		return fmt.Errorf("creating the instance in %s: %w", env.subnet.ID, err)
	}
	env.database, err = cloud.CreateDatabase(ctx, DatabaseSpec{Name: name + "-db", SubnetID: env.subnet.ID, Engine: "postgres16", Class: "db.r7g.large"})
	if err != nil {
		return fmt.Errorf("creating the database in %s: %w", env.subnet.ID, err)
	}
	return nil
}

// stepLog prints, for each step, whether it was replayed from the journal or
// ran, and the retries and idempotent hits on the way.
type stepLog struct {
	out io.Writer

	mu            sync.Mutex
	replayed, ran int
}

// Observe implements runtime.Observer.
func (l *stepLog) Observe(ctx context.Context, e runtime.Event) {
	switch e.Kind {
	case runtime.EventStepReplayed:
		l.mu.Lock()
		l.replayed++
		l.mu.Unlock()
		fmt.Fprintf(l.out, "step %d %-14s replayed from the journal: no call to the cloud\n", e.Seq+1, e.Step)
	case runtime.EventStepRecorded:
		l.mu.Lock()
		l.ran++
		l.mu.Unlock()
		fmt.Fprintf(l.out, "step %d %-14s ran and was journaled\n", e.Seq+1, e.Step)
	case runtime.EventRetry:
		fmt.Fprintf(l.out, "    retry: %s.%s attempt %d failed: %v\n", e.Interface, e.Method, e.Attempt, e.Err)
	case runtime.EventIdempotentHit:
		fmt.Fprintf(l.out, "    %s.%s answered from its idempotency record: no call to the cloud\n", e.Interface, e.Method)
	case runtime.EventStateChange:
		fmt.Fprintf(l.out, "    breaker %s: %v -> %v\n", e.Breaker, e.From, e.To)
	}
}

func (l *stepLog) counts() (replayed, ran int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.replayed, l.ran
}

// kill ends the process at once with SIGKILL, as the OOM killer or a node
// failure would: no deferred function runs, no file is closed, nothing is
// flushed. os.Exit would run no defers either, but a signal is the honest
// stand-in for a crash.
func kill() {
	if p, err := os.FindProcess(os.Getpid()); err == nil {
		_ = p.Kill()
	}
	// Kill delivers the signal asynchronously; do not go on meanwhile.
	select {}
}
