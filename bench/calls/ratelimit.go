package calls

// RateLimited is Getter behind a rate limiter with a rate no benchmark
// reaches (10^9 a second), so that a token is always there: the benchmark
// measures taking one.
//
//resil:ratelimit rate=1000000000 per=1s burst=1000000000
type RateLimited interface {
	Getter
}
