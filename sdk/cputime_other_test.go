//go:build !unix

package sdk_test

import "time"

// cpuTime is not measured here: the cpu-ns/op metrics read 0.
func cpuTime() time.Duration { return 0 }
