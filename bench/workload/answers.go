// SPDX-License-Identifier: Apache-2.0

package workload

// The bench backend's fixed answers. Every infer, whatever its input, gets
// the same small output, so each scenario measures the request path.

// Predictions is the answer to TF Serving :predict and MLflow /invocations:
// one example with three scores.
const Predictions = `{"predictions":[[0.1,0.2,0.7]]}`

// oipOutputs is the outputs member of every OIP infer answer.
const oipOutputs = `"outputs":[{"name":"output-0","shape":[1,3],"datatype":"FP32","data":[0.1,0.2,0.7]}]}`

// AppendOIPResponse appends the OIP v2 infer answer for model, echoing the
// request id when there is one (PROTOCOLS.md §6.3). model and id must need
// no JSON escaping (SafeName).
func AppendOIPResponse(dst []byte, model, id string) []byte {
	dst = append(dst, `{"model_name":"`...)
	dst = append(dst, model...)
	if id != "" {
		dst = append(dst, `","id":"`...)
		dst = append(dst, id...)
	}
	dst = append(dst, `",`...)
	return append(dst, oipOutputs...)
}

// AppendOIPMetadata appends the OIP v2 model metadata of model
// (PROTOCOLS.md §6.1): one FP32 input and one FP32 output of any shape,
// which is what modelgate's v1 front end reads as the TF signature.
func AppendOIPMetadata(dst []byte, model string) []byte {
	dst = append(dst, `{"name":"`...)
	dst = append(dst, model...)
	return append(dst, `","versions":["1"],"platform":"bench",`+
		`"inputs":[{"name":"input-0","datatype":"FP32","shape":[-1,-1]}],`+
		`"outputs":[{"name":"output-0","datatype":"FP32","shape":[-1,3]}]}`...)
}

// SafeName reports whether s is a non-empty name of ASCII letters, digits,
// '.', '_' and '-' only, which JSON carries unescaped.
func SafeName(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '.' || c == '_' || c == '-'
		if !ok {
			return false
		}
	}
	return true
}

// RequestID finds the top-level "id" of an OIP request in head, the first
// bytes of its body, and returns it if it is a SafeName string; else "".
// A member named "id" elsewhere (a parameter) can be mistaken for it, which
// is harmless for the bench.
func RequestID(head []byte) string {
	const key = `"id"`
	for i := 0; i+len(key) <= len(head); i++ {
		if string(head[i:i+len(key)]) != key {
			continue
		}
		j := skipSpace(head, i+len(key))
		if j >= len(head) || head[j] != ':' {
			continue
		}
		j = skipSpace(head, j+1)
		if j >= len(head) || head[j] != '"' {
			return ""
		}
		for k := j + 1; k < len(head); k++ {
			if head[k] == '"' {
				if id := string(head[j+1 : k]); SafeName(id) {
					return id
				}
				return ""
			}
		}
		return ""
	}
	return ""
}

// skipSpace returns the index of the first non-space byte at or after i.
func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}
