package runtime

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"math"
	"strings"
	"testing"
)

// TestFingerprintIsTheHashOfMarshal holds fingerprint to what earlier
// versions stored: the hex sha256 of json.Marshal of the arguments, for
// arguments that escape (HTML, unicode), that are large (past the pooled
// buffer's cap), and that cannot be encoded.
func TestFingerprintIsTheHashOfMarshal(t *testing.T) {
	type req struct {
		Account string
		Amount  int
		Tags    map[string]string
	}
	for _, args := range [][]any{
		nil,
		{},
		{"acct", 100},
		{"<script>&\u2028é😀", 1.5, nil, true},
		{req{Account: "a", Amount: 2, Tags: map[string]string{"b": "1", "a": "2"}}, []int{1, 2}},
		{strings.Repeat("x", 2*maxPooledFingerprint)},
		{"after the large one"},
	} {
		b, err := json.Marshal(args)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(b)
		want := hex.EncodeToString(sum[:])
		got, err := fingerprint(args)
		if err != nil || got != want {
			t.Fatalf("fingerprint(%.40v) = %q, %v; want %q", args, got, err, want)
		}
	}
	if _, err := fingerprint([]any{math.NaN()}); err == nil {
		t.Fatal("fingerprint of NaN: no error")
	}
	if got, err := fingerprint([]any{"acct", 100}); err != nil || len(got) != 64 {
		t.Fatalf("fingerprint after an error: %q, %v", got, err)
	}
}
