package service

import (
	"reflect"
	"testing"
)

// holdsPointers reports whether a value of t holds a pointer the garbage
// collector would follow.
func holdsPointers(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Array:
		return t.Len() > 0 && holdsPointers(t.Elem())
	case reflect.Struct:
		for i := range t.NumField() {
			if holdsPointers(t.Field(i).Type) {
				return true
			}
		}
		return false
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Complex64, reflect.Complex128:
		return false
	}
	return true // pointers, strings, slices, maps, interfaces, funcs, channels
}

// The entries of the large maps, one per token or (token, IP) pair in use,
// hold no pointer, so the collector never scans them (BENCHMARKS.md: with a
// million tokens in use it scanned over a gigabyte of them).
func TestLargeMapsHoldNoPointers(t *testing.T) {
	for _, v := range []any{packedToken{}, tokenKey{}, secretKey{}, usageKey{}, usageEntry{}} {
		if typ := reflect.TypeOf(v); holdsPointers(typ) {
			t.Errorf("%s holds a pointer", typ)
		}
	}
	if holdsPointers(reflect.TypeOf(cachedToken{})) == false {
		t.Error("the check finds no pointer in cachedToken, which has two: it cannot fail")
	}
}
