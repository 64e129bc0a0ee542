// Command loadfloor is the floor of the generation benchmark: one bare
// packages.Load of its arguments with types and syntax, the least any
// generator that reads Go source with go/types has to do, and nothing else.
// It loads in the current directory and exits 1 on any error.
//
// Usage:
//
//	loadfloor PATTERN...
package main

import (
	"fmt"
	"os"

	"golang.org/x/tools/go/packages"
)

// mode is what DESIGN.md tells generators to load: names, types, type
// info, syntax and files of the named packages, without NeedDeps.
const mode = packages.NeedName | packages.NeedTypes | packages.NeedTypesInfo | packages.NeedSyntax | packages.NeedFiles

func main() {
	pkgs, err := packages.Load(&packages.Config{Mode: mode}, os.Args[1:]...)
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadfloor:", err)
		os.Exit(1)
	}
	if packages.PrintErrors(pkgs) > 0 || len(pkgs) == 0 {
		os.Exit(1)
	}
}
