//go:build !linux

package service

import "time"

// threadCPUTime is not measured here: the write-back's budget counts the
// flush's wall-clock time instead.
func threadCPUTime() (time.Duration, bool) { return 0, false }
