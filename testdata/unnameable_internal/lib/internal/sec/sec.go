// Package sec is internal to package lib.
package sec

// Token is exported, but only lib and below may import its package.
type Token struct{ V string }
