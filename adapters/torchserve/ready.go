// SPDX-License-Identifier: Apache-2.0

package torchserve

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/modelgate/modelgate/adapters"
	"github.com/modelgate/modelgate/adapters/internal/jsonhttp"
)

// describedModel is the part of one management-API describe object
// (DescribeModelResponse.java; PROTOCOLS.md §2.1) that readiness needs.
type describedModel struct {
	Workers []struct {
		Status string `json:"status"` // "READY" or "UNLOADING"
	} `json:"workers"`
}

// workerReady is the status ApiUtils gives a worker whose model is loaded.
const workerReady = "READY"

// ModelReady reports whether the target's model can serve. The model
// argument is ignored: an Adapter serves the one model of its Options.
//
// With Options.ManagementURL it asks GET {management}/models/{m}[/{v}],
// which answers a JSON array of describe objects: the model is ready when
// one of them has a worker with status "READY", unavailable when none does,
// and not found on 404. Without it, it asks the inference address's
// GET /ping, which is server-wide: 200 {"status": "Healthy"} is ready, 500
// {"status": "Unhealthy"} (some model has fewer healthy workers than its
// minimum) is unavailable; it cannot tell whether this model exists.
func (a *Adapter) ModelReady(ctx context.Context, _ adapters.ModelRef) error {
	if a.describe != nil {
		return a.describeReady(ctx)
	}
	return a.pingReady(ctx)
}

func (a *Adapter) pingReady(ctx context.Context) error {
	call := a.call("ready")
	resp, data, err := a.get(ctx, call, a.ping, a.token)
	if err != nil {
		return err
	}
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode <= 299:
		return nil
	case resp.StatusCode == http.StatusInternalServerError:
		e := call.Error(resp.StatusCode, adapters.ErrUnavailable)
		e.Message = "TorchServe reports Unhealthy"
		return e
	}
	return a.readyError(call, resp, data, "Options.Token")
}

func (a *Adapter) describeReady(ctx context.Context) error {
	call := a.call("ready")
	resp, data, err := a.get(ctx, call, a.describe, a.mgmtToken)
	if err != nil {
		return err
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return a.readyError(call, resp, data, "Options.ManagementToken")
	}
	ready, workers, err := readyWorkers(data)
	switch {
	case err != nil:
		return call.Error(resp.StatusCode, jsonhttp.Malformed(err))
	case ready:
		return nil
	}
	e := call.Error(resp.StatusCode, adapters.ErrUnavailable)
	e.Message = fmt.Sprintf("no READY worker (%d workers)", workers)
	return e
}

// readyWorkers reads a describe answer: whether a worker is READY, and how
// many workers there are.
func readyWorkers(data []byte) (ready bool, workers int, err error) {
	var models []describedModel
	if err := json.Unmarshal(data, &models); err != nil {
		return false, 0, fmt.Errorf("describe answer: %v", err)
	}
	for _, m := range models {
		for _, w := range m.Workers {
			if w.Status == workerReady {
				ready = true
			}
			workers++
		}
	}
	return ready, workers, nil
}

// readyError is statusError for readiness probes, where any server error
// (5xx but 501) means the model cannot serve now: ErrUnavailable.
func (a *Adapter) readyError(call jsonhttp.Call, resp *http.Response, data []byte, tokenField string) error {
	e := a.statusError(call, resp, data, tokenField)
	if resp.StatusCode >= 500 && resp.StatusCode != http.StatusNotImplemented {
		e.Err = adapters.ErrUnavailable
	}
	return e
}

// get performs one GET round trip; the body is read (bounded) and closed.
func (a *Adapter) get(ctx context.Context, call jsonhttp.Call, u *url.URL, token string) (*http.Response, []byte, error) {
	req, err := jsonhttp.NewRequest(ctx, http.MethodGet, u, nil, "")
	if err != nil {
		return nil, nil, call.Error(0, err)
	}
	authorize(req, token)
	return call.Do(a.client, req, a.maxBytes)
}

// ModelMetadata returns an error wrapping errors.ErrUnsupported: TorchServe
// publishes no model signature (its describe API reports workers and
// settings; a handler's "customized" metadata is free-form), so there is
// nothing to serve as OIP metadata. No upstream call is made.
func (a *Adapter) ModelMetadata(_ context.Context, _ adapters.ModelRef) (*adapters.ModelMetadata, error) {
	e := a.call("metadata").Error(0, errors.ErrUnsupported)
	e.Message = "TorchServe publishes no model signature"
	return nil, e
}
