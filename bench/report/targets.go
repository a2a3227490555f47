// SPDX-License-Identifier: Apache-2.0

package main

import (
	"fmt"
	"strings"
)

// The bench issue's targets.
const (
	minVsNginxRPS  = 0.6   // OIP→OIP small: modelgate req/s ≥ 0.6 × nginx
	minVsCaddyRPS  = 2.0   // … and ≥ 2 × Caddy
	maxVsNginxP99  = 2.0   // … p99 ≤ 2 × nginx
	minCodecMBs    = 250.0 // 1M FP32 decode+validate+encode, one core
	maxMemPerBody  = 3.0   // peak memory ≤ 3 × request size
	maxIdleRSS     = 300e6 // 10,000 idle keep-alive connections: RSS ≤ 300 MB
	idleConnsGoal  = 10000
	smallScenario  = "oip-small"
	bigScenario    = "oip-1m-fp32"
	codecBenchName = "BenchmarkDecodeValidateEncode/fp32-1M"
)

// check is one target with its measured value.
type check struct {
	Name string `json:"name"`
	Want string `json:"want"`
	Got  string `json:"got"`
	// Met is false when the target was missed or not measured.
	Met bool `json:"met"`
	// Off says by how much a missed target is off, or why it is unmeasured.
	Off string `json:"off,omitempty"`
}

// checks evaluates every target.
func checks(legs []leg, in *input) []check {
	out := smallChecks(legs)
	out = append(out, codecCheck(in.codec), memoryCheck(legs, in), idleCheck(in.idle))
	return out
}

// smallChecks compares modelgate with nginx and Caddy on oip-small.
func smallChecks(legs []leg) []check {
	mg, ngx, cdy := find(legs, smallScenario, targetModelgate), find(legs, smallScenario, targetNginx),
		find(legs, smallScenario, targetCaddy)
	c1 := check{Name: "OIP→OIP small: throughput vs nginx", Want: fmt.Sprintf("≥ %.1f×", minVsNginxRPS)}
	c2 := check{Name: "OIP→OIP small: throughput vs Caddy", Want: fmt.Sprintf("≥ %.1f×", minVsCaddyRPS)}
	c3 := check{Name: "OIP→OIP small: p99 vs nginx", Want: fmt.Sprintf("≤ %.1f×", maxVsNginxP99)}
	if bad := unusable(mg, ngx); bad != "" {
		c1.Off, c3.Off = bad, bad
	} else {
		r := mg.RPS / ngx.RPS
		c1.Got, c1.Met = fmt.Sprintf("%.2f× (%.0f vs %.0f req/s)%s", r, mg.RPS, ngx.RPS, cpuNote(mg, ngx)), r >= minVsNginxRPS
		if !c1.Met {
			c1.Off = fmt.Sprintf("needs %.0f%% more throughput", (minVsNginxRPS/r-1)*100)
		}
		p := mg.P99MS / ngx.P99MS
		c3.Got, c3.Met = fmt.Sprintf("%.2f× (%.2f vs %.2f ms)", p, mg.P99MS, ngx.P99MS), p <= maxVsNginxP99
		if !c3.Met {
			c3.Off = fmt.Sprintf("p99 %.0f%% too high", (p/maxVsNginxP99-1)*100)
		}
	}
	if bad := unusable(mg, cdy); bad != "" {
		c2.Off = bad
	} else {
		r := mg.RPS / cdy.RPS
		c2.Got, c2.Met = fmt.Sprintf("%.2f× (%.0f vs %.0f req/s)%s", r, mg.RPS, cdy.RPS, cpuNote(mg, cdy)), r >= minVsCaddyRPS
		if !c2.Met {
			c2.Off = fmt.Sprintf("needs %.0f%% more throughput", (minVsCaddyRPS/r-1)*100)
		}
	}
	return []check{c1, c2, c3}
}

// cpuNote compares the CPU time per request of modelgate and a peer: on a
// shared machine, the ratio of what each costs is steadier than req/s.
func cpuNote(mg, peer *leg) string {
	if mg.CPUPerReqUS == 0 || peer.CPUPerReqUS == 0 {
		return ""
	}
	return fmt.Sprintf("; CPU per request %.0f vs %.0f µs, i.e. %.2f× %s's capacity per core",
		mg.CPUPerReqUS, peer.CPUPerReqUS, peer.CPUPerReqUS/mg.CPUPerReqUS, peer.Target)
}

// unusable says why a pair of legs cannot be compared, or "".
func unusable(legs ...*leg) string {
	var why []string
	for _, l := range legs {
		switch {
		case l == nil:
			why = append(why, "a leg is missing")
		case l.Smoke != "ok":
			why = append(why, l.Target+" failed its smoke request")
		case l.Errors > 0:
			why = append(why, fmt.Sprintf("%s had %d errors", l.Target, l.Errors))
		case l.RPS == 0 || l.P99MS == 0:
			why = append(why, l.Target+" measured nothing")
		}
	}
	return strings.Join(why, "; ")
}

// codecCheck reads the one-core codec benchmark of the 1M FP32 request.
func codecCheck(codec []codecResult) check {
	c := check{Name: "1M FP32 JSON decode+validate+encode, one core", Want: fmt.Sprintf("≥ %.0f MB/s", minCodecMBs)}
	r := findBench(codec, codecBenchName)
	if r == nil || r.MBs == 0 {
		c.Off = "not measured (" + codecBenchName + " missing from codec.txt)"
		return c
	}
	// Per CPU second when the benchmark reports it: a benchmark sharing
	// the machine gets less than a core of wall time.
	mbs, per := r.MBs, "wall"
	if r.CPUMBs > 0 {
		mbs, per = r.CPUMBs, "per CPU second"
	}
	c.Got = fmt.Sprintf("%.0f MB/s %s (%.0f MB/s wall, %.1f ms/op, %d allocs/op)", mbs, per, r.MBs, r.NsOp/1e6, r.AllocsOp)
	c.Met = mbs >= minCodecMBs
	if !c.Met {
		c.Off = fmt.Sprintf("needs %.2f× the speed", minCodecMBs/mbs)
	}
	return c
}

// findBench returns the benchmark whose name is name, with or without a
// -GOMAXPROCS suffix.
func findBench(codec []codecResult, name string) *codecResult {
	for i := range codec {
		if n := codec[i].Name; n == name || strings.HasPrefix(n, name+"-") {
			return &codec[i]
		}
	}
	return nil
}

// memoryCheck compares modelgate's RSS growth during the 1M leg with the
// bytes in flight (connections × request size).
func memoryCheck(legs []leg, in *input) check {
	c := check{Name: "1M FP32: modelgate peak RSS growth per in-flight request", Want: fmt.Sprintf("≤ %.0f× request size", maxMemPerBody)}
	mg := find(legs, bigScenario, targetModelgate)
	before, ok1 := in.metric("modelgate_1m_rss_before_bytes")
	peak, ok2 := in.metric("modelgate_1m_rss_peak_bytes")
	if mg == nil || !ok1 || !ok2 || mg.Conns == 0 || mg.BodyBytes == 0 {
		c.Off = "not measured"
		return c
	}
	inflight := float64(mg.Conns) * float64(mg.BodyBytes)
	r := (peak - before) / inflight
	c.Got = fmt.Sprintf("%.2f× (RSS %.0f → %.0f MB, %d × %.1f MB in flight)", r, before/1e6, peak/1e6, mg.Conns, float64(mg.BodyBytes)/1e6)
	if b := findBench(in.codec, codecBenchName); b != nil && b.BytesIn > 0 {
		c.Got += fmt.Sprintf("; decode+validate+encode allocate %.2f× the body, besides the body itself", float64(b.BOp)/b.BytesIn)
	}
	c.Met = r <= maxMemPerBody && mg.Errors == 0
	if !c.Met {
		c.Off = fmt.Sprintf("%.0f%% over", (r/maxMemPerBody-1)*100)
	}
	return c
}

// idleCheck reads bench/idle's result.
func idleCheck(r *idleResult) check {
	c := check{Name: "10,000 idle keep-alive connections: modelgate RSS", Want: fmt.Sprintf("≤ %.0f MB, all held", maxIdleRSS/1e6)}
	if r == nil {
		c.Off = "not measured"
		return c
	}
	c.Got = fmt.Sprintf("%.0f MB with %d open (%.0f MB before, %.1f KB per connection), %d still served after",
		float64(r.RSSHeldBytes)/1e6, r.Open, float64(r.RSSBeforeBytes)/1e6, float64(r.RSSPerConnBytes)/1e3, r.AliveAfter)
	held := r.Open >= idleConnsGoal && r.AliveAfter == r.Open
	c.Met = held && float64(r.RSSHeldBytes) <= maxIdleRSS
	switch {
	case !held:
		c.Off = fmt.Sprintf("%d of %d connections held, %d still served after", r.Open, idleConnsGoal, r.AliveAfter)
		if r.FirstError != "" {
			c.Off += " (first error: " + r.FirstError + ")"
		}
	case !c.Met:
		c.Off = fmt.Sprintf("%.0f%% over", (float64(r.RSSHeldBytes)/maxIdleRSS-1)*100)
	}
	return c
}
