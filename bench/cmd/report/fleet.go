package main

import (
	"bytes"
	"fmt"
)

// fleetPeers are the cases of BenchmarkFleetClosed and BenchmarkFleetOutage:
// resilgen's fleet breaker on Redis, and gobreaker v2's distributed breaker
// on the same Redis.
var fleetPeers = []string{"resilgen", "gobreaker"}

// writeFleet writes the fleet breakers side by side: the closed happy path
// under 8 concurrent callers, and how many calls 6 replicas let into an
// outage before every one of them stopped.
func (r *report) writeFleet(w *bytes.Buffer) {
	fmt.Fprintf(w, "## Fleet breaker\n\n")
	fmt.Fprintf(w, "One breaker for several replicas on the Redis of scripts/test.sh: resilgen's `runtime.WithFleet(redisfleet.New(...))` and gobreaker v2's distributed breaker with a SharedDataStore on go-redis. closed: 8 concurrent callers through one replica, the dependency healthy (ns/op is wall time per call over all callers). outage: 6 replicas of 8 callers each meet a dependency that is down (each failing call takes 1ms), and every caller calls until its breaker rejects; calls/outage is how many calls reached the dependency, ns/op how long until every replica stopped. Without a Redis the rows are empty.\n\n")
	fmt.Fprintf(w, "| breaker | closed ns/op | closed allocs/op | outage calls | outage time |\n|---|---|---|---|---|\n")
	for _, p := range fleetPeers {
		fmt.Fprintf(w, "| %s ", p)
		closed := "FleetClosed/" + p
		if ns, ok := r.get(closed, "ns/op"); ok {
			allocs, _ := r.get(closed, "allocs/op")
			fmt.Fprintf(w, "| %.1f %s (n=%d) | %g ", ns, r.spread(closed, "ns/op"), r.stats[closed]["ns/op"].n, allocs)
		} else {
			fmt.Fprintf(w, "| — | — ")
		}
		outage := "FleetOutage/" + p
		if calls, ok := r.get(outage, "calls/outage"); ok {
			ns, _ := r.get(outage, "ns/op")
			fmt.Fprintf(w, "| %.0f (n=%d) | %.3g s ", calls, r.stats[outage]["calls/outage"].n, ns/1e9)
		} else {
			fmt.Fprintf(w, "| — | — ")
		}
		fmt.Fprintf(w, "|\n")
	}
	fmt.Fprintln(w)
}
