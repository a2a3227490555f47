// SPDX-License-Identifier: Apache-2.0

package adapters

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// bigResponse is an OIP answer with one output of n elements of datatype
// dt, element i written by elem(i); nested writes it as [n/row, row].
func bigResponse(dt string, n, row int, elem func(i int) string) string {
	var b strings.Builder
	shape := fmt.Sprint(n)
	if row > 0 {
		shape = fmt.Sprintf("%d,%d", n/row, row)
	}
	fmt.Fprintf(&b, `{"model_name":"m","outputs":[{"name":"y","shape":[%s],"datatype":"%s","data":[`, shape, dt)
	for i := range n {
		switch {
		case row > 0 && i%row == 0 && i > 0:
			b.WriteString("],[")
		case row > 0 && i == 0:
			b.WriteByte('[')
		case i > 0:
			b.WriteByte(',')
		}
		b.WriteString(elem(i))
	}
	if row > 0 {
		b.WriteByte(']')
	}
	b.WriteString("]}]}")
	return b.String()
}

// scanCases are answers of thousands of elements, valid
// and not, flat and nested, on the bulk float path and the element path.
func scanCases() map[string]string {
	fp := func(i int) string { return fmt.Sprintf("%d.5", i) }
	return map[string]string{
		"fp32 flat":              bigResponse("FP32", 3079, 0, fp),
		"fp32 nested":            bigResponse("FP32", 3000, 1000, fp),
		"fp64 flat":              bigResponse("FP64", 2049, 0, fp),
		"int8 flat":              bigResponse("INT8", 2500, 0, func(i int) string { return fmt.Sprint(i%256 - 128) }),
		"bool nested":            bigResponse("BOOL", 2048, 512, func(i int) string { return fmt.Sprint(i%3 == 0) }),
		"bytes flat":             bigResponse("BYTES", 1500, 0, func(i int) string { return fmt.Sprintf("%q", fmt.Sprint("s", i)) }),
		"int8 out of range late": bigResponse("INT8", 2500, 0, func(i int) string { return fmt.Sprint(map[bool]int{true: 300}[i == 2100]) }),
		"fp32 bad number late":   bigResponse("FP32", 3000, 0, func(i int) string { return map[bool]string{true: "1.e5", false: "1"}[i == 2900] }),
		"fp32 string late":       bigResponse("FP32", 3000, 1000, func(i int) string { return map[bool]string{true: `"x"`, false: "2"}[i == 2500] }),
		"fp32 short":             strings.Replace(bigResponse("FP32", 2000, 0, fp), `"shape":[2000]`, `"shape":[2001]`, 1),
		"fp32 long":              strings.Replace(bigResponse("FP32", 2000, 0, fp), `"shape":[2000]`, `"shape":[1999]`, 1),
	}
}

// TestScanResponseAgreesWithDecode: on every answer, ScanResponse fails with
// DecodeResponse's exact error, or gives a response that, written out,
// decodes to what DecodeResponse gives, with outputs described alike.
func TestScanResponseAgreesWithDecode(t *testing.T) {
	t.Parallel()
	cases := scanCases()
	for i, s := range oipSeeds {
		cases[fmt.Sprint("seed ", i)] = s
	}
	cases["no outputs"] = `{"outputs":[]}` // found by FuzzScanResponse
	var verbatim, failed int
	for name, body := range cases {
		ok, isVerbatim := checkScanAgrees(t, name, []byte(body))
		if !ok {
			failed++
		}
		if isVerbatim {
			verbatim++
		}
	}
	// The table must exercise both outcomes, or it proves little.
	if verbatim < 6 || failed < 4 {
		t.Fatalf("cases: %d scanned verbatim, %d failing; want at least 6 and 4", verbatim, failed)
	}
}

// checkScanAgrees compares ScanResponse with DecodeResponse on data. It
// reports whether data decoded and whether the outputs came verbatim.
func checkScanAgrees(t *testing.T, name string, data []byte) (decoded, verbatim bool) {
	t.Helper()
	full, ferr := DecodeResponse(data)
	sc, serr := ScanResponse(data)
	if ferr != nil || serr != nil {
		if ferr == nil || serr == nil || ferr.Error() != serr.Error() {
			t.Fatalf("%s: DecodeResponse error %v, ScanResponse error %v; want the same", name, ferr, serr)
		}
		if !errors.Is(serr, ErrBadUpstream) {
			t.Fatalf("%s: ScanResponse error %v does not wrap ErrBadUpstream", name, serr)
		}
		return false, false
	}
	if sc.OIPOutputs != nil {
		// A sub-slice of data holding one JSON array, and outputs without data.
		if !bytes.Contains(data, sc.OIPOutputs) || sc.OIPOutputs[0] != '[' || sc.OIPOutputs[len(sc.OIPOutputs)-1] != ']' {
			t.Fatalf("%s: OIPOutputs %.80q is not the outputs array of the body", name, sc.OIPOutputs)
		}
		var want []Tensor // nil when there are none, as decoded
		for _, o := range full.Outputs {
			o.Data = TensorData{}
			want = append(want, o)
		}
		if diff := cmp.Diff(want, sc.Outputs); diff != "" {
			t.Fatalf("%s: scanned outputs differ from decoded ones without data (-want +got):\n%s", name, diff)
		}
	} else if diff := cmp.Diff(full, sc, equateNaN()); diff != "" {
		t.Fatalf("%s: ScanResponse without verbatim outputs differs from DecodeResponse (-want +got):\n%s", name, diff)
	}
	out, err := AppendResponse(nil, sc)
	if err != nil {
		t.Fatalf("%s: AppendResponse(ScanResponse): %v", name, err)
	}
	again, err := DecodeResponse(out)
	if err != nil {
		t.Fatalf("%s: DecodeResponse(AppendResponse(ScanResponse)): %v\n%.300s", name, err, out)
	}
	if diff := cmp.Diff(full, again, equateNaN()); diff != "" {
		t.Fatalf("%s: the answer written from the scan decodes differently (-want +got):\n%s", name, diff)
	}
	return true, sc.OIPOutputs != nil
}

// TestScanResponseAlteredOutputs: where leniency changes an output, the
// outputs cannot go out as written, and ScanResponse decodes them in full.
func TestScanResponseAlteredOutputs(t *testing.T) {
	t.Parallel()
	for name, body := range map[string]string{
		"null output parameters":   `{"model_name":"m","outputs":[{"name":"y","shape":[1],"datatype":"FP32","parameters":null,"data":[1]}]}`,
		"object output parameter":  `{"model_name":"m","outputs":[{"name":"y","shape":[1],"datatype":"FP32","parameters":{"h":{"a":1}},"data":[1]}]}`,
		"unknown member in output": `{"model_name":"m","outputs":[{"name":"y","shape":[1],"datatype":"FP32","extra":[1,2],"data":[1]}]}`,
		"null output name":         `{"model_name":"m","outputs":[{"name":null,"shape":[1],"datatype":"FP32","data":[1]}]}`,
	} {
		r, err := ScanResponse([]byte(body))
		if err != nil && name != "null output name" {
			t.Fatalf("%s: %v", name, err)
		}
		if err == nil && (r.OIPOutputs != nil || len(r.Outputs[0].Data.FP32) != 1) {
			t.Errorf("%s: OIPOutputs %q, data %v; want none and the decoded data", name, r.OIPOutputs, r.Outputs[0].Data)
		}
	}
	// Leniency outside the outputs does not stop them going out as written.
	r, err := ScanResponse([]byte(`{"model_name":"m","model_version":null,"parameters":{"h":{"a":1}},"extra":1,"outputs":[{"name":"y","shape":[1],"datatype":"FP32","data":[1]}]}`))
	if err != nil || string(r.OIPOutputs) != `[{"name":"y","shape":[1],"datatype":"FP32","data":[1]}]` {
		t.Fatalf("ScanResponse = %q, %v; want the outputs as written", r.OIPOutputs, err)
	}
}

// TestAppendResponseHead: head, outputs as written and '}' make the body
// AppendResponse writes.
func TestAppendResponseHead(t *testing.T) {
	t.Parallel()
	r, err := ScanResponse([]byte(`{"model_name":"b","id":"1","outputs": [{"name":"y","shape":[2],"datatype":"INT32","data":[1,2]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	r.Model, r.ID, r.Parameters = ModelRef{Name: "front", Version: "3"}, "req-9", Parameters{"k": "v"}
	head, err := AppendResponseHead(nil, r)
	if err != nil {
		t.Fatal(err)
	}
	got := string(head) + string(r.OIPOutputs) + "}"
	want := `{"model_name":"front","model_version":"3","id":"req-9","parameters":{"k":"v"},"outputs":[{"name":"y","shape":[2],"datatype":"INT32","data":[1,2]}]}`
	if got != want {
		t.Fatalf("head + outputs + } =\n%s\nwant\n%s", got, want)
	}
	full, err := AppendResponse(nil, r)
	if err != nil || string(full) != want {
		t.Fatalf("AppendResponse = %s, %v; want %s", full, err, want)
	}
	r.OIPOutputs = nil
	if _, err := AppendResponseHead(nil, r); !errors.Is(err, ErrBadUpstream) {
		t.Fatalf("AppendResponseHead without OIPOutputs: error %v, want ErrBadUpstream", err)
	}
}

// FuzzScanResponse checks ScanResponse against DecodeResponse on any input.
func FuzzScanResponse(f *testing.F) {
	for _, s := range oipSeeds {
		f.Add([]byte(s))
	}
	// Small seeds: the large table cases make each execution and the
	// minimisation of every new input slow, for no path they alone reach.
	f.Add([]byte(bigResponse("FP32", 20, 5, func(i int) string { return fmt.Sprintf("%d.5", i) })))
	f.Add([]byte(bigResponse("INT8", 12, 0, func(i int) string { return fmt.Sprint(i*20 - 120) })))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkScanAgrees(t, "fuzz", data)
	})
}

// TestScanResponseKeepsNoData: scanning a large answer allocates a small
// fraction of what decoding its data takes, whatever the datatype path.
func TestScanResponseKeepsNoData(t *testing.T) {
	const n = 200_000
	for _, dt := range []string{"FP32", "FP64", "INT64"} {
		body := []byte(bigResponse(dt, n, 0, func(i int) string { return fmt.Sprint(i % 1000) }))
		var before, after runtimeMem
		before.read()
		r, err := ScanResponse(body)
		after.read()
		if err != nil || r.OIPOutputs == nil {
			t.Fatalf("%s: ScanResponse: outputs %v, %v", dt, r != nil && r.OIPOutputs != nil, err)
		}
		if got := after.total - before.total; got > 64<<10 {
			t.Errorf("%s: ScanResponse allocated %d bytes for %d elements, want < 64 KiB (the data is %d bytes)", dt, got, n, 4*n)
		}
	}
}

// checkScanRequestAgrees compares ScanRequest with DecodeRequest on data.
func checkScanRequestAgrees(t *testing.T, name string, data []byte) (decoded bool) {
	t.Helper()
	full, ferr := DecodeRequest(data)
	sc, serr := ScanRequest(data)
	if ferr != nil || serr != nil {
		if ferr == nil || serr == nil || ferr.Error() != serr.Error() {
			t.Fatalf("%s: DecodeRequest error %v, ScanRequest error %v; want the same", name, ferr, serr)
		}
		if !errors.Is(serr, ErrInvalidInput) {
			t.Fatalf("%s: ScanRequest error %v does not wrap ErrInvalidInput", name, serr)
		}
		return false
	}
	if !bytes.Equal(sc.Source, data) {
		t.Fatalf("%s: Source is not the body", name)
	}
	want := *full
	want.Source = data
	want.Inputs = make([]Tensor, len(full.Inputs))
	for i, in := range full.Inputs {
		in.Data = TensorData{}
		want.Inputs[i] = in
	}
	if diff := cmp.Diff(&want, sc); diff != "" {
		t.Fatalf("%s: ScanRequest differs from DecodeRequest without data (-want +got):\n%s", name, diff)
	}
	return true
}

// TestScanRequestAgreesWithDecode: ScanRequest fails exactly as
// DecodeRequest does, and otherwise describes the same inputs without
// their data.
func TestScanRequestAgreesWithDecode(t *testing.T) {
	t.Parallel()
	cases := map[string]string{}
	for name, body := range scanCases() {
		// The same tensors as inputs of a request.
		cases[name] = strings.Replace(strings.Replace(body, `"model_name":"m","outputs"`, `"id":"r","inputs"`, 1), "]}]}", `]}],"outputs":[{"name":"y"}]}`, 1)
	}
	for i, s := range oipSeeds {
		cases[fmt.Sprint("seed ", i)] = s
	}
	cases["null parameters"] = `{"parameters":null,"inputs":[{"name":"x","shape":[1],"datatype":"FP32","data":[1]}]}`
	var ok, failed int
	for name, body := range cases {
		if checkScanRequestAgrees(t, name, []byte(body)) {
			ok++
		} else {
			failed++
		}
	}
	if ok < 8 || failed < 5 {
		t.Fatalf("cases: %d decoded, %d failing; want at least 8 and 5", ok, failed)
	}
}

// FuzzScanRequest checks ScanRequest against DecodeRequest on any input.
func FuzzScanRequest(f *testing.F) {
	for _, s := range oipSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkScanRequestAgrees(t, "fuzz", data)
	})
}
