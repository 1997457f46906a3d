//go:build unix

package sdk_test

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time the process has used, user and system. On a
// machine shared with other work a benchmark's wall time per op grows with
// the load; its CPU time per op much less.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
