package runtime

import "time"

// Backoff exposes a retry's wait after failed attempt n to the tests of
// package runtime_test, which cannot be internal: they import clocktest,
// which imports runtime.
func Backoff(c RetryConfig, n int, prev time.Duration) time.Duration {
	c = c.withDefaults()
	return c.backoff(n, prev, nil)
}
