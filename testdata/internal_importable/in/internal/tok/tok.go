// Package tok is internal to package in, which may import it.
package tok

// T is a token.
type T string
