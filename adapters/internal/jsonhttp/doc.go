// SPDX-License-Identifier: Apache-2.0

// Package jsonhttp holds the JSON-over-HTTP plumbing that every adapter shares,
// so that each backend package only writes its own translation:
//
//   - Call.Do sends one request, reads the answer bounded by the adapter's
//     MaxResponseBytes (error bodies by MaxErrorBodyBytes) and always closes
//     the body, so keep-alive connections are reused;
//   - KindForStatus is the default upstream-status → error-kind table of
//     STYLE.md §3.4, which adapters override where a backend is quirky;
//   - ParseRetryAfter reads Retry-After in both of its forms;
//   - TransportError classifies failures that produced no response;
//   - ErrorMessage extracts a bounded message from the common JSON error
//     bodies without ever echoing the raw body;
//   - Call.Error and Call.StatusError build *adapters.Error values;
//   - Endpoint and NewRequest build escaped, replayable upstream requests.
//
// A typical adapter operation:
//
//	call := jsonhttp.Call{Op: "infer", Backend: a.backend, Model: model.String()}
//	req, err := jsonhttp.NewRequest(ctx, http.MethodPost, jsonhttp.Endpoint(a.base, "v2", "models", model.Name, "infer"), body, "application/json")
//	if err != nil {
//		return nil, call.Error(0, err)
//	}
//	resp, data, err := call.Do(a.client, req, a.maxBytes)
//	if err != nil {
//		return nil, err // already an *adapters.Error
//	}
//	if resp.StatusCode != http.StatusOK {
//		return nil, call.StatusError(resp, data, nil) // nil: the default status table
//	}
//	out, err := decode(data)
//	if err != nil {
//		return nil, call.Error(resp.StatusCode, jsonhttp.Malformed(err))
//	}
package jsonhttp
