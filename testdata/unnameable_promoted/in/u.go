// Package u embeds an interface of another package whose methods name that
// package's unexported types: passed through or wrapped, the wrapper would
// have to spell them.
package u

import (
	"context"

	"github.com/resilgen/resilgen/testdata/unnameable_promoted/in/other"
)

// Local embeds other.Getter through an interface of this package.
type Local interface {
	other.Getter
}

// Bad embeds other.Getter and skips one of its methods.
//
//resil:breaker
//resil:skip List
type Bad interface {
	other.Getter
	Own(ctx context.Context) error
}

// Deep reaches other.Getter through Local.
//
//resil:breaker
//resil:skip Get List Pairs Lit Iface Opts
type Deep interface {
	Local
}
