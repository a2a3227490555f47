// SPDX-License-Identifier: Apache-2.0

//go:build integration

// Package integration holds modelgate's live tests: the adapter conformance
// kit (adaptertest.RunLive) against the real backends, and end-to-end
// REST tests through a running modelgate binary. Every file carries the
// integration build tag, so plain `go test ./...` skips the package.
//
// The backends are the real servers compose/native starts as local
// processes — MLflow, KServe's Python server, BentoML, TorchServe — plus
// the TF Serving REST emulator (labelled as such: real TF Serving cannot be
// installed on these machines). All serve the same scikit-learn iris
// LogisticRegression, so one input must give the same class everywhere.
//
// Run it with
//
//	make build && scripts/integration
//
// which starts the backends, exports the ports of compose/native/ports.env
// and MODELGATE_BIN, runs
//
//	go test -race -tags integration -count=1 -timeout 20m ./integration/...
//
// and stops the backends again. Nothing is skipped: a missing variable or
// an absent backend fails the suite loudly.
//
// Tests run in file order. The functional tests (conformance, predictions,
// metadata, versions) come first and run their cases in parallel; the
// disruptive ones (outage, resilience) come last, run one at a time, and
// restore what they stop: a backend they kill is restarted, TorchServe's
// workers are scaled back up. Measured figures are logged as
//
//	FIGURE name=value
//
// lines for the release notes: in the test log (go test -v, or a failed
// run), and collected, each with its test's name, in
// .run/logs/integration-figures.txt (rewritten by every run).
package integration
