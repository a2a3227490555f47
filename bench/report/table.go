// SPDX-License-Identifier: Apache-2.0

package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// tableHeader returns the column list of both table renderings.
func tableHeader() []string {
	return []string{"scenario", "target", "conns", "req/s", "÷direct", "÷nginx",
		"p50 ms", "÷direct", "÷nginx", "p99 ms", "÷direct", "÷nginx", "CPU µs/req", "÷nginx", "body MB/s", "errors"}
}

// rows renders the legs as table cells.
func rows(legs []leg) [][]string {
	out := make([][]string, 0, len(legs))
	for _, l := range legs {
		errs := fmt.Sprint(l.Errors)
		if l.Smoke != "ok" {
			errs += " (smoke: " + l.Smoke + ")"
		}
		out = append(out, []string{
			l.Scenario, l.Target, fmt.Sprint(l.Conns),
			fmt.Sprintf("%.0f", l.RPS), ratio(l.VsDirect, rpsOf), ratio(l.VsNginx, rpsOf),
			fmt.Sprintf("%.2f", l.P50MS), ratio(l.VsDirect, p50Of), ratio(l.VsNginx, p50Of),
			fmt.Sprintf("%.2f", l.P99MS), ratio(l.VsDirect, p99Of), ratio(l.VsNginx, p99Of),
			cpu(l.CPUPerReqUS), ratio(l.VsNginx, cpuOf), fmt.Sprintf("%.0f", l.InMBs), errs,
		})
	}
	return out
}

func rpsOf(r *ratios) float64 { return r.RPS }
func p50Of(r *ratios) float64 { return r.P50 }
func p99Of(r *ratios) float64 { return r.P99 }
func cpuOf(r *ratios) float64 { return r.CPU }

// cpu formats CPU µs per request with about three significant digits.
func cpu(us float64) string {
	switch {
	case us == 0:
		return "-"
	case us < 100:
		return fmt.Sprintf("%.1f", us)
	}
	return fmt.Sprintf("%.0f", us)
}

// ratio formats one ratio, or "-" without a reference.
func ratio(r *ratios, f func(*ratios) float64) string {
	if r == nil || f(r) == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f", f(r))
}

// writeText prints the aligned table and the targets.
func writeText(w io.Writer, rep *record) error {
	fmt.Fprintf(w, "modelgate bench — %s — %s, %d CPUs, %.1f GiB; load before %s, after %s\n\n",
		rep.Date, rep.Machine.CPU, rep.Machine.NumCPU, float64(rep.Machine.MemBytes)/(1<<30),
		rep.LoadBefore, rep.LoadAfter)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, strings.Join(tableHeader(), "\t")+"\t")
	for _, r := range rows(rep.Legs) {
		fmt.Fprintln(tw, strings.Join(r, "\t")+"\t")
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "\ntargets:")
	for _, c := range rep.Checks {
		fmt.Fprintf(w, "  [%s] %s: want %s, got %s%s\n", mark(c.Met), c.Name, c.Want, orDash(c.Got), offNote(c))
	}
	return nil
}

// writeMarkdown prints the table and the targets as Markdown.
func writeMarkdown(w io.Writer, rep *record) {
	fmt.Fprintln(w, "| "+strings.Join(tableHeader(), " | ")+" |")
	fmt.Fprintln(w, "|"+strings.Repeat("---|", len(tableHeader())))
	for _, r := range rows(rep.Legs) {
		fmt.Fprintln(w, "| "+strings.Join(r, " | ")+" |")
	}
	fmt.Fprintln(w, "\n| target | want | measured | met |")
	fmt.Fprintln(w, "|---|---|---|---|")
	for _, c := range rep.Checks {
		fmt.Fprintf(w, "| %s | %s | %s | %s%s |\n", c.Name, c.Want, orDash(c.Got), mark(c.Met), offNote(c))
	}
	if len(rep.Codec) > 0 {
		fmt.Fprintln(w, "\n| codec benchmark (GOMAXPROCS=1) | ns/op | MB/s | MB/s per CPU s | B/op | allocs/op |")
		fmt.Fprintln(w, "|---|---|---|---|---|---|")
		for _, b := range rep.Codec {
			fmt.Fprintf(w, "| %s | %.0f | %s | %s | %d | %d |\n", b.Name, b.NsOp, orDashF(b.MBs), orDashF(b.CPUMBs), b.BOp, b.AllocsOp)
		}
	}
}

func mark(ok bool) string {
	if ok {
		return "met"
	}
	return "MISSED"
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// orDashF formats a rate, or "-" when it was not reported.
func orDashF(v float64) string {
	if v == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f", v)
}

func offNote(c check) string {
	if c.Off == "" {
		return ""
	}
	return " — " + c.Off
}
