package main

import (
	"context"
	"slices"
	"sync"
)

// answers are the last answers the log service gave an analysis, which the
// fallbacks of LogSource answer from while the service is down. They travel
// in the analysis's context, so that each agent keeps its own.
type answers struct {
	mu     sync.Mutex
	groups map[string][]string
	events map[Query][]Event
}

func newAnswers() *answers {
	return &answers{groups: map[string][]string{}, events: map[Query][]Event{}}
}

// answersKey is the context key of an analysis's answers.
type answersKey struct{}

// withAnswers returns ctx carrying a.
func withAnswers(ctx context.Context, a *answers) context.Context {
	return context.WithValue(ctx, answersKey{}, a)
}

// answersFrom returns the answers ctx carries, or nil.
func answersFrom(ctx context.Context) *answers {
	a, _ := ctx.Value(answersKey{}).(*answers)
	return a
}

// keepGroups remembers the groups listed under prefix.
func (a *answers) keepGroups(prefix string, groups []string) {
	if a == nil {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.groups[prefix] = slices.Clone(groups)
}

// keepEvents remembers the events q selected.
func (a *answers) keepEvents(q Query, events []Event) {
	if a == nil {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.events[q] = slices.Clone(events)
}

// lastGroups is Groups' fallback: the groups last listed under prefix, or
// the service's error when there are none.
func lastGroups(ctx context.Context, prefix string, err error) ([]string, error) {
	a := answersFrom(ctx)
	if a == nil {
		return nil, err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	groups, ok := a.groups[prefix]
	if !ok {
		return nil, err
	}
	return slices.Clone(groups), nil
}

// lastEvents is Filter's fallback: the events q last selected, or the
// service's error when it never answered q.
func lastEvents(ctx context.Context, q Query, err error) ([]Event, error) {
	a := answersFrom(ctx)
	if a == nil {
		return nil, err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	events, ok := a.events[q]
	if !ok {
		return nil, err
	}
	return slices.Clone(events), nil
}
