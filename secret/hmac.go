package secret

import (
	"crypto/hmac"
	"crypto/sha256"
	"hash"
	"sync"
)

// Hasher computes the keyed hash under which secrets are stored. Without the
// pepper, a database dump alone cannot be used to test guesses.
type Hasher struct {
	pepper []byte
	// macs keeps keyed HMAC states for reuse: keying one costs two SHA-256
	// blocks and four allocations, on every verification otherwise.
	macs sync.Pool // of *macState
}

// macState is a keyed HMAC with buffers for its input and output: passed
// to the hash.Hash interface, a slice of the caller's string or array
// would escape and cost an allocation per call.
type macState struct {
	mac hash.Hash
	in  []byte
	out [HashSize]byte
}

// HashSize is the length of a Hasher's output.
const HashSize = sha256.Size

// NewHasher returns a Hasher keyed with pepper.
func NewHasher(pepper []byte) *Hasher {
	h := &Hasher{pepper: append([]byte(nil), pepper...)}
	h.macs.New = func() any { return &macState{mac: hmac.New(sha256.New, h.pepper), in: make([]byte, 0, 64)} }
	return h
}

// Hash returns HMAC-SHA256(pepper, s).
func (h *Hasher) Hash(s string) []byte {
	sum := h.Sum(s)
	return sum[:]
}

// Sum is Hash into an array, without allocating.
func (h *Hasher) Sum(s string) [HashSize]byte {
	m := h.macs.Get().(*macState)
	m.mac.Reset()
	m.in = append(m.in[:0], s...)
	_, _ = m.mac.Write(m.in)
	m.mac.Sum(m.out[:0])
	out := m.out
	if cap(m.in) > 1024 {
		m.in = make([]byte, 0, 64) // a pooled state keeps no large input
	}
	h.macs.Put(m)
	return out
}
