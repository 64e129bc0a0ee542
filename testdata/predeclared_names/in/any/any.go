// Package any is named after a predeclared identifier.
package any

// T is a value of package any.
type T int
