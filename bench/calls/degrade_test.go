package calls_test

import (
	"time"

	"github.com/failsafe-go/failsafe-go/circuitbreaker"
)

// failsafeRateBreaker is failsafe-go's time-based failure-rate breaker with
// the settings of //resil:breaker rate=50 min=20: open when 50% of the
// executions of the last 2 minutes failed, once 20 ran; 60s open, 2 trials.
func failsafeRateBreaker() circuitbreaker.CircuitBreaker[int] {
	return circuitbreaker.NewBuilder[int]().
		WithFailureRateThreshold(0.5, 20, 2*time.Minute).
		WithDelay(60 * time.Second).
		WithSuccessThreshold(2).
		Build()
}
