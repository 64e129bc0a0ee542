package m

import "context"

type (
	// Second is in a type group.
	//
	//resil:bulkhead max=3
	Second interface {
		Do(ctx context.Context) error
	}

	// Third is in the same group.
	//
	//resil:timeout 2s
	Third interface {
		Do(ctx context.Context) error
	}
)
