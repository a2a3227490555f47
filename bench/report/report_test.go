// SPDX-License-Identifier: Apache-2.0

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// wrkLine builds a legs.jsonl line as bench/run writes it: 64 connections,
// 100-byte bodies, one second measured, 10 clock ticks (0.1 s) of server CPU.
func wrkLine(round int, scenario, target string, requests, p50, p99 int64) string {
	return fmt.Sprintf(`{"round":%d,"scenario":%q,"target":%q,"conns":64,"body_bytes":100,"smoke":"ok","cpu_ticks":10,"clk_tck":100,`+
		`"wrk":{"requests":%d,"duration_us":1000000,"errors":{"connect":0,"read":0,"write":0,"status":0,"timeout":0},`+
		`"latency_us":{"p50":%d,"p99":%d,"max":%d}}}`, round, scenario, target, requests, p50, p99, p99*2)
}

// writeRun lays out a run directory.
func writeRun(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestMergeRounds checks rounds add up: req/s over the total time, median
// percentiles, ratios to direct and nginx.
func TestMergeRounds(t *testing.T) {
	t.Parallel()
	lines := strings.Join([]string{
		wrkLine(1, "oip-small", "direct", 1000, 1000, 4000),
		wrkLine(1, "oip-small", "nginx", 500, 2000, 8000),
		wrkLine(2, "oip-small", "direct", 3000, 3000, 6000),
		wrkLine(2, "oip-small", "nginx", 500, 2000, 8000),
	}, "\n")
	in, err := readInput(writeRun(t, map[string]string{"legs.jsonl": lines}))
	if err != nil {
		t.Fatalf("readInput: %v", err)
	}
	legs := buildLegs(in.legs)
	if len(legs) != 2 {
		t.Fatalf("legs: got %d, want 2", len(legs))
	}
	d := legs[0]
	if d.Target != "direct" || d.Rounds != 2 || d.RPS != 2000 || d.P50MS != 2 || d.P99MS != 5 || d.MaxMS != 12 {
		t.Errorf("direct: got %s rounds %d rps %v p50 %v p99 %v max %v, want direct 2 2000 2 5 12",
			d.Target, d.Rounds, d.RPS, d.P50MS, d.P99MS, d.MaxMS)
	}
	if d.CPUPerReqUS != 50 {
		t.Errorf("direct CPU per request: got %v µs, want 50 (0.2 s over 4000 requests)", d.CPUPerReqUS)
	}
	if diff := cmp.Diff(&ratios{RPS: 4, P50: 1, P99: 0.625, CPU: 0.25}, d.VsNginx); diff != "" {
		t.Errorf("direct vs nginx (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(&ratios{RPS: 0.25, P50: 1, P99: 1.6, CPU: 4}, legs[1].VsDirect); diff != "" {
		t.Errorf("nginx vs direct (-want +got):\n%s", diff)
	}
}

// TestSmallChecks checks the throughput and p99 targets against nginx and
// Caddy, met and missed.
func TestSmallChecks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		mgRPS    int64
		caddyRPS int64
		mgP99    int64
		wantMet  []bool
	}{
		{"all met", 700, 300, 15000, []bool{true, true, true}},
		{"slower than 0.6 nginx", 500, 200, 15000, []bool{false, true, true}},
		{"not twice Caddy", 700, 400, 15000, []bool{true, false, true}},
		{"p99 over twice nginx", 700, 300, 25000, []bool{true, true, false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			lines := strings.Join([]string{
				wrkLine(1, "oip-small", "nginx", 1000, 1000, 10000),
				wrkLine(1, "oip-small", "caddy", tt.caddyRPS, 1000, 10000),
				wrkLine(1, "oip-small", "modelgate", tt.mgRPS, 1000, tt.mgP99),
			}, "\n")
			in, err := readInput(writeRun(t, map[string]string{"legs.jsonl": lines}))
			if err != nil {
				t.Fatalf("readInput: %v", err)
			}
			var got []bool
			for _, c := range smallChecks(buildLegs(in.legs)) {
				got = append(got, c.Met)
				if !c.Met && c.Off == "" {
					t.Errorf("%s: missed without saying by how much", c.Name)
				}
			}
			if diff := cmp.Diff(tt.wantMet, got); diff != "" {
				t.Errorf("met (-want +got):\n%s", diff)
			}
		})
	}
}

// TestParseBench checks go test -bench output lines are read, with and
// without the GOMAXPROCS suffix, and the custom in-bytes metric.
func TestParseBench(t *testing.T) {
	t.Parallel()
	out := `goos: linux
pkg: github.com/modelgate/modelgate/bench/workload
BenchmarkDecodeValidateEncode/fp32-1M         	      30	  40000000 ns/op	 200.70 MB/s	  265.70 cpu-MB/s	  10627863 in-bytes	25000000 B/op	      12 allocs/op
BenchmarkV1ToOIP-2   	  500000	      2400 ns/op	  13.75 MB/s	    1200 B/op	      30 allocs/op
PASS
`
	got := parseBench([]byte(out))
	want := []codecResult{
		{Name: "BenchmarkDecodeValidateEncode/fp32-1M", N: 30, NsOp: 4e7, MBs: 200.7, CPUMBs: 265.7, BOp: 25000000, AllocsOp: 12, BytesIn: 10627863},
		{Name: "BenchmarkV1ToOIP-2", N: 500000, NsOp: 2400, MBs: 13.75, BOp: 1200, AllocsOp: 30},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("parseBench (-want +got):\n%s", diff)
	}
	c := codecCheck(got)
	if !c.Met {
		t.Errorf("codec check: got missed (%s), want met at 265.7 MB/s per CPU second", c.Off)
	}
	if r := findBench(got, "BenchmarkV1ToOIP"); r == nil || r.NsOp != 2400 {
		t.Errorf("findBench with suffix: got %+v, want the BenchmarkV1ToOIP-2 line", r)
	}
}

// TestMemoryAndIdleChecks checks the RSS targets from metrics.txt and
// idle.json.
func TestMemoryAndIdleChecks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name           string
		peak           string
		idle           string
		wantMem, wantI bool
	}{
		{"both met", "10000000", `{"conns_wanted":10000,"conns_open":10000,"alive_after":10000,"rss_held_bytes":250000000}`, true, true},
		{"memory over", "13000000", `{"conns_wanted":10000,"conns_open":10000,"alive_after":10000,"rss_held_bytes":250000000}`, false, true},
		{"idle RSS over", "10000000", `{"conns_wanted":10000,"conns_open":10000,"alive_after":10000,"rss_held_bytes":310000000}`, true, false},
		{"idle connections dropped", "10000000", `{"conns_wanted":10000,"conns_open":10000,"alive_after":9000,"rss_held_bytes":200000000}`, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			// 4 connections × 1 MB bodies in flight: 12 MB of RSS growth is 3×.
			line := strings.Replace(wrkLine(1, "oip-1m-fp32", "modelgate", 10, 1000, 2000),
				`"conns":64,"body_bytes":100`, `"conns":4,"body_bytes":1000000`, 1)
			in, err := readInput(writeRun(t, map[string]string{
				"legs.jsonl":  line,
				"metrics.txt": "modelgate_1m_rss_before_bytes 0\nmodelgate_1m_rss_peak_bytes " + tt.peak + "\n",
				"idle.json":   tt.idle,
			}))
			if err != nil {
				t.Fatalf("readInput: %v", err)
			}
			if m := memoryCheck(buildLegs(in.legs), in); m.Met != tt.wantMem {
				t.Errorf("memory check: got met=%v (%s), want %v", m.Met, m.Got, tt.wantMem)
			}
			if c := idleCheck(in.idle); c.Met != tt.wantI {
				t.Errorf("idle check: got met=%v (%s %s), want %v", c.Met, c.Got, c.Off, tt.wantI)
			}
		})
	}
}

// TestCodecCheck checks the 1M target prefers MB/s per CPU second and says
// how far a miss is.
func TestCodecCheck(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		bench   codecResult
		wantMet bool
		wantOff string
	}{
		{"per CPU second met, wall missed", codecResult{Name: codecBenchName, MBs: 120, CPUMBs: 260}, true, ""},
		{"wall only, missed", codecResult{Name: codecBenchName + "-2", MBs: 125}, false, "needs 2.00× the speed"},
		{"other benchmark only", codecResult{Name: "BenchmarkOther", MBs: 900}, false, "not measured"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := codecCheck([]codecResult{tt.bench})
			if c.Met != tt.wantMet || !strings.HasPrefix(c.Off, tt.wantOff) {
				t.Errorf("codecCheck: got met=%v off=%q, want met=%v off starting %q", c.Met, c.Off, tt.wantMet, tt.wantOff)
			}
		})
	}
}
