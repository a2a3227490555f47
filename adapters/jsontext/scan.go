// SPDX-License-Identifier: Apache-2.0

package jsontext

import (
	"unicode/utf16"
	"unicode/utf8"
)

// scanString validates the string literal starting at b[i] == '"' and
// returns the offset just past its closing quote and whether it contains
// escapes.
func scanString(b []byte, i int) (end int, escaped bool, err *SyntaxError) {
	i++
	for i < len(b) {
		c := b[i]
		if c < utf8.RuneSelf && c >= 0x20 && c != '"' && c != '\\' {
			i++
			continue
		}
		switch {
		case c == '"':
			return i + 1, escaped, nil
		case c == '\\':
			escaped = true
			n, e := scanEscape(b, i)
			if e != nil {
				return 0, false, e
			}
			i += n
		case c < 0x20:
			return 0, false, &SyntaxError{Offset: i, Msg: "invalid character " + quoteChar(c) + " in string literal"}
		default:
			r, size := decodeRune(b, i)
			if r == utf8.RuneError && size == 1 {
				return 0, false, &SyntaxError{Offset: i, Msg: "invalid UTF-8 in string literal"}
			}
			i += size
		}
	}
	return 0, false, &SyntaxError{Offset: len(b), Msg: "unexpected end of JSON input"}
}

// scanEscape validates the escape at b[i] == '\\' and returns its length.
func scanEscape(b []byte, i int) (int, *SyntaxError) {
	if i+1 >= len(b) {
		return 0, &SyntaxError{Offset: len(b), Msg: "unexpected end of JSON input"}
	}
	switch b[i+1] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		return 2, nil
	case 'u':
		for j := i + 2; j < i+6; j++ {
			if j >= len(b) {
				return 0, &SyntaxError{Offset: len(b), Msg: "unexpected end of JSON input"}
			}
			if unhex(b[j]) < 0 {
				return 0, &SyntaxError{Offset: j, Msg: "invalid character " + quoteChar(b[j]) + " in \\u hexadecimal character escape"}
			}
		}
		return 6, nil
	}
	return 0, &SyntaxError{Offset: i + 1, Msg: "invalid character " + quoteChar(b[i+1]) + " in string escape code"}
}

func unhex(c byte) rune {
	switch {
	case '0' <= c && c <= '9':
		return rune(c - '0')
	case 'a' <= c && c <= 'f':
		return rune(c - 'a' + 10)
	case 'A' <= c && c <= 'F':
		return rune(c - 'A' + 10)
	}
	return -1
}

func hex4(b []byte) rune {
	return unhex(b[0])<<12 | unhex(b[1])<<8 | unhex(b[2])<<4 | unhex(b[3])
}

// unescape appends the decoded content of a validated string literal body
// (without quotes) to dst. A \u escape of a lone UTF-16 surrogate decodes to
// U+FFFD.
func unescape(dst, b []byte) []byte {
	for i := 0; i < len(b); {
		c := b[i]
		if c != '\\' {
			j := i + 1
			for j < len(b) && b[j] != '\\' {
				j++
			}
			dst = append(dst, b[i:j]...)
			i = j
			continue
		}
		switch e := b[i+1]; e {
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			var r rune
			r, i = unescapeRune(b, i)
			dst = utf8.AppendRune(dst, r)
			continue
		default: // '"', '\\', '/'
			dst = append(dst, e)
		}
		i += 2
	}
	return dst
}

// unescapeRune decodes the \uXXXX escape at b[i], joining a following low
// surrogate escape, and returns the rune and the offset after the escape(s).
func unescapeRune(b []byte, i int) (rune, int) {
	r := hex4(b[i+2 : i+6])
	i += 6
	if !utf16.IsSurrogate(r) {
		return r, i
	}
	if i+6 <= len(b) && b[i] == '\\' && b[i+1] == 'u' {
		if pair := utf16.DecodeRune(r, hex4(b[i+2:i+6])); pair != utf8.RuneError {
			return pair, i + 6
		}
	}
	return utf8.RuneError, i
}

// decodeRune decodes the UTF-8 sequence at s[i], which must be non-empty,
// returning (RuneError, 1) for invalid encodings (overlong forms,
// surrogates, values beyond U+10FFFF, truncated sequences).
func decodeRune[S ~string | ~[]byte](s S, i int) (rune, int) {
	c0 := s[i]
	if c0 < utf8.RuneSelf {
		return rune(c0), 1
	}
	var n int
	lo, hi := byte(0x80), byte(0xBF)
	switch {
	case c0 >= 0xC2 && c0 <= 0xDF:
		n = 2
	case c0 == 0xE0:
		n, lo = 3, 0xA0
	case c0 == 0xED:
		n, hi = 3, 0x9F
	case c0 >= 0xE1 && c0 <= 0xEF:
		n = 3
	case c0 == 0xF0:
		n, lo = 4, 0x90
	case c0 >= 0xF1 && c0 <= 0xF3:
		n = 4
	case c0 == 0xF4:
		n, hi = 4, 0x8F
	default:
		return utf8.RuneError, 1
	}
	if i+n > len(s) {
		return utf8.RuneError, 1
	}
	if c1 := s[i+1]; c1 < lo || c1 > hi {
		return utf8.RuneError, 1
	}
	r := rune(c0) & (0x7F >> n)
	r = r<<6 | rune(s[i+1]&0x3F)
	for j := 2; j < n; j++ {
		c := s[i+j]
		if c < 0x80 || c > 0xBF {
			return utf8.RuneError, 1
		}
		r = r<<6 | rune(c&0x3F)
	}
	return r, n
}

// matchLiteral checks that lit (true, false, null, NaN, Infinity) starts at
// b[i] and returns the offset after it.
func matchLiteral(b []byte, i int, lit string) (int, *SyntaxError) {
	for j := 0; j < len(lit); j++ {
		if i+j >= len(b) {
			return 0, &SyntaxError{Offset: len(b), Msg: "unexpected end of JSON input"}
		}
		if b[i+j] != lit[j] {
			return 0, &SyntaxError{Offset: i + j, Msg: "invalid character " + quoteChar(b[i+j]) + " in literal " + lit + " (expecting " + quoteChar(lit[j]) + ")"}
		}
	}
	return i + len(lit), nil
}
