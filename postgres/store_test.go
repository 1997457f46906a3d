package postgres_test

import (
	"testing"

	"tokenmint"
	"tokenmint/storetest"
)

func newStore(t *testing.T) tokenmint.Store { return MustOpenDB(t) }

// TestStore runs the conformance suite every backend passes.
func TestStore(t *testing.T) {
	storetest.Run(t, newStore)
}

// TestStoreConcurrency runs the suite's races: single-use tokens spent at
// once, usage flushed at once, rotations at once.
func TestStoreConcurrency(t *testing.T) {
	storetest.RunConcurrency(t, newStore)
}
