// Command resilgen generates resilient wrappers for Go interfaces annotated
// with //resil: directives: circuit breaking, retry, timeouts, bulkheads,
// idempotency and workflow checkpoints, through package runtime.
//
// Usage:
//
//	resilgen [-type A,B] [-output FILE] [-check] [-strict] [-explain] [packages]
//
// With no packages it generates for the package in the current directory.
// Warnings (legal but unwise annotations) are printed as
// "file:line:col: warning: ..." and do not stop generation; -strict makes
// them errors. -explain prints each method's effective policies and writes
// nothing.
// Exit codes: 0 ok, 1 bad input (or -check found a stale file, or -strict
// a warning), 2 usage.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"

	"github.com/resilgen/resilgen/gen"
)

func main() {
	// resilgen lives for one load and exits, and most of what it allocates
	// (syntax trees, type-checker state) stays reachable until then, so
	// the collector's default pace spends ~10% of its CPU marking memory
	// that is never freed. A GOGC the user set still wins. Set here, not
	// in run: tests and other callers of gen keep their own settings.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

// Exit codes.
const (
	exitOK    = 0
	exitInput = 1
	exitUsage = 2
)

// run is the command without its process: it parses args, runs the
// generator and returns the exit code, so that tests can call it.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("resilgen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	typeList := fs.String("type", "", "comma-separated interfaces to wrap (default: all with //resil: directives)")
	output := fs.String("output", "", "output file (default: "+gen.DefaultOutput+" in the package's directory)")
	check := fs.Bool("check", false, "write nothing; exit 1 when a generated file is missing or stale")
	strict := fs.Bool("strict", false, "treat warnings as errors: exit 1 and write nothing")
	explain := fs.Bool("explain", false, "print the effective policies of every method to stdout and write nothing")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: resilgen [-type A,B] [-output FILE] [-check] [-strict] [-explain] [packages]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	cfg := gen.Config{
		Patterns: fs.Args(),
		Output:   *output,
		Check:    *check,
		Strict:   *strict,
		Warnings: stderr,
	}
	if *explain {
		cfg.Explain = stdout
	}
	// The header echoes only what shapes the output: -type. Package
	// patterns, -output and -check do not, so that `resilgen -check ./...`
	// in CI agrees with the `resilgen` each //go:generate line runs.
	if *typeList != "" {
		cfg.Args = []string{"-type=" + *typeList}
	}
	if *typeList != "" {
		for _, t := range strings.Split(*typeList, ",") {
			if t = strings.TrimSpace(t); t != "" {
				cfg.Types = append(cfg.Types, t)
			}
		}
	}
	if err := gen.Run(ctx, cfg); err != nil {
		fmt.Fprintln(stderr, err)
		if errors.Is(err, gen.ErrUsage) {
			return exitUsage
		}
		return exitInput
	}
	return exitOK
}
