package agent

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/resilgen/resilgen/runtime"
	"github.com/resilgen/resilgen/runtime/clocktest"
)

// infra fails each method's first call, and counts calls.
type infra struct{ calls map[string]int }

var errBlip = errors.New("blip")

func (f *infra) call(name, v string) (string, error) {
	f.calls[name]++
	if f.calls[name] == 1 {
		return "", errBlip
	}
	return v, nil
}
func (f *infra) Describe(ctx context.Context, id string) (string, error) {
	return f.call("Describe", "d-"+id)
}
func (f *infra) Create(ctx context.Context, name string) (string, error) {
	return f.call("Create", "c-"+name)
}
func (f *infra) Lookup(ctx context.Context, name string) (string, error) {
	return f.call("Lookup", "l-"+name)
}
func (f *infra) Close() error { f.calls["Close"]++; return nil }

// TestEveryMethodIsRetriedAndStepsAreJournaled checks what the annotations
// promise: each method's blip is retried; Create and Lookup are journaled
// and replay; Create is idempotent by name; Close passes through.
func TestEveryMethodIsRetriedAndStepsAreJournaled(t *testing.T) {
	clk := clocktest.New(time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC))
	store := runtime.NewMemoryStore()
	f := &infra{calls: map[string]int{}}
	w := NewResilientInfra(f, runtime.WithClock(clk), runtime.WithStore(store))
	ctx := context.Background()
	for range 2 {
		_, err := clocktest.Drive(t, clk, func() error {
			return runtime.NewWorkflow(store, "wf").Run(ctx, func(ctx context.Context) error {
				if v, err := w.Describe(ctx, "i-1"); err != nil || v != "d-i-1" {
					return errors.Join(err, errors.New("Describe = "+v))
				}
				if v, err := w.Create(ctx, "db"); err != nil || v != "c-db" {
					return errors.Join(err, errors.New("Create = "+v))
				}
				if v, err := w.Lookup(ctx, "db"); err != nil || v != "l-db" {
					return errors.Join(err, errors.New("Lookup = "+v))
				}
				return nil
			})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	// Describe is called on both runs (a read, not journaled); the steps
	// only on the first, each after one retry.
	if f.calls["Describe"] != 3 || f.calls["Create"] != 2 || f.calls["Lookup"] != 2 {
		t.Fatalf("calls = %v; want Describe 3 (a blip, then one per run), Create 2, Lookup 2", f.calls)
	}
	if err := w.Close(); err != nil || f.calls["Close"] != 1 {
		t.Fatalf("Close = %v after %d calls", err, f.calls["Close"])
	}
}
