package service

import (
	"time"

	"golang.org/x/sys/unix"
)

// threadCPUTime is the CPU time the calling OS thread has used. The usage
// write-back runs locked to its thread, so the difference across a flush
// is the flush's own CPU time (its store work on SQLite, which runs in
// this process), however long a busy scheduler kept it waiting.
func threadCPUTime() (time.Duration, bool) {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
		return 0, false
	}
	return time.Duration(ts.Nano()), true
}
