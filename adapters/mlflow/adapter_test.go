// SPDX-License-Identifier: Apache-2.0

package mlflow

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/modelgate/modelgate/adapters"
)

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestNewRejectsBadOptions(t *testing.T) {
	t.Parallel()
	ok := Options{BaseURL: mustURL(t, "http://127.0.0.1:5000"), Client: &http.Client{}}
	tests := []struct {
		name string
		edit func(*Options)
		want string
	}{
		{"no base URL", func(o *Options) { o.BaseURL = nil }, "Options.BaseURL is required"},
		{"not http", func(o *Options) { o.BaseURL = mustURL(t, "ftp://h/") }, "must be an absolute http(s) URL"},
		{"no client", func(o *Options) { o.Client = nil }, "Options.Client is required"},
		{"a version", func(o *Options) { o.Model.Version = "3" }, "Options.Model.Version"},
		{"unknown format", func(o *Options) { o.Format = 7 }, "Options.Format"},
		{"empty column", func(o *Options) { o.Columns = []string{"a", ""} }, "Options.Columns[1]"},
		{"duplicate column", func(o *Options) { o.Columns = []string{"a", "a"} }, `Options.Columns[1]: "a" appears twice`},
		{"empty output name", func(o *Options) { o.OutputNames = []string{""} }, "Options.OutputNames[0]"},
		{"missing MLmodel", func(o *Options) { o.MLmodelPath = "testdata/absent.MLmodel" }, "Options.MLmodelPath"},
		{"not an MLmodel", func(o *Options) { o.MLmodelPath = "testdata/error_500.txtar" }, "Options.MLmodelPath"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o := ok
			tt.edit(&o)
			_, err := New(o)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got error %v, want one containing %q", err, tt.want)
			}
		})
	}
	if _, err := New(ok); err != nil {
		t.Errorf("got %v for valid options, want nil", err)
	}
}

func TestParseFormat(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in   string
		want Format
		err  bool
	}{{"", DataframeSplit, false}, {"dataframe_split", DataframeSplit, false}, {"inputs", Inputs, false},
		{"dataframe_records", 0, true}} {
		got, err := ParseFormat(tt.in)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("ParseFormat(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.err)
		}
	}
	if got, want := Inputs.String(), "inputs"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestParseMLmodel(t *testing.T) {
	t.Parallel()
	m, err := readMLmodel("testdata/columns.MLmodel")
	if err != nil {
		t.Fatal(err)
	}
	want := []spec{
		{name: "text", typ: "string", dtype: adapters.Bytes, shape: []int64{-1}, required: true},
		{name: "blob", typ: "binary", dtype: adapters.Bytes, shape: []int64{-1}, required: true},
		{name: "n", typ: "long", dtype: adapters.Int64, shape: []int64{-1}, required: false},
	}
	if diff := cmp.Diff(want, m.inputs.specs, cmp.AllowUnexported(spec{})); diff != "" {
		t.Errorf("inputs mismatch (-want +got):\n%s", diff)
	}
	tests := []struct {
		name, json string
		want       []spec
	}{
		{"tensor spec", `[{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 28, 28]}, "name": "img"}]`,
			[]spec{{name: "img", typ: "tensor", dtype: adapters.FP32, shape: []int64{-1, 28, 28}, required: true}}},
		{"fixed-width strings", `[{"type": "tensor", "tensor-spec": {"dtype": "str320", "shape": [-1]}}]`,
			[]spec{{typ: "tensor", dtype: adapters.Bytes, shape: []int64{-1}, required: true}}},
		{"array of arrays", `[{"type": "array", "items": {"type": "array", "items": {"type": "integer"}}, "name": "m"}]`,
			[]spec{{name: "m", typ: "array", dtype: adapters.Int32, shape: []int64{-1, -1, -1}, required: true}}},
		{"object column", `[{"type": "object", "properties": {}, "name": "o", "required": false}]`,
			[]spec{{name: "o", typ: "object", dtype: adapters.Invalid, shape: []int64{-1}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := parseSchema(tt.json)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, s.specs, cmp.AllowUnexported(spec{})); diff != "" {
				t.Errorf("specs mismatch (-want +got):\n%s", diff)
			}
		})
	}
	if _, err := parseSchema(`[{"type": "tensor"}]`); err == nil {
		t.Error("got nil error for a tensor spec without tensor-spec, want one")
	}
}

func TestInferAgainstFakeBackend(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(fakeMLflow{})
	t.Cleanup(srv.Close)
	ctx := context.Background()
	iris := adapters.Tensor{Name: "features", DType: adapters.FP64, Shape: []int64{3, 4},
		Data: adapters.TensorData{FP64: []float64{5.1, 3.5, 1.4, 0.2, 6.7, 3.1, 4.4, 1.4, 6.3, 3.3, 6.0, 2.5}}}
	want := []adapters.Tensor{{Name: "label", DType: adapters.Int64, Shape: []int64{3}, Data: adapters.TensorData{Int64: []int64{0, 1, 2}}}}
	tests := []struct {
		name string
		opts Options
		req  *adapters.Request
		want error
	}{
		{"split with MLmodel", Options{MLmodelPath: "testdata/iris.MLmodel"}, &adapters.Request{Inputs: []adapters.Tensor{iris}}, nil},
		{"split with columns", Options{Columns: irisColumns}, &adapters.Request{Inputs: []adapters.Tensor{iris}}, nil},
		{"split without names", Options{}, &adapters.Request{Inputs: []adapters.Tensor{iris}}, adapters.ErrInvalidInput},
		{"inputs per column", Options{Format: Inputs}, &adapters.Request{Inputs: columnsOfIris(iris)}, nil},
		{"csv", Options{}, &adapters.Request{Raw: &adapters.Payload{ContentType: "text/csv",
			Data: []byte("sepal_length,sepal_width,petal_length,petal_width\n5.1,3.5,1.4,0.2\n6.7,3.1,4.4,1.4\n6.3,3.3,6.0,2.5\n")}}, nil},
		{"model raises", Options{MLmodelPath: "testdata/iris.MLmodel"}, &adapters.Request{Inputs: []adapters.Tensor{{
			Name: "f", DType: adapters.FP32, Shape: []int64{1, 4}, Data: adapters.TensorData{FP32: []float32{float32(nan()), 1, 1, 1}}}}},
			adapters.ErrModelFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o := tt.opts
			o.BaseURL, o.Client, o.Model, o.OutputNames = mustURL(t, srv.URL), srv.Client(), adapters.ModelRef{Name: "iris"}, []string{"label"}
			a, err := New(o)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := a.Infer(ctx, tt.req)
			if tt.want != nil {
				if !errors.Is(err, tt.want) {
					t.Fatalf("got error %v, want %v", err, tt.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, resp.Outputs); diff != "" {
				t.Errorf("outputs mismatch (-want +got):\n%s", diff)
			}
			if got := resp.Model; got != (adapters.ModelRef{Name: "iris"}) {
				t.Errorf("got model %v, want iris", got)
			}
		})
	}
}

func columnsOfIris(t adapters.Tensor) []adapters.Tensor {
	rows := int(t.Shape[0])
	out := make([]adapters.Tensor, len(irisColumns))
	for j, name := range irisColumns {
		vals := make([]float64, rows)
		for r := range rows {
			vals[r] = t.Data.FP64[r*4+j]
		}
		out[j] = adapters.Tensor{Name: name, DType: adapters.FP64, Shape: []int64{int64(rows)}, Data: adapters.TensorData{FP64: vals}}
	}
	return out
}

func TestReadyAgainstFakeBackend(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(fakeMLflow{})
	a, err := New(Options{BaseURL: mustURL(t, srv.URL), Client: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := a.ModelReady(ctx, adapters.ModelRef{}); err != nil {
		t.Errorf("got %v, want nil", err)
	}
	srv.Close()
	if err := a.ModelReady(ctx, adapters.ModelRef{}); !errors.Is(err, adapters.ErrUnavailable) {
		t.Errorf("server closed: got %v, want ErrUnavailable", err)
	}
}

func TestBytesMustBeTextOutsideBinaryColumns(t *testing.T) {
	t.Parallel()
	bad := adapters.Tensor{Name: "text", DType: adapters.Bytes, Shape: []int64{1}, Data: adapters.TensorData{Bytes: [][]byte{{0xff, 0xfe}}}}
	blob := adapters.Tensor{Name: "blob", DType: adapters.Bytes, Shape: []int64{1}, Data: adapters.TensorData{Bytes: [][]byte{{0xff, 0xfe}}}}
	tests := []struct {
		name    string
		opts    Options
		inputs  []adapters.Tensor
		want    string
		wantErr bool
	}{
		{"split string column", Options{MLmodelPath: "testdata/columns.MLmodel"}, []adapters.Tensor{bad, blob}, "", true},
		{"split binary column", Options{MLmodelPath: "testdata/columns.MLmodel"},
			[]adapters.Tensor{blob, {Name: "text", DType: adapters.Bytes, Shape: []int64{1}, Data: adapters.TensorData{Bytes: [][]byte{[]byte("ok")}}}},
			`{"dataframe_split":{"columns":["text","blob"],"data":[["ok","//4="]]}}`, false},
		{"inputs format", Options{Format: Inputs}, []adapters.Tensor{bad}, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o := tt.opts
			o.BaseURL, o.Client = mustURL(t, "http://h"), &http.Client{}
			a, err := New(o)
			if err != nil {
				t.Fatal(err)
			}
			body, _, err := a.encodeRequest(&adapters.Request{Inputs: tt.inputs})
			if tt.wantErr {
				if !errors.Is(err, adapters.ErrInvalidInput) || !strings.Contains(err.Error(), "not UTF-8") {
					t.Errorf("got error %v, want ErrInvalidInput about UTF-8", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := string(body); got != tt.want {
				t.Errorf("got body %s, want %s", got, tt.want)
			}
		})
	}
}

func TestTextMessage(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ in, want string }{
		{"Request processing time exceeded limit", "Request processing time exceeded limit"},
		{"  two\nlines  ", "two lines"},
		{"<html><body>413</body></html>", ""},
		{"{}", ""},
		{"\x00binary", ""},
		{strings.Repeat("x", maxTextMessage+1), ""},
	} {
		if got := textMessage([]byte(tt.in)); got != tt.want {
			t.Errorf("textMessage(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
