// SPDX-License-Identifier: Apache-2.0

package workload_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/modelgate/modelgate/adapters"
	"github.com/modelgate/modelgate/adapters/mlflow"
	"github.com/modelgate/modelgate/adapters/oip"
	"github.com/modelgate/modelgate/adapters/v1json"
	"github.com/modelgate/modelgate/bench/workload"
)

// These benchmarks measure the gateway's per-request translation work on the
// bench's own bodies, without HTTP: what modelgate does between reading a
// client body and writing the backend body, and back. The codec's own
// micro-benchmarks are in adapters/oipjson_benchmark_test.go. bench/run runs
// both with GOMAXPROCS=1 ("on one core") and reports MB/s (of the client
// request body), B/op and allocs/op; "in-bytes" is the request body size, so
// B/op ÷ in-bytes is the allocation per request byte. "cpu-MB/s" divides
// the bytes by the CPU time the process used (getrusage), not by wall time:
// on a shared machine a benchmark may get only part of a core, and CPU time
// is what "MB/s on one core" means.

// measure runs op in the benchmark loop and reports, besides ns/op, MB/s
// and allocations, the input size ("in-bytes") and the throughput per CPU
// second ("cpu-MB/s").
func measure(b *testing.B, inBytes int, op func()) {
	b.Helper()
	b.ReportAllocs()
	b.SetBytes(int64(inBytes))
	start := cpuTime()
	for b.Loop() {
		op()
	}
	if used := cpuTime() - start; used > 0 {
		b.ReportMetric(float64(inBytes)*float64(b.N)/used.Seconds()/1e6, "cpu-MB/s")
	}
	b.ReportMetric(float64(inBytes), "in-bytes")
}

// cpuTime is the CPU time (user + system, all threads) this process has
// used so far, or 0 if unknown.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// sizes are the OIP request bodies of the small and 1M-element scenarios.
func sizes() []struct {
	name string
	body []byte
} {
	return []struct {
		name string
		body []byte
	}{
		{"small", workload.SmallOIP()},
		{"fp32-1M", workload.BigOIP(workload.BigElements)},
	}
}

// BenchmarkDecodeValidateEncode is the OIP→OIP request path: decode and
// validate the client's body, then encode the request for the OIP backend.
// Its fp32-1M case is the bench issue's "≥ 250 MB/s on one core" target.
func BenchmarkDecodeValidateEncode(b *testing.B) {
	for _, s := range sizes() {
		b.Run(s.name, func(b *testing.B) {
			measure(b, len(s.body), func() {
				req, err := adapters.DecodeRequest(s.body)
				if err != nil {
					b.Fatal(err)
				}
				for i := range req.Inputs {
					if err := req.Inputs[i].Validate(); err != nil {
						b.Fatal(err)
					}
				}
				if _, err := adapters.AppendRequest(nil, req); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}

// BenchmarkDecodeValidate is the request path without the re-encode: what
// an OIP→OIP hop would cost if the validated client bytes were forwarded
// as they are.
func BenchmarkDecodeValidate(b *testing.B) {
	for _, s := range sizes() {
		b.Run(s.name, func(b *testing.B) {
			measure(b, len(s.body), func() {
				req, err := adapters.DecodeRequest(s.body)
				if err != nil {
					b.Fatal(err)
				}
				for i := range req.Inputs {
					if err := req.Inputs[i].Validate(); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}

// BenchmarkResponsePath is the OIP→OIP response path: decode the backend's
// answer and encode it for the client. The fp32-1M case answers with the
// 1M-element tensor itself (the bench backend answers small).
func BenchmarkResponsePath(b *testing.B) {
	for _, s := range sizes() {
		b.Run(s.name, func(b *testing.B) {
			answer := backendAnswer(b, s.body)
			measure(b, len(answer), func() {
				resp, err := adapters.DecodeResponse(answer)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := adapters.AppendResponse(nil, resp); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}

// backendAnswer returns an OIP response body whose output is the request's
// input: the small case is the bench backend's own answer.
func backendAnswer(b *testing.B, body []byte) []byte {
	b.Helper()
	req, err := adapters.DecodeRequest(body)
	if err != nil {
		b.Fatal(err)
	}
	if len(req.Inputs[0].Data.FP32) < 100 {
		return workload.AppendOIPResponse(nil, workload.SmallModel, "")
	}
	out, err := adapters.AppendResponse(nil, &adapters.Response{Model: adapters.ModelRef{Name: workload.BigModel}, Outputs: req.Inputs})
	if err != nil {
		b.Fatal(err)
	}
	return out
}

// BenchmarkV1ToOIP is the v1-oip scenario's translation: a TF Serving row
// request decoded against the model's signature and encoded as OIP, then
// the OIP answer decoded and written as {"predictions": …}.
func BenchmarkV1ToOIP(b *testing.B) {
	md, err := adapters.DecodeMetadata(workload.AppendOIPMetadata(nil, workload.SmallModel))
	if err != nil {
		b.Fatal(err)
	}
	sig := &v1json.Signature{Name: "serving_default", Inputs: md.Inputs, Outputs: md.Outputs}
	body, answer := workload.SmallV1(), workload.AppendOIPResponse(nil, workload.SmallModel, "")
	measure(b, len(body), func() {
		pr, err := v1json.DecodePredictRequest(body, sig)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := adapters.AppendRequest(nil, &adapters.Request{Inputs: pr.Inputs}); err != nil {
			b.Fatal(err)
		}
		resp, err := adapters.DecodeResponse(answer)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := v1json.AppendPredictResponse(nil, pr.Format, resp.Outputs); err != nil {
			b.Fatal(err)
		}
	})
}

// cannedTransport answers every request with body after draining the
// request, like the bench backend but in memory.
type cannedTransport struct{ body string }

func (t cannedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		if _, err := io.Copy(io.Discard, r.Body); err != nil {
			return nil, err
		}
		_ = r.Body.Close()
	}
	return &http.Response{
		StatusCode: http.StatusOK, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:        http.Header{"Content-Type": {"application/json"}},
		Body:          io.NopCloser(strings.NewReader(t.body)),
		ContentLength: int64(len(t.body)),
		Request:       r,
	}, nil
}

// benchInfer measures Infer on a decoded OIP body, decoding included.
func benchInfer(b *testing.B, a adapters.Adapter, body []byte) {
	b.Helper()
	ctx := context.Background()
	measure(b, len(body), func() {
		req, err := adapters.DecodeRequest(body)
		if err != nil {
			b.Fatal(err)
		}
		resp, err := a.Infer(ctx, req)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := adapters.AppendResponse(nil, resp); err != nil {
			b.Fatal(err)
		}
	})
}

// benchURL is never dialled: the transports are in memory.
func benchURL() *url.URL { return &url.URL{Scheme: "http", Host: "127.0.0.1:9"} }

// BenchmarkOIPAdapter is a whole OIP→OIP call minus the network: client
// body decoded, oip.Adapter.Infer (encode, an in-memory round trip, decode
// the answer), response encoded.
func BenchmarkOIPAdapter(b *testing.B) {
	for _, s := range sizes() {
		b.Run(s.name, func(b *testing.B) {
			a, err := oip.New(oip.Options{
				Backend: "bench", BaseURL: benchURL(), Model: adapters.ModelRef{Name: workload.SmallModel},
				Client: &http.Client{Transport: cannedTransport{string(workload.AppendOIPResponse(nil, workload.SmallModel, ""))}},
			})
			if err != nil {
				b.Fatal(err)
			}
			benchInfer(b, a, s.body)
		})
	}
}

// BenchmarkMLflowAdapter is the v2-mlflow scenario minus the network: OIP
// body decoded, mlflow.Adapter.Infer (dataframe_split encode, in-memory
// round trip, predictions decode), OIP response encoded.
func BenchmarkMLflowAdapter(b *testing.B) {
	a, err := mlflow.New(mlflow.Options{
		Backend: "bench", BaseURL: benchURL(), Model: adapters.ModelRef{Name: workload.MLflowModel},
		Client:  &http.Client{Transport: cannedTransport{workload.Predictions}},
		Columns: workload.Columns(),
	})
	if err != nil {
		b.Fatal(err)
	}
	benchInfer(b, a, workload.SmallOIP())
}
