package wf

import (
	"context"
	"errors"
	"testing"

	"github.com/resilgen/resilgen/runtime"
)

type counting struct{ opens, pages int }

func (c *counting) Open(ctx context.Context, title string) (Incident, error) {
	c.opens++
	return Incident{ID: "INC-1", Notes: []string{title}}, nil
}

func (c *counting) Page(ctx context.Context, id string) error {
	c.pages++
	if c.pages == 1 {
		return errors.New("pager down")
	}
	return nil
}

func (c *counting) Close(ctx context.Context, id string) error { return nil }

func TestCheckpointReplays(t *testing.T) {
	store := runtime.NewMemoryStore()
	c := &counting{}
	s := NewResilientSteps(c)
	body := func(ctx context.Context) error {
		inc, err := s.Open(ctx, "db down")
		if err != nil {
			return err
		}
		if inc.ID != "INC-1" || len(inc.Notes) != 1 || inc.Notes[0] != "db down" {
			t.Errorf("Open = %+v, want the recorded incident", inc)
		}
		return s.Page(ctx, inc.ID)
	}
	ctx := context.Background()
	if err := runtime.NewWorkflow(store, "incident-1").Run(ctx, body); err == nil {
		t.Fatal("first run: want the pager's error")
	}
	if err := runtime.NewWorkflow(store, "incident-1").Run(ctx, body); err != nil {
		t.Fatalf("resumed run: %v", err)
	}
	if c.opens != 1 || c.pages != 2 {
		t.Fatalf("opens, pages = %d, %d; want 1, 2: the resumed run replays Open", c.opens, c.pages)
	}
	if err := runtime.NewWorkflow(store, "incident-1").Run(ctx, body); err != nil || c.opens != 1 || c.pages != 2 {
		t.Fatalf("finished run again: err %v, opens %d, pages %d; want everything replayed", err, c.opens, c.pages)
	}
}
