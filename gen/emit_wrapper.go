package gen

import (
	"bytes"
	"fmt"
	"go/types"
	"strings"
	"unicode/utf8"
)

// writer writes the wrappers of some plans as gofmt'd text: tabs for
// indentation, and the alignment gofmt gives struct fields and the keys of
// composite literals (see literal).
type writer struct {
	e   *emitter
	buf bytes.Buffer
	// uses are the fixedImports the text refers to.
	uses map[string]bool
}

// qual spells the exported name of the package at path as the file refers
// to it, and notes that the file imports it.
func (w *writer) qual(path, name string) string {
	if path == w.e.pkg.Path() {
		return name
	}
	w.uses[path] = true
	return w.e.imports[path].name + "." + name
}

// typ spells t, from planTypes.
func (w *writer) typ(t types.Type) string {
	s, ok := w.e.typeText[t]
	if !ok {
		// planTypes walks what the writers print; a miss is a bug of
		// ours, made loud in the output rather than silent.
		return fmt.Sprintf("/* unplanned type %s */", t)
	}
	return s
}

// str writes the strings in order.
func (w *writer) str(parts ...string) {
	for _, s := range parts {
		w.buf.WriteString(s)
	}
}

// wrapper writes the struct, constructor, assertion and methods of one plan.
func (w *writer) wrapper(p *Plan) {
	typeName := "Resilient" + p.Name
	tps := p.Named.TypeParams()
	var decl, inst string // [T any], [T]
	if tps.Len() > 0 {
		d, in := make([]string, tps.Len()), make([]string, tps.Len())
		for i := range d {
			tp := tps.At(i)
			d[i] = tp.Obj().Name() + " " + w.typ(tp.Constraint())
			in[i] = tp.Obj().Name()
		}
		decl, inst = "["+strings.Join(d, ", ")+"]", "["+strings.Join(in, ", ")+"]"
	}
	iface := w.qual(w.e.pkg.Path(), p.Name) + inst
	self := typeName + inst

	// Field names: next, then one per wrapped method. A struct's fields and
	// methods share a namespace, so the method names are taken too.
	fields := &names{taken: map[string]bool{}}
	for _, m := range p.Methods {
		fields.taken[m.Name] = true
	}
	nextField := fields.get("next")
	methodField := map[*MethodPlan]string{}
	rows := [][2]string{{nextField, iface}}
	method := "*" + w.qual(runtimePath, "Method")
	for _, m := range p.Methods {
		if m.Wrapped() {
			methodField[m] = fields.get(lowerFirst(m.Name))
			rows = append(rows, [2]string{methodField[m], method})
		}
	}
	slowPath := slowPathNames(p, fields, methodField)

	w.str("// ", typeName, " wraps a ", p.Name, " with the resilience policies of its\n")
	w.str("// directives. It is safe for concurrent use when the wrapped ", p.Name, " is.\n")
	w.str("type ", typeName, decl, " struct {\n")
	// gofmt aligns the types of consecutive one-line fields, in runes.
	width := 0
	for _, r := range rows {
		width = max(width, utf8.RuneCountInString(r[0]))
	}
	for _, r := range rows {
		w.str("\t", r[0], spaces(width-utf8.RuneCountInString(r[0])+1), r[1], "\n")
	}
	w.str("}\n\n")
	w.constructor(p, typeName, decl, iface, self, nextField, methodField)
	if decl == "" {
		w.str("\nvar _ ", iface, " = (*", self, ")(nil)\n")
	}
	for _, m := range p.Methods {
		w.buf.WriteByte('\n')
		w.method(p, m, self, nextField, methodField[m], slowPath[m])
	}
}

// spaces returns n spaces.
func spaces(n int) string {
	const s = "                                                                "
	if n <= len(s) {
		return s[:n]
	}
	return strings.Repeat(" ", n)
}
