package wf

import (
	"context"
	"testing"

	"github.com/resilgen/resilgen/runtime"
)

// steps counts the calls that reached it.
type steps struct{ charges, ships, quotes int }

func (s *steps) Charge(ctx context.Context, order string, cents int64) (string, error) {
	s.charges++
	return "ch-" + order, nil
}
func (s *steps) Ship(ctx context.Context, order string) (string, error) {
	s.ships++
	return "sh-" + order, nil
}
func (s *steps) Quote(ctx context.Context, order string) (int64, error) {
	s.quotes++
	return 4999, nil
}

// TestStepsReplayFromTheJournal runs the workflow twice on one store: the
// second run replays every step, the warned-about Charge included (the
// warning is about the step in flight at a crash, not about replay).
func TestStepsReplayFromTheJournal(t *testing.T) {
	store := runtime.NewMemoryStore()
	s := &steps{}
	w := NewResilientSteps(s, runtime.WithStore(store))
	var got [2][3]string
	for i := range 2 {
		err := runtime.NewWorkflow(store, "order-7").Run(context.Background(), func(ctx context.Context) error {
			c, err := w.Charge(ctx, "7", 4999)
			if err != nil {
				return err
			}
			sh, err := w.Ship(ctx, "7")
			if err != nil {
				return err
			}
			q, err := w.Quote(ctx, "7")
			got[i] = [3]string{c, sh, string(rune('0' + q%10))}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if s.charges != 1 || s.ships != 1 || s.quotes != 1 {
		t.Fatalf("the dependency got %d charges, %d ships, %d quotes; want each once, the second run replayed", s.charges, s.ships, s.quotes)
	}
	if got[0] != got[1] || got[0][0] != "ch-7" || got[0][1] != "sh-7" {
		t.Fatalf("replayed %v, first run %v", got[1], got[0])
	}
}
