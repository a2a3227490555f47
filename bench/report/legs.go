// SPDX-License-Identifier: Apache-2.0

package main

import "slices"

// Target names, as bench/run labels legs.
const (
	targetDirect    = "direct"
	targetNginx     = "nginx"
	targetCaddy     = "caddy"
	targetModelgate = "modelgate"
)

// leg is one measured row of the table.
type leg struct {
	Scenario  string  `json:"scenario"`
	Target    string  `json:"target"`
	Conns     int     `json:"conns"`
	Rounds    int     `json:"rounds"`
	BodyBytes int64   `json:"body_bytes"`
	Requests  int64   `json:"requests"`
	Errors    int64   `json:"errors"`
	RPS       float64 `json:"rps"`
	P50MS     float64 `json:"p50_ms"`
	P90MS     float64 `json:"p90_ms"`
	P99MS     float64 `json:"p99_ms"`
	MaxMS     float64 `json:"max_ms"`
	// InMBs is the request bodies' throughput, MB/s (10^6 bytes).
	InMBs float64 `json:"in_mb_s"`
	// CPUPerReqUS is the CPU time (user + system) the server under test
	// spent per request, in µs: the backend itself for direct legs, the
	// proxy alone otherwise. Unlike req/s it hardly depends on what else
	// runs on the machine. 0 if not measured.
	CPUPerReqUS float64 `json:"cpu_us_per_req"`
	// VsDirect and VsNginx are this leg's req/s, p50 and p99 divided by
	// those of the same scenario's direct and nginx legs.
	VsDirect *ratios `json:"vs_direct,omitempty"`
	VsNginx  *ratios `json:"vs_nginx,omitempty"`
	// Smoke is "ok", or why the leg's one checked request failed.
	Smoke string `json:"smoke"`
}

// ratios compares a leg with a reference leg.
type ratios struct {
	RPS float64 `json:"rps"`
	P50 float64 `json:"p50"`
	P99 float64 `json:"p99"`
	CPU float64 `json:"cpu_per_req,omitempty"`
}

// buildLegs merges the rounds of each scenario and target, in the order
// they first appear, and fills in the ratios.
func buildLegs(lines []legLine) []leg {
	var legs []leg
	done := map[[2]string]bool{}
	for _, l := range lines {
		k := [2]string{l.Scenario, l.Target}
		if done[k] {
			continue
		}
		done[k] = true
		var rounds []legLine
		for _, r := range lines {
			if r.Scenario == l.Scenario && r.Target == l.Target {
				rounds = append(rounds, r)
			}
		}
		legs = append(legs, merge(rounds))
	}
	for i := range legs {
		if d := find(legs, legs[i].Scenario, targetDirect); d != nil {
			legs[i].VsDirect = compare(&legs[i], d)
		}
		if n := find(legs, legs[i].Scenario, targetNginx); n != nil {
			legs[i].VsNginx = compare(&legs[i], n)
		}
	}
	return legs
}

// merge adds up the rounds of one leg: requests and errors are summed,
// req/s is all requests over all measured time, the latency percentiles are
// the median of the rounds' (the mean of the middle two for an even count),
// the maximum the largest.
func merge(rounds []legLine) leg {
	first := rounds[0]
	x := leg{Scenario: first.Scenario, Target: first.Target, Conns: first.Conns, BodyBytes: first.BodyBytes,
		Rounds: len(rounds), Smoke: "ok"}
	var us, ticks, tck int64
	var p50, p90, p99 []float64
	for _, r := range rounds {
		w := r.Wrk
		ticks += r.CPUTicks
		tck = r.ClkTck
		x.Requests += w.Requests
		us += w.DurationUS
		x.Errors += w.Errors.Connect + w.Errors.Read + w.Errors.Write + w.Errors.Status + w.Errors.Timeout
		p50 = append(p50, float64(w.LatencyUS.P50)/1e3)
		p90 = append(p90, float64(w.LatencyUS.P90)/1e3)
		p99 = append(p99, float64(w.LatencyUS.P99)/1e3)
		x.MaxMS = max(x.MaxMS, float64(w.LatencyUS.Max)/1e3)
		if r.Smoke != "ok" && x.Smoke == "ok" {
			x.Smoke = r.Smoke
		}
	}
	x.P50MS, x.P90MS, x.P99MS = median(p50), median(p90), median(p99)
	if us > 0 {
		x.RPS = float64(x.Requests) / (float64(us) / 1e6)
		x.InMBs = x.RPS * float64(x.BodyBytes) / 1e6
	}
	if tck > 0 && x.Requests > 0 {
		x.CPUPerReqUS = float64(ticks) / float64(tck) * 1e6 / float64(x.Requests)
	}
	return x
}

// median returns the median of vs (sorted in place).
func median(vs []float64) float64 {
	if len(vs) == 0 {
		return 0
	}
	slices.Sort(vs)
	m := len(vs) / 2
	if len(vs)%2 == 1 {
		return vs[m]
	}
	return (vs[m-1] + vs[m]) / 2
}

// find returns the leg of scenario and target, or nil.
func find(legs []leg, scenario, target string) *leg {
	for i := range legs {
		if legs[i].Scenario == scenario && legs[i].Target == target {
			return &legs[i]
		}
	}
	return nil
}

// compare divides a's figures by ref's; a zero reference gives 0.
func compare(a, ref *leg) *ratios {
	return &ratios{RPS: div(a.RPS, ref.RPS), P50: div(a.P50MS, ref.P50MS), P99: div(a.P99MS, ref.P99MS),
		CPU: div(a.CPUPerReqUS, ref.CPUPerReqUS)}
}

func div(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}
