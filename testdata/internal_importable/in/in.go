// Package in embeds an interface naming a type of in/internal/tok, which
// in may import: the generated file imports it.
package in

import "github.com/resilgen/resilgen/testdata/internal_importable/in/sub"

// Tokens embeds sub.Client.
//
//resil:retry unsafe
type Tokens interface {
	sub.Client
}
