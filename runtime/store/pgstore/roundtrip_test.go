package pgstore

import (
	"context"
	"net"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/resilgen/resilgen/runtime"
)

// countingConn counts the writes to a server connection. pgx sends the
// messages of one exchange (Bind, Execute, Sync) in one write and then
// waits for the answer, so writes count round trips.
type countingConn struct {
	net.Conn
	writes *atomic.Int64
}

func (c countingConn) Write(b []byte) (int, error) {
	c.writes.Add(1)
	return c.Conn.Write(b)
}

// countingPool returns a pool of one connection whose writes are counted.
func countingPool(t *testing.T) (*pgxpool.Pool, *atomic.Int64) {
	t.Helper()
	testPool(t) // skips when there is no server
	cfg, err := pgxpool.ParseConfig(os.Getenv(envDSN))
	if err != nil {
		t.Fatal(err)
	}
	cfg.MaxConns = 1
	writes := new(atomic.Int64)
	var d net.Dialer
	cfg.ConnConfig.DialFunc = func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return countingConn{conn, writes}, nil
	}
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool, writes
}

// TestOneRoundTripEach: once its statements are prepared on a connection,
// each operation of the store is one round trip to the server, so each of
// a miss's two commits (the claim, the result) costs one: no BEGIN and
// COMMIT of their own, no SELECT before a write.
func TestOneRoundTripEach(t *testing.T) {
	ctx := context.Background()
	pool, writes := countingPool(t)
	s := newTestStore(t, pool, WithPurgeInterval(0))
	now := storeNow()
	ops := []struct {
		name string
		run  func(key string) error
	}{
		{"Claim (miss)", func(key string) error {
			_, claimed, err := s.Claim(ctx, key, "fp", "A", now, now.Add(time.Minute))
			if err == nil && !claimed {
				t.Fatalf("Claim(%q) was not a miss", key)
			}
			return err
		}},
		{"Renew", func(key string) error { return s.Renew(ctx, key, "A", now.Add(2*time.Minute)) }},
		{"Complete", func(key string) error { return s.Complete(ctx, key, "A", []byte("r"), now.Add(time.Hour)) }},
		{"Claim (hit)", func(key string) error {
			_, claimed, err := s.Claim(ctx, key, "fp", "B", now, now.Add(time.Minute))
			if err == nil && claimed {
				t.Fatalf("Claim(%q) was not a hit", key)
			}
			return err
		}},
		{"Append", func(key string) error {
			_, err := s.Append(ctx, key, runtime.JournalEntry{Seq: 0, Name: "n", Owner: "A", Result: []byte("r")})
			return err
		}},
		{"Journal", func(key string) error { _, err := s.Journal(ctx, key); return err }},
	}
	// The first round prepares each statement on the connection.
	for _, op := range ops {
		if err := op.run("warm-up"); err != nil {
			t.Fatalf("%s: %v", op.name, err)
		}
	}
	for _, op := range ops {
		before := writes.Load()
		if err := op.run("measured"); err != nil {
			t.Fatalf("%s: %v", op.name, err)
		}
		if n := writes.Load() - before; n != 1 {
			t.Errorf("%s took %d round trips; want 1", op.name, n)
		}
	}
}
