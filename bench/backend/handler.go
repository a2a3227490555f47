// SPDX-License-Identifier: Apache-2.0

package main

import (
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/modelgate/modelgate/bench/workload"
)

// maxBody bounds a request body: the 1M-element scenario sends about 10 MB.
const maxBody = 64 << 20

// headLen is how much of an infer body is kept to find the request id.
const headLen = 512

// handler answers every route of the bench backend. It is safe for
// concurrent use.
type handler struct {
	json []string // the Content-Type header value, shared read-only
}

func newHandler() *handler {
	return &handler{json: []string{"application/json"}}
}

// ServeHTTP dispatches on the path without a router: the backend must cost
// as little as possible.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	switch {
	case strings.HasPrefix(p, "/v2/models/"):
		h.v2Model(w, r, p[len("/v2/models/"):])
	case p == "/v2/health/live", p == "/v2/health/ready":
		h.get(w, r, "")
	case strings.HasPrefix(p, "/v1/models/"):
		h.v1Model(w, r, p[len("/v1/models/"):])
	case p == "/invocations":
		h.invocations(w, r)
	case p == "/ping", p == "/health":
		h.get(w, r, "\n")
	default:
		h.reply(w, http.StatusNotFound, []byte(`{"error":"not found"}`))
	}
}

// v2Model serves /v2/models/{rest}.
func (h *handler) v2Model(w http.ResponseWriter, r *http.Request, rest string) {
	model, tail, _ := strings.Cut(rest, "/")
	if !workload.SafeName(model) {
		h.reply(w, http.StatusNotFound, []byte(`{"error":"unknown model"}`))
		return
	}
	if strings.HasPrefix(tail, "versions/") {
		_, tail, _ = strings.Cut(tail[len("versions/"):], "/")
	}
	switch tail {
	case "infer":
		h.infer(w, r, model)
	case "ready":
		h.get(w, r, "")
	case "":
		if r.Method != http.MethodGet {
			h.reply(w, http.StatusMethodNotAllowed, []byte(`{"error":"method not allowed"}`))
			return
		}
		h.reply(w, http.StatusOK, workload.AppendOIPMetadata(make([]byte, 0, 256), model))
	default:
		h.reply(w, http.StatusNotFound, []byte(`{"error":"not found"}`))
	}
}

// infer answers an OIP infer with the fixed output.
func (h *handler) infer(w http.ResponseWriter, r *http.Request, model string) {
	if !h.post(w, r) {
		return
	}
	head, err := drain(w, r)
	if err != nil {
		h.reply(w, http.StatusBadRequest, []byte(`{"error":"cannot read the request body"}`))
		return
	}
	id := workload.RequestID(head)
	h.reply(w, http.StatusOK, workload.AppendOIPResponse(make([]byte, 0, 256), model, id))
}

// v1Model serves /v1/models/{rest}: {m}:predict and the status GET.
func (h *handler) v1Model(w http.ResponseWriter, r *http.Request, rest string) {
	if model, ok := strings.CutSuffix(rest, ":predict"); ok && workload.SafeName(model) {
		h.predictions(w, r)
		return
	}
	if workload.SafeName(rest) && r.Method == http.MethodGet {
		h.reply(w, http.StatusOK, []byte(`{"model_version_status":[{"version":"1","state":"AVAILABLE",`+
			`"status":{"error_code":"OK","error_message":""}}]}`))
		return
	}
	h.reply(w, http.StatusNotFound, []byte(`{"error":"Servable not found"}`))
}

// invocations answers MLflow's POST /invocations, which takes JSON or CSV
// only (PROTOCOLS.md §3.2); the bench sends JSON.
func (h *handler) invocations(w http.ResponseWriter, r *http.Request) {
	if ct := r.Header.Get("Content-Type"); r.Method == http.MethodPost && !strings.HasPrefix(ct, "application/json") {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusUnsupportedMediaType)
		_, _ = io.WriteString(w, "Content type must be application/json or text/csv")
		return
	}
	h.predictions(w, r)
}

// predictions answers with the fixed {"predictions": …} body.
func (h *handler) predictions(w http.ResponseWriter, r *http.Request) {
	if !h.post(w, r) {
		return
	}
	if _, err := drain(w, r); err != nil {
		h.reply(w, http.StatusBadRequest, []byte(`{"error":"cannot read the request body"}`))
		return
	}
	h.reply(w, http.StatusOK, []byte(workload.Predictions))
}

// get answers a health GET with body.
func (h *handler) get(w http.ResponseWriter, r *http.Request, body string) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		h.reply(w, http.StatusMethodNotAllowed, []byte(`{"error":"method not allowed"}`))
		return
	}
	h.reply(w, http.StatusOK, []byte(body))
}

// post reports whether r is a POST, answering 405 if not.
func (h *handler) post(w http.ResponseWriter, r *http.Request) bool {
	if r.Method == http.MethodPost {
		return true
	}
	h.reply(w, http.StatusMethodNotAllowed, []byte(`{"error":"method not allowed"}`))
	return false
}

// reply writes a JSON answer.
func (h *handler) reply(w http.ResponseWriter, status int, body []byte) {
	w.Header()["Content-Type"] = h.json
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// drain reads the whole body, bounded by maxBody, and returns its first
// headLen bytes.
func drain(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	body := http.MaxBytesReader(w, r.Body, maxBody)
	head := make([]byte, headLen)
	n, err := io.ReadFull(body, head)
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return head[:n], nil
	case err != nil:
		return nil, err
	}
	if _, err := io.Copy(io.Discard, body); err != nil {
		return nil, err
	}
	return head, nil
}
