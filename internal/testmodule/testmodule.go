// Package testmodule writes throwaway Go modules that require the working
// tree of this repository, for the tests that run the go command on what
// the generator writes (gen's, the command's).
package testmodule

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Write makes the module example.com/m in a new temporary directory of tb,
// requiring resilgen replaced by root (the repository's working tree), with
// files at their relative paths, and returns its directory. Its go.sum is
// the repository's, and it repeats the repository's requirements: a module
// whose packages import the runtime must list the modules the runtime's own
// imports come from (golang.org/x/time).
func Write(tb testing.TB, root string, files map[string]string) string {
	tb.Helper()
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		tb.Fatal(err)
	}
	mod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		tb.Fatal(err)
	}
	all := map[string]string{
		"go.mod": "module example.com/m\n\ngo 1.26.0\n\nrequire github.com/resilgen/resilgen v0.0.0\n\nreplace github.com/resilgen/resilgen => " + root + "\n" + requirements(string(mod)),
		"go.sum": string(sum),
	}
	for name, content := range files {
		all[name] = content
	}
	dir := tb.TempDir()
	for name, content := range all {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	return dir
}

// requirements repeats the requirements of the go.mod gomod as indirect
// ones.
func requirements(gomod string) string {
	var b strings.Builder
	inBlock := false
	for _, line := range strings.Split(gomod, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "require (":
			inBlock = true
		case inBlock && line == ")":
			inBlock = false
		case inBlock && line != "":
			mod, _, _ := strings.Cut(line, "//")
			b.WriteString("require " + strings.TrimSpace(mod) + " // indirect\n")
		}
	}
	return b.String()
}
