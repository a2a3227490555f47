// SPDX-License-Identifier: Apache-2.0

package adapters

import "maps"

// ModelRef names a model and, optionally, one version of it. An empty
// Version means the backend's default (latest) version.
type ModelRef struct {
	Name    string
	Version string
}

// String renders m as name or name@version.
func (m ModelRef) String() string {
	if m.Version == "" {
		return m.Name
	}
	return m.Name + "@" + m.Version
}

// Parameters are OIP parameters: string keys with JSON scalar values only.
// Values are string, bool, int64 or float64; the codecs reject anything else.
type Parameters map[string]any

// Clone returns a copy of p (values are scalars, so a shallow copy is deep).
func (p Parameters) Clone() Parameters {
	if p == nil {
		return nil
	}
	return maps.Clone(p)
}

// Payload is an opaque body with its media type: an image for TorchServe,
// CSV for MLflow. It is bounded at the edge and replayable for retries.
type Payload struct {
	ContentType string
	Data        []byte
}

// OutputSpec names one output the client wants back.
type OutputSpec struct {
	Name       string
	Parameters Parameters
}

// Request is one inference call in uniform, OIP-shaped form. Exactly one of
// Inputs and Raw is set.
type Request struct {
	// ID is the client's request id, echoed in the response. May be empty.
	ID string
	// Model is the model the backend should run (the backend's own name for
	// it, after routing).
	Model ModelRef
	// Inputs are the input tensors. A Request from ScanRequest has them
	// without Data, and Source set: only an adapter that sends Source can
	// serve it.
	Inputs []Tensor
	// Outputs restricts the response to these outputs. If nil, all outputs.
	Outputs []OutputSpec
	// Parameters are request-level OIP parameters.
	Parameters Parameters
	// Raw is an opaque payload passed through instead of tensors.
	Raw *Payload
	// Source is the client's OIP v2 JSON body this Request was decoded
	// from, when the gateway received it as OIP v2 and has not changed
	// ID, Inputs, Outputs or Parameters since (Model is not part of the
	// body). An adapter that speaks OIP may send it as is instead of
	// re-encoding; others ignore it. Nil otherwise. Whoever changes one of
	// those fields must set Source to nil. It is never modified.
	Source []byte
	// SourceHold, when set, says that Source's memory is reused once the
	// request is over. An adapter that sends Source must call it for each
	// reader of Source it creates (each upstream body, retries included)
	// and call the function it returns once that reader is done with the
	// bytes (closed); the memory is reused only after every such release.
	// Nil when Source's memory is never reused.
	SourceHold func() (release func())
	// AcceptOIPOutputs tells an adapter that speaks OIP that the caller
	// writes the answer out as OIP JSON and does not read output data: it
	// may return the backend's outputs as written, in Response.OIPOutputs,
	// instead of decoding their data (see ScanResponse).
	AcceptOIPOutputs bool
}

// Clone returns a deep copy of r, except that Source, which is never
// modified, is shared.
func (r *Request) Clone() *Request {
	c := *r
	c.Parameters = r.Parameters.Clone()
	if r.Inputs != nil {
		c.Inputs = make([]Tensor, len(r.Inputs))
		for i := range r.Inputs {
			c.Inputs[i] = r.Inputs[i].Clone()
		}
	}
	if r.Outputs != nil {
		c.Outputs = make([]OutputSpec, len(r.Outputs))
		for i, o := range r.Outputs {
			c.Outputs[i] = OutputSpec{Name: o.Name, Parameters: o.Parameters.Clone()}
		}
	}
	if r.Raw != nil {
		c.Raw = &Payload{ContentType: r.Raw.ContentType, Data: cloneSlice(r.Raw.Data)}
	}
	return &c
}

// Input returns the input named name, or nil.
func (r *Request) Input(name string) *Tensor {
	for i := range r.Inputs {
		if r.Inputs[i].Name == name {
			return &r.Inputs[i]
		}
	}
	return nil
}

// Response is the uniform answer to a Request.
type Response struct {
	// ID echoes Request.ID.
	ID string
	// Model is the model (and version, when the backend says) that answered.
	Model ModelRef
	// Outputs are the output tensors.
	Outputs []Tensor
	// Parameters are response-level OIP parameters.
	Parameters Parameters
	// Raw is an opaque answer the adapter could not or was told not to
	// interpret as tensors.
	Raw *Payload
	// OIPOutputs, when not nil, is the answer's "outputs" array exactly as
	// an OIP backend wrote it (see ScanResponse), checked as strictly as
	// DecodeResponse checks it; Outputs then describe those tensors without
	// Data. Only an adapter whose Request had AcceptOIPOutputs sets it.
	OIPOutputs []byte
}

// Output returns the output named name, or nil.
func (r *Response) Output(name string) *Tensor {
	for i := range r.Outputs {
		if r.Outputs[i].Name == name {
			return &r.Outputs[i]
		}
	}
	return nil
}

// TensorMetadata describes one tensor of a model signature. A dimension of
// -1 is variable.
type TensorMetadata struct {
	Name  string
	DType DType
	Shape []int64
}

// ModelMetadata is a model's signature in OIP form.
type ModelMetadata struct {
	Name     string
	Versions []string
	Platform string
	Inputs   []TensorMetadata
	Outputs  []TensorMetadata
}
