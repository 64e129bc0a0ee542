// Package gen is resilgen's generator: it turns Go interfaces annotated with
// //resil: directives into wrappers that call package runtime.
//
// It is a pipeline of plain functions, one file each, every one testable
// alone:
//
//	Load            load.go       one packages.Load of every requested package
//	FindInterfaces  load.go       the annotated interfaces, and the load errors that block
//	ParseDirective  directive.go  a //resil: line -> a typed Directive, with positions
//	Check           check*.go     every refusal of DESIGN.md, with go/types -> Plans (plan.go)
//	Emit            emit*.go      Plans -> one gofmt'd file, through jennifer
//	WriteFiles      write.go      header check, -check mode, atomic writes
//
// [Run] strings them together for the command; [Generate] runs the middle of
// the pipeline for one loaded package. A directive is parsed once, checked
// once into a plan, and emitted from that plan, never re-read from its text.
package gen
