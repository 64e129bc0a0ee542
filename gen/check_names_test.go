package gen

import "testing"

func TestMayImport(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		from, path string
		ok         bool
	}{
		{"a/b", "a/b/internal/c", true},
		{"a/b/x/y", "a/b/internal/c", true},
		{"a/b/internal/c/d", "a/b/internal/c", true},
		{"a/bb", "a/b/internal/c", false},
		{"a", "a/b/internal/c", false},
		{"a/b", "a/b/internal", true},
		{"a/b/internal/x", "a/b/internal/x/internal/y", true},
		{"a/b", "a/b/internal/x/internal/y", false},
		{"example.com/m", "internal/poll", false},
		{"example.com/m", "vendor/golang.org/x/net/dns/dnsmessage", false},
		{"example.com/m", "example.com/other/internalize", true},
		{"example.com/m", "example.com/other", true},
	} {
		if ok, _ := mayImport(tt.from, tt.path); ok != tt.ok {
			t.Errorf("mayImport(%q, %q) = %v, want %v", tt.from, tt.path, ok, tt.ok)
		}
	}
}
