#!/usr/bin/env python3
"""EMULATOR of TensorFlow Serving's REST API. This is NOT TensorFlow Serving.

Real TF Serving cannot be installed on the project's machines (no binary in PyPI/Debian; see
shared/BACKENDS.md §4), so modelgate's `tfserving` adapter is exercised against this stand-in,
and against real TF Serving only where compose/compose.yaml runs the official image.

It reproduces, from shared/PROTOCOLS.md §1 (read from tensorflow/serving's http_rest_api_util.cc,
http_rest_api_handler.cc, http_server.cc, util/json_tensor.cc, get_model_status_impl.cc,
server_core.cc, basic_manager.cc, evhttp_server.cc):

  §1.1 endpoints: case-insensitive path regexes, `POST /v1/models/{m}[/versions/{n}|/labels/{l}]:
       (predict|classify|regress)`, `GET /v1/models/{m}[/versions/{n}|/labels/{l}][/metadata]`,
       percent-decoded name/label, `GET /v1/models` -> 400 "Missing model name in request.",
       wrong verb/shape -> 400 "Malformed request: <METHOD> <path>", paths outside /v1/ -> bare
       libevent 404 (HTML, no JSON), version overflow -> 400 with an EMPTY body (as upstream).
  §1.2 predict requests: `signature_name` (default serving_default; non-string and unknown
       names give TF's messages), row `instances` / columnar `inputs` with every 400 message of
       json_tensor.cc (both/neither key, empty list, nesting/shape errors, type errors, lossy
       float conversion), `{"b64": ...}` for DT_STRING, NaN/Infinity/-Infinity tokens, trailing
       bytes after the JSON value ignored, gzip request bodies.
  §1.3 responses: `predictions` (row) / `outputs` (columnar), single output unnamed vs several
       outputs keyed by name, DT_STRING outputs named `*_bytes` as {"b64": ...}, floats with
       `.0` / full precision when the 6-digit form does not round-trip, bare NaN/Infinity,
       rapidjson PrettyWriter layout; model status (`model_version_status`, version as a
       string, states, newest first) and metadata (doubled `signature_def` nesting, DT_* dtypes,
       dim sizes as strings) in protobuf's JSON layout; Content-Type: application/json always.
  §1.4 errors: `{"error": "..."}` with the status map (400/404/409/429/499/500/501/503/504...),
       404 "Servable not found for request: Latest(name)" / "Specific(name, N)" for unknown
       models/versions AND while a model is loading (--load-delay), 400 "Unrecognized servable
       version label: X", 404 "Could not find any versions of model X" from the status endpoint.
  §1.5 versions and labels.

Not reproduced: gRPC, :classify/:regress on tf.Example signatures (answered with the 400 TF
gives for a predict signature), Prometheus, model config reloading, batching. The model math is
plain Python: predictions follow from the same weights but are not produced by TF kernels.
Real TF Serving only opens its ports after the initial models have loaded; --load-delay models a
model (or version) being loaded while the server is already up, e.g. after a config reload.

Models served (all versions share one server):
  half_plus_two  v1: y = 0.5*x + 2, v2: y = 0.5*x + 3 (so versions are distinguishable);
                 labels stable->1, canary->2; latest = 2. signature serving_default: x DT_FLOAT
                 [-1] -> y DT_FLOAT [-1] (elementwise, any shape, NaN in -> NaN out).
  iris           v1, from <model-dir>/iris/weights.json (the sklearn LogisticRegression export):
                 serving_default: features DT_FLOAT [-1,4] -> classes DT_INT64 [-1],
                 probabilities DT_FLOAT [-1,3] (softmax); predict_classes: -> classes only.
  bytes_echo     v1: data_bytes DT_STRING [-1], repeat DT_INT64 [-1] -> data_bytes DT_STRING
                 (b64 on output), text DT_STRING (plain JSON string), length DT_INT64.
  faulty         v1 (emulator-only fault injection): code DT_STRING [-1] (absl status code name,
                 e.g. "UNAVAILABLE"), delay_ms DT_INT64 [-1] -> y DT_INT64 [-1]; sleeps
                 max(delay_ms) then fails with the first non-OK code (TF's HTTP mapping), or
                 504 if the sleep exceeds --rest-api-timeout-ms.

Standard library only. Usage:
  python3 tfserving_emulator.py --port 18501 [--host 127.0.0.1] --model-dir .run/models
                                [--load-delay SECONDS] [--rest-api-timeout-ms 30000]
                                [--enable-cors]
"""

import argparse
import base64
import gzip
import json
import math
import os
import re
import struct
import sys
import threading
import time
import urllib.parse
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# --------------------------------------------------------------------------------------------
# Status codes (absl) and their HTTP mapping (http_server.cc ToHTTPStatusCode)

HTTP_STATUS = {
    "OK": 200,
    "CANCELLED": 499,
    "UNKNOWN": 500,
    "INVALID_ARGUMENT": 400,
    "DEADLINE_EXCEEDED": 504,
    "NOT_FOUND": 404,
    "ALREADY_EXISTS": 409,
    "PERMISSION_DENIED": 403,
    "RESOURCE_EXHAUSTED": 429,
    "FAILED_PRECONDITION": 400,
    "ABORTED": 409,
    "OUT_OF_RANGE": 400,
    "UNIMPLEMENTED": 501,
    "INTERNAL": 500,
    "UNAVAILABLE": 503,
    "DATA_LOSS": 500,
    "UNAUTHENTICATED": 401,
}


class TFError(Exception):
    """An absl::Status that is not OK."""

    def __init__(self, code, message, empty_body=False):
        super().__init__(message)
        self.code = code
        self.message = message
        self.empty_body = empty_body  # ParseModelInfo errors are returned without a JSON body

    def to_string(self):  # absl::Status::ToString()
        return f"{self.code}: {self.message}"


def invalid(*parts):
    return TFError("INVALID_ARGUMENT", "".join(str(p) for p in parts))


# --------------------------------------------------------------------------------------------
# JSON parsing with rapidjson's semantics (kParseNanAndInfFlag | kParseStopWhenDoneFlag):
# ints vs doubles are kept apart, NaN/Inf/Infinity tokens accepted, objects keep duplicate keys
# in order (FindMember returns the first), trailing bytes after the root value are ignored, and
# errors carry rapidjson's English messages and offsets.


class JObject:
    """A JSON object: ordered (key, value) pairs (duplicates kept); get() returns the first."""

    def __init__(self):
        self.pairs = []

    def append(self, pair):
        self.pairs.append(pair)

    def __iter__(self):
        return iter(self.pairs)

    def __len__(self):
        return len(self.pairs)

    def __getitem__(self, i):
        return self.pairs[i]

    def get(self, key, default=None):
        for k, v in self.pairs:
            if k == key:
                return v
        return default

    def has(self, key):
        return any(k == key for k, _ in self.pairs)


class JParseError(Exception):
    def __init__(self, message, offset):
        super().__init__(message)
        self.message = message
        self.offset = offset


_WS = b" \t\n\r"
_NUM_RE = re.compile(rb"-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?")


class RapidJsonParser:
    def __init__(self, data: bytes):
        self.s = data
        self.i = 0

    def parse(self):
        self.skip_ws()
        if self.i >= len(self.s):
            raise JParseError("The document is empty.", self.i)
        return self.value()

    def skip_ws(self):
        s, i = self.s, self.i
        while i < len(s) and s[i] in _WS:
            i += 1
        self.i = i

    def value(self):
        if self.i >= len(self.s):
            raise JParseError("Invalid value.", self.i)
        c = self.s[self.i : self.i + 1]
        if c == b"{":
            return self.obj()
        if c == b"[":
            return self.arr()
        if c == b'"':
            return self.string()
        if c == b"n":
            return self.literal(b"null", None)
        if c == b"t":
            return self.literal(b"true", True)
        if c == b"f":
            return self.literal(b"false", False)
        return self.number()

    def literal(self, word, val):
        if self.s.startswith(word, self.i):
            self.i += len(word)
            return val
        raise JParseError("Invalid value.", self.i)

    def number(self):
        start = self.i
        neg = self.s.startswith(b"-", self.i)
        j = self.i + (1 if neg else 0)
        for tok, val in ((b"NaN", math.nan), (b"Infinity", math.inf), (b"Inf", math.inf)):
            if self.s.startswith(tok, j):
                self.i = j + len(tok)
                return -val if neg else val
        m = _NUM_RE.match(self.s, self.i)
        if not m or m.end() == start + (1 if neg else 0):
            # rapidjson: a lone '-' or a non-number character
            if neg and j < len(self.s) and not self.s[j : j + 1].isdigit():
                raise JParseError("Invalid value.", start)
            raise JParseError("Invalid value.", start)
        text = m.group(0)
        # "1." or "1e" are rapidjson errors (the regex stops before them)
        nxt = self.s[m.end() : m.end() + 1]
        if nxt == b"." and m.group(1) is None and m.group(2) is None:
            raise JParseError("Miss fraction part in number.", m.end() + 1)
        if nxt in (b"e", b"E") and m.group(2) is None:
            raise JParseError("Miss exponent in number.", m.end() + 1)
        self.i = m.end()
        if m.group(1) is None and m.group(2) is None:
            v = int(text)
            if -(2**63) <= v < 2**64:
                return v
            return float(v)  # rapidjson falls back to double for huge integers
        v = float(text)
        if math.isinf(v):
            raise JParseError("Number too big to be stored in double.", start)
        return v

    def string(self):
        start = self.i
        self.i += 1
        out = bytearray()
        s = self.s
        while True:
            if self.i >= len(s):
                raise JParseError("Missing a closing quotation mark in string.", self.i)
            c = s[self.i]
            if c == 0x22:  # '"'
                self.i += 1
                break
            if c == 0x5C:  # '\\'
                self.i += 1
                e = s[self.i : self.i + 1]
                simple = {b'"': b'"', b"\\": b"\\", b"/": b"/", b"b": b"\b", b"f": b"\f",
                          b"n": b"\n", b"r": b"\r", b"t": b"\t"}
                if e in simple:
                    out += simple[e]
                    self.i += 1
                elif e == b"u":
                    cp = self._hex4(self.i + 1)
                    self.i += 5
                    if 0xD800 <= cp <= 0xDBFF:
                        if s[self.i : self.i + 2] != b"\\u":
                            raise JParseError("The surrogate pair in string is invalid.", self.i)
                        lo = self._hex4(self.i + 2)
                        if not 0xDC00 <= lo <= 0xDFFF:
                            raise JParseError("The surrogate pair in string is invalid.", self.i)
                        self.i += 6
                        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00)
                    out += chr(cp).encode("utf-8", "surrogatepass")
                else:
                    raise JParseError("Invalid escape character in string.", self.i - 1)
                continue
            if c < 0x20:
                raise JParseError("Invalid encoding in string.", self.i)
            out.append(c)
            self.i += 1
        try:
            return out.decode("utf-8")
        except UnicodeDecodeError:
            raise JParseError("Invalid encoding in string.", start)

    def _hex4(self, i):
        h = self.s[i : i + 4]
        if len(h) != 4 or not all(chr(b) in "0123456789abcdefABCDEF" for b in h):
            raise JParseError("Incorrect hex digit after \\u escape in string.", i)
        return int(h, 16)

    def obj(self):
        self.i += 1
        o = JObject()
        self.skip_ws()
        if self.s[self.i : self.i + 1] == b"}":
            self.i += 1
            return o
        while True:
            if self.s[self.i : self.i + 1] != b'"':
                raise JParseError("Missing a name for object member.", self.i)
            k = self.string()
            self.skip_ws()
            if self.s[self.i : self.i + 1] != b":":
                raise JParseError("Missing a colon after a name of object member.", self.i)
            self.i += 1
            self.skip_ws()
            o.append((k, self.value()))
            self.skip_ws()
            c = self.s[self.i : self.i + 1]
            if c == b",":
                self.i += 1
                self.skip_ws()
            elif c == b"}":
                self.i += 1
                return o
            else:
                raise JParseError("Missing a comma or '}' after an object member.", self.i)

    def arr(self):
        self.i += 1
        a = []
        self.skip_ws()
        if self.s[self.i : self.i + 1] == b"]":
            self.i += 1
            return a
        while True:
            a.append(self.value())
            self.skip_ws()
            c = self.s[self.i : self.i + 1]
            if c == b",":
                self.i += 1
                self.skip_ws()
            elif c == b"]":
                self.i += 1
                return a
            else:
                raise JParseError("Missing a comma or ']' after an array element.", self.i)


def parse_json_request(body: bytes):
    """json_tensor.cc ParseJson."""
    if not body:
        raise invalid("JSON Parse error: The document is empty")
    try:
        doc = RapidJsonParser(body).parse()
    except JParseError as e:
        raise invalid("JSON Parse error: ", e.message, " at offset: ", e.offset)
    except RecursionError:
        raise invalid("JSON Parse error: Terminate parsing due to Handler error. at offset: 0")
    if not isinstance(doc, JObject):
        raise invalid("JSON Value: ", debug_string(doc), " Is not object")
    return doc


# --------------------------------------------------------------------------------------------
# rapidjson PrettyWriter emulation (4-space indent, kFormatSingleLineArray option)


def _escape_json_string(s) -> bytes:
    """rapidjson Writer::WriteString: escapes '"', '\\' and control characters (\\u00XX upper-
    case hex); everything else, including non-ASCII UTF-8, is written as is."""
    b = s if isinstance(s, bytes) else s.encode("utf-8", "surrogateescape")
    out = bytearray(b'"')
    for c in b:
        if c == 0x22:
            out += b'\\"'
        elif c == 0x5C:
            out += b"\\\\"
        elif c < 0x20:
            out += {8: b"\\b", 9: b"\\t", 10: b"\\n", 12: b"\\f", 13: b"\\r"}.get(
                c, b"\\u00%02X" % c
            )
        else:
            out.append(c)
    out += b'"'
    return bytes(out)


class PrettyWriter:
    INDENT = b"    "

    def __init__(self, limit=None):
        self.buf = bytearray()
        self.stack = []  # [in_array, value_count]
        self.single_line_array = False
        self.limit = limit  # JsonWriterWithLimit: refuse events once the buffer reaches it

    def _ok(self):
        return self.limit is None or len(self.buf) < self.limit

    def _indent(self):
        self.buf += self.INDENT * len(self.stack)

    def _prefix(self):
        if not self.stack:
            return
        level = self.stack[-1]
        if level[0]:  # in array
            if level[1] > 0:
                self.buf += b","
                if self.single_line_array:
                    self.buf += b" "
            if not self.single_line_array:
                self.buf += b"\n"
                self._indent()
        else:  # in object
            if level[1] > 0:
                self.buf += b",\n" if level[1] % 2 == 0 else b": "
            else:
                self.buf += b"\n"
            if level[1] % 2 == 0:
                self._indent()
        level[1] += 1

    def raw(self, text):
        if not self._ok():
            return False
        self._prefix()
        self.buf += text if isinstance(text, bytes) else text.encode()
        return True

    def string(self, s):
        if not self._ok():
            return False
        self._prefix()
        self.buf += _escape_json_string(s)
        return True

    key = string

    def start(self, is_array):
        if not self._ok():
            return False
        self._prefix()
        self.stack.append([is_array, 0])
        self.buf += b"[" if is_array else b"{"
        return True

    def end(self):
        if not self._ok():
            return False
        is_array, count = self.stack.pop()
        if is_array:
            if count and not self.single_line_array:
                self.buf += b"\n"
                self._indent()
            self.buf += b"]"
        else:
            if count:
                self.buf += b"\n"
                self._indent()
            self.buf += b"}"
        return True

    def getvalue(self) -> bytes:
        return bytes(self.buf)


def _rapidjson_double(d: float):
    """rapidjson Writer::Double (Grisu shortest + Prettify); None for NaN/Inf (the writer fails)."""
    if math.isnan(d) or math.isinf(d):
        return None
    if d == 0:
        return "-0.0" if math.copysign(1, d) < 0 else "0.0"
    r = repr(abs(d))
    mant, _, exp = r.partition("e")
    ip, _, fp = mant.partition(".")
    digits = (ip + fp).lstrip("0")
    e10 = (int(exp) if exp else 0) + len(ip) - (len(ip + fp) - len((ip + fp).lstrip("0")))
    digits = digits.rstrip("0") or "0"
    length = len(digits)
    k = e10 - length  # value = digits * 10^k
    kk = length + k
    sign = "-" if d < 0 else ""
    if 0 <= k and kk <= 21:
        s = digits + "0" * k + ".0"
    elif 0 < kk <= 21:
        s = digits[:kk] + "." + digits[kk:]
    elif -6 < kk <= 0:
        s = "0." + "0" * (-kk) + digits
    elif length == 1:
        s = digits + "e" + str(kk - 1)
    else:
        s = digits[0] + "." + digits[1:] + "e" + str(kk - 1)
    return sign + s


def _accept(w: PrettyWriter, v):
    """rapidjson Value::Accept; returns False when the writer refuses (limit / NaN)."""
    if isinstance(v, JObject):
        if not w.start(False):
            return False
        for k, x in v:
            if not w.key(k) or not _accept(w, x):
                return False
        return w.end()
    if isinstance(v, list):
        if not w.start(True):
            return False
        for x in v:
            if not _accept(w, x):
                return False
        return w.end()
    if v is None:
        return w.raw("null")
    if v is True:
        return w.raw("true")
    if v is False:
        return w.raw("false")
    if isinstance(v, int):
        return w.raw(str(v))
    if isinstance(v, float):
        s = _rapidjson_double(v)
        return w.raw(s) if s is not None else False
    return w.string(v)


def debug_string(v) -> str:
    """json_tensor.cc JsonValueToDebugString: PrettyWriter, single-line arrays, 256-byte cap."""
    w = PrettyWriter(limit=256)
    w.single_line_array = True
    _accept(w, v)
    return w.getvalue().decode("utf-8", "replace")


def json_type_string(v):
    if v is None:
        return "Null"
    if v is True:
        return "True"
    if v is False:
        return "False"
    if isinstance(v, JObject):
        return "Object"
    if isinstance(v, list):
        return "Array"
    if isinstance(v, str):
        return "String"
    return "Number"


# --------------------------------------------------------------------------------------------
# Tensors

DTYPE_NAMES = {  # DataTypeString()
    "DT_FLOAT": "float",
    "DT_DOUBLE": "double",
    "DT_INT32": "int32",
    "DT_INT16": "int16",
    "DT_INT8": "int8",
    "DT_UINT8": "uint8",
    "DT_STRING": "string",
    "DT_INT64": "int64",
    "DT_BOOL": "bool",
    "DT_UINT32": "uint32",
    "DT_UINT64": "uint64",
    "DT_HALF": "half",
}

F32_MAX = struct.unpack("<f", b"\xff\xff\x7f\x7f")[0]


def to_f32(x: float) -> float:
    if math.isnan(x) or math.isinf(x):
        return x
    if abs(x) > F32_MAX:
        return math.copysign(math.inf, x)
    return struct.unpack("<f", struct.pack("<f", x))[0]


class Tensor:
    """dtype (DT_*), shape (list of ints) and row-major flat values."""

    def __init__(self, dtype, shape, values):
        self.dtype = dtype
        self.shape = list(shape)
        self.values = list(values)

    def __repr__(self):
        return f"Tensor({self.dtype}, {self.shape}, {self.values[:8]}...)"


def _is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v):
    return (_is_int(v) or isinstance(v, float)) and not isinstance(v, bool)


def _is_lossless(v, digits, fmax):
    if isinstance(v, float) and not math.isfinite(v):
        return True
    if _is_int(v):
        return abs(v) <= (1 << digits) - 1
    return -fmax <= v <= fmax


def _type_error(v, dtype):
    return invalid(
        "JSON Value: ", debug_string(v), " Type: ", json_type_string(v),
        " is not of expected type: ", DTYPE_NAMES.get(dtype, dtype),
    )


def convert_value(v, dtype):
    """json_tensor.cc AddValueToTensor."""
    if dtype == "DT_FLOAT":
        if not _is_number(v):
            raise _type_error(v, dtype)
        if not _is_lossless(v, 24, F32_MAX):
            raise invalid("Cannot convert JSON value: ", debug_string(v),
                          " to float without loss of precision.")
        return to_f32(float(v))
    if dtype == "DT_DOUBLE":
        if not _is_number(v):
            raise _type_error(v, dtype)
        if not _is_lossless(v, 53, sys.float_info.max):
            raise invalid("Cannot convert JSON value: ", debug_string(v),
                          " to double without loss of precision.")
        return float(v)
    if dtype in ("DT_INT32", "DT_INT16", "DT_INT8", "DT_UINT8"):
        if not (_is_int(v) and -(2**31) <= v < 2**31):
            raise _type_error(v, dtype)
        return v
    if dtype == "DT_STRING":
        if not isinstance(v, str):
            raise _type_error(v, dtype)
        return v.encode("utf-8")
    if dtype == "DT_INT64":
        if not (_is_int(v) and -(2**63) <= v < 2**63):
            raise _type_error(v, dtype)
        return v
    if dtype == "DT_BOOL":
        if not isinstance(v, bool):
            raise _type_error(v, dtype)
        return v
    if dtype == "DT_UINT32":
        if not (_is_int(v) and 0 <= v < 2**32):
            raise _type_error(v, dtype)
        return v
    if dtype == "DT_UINT64":
        if not (_is_int(v) and 0 <= v < 2**64):
            raise _type_error(v, dtype)
        return v
    raise TFError("UNIMPLEMENTED", f"Conversion of JSON Value: {debug_string(v)} to type: "
                  f"{DTYPE_NAMES.get(dtype, dtype)}")


def is_b64_object(v):
    return isinstance(v, JObject) and len(v) == 1 and v[0][0] == "b64" and isinstance(v[0][1], str)


def decode_b64_object(v):
    if not is_b64_object(v):
        raise invalid("JSON Value: ", debug_string(v), " not formatted correctly for base64 data")
    s = v[0][1]
    try:
        # absl::Base64Unescape accepts standard and unpadded input
        return base64.b64decode(s + "=" * (-len(s) % 4), validate=True)
    except (ValueError, base64.binascii.Error):
        raise invalid("Unable to base64 decode")


def dense_shape(v):
    """GetDenseTensorShape: the sizes along the first elements."""
    shape = []
    while isinstance(v, list):
        shape.append(len(v))
        if not v:
            break
        v = v[0]
    return shape


def fill_tensor(v, dtype, shape, level, out):
    """FillTensorProto; appends converted values to out; returns count."""
    rank = len(shape)
    if not isinstance(v, list):
        if level != rank:
            raise invalid("JSON Value: ", debug_string(v), " found at incorrect level: ",
                          level + 1, " in the JSON DOM. Expected at level: ", rank)
        if isinstance(v, JObject):
            if dtype != "DT_STRING":
                raise _type_error(v, dtype)
            out.append(decode_b64_object(v))
        else:
            out.append(convert_value(v, dtype))
        return 1
    if level >= rank:
        raise invalid("Encountered list at unexpected level: ", level, " expected < ", rank)
    if len(v) != shape[level]:
        raise invalid("Encountered list at unexpected size: ", len(v), " at level: ", level,
                      " expected size: ", shape[level])
    n = 0
    for x in v:
        n += fill_tensor(x, dtype, shape, level + 1, out)
    return n


def _shape_str(shape):
    return "[" + ",".join(str(d) for d in shape) + "]"


def tensors_from_instances(instances, input_specs):
    """FillTensorMapFromInstancesList."""
    names = sorted(input_specs)
    first = instances[0]
    if not isinstance(first, JObject) and len(input_specs) > 1:
        raise invalid("instances is a plain list, but expecting list of objects as multiple "
                      "input tensors required as per tensorinfo_map")

    def is_element_object(v):
        return isinstance(v, JObject) and not is_b64_object(v)

    objects = is_element_object(first)
    acc = {}  # name -> (elem_shape, size, values)

    def add_item(item, name):
        if name not in input_specs:
            raise invalid("JSON object: does not have named input: ", name)
        dtype = input_specs[name].dtype
        shape = dense_shape(item)
        values = []
        size = fill_tensor(item, dtype, shape, 0, values)
        if name not in acc:
            acc[name] = (shape, size, values)
        else:
            prev_shape, prev_size, prev_values = acc[name]
            if prev_size != size:
                raise invalid("Expecting tensor size: ", prev_size, " but got: ", size)
            if prev_shape != shape:
                raise invalid("Expecting shape ", _shape_str(prev_shape), " but got: ",
                              _shape_str(shape))
            prev_values.extend(values)

    for count, elem in enumerate(instances):
        if objects:
            if not is_element_object(elem):
                raise invalid("Expecting object but got list at item ", count, " of input list")
            keys = set()
            for name, value in elem:
                keys.add(name)
                try:
                    add_item(value, name)
                except TFError as e:
                    raise invalid("Failed to process element: ", count, " key: ", name,
                                  " of 'instances' list. Error: ", e.to_string())
            if keys != set(names):
                raise invalid("Failed to process element: ", count,
                              " of 'instances' list. JSON object: ", debug_string(elem),
                              " keys must be equal to: ", ",".join(names))
        else:
            if is_element_object(elem):
                raise invalid("Expecting value/list but got object at item ", count,
                              " of input list")
            try:
                add_item(elem, names[0])
            except TFError as e:
                raise invalid("Failed to process element: ", count,
                              " of 'instances' list. Error: ", e.to_string())
    n = len(instances)
    return {
        name: Tensor(input_specs[name].dtype, [n] + shape, values)
        for name, (shape, _, values) in acc.items()
    }


def tensors_from_inputs(inputs, input_specs):
    """FillTensorMapFromInputsMap."""
    names = sorted(input_specs)
    if not isinstance(inputs, JObject) or is_b64_object(inputs):
        if len(input_specs) > 1:
            raise invalid("inputs is a plain value/list, but expecting an object as multiple "
                          "input tensors required as per tensorinfo_map")
        dtype = input_specs[names[0]].dtype
        shape = dense_shape(inputs)
        values = []
        fill_tensor(inputs, dtype, shape, 0, values)
        return {names[0]: Tensor(dtype, shape, values)}
    out = {}
    for name in names:
        if not inputs.has(name):
            raise invalid("Missing named input: ", name, " in 'inputs' object.")
        item = inputs.get(name)
        dtype = input_specs[name].dtype
        shape = dense_shape(item)
        values = []
        fill_tensor(item, dtype, shape, 0, values)
        out[name] = Tensor(dtype, shape, values)
    return out


# --------------------------------------------------------------------------------------------
# Output encoding (MakeJsonFromTensors / WriteDecimal)


def format_decimal(val: float, is_float32: bool) -> str:
    if math.isnan(val):
        return "NaN"
    if math.isinf(val):
        return "-Infinity" if val < 0 else "Infinity"
    s = "%.6g" % val  # absl::StrCat(float|double): six significant digits
    back = float(s)
    if is_float32:
        back = to_f32(back)
    if back != val:
        s = "%.*g" % (9 if is_float32 else 17, val)  # max_digits10
    if "." not in s and "e" not in s:
        s += ".0"
    return s


def _write_scalar(w: PrettyWriter, t: Tensor, v, as_bytes):
    if t.dtype in ("DT_FLOAT", "DT_HALF"):
        w.raw(format_decimal(v, True))
    elif t.dtype == "DT_DOUBLE":
        w.raw(format_decimal(v, False))
    elif t.dtype == "DT_STRING":
        if as_bytes:
            w.start(False)
            w.key("b64")
            w.string(base64.b64encode(v).decode("ascii"))
            w.end()
        else:
            w.string(v)
    elif t.dtype == "DT_BOOL":
        w.raw("true" if v else "false")
    elif t.dtype in DTYPE_NAMES:
        w.raw(str(int(v)))
    else:
        raise invalid("Failed to write JSON value for tensor type: ", DTYPE_NAMES.get(t.dtype, t.dtype))


def _write_values(w, t: Tensor, as_bytes, dim, it):
    """AddTensorValues."""
    if dim > len(t.shape) - 1:
        _write_scalar(w, t, next(it), as_bytes)
        return
    w.start(True)
    for _ in range(t.shape[dim]):
        if dim == len(t.shape) - 1:
            _write_scalar(w, t, next(it), as_bytes)
        else:
            _write_values(w, t, as_bytes, dim + 1, it)
    w.end()


def _is_bytes(name, t):
    return t.dtype == "DT_STRING" and name.endswith("_bytes")


def make_json_from_tensors(outputs: dict, row_format: bool) -> bytes:
    if not outputs:
        raise invalid("Cannot convert empty tensor map to JSON")
    names = sorted(outputs)  # protobuf Map order is unspecified; the emulator sorts by name
    w = PrettyWriter()
    if row_format:
        batch = -1
        for name in names:
            t = outputs[name]
            if not t.shape:
                raise invalid("Tensor name: ", name, " has no shape information ")
            if batch >= 0 and batch != t.shape[0]:
                raise invalid("Tensor name: ", name, " has inconsistent batch size: ",
                              t.shape[0], " expecting: ", batch)
            batch = t.shape[0]
        its = {n: iter(outputs[n].values) for n in names}
        w.start(False)
        w.key("predictions")
        w.start(True)
        multi = len(names) > 1
        for _ in range(batch):
            w.single_line_array = True
            if multi:
                w.start(False)
            for name in names:
                if multi:
                    w.key(name)
                _write_values(w, outputs[name], _is_bytes(name, outputs[name]), 1, its[name])
            w.single_line_array = False
            if multi:
                w.end()
        w.end()
        w.end()
    else:
        w.start(False)
        w.key("outputs")
        multi = len(names) > 1
        if multi:
            w.start(False)
        for name in names:
            if multi:
                w.key(name)
            t = outputs[name]
            _write_values(w, t, _is_bytes(name, t), 0, iter(t.values))
        if multi:
            w.end()
        w.end()
    return w.getvalue()


def make_json_from_status(err: TFError) -> bytes:
    w = PrettyWriter()
    w.start(False)
    w.key("error")
    w.string(err.message)
    w.end()
    return w.getvalue()


def proto_json(obj) -> bytes:
    """protobuf MessageToJsonString(add_whitespace=true): 1-space indent, trailing newline."""
    return (json.dumps(obj, indent=1, ensure_ascii=False) + "\n").encode("utf-8")


# --------------------------------------------------------------------------------------------
# Models


class TensorSpec:
    def __init__(self, dtype, shape, tensor_name):
        self.dtype = dtype
        self.shape = shape
        self.tensor_name = tensor_name

    def to_proto_json(self):
        return {
            "name": self.tensor_name,
            "dtype": self.dtype,
            "tensor_shape": {
                "dim": [{"size": str(d), "name": ""} for d in self.shape],
                "unknown_rank": False,
            },
        }


class Signature:
    def __init__(self, inputs, outputs, fn, method="tensorflow/serving/predict"):
        self.inputs = inputs  # name -> TensorSpec
        self.outputs = outputs
        self.fn = fn  # fn(dict name->Tensor) -> dict name->Tensor (all outputs)
        self.method_name = method

    def to_proto_json(self):
        return {
            "inputs": {k: v.to_proto_json() for k, v in sorted(self.inputs.items())},
            "outputs": {k: v.to_proto_json() for k, v in sorted(self.outputs.items())},
            "method_name": self.method_name,
            "defaults": {},
        }


class Servable:
    def __init__(self, name, version, signatures):
        self.name = name
        self.version = version
        self.signatures = signatures


def _node_error(msg, node):
    return invalid(msg, "\n\t [[{{node ", node, "}}]]")


def _half_plus(offset):
    def fn(inputs):
        x = inputs["x"]
        return {"y": Tensor("DT_FLOAT", x.shape, [to_f32(0.5 * v + offset) for v in x.values])}

    return fn


def _iris_fn(coef, intercept, outputs):
    def fn(inputs):
        x = inputs["features"]
        if len(x.shape) != 2:
            raise _node_error(f"In[0] is not a matrix. Instead it has shape {_shape_str(x.shape)}",
                              "MatMul")
        if x.shape[1] != 4:
            raise _node_error(
                f"Matrix size-incompatible: In[0]: {_shape_str(x.shape)}, In[1]: [4,3]", "MatMul")
        n = x.shape[0]
        classes, probs = [], []
        for r in range(n):
            row = x.values[r * 4 : r * 4 + 4]
            scores = [sum(c * v for c, v in zip(coef[k], row)) + intercept[k] for k in range(3)]
            best = max(range(3), key=lambda k: scores[k])  # first max, like argmax
            classes.append(best)
            if any(math.isnan(s) for s in scores):
                probs.extend([math.nan] * 3)
                continue
            m = max(scores)
            e = [math.exp(s - m) if math.isfinite(s - m) else (1.0 if s == m else 0.0)
                 for s in scores]
            tot = sum(e)
            probs.extend(to_f32(v / tot) for v in e)
        out = {"classes": Tensor("DT_INT64", [n], classes),
               "probabilities": Tensor("DT_FLOAT", [n, 3], probs)}
        return {k: out[k] for k in outputs}

    return fn


def _bytes_echo(inputs):
    d, r = inputs["data_bytes"], inputs["repeat"]
    if d.shape != r.shape:
        raise _node_error(f"Incompatible shapes: {_shape_str(d.shape)} vs. {_shape_str(r.shape)}",
                          "StringRepeat")
    data = [b * max(0, n) for b, n in zip(d.values, r.values)]
    return {
        "data_bytes": Tensor("DT_STRING", d.shape, data),
        "text": Tensor("DT_STRING", d.shape, data),
        "length": Tensor("DT_INT64", d.shape, [len(b) for b in data]),
    }


def _faulty_factory(timeout_ms):
    def fn(inputs):
        codes, delays = inputs["code"], inputs["delay_ms"]
        delay = max(delays.values) if delays.values else 0
        if delay > 0:
            if timeout_ms > 0 and delay > timeout_ms:
                time.sleep(timeout_ms / 1000.0)
                raise TFError("DEADLINE_EXCEEDED", "Deadline Exceeded")
            time.sleep(delay / 1000.0)
        for c in codes.values:
            name = c.decode("utf-8", "replace").upper()
            if name != "OK":
                if name not in HTTP_STATUS:
                    raise invalid("unknown status code name: ", name)
                raise TFError(name, f"faulty model: injected {name}")
        return {"y": Tensor("DT_INT64", delays.shape, list(delays.values))}

    return fn


def load_iris_weights(model_dir):
    for cand in (os.path.join(model_dir, "iris", "weights.json"),
                 os.path.join(model_dir, "weights.json")):
        if os.path.exists(cand):
            with open(cand) as f:
                w = json.load(f)
            return w["coef"], w["intercept"]
    return None


def build_models(model_dir, timeout_ms):
    f = TensorSpec
    hpt = lambda off: {  # noqa: E731
        "serving_default": Signature(
            {"x": f("DT_FLOAT", [-1], "x:0")}, {"y": f("DT_FLOAT", [-1], "y:0")}, _half_plus(off))
    }
    models = {
        "half_plus_two": {
            "versions": {1: Servable("half_plus_two", 1, hpt(2.0)),
                         2: Servable("half_plus_two", 2, hpt(3.0))},
            "labels": {"stable": 1, "canary": 2},
        },
        "bytes_echo": {
            "versions": {1: Servable("bytes_echo", 1, {"serving_default": Signature(
                {"data_bytes": f("DT_STRING", [-1], "data_bytes:0"),
                 "repeat": f("DT_INT64", [-1], "repeat:0")},
                {"data_bytes": f("DT_STRING", [-1], "StringRepeat:0"),
                 "text": f("DT_STRING", [-1], "Identity:0"),
                 "length": f("DT_INT64", [-1], "StringLength:0")},
                _bytes_echo)})},
            "labels": {},
        },
        "faulty": {
            "versions": {1: Servable("faulty", 1, {"serving_default": Signature(
                {"code": f("DT_STRING", [-1], "code:0"),
                 "delay_ms": f("DT_INT64", [-1], "delay_ms:0")},
                {"y": f("DT_INT64", [-1], "y:0")},
                _faulty_factory(timeout_ms))})},
            "labels": {},
        },
    }
    w = load_iris_weights(model_dir) if model_dir else None
    if w is not None:
        coef, intercept = w
        feats = f("DT_FLOAT", [-1, 4], "features:0")
        outs = {"classes": f("DT_INT64", [-1], "ArgMax:0"),
                "probabilities": f("DT_FLOAT", [-1, 3], "Softmax:0")}
        models["iris"] = {
            "versions": {1: Servable("iris", 1, {
                "serving_default": Signature({"features": feats}, dict(outs),
                                             _iris_fn(coef, intercept, ["classes", "probabilities"])),
                "predict_classes": Signature({"features": feats}, {"classes": outs["classes"]},
                                             _iris_fn(coef, intercept, ["classes"])),
            })},
            "labels": {},
        }
    else:
        print(f"tfserving_emulator: no iris weights.json under {model_dir!r}; iris not served",
              file=sys.stderr)
    return models


# --------------------------------------------------------------------------------------------
# Server core: version/label resolution and states


class ServerCore:
    def __init__(self, models, load_delay=0.0):
        self.models = models
        self.available_at = time.monotonic() + max(0.0, load_delay)

    def state(self):
        return "AVAILABLE" if time.monotonic() >= self.available_at else "LOADING"

    def _available(self, name, version):
        m = self.models.get(name)
        return (m is not None and version in m["versions"] and self.state() == "AVAILABLE")

    def servable(self, name, version=None, label=None):
        """ServerCore::GetServableHandle (ServableRequestFromModelSpec + BasicManager)."""
        if label is not None:
            m = self.models.get(name)
            # labels are (re)installed once their versions are available
            if m is None or label not in m["labels"] or self.state() != "AVAILABLE":
                raise invalid("Unrecognized servable version label: ", label)
            version = m["labels"][label]
        if version is not None:
            if not self._available(name, version):
                raise TFError("NOT_FOUND",
                              f"Servable not found for request: Specific({name}, {version})")
            return self.models[name]["versions"][version]
        m = self.models.get(name)
        if m is None or self.state() != "AVAILABLE" or not m["versions"]:
            raise TFError("NOT_FOUND", f"Servable not found for request: Latest({name})")
        return m["versions"][max(m["versions"])]

    def status(self, name, version=None):
        """GetModelStatusImpl: a label is ignored (only a numeric version narrows the answer)."""
        m = self.models.get(name)
        versions = sorted(m["versions"], reverse=True) if m else []
        if version is not None:
            if version not in versions:
                raise TFError("NOT_FOUND", f"Could not find version {version} of model {name}")
            versions = [version]
        elif not versions:
            raise TFError("NOT_FOUND", f"Could not find any versions of model {name}")
        state = self.state()
        return {
            "model_version_status": [
                {"version": str(v), "state": state,
                 "status": {"error_code": "OK", "error_message": ""}}
                for v in versions
            ]
        }


# --------------------------------------------------------------------------------------------
# REST handler (http_rest_api_handler.cc + http_rest_api_util.cc)

PREDICT_RE = re.compile(
    r"(?i)/v1/models/([^/:]+)(?:(?:/versions/(\d+))|(?:/labels/([^/:]+)))?"
    r":(classify|regress|predict)")
STATUS_RE = re.compile(
    r"(?i)/v1/models(?:/([^/:]+))?(?:(?:/versions/(\d+))|(?:/labels/([^/:]+)))?(?:/(metadata))?")
V1_RE = re.compile(r"(?i)/v1/.*", re.S)


class RestApi:
    def __init__(self, core: ServerCore):
        self.core = core

    def process(self, method: str, path: str, body: bytes):
        """Returns (status_code_name, body bytes)."""
        try:
            name, version, label, api, sub, ok = self._parse_model_info(method, path)
        except TFError as e:  # returned before MakeJsonFromStatus: no body
            return e.code, b""
        try:
            if method == "POST" and ok:
                if api == "predict":
                    return "OK", self.predict(name, version, label, body)
                if api in ("classify", "regress"):
                    return "OK", self.classify_regress(name, version, label, body, api)
            elif method == "GET" and ok:
                if sub == "metadata":
                    return "OK", self.metadata(name, version, label)
                return "OK", self.model_status(name, version, label)
            raise invalid("Malformed request: ", method, " ", path)
        except TFError as e:
            return e.code, make_json_from_status(e)

    @staticmethod
    def _parse_model_info(method, path):
        m = None
        if method == "POST":
            m = PREDICT_RE.fullmatch(path)
        elif method == "GET":
            m = STATUS_RE.fullmatch(path)
        if not m:
            return "", None, None, "", "", False
        g = m.groups()
        name, ver, label = g[0] or "", g[1], g[2]
        api = g[3] if method == "POST" else ""
        sub = (g[3] or "") if method == "GET" else ""
        if name:
            name = urllib.parse.unquote(name, errors="surrogateescape")
        version = None
        if ver:
            version = int(ver)
            if version >= 2**63:
                raise invalid("Failed to convert version: ", ver, " to numeric.")
        if label:
            label = urllib.parse.unquote(label, errors="surrogateescape")
        return name, version, label or None, api, sub, True

    def _signature(self, servable, sig_name):
        key = sig_name or "serving_default"
        if key not in servable.signatures:
            raise invalid('Serving signature name: "', key, '" not found in signature def')
        return servable.signatures[key]

    def predict(self, name, version, label, body):
        doc = parse_json_request(body)
        sig_name = ""
        if doc.has("signature_name"):
            sig_name = doc.get("signature_name")
            if not isinstance(sig_name, str):
                raise invalid("JSON Value: ", debug_string(doc),
                              " not formatted correctly. 'signature_name' key must be a "
                              "string value.")
        servable = self.core.servable(name, version, label)
        sig = self._signature(servable, sig_name)
        has_inst, has_inp = doc.has("instances"), doc.has("inputs")
        both = ("Not formatted correctly expecting only one of 'inputs' or 'instances' keys "
                "to exist ")
        if has_inst:
            if has_inp:
                raise invalid("JSON Value: ", debug_string(doc), " ", both)
            inst = doc.get("instances")
            if not isinstance(inst, list):
                raise invalid("JSON Value: ", debug_string(doc),
                              " Excepting 'instances' to be an list/array")
            if not inst:
                raise invalid("JSON Value: ", debug_string(doc), " No values in 'instances' array")
            tensors, row = tensors_from_instances(inst, sig.inputs), True
        elif has_inp:
            tensors, row = tensors_from_inputs(doc.get("inputs"), sig.inputs), False
        else:
            raise invalid("Missing 'inputs' or 'instances' key")
        outputs = sig.fn(tensors)
        return make_json_from_tensors(outputs, row)

    def classify_regress(self, name, version, label, body, api):
        doc = parse_json_request(body)
        if doc.has("signature_name") and not isinstance(doc.get("signature_name"), str):
            raise invalid("JSON Value: ", debug_string(doc),
                          " not formatted correctly. 'signature_name' key must be a string value.")
        if not doc.has("examples"):
            raise invalid("JSON Value: ", debug_string(doc),
                          " When method is classify, key 'examples' is expected and was not found")
        if not isinstance(doc.get("examples"), list):
            raise invalid("JSON Value: ", debug_string(doc),
                          " Expecting 'examples' value to be an list/array")
        if not doc.get("examples"):
            raise invalid("JSON Value: ", debug_string(doc), " 'examples' value is an empty array")
        servable = self.core.servable(name, version, label)
        key = doc.get("signature_name") or "serving_default"
        if key not in servable.signatures:
            raise invalid("No signature was found with the name: ", key)
        kind = "classification" if api == "classify" else "regression"
        want = "tensorflow/serving/" + api
        raise invalid(f"Expected {kind} signature method_name to be {want}. Was: ",
                      servable.signatures[key].method_name)

    def model_status(self, name, version, label):
        if not name:
            raise invalid("Missing model name in request.")
        return proto_json(self.core.status(name, version))

    def metadata(self, name, version, label):
        if not name:
            raise invalid("Missing model name in request.")
        s = self.core.servable(name, version, label)
        spec = proto_json({"name": s.name, "version": str(s.version), "signature_name": ""})
        sigs = proto_json({"signature_def": {k: v.to_proto_json()
                                             for k, v in sorted(s.signatures.items())}})
        # http_rest_api_util.cc ToJsonString concatenates the two protobuf JSON documents
        return (b'{\n"model_spec":' + spec + b',\n"metadata": {"signature_def": ' + sigs
                + b"}\n}\n")


# --------------------------------------------------------------------------------------------
# HTTP server (libevent-like surface)

LIBEVENT_404 = (b"<HTML><HEAD>\n<TITLE>404 Not Found</TITLE>\n</HEAD><BODY>\n"
                b"<H1>Not Found</H1>\n</BODY></HTML>\n")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = ""
    sys_version = ""
    api: RestApi = None
    cors = False
    quiet = False

    def log_message(self, fmt, *args):
        if not self.quiet:
            sys.stderr.write("%s %s\n" % (self.log_date_time_string(), fmt % args))

    def _send(self, code, body, ctype="application/json", extra=()):
        self.send_response_only(code)
        self.send_header("Date", formatdate(usegmt=True))
        if ctype:
            self.send_header("Content-Type", ctype)
        for k, v in extra:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _read_body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            data = bytearray()
            while True:
                line = self.rfile.readline()
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                data += self.rfile.read(size)
                self.rfile.readline()
            body = bytes(data)
        else:
            n = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(n) if n > 0 else b""
        if self.headers.get("Content-Encoding", "").lower() == "gzip" and body:
            try:
                body = gzip.decompress(body)
            except OSError:
                body = b""
        return body

    def _handle(self):
        raw_path = self.path
        if raw_path.startswith(("http://", "https://")):
            raw_path = "/" + raw_path.split("://", 1)[1].partition("/")[2]
        path = raw_path.split("?", 1)[0].split("#", 1)[0]
        body = self._read_body()
        if not V1_RE.fullmatch(path):
            self._send(404, LIBEVENT_404, "text/html")
            return
        extra = []
        if self.cors:
            extra = [("Access-Control-Allow-Origin", "*"),
                     ("Access-Control-Allow-Methods", "POST, GET"),
                     ("Access-Control-Allow-Headers", "Content-Type")]
        if self.command == "OPTIONS":
            # CORS preflight is answered by the dispatcher, not the REST handler: no
            # Content-Type and no JSON body; FAILED_PRECONDITION ("Origin header is missing in
            # CORS preflight") maps to 400.
            ok = re.search(r"https?://", self.headers.get("Origin", ""))
            self._send(200 if ok else 400, b"", None, extra)
            return
        code, out = self.api.process(self.command, path, body)
        self._send(HTTP_STATUS.get(code, 500), out, extra=extra)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _handle


def main(argv=None):
    ap = argparse.ArgumentParser(description="TF Serving REST API emulator (not TF Serving)")
    ap.add_argument("--port", type=int, default=int(os.environ.get("TFSERVING_PORT", 8501)))
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--model-dir", default=os.environ.get("TFSERVING_MODEL_DIR", ""),
                    help="directory with iris/weights.json (or weights.json)")
    ap.add_argument("--load-delay", type=float, default=0.0,
                    help="seconds during which every model is LOADING (predict/metadata 404)")
    ap.add_argument("--rest-api-timeout-ms", type=int, default=30000)
    ap.add_argument("--enable-cors", action="store_true")
    ap.add_argument("--quiet", action="store_true", help="no access log")
    args = ap.parse_args(argv)

    core = ServerCore(build_models(args.model_dir, args.rest_api_timeout_ms), args.load_delay)
    Handler.api = RestApi(core)
    Handler.cors = args.enable_cors
    Handler.quiet = args.quiet
    httpd = ThreadingHTTPServer((args.host, args.port), Handler)
    httpd.daemon_threads = True
    print(f"tfserving_emulator: EMULATED TF Serving REST API on http://{args.host}:{args.port} "
          f"models={sorted(core.models)} load_delay={args.load_delay}s", file=sys.stderr,
          flush=True)
    try:
        httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        httpd.server_close()


if __name__ == "__main__":
    main()
