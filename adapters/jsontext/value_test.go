// SPDX-License-Identifier: Apache-2.0

package jsontext

import (
	"errors"
	"strings"
	"testing"
)

func TestParseValid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"scalars", `[null, true, false, 0, -0, 1.5e3, "x"]`, `[null,true,false,0,-0,1.5e3,"x"]`},
		{"non-finite tokens", `[NaN, Infinity, -Infinity]`, `[NaN,Infinity,-Infinity]`},
		{"nested", " {\"a\" : [ {\"b\":{}} , [] ] }\n", `{"a":[{"b":{}},[]]}`},
		{"escapes", `"\"\\\/\b\f\n\r\t\u00e9"`, `"\"\\/\b\f\n\r\té"`},
		{"surrogate pair", `"\ud83d\ude00"`, `"😀"`},
		{"lone high surrogate", `"\ud800x"`, `"` + "\uFFFD" + `x"`},
		{"lone low surrogate", `"\udc00"`, `"` + "\uFFFD" + `"`},
		{"high then non-low escape", `"\ud800\u0041"`, `"` + "\uFFFD" + `A"`},
		{"escaped nul", `"\u0000"`, `"\u0000"`},
		{"raw UTF-8", `"héllo 😀"`, `"héllo 😀"`},
		{"big integer kept exact", `18446744073709551616000`, `18446744073709551616000`},
		{"whitespace everywhere", " \t\r\n[ 1 , 2 ]\r\n ", `[1,2]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v, err := Parse([]byte(tt.in))
			if err != nil {
				t.Fatalf("Parse(%q) error: %v", tt.in, err)
			}
			if got := string(v.AppendJSON(nil)); got != tt.want {
				t.Errorf("Parse(%q) = %s, want %s", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in string
		offset   int
		msg      string
	}{
		{"empty", ``, 0, "unexpected end of JSON input"},
		{"only space", `  `, 2, "unexpected end of JSON input"},
		{"trailing comma in array", `[1,]`, 3, "invalid character ']' looking for beginning of value"},
		{"trailing comma in object", `{"a":1,}`, 7, "invalid character '}' looking for beginning of object key string"},
		{"missing comma", `[1 2]`, 3, "invalid character '2' after array element"},
		{"missing colon", `{"a" 1}`, 5, "invalid character '1' after object key"},
		{"unquoted key", `{a:1}`, 1, "invalid character 'a' looking for beginning of object key string"},
		{"leading zero", `01`, 1, "invalid character '1' after top-level value"},
		{"trailing data", `{} {}`, 3, "invalid character '{' after top-level value"},
		{"bare fraction", `.5`, 0, "invalid character '.' looking for beginning of value"},
		{"dot without digits", `1.`, 2, "unexpected end of JSON input"},
		{"exponent without digits", `1e+]`, 3, "invalid character ']' in exponent of numeric literal"},
		{"minus alone", `-`, 1, "unexpected end of JSON input"},
		{"minus NaN", `-NaN`, 1, "invalid character 'N' in numeric literal"},
		{"truncated Infinity", `Inf`, 3, "unexpected end of JSON input"},
		{"bad literal", `nul1`, 3, "invalid character '1' in literal null (expecting 'l')"},
		{"plus sign", `+1`, 0, "invalid character '+' looking for beginning of value"},
		{"single quotes", `'a'`, 0, `invalid character '\'' looking for beginning of value`},
		{"control char in string", "\"a\tb\"", 2, `invalid character '\t' in string literal`},
		{"invalid escape", `"\x"`, 2, "invalid character 'x' in string escape code"},
		{"short unicode escape", `"\u12"`, 5, `invalid character '"' in \u hexadecimal character escape`},
		{"invalid UTF-8", "\"\xff\"", 1, "invalid UTF-8 in string literal"},
		{"encoded surrogate", "\"\xed\xa0\x80\"", 1, "invalid UTF-8 in string literal"},
		{"overlong", "\"\xc0\xaf\"", 1, "invalid UTF-8 in string literal"},
		{"unterminated string", `"abc`, 4, "unexpected end of JSON input"},
		{"unclosed array", `[1`, 2, "unexpected end of JSON input"},
		{"duplicate key", `{"a":1,"a":2}`, 7, `duplicate object key "a"`},
		{"comment", `[1 /* x */]`, 3, "invalid character '/' after array element"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse([]byte(tt.in))
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Parse(%q) error = %v, want a *SyntaxError", tt.in, err)
			}
			if se.Offset != tt.offset || se.Msg != tt.msg {
				t.Errorf("Parse(%q) error = offset %d %q, want offset %d %q", tt.in, se.Offset, se.Msg, tt.offset, tt.msg)
			}
		})
	}
}

func TestParseDepth(t *testing.T) {
	t.Parallel()
	deep := func(n int) []byte {
		return []byte(strings.Repeat("[", n) + strings.Repeat("]", n))
	}
	if _, err := Parse(deep(MaxDepth)); err != nil {
		t.Errorf("Parse(depth %d) error: %v, want nil", MaxDepth, err)
	}
	for _, n := range []int{MaxDepth + 1, 500000} {
		_, err := Parse(deep(n))
		var se *SyntaxError
		if !errors.As(err, &se) || se.Offset != MaxDepth || !strings.Contains(se.Msg, "max depth") {
			t.Errorf("Parse(depth %d) error = %v, want max depth at offset %d", n, err, MaxDepth)
		}
	}
}

func TestValueAccessors(t *testing.T) {
	t.Parallel()
	v, err := Parse([]byte(`{"s":"x","n":-42,"u":18446744073709551615,"f":1.25,"b":true,"z":null,"a":[1,2]}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := v.Get("s").Text(); got != "x" {
		t.Errorf(`Get("s").Text() = %q, want "x"`, got)
	}
	if got, err := v.Get("n").Int64(); got != -42 || err != nil {
		t.Errorf(`Get("n").Int64() = %d, %v, want -42`, got, err)
	}
	if got, err := v.Get("u").Uint64(); got != 1<<64-1 || err != nil {
		t.Errorf(`Get("u").Uint64() = %d, %v, want 2^64-1`, got, err)
	}
	if _, err := v.Get("u").Int64(); err == nil {
		t.Error(`Get("u").Int64() error = nil, want overflow`)
	}
	if got, err := v.Get("f").Float64(); got != 1.25 || err != nil {
		t.Errorf(`Get("f").Float64() = %v, %v, want 1.25`, got, err)
	}
	if _, err := v.Get("f").Int64(); err == nil {
		t.Error(`Get("f").Int64() error = nil, want "not an integer"`)
	}
	if !v.Get("b").Bool() || v.Get("s").Bool() {
		t.Error("Bool() wrong")
	}
	if got := v.Get("z").Kind(); got != Null {
		t.Errorf(`Get("z").Kind() = %v, want null`, got)
	}
	if got := v.Get("a").Len(); got != 2 {
		t.Errorf(`Get("a").Len() = %d, want 2`, got)
	}
	if got := v.Get("a").Index(1).Text(); got != "2" {
		t.Errorf(`Get("a").Index(1).Text() = %q, want "2"`, got)
	}
	// Absent values chain to nil safely.
	if got := v.Get("missing").Get("x").Index(3).Kind(); got != Invalid {
		t.Errorf("missing chain Kind() = %v, want invalid", got)
	}
	if got := v.Len(); got != 7 || len(v.Members()) != 7 || v.Members()[0].Name != "s" {
		t.Errorf("Members() = %d members starting %q, want 7 starting s", got, v.Members()[0].Name)
	}
}

func TestParseManyKeysDuplicate(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteByte('{')
	for i := range 40 {
		b.WriteString(`"k` + string(rune('a'+i%26)) + string(rune('a'+i/26)) + `":1,`)
	}
	b.WriteString(`"kba":2}`) // repeats the key written at i=1
	_, err := Parse([]byte(b.String()))
	if err == nil || !strings.Contains(err.Error(), `duplicate object key "kba"`) {
		t.Errorf("Parse(40 keys + duplicate) error = %v, want duplicate key", err)
	}
}
