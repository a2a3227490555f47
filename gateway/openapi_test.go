// SPDX-License-Identifier: Apache-2.0

package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/google/go-cmp/cmp"

	"github.com/modelgate/modelgate/adapters"
)

// loadOpenAPI loads and validates an OpenAPI document, examples included.
func loadOpenAPI(t *testing.T, data []byte) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(data)
	if err != nil {
		t.Fatalf("loading the OpenAPI document: %v", err)
	}
	if err := doc.Validate(t.Context()); err != nil {
		t.Fatalf("validating the OpenAPI document: %v", err)
	}
	return doc
}

// operations lists the document's operations as "METHOD /path".
func operations(doc *openapi3.T) []string {
	var ops []string
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			ops = append(ops, method+" "+path)
		}
	}
	slices.Sort(ops)
	return ops
}

// openAPIOptions returns options enabling every optional endpoint (admin,
// metrics), so that the document's operations are all served.
func openAPIOptions(routes ...Route) Options {
	return Options{
		Routes:  routes,
		Version: "1.2.3",
		Admin:   fakeAdmin{},
		Metrics: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
			_, _ = w.Write([]byte("# TYPE up gauge\nup 1\n"))
		}),
	}
}

func TestOpenAPIDocumentIsValid(t *testing.T) {
	t.Parallel()
	doc := loadOpenAPI(t, openAPIDocument)
	if doc.OpenAPI != "3.0.3" {
		t.Errorf("openapi: got %q, want 3.0.3", doc.OpenAPI)
	}
}

// TestOpenAPIServed checks GET /openapi.json: the embedded document, valid,
// with info.version the gateway's version ("dev" by default).
func TestOpenAPIServed(t *testing.T) {
	t.Parallel()
	for _, version := range []string{"1.2.3", ""} {
		t.Run("version "+strconv.Quote(version), func(t *testing.T) {
			t.Parallel()
			opts := oneRoute(0, Target{Backend: "a", Adapter: &fake{}})
			opts.Version = version
			g := newGateway(t, opts)
			rec := do(t, g, "GET", "/openapi.json", "")
			wantStatus(t, rec, http.StatusOK, "")
			served := loadOpenAPI(t, rec.Body.Bytes())
			want := version
			if want == "" {
				want = "dev"
			}
			if served.Info.Version != want {
				t.Errorf("info.version: got %q, want %q", served.Info.Version, want)
			}
			// Apart from info.version, the served document is the embedded one.
			var got, embedded map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(openAPIDocument, &embedded); err != nil {
				t.Fatal(err)
			}
			embedded["info"].(map[string]any)["version"] = want
			if d := cmp.Diff(embedded, got); d != "" {
				t.Errorf("served document (-embedded +served):\n%s", d)
			}
		})
	}
}

func TestRenderOpenAPIRejectsBrokenDocuments(t *testing.T) {
	t.Parallel()
	for _, doc := range []string{``, `[]`, `{"openapi":"3.0.3"}`, `{"info":null}`, `{"info":[1]}`} {
		if _, err := renderOpenAPI([]byte(doc), "1"); err == nil {
			t.Errorf("renderOpenAPI(%s): got no error, want one", doc)
		}
	}
}

// TestOpenAPIMatchesRoutes checks that every route echo serves is
// documented with its method, and every documented non-v1 operation is
// served. The v1 paths are one wildcard in echo, since it cannot route on
// ":predict" inside a segment; TestOpenAPIV1PathsParse covers them.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	t.Parallel()
	doc := loadOpenAPI(t, openAPIDocument)
	g := newGateway(t, openAPIOptions(Route{Name: "iris", Targets: []Target{{Backend: "a", Adapter: &fake{}}}}))
	echoParam := regexp.MustCompile(`:([A-Za-z0-9_]+)`) // ":model" is "{model}" in OpenAPI
	served := map[string]bool{}
	wildcards := map[string]bool{}
	for _, r := range g.echo.Routes() {
		if r.Path == "/v1/*" || r.Path == "/V1/*" {
			wildcards[r.Method+" "+r.Path] = true
			continue
		}
		op := r.Method + " " + echoParam.ReplaceAllString(r.Path, "{$1}")
		served[op] = true
		if item := doc.Paths.Value(echoParam.ReplaceAllString(r.Path, "{$1}")); item == nil || item.GetOperation(r.Method) == nil {
			t.Errorf("echo serves %s %s, which the document does not describe", r.Method, r.Path)
		}
	}
	for _, op := range operations(doc) {
		if _, path, _ := strings.Cut(op, " "); strings.HasPrefix(path, "/v1/") {
			continue
		}
		if !served[op] {
			t.Errorf("the document describes %s, which echo does not serve", op)
		}
	}
	for _, want := range []string{"GET /v1/*", "POST /v1/*", "GET /V1/*", "POST /V1/*"} {
		if !wildcards[want] {
			t.Errorf("echo does not route %s to the v1 handler", want)
		}
	}
}

// TestOpenAPIV1PathsParse checks the documented v1 paths against the v1
// path parser: each, with sample parameters, parses with exactly its
// documented methods into the verb its path names; and each path shape the
// parser accepts is documented, but for the two it answers without a
// document entry: :classify and :regress (501) and /v1/models (400).
func TestOpenAPIV1PathsParse(t *testing.T) {
	t.Parallel()
	doc := loadOpenAPI(t, openAPIDocument)
	paths := newV1Paths()
	sample := strings.NewReplacer("{model}", "iris", "{version}", "7", "{label}", "stable")
	methods := []string{"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"}
	var documented []string
	for template, item := range doc.Paths.Map() {
		if !strings.HasPrefix(template, "/v1/") {
			continue
		}
		path := sample.Replace(template)
		documented = append(documented, path)
		verb := ""
		switch {
		case strings.HasSuffix(template, ":predict"):
			verb = "predict"
		case strings.HasSuffix(template, "/metadata"):
			verb = "metadata"
		}
		for _, method := range methods {
			call, err := paths.parse(method, path)
			if item.GetOperation(method) == nil {
				if err == nil {
					t.Errorf("%s %s: parsed, but the document does not describe it", method, template)
				}
				continue
			}
			if err != nil {
				t.Errorf("%s %s: %v", method, path, err)
				continue
			}
			want := v1Call{model: "iris", verb: verb}
			if strings.Contains(template, "{version}") {
				want.version = "7"
			}
			if strings.Contains(template, "{label}") {
				want.label = "stable"
			}
			if call != want {
				t.Errorf("%s %s: parsed as %+v, want %+v", method, path, call, want)
			}
		}
	}
	if len(documented) == 0 {
		t.Fatal("the document describes no /v1/ paths")
	}
	// The parser's shapes, each of which the document must describe.
	for _, base := range []string{"/v1/models/iris", "/v1/models/iris/versions/7", "/v1/models/iris/labels/stable"} {
		for _, shape := range []struct{ method, suffix string }{{"POST", ":predict"}, {"GET", ""}, {"GET", "/metadata"}} {
			path := base + shape.suffix
			if _, err := paths.parse(shape.method, path); err != nil {
				t.Errorf("%s %s: %v", shape.method, path, err)
			}
			if !slices.Contains(documented, path) {
				t.Errorf("%s %s parses but is not documented", shape.method, path)
			}
		}
	}
}

// TestOpenAPIHeaderNames checks that the document names exactly the
// headers the code reads and writes, by the code's constants.
func TestOpenAPIHeaderNames(t *testing.T) {
	t.Parallel()
	doc := loadOpenAPI(t, openAPIDocument)
	got := map[string]bool{}
	for _, p := range doc.Components.Parameters {
		if p.Value.In == openapi3.ParameterInHeader {
			got["request "+p.Value.Name] = true
		}
	}
	for _, r := range doc.Components.Responses {
		for name := range r.Value.Headers {
			got["response "+name] = true
		}
	}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			for _, r := range op.Responses.Map() {
				for name := range r.Value.Headers {
					got["response "+name] = true
				}
			}
		}
	}
	want := map[string]bool{
		"request " + HeaderRequestID:                       true,
		"request " + HeaderRequestTimeout:                  true,
		"request " + adapters.HeaderInferenceHeaderLength:  true,
		"response " + HeaderRequestID:                      true,
		"response " + HeaderBackend:                        true,
		"response " + HeaderAttempts:                       true,
		"response Retry-After":                             true,
		"response " + adapters.HeaderInferenceHeaderLength: true,
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("header names (-code +document):\n%s", d)
	}
}

// TestOpenAPIDatatypes checks the datatype enums against the code's names:
// OIP datatypes, those inference cannot carry, and TF's names for them.
func TestOpenAPIDatatypes(t *testing.T) {
	t.Parallel()
	doc := loadOpenAPI(t, openAPIDocument)
	var oip, noJSON, tf []any
	for d := adapters.DType(1); !strings.HasPrefix(d.String(), "DType("); d++ {
		oip = append(oip, d.String())
		tf = append(tf, tfDType(d))
		if !d.JSONSupported() {
			noJSON = append(noJSON, d.String())
		}
	}
	schemas := doc.Components.Schemas
	if d := cmp.Diff(oip, schemas["Datatype"].Value.Enum); d != "" {
		t.Errorf("Datatype enum (-code +document):\n%s", d)
	}
	if d := cmp.Diff(noJSON, schemas["TensorDatatype"].Value.AllOf[1].Value.Not.Value.Enum); d != "" {
		t.Errorf("TensorDatatype exclusions (-code +document):\n%s", d)
	}
	if d := cmp.Diff(tf, schemas["V1Datatype"].Value.Enum); d != "" {
		t.Errorf("V1Datatype enum (-code +document):\n%s", d)
	}
}

// conformanceCase is one request of TestOpenAPIConformance.
type conformanceCase struct {
	name         string
	method, path string
	header       []string
	body         string
	canceled     bool // the client is gone before the answer
	status       int
	// badRequest: the document rejects the request too (the status is a
	// 400 for a body or path the document's schemas exclude).
	badRequest bool
}

// conformanceRoutes are the routes of TestOpenAPIConformance: "iris"
// answers everything (inference echoes the inputs); the others fail in
// one way each. Its metadata names an FP16 output, which metadata may
// carry though inference cannot, to hold the document to that.
func conformanceRoutes() []Route {
	meta := func(_ context.Context, m adapters.ModelRef) (*adapters.ModelMetadata, error) {
		return &adapters.ModelMetadata{Name: m.Name, Versions: []string{"1"}, Platform: "fake",
			Inputs:  []adapters.TensorMetadata{{Name: "x", DType: adapters.FP32, Shape: []int64{-1, 2}}},
			Outputs: []adapters.TensorMetadata{{Name: "y", DType: adapters.FP16, Shape: []int64{-1}}}}, nil
	}
	unavailable := func(_ context.Context, m adapters.ModelRef) error {
		return &adapters.Error{Op: "ready", Backend: "b", Model: m.String(), Status: 503, Message: "loading",
			Err: adapters.ErrUnavailable}
	}
	rateLimited := func(_ context.Context, req *adapters.Request) (*adapters.Response, error) {
		return nil, &adapters.Error{Op: "infer", Backend: "c", Model: req.Model.String(), Status: 429,
			RetryAfter: 2 * time.Second, Err: adapters.ErrRateLimited}
	}
	route := func(name string, f *fake) Route {
		return Route{Name: name, Targets: []Target{{Backend: name + "-backend", Adapter: f}}}
	}
	return []Route{
		route("iris", &fake{meta: meta}),
		route("down", &fake{ready: unavailable, infer: fail("down-backend", 503, adapters.ErrUnavailable, "loading")}),
		route("busy", &fake{infer: rateLimited}),
		route("slow", &fake{infer: hang}),
		route("broken", &fake{infer: fail("broken-backend", 500, adapters.ErrModelFailed, "division by zero")}),
		route("garbled", &fake{infer: fail("garbled-backend", 200, adapters.ErrBadUpstream, "not JSON")}),
	}
}

const (
	conformanceInfer = `{"id":"c-1","parameters":{"temperature":0.5},` +
		`"inputs":[{"name":"x","shape":[2,2],"datatype":"FP32","data":[[1,2],[3,4]]}],"outputs":[{"name":"x"}]}`
	conformanceInferFlat = `{"inputs":[{"name":"x","shape":[3],"datatype":"BYTES","data":["a","b","c"]}]}`
)

func conformanceCases() []conformanceCase {
	jsonCT := []string{"Content-Type", "application/json"}
	binary := []string{"Content-Type", "application/octet-stream",
		adapters.HeaderInferenceHeaderLength, strconv.Itoa(len(binaryInferHead))}
	tooLarge := `{"id":"` + strings.Repeat("a", 5000) + `","inputs":[{"name":"x","shape":[1],"datatype":"INT64","data":[1]}]}`
	return []conformanceCase{
		{name: "live", method: "GET", path: "/v2/health/live", status: 200},
		{name: "ready", method: "GET", path: "/v2/health/ready", status: 200},
		{name: "server metadata", method: "GET", path: "/v2", status: 200},
		{name: "model metadata", method: "GET", path: "/v2/models/iris", header: []string{HeaderRequestTimeout, "2.5"}, status: 200},
		{name: "model version metadata", method: "GET", path: "/v2/models/iris/versions/1", status: 200},
		{name: "model metadata unsupported", method: "GET", path: "/v2/models/down", status: 501},
		{name: "model ready", method: "GET", path: "/v2/models/iris/ready", status: 200},
		{name: "model version ready", method: "GET", path: "/v2/models/iris/versions/1/ready", status: 200},
		{name: "model not ready", method: "GET", path: "/v2/models/down/ready", status: 503},
		{name: "infer", method: "POST", path: "/v2/models/iris/infer", body: conformanceInfer, status: 200,
			header: []string{"Content-Type", "application/json", HeaderRequestID, "client-1", HeaderRequestTimeout, "250ms"}},
		{name: "infer a version", method: "POST", path: "/v2/models/iris/versions/1/infer", body: conformanceInferFlat,
			header: jsonCT, status: 200},
		{name: "infer binary", method: "POST", path: "/v2/models/iris/infer", body: binaryInferHead + string(binaryX),
			header: binary, status: 200},
		{name: "infer without datatype", method: "POST", path: "/v2/models/iris/infer", header: jsonCT,
			body: `{"inputs":[{"name":"x","shape":[2],"data":[1,2]}]}`, status: 400, badRequest: true},
		{name: "infer FP16", method: "POST", path: "/v2/models/iris/infer", header: jsonCT,
			body: `{"inputs":[{"name":"x","shape":[1],"datatype":"FP16","data":[1]}]}`, status: 400, badRequest: true},
		{name: "infer with a bad timeout", method: "POST", path: "/v2/models/iris/infer", body: conformanceInfer,
			header: []string{"Content-Type", "application/json", HeaderRequestTimeout, "soon"}, status: 400},
		{name: "infer unknown model", method: "POST", path: "/v2/models/rose/infer", body: conformanceInfer, header: jsonCT, status: 404},
		{name: "infer too large", method: "POST", path: "/v2/models/iris/infer", body: tooLarge, header: jsonCT, status: 413},
		{name: "infer octet-stream without its header", method: "POST", path: "/v2/models/iris/infer", body: conformanceInfer,
			header: []string{"Content-Type", "application/octet-stream"}, status: 415},
		{name: "infer rate limited", method: "POST", path: "/v2/models/busy/infer", body: conformanceInfer, header: jsonCT, status: 429},
		{name: "infer client gone", method: "POST", path: "/v2/models/slow/infer", body: conformanceInfer, header: jsonCT,
			canceled: true, status: 499},
		{name: "infer model failed", method: "POST", path: "/v2/models/broken/infer", body: conformanceInfer, header: jsonCT, status: 500},
		{name: "infer bad upstream", method: "POST", path: "/v2/models/garbled/infer", body: conformanceInfer, header: jsonCT, status: 502},
		{name: "infer unavailable", method: "POST", path: "/v2/models/down/infer", body: conformanceInfer, header: jsonCT, status: 503},
		{name: "infer deadline", method: "POST", path: "/v2/models/slow/infer", body: conformanceInfer,
			header: []string{"Content-Type", "application/json", HeaderRequestTimeout, "1ms"}, status: 504},
		{name: "repository index", method: "POST", path: "/v2/repository/index", status: 200},
		{name: "repository index of ready models", method: "POST", path: "/v2/repository/index", body: `{"ready": true}`,
			header: jsonCT, status: 200},
		{name: "repository index bad filter", method: "POST", path: "/v2/repository/index", body: `{"ready": "yes"}`,
			header: jsonCT, status: 400, badRequest: true},
		{name: "v1 predict row", method: "POST", path: "/v1/models/iris:predict", body: `{"instances": [[1, 2], [3, 4]]}`,
			header: jsonCT, status: 200},
		{name: "v1 predict columnar", method: "POST", path: "/v1/models/iris/versions/1:predict",
			body: `{"signature_name": "serving_default", "inputs": [[1, 2]]}`, header: jsonCT, status: 200},
		{name: "v1 predict no instances", method: "POST", path: "/v1/models/iris:predict", body: `{"instances": []}`,
			header: jsonCT, status: 400, badRequest: true},
		{name: "v1 predict both formats", method: "POST", path: "/v1/models/iris:predict",
			body: `{"instances": [[1, 2]], "inputs": [[1, 2]]}`, header: jsonCT, status: 400, badRequest: true},
		{name: "v1 predict unknown model", method: "POST", path: "/v1/models/rose:predict", body: `{"instances": [[1, 2]]}`,
			header: jsonCT, status: 404},
		{name: "v1 predict label", method: "POST", path: "/v1/models/iris/labels/stable:predict", body: `{"instances": [[1, 2]]}`,
			header: jsonCT, status: 400},
		{name: "v1 status", method: "GET", path: "/v1/models/iris", status: 200},
		{name: "v1 status of a version", method: "GET", path: "/v1/models/iris/versions/1", status: 200},
		{name: "v1 status not ready", method: "GET", path: "/v1/models/down", status: 200},
		{name: "v1 status unknown model", method: "GET", path: "/v1/models/rose", status: 404},
		{name: "v1 status label", method: "GET", path: "/v1/models/iris/labels/stable", status: 400},
		{name: "v1 metadata", method: "GET", path: "/v1/models/iris/metadata", status: 200},
		{name: "v1 metadata of a version", method: "GET", path: "/v1/models/iris/versions/1/metadata", status: 200},
		{name: "v1 metadata unsupported", method: "GET", path: "/v1/models/down/metadata", status: 501},
		{name: "v1 metadata label", method: "GET", path: "/v1/models/iris/labels/stable/metadata", status: 400},
		{name: "metrics", method: "GET", path: "/metrics", status: 200},
		{name: "openapi", method: "GET", path: "/openapi.json", status: 200},
		{name: "admin backends", method: "GET", path: "/admin/backends", status: 200},
		{name: "admin config", method: "GET", path: "/admin/config", status: 200},
		{name: "admin route", method: "GET", path: "/admin/routes/iris", status: 200},
		{name: "admin unknown route", method: "GET", path: "/admin/routes/rose", status: 404},
	}
}

// TestOpenAPIConformance sends requests through the gateway and validates
// each request, and each answer with its status, headers and body, against
// the document; a status the document does not list for the operation
// fails. Every documented operation must be exercised. Binary-extension
// bodies are checked in two parts: the media type by the document, the
// JSON head by the InferenceRequest and InferenceResponse schemas.
func TestOpenAPIConformance(t *testing.T) {
	t.Parallel()
	doc := loadOpenAPI(t, openAPIDocument)
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatalf("router: %v", err)
	}
	opts := openAPIOptions(conformanceRoutes()...)
	opts.MaxBodyBytes = 4096
	g := newGateway(t, opts)
	var mu sync.Mutex
	exercised := map[string]bool{}
	t.Run("requests", func(t *testing.T) {
		for _, tc := range conformanceCases() {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				op := checkConformance(t, doc, router, g, tc)
				mu.Lock()
				defer mu.Unlock()
				exercised[op] = true
			})
		}
	})
	for _, op := range operations(doc) {
		if !exercised[op] {
			t.Errorf("no request exercises %s", op)
		}
	}
}

// checkConformance runs one case and returns the operation it exercised.
func checkConformance(t *testing.T, doc *openapi3.T, router routers.Router, g *Gateway, tc conformanceCase) string {
	t.Helper()
	ctx := context.Background()
	newRequest := func() *http.Request {
		req := httptest.NewRequestWithContext(ctx, tc.method, tc.path, strings.NewReader(tc.body))
		for i := 0; i+1 < len(tc.header); i += 2 {
			req.Header.Add(tc.header[i], tc.header[i+1])
		}
		return req
	}
	vreq := newRequest() // the validator reads and may rewrite the body
	route, params, err := router.FindRoute(vreq)
	if err != nil {
		t.Fatalf("%s %s: no documented operation: %v", tc.method, tc.path, err)
	}
	options := &openapi3filter.Options{
		IncludeResponseStatus: true,
		SkipSettingDefaults:   true,
		MultiError:            true,
	}
	in := &openapi3filter.RequestValidationInput{Request: vreq, PathParams: params, Route: route, Options: options}
	err = openapi3filter.ValidateRequest(ctx, in)
	switch {
	case tc.badRequest && err == nil:
		t.Errorf("request: the document accepts it, want it rejected as the gateway does")
	case !tc.badRequest && err != nil:
		t.Errorf("request does not match the document: %v", err)
	}
	if tc.body != "" && !tc.badRequest && isBinary(vreq.Header) {
		checkBinaryHead(t, doc, "InferenceRequest", vreq.Header, []byte(tc.body))
	}

	req := newRequest()
	if tc.canceled {
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		req = req.WithContext(cctx)
	}
	rec := serve(g, req)
	if rec.Code != tc.status {
		t.Errorf("status: got %d, want %d (body %s)", rec.Code, tc.status, rec.Body)
	}
	header := rec.Result().Header
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: rec.Code, Header: header, Options: options}
	out.SetBodyBytes(rec.Body.Bytes())
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		t.Errorf("response does not match the document: %v\nheaders: %v\nbody: %s", err, header, rec.Body)
	}
	if isBinary(header) {
		checkBinaryHead(t, doc, "InferenceResponse", header, rec.Body.Bytes())
	}
	if id := header.Get(HeaderRequestID); slices.Contains(tc.header, HeaderRequestID) && id != "client-1" {
		t.Errorf("%s: got %q, want the client's", HeaderRequestID, id)
	}
	return route.Method + " " + route.Path
}

// isBinary reports whether h marks a body in the binary tensor data
// extension.
func isBinary(h http.Header) bool {
	return h.Get(adapters.HeaderInferenceHeaderLength) != ""
}

// checkBinaryHead validates the JSON at the start of a binary-extension
// body against the named schema.
func checkBinaryHead(t *testing.T, doc *openapi3.T, schema string, h http.Header, body []byte) {
	t.Helper()
	n, err := strconv.Atoi(h.Get(adapters.HeaderInferenceHeaderLength))
	if err != nil || n > len(body) {
		t.Fatalf("%s: %q for a %d-byte body", adapters.HeaderInferenceHeaderLength,
			h.Get(adapters.HeaderInferenceHeaderLength), len(body))
	}
	var v any
	d := json.NewDecoder(bytes.NewReader(body[:n]))
	d.UseNumber()
	if err := d.Decode(&v); err != nil {
		t.Fatalf("binary body's JSON: %v", err)
	}
	if err := doc.Components.Schemas[schema].Value.VisitJSON(v, openapi3.MultiErrors()); err != nil {
		t.Errorf("binary body's JSON does not match %s: %v\n%s", schema, err, body[:n])
	}
}
