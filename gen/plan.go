package gen

import (
	"go/token"
	"go/types"
	"time"
)

// Plan is what to generate for one interface. Building it makes every
// refusal of DESIGN.md; emitting it makes none.
type Plan struct {
	// Name is the interface's name; Named its type.
	Name  string
	Named *types.Named
	// Breaker and Bulkhead are the interface's shared policies, nil when no
	// wrapped method uses them.
	Breaker  *BreakerPlan
	Bulkhead *BulkheadPlan
	// RateLimit is the interface's shared rate limiter, nil when no wrapped
	// method uses it.
	RateLimit *RateLimitPlan
	// Methods are all the interface's methods, wrapped or passed through:
	// the explicit ones in source order, then the promoted ones.
	Methods []*MethodPlan
}

// MethodPlan is one method: its signature and its policies. A method
// without policies passes straight through.
type MethodPlan struct {
	Name string
	Sig  *types.Signature
	// Pos is where the method is declared, or, for a promoted method,
	// where the interface it comes from is embedded: where warnings about
	// its policies point.
	Pos token.Pos
	// Readonly says the method is //resil:readonly: safe to repeat.
	Readonly bool
	// HasCtx says the first parameter is a context.Context.
	HasCtx bool
	// Breaker and Bulkhead point to the interface's shared ones unless
	// OwnBreaker/OwnBulkhead say the method has its own.
	Breaker     *BreakerPlan
	OwnBreaker  bool
	Bulkhead    *BulkheadPlan
	OwnBulkhead bool
	Retry       *RetryPlan
	Timeout     time.Duration
	Idempotent  *IdempotencyPlan
	// Step is the checkpoint's step name, "" when not checkpointed.
	Step string
	// CallOptions says the final variadic parameter is call options
	// (...func(*Options), ...grpc.CallOption): passed on to the call, left
	// out of the fingerprint.
	CallOptions bool
	// Omit are the field names //resil:omit records as zero, the type's
	// then the method's; set only when the method is Recorded.
	Omit []string
	// RateLimit points to the interface's shared limiter unless
	// OwnRateLimit says the method has its own.
	RateLimit    *RateLimitPlan
	OwnRateLimit bool
	// Hedge, when set, races tries of each attempt (//resil:hedge).
	Hedge *HedgePlan
	// Fallback, when set, answers failed calls (//resil:fallback).
	Fallback *FallbackPlan
	// ProtoParams and ProtoResults say which parameters and results, by
	// index, are Protocol Buffers messages, recorded through
	// runtime/protocodec; nil when none is.
	ProtoParams, ProtoResults []bool
}

// Fingerprinted returns the indexes of the parameters whose values make
// the fingerprint (Recording.Args): all but the context and call options.
func (m *MethodPlan) Fingerprinted() []int {
	params := m.Sig.Params()
	end := params.Len()
	if m.CallOptions {
		end--
	}
	var idx []int
	for i := 1; i < end; i++ {
		idx = append(idx, i)
	}
	return idx
}

// isProto reports whether flags, ProtoParams or ProtoResults, marks i.
func isProto(flags []bool, i int) bool { return i < len(flags) && flags[i] }

// Wrapped reports whether the method has a policy at all.
func (m *MethodPlan) Wrapped() bool {
	return m.Breaker != nil || m.Bulkhead != nil || m.Retry != nil || m.Timeout > 0 ||
		m.Idempotent != nil || m.Step != "" || m.RateLimit != nil || m.Hedge != nil || m.Fallback != nil
}

// Recorded reports whether the method's results are recorded, which needs
// DoRecorded instead of the allocation-free Do.
func (m *MethodPlan) Recorded() bool { return m.Idempotent != nil || m.Step != "" }

// BreakerPlan is a breaker's settings, defaults filled in.
type BreakerPlan struct {
	Name                string
	Threshold, HalfOpen int
	Window, Timeout     time.Duration
	If                  string // a func(error) bool of the package, or ""
	// Rate, when set, is rate mode's failure percentage (Threshold is then
	// zero), Min the calls it needs in the window.
	Rate, Min int
	// Slow, when positive, counts slower calls as failures.
	Slow time.Duration
}

// HedgePlan is a hedge's settings, defaults filled in.
type HedgePlan struct {
	Delay time.Duration
	Max   int
}

// FallbackPlan is a method's fallback: a func of the package taking the
// method's parameters and err, returning its results.
type FallbackPlan struct {
	Func string
	// OnFailed says on=failed: on every error, not only rejections.
	OnFailed bool
}

// BulkheadPlan is a bulkhead's settings, defaults filled in.
type BulkheadPlan struct {
	Name string
	Max  int
	Wait time.Duration
}

// RetryPlan is a retry's settings, defaults filled in.
type RetryPlan struct {
	Attempts  int
	Base, Max time.Duration
	Jitter    string // full, equal, decorrelated or none
	If        string
	After     string // a func(error) (time.Duration, bool) of the package, or ""
}

// IdempotencyPlan is an idempotent method's settings.
type IdempotencyPlan struct {
	TTL, Lease time.Duration
	// Key is nil when the key is the hash of all arguments.
	Key *KeyPlan
}

// keyConv is how a key's value becomes a string.
type keyConv uint8

const (
	keyString   keyConv = iota // a string: as is
	keyNamedStr                // a string type: string(x)
	keySigned                  // strconv.FormatInt
	keyUnsigned                // strconv.FormatUint
	keyStringer                // x.String()
)

// KeyPlan is a resolved idempotent key=param.Field.Path.
type KeyPlan struct {
	// Written is the path as the user wrote it, for messages.
	Written string
	// Param is the index of the parameter the path starts at.
	Param int
	// Fields is the selector path after the parameter, with the embedded
	// fields a promoted field goes through spelled out.
	Fields []string
	// NilChecks lists, for each pointer on the way, how many Fields are
	// selected before it is dereferenced (0: the parameter itself). When
	// one is nil, the key is "": the call is keyed by its fingerprint.
	NilChecks []int
	// Derefs is how many pointers end the path: the key is *value (a
	// *string, an *int64), dereferenced after its nil checks.
	Derefs int
	// Conv is how the value becomes a string; Type is its type.
	Conv keyConv
	Type types.Type
}

// Directive defaults, from DESIGN.md's table.
const (
	defThreshold = 5
	defWindow    = 2 * time.Minute
	defOpen      = 60 * time.Second
	defHalfOpen  = 2
	defAttempts  = 3
	defBase      = 100 * time.Millisecond
	defMax       = 10 * time.Second
	defJitter    = "full"
	defTTL       = 24 * time.Hour
	defLease     = 30 * time.Second
	defBulkMax   = 10
	defMin       = 20
	defHedge     = 200 * time.Millisecond
	defHedgeMax  = 1
)
