package files

import (
	"context"
	"testing"
)

// fs counts reads by method and returns the path's contents.
type fs struct{ calls map[string]int }

func (f *fs) Read(ctx context.Context, path string) ([]byte, error) {
	f.calls["Read"]++
	if _, ok := ctx.Deadline(); !ok {
		return nil, context.DeadlineExceeded // the 2s attempt timeout is missing
	}
	return []byte("read " + path), nil
}
func (f *fs) Stat(ctx context.Context, path string) (int64, error) {
	f.calls["Stat"]++
	return int64(len(path)), nil
}
func (f *fs) Cached(ctx context.Context, path string) ([]byte, error) {
	f.calls["Cached"]++
	return []byte("cached " + path), nil
}

// TestReadsAreCachedByPath checks the wrapper of the warned-about client:
// Read (idempotent by path, with a timeout) and Cached are answered from
// their records the second time; Stat is called each time.
func TestReadsAreCachedByPath(t *testing.T) {
	f := &fs{calls: map[string]int{}}
	w := NewResilientFiles(f)
	ctx := context.Background()
	for range 2 {
		if b, err := w.Read(ctx, "/etc/app.yaml"); err != nil || string(b) != "read /etc/app.yaml" {
			t.Fatalf("Read = %q, %v", b, err)
		}
		if b, err := w.Cached(ctx, "/etc/app.yaml"); err != nil || string(b) != "cached /etc/app.yaml" {
			t.Fatalf("Cached = %q, %v", b, err)
		}
		if n, err := w.Stat(ctx, "/etc/app.yaml"); err != nil || n != 13 {
			t.Fatalf("Stat = %d, %v", n, err)
		}
	}
	if f.calls["Read"] != 1 || f.calls["Cached"] != 1 || f.calls["Stat"] != 2 {
		t.Fatalf("calls = %v; want Read 1, Cached 1 (recorded), Stat 2", f.calls)
	}
}
