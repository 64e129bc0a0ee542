package d

import (
	"context"
	"testing"
	"time"
)

type clock struct{ left time.Duration }

func (c *clock) Sleep(ctx context.Context, d time.Duration) (time.Time, error) {
	if dl, ok := ctx.Deadline(); ok {
		c.left = time.Until(dl)
	}
	return time.Unix(int64(d/time.Second), 0), nil
}

// TestTimeoutAndDotImportedTypes: the case is about spelling Duration and
// Time through a dot import (compiling proves it); the test also checks
// the directive: each call's ctx carries the 3s deadline, and the results
// pass through.
func TestTimeoutAndDotImportedTypes(t *testing.T) {
	c := &clock{}
	w := NewResilientClock(c)
	at, err := w.Sleep(context.Background(), 2*time.Second)
	if err != nil || !at.Equal(time.Unix(2, 0)) {
		t.Fatalf("Sleep = %v, %v", at, err)
	}
	if c.left > 3*time.Second || c.left < 2*time.Second {
		t.Fatalf("%v left on the call's ctx, want about 3s", c.left)
	}
}
