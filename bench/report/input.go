// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// wrkResult is the BENCHJSON line of bench/wrk.lua.
type wrkResult struct {
	Requests   int64 `json:"requests"`
	DurationUS int64 `json:"duration_us"`
	Bytes      int64 `json:"bytes"`
	Errors     struct {
		Connect, Read, Write, Status, Timeout int64
	} `json:"errors"`
	LatencyUS struct {
		Min, P50, P90, P99, P999, Max int64
		Mean, Stdev                   float64
	} `json:"latency_us"`
}

// legLine is one line of legs.jsonl.
type legLine struct {
	Round     int       `json:"round"`
	Scenario  string    `json:"scenario"`
	Target    string    `json:"target"`
	Conns     int       `json:"conns"`
	BodyBytes int64     `json:"body_bytes"`
	Smoke     string    `json:"smoke"`
	CPUTicks  int64     `json:"cpu_ticks"`
	ClkTck    int64     `json:"clk_tck"`
	Wrk       wrkResult `json:"wrk"`
}

// input is everything one run directory holds.
type input struct {
	legs    []legLine
	metrics map[string]string
	codec   []codecResult
	idle    *idleResult
}

// idleResult is the JSON bench/idle prints.
type idleResult struct {
	Wanted          int    `json:"conns_wanted"`
	Open            int    `json:"conns_open"`
	Failed          int    `json:"conns_failed"`
	AliveAfter      int    `json:"alive_after"`
	RSSBeforeBytes  int64  `json:"rss_before_bytes"`
	RSSHeldBytes    int64  `json:"rss_held_bytes"`
	RSSPerConnBytes int64  `json:"rss_per_conn_bytes"`
	FirstError      string `json:"first_error,omitempty"`
}

// codecResult is one line of `go test -bench -benchmem` output.
type codecResult struct {
	Name string  `json:"name"`
	N    int64   `json:"n"`
	NsOp float64 `json:"ns_op"`
	MBs  float64 `json:"mb_s,omitempty"`
	// CPUMBs is MB/s per CPU second, the benchmark's "cpu-MB/s" metric.
	CPUMBs   float64 `json:"cpu_mb_s,omitempty"`
	BOp      int64   `json:"b_op"`
	AllocsOp int64   `json:"allocs_op"`
	// BytesIn is the input size, from the benchmark's custom "in-bytes"
	// metric when it reports one.
	BytesIn float64 `json:"in_bytes,omitempty"`
}

// readInput loads dir; only legs.jsonl is required.
func readInput(dir string) (*input, error) {
	in := &input{metrics: map[string]string{}}
	legs, err := os.ReadFile(filepath.Join(dir, "legs.jsonl"))
	if err != nil {
		return nil, err
	}
	for i, line := range bytes.Split(legs, []byte("\n")) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var l legLine
		if err := json.Unmarshal(line, &l); err != nil {
			return nil, fmt.Errorf("legs.jsonl line %d: %w", i+1, err)
		}
		in.legs = append(in.legs, l)
	}
	if err := readOptional(filepath.Join(dir, "metrics.txt"), func(b []byte) error {
		in.metrics = parseMetrics(b)
		return nil
	}); err != nil {
		return nil, err
	}
	if err := readOptional(filepath.Join(dir, "codec.txt"), func(b []byte) error {
		in.codec = parseBench(b)
		return nil
	}); err != nil {
		return nil, err
	}
	err = readOptional(filepath.Join(dir, "idle.json"), func(b []byte) error {
		in.idle = &idleResult{}
		return json.Unmarshal(b, in.idle)
	})
	return in, err
}

// readOptional calls parse with the file's content, if the file exists.
func readOptional(path string, parse func([]byte) error) error {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := parse(b); err != nil {
		return fmt.Errorf("%s: %w", filepath.Base(path), err)
	}
	return nil
}

// parseMetrics reads "name value…" lines; the value is the rest of the line.
func parseMetrics(b []byte) map[string]string {
	m := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		name, value, ok := strings.Cut(strings.TrimSpace(sc.Text()), " ")
		if ok && name != "" {
			m[name] = strings.TrimSpace(value)
		}
	}
	return m
}

// metric returns a numeric metric, or 0 and false.
func (in *input) metric(name string) (float64, bool) {
	v, err := strconv.ParseFloat(in.metrics[name], 64)
	return v, err == nil
}

// parseBench reads benchmark lines: name, iterations, then value-unit pairs.
func parseBench(b []byte) []codecResult {
	var out []codecResult
	for line := range strings.Lines(string(b)) {
		f := strings.Fields(line)
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		n, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil {
			continue
		}
		r := codecResult{Name: f[0], N: n}
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				continue
			}
			switch f[i+1] {
			case "ns/op":
				r.NsOp = v
			case "MB/s":
				r.MBs = v
			case "B/op":
				r.BOp = int64(v)
			case "allocs/op":
				r.AllocsOp = int64(v)
			case "cpu-MB/s":
				r.CPUMBs = v
			case "in-bytes":
				r.BytesIn = v
			}
		}
		out = append(out, r)
	}
	return out
}
