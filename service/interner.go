package service

import (
	"sync"
	"sync/atomic"
)

// interner numbers strings, so that a cache entry names its tenant, owner,
// type and project by four uint32s instead of four pointers: a map of
// entries without pointers is one the garbage collector does not scan,
// however many tokens it holds. Numbers are never reused and the table
// only grows, by the strings many tokens share (tenants, owners, types,
// projects), as unique.Make's table did.
//
// A number is read without a lock: the string is stored before the number
// is handed out, and whoever holds the number got it through a cache entry
// put under the cache's lock after that, so the read happens after the
// write.
type interner struct {
	mu     sync.Mutex
	ids    map[string]uint32
	n      uint32
	chunks [internChunks]atomic.Pointer[[internChunk]string]
}

const (
	internChunk  = 1024
	internChunks = 1 << 15 // 32 Mi strings
)

// names is the process's interner (as unique.Make's table is the process's).
var names = &interner{ids: map[string]uint32{"": 0}, n: 1}

func init() { names.chunks[0].Store(new([internChunk]string)) }

// id returns s's number, numbering it when new; false when the table is
// full (32 Mi distinct strings), and the caller does not cache.
func (in *interner) id(s string) (uint32, bool) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if i, ok := in.ids[s]; ok {
		return i, true
	}
	i := in.n
	if i>>10 >= internChunks {
		return 0, false
	}
	c := in.chunks[i>>10].Load()
	if c == nil {
		c = new([internChunk]string)
		in.chunks[i>>10].Store(c)
	}
	c[i&(internChunk-1)] = s
	in.ids[s] = i
	in.n++
	return i, true
}

// lookup returns s's number without numbering it.
func (in *interner) lookup(s string) (uint32, bool) {
	in.mu.Lock()
	defer in.mu.Unlock()
	i, ok := in.ids[s]
	return i, ok
}

// value returns the string numbered i.
func (in *interner) value(i uint32) string { return in.chunks[i>>10].Load()[i&(internChunk-1)] }
