// SPDX-License-Identifier: Apache-2.0

package tfserving

import (
	"fmt"
	"net/url"

	"github.com/modelgate/modelgate/adapters"
	"github.com/modelgate/modelgate/adapters/internal/jsonhttp"
)

// target is the servable one call addresses: the model name and at most
// one of a version and a label.
type target struct {
	name, version, label string
}

// resolve picks the servable for a call. The name is always
// Options.Model.Name: the adapter is built for one route target, and a
// caller's ref may carry the client's name for the route. A non-empty
// ref.Version selects that version instead of Options.Model.Version and
// Options.Label; it must be a number, or the error wraps ErrInvalidInput.
func (a *Adapter) resolve(ref adapters.ModelRef) (target, error) {
	t := a.target
	if ref.Version == "" || ref.Version == t.version {
		return t, nil
	}
	if err := checkVersion(ref.Version); err != nil {
		return t, fmt.Errorf("%w: %v", adapters.ErrInvalidInput, err)
	}
	t.version, t.label = ref.Version, ""
	return t, nil
}

// String renders t for errors: name, name@version or name@label.
func (t target) String() string {
	switch {
	case t.version != "":
		return t.name + "@" + t.version
	case t.label != "":
		return t.name + "@" + t.label
	}
	return t.name
}

// key identifies t in the adapter's per-servable state.
func (t target) key() string {
	switch {
	case t.version != "":
		return "v/" + t.version
	case t.label != "":
		return "l/" + t.label
	}
	return ""
}

// ref is what a Response reports as the model that answered. TF Serving's
// REST predict answer does not say which version ran, so a label or
// "latest" leaves Version empty.
func (t target) ref() adapters.ModelRef {
	return adapters.ModelRef{Name: t.name, Version: t.version}
}

// segments are the escaped-later path segments of t's resource, after /v1:
// models/{name}[/versions/{v}|/labels/{l}] (http_rest_api_util.cc).
func (t target) segments() []string {
	s := []string{"v1", "models", t.name}
	switch {
	case t.version != "":
		s = append(s, "versions", t.version)
	case t.label != "":
		s = append(s, "labels", t.label)
	}
	return s
}

// statusURL is GET …/v1/models/{m}[…], the model status resource.
func (t target) statusURL(base *url.URL) *url.URL {
	return jsonhttp.Endpoint(base, t.segments()...)
}

// metadataURL is GET …/v1/models/{m}[…]/metadata.
func (t target) metadataURL(base *url.URL) *url.URL {
	return jsonhttp.Endpoint(base, append(t.segments(), "metadata")...)
}

// predictURL is POST …/v1/models/{m}[…]:predict. The method is a suffix of
// the last segment; ":" survives segment escaping, and names cannot
// contain it (checkPathName), so the suffix is unambiguous.
func (t target) predictURL(base *url.URL) *url.URL {
	s := t.segments()
	s[len(s)-1] += ":predict"
	return jsonhttp.Endpoint(base, s...)
}
