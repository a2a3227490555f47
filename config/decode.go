// SPDX-License-Identifier: Apache-2.0

package config

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"time"

	"github.com/go-viper/mapstructure/v2"
)

// durationHook decodes strings such as "10s" and "250ms" into
// time.Duration. A bare non-zero number is rejected: it would silently be
// nanoseconds.
func durationHook(from, to reflect.Type, data any) (any, error) {
	if to != reflect.TypeFor[time.Duration]() || from == to {
		return data, nil
	}
	switch v := data.(type) {
	case string:
		d, err := time.ParseDuration(strings.TrimSpace(v))
		if err != nil {
			return nil, fmt.Errorf("invalid duration %q: want a number with a unit, e.g. \"10s\" or \"250ms\"", v)
		}
		return d, nil
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32, float64:
		if reflect.ValueOf(v).IsZero() {
			return time.Duration(0), nil
		}
		return nil, fmt.Errorf("invalid duration %v: a duration needs a unit, e.g. \"%vs\"", v, v)
	default:
		return data, nil
	}
}

// byteSizeHook decodes integers and strings such as "16MiB" into ByteSize.
func byteSizeHook(from, to reflect.Type, data any) (any, error) {
	if to != reflect.TypeFor[ByteSize]() || from == to {
		return data, nil
	}
	rv := reflect.ValueOf(data)
	switch rv.Kind() {
	case reflect.String:
		return ParseByteSize(rv.String())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if rv.Int() < 0 {
			return nil, fmt.Errorf("invalid byte size %d: must not be negative", rv.Int())
		}
		return ByteSize(rv.Int()), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if rv.Uint() > math.MaxInt64 {
			return nil, fmt.Errorf("invalid byte size %d: too large", rv.Uint())
		}
		return ByteSize(rv.Uint()), nil
	case reflect.Float32, reflect.Float64:
		f := rv.Float()
		if f < 0 || f != math.Trunc(f) || f >= math.MaxInt64 {
			return nil, fmt.Errorf("invalid byte size %v: want a non-negative integer", f)
		}
		return ByteSize(f), nil
	default:
		return data, nil
	}
}

// FieldError is one configuration problem at a key path such as
// "backends[1].url".
type FieldError struct {
	// Path is the key path, or "" for the whole file.
	Path string
	// Reason says what is wrong. It never contains a secret.
	Reason string
}

// Error returns "path: reason".
func (e *FieldError) Error() string {
	if e.Path == "" {
		return e.Reason
	}
	return e.Path + ": " + e.Reason
}

// decodeProblems turns mapstructure's joined errors into one FieldError per
// problem, one per unknown key.
func decodeProblems(err error) error {
	var out []error
	for _, leaf := range leaves(err) {
		out = append(out, fieldErrors(leaf)...)
	}
	return errors.Join(out...)
}

// leaves flattens the wrapped errors.Join trees mapstructure returns down
// to its DecodeErrors.
func leaves(err error) []error {
	switch e := err.(type) {
	case nil:
		return nil
	case *mapstructure.DecodeError:
		return []error{e}
	case interface{ Unwrap() []error }:
		var out []error
		for _, inner := range e.Unwrap() {
			out = append(out, leaves(inner)...)
		}
		return out
	case interface{ Unwrap() error }:
		if inner := e.Unwrap(); inner != nil {
			return leaves(inner)
		}
	}
	return []error{err}
}

const (
	invalidKeys      = "has invalid keys: " // mapstructure's ErrorUnused message
	reasonUnknownKey = "unknown key"
)

// fieldErrors converts one mapstructure error.
func fieldErrors(err error) []error {
	var de *mapstructure.DecodeError
	if !errors.As(err, &de) {
		return []error{&FieldError{Reason: err.Error()}}
	}
	path, reason := de.Name(), de.Unwrap().Error()
	keys, ok := strings.CutPrefix(reason, invalidKeys)
	if !ok {
		return []error{&FieldError{Path: path, Reason: reason}}
	}
	var out []error
	for key := range strings.SplitSeq(keys, ", ") {
		out = append(out, &FieldError{Path: joinPath(path, key), Reason: reasonUnknownKey})
	}
	return out
}

// joinPath appends key to a dotted path.
func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}
