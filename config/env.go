// SPDX-License-Identifier: Apache-2.0

package config

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/knadh/koanf/providers/env/v2"
)

// applyEnv overrides keys of raw with the MODELGATE_ variables of environ,
// in name order. koanf's env provider only builds nested maps, so the walk
// that also indexes lists (MODELGATE_BACKENDS__0__URL) is done here. Every
// bad variable is reported, each naming the variable; the others still
// apply.
//
// Only variables whose first segment names a top-level section (SERVER,
// BACKENDS, MODELS) are overrides. Every section is a map or a list, so a
// variable without "__" cannot be one: MODELGATE_BIN and the launcher's
// MODELGATE_RUN_DIR belong to other tools and are left alone. A variable
// that starts with a section and a single "_" (MODELGATE_SERVER_LISTEN) is
// a typo for "__" and is reported.
func applyEnv(raw map[string]any, environ func() []string) []error {
	vars, err := env.Provider("", env.Opt{Prefix: EnvPrefix, EnvironFunc: environ}).Read()
	if err != nil {
		return []error{fmt.Errorf("config: read environment: %w", err)}
	}
	names := slices.Sorted(maps.Keys(vars))
	var errs []error
	sections := topLevelKeys()
	for _, name := range names {
		first, _, nested := strings.Cut(strings.TrimPrefix(name, EnvPrefix), "__")
		first = strings.ToLower(first)
		if !nested || !slices.Contains(sections, first) {
			if sec, ok := sectionTypo(first, sections); ok {
				errs = append(errs, &FieldError{Path: name, Reason: fmt.Sprintf(`separate levels with "__" (%s%s__…)`, EnvPrefix, strings.ToUpper(sec))})
			}
			continue
		}
		if err := setEnv(raw, name, fmt.Sprint(vars[name])); err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}

// setEnv sets the key the variable name points at to val. Segments are
// separated by "__"; a segment indexes a list when the value at that level
// is a list, and names a key (case-insensitively) otherwise. Missing
// sections are created; list elements are not.
func setEnv(raw map[string]any, name, val string) error {
	segs := strings.Split(strings.TrimPrefix(name, EnvPrefix), "__")
	if slices.Contains(segs, "") {
		return &FieldError{Path: name, Reason: `empty key segment (separate levels with "__")`}
	}
	var node any = raw
	path := ""
	for i, seg := range segs {
		last := i == len(segs)-1
		var next any
		var err error
		switch n := node.(type) {
		case map[string]any:
			next, path = stepMap(n, seg, path, last, val)
		default:
			next, path, err = stepList(node, seg, path, last, val)
		}
		if err != nil {
			return &FieldError{Path: name, Reason: err.Error()}
		}
		node = next
	}
	return nil
}

// stepMap descends into the key seg of m, creating a section when absent,
// or sets it to val when last.
func stepMap(m map[string]any, seg, path string, last bool, val string) (any, string) {
	key := mapKey(m, seg)
	path = joinPath(path, key)
	if last {
		m[key] = val
		return nil, path
	}
	child := m[key]
	if isNil(child) && !isList(child) {
		child = map[string]any{}
		m[key] = child
	}
	return child, path
}

// stepList descends into element seg of the list node, or sets it to val
// when last. Anything else than a list is a value that has no sub-keys.
func stepList(node any, seg, path string, last bool, val string) (any, string, error) {
	if !isList(node) {
		return nil, path, fmt.Errorf("%s is a value, not a section", path)
	}
	idx, err := strconv.Atoi(seg)
	if err != nil || idx < 0 {
		return nil, path, fmt.Errorf("%s is a list: %q is not an index", path, seg)
	}
	n := reflect.ValueOf(node).Len()
	if idx >= n {
		return nil, path, fmt.Errorf("index %d out of range: %s has %d elements (lists are extended in the file, not the environment)", idx, path, n)
	}
	list := node.([]any) // only empty lists come typed from the defaults
	path = fmt.Sprintf("%s[%d]", path, idx)
	if last {
		list[idx] = val
		return nil, path, nil
	}
	if isNil(list[idx]) {
		list[idx] = map[string]any{}
	}
	return list[idx], path, nil
}

// mapKey returns the key of m matching seg case-insensitively, or seg
// lower-cased when m has none.
func mapKey(m map[string]any, seg string) string {
	low := strings.ToLower(seg)
	if _, ok := m[low]; ok {
		return low
	}
	for k := range m {
		if strings.EqualFold(k, seg) {
			return k
		}
	}
	return low
}

// isList reports whether v is a slice (possibly a typed nil one).
func isList(v any) bool {
	return v != nil && reflect.ValueOf(v).Kind() == reflect.Slice
}

// topLevelKeys lists the koanf names of Config's sections.
func topLevelKeys() []string {
	t := reflect.TypeFor[Config]()
	keys := make([]string, 0, t.NumField())
	for i := range t.NumField() {
		if k := t.Field(i).Tag.Get("koanf"); k != "" {
			keys = append(keys, k)
		}
	}
	return keys
}

// sectionTypo reports whether first (lower-cased, without "__") starts with
// a section name and a single underscore, the likely typo for "__".
func sectionTypo(first string, sections []string) (string, bool) {
	for _, sec := range sections {
		if strings.HasPrefix(first, sec+"_") {
			return sec, true
		}
	}
	return "", false
}
