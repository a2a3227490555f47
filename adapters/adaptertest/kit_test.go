// SPDX-License-Identifier: Apache-2.0

package adaptertest_test

import (
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/adapters"
	"github.com/modelgate/modelgate/adapters/adaptertest"
)

// TestRunPassesReference runs the suite against the healthy reference
// adapter: a correct adapter passes.
func TestRunPassesReference(t *testing.T) {
	t.Parallel()
	adaptertest.Run(t, refHarness(healthy))
}

// mutantEnv selects the mutant TestMutant runs, in a child process.
const mutantEnv = "ADAPTERTEST_MUTANT"

// TestMutant runs the suite against one broken reference adapter. It only
// runs in the child processes of TestRunCatchesDefects.
func TestMutant(t *testing.T) {
	m, ok := os.LookupEnv(mutantEnv)
	if !ok {
		t.Skip("runs as a child of TestRunCatchesDefects")
	}
	adaptertest.Run(t, refHarness(mutant(m)))
}

// TestRunCatchesDefects runs the suite against reference adapters broken in
// one way each, in child processes, and checks it fails with the message
// that names the defect.
func TestRunCatchesDefects(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("runs the suite in child processes")
	}
	tests := []struct {
		m    mutant
		want string
	}{
		{retries, "upstream requests = 2, want 1"},
		{leaksBody, "unclosed response bodies = 1, want 0"},
		{mutatesInput, "Infer modified its request"},
		{wrapsCodecErr, "carries kinds [invalid input bad upstream response], want exactly one of [bad upstream response]"},
		{hidesCancel, "carries kinds [unavailable], want exactly one of [context canceled]"},
		{noLimit, "infer error = nil, want one of [bad upstream response]"},
		{leaksRoutine, "goroutines started by the adapter outlive its calls"},
		{badKindFor429, "carries kinds [unavailable], want exactly one of [rate limited]"},
		{dropsOutputs, "Infer response mismatch"},
		{plainErrors, "want an *adapters.Error"},
		{noRetryAfter, "RetryAfter = 0s, want 7s"},
	}
	for _, tt := range tests {
		t.Run(string(tt.m), func(t *testing.T) {
			t.Parallel()
			cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestMutant$", "-test.count=1")
			cmd.Env = append(os.Environ(), mutantEnv+"="+string(tt.m))
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("suite passed the %q mutant, want a failure", tt.m)
			}
			if !strings.Contains(string(out), tt.want) {
				t.Errorf("suite output for the %q mutant lacks %q:\n%s", tt.m, tt.want, tail(string(out), 40))
			}
		})
	}
}

func tail(s string, lines int) string {
	l := strings.Split(s, "\n")
	return strings.Join(l[max(0, len(l)-lines):], "\n")
}

// TestRunLiveReference runs the live subset against the reference backend
// standing in for a real one.
func TestRunLiveReference(t *testing.T) {
	t.Parallel()
	live := adapters.ModelRef{Name: "live"}
	srv := httptest.NewServer(refBackend(t, adaptertest.Scenario{Kind: adaptertest.OK, Model: live}))
	t.Cleanup(srv.Close)
	base, _ := url.Parse(srv.URL)
	in, _ := adaptertest.Sample(adapters.FP64)
	req := &adapters.Request{ID: "known", Model: live, Inputs: []adapters.Tensor{in}}
	adaptertest.RunLive(t, adaptertest.LiveHarness{
		New: func(_ *testing.T, m adapters.ModelRef) adapters.Adapter {
			return newRef(adaptertest.Config{BaseURL: base, Client: srv.Client(), Backend: "live", Model: m, MaxResponseBytes: 1 << 20}, healthy)
		},
		Model:        live,
		UnknownModel: adapters.ModelRef{Name: "unknown"},
		Request:      req,
		Want:         adaptertest.Identity(req),
		Metadata:     adaptertest.Signature(live),
	})
}
