// Package examples holds runnable programs for the scenarios of the
// resilience chapter, one per directory, and the test that keeps the
// repository's README honest: it runs the commands the README gives and
// compares their output with what the README shows.
package examples
