// SPDX-License-Identifier: Apache-2.0

// Command report turns one `make bench` run directory into the bench table
// (stdout), a JSON record for tracking and a Markdown copy of the table for
// BENCHMARKS.md. It reads, from -dir:
//
//	legs.jsonl    one line per load leg and round, written by bench/run:
//	              {"round", "scenario", "target", "conns", "body_bytes", "smoke",
//	               "cpu_ticks", "clk_tck", "wrk": <wrk.lua BENCHJSON>}
//	metrics.txt   "name value…" lines: tool versions, load averages, RSS samples
//	codec.txt     `go test -bench -benchmem` output of the codec benchmarks (optional)
//	idle.json     the output of bench/idle (optional)
//
// Rounds of the same leg are added up. Ratios are taken within the run: each
// leg's req/s, p50, p99 and server CPU time per request divided by the same
// scenario's direct and nginx legs. The targets of the bench issue
// are checked and listed as met or by how far they are off.
//
// Usage:
//
//	report -dir RUNDIR [-json latest.json] [-md latest.md]
package main
