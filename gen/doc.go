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
//	Warn            warn.go       Plans -> warnings: legal but unwise annotations, with their fix
//	Emit            emit*.go      Plans -> one gofmt'd file, through jennifer
//	Explain         explain.go    Plans -> each method's effective policies, for -explain
//	WriteFiles      write.go      header check, -check mode, atomic writes
//
// Signatures of real SDK clients are wrapped as they are:
//
//   - A final variadic parameter of a func type or a named interface type
//     with methods (optFns ...func(*ec2.Options), opts ...grpc.CallOption,
//     opts ...option.RequestOption) is call options: passed on to the
//     call, left out of the idempotency fingerprint and its checks.
//     ...any is data and is fingerprinted.
//   - key= may pass through and end at pointers (params.ClientToken, a
//     *string); a nil on the path, or an empty key, keys the call by the
//     fingerprint of its arguments, as if key= were not written.
//   - //resil:omit NAME ... (on the type or a method; a method's names add
//     to the type's) records fields of those names, at any depth of a
//     recorded result, as their zero value (MethodConfig.Omit). A name that
//     matches no such field is refused, as is one whose zero value JSON
//     cannot write (a func, a channel).
//   - A Protocol Buffers message (its type has ProtoReflect()
//     protoreflect.Message) as a whole result or argument is recorded with
//     runtime/protocodec; one inside another type is refused.
//
// A method's fallback (//resil:fallback) is emitted after Do or DoRecorded
// returns: when runtime's Method.Fallback says it applies, the wrapper
// returns the fallback func's answer, which is therefore never recorded. A
// hedged method's attempt (//resil:hedge) writes each try's results to
// locals of its own and copies them out only when runtime.Won says the try
// won, so that tries running at once never share variables.
//
// [Run] strings them together for the command; [Generate] runs the middle of
// the pipeline for one loaded package. A directive is parsed once, checked
// once into a plan, and emitted from that plan, never re-read from its text.
package gen
