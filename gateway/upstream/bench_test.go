// SPDX-License-Identifier: Apache-2.0

package upstream

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"
)

// BenchmarkRoundTrip compares this transport with a tuned *http.Transport
// on the same loopback server, for a small OIP-like inference request:
//
//	go test -bench RoundTrip -benchmem ./gateway/upstream/
//
// ns/op is the latency of one round trip (serial) or the throughput
// (parallel); cpu-ns/op is the CPU time of the whole process (client and
// server: the server's share is the same for both) per round trip, the
// cost the package exists to cut. B/op and allocs/op include the server's
// too.
func BenchmarkRoundTrip(b *testing.B) {
	reqBody := []byte(`{"inputs":[{"name":"x","shape":[1,4],"datatype":"FP32","data":[1,2,3,4]}]}`)
	answer := []byte(`{"model_name":"m","outputs":[{"name":"y","shape":[1,1],"datatype":"FP32","data":[0.5]}]}`)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(len(answer)))
		_, _ = w.Write(answer)
	}))
	defer ts.Close()
	url := ts.URL + "/v2/models/m/infer"

	transports := []struct {
		name string
		rt   interface {
			http.RoundTripper
			CloseIdleConnections()
		}
	}{
		{"upstream", New(Options{MaxIdleConnsPerHost: 64, IdleTimeout: 90 * time.Second})},
		{"net-http", &http.Transport{
			MaxIdleConns:        64,
			MaxIdleConnsPerHost: 64,
			IdleConnTimeout:     90 * time.Second,
			DisableCompression:  true, // as upstream: no Accept-Encoding, no gzip
		}},
	}
	do := func(b *testing.B, rt http.RoundTripper) {
		req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, url, bytes.NewReader(reqBody))
		if err != nil {
			b.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := rt.RoundTrip(req)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.Copy(io.Discard, resp.Body); err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
	for _, tr := range transports {
		b.Run(tr.name+"/serial", func(b *testing.B) {
			do(b, tr.rt) // a connection in the pool
			b.ReportAllocs()
			cpu := cpuTime()
			for b.Loop() {
				do(b, tr.rt)
			}
			reportCPU(b, cpu)
		})
		b.Run(tr.name+"/parallel", func(b *testing.B) {
			b.ReportAllocs()
			cpu := cpuTime()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					do(b, tr.rt)
				}
			})
			reportCPU(b, cpu)
		})
		tr.rt.CloseIdleConnections()
	}
}

// reportCPU reports the process's CPU time since start per operation,
// where the platform tells it.
func reportCPU(b *testing.B, start time.Duration) {
	if start < 0 || b.N == 0 {
		return
	}
	b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
}
