// SPDX-License-Identifier: Apache-2.0

// Package jsontext is a small, allocation-conscious JSON scanner and encoder
// for the gateway's codecs. It reads standard JSON (RFC 8259) plus the three
// bare number tokens NaN, Infinity and -Infinity that TensorFlow Serving
// (rapidjson's kParseNanAndInfFlag) and Python's json module emit, and it is
// strict about everything else:
//
//   - no trailing commas, no comments, no single quotes, no leading zeros;
//   - strings must be valid UTF-8 without raw control characters, and escapes
//     must be one of \" \\ \/ \b \f \n \r \t \uXXXX. A lone UTF-16 surrogate
//     in a \u escape decodes to U+FFFD, as in encoding/json;
//   - containers nest at most MaxDepth deep, so hostile input cannot exhaust
//     the stack;
//   - bytes after the top-level value are an error (Decoder.Finish, Parse).
//     TF Serving ignores them (rapidjson kParseStopWhenDoneFlag); we choose to
//     reject them, since a truncated or concatenated body is more likely a
//     client bug than intent.
//
// Number literals that overflow their float type decode to ±Inf, as IEEE 754
// rounding (and TF Serving) does; integer reads report overflow as errors.
//
// There are two ways to read. Decoder is a pull tokenizer over a []byte. It
// never allocates per number, so tensor codecs can decode straight into
// typed slices:
//
//	d := jsontext.NewDecoder(body)
//	if err := d.ReadArrayStart(); err != nil { … }
//	for d.More() {
//		f, err := d.ReadFloat32()
//		…
//	}
//	if err := d.ReadArrayEnd(); err != nil { … }
//	if err := d.Finish(); err != nil { … }
//
// Objects read the same way, with ReadObjectKey before each value. Errors of
// type *SyntaxError are sticky: the decoder stops. A *ValueError (the next
// value is well formed but not what was asked for: a string where a number
// was wanted, 1.5 read as an integer) leaves the decoder where it was, so the
// caller can read the value another way, for example with ReadRaw to quote it
// in an error message.
//
// Parse builds a Value tree for small, irregular documents (backend error
// bodies, metadata). Numbers keep their literal text, so int64 and uint64
// values stay exact. Objects with duplicate keys are rejected.
//
// The Append functions encode: AppendString escapes strings (invalid UTF-8
// becomes U+FFFD), AppendFloat64 writes floats byte for byte as TF Serving
// does (six significant digits when they round-trip, else max_digits10, in
// C's %g layout, with a ".0" on whole numbers so that consumers can tell
// floats from ints) and NaN/±Inf as bare tokens or null.
//
// The package imports only the standard library and does not use unsafe or
// reflection.
package jsontext
