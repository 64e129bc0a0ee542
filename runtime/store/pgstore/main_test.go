package pgstore

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/resilgen/resilgen/runtime"
	"github.com/resilgen/resilgen/runtime/store/internal/crashtest"
)

// TestMain lets the test binary re-execute itself as the child process of
// the crash tests. The child's store location is "prefix dsn".
func TestMain(m *testing.M) {
	if crashtest.IsChild() {
		crashtest.ChildMain(func(ctx context.Context, location string) (runtime.Store, func() error, error) {
			prefix, dsn, ok := strings.Cut(location, " ")
			if !ok {
				return nil, nil, fmt.Errorf("bad store location %q", location)
			}
			pool, err := pgxpool.New(ctx, dsn)
			if err != nil {
				return nil, nil, err
			}
			s, err := New(ctx, pool, WithTablePrefix(prefix))
			if err != nil {
				pool.Close()
				return nil, nil, err
			}
			return s, func() error { s.Close(); pool.Close(); return nil }, nil
		})
	}
	os.Exit(m.Run())
}

// storeNow is a time for tests that do not drive time, at PostgreSQL's
// precision.
func storeNow() time.Time { return time.Now().Truncate(time.Microsecond) }
