package tokenmint

import (
	"context"
	"sync"
	"time"
)

// GroupCommit runs concurrent writes in batches, one batch at a time (group
// commit): a database commit costs about as much for one small write as for
// dozens, so a busy server pays one per batch instead of one per write.
// Each caller of Do returns only once the batch holding its write was
// written, with that write's own outcome, so an acknowledged write is as
// durable as with a commit of its own.
//
// There is no goroutine of its own: the first caller to find no batch in
// progress writes everything queued, then hands the writer's role to the
// first write queued meanwhile. When the last batch held several writes
// (the server is busy), a new writer waits Delay for companions; an idle
// server writes at once.
type GroupCommit[T any] struct {
	// Write writes a batch and returns one error per item, in order. Its
	// context is the writer's, detached from its cancellation: the batch
	// holds other callers' writes.
	Write func(ctx context.Context, batch []T) []error
	Delay time.Duration
	Max   int // writes per batch (0: 256)

	mu      sync.Mutex
	writing bool
	busy    bool
	queue   []*queuedWrite[T]
}

type queuedWrite[T any] struct {
	v    T
	done chan groupOutcome
}

// groupOutcome is a queued write's answer: written (err), or the role of
// writer for the batch queued behind the one just written.
type groupOutcome struct {
	err  error
	lead bool
}

// Do writes v with whatever other writes are waiting and returns its
// outcome. Waiting ignores ctx: an abandoned write is still written, and
// a waiter must be there to take over the writer's role.
func (g *GroupCommit[T]) Do(ctx context.Context, v T) error {
	me := &queuedWrite[T]{v: v, done: make(chan groupOutcome, 1)}
	g.mu.Lock()
	g.queue = append(g.queue, me)
	if g.writing {
		g.mu.Unlock()
		o := <-me.done
		if !o.lead {
			return o.err
		}
		g.mu.Lock()
	} else if g.busy && g.Delay > 0 {
		g.writing = true
		g.mu.Unlock()
		time.Sleep(g.Delay)
		g.mu.Lock()
	}
	g.writing = true
	limit := g.Max
	if limit <= 0 {
		limit = 256
	}
	n := min(len(g.queue), limit)
	batch := g.queue[:n:n]
	g.queue = g.queue[n:]
	g.mu.Unlock()

	items := make([]T, len(batch))
	for i, q := range batch {
		items[i] = q.v
	}
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	errs := g.Write(wctx, items)
	cancel()
	var mine error
	for i, q := range batch {
		var err error
		if i < len(errs) {
			err = errs[i]
		}
		if q == me {
			mine = err
			continue
		}
		q.done <- groupOutcome{err: err}
	}
	g.mu.Lock()
	g.busy = len(batch) > 1
	if len(g.queue) > 0 {
		g.queue[0].done <- groupOutcome{lead: true}
	} else {
		g.writing = false
	}
	g.mu.Unlock()
	return mine
}
