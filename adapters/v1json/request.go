// SPDX-License-Identifier: Apache-2.0

package v1json

import (
	"fmt"

	"github.com/modelgate/modelgate/adapters/jsontext"
)

// requestReader decodes a predict request in one pass. The tensors are
// decoded where they stand, with the signature named so far (none yet, in
// the common case, means the default); if a signature_name follows that
// names another signature, they are decoded again from their recorded
// range. TF Serving checks the whole document's syntax first, so for a
// malformed body it may report a syntax error where we report the first
// bad tensor value.
type requestReader struct {
	data    []byte
	d       *jsontext.Decoder
	lookup  SignatureFunc
	r       *PredictRequest
	name    span // signature_name
	tensors span // instances or inputs
	sig     *Signature
	looked  bool // lookup has been called for r.SignatureName
}

func decodeRequest(data []byte, lookup SignatureFunc) (*PredictRequest, error) {
	d, err := openObject(data)
	if err != nil {
		return nil, err
	}
	rr := &requestReader{data: data, d: d, lookup: lookup, r: &PredictRequest{}}
	for err == nil && d.More() {
		var key []byte
		if key, err = d.ReadObjectKeyBytes(); err == nil {
			err = rr.member(string(key))
		}
	}
	if err = finishObject(d, err); err != nil {
		return nil, err
	}
	return rr.finish()
}

func (rr *requestReader) member(key string) error {
	switch key {
	case "signature_name":
		if err := member(rr.d, &rr.name, key); err != nil {
			return err
		}
		return rr.signatureName()
	case "instances", "inputs":
		if rr.tensors.ok {
			if rr.r.Format == Row && key == "instances" || rr.r.Format == Columnar && key == "inputs" {
				return fmt.Errorf("duplicate key %q in the JSON object", key)
			}
			return formatError(rr.data, "Not formatted correctly expecting only one of 'inputs' or 'instances' keys to exist ")
		}
		rr.r.Format = Columnar
		if key == "instances" {
			rr.r.Format = Row
		}
		rr.tensors.start = rr.d.Offset()
		if err := rr.decode(rr.d); err != nil {
			return err
		}
		rr.tensors.end, rr.tensors.ok = rr.d.Offset(), true
		return nil
	}
	return rr.d.Skip() // TF ignores other members
}

// signatureName reads the recorded signature_name.
func (rr *requestReader) signatureName() error {
	name, err := rr.name.decoder(rr.data).ReadString()
	if err != nil {
		return formatError(rr.data, "not formatted correctly. 'signature_name' key must be a string value.")
	}
	rr.r.SignatureName = name
	rr.looked = false
	return nil
}

// signature looks up the signature for the name read so far, once.
func (rr *requestReader) signature() (*Signature, error) {
	if rr.looked {
		return rr.sig, nil
	}
	sig, err := rr.lookup(rr.r.SignatureName)
	if err != nil {
		return nil, &lookupError{err: err}
	}
	if sig != nil && len(sig.Inputs) == 0 {
		return nil, tfErrorf("Failed to get input map for signature: %s", cmpOr(rr.r.SignatureName, "DEFAULT"))
	}
	rr.sig, rr.looked = sig, true
	return sig, nil
}

// decode reads the tensors from d with the current signature.
func (rr *requestReader) decode(d *jsontext.Decoder) error {
	sig, err := rr.signature()
	if err != nil {
		return err
	}
	if rr.r.Format == Row {
		rr.r.Inputs, err = decodeRows(rr.data, d, sig, "instances")
	} else {
		rr.r.Inputs, err = decodeColumns(rr.data, d, sig, "inputs")
	}
	if err != nil {
		return err
	}
	for _, t := range rr.r.Inputs {
		if !t.DType.JSONSupported() { // a signature's FP16 or BF16 input without values
			return tfErrorf("Conversion of JSON Value: [] to type: %s is not supported", tfTypeName(t.DType))
		}
	}
	return nil
}

// finish decodes again if a later signature_name changed the signature.
func (rr *requestReader) finish() (*PredictRequest, error) {
	if !rr.tensors.ok {
		if _, err := rr.signature(); err != nil {
			return nil, err
		}
		return nil, tfErrorf("Missing 'inputs' or 'instances' key")
	}
	if !rr.looked {
		prev := rr.sig
		sig, err := rr.signature()
		if err != nil {
			return nil, err
		}
		if sig != prev {
			if err := rr.decode(rr.tensors.decoder(rr.data)); err != nil {
				return nil, err
			}
		}
	}
	return rr.r, nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
