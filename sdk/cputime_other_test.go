//go:build !linux

package sdk_test

import "time"

// CPU time is measured on Linux only: elsewhere the cpu-… metrics read 0.
func cpuTime() time.Duration       { return 0 }
func threadCPUTime() time.Duration { return 0 }
