// SPDX-License-Identifier: Apache-2.0

//go:build !unix

package upstream

import "time"

// cpuTime is unknown here: no cpu-ns/op metric.
func cpuTime() time.Duration { return -1 }
