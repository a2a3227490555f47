// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "report:", err)
		os.Exit(1)
	}
}

// record is the JSON written for tracking (bench/results/latest.json).
type record struct {
	Date       string            `json:"date"`
	Machine    machine           `json:"machine"`
	LoadBefore string            `json:"load_before"`
	LoadAfter  string            `json:"load_after"`
	Legs       []leg             `json:"legs"`
	Checks     []check           `json:"targets"`
	Codec      []codecResult     `json:"codec,omitempty"`
	Idle       *idleResult       `json:"idle,omitempty"`
	Metrics    map[string]string `json:"metrics"`
}

// machine describes where the run happened.
type machine struct {
	CPU      string `json:"cpu"`
	NumCPU   int    `json:"nproc"`
	MemBytes int64  `json:"mem_bytes"`
	Kernel   string `json:"kernel"`
}

func run(args []string) error {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	dir := fs.String("dir", "", "the run `directory` (required)")
	jsonOut := fs.String("json", "", "also write the record as JSON to `file`")
	mdOut := fs.String("md", "", "also write the table as Markdown to `file`")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dir == "" {
		return fmt.Errorf("-dir is required")
	}
	in, err := readInput(*dir)
	if err != nil {
		return err
	}
	rep := newRecord(in)
	if err := writeText(os.Stdout, rep); err != nil {
		return err
	}
	if *jsonOut != "" {
		b, err := json.MarshalIndent(rep, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(*jsonOut, append(b, '\n'), 0o644); err != nil {
			return err
		}
	}
	if *mdOut != "" {
		var b bytes.Buffer
		writeMarkdown(&b, rep)
		return os.WriteFile(*mdOut, b.Bytes(), 0o644)
	}
	return nil
}

// newRecord assembles the record of a run.
func newRecord(in *input) *record {
	legs := buildLegs(in.legs)
	date := in.metrics["date"]
	if date == "" {
		date = time.Now().UTC().Format(time.RFC3339)
	}
	return &record{
		Date: date, Machine: thisMachine(),
		LoadBefore: in.metrics["loadavg_before"], LoadAfter: in.metrics["loadavg_after"],
		Legs: legs, Checks: checks(legs, in), Codec: in.codec, Idle: in.idle, Metrics: in.metrics,
	}
}

// thisMachine reads the CPU model, memory and kernel from /proc.
func thisMachine() machine {
	m := machine{NumCPU: runtime.NumCPU()}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.Lines(string(b)) {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for line := range strings.Lines(string(b)) {
			if f := strings.Fields(line); len(f) >= 2 && f[0] == "MemTotal:" {
				kb, _ := strconv.ParseInt(f[1], 10, 64)
				m.MemBytes = kb << 10
			}
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	return m
}
