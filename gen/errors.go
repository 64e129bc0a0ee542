package gen

import (
	"errors"
	"fmt"
	"go/token"
	"path/filepath"
	"sort"
	"strings"
)

// ErrUsage marks errors in how resilgen was invoked (exit code 2), as
// opposed to errors in the input (exit code 1).
var ErrUsage = errors.New("usage")

// Error is one problem in the input, at a position. Pos is set while the
// file set is at hand; Position once it has been resolved.
type Error struct {
	Pos      token.Pos
	Position token.Position
	Msg      string
	// Severity says whether the problem stops generation (an error, the
	// zero value) or is legal but unwise (a warning).
	Severity Severity
}

// Severity is how bad a problem is.
type Severity uint8

const (
	// SeverityError stops generation: nothing is written.
	SeverityError Severity = iota
	// SeverityWarning is reported, and the file is written anyway, unless
	// Config.Strict makes it an error.
	SeverityWarning
)

// Error returns "file:line:col: message", or "file:line:col: warning:
// message" for a warning.
func (e *Error) Error() string {
	msg := e.Msg
	if e.Severity == SeverityWarning {
		msg = "warning: " + msg
	}
	if !e.Position.IsValid() {
		if e.Position.Filename != "" {
			return e.Position.Filename + ": " + msg // a whole file: missing, stale
		}
		return msg
	}
	return fmt.Sprintf("%s: %s", e.Position, msg)
}

// ErrorList is every problem of a run, so that a user fixes them all at once
// instead of one per run.
type ErrorList []*Error

// Error returns one error per line, sorted by position.
func (l ErrorList) Error() string {
	var b strings.Builder
	for i, e := range l {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// Sort orders the list by file, line and column, then message, and drops
// exact duplicates (a promoted method's problem found twice, say).
func (l ErrorList) Sort() ErrorList {
	sort.SliceStable(l, func(i, j int) bool {
		a, b := l[i].Position, l[j].Position
		if a.Filename != b.Filename {
			return a.Filename < b.Filename
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Column != b.Column {
			return a.Column < b.Column
		}
		return l[i].Msg < l[j].Msg
	})
	out := l[:0]
	for i, e := range l {
		if i > 0 && e.Error() == l[i-1].Error() {
			continue
		}
		out = append(out, e)
	}
	return out
}

// Relative returns a copy of the list with file names relative to dir when
// they lie below it, as a user reads them from the directory they ran in.
func (l ErrorList) Relative(dir string) ErrorList {
	out := make(ErrorList, len(l))
	for i, e := range l {
		c := *e
		c.Position.Filename = relTo(dir, c.Position.Filename)
		out[i] = &c
	}
	return out
}

// relTo returns name relative to dir when it is inside dir, and name
// otherwise: how messages show a file.
func relTo(dir, name string) string {
	if rel, err := filepath.Rel(dir, name); err == nil && !strings.HasPrefix(rel, "..") {
		return rel
	}
	return name
}

// resolve fills Position from Pos.
func resolve(fset *token.FileSet, errs []*Error) ErrorList {
	for _, e := range errs {
		if e.Pos.IsValid() && !e.Position.IsValid() {
			e.Position = fset.Position(e.Pos)
		}
	}
	return errs
}
