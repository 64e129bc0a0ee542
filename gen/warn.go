package gen

import (
	"fmt"
	"go/token"
	"strings"
)

// Warn returns the warnings about plans: annotations that are legal but
// unwise, the pattern mistakes of the resilience chapter, each with its
// fix. It reads only the plans, after Check accepted them, so a warning
// never stops generation unless Config.Strict asks it to.
func Warn(fset *token.FileSet, plans []*Plan) ErrorList {
	var warns []*Error
	for _, p := range plans {
		// When no method of the interface's shared breaker has a retry,
		// that is one mistake, said once at the interface, not once per
		// method.
		sharedNoRetry := sharedBreakerWithoutRetry(p)
		if sharedNoRetry != nil {
			warns = append(warns, &Error{Pos: p.Named.Obj().Pos(), Severity: SeverityWarning, Msg: fmt.Sprintf(
				"%s's breaker guards %s, none of which has a retry, so one transient failure (a dropped connection) counts toward opening it; "+
					"add //resil:retry to %s so that only a call whose retries all failed counts (or //resil:retry attempts=1 unsafe to say its calls are never repeated)",
				p.Name, strings.Join(sharedNoRetry, ", "), p.Name)})
		}
		for _, m := range p.Methods {
			if !m.Wrapped() {
				continue
			}
			subject := p.Name + "." + m.Name
			rules := warnRules
			if sharedNoRetry == nil || m.OwnBreaker { // else said at the interface
				rules = append([]warnRule{warnBreakerWithoutRetry}, rules...)
			}
			for _, rule := range rules {
				if msg := rule(subject, m); msg != "" {
					warns = append(warns, &Error{Pos: m.Pos, Msg: msg, Severity: SeverityWarning})
				}
			}
		}
	}
	return resolve(fset, warns).Sort()
}

// sharedBreakerWithoutRetry returns the names of the methods that use the
// interface's shared breaker when there are several and none has a retry,
// and nil otherwise.
func sharedBreakerWithoutRetry(p *Plan) []string {
	if p.Breaker == nil {
		return nil
	}
	var names []string
	for _, m := range p.Methods {
		if m.Breaker != p.Breaker {
			continue
		}
		if m.Retry != nil {
			return nil
		}
		names = append(names, m.Name)
	}
	if len(names) < 2 {
		return nil
	}
	return names
}

// warnRule is one warning: its message about the method, or "" when the
// method is fine by it.
type warnRule func(subject string, m *MethodPlan) string

// warnRules are the warnings about one method, but the breaker without a
// retry, which Warn may say once for the whole interface.
var warnRules = []warnRule{
	warnCheckpointRepeats,
	warnEverythingOnARead,
}

// warnBreakerWithoutRetry is the chapter's Mistake 2: without a retry,
// one transient failure is one failure toward opening the breaker. A retry
// of one attempt says that no retry is meant, and is not warned about.
func warnBreakerWithoutRetry(subject string, m *MethodPlan) string {
	if m.Breaker == nil || m.Retry != nil {
		return ""
	}
	return fmt.Sprintf("%s has a breaker but no retry, so one transient failure (a dropped connection) counts toward opening it; "+
		"add //resil:retry so that only a call whose retries all failed counts (or //resil:retry attempts=1 unsafe to say the call is never repeated)", subject)
}

// warnCheckpointRepeats is the chapter's Mistake 3: a journaled step that
// was in flight when the process died runs again when the workflow
// resumes, and only an idempotent (or read-only) call makes that safe.
func warnCheckpointRepeats(subject string, m *MethodPlan) string {
	if m.Step == "" || m.Idempotent != nil || m.Readonly {
		return ""
	}
	return fmt.Sprintf("%s is checkpointed as step %q but is neither idempotent nor readonly: a step in flight when the process dies runs again on resume and repeats its effect; "+
		"add //resil:idempotent key=... and make the dependency return what it made when asked twice, or //resil:readonly if the call changes nothing", subject, m.Step)
}

// warnEverythingOnARead is the chapter's Mistake 1: every pattern stacked
// on an operation that is safe to repeat. A read needs a breaker and a
// retry at most, and a cache (idempotent) if its answer may be reused.
func warnEverythingOnARead(subject string, m *MethodPlan) string {
	if !m.Readonly || m.Breaker == nil || m.Retry == nil || m.Idempotent == nil || m.Step == "" {
		return ""
	}
	stacked := []string{"breaker", "retry", "idempotent", "checkpoint"}
	if m.Bulkhead != nil {
		stacked = append(stacked, "bulkhead")
	}
	if m.Timeout > 0 {
		stacked = append(stacked, "timeout")
	}
	return fmt.Sprintf("%s is readonly but stacks every pattern (%s): a read is safe to repeat and needs a breaker and a retry at most; "+
		"drop checkpoint, and idempotent unless its answer is meant to be reused for its ttl", subject, strings.Join(stacked, ", "))
}
