package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"
)

// simCloud is a cloud provider that keeps its resources in a JSON file, so
// that they outlive the process as real ones would: after a crash and a
// restart the provisioner finds what it made before, and a test can count
// how often each resource was created.
//
// Like a real provider's API with client tokens, a create for a name that
// exists returns the existing resource instead of making a second one. Its
// two kinds of trouble are the ones a provisioner meets: the compute API
// not yet knowing a subnet that was created a moment ago, and a response
// lost after the request was carried out.
type simCloud struct {
	path string
	out  io.Writer
	// afterCreate, when set, is called after a resource was created and
	// saved, before the create returns: the program's crash injection.
	afterCreate func(kind string)

	mu sync.Mutex
	// failed records which kinds of trouble this process has met already,
	// so that each happens once per process.
	failed map[string]bool
}

// cloudState is the content of the cloud's JSON file.
type cloudState struct {
	// Resources holds each resource by name.
	Resources map[string]*resource `json:"resources"`
	// Creations lists every creation in order, as "kind name id": a name
	// that appears twice would be infrastructure paid for twice.
	Creations []string `json:"creations"`
}

// resource is one resource the cloud made.
type resource struct {
	Kind    string          `json:"kind"`
	ID      string          `json:"id"`
	Created time.Time       `json:"created"`
	Value   json.RawMessage `json:"value"`
	// Requests counts the create requests that named this resource, the
	// one that made it included.
	Requests int `json:"requests"`
}

// newSimCloud returns a cloud whose state lives in the JSON file at path.
func newSimCloud(path string, out io.Writer) *simCloud {
	return &simCloud{path: path, out: out, failed: map[string]bool{}}
}

// errSubnetNotFound is the compute API answering before it has heard of a
// subnet the network API just created.
var errSubnetNotFound = errors.New("InvalidSubnetID.NotFound")

// create is the provider's create-or-return-existing: it makes a resource of
// kind named name with build, unless one of that name exists.
func create[T any](c *simCloud, kind, name, prefix string, build func(id string) T) (T, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var zero, v T
	st, err := c.load()
	if err != nil {
		return zero, err
	}
	if r, ok := st.Resources[name]; ok {
		r.Requests++
		if err := c.save(st); err != nil {
			return zero, err
		}
		if err := json.Unmarshal(r.Value, &v); err != nil {
			return zero, fmt.Errorf("cloud: decoding %s %s: %w", kind, name, err)
		}
		fmt.Fprintf(c.out, "    cloud: %s %s exists already (%s): returning it\n", kind, name, r.ID)
		return v, nil
	}
	id := prefix + "-" + randomHex(4)
	v = build(id)
	raw, err := json.Marshal(v)
	if err != nil {
		return zero, fmt.Errorf("cloud: encoding %s %s: %w", kind, name, err)
	}
	st.Resources[name] = &resource{Kind: kind, ID: id, Created: time.Now().UTC(), Value: raw, Requests: 1}
	st.Creations = append(st.Creations, kind+" "+name+" "+id)
	if err := c.save(st); err != nil {
		return zero, err
	}
	fmt.Fprintf(c.out, "    cloud: created %s %s (%s)\n", kind, name, id)
	if c.afterCreate != nil {
		c.afterCreate(kind)
	}
	return v, nil
}

// CreateVPC implements Cloud.
func (c *simCloud) CreateVPC(ctx context.Context, spec VPCSpec) (VPC, error) {
	return create(c, "vpc", spec.Name, "vpc", func(id string) VPC {
		return VPC{ID: id, Name: spec.Name, CIDR: spec.CIDR}
	})
}

// CreateSubnet implements Cloud.
func (c *simCloud) CreateSubnet(ctx context.Context, spec SubnetSpec) (Subnet, error) {
	return create(c, "subnet", spec.Name, "subnet", func(id string) Subnet {
		return Subnet{ID: id, Name: spec.Name, VPCID: spec.VPCID, CIDR: spec.CIDR}
	})
}

// CreateInstance implements Cloud. Its first request in a process finds the
// subnet not yet known to the compute API, as EC2 does now and then right
// after the subnet was made.
func (c *simCloud) CreateInstance(ctx context.Context, spec InstanceSpec) (Instance, error) {
	if c.firstTime("instance") {
		return Instance{}, fmt.Errorf("cloud: create instance %s: %w: the subnet ID %q does not exist", spec.Name, errSubnetNotFound, spec.SubnetID)
	}
	return create(c, "instance", spec.Name, "i", func(id string) Instance {
		return Instance{ID: id, Name: spec.Name, PrivateIP: fmt.Sprintf("10.0.1.%d", 10+int(id[len(id)-1])%200)}
	})
}

// CreateDatabase implements Cloud. Its first request in a process creates
// the database and then loses the response (a connection reset on the way
// back): the retry must find the database, not make a second one.
func (c *simCloud) CreateDatabase(ctx context.Context, spec DatabaseSpec) (Database, error) {
	db, err := create(c, "database", spec.Name, "db", func(id string) Database {
		return Database{ID: id, Name: spec.Name, Endpoint: spec.Name + ".cluster-" + id[3:] + ".db.internal:5432"}
	})
	if err == nil && c.firstTime("database") {
		return Database{}, fmt.Errorf("cloud: create database %s: reading the response: %w",
			spec.Name, &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET})
	}
	return db, err
}

// firstTime reports whether trouble of kind has not happened yet in this
// process, and marks it as happened.
func (c *simCloud) firstTime(kind string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.failed[kind] {
		return false
	}
	c.failed[kind] = true
	return true
}

// load reads the cloud's state; a missing file is an empty cloud.
func (c *simCloud) load() (*cloudState, error) {
	st := &cloudState{Resources: map[string]*resource{}}
	data, err := os.ReadFile(c.path)
	if errors.Is(err, os.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return nil, fmt.Errorf("cloud: reading its state: %w", err)
	}
	if err := json.Unmarshal(data, st); err != nil {
		return nil, fmt.Errorf("cloud: decoding its state %s: %w", c.path, err)
	}
	return st, nil
}

// save writes the cloud's state to a temporary file and renames it over the
// old one, so that a process killed at any moment leaves the old state or
// the new one, never half a file.
func (c *simCloud) save(st *cloudState) error {
	data, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return fmt.Errorf("cloud: encoding its state: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(c.path), filepath.Base(c.path)+".*")
	if err != nil {
		return fmt.Errorf("cloud: saving its state: %w", err)
	}
	defer os.Remove(tmp.Name()) // after a successful rename, a no-op
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("cloud: saving its state to %s: %w", tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("cloud: saving its state to %s: %w", tmp.Name(), err)
	}
	if err := os.Rename(tmp.Name(), c.path); err != nil {
		return fmt.Errorf("cloud: saving its state: %w", err)
	}
	return nil
}

// randomHex returns n random bytes in hex, for resource IDs.
func randomHex(n int) string {
	b := make([]byte, n)
	// crypto/rand.Read never fails (Go 1.24+): it panics instead.
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
