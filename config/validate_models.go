// SPDX-License-Identifier: Apache-2.0

package config

import (
	"fmt"
	"slices"
	"strings"
)

func (c *Config) validateModels(p *problems) {
	if len(c.Models) == 0 {
		p.add("models", "at least one model is required")
	}
	seen := map[string]int{}
	for i := range c.Models {
		r := &c.Models[i]
		path := fmt.Sprintf("models[%d]", i)
		checkName(p, path+".name", r.Name, routeNameRE, "letters, digits, '-', '_' and '.'")
		if j, dup := seen[r.Name]; dup && r.Name != "" {
			p.add(path+".name", "duplicate name %q (also models[%d])", r.Name, j)
		} else {
			seen[r.Name] = i
		}
		nonNegative(p, path+".timeout", r.Timeout)
		if len(r.Targets) == 0 {
			p.add(path+".targets", "at least one target is required")
		}
		targets := map[string]int{}
		for j := range r.Targets {
			t := &r.Targets[j]
			tpath := fmt.Sprintf("%s.targets[%d]", path, j)
			c.validateTarget(p, tpath, t)
			key := t.Backend + "\x00" + t.Model + "\x00" + t.Version
			if k, dup := targets[key]; dup {
				p.add(tpath, "duplicate of targets[%d] (same backend, model and version)", k)
			} else {
				targets[key] = j
			}
		}
	}
}

func (c *Config) validateTarget(p *problems, path string, t *Target) {
	var kind Kind
	switch b := c.Backend(t.Backend); {
	case t.Backend == "":
		p.add(path+".backend", "required")
	case b == nil:
		p.add(path+".backend", "unknown backend %q", t.Backend)
	default:
		kind = b.Kind
	}
	if strings.TrimSpace(t.Model) == "" && t.Model != "" {
		p.add(path+".model", "must not be blank")
	}
	checkOutputs(p, path+".outputs", t.Outputs)
	set := t.blocks()
	if len(set) > 1 {
		p.add(path, "sets %s: at most one per-kind block may be set", strings.Join(set, " and "))
	}
	for _, name := range set {
		if kind != "" && Kind(name) != kind {
			p.add(path+"."+name, "set but backend %q is kind %s", t.Backend, kind)
		}
	}
	t.validateBlocks(p, path)
}

// blocks lists the config keys of the per-kind blocks t sets.
func (t *Target) blocks() []string {
	var set []string
	if t.TFServing != nil {
		set = append(set, string(KindTFServing))
	}
	if t.TorchServe != nil {
		set = append(set, string(KindTorchServe))
	}
	if t.MLflow != nil {
		set = append(set, string(KindMLflow))
	}
	if t.BentoML != nil {
		set = append(set, string(KindBentoML))
	}
	return set
}

func (t *Target) validateBlocks(p *problems, path string) {
	if o := t.TFServing; o != nil {
		oneOf(p, path+".tfserving.format", o.Format, TFServingRow, TFServingColumnar)
		if o.Label != "" && t.Version != "" {
			p.add(path+".tfserving.label", "version and label are exclusive: set one")
		}
	}
	if o := t.TorchServe; o != nil {
		oneOf(p, path+".torchserve.envelope", o.Envelope, EnvelopeJSON, EnvelopeInstances, EnvelopeRaw)
	}
	if o := t.MLflow; o != nil {
		oneOf(p, path+".mlflow.format", o.Format, MLflowInputs, MLflowDataframeSplit)
		if len(o.Columns) > 0 && o.Format != MLflowDataframeSplit {
			p.add(path+".mlflow.columns", "only used with format %s", MLflowDataframeSplit)
		}
		checkOutputs(p, path+".mlflow.columns", o.Columns)
	}
	if o := t.BentoML; o != nil {
		if !identRE.MatchString(o.API) && !routePathRE.MatchString(o.API) {
			p.add(path+".bentoml.api", "must be a Python identifier (the API method name) or a route path starting with \"/\" (got %q)", o.API)
		}
		for _, tensor := range sortedKeys(o.Params) {
			if param := o.Params[tensor]; !identRE.MatchString(param) {
				p.add(fmt.Sprintf("%s.bentoml.params[%q]", path, tensor), "must be a Python parameter name (got %q)", param)
			}
		}
	}
}

// checkOutputs requires non-empty, unique names.
func checkOutputs(p *problems, path string, names []string) {
	seen := map[string]bool{}
	for i, n := range names {
		switch {
		case n == "":
			p.add(fmt.Sprintf("%s[%d]", path, i), "must not be empty")
		case seen[n]:
			p.add(fmt.Sprintf("%s[%d]", path, i), "duplicate name %q", n)
		}
		seen[n] = true
	}
}

func oneOf(p *problems, path, v string, allowed ...string) {
	if !slices.Contains(allowed, v) {
		p.add(path, "must be one of %s (got %q)", strings.Join(allowed, ", "), v)
	}
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
