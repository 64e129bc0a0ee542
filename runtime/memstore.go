package runtime

// NewMemoryStore returns a Store that keeps everything in this process's
// memory: fast, safe for concurrent use, and gone when the process exits.
// It is the default idempotency store of a wrapper made without WithStore.
func NewMemoryStore() Store {
	panic("unimplemented")
}
