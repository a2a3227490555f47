// SPDX-License-Identifier: Apache-2.0

package config

import (
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/go-viper/mapstructure/v2"
	"github.com/knadh/koanf/parsers/yaml"
	"github.com/knadh/koanf/providers/file"
	"github.com/knadh/koanf/providers/structs"
	"github.com/knadh/koanf/v2"
)

// EnvPrefix starts every environment variable that overrides a config key.
const EnvPrefix = "MODELGATE_"

// LoadOptions say where Load reads the configuration from.
type LoadOptions struct {
	// Path is the YAML file. If empty, no file is read: defaults and
	// environment only.
	Path string
	// Environ returns the environment as "KEY=value" strings, like
	// os.Environ. Variables named MODELGATE_<KEY>[__<KEY>...] override keys
	// (see the package doc). If nil, the environment is not consulted.
	Environ func() []string
}

// Load builds a Config from, in increasing precedence, Default, the YAML
// file and the environment, then fills per-element and derived defaults.
// Unknown keys, ill-typed values, malformed sizes and durations and bad
// environment variables are errors naming their key path (or variable);
// every such problem is reported, joined. Load does not call Validate; see
// LoadAndValidate.
func Load(opts LoadOptions) (*Config, error) {
	cfg, problems, err := load(opts)
	if err != nil {
		return nil, err
	}
	if len(problems) > 0 {
		return nil, errors.Join(problems...)
	}
	return cfg, nil
}

// LoadAndValidate is Load followed by Validate, except that it reports the
// problems of both steps at once: a file with a typo in one key and a bad
// URL in another gets both listed. Validation problems of a key that
// failed to decode are left out, since its decoded value is meaningless.
func LoadAndValidate(opts LoadOptions) (*Config, error) {
	cfg, problems, err := load(opts)
	if err != nil {
		return nil, err
	}
	for _, v := range leaves(cfg.Validate()) {
		if !decodeFailed(problems, v) {
			problems = append(problems, v)
		}
	}
	if len(problems) > 0 {
		return nil, errors.Join(problems...)
	}
	return cfg, nil
}

// load returns the best-effort Config and the problems found on the way;
// err is set only when loading could not proceed (unreadable file, bad
// YAML).
func load(opts LoadOptions) (cfg *Config, problems []error, err error) {
	k := koanf.New(".")
	if err := k.Load(structs.Provider(Default(), "koanf"), nil); err != nil {
		return nil, nil, fmt.Errorf("config: load defaults: %w", err)
	}
	if opts.Path != "" {
		if err := k.Load(file.Provider(opts.Path), yaml.Parser()); err != nil {
			return nil, nil, fmt.Errorf("config: read %s: %w", opts.Path, err)
		}
	}
	raw := k.Raw()
	if opts.Environ != nil {
		problems = applyEnv(raw, opts.Environ)
	}
	fillDefaults(raw)
	cfg, err = decode(raw)
	if err != nil {
		problems = append(problems, leaves(err)...)
	}
	cfg.resolve()
	return cfg, problems, nil
}

// decodeFailed reports whether v is about a key, or under a key, that
// failed to decode (unknown keys do not count: they decode to nothing).
func decodeFailed(problems []error, v error) bool {
	var fv *FieldError
	if !errors.As(v, &fv) {
		return false
	}
	for _, p := range problems {
		var fp *FieldError
		if !errors.As(p, &fp) || fp.Path == "" || fp.Reason == reasonUnknownKey {
			continue
		}
		if fv.Path == fp.Path || strings.HasPrefix(fv.Path, fp.Path+".") || strings.HasPrefix(fv.Path, fp.Path+"[") {
			return true
		}
	}
	return false
}

// mapProvider is a koanf.Provider over an already-built map.
type mapProvider map[string]any

func (m mapProvider) ReadBytes() ([]byte, error)    { return nil, errors.ErrUnsupported }
func (m mapProvider) Read() (map[string]any, error) { return m, nil }

// decode unmarshals raw strictly into a Config. On error the Config holds
// whatever did decode, and the error joins one *FieldError per problem.
func decode(raw map[string]any) (*Config, error) {
	var cfg Config
	k := koanf.New(".")
	if err := k.Load(mapProvider(raw), nil); err != nil {
		return &cfg, fmt.Errorf("config: %w", err)
	}
	err := k.UnmarshalWithConf("", &cfg, koanf.UnmarshalConf{
		DecoderConfig: &mapstructure.DecoderConfig{
			DecodeHook: mapstructure.ComposeDecodeHookFunc(
				durationHook,
				byteSizeHook,
				mapstructure.StringToSliceHookFunc(","),
			),
			ErrorUnused:      true,
			WeaklyTypedInput: true, // environment values are strings
			TagName:          "koanf",
			MatchName:        func(key, field string) bool { return key == field }, // keys are case-sensitive
		},
	})
	if err != nil {
		return &cfg, decodeProblems(err)
	}
	return &cfg, nil
}

// fillDefaults sets every key of raw that is absent or null to its default:
// the top level from Default, each backend from DefaultBackend and each
// per-kind target block that is present from its Default* function.
// Working on the raw map is what keeps an explicit zero (max_concurrency: 0)
// apart from an absent key.
func fillDefaults(raw map[string]any) {
	fillMissing(raw, structsMap(Default()))
	for _, b := range listOfMaps(raw["backends"]) {
		fillMissing(b, structsMap(DefaultBackend()))
	}
	for _, m := range listOfMaps(raw["models"]) {
		for _, t := range listOfMaps(m["targets"]) {
			for key, def := range targetBlockDefaults() {
				if block, ok := t[key].(map[string]any); ok {
					fillMissing(block, structsMap(def))
				}
			}
		}
	}
}

// structsMap converts a config struct to the nested map koanf would load.
func structsMap(v any) map[string]any {
	m, _ := structs.Provider(v, "koanf").Read() // never fails
	return m
}

// fillMissing copies each key of def into dst where dst lacks it or holds
// null, recursing into maps both hold. Null defaults are skipped.
func fillMissing(dst, def map[string]any) {
	for key, dv := range def {
		if isNil(dv) {
			continue
		}
		cur, ok := dst[key]
		if !ok || isNil(cur) {
			dst[key] = dv
			continue
		}
		cm, ok1 := cur.(map[string]any)
		dm, ok2 := dv.(map[string]any)
		if ok1 && ok2 {
			fillMissing(cm, dm)
		}
	}
}

// listOfMaps returns the map elements of v when v is a list.
func listOfMaps(v any) []map[string]any {
	list, _ := v.([]any)
	out := make([]map[string]any, 0, len(list))
	for _, e := range list {
		if m, ok := e.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

// isNil reports whether v is nil or a nil pointer, slice or map.
func isNil(v any) bool {
	if v == nil {
		return true
	}
	switch rv := reflect.ValueOf(v); rv.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Map, reflect.Interface:
		return rv.IsNil()
	default:
		return false
	}
}
