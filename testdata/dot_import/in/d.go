// Package d dot-imports a package its interface uses.
package d

import (
	"context"
	. "time"
)

// Clock uses Duration and Time through a dot import.
//
//resil:timeout 3s
type Clock interface {
	Sleep(ctx context.Context, d Duration) (Time, error)
}
