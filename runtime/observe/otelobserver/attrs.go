package otelobserver

import (
	"maps"
	"sync"
	"sync/atomic"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"

	"github.com/resilgen/resilgen/runtime"
)

// attrKey names one measurement's attribute set: the event kind and up to
// four strings whose meaning the kind gives (see attributes).
type attrKey struct {
	kind          runtime.EventKind
	iface, method string
	x, y          string
}

// attributes is the attribute set that k names.
func (k attrKey) attributes() []attribute.KeyValue {
	attrs := make([]attribute.KeyValue, 0, 4)
	if k.iface != "" {
		attrs = append(attrs, keyInterface.String(k.iface))
	}
	if k.method != "" {
		attrs = append(attrs, keyMethod.String(k.method))
	}
	switch k.kind {
	case runtime.EventAttempt, runtime.EventRetry, runtime.EventRetryAfter, runtime.EventFallback: // x: error type
		if k.x != "" {
			attrs = append(attrs, semconv.ErrorTypeKey.String(k.x))
		}
	case runtime.EventCall: // x: outcome, y: error type
		attrs = append(attrs, keyOutcome.String(k.x))
		if k.y != "" {
			attrs = append(attrs, semconv.ErrorTypeKey.String(k.y))
		}
	case runtime.EventRejected: // x: policy, y: breaker name
		attrs = append(attrs, keyPolicy.String(k.x))
		if k.y != "" {
			attrs = append(attrs, keyBreakerName.String(k.y))
		}
	case runtime.EventStepReplayed, runtime.EventStepRecorded: // x: step
		if k.x != "" {
			attrs = append(attrs, keyStep.String(k.x))
		}
	case runtime.EventFleetFallback, runtime.EventFleetRejoin: // x: breaker name
		attrs = append(attrs, keyBreakerName.String(k.x))
	case runtime.EventStateChange: // x: breaker name, y: new state or ""
		attrs = append(attrs, keyBreakerName.String(k.x))
		if k.y != "" {
			attrs = append(attrs, keyBreakerState.String(k.y))
		}
	}
	return attrs
}

// measurement is an attribute set made once, in the three forms its users
// take: the options of a counter's Add and of a histogram's or gauge's
// Record, and the attributes themselves for a span event. All are
// read-only once made.
type measurement struct {
	attrs []attribute.KeyValue
	add   []metric.AddOption
	rec   []metric.RecordOption
}

func newMeasurement(k attrKey) *measurement {
	attrs := k.attributes()
	opt := metric.WithAttributeSet(attribute.NewSet(attrs...))
	return &measurement{attrs: attrs, add: []metric.AddOption{opt}, rec: []metric.RecordOption{opt}}
}

// maxCached bounds the measurements an observer keeps. The attributes are
// low-cardinality by design, so a program rarely has more than a few
// hundred; past the bound (an error type that is not low-cardinality, say)
// measurements are made per event instead of growing memory without limit.
const maxCached = 4096

// measurements caches a measurement per attrKey, so that recording an
// event allocates nothing once its set has been seen. Reads are a lock-free
// load of an immutable map; a new set copies the map under a lock, which
// happens a bounded number of times.
type measurements struct {
	m  atomic.Pointer[map[attrKey]*measurement]
	mu sync.Mutex // serializes writers
}

func (c *measurements) get(k attrKey) *measurement {
	if m := c.m.Load(); m != nil {
		if ms, ok := (*m)[k]; ok {
			return ms
		}
	}
	return c.add(k)
}

func (c *measurements) add(k attrKey) *measurement {
	c.mu.Lock()
	defer c.mu.Unlock()
	old := c.m.Load()
	if old != nil {
		if ms, ok := (*old)[k]; ok {
			return ms
		}
		if len(*old) >= maxCached {
			return newMeasurement(k)
		}
	}
	ms := newMeasurement(k)
	next := make(map[attrKey]*measurement)
	if old != nil {
		next = maps.Clone(*old)
	}
	next[k] = ms
	c.m.Store(&next)
	return ms
}
