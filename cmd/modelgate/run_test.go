// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// noEnv is an empty environment.
func noEnv() []string { return nil }

func TestRunCommands(t *testing.T) {
	t.Parallel()
	good := writeConfig(t, gatewayConfig("http://127.0.0.1:1"))
	tests := []struct {
		name       string
		args       []string
		env        []string
		wantErr    string // "" → nil; errReported's text when printed already
		wantStdout string
		wantStderr string // substring
	}{
		{"no command", []string{"modelgate"}, nil, errReported.Error(), "", "usage: modelgate"},
		{"unknown command", []string{"modelgate", "launch"}, nil, errReported.Error(), "", `unknown command "launch"`},
		{"help", []string{"modelgate", "help"}, nil, "", usage, ""},
		{"version", []string{"modelgate", "version"}, nil, "",
			"modelgate dev " + runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH + "\n", ""},
		{"validate ok", []string{"modelgate", "validate", "--config", good}, nil, "", "ok\n", ""},
		{"validate without --config", []string{"modelgate", "validate"}, nil, "validate: --config is required", "", ""},
		{"validate with a stray argument", []string{"modelgate", "validate", "--config", good, "extra"}, nil,
			`validate: unexpected arguments ["extra"]`, "", ""},
		{"validate with an unknown flag", []string{"modelgate", "validate", "--conf", good}, nil,
			errReported.Error(), "", "flag provided but not defined: -conf"},
		{"validate -h", []string{"modelgate", "validate", "-h"}, nil, "", "", "usage: modelgate"},
		{
			"validate sees environment overrides",
			[]string{"modelgate", "validate", "--config", good},
			[]string{"MODELGATE_BACKENDS__0__URL=ftp://h", "MODELGATE_MODELS__1__TIMEOUT=-1s"},
			errReported.Error(),
			"backends[0].url: must be an absolute http(s) URL (got \"ftp://h\")\nmodels[1].timeout: must not be negative (got -1s)\n",
			"",
		},
		{
			"validate reports a bad environment variable",
			[]string{"modelgate", "validate", "--config", good},
			[]string{"MODELGATE_BACKENDS__4__URL=http://h"},
			errReported.Error(),
			"MODELGATE_BACKENDS__4__URL: index 4 out of range: backends has 1 elements (lists are extended in the file, not the environment)\n",
			"",
		},
		{"serve without --config", []string{"modelgate", "serve"}, nil, "serve: --config is required", "", ""},
		{"serve with a bad log level", []string{"modelgate", "serve", "--config", good, "--log-level", "loud"}, nil,
			`serve: --log-level: slog: level string "loud": unknown name`, "", ""},
		{"serve with a bad --listen", []string{"modelgate", "serve", "--config", good, "--listen", "nowhere"}, nil,
			"invalid configuration " + good + ":\nserver.listen: must be host:port, e.g. \"127.0.0.1:8080\" (got \"nowhere\")", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			err := run(t.Context(), tt.args, func() []string { return tt.env }, &stdout, &stderr)
			if got := errString(err); got != tt.wantErr {
				t.Errorf("got error %q, want %q", got, tt.wantErr)
			}
			if diff := cmp.Diff(tt.wantStdout, stdout.String()); diff != "" {
				t.Errorf("stdout mismatch (-want +got):\n%s", diff)
			}
			if !strings.Contains(stderr.String(), tt.wantStderr) {
				t.Errorf("got stderr %q, want it to contain %q", stderr.String(), tt.wantStderr)
			}
		})
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// TestRunServeInProcess runs serve inside the test binary, so the race
// detector sees the whole wiring: config → resilience → adapter → gateway.
func TestRunServeInProcess(t *testing.T) {
	t.Parallel()
	fake := newFakeOIP(t)
	config := writeConfig(t, gatewayConfig("http://127.0.0.1:1")) // overridden below
	env := []string{"MODELGATE_BACKENDS__0__URL=" + fake.fakeURL()}

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	logR, logW := io.Pipe()
	logs := &syncBuffer{}
	addr := make(chan string, 1)
	go listenAddr(logR, logs, addr)
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"modelgate", "serve", "--config", config, "--listen", "127.0.0.1:0"},
			func() []string { return env }, io.Discard, logW)
		logW.Close()
	}()
	var base string
	select {
	case a := <-addr:
		base = "http://" + a
	case err := <-done:
		t.Fatalf("serve returned before listening: %v\n%s", err, logs)
	case <-time.After(20 * time.Second):
		t.Fatalf("no \"listening\" log line:\n%s", logs)
	}

	status, _, body := post(t, base+"/v2/models/sum/infer",
		`{"inputs": [{"name": "x", "shape": [1, 2], "datatype": "FP64", "data": [1, 2]}]}`)
	if status != http.StatusOK || !strings.Contains(string(body), `"sum"`) {
		t.Errorf("got %d %s, want 200 with output sum", status, body)
	}
	if got := fake.calls.Load(); got != 1 {
		t.Errorf("backend got %d infer calls, want 1", got)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve returned %v after cancel, want nil", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("serve did not return after cancel:\n%s", logs)
	}
	if !strings.Contains(logs.String(), `"msg":"stopped"`) {
		t.Errorf("no \"stopped\" log line:\n%s", logs)
	}
}

func TestRunServeFailsOnBusyPort(t *testing.T) {
	t.Parallel()
	fake := newFakeOIP(t)
	busy := strings.TrimPrefix(fake.fakeURL(), "http://")
	var stderr bytes.Buffer
	err := run(t.Context(), []string{"modelgate", "serve", "--config", writeConfig(t, gatewayConfig(fake.fakeURL())), "--listen", busy},
		noEnv, io.Discard, &stderr)
	if err == nil || !strings.Contains(err.Error(), "address already in use") {
		t.Errorf("got %v, want an address-in-use error", err)
	}
	if errors.Is(err, errReported) {
		t.Errorf("got errReported, want the error itself for main to print")
	}
}
