package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/resilgen/resilgen/gen"
)

// BenchmarkInProcess runs resilgen's pipeline, in this process, on the
// synthetic package genbench times. Its point is as much the smoke test
// (go test -bench=. -benchtime=1x, run by CI) as the number: it fails when
// the generator stops accepting the synthetic input, which would otherwise
// only show when bench/run is next run.
func BenchmarkInProcess(b *testing.B) {
	dir := b.TempDir()
	if err := writeModule(dir, 30); err != nil {
		b.Fatal(err)
	}
	out := filepath.Join(dir, "svc", gen.DefaultOutput)
	for b.Loop() {
		if err := stages(dir, 30); err != nil {
			b.Fatal(err)
		}
		if err := os.Remove(out); err != nil {
			b.Fatal(err)
		}
	}
}
