package gen

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"go/token"
	"io"
	"os"
	"path/filepath"
	goruntime "runtime"
	"sync"

	"golang.org/x/tools/go/packages"
)

// DefaultOutput is the file resilgen writes beside the package's sources.
const DefaultOutput = "resil_gen.go"

// Config is one run of resilgen, as the command line asks for it.
type Config struct {
	// Dir is the directory patterns and Output are relative to; "" is the
	// current directory.
	Dir string
	// Patterns are the packages to generate for; none means ".".
	Patterns []string
	// Types restricts generation to these interfaces; none means every
	// interface with a //resil: directive.
	Types []string
	// Output is the file to write instead of resil_gen.go in the package's
	// directory. It is refused with several packages.
	Output string
	// Check writes nothing and fails when a generated file is missing or
	// out of date.
	Check bool
	// Args are the command-line arguments, echoed in the header.
	Args []string
	// Warnings, when not nil, receives the warnings of the run, one a line
	// ("file:line:col: warning: ..."). They do not stop the run.
	Warnings io.Writer
	// Strict makes warnings errors: the run fails with them and writes
	// nothing.
	Strict bool
	// Explain, when not nil, receives the policies of every method instead
	// of a generated file (see [Explain]); nothing is written.
	Explain io.Writer
}

// File is the output of one package: where it goes and what it holds.
// A nil Content means the package has nothing to wrap.
type File struct {
	Path    string
	Content []byte
}

// Run loads the packages of cfg once, generates the wrappers of each, and
// writes them, or in Check mode compares them with what is on disk. It
// returns an ErrorList of every problem, sorted by position, and then has
// written nothing; an error wrapping ErrUsage is a mistake on the command
// line.
func Run(ctx context.Context, cfg Config) error {
	dir := cfg.Dir
	if dir == "" {
		wd, err := os.Getwd()
		if err != nil {
			return fmt.Errorf("finding the working directory: %w", err)
		}
		dir = wd
	}
	patterns := cfg.Patterns
	if len(patterns) == 0 {
		patterns = []string{"."}
	}
	pkgs, err := Load(ctx, dir, patterns)
	if err != nil {
		return err
	}
	if len(pkgs) == 0 {
		return fmt.Errorf("%w: no packages match %v", ErrUsage, patterns)
	}
	if cfg.Output != "" && len(pkgs) > 1 {
		return fmt.Errorf("%w: -output names one file, but %d packages match %v; drop -output or name one package", ErrUsage, len(pkgs), patterns)
	}
	if cfg.Explain != nil {
		warns, errs := Explain(cfg.Explain, dir, pkgs, cfg.Types)
		if len(errs) > 0 {
			return errs.Relative(dir)
		}
		return report(cfg, dir, warns)
	}
	files, warns, errs := GenerateAll(pkgs, cfg.Types, Header(cfg.Args))
	if len(errs) > 0 {
		return errs.Relative(dir)
	}
	if err := report(cfg, dir, warns); err != nil {
		return err
	}
	for i, pkg := range pkgs {
		files[i].Path = outputPath(dir, cfg.Output, pkg)
	}
	if cfg.Check {
		err = CheckFiles(files)
	} else {
		err = WriteFiles(files)
	}
	var list ErrorList
	if errors.As(err, &list) {
		return list.Relative(dir)
	}
	return err
}

// report hands the warnings of a run to cfg.Warnings, or, under
// cfg.Strict, returns them as the errors that fail the run.
func report(cfg Config, dir string, warns ErrorList) error {
	if len(warns) == 0 {
		return nil
	}
	warns = warns.Relative(dir)
	if cfg.Strict {
		for _, w := range warns {
			w.Severity = SeverityError
			w.Msg += " (an error under -strict)"
		}
		return warns
	}
	if cfg.Warnings != nil {
		fmt.Fprintln(cfg.Warnings, warns.Error())
	}
	return nil
}

// GenerateAll runs Generate for every package, spread over the CPUs, and
// returns their files (paths not set) in the order of pkgs, and all their
// warnings and errors, sorted.
func GenerateAll(pkgs []*packages.Package, typeNames []string, header string) ([]File, ErrorList, ErrorList) {
	files := make([]File, len(pkgs))
	warnLists := make([]ErrorList, len(pkgs))
	errLists := make([]ErrorList, len(pkgs))
	var wg sync.WaitGroup
	sem := make(chan struct{}, goruntime.GOMAXPROCS(0))
	for i, pkg := range pkgs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			files[i].Content, warnLists[i], errLists[i] = Generate(pkg, typeNames, header)
		}()
	}
	wg.Wait()
	var warns, errs ErrorList
	for i := range pkgs {
		warns = append(warns, warnLists[i]...)
		errs = append(errs, errLists[i]...)
	}
	return files, warns.Sort(), errs.Sort()
}

// planPackage finds the annotated interfaces of pkg and checks them: the
// stages Generate and Explain share. The plans are complete only without
// errors.
func planPackage(pkg *packages.Package, typeNames []string) ([]*Plan, ErrorList) {
	ifaces, errs := FindInterfaces(pkg, typeNames)
	plans, cerrs := Check(pkg, ifaces)
	return plans, append(errs, cerrs...)
}

// Generate is the pipeline for one loaded package: find the annotated
// interfaces, check them, emit their wrappers. It returns nil content when
// the package has nothing to wrap, and the warnings about the plans (see
// [Warn]), which are looked for only once there is no error.
func Generate(pkg *packages.Package, typeNames []string, header string) (out []byte, warns, errs ErrorList) {
	plans, errs := planPackage(pkg, typeNames)
	if len(errs) > 0 {
		return nil, nil, errs.Sort()
	}
	if len(plans) == 0 {
		return nil, nil, nil
	}
	warns = Warn(pkg.Fset, plans)
	out, err := Emit(pkg.Types, plans, header)
	if err != nil {
		// A bug of ours, not the user's: say where, in their terms.
		return nil, nil, ErrorList{{Msg: fmt.Sprintf("package %s: %v", pkg.PkgPath, err)}}
	}
	return out, warns, nil
}

// outputPath is where the file of pkg goes.
func outputPath(dir, output string, pkg *packages.Package) string {
	if output != "" {
		if filepath.IsAbs(output) {
			return output
		}
		return filepath.Join(dir, output)
	}
	pkgDir := pkg.Dir
	if pkgDir == "" && len(pkg.GoFiles) > 0 {
		pkgDir = filepath.Dir(pkg.GoFiles[0])
	}
	return filepath.Join(pkgDir, DefaultOutput)
}

// CheckFiles compares files with the disk, for CI: a missing or stale
// file is an error, and so is an old output of a package that now has
// nothing to wrap. It writes nothing.
func CheckFiles(files []File) error {
	var errs ErrorList
	for _, f := range files {
		old, err := os.ReadFile(f.Path)
		exists := err == nil
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, &Error{Position: token.Position{Filename: f.Path}, Msg: fmt.Sprint(err)})
			continue
		}
		switch {
		case f.Content == nil && exists && isOurs(old):
			errs = append(errs, &Error{Position: token.Position{Filename: f.Path}, Msg: "stale: the package has no annotated interface any more; delete it or run go generate"})
		case f.Content == nil:
		case !exists:
			errs = append(errs, &Error{Position: token.Position{Filename: f.Path}, Msg: "missing; run go generate"})
		case !bytes.Equal(old, f.Content):
			errs = append(errs, &Error{Position: token.Position{Filename: f.Path}, Msg: "out of date; run go generate"})
		}
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// WriteFiles writes every file, or none: it first makes sure that it
// overwrites only generated files, then writes each atomically (temp file
// and rename), so that a crash never leaves half a file. A package with
// nothing to wrap loses its old output.
func WriteFiles(files []File) error {
	var errs ErrorList
	type action struct {
		f      File
		remove bool
	}
	var todo []action
	for _, f := range files {
		old, err := os.ReadFile(f.Path)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, &Error{Position: token.Position{Filename: f.Path}, Msg: fmt.Sprint(err)})
			continue
		}
		exists := err == nil
		switch {
		case exists && !isGenerated(old):
			errs = append(errs, &Error{Position: token.Position{Filename: f.Path}, Msg: "refusing to overwrite a file without a `// Code generated ... DO NOT EDIT.` header: it looks hand-written; move it, or pass -output to write elsewhere"})
		case exists && !isOurs(old):
			errs = append(errs, &Error{Position: token.Position{Filename: f.Path}, Msg: "refusing to overwrite a file another generator made; pass -output to write elsewhere"})
		case f.Content == nil && exists:
			todo = append(todo, action{f: f, remove: true})
		case f.Content != nil && !bytes.Equal(old, f.Content):
			todo = append(todo, action{f: f})
		}
	}
	if len(errs) > 0 {
		return errs
	}
	for _, a := range todo {
		var err error
		if a.remove {
			err = os.Remove(a.f.Path)
		} else {
			err = writeAtomic(a.f.Path, a.f.Content)
		}
		if err != nil {
			errs = append(errs, &Error{Msg: err.Error()})
		}
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// writeAtomic writes data to path through a temporary file in the same
// directory and a rename, so that readers see the old or the new file.
func writeAtomic(path string, data []byte) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			os.Remove(tmp.Name())
		}
	}()
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}
