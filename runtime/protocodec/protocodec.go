// Package protocodec lets the JSON records of package runtime hold Protocol
// Buffers messages. The wrappers resilgen generates use it for a method
// whose result or argument is a message: encoding/json would lose a message's
// oneofs and could not restore its well-known types, so the message is
// recorded in protobuf's own binary form instead.
//
// Generated code writes
//
//	Args:    []any{protocodec.Message(&in)},
//	Results: []any{protocodec.Message(&r0)},
//
// and imports this package only then; package runtime itself imports no
// protobuf.
//
// The binary form is written with proto.MarshalOptions{Deterministic: true},
// so that two equal messages encode to the same bytes and so fingerprint
// alike as idempotency arguments. protojson is not used: its output is
// deliberately unstable from one run to the next.
package protocodec

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"reflect"

	"google.golang.org/protobuf/proto"
)

// Codec encodes and decodes, as JSON, the message that its pointer points
// to. It implements json.Marshaler and json.Unmarshaler. Make one with
// [Message].
type Codec[M proto.Message] struct {
	p *M
}

// Message returns a Codec of the message *p. Encoding writes *p as a JSON
// string holding the base64 of its deterministic binary form, or null when
// *p is nil; decoding sets *p to a new message read from such a string, or
// to nil from null.
func Message[M proto.Message](p *M) *Codec[M] {
	return &Codec[M]{p: p}
}

// deterministic is how every message is marshaled: map entries in key
// order, so that equal messages give equal bytes.
var deterministic = proto.MarshalOptions{Deterministic: true}

// MarshalJSON implements json.Marshaler.
func (c *Codec[M]) MarshalJSON() ([]byte, error) {
	m := *c.p
	if isNil(m) {
		return []byte("null"), nil
	}
	b, err := deterministic.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("protocodec: encoding %T: %w", m, err)
	}
	out := make([]byte, 0, base64.StdEncoding.EncodedLen(len(b))+2)
	out = append(out, '"')
	out = base64.StdEncoding.AppendEncode(out, b)
	return append(out, '"'), nil
}

// UnmarshalJSON implements json.Unmarshaler. It decodes into a new message,
// never into the one *p held, so that a message the caller still holds is
// not changed.
func (c *Codec[M]) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	if string(data) == "null" {
		var zero M
		*c.p = zero
		return nil
	}
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		return fmt.Errorf("protocodec: a %s is recorded as a base64 JSON string: %w", typeName[M](), err)
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return fmt.Errorf("protocodec: decoding the base64 of a %s: %w", typeName[M](), err)
	}
	m, err := newMessage[M]()
	if err != nil {
		return err
	}
	if err := proto.Unmarshal(b, m); err != nil {
		return fmt.Errorf("protocodec: decoding a %s: %w", typeName[M](), err)
	}
	*c.p = m
	return nil
}

// newMessage returns a new, empty message of type M. A generated message
// type answers ProtoReflect even on a nil pointer, which is how protobuf
// itself makes new messages of a known type.
func newMessage[M proto.Message]() (M, error) {
	var zero M
	if reflect.TypeFor[M]().Kind() == reflect.Interface {
		return zero, fmt.Errorf("protocodec: cannot decode into the interface %s: its message type is not known; use the message's own type", typeName[M]())
	}
	m, ok := zero.ProtoReflect().Type().New().Interface().(M)
	if !ok {
		return zero, fmt.Errorf("protocodec: %s does not make messages of its own type", typeName[M]())
	}
	return m, nil
}

// isNil reports whether m is a nil message, such as a nil *structpb.Value.
func isNil(m proto.Message) bool {
	if m == nil {
		return true
	}
	v := reflect.ValueOf(m)
	return v.Kind() == reflect.Pointer && v.IsNil()
}

// typeName names M in messages.
func typeName[M any]() string { return reflect.TypeFor[M]().String() }
