// SPDX-License-Identifier: Apache-2.0

package oip_test

// Golden transcoding cases, one testdata/*.txtar per case (STYLE.md §3.7).
// The archive comment holds "op: infer|ready|metadata" and "model: name" or
// "model: name@version"; the files are
//
//	request.json       the canonical request, OIP JSON (infer only)
//	upstream-request   want: the request the backend receives — method and
//	                   path, then headers that matter, a blank line, the body
//	upstream-response  the backend's answer — status, headers, blank line, body
//	result             want: the uniform answer or error, rendered by render
//
// Run `go test -run TestGolden -update` to rewrite the want sections, then
// review the diff.

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/adapters"
	"github.com/modelgate/modelgate/adapters/adaptertest"
	"github.com/modelgate/modelgate/adapters/oip"
	"golang.org/x/tools/txtar"
)

var update = flag.Bool("update", false, "rewrite the want sections of testdata/*.txtar")

func TestGolden(t *testing.T) {
	t.Parallel()
	g := adaptertest.Golden{Update: *update, Sections: []string{"upstream-request", "result"}}
	adaptertest.RunGolden(t, g, func(t *testing.T, gc *adaptertest.GoldenCase) map[string]string {
		c := parseCase(t, gc.Archive)
		b := adaptertest.NewScriptedBackend(t, c.files["upstream-response"], "Content-Type")
		a, err := oip.New(oip.Options{Backend: "kserve", BaseURL: b.URL.JoinPath("prefix"), Client: &http.Client{},
			Model: c.model})
		if err != nil {
			t.Fatal(err)
		}
		result := c.run(t, a)
		upstream := b.Requests()
		if upstream == "" {
			upstream = "(none)\n"
		}
		return map[string]string{"upstream-request": upstream, "result": result}
	})
}

type goldenCase struct {
	op    string
	model adapters.ModelRef
	files map[string][]byte
}

func parseCase(t *testing.T, ar *txtar.Archive) *goldenCase {
	t.Helper()
	c := &goldenCase{files: map[string][]byte{}}
	for l := range strings.SplitSeq(string(ar.Comment), "\n") {
		k, v, _ := strings.Cut(l, ":")
		switch v = strings.TrimSpace(v); strings.TrimSpace(k) {
		case "op":
			c.op = v
		case "model":
			name, version, _ := strings.Cut(v, "@")
			c.model = adapters.ModelRef{Name: name, Version: version}
		}
	}
	for _, f := range ar.Files {
		c.files[f.Name] = f.Data
	}
	if c.op == "" || c.model.Name == "" || c.files["upstream-response"] == nil {
		t.Fatal("golden case needs op, model and an upstream-response section")
	}
	return c
}

// run performs the case's operation and renders its outcome.
func (c *goldenCase) run(t *testing.T, a *oip.Adapter) string {
	ctx := context.Background()
	switch c.op {
	case "infer":
		req, err := adapters.DecodeRequest(c.files["request.json"])
		if err != nil {
			t.Fatalf("request.json: %v", err)
		}
		req.Model = c.model
		resp, err := a.Infer(ctx, req)
		return renderResult(renderResponse(resp), err)
	case "ready":
		return renderResult("ready\n", a.ModelReady(ctx, c.model))
	case "metadata":
		md, err := a.ModelMetadata(ctx, c.model)
		return renderResult(renderMetadata(md), err)
	}
	t.Fatalf("unknown op %q", c.op)
	return ""
}

// kindNames names the kind an error carries, for the result section.
var kindNames = []struct {
	err  error
	name string
}{
	{adapters.ErrInvalidInput, "invalid input"}, {adapters.ErrModelNotFound, "model not found"},
	{adapters.ErrUnavailable, "unavailable"}, {adapters.ErrRateLimited, "rate limited"},
	{adapters.ErrModelFailed, "model failed"}, {adapters.ErrBadUpstream, "bad upstream"},
	{errors.ErrUnsupported, "unsupported"}, {context.Canceled, "canceled"},
}

func renderResult(ok string, err error) string {
	if err == nil {
		return ok
	}
	var b strings.Builder
	for _, k := range kindNames {
		if errors.Is(err, k.err) {
			fmt.Fprintf(&b, "kind: %s\n", k.name)
		}
	}
	if ae, isAE := errors.AsType[*adapters.Error](err); isAE {
		fmt.Fprintf(&b, "op: %s\nbackend: %s\nmodel: %s\nstatus: %d\n", ae.Op, ae.Backend, ae.Model, ae.Status)
		if ae.RetryAfter != 0 {
			fmt.Fprintf(&b, "retry-after: %v\n", ae.RetryAfter)
		}
		fmt.Fprintf(&b, "message: %q\n", ae.Message)
	}
	fmt.Fprintf(&b, "error: %s\n", err)
	return b.String()
}

func renderResponse(r *adapters.Response) string {
	if r == nil {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "id: %q\nmodel: %s\n", r.ID, r.Model)
	renderParams(&b, "", r.Parameters)
	for _, o := range r.Outputs {
		fmt.Fprintf(&b, "output %q %s %v %s\n", o.Name, o.DType, o.Shape, renderData(&o.Data))
		renderParams(&b, "  ", o.Parameters)
	}
	return b.String()
}

func renderParams(b *strings.Builder, indent string, p adapters.Parameters) {
	for _, k := range slices.Sorted(maps.Keys(p)) {
		fmt.Fprintf(b, "%sparameter %q = %T %v\n", indent, k, p[k], p[k])
	}
}

// renderData names the field that holds the data and lists its values.
func renderData(d *adapters.TensorData) string {
	switch {
	case d.Bool != nil:
		return fmt.Sprint("Bool", d.Bool)
	case d.Int32 != nil:
		return fmt.Sprint("Int32", d.Int32)
	case d.Int64 != nil:
		return fmt.Sprint("Int64", d.Int64)
	case d.Uint32 != nil:
		return fmt.Sprint("Uint32", d.Uint32)
	case d.Uint64 != nil:
		return fmt.Sprint("Uint64", d.Uint64)
	case d.FP32 != nil:
		return fmt.Sprint("FP32", d.FP32)
	case d.FP64 != nil:
		return fmt.Sprint("FP64", d.FP64)
	case d.Bytes != nil:
		s := make([]string, len(d.Bytes))
		for i, v := range d.Bytes {
			s[i] = strconv.Quote(string(v))
		}
		return "Bytes[" + strings.Join(s, " ") + "]"
	}
	return "none"
}

func renderMetadata(md *adapters.ModelMetadata) string {
	if md == nil {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "name: %q\nversions: %q\nplatform: %q\n", md.Name, md.Versions, md.Platform)
	for _, t := range md.Inputs {
		fmt.Fprintf(&b, "input %q %s %v\n", t.Name, t.DType, t.Shape)
	}
	for _, t := range md.Outputs {
		fmt.Fprintf(&b, "output %q %s %v\n", t.Name, t.DType, t.Shape)
	}
	return b.String()
}
