package gen

import (
	"go/types"
	"testing"
	"time"
)

func TestDuration(t *testing.T) {
	for _, tt := range []struct {
		d    time.Duration
		want string
	}{
		{0, "0"},
		{time.Second, "time.Second"},
		{2 * time.Minute, "2 * time.Minute"},
		{90 * time.Second, "90 * time.Second"},
		{1500 * time.Millisecond, "1500 * time.Millisecond"},
		{24 * time.Hour, "24 * time.Hour"},
		{3 * time.Nanosecond, "3 * time.Nanosecond"},
	} {
		w := &writer{e: &emitter{pkg: types.NewPackage("example.com/p", "p"), imports: map[string]importName{"time": {name: "time"}}}, uses: map[string]bool{}}
		if got := w.duration(tt.d); got != tt.want {
			t.Errorf("duration(%v) = %q, want %q", tt.d, w.duration(tt.d), tt.want)
		}
	}
}

func TestNamesAvoidSharedAndEachOther(t *testing.T) {
	e := &emitter{taken: map[string]bool{"runtime": true, "ctx": true}}
	n := e.newNames()
	for _, tt := range []struct{ want, got string }{
		{"runtime", "runtime1"},
		{"runtime", "runtime2"},
		{"ctx", "ctx1"},
		{"err", "err"},
		{"string", "string1"}, // predeclared: generated code converts with string(...)
		{"type", "type1"},     // keyword
		{"req", "req"},
	} {
		if got := n.get(tt.want); got != tt.got {
			t.Errorf("get(%q) = %q, want %q", tt.want, got, tt.got)
		}
	}
	if e.taken["req"] {
		t.Error("a method's names leaked into the file's")
	}
}

func TestImportSpecs(t *testing.T) {
	head := "package p\n\nimport (\n\t\"context\"\n\truntime1 \"github.com/resilgen/resilgen/runtime\"\n)\n"
	got := importSpecs([]byte(head))
	if len(got) != 2 || got[1] != `runtime1 "github.com/resilgen/resilgen/runtime"` {
		t.Errorf("importSpecs = %q", got)
	}
	if got := importSpecs([]byte("package p\n\nimport t \"time\"\n")); len(got) != 1 || got[0] != `t "time"` {
		t.Errorf("single import: %q", got)
	}
}
