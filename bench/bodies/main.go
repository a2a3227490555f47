// SPDX-License-Identifier: Apache-2.0

package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/modelgate/modelgate/bench/workload"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "bodies:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("bodies", flag.ContinueOnError)
	dir := fs.String("dir", "", "write into `directory` (required)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dir == "" {
		return fmt.Errorf("-dir is required")
	}
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		return err
	}
	var tsv strings.Builder
	for _, s := range workload.Scenarios() {
		for suffix, body := range map[string][]byte{"peer": s.PeerBody, "gateway": s.GatewayBody} {
			if err := os.WriteFile(filepath.Join(*dir, s.Name+"."+suffix+".json"), body, 0o644); err != nil {
				return err
			}
		}
		big := 0
		if s.Big {
			big = 1
		}
		fmt.Fprintf(&tsv, "%s\t%d\t%s\t%s\t%s\n", s.Name, big, s.PeerPath, s.GatewayPath, s.Title)
	}
	return os.WriteFile(filepath.Join(*dir, "scenarios.tsv"), []byte(tsv.String()), 0o644)
}
