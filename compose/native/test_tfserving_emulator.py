"""Unit tests for the TF Serving REST API emulator (stdlib unittest; no third-party packages).

    python3 -m unittest compose/native/test_tfserving_emulator.py -v
    (or: cd compose/native && python3 -m unittest test_tfserving_emulator)

Each expectation cites the TF Serving behaviour of shared/PROTOCOLS.md §1 it pins down.
If <repo>/.run/models/iris/expected.json exists (made by compose/native/up), the emulator's iris
classes are also checked against sklearn's for all 150 rows.
"""

import gzip
import http.client
import json
import os
import sys
import tempfile
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import tfserving_emulator as emu  # noqa: E402

REPO = os.path.dirname(os.path.dirname(HERE))
EXPECTED = os.path.join(REPO, ".run", "models", "iris", "expected.json")

# Small made-up weights (the real ones come from sklearn at `up` time).
WEIGHTS = {
    "coef": [[-0.4, 0.9, -2.5, -1.0], [0.5, -0.3, -0.2, -0.9], [-0.1, -0.6, 2.7, 2.0]],
    "intercept": [9.8, 2.2, -12.0],
}


def json_loads(body):
    # TF Serving emits bare NaN/Infinity tokens; Python's json accepts them.
    return json.loads(body.decode("utf-8"))


class EmulatorCase(unittest.TestCase):
    load_delay = 0.0

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        os.makedirs(os.path.join(cls.tmp.name, "iris"))
        with open(os.path.join(cls.tmp.name, "iris", "weights.json"), "w") as f:
            json.dump(WEIGHTS, f)
        cls.start_server(cls.tmp.name)

    @classmethod
    def start_server(cls, model_dir):
        core = emu.ServerCore(emu.build_models(model_dir, 30000), cls.load_delay)
        handler = type("H", (emu.Handler,), {"api": emu.RestApi(core), "quiet": True})
        cls.httpd = emu.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        cls.port = cls.httpd.server_address[1]
        cls.thread = threading.Thread(target=cls.httpd.serve_forever, daemon=True)
        cls.thread.start()

    @classmethod
    def tearDownClass(cls):
        cls.httpd.shutdown()
        cls.httpd.server_close()
        cls.tmp.cleanup()

    def request(self, method, path, body=None, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        data = resp.read()
        conn.close()
        return resp.status, dict((k.lower(), v) for k, v in resp.getheaders()), data

    def post(self, path, body):
        return self.request("POST", path, body)

    def assertError(self, status, data, want_status, want_msg, exact=True):
        self.assertEqual(status, want_status, data)
        msg = json_loads(data)["error"]
        if exact:
            self.assertEqual(msg, want_msg)
        else:
            self.assertIn(want_msg, msg)


class PredictTest(EmulatorCase):
    def test_row_format_single_output_exact_bytes(self):
        # §1.3: single output -> bare list; rapidjson PrettyWriter layout; floats with ".0".
        status, headers, data = self.post("/v1/models/half_plus_two/versions/1:predict",
                                          {"instances": [1.0, 2.0, 5.0]})
        self.assertEqual(status, 200)
        self.assertEqual(headers["content-type"], "application/json")
        self.assertEqual(data, b'{\n    "predictions": [2.5, 3.0, 4.5\n    ]\n}')

    def test_latest_label_and_version(self):
        # §1.5: no version -> latest (2: 0.5x+3); labels stable->1, canary->2.
        for path, want in [("/v1/models/half_plus_two:predict", 4.0),
                           ("/v1/models/half_plus_two/versions/1:predict", 3.0),
                           ("/v1/models/half_plus_two/versions/2:predict", 4.0),
                           ("/v1/models/half_plus_two/labels/stable:predict", 3.0),
                           ("/v1/models/half_plus_two/labels/canary:predict", 4.0)]:
            status, _, data = self.post(path, {"instances": [2.0]})
            self.assertEqual(status, 200, path)
            self.assertEqual(json_loads(data), {"predictions": [want]}, path)

    def test_columnar_format(self):
        # §1.2/1.3: "inputs" -> "outputs"; a bare value for a single-input signature.
        status, _, data = self.post("/v1/models/half_plus_two/versions/1:predict",
                                    {"inputs": [[1.0, 2.0], [3.0, 4.0]]})
        self.assertEqual(status, 200)
        self.assertEqual(json_loads(data), {"outputs": [[2.5, 3.0], [3.5, 4.0]]})
        status, _, data = self.post("/v1/models/half_plus_two/versions/1:predict",
                                    {"inputs": 3.0})
        self.assertEqual(json_loads(data), {"outputs": 3.5})

    def test_nan_and_infinity_tokens(self):
        # §1.2 parser accepts NaN/Infinity; §1.3 writes them bare (invalid strict JSON).
        status, _, data = self.post("/v1/models/half_plus_two/versions/1:predict",
                                    '{"instances": [NaN, Infinity, -Infinity]}')
        self.assertEqual(status, 200)
        self.assertIn(b"[NaN, Infinity, -Infinity", data)
        with self.assertRaises(ValueError):
            json.loads(data, parse_constant=lambda c: (_ for _ in ()).throw(ValueError(c)))

    def test_float_formatting(self):
        f32 = emu.to_f32
        self.assertEqual(emu.format_decimal(f32(0.1), True), "0.1")
        self.assertEqual(emu.format_decimal(3.0, True), "3.0")
        self.assertEqual(emu.format_decimal(1e6, True), "1e+06")
        self.assertEqual(emu.format_decimal(f32(1.0 / 3.0), True), "0.333333343")
        self.assertEqual(emu.format_decimal(1.0 / 3.0, False), "0.33333333333333331")
        self.assertEqual(emu.format_decimal(float("nan"), True), "NaN")
        self.assertEqual(emu.format_decimal(float("-inf"), False), "-Infinity")

    def test_iris_multi_output_row_and_columnar(self):
        # §1.3: several outputs -> list of objects (row) / object keyed by name (columnar).
        status, _, data = self.post("/v1/models/iris:predict",
                                    {"instances": [[5.1, 3.5, 1.4, 0.2], [6.2, 3.4, 5.4, 2.3]]})
        self.assertEqual(status, 200, data)
        preds = json_loads(data)["predictions"]
        self.assertEqual([p["classes"] for p in preds], [0, 2])
        for p in preds:
            self.assertEqual(len(p["probabilities"]), 3)
            self.assertAlmostEqual(sum(p["probabilities"]), 1.0, places=5)
        status, _, data = self.post("/v1/models/iris:predict",
                                    {"inputs": {"features": [[5.1, 3.5, 1.4, 0.2]]}})
        out = json_loads(data)["outputs"]
        self.assertEqual(sorted(out), ["classes", "probabilities"])
        self.assertEqual(out["classes"], [0])

    def test_iris_single_output_signature(self):
        status, _, data = self.post("/v1/models/iris:predict",
                                    {"signature_name": "predict_classes",
                                     "instances": [[5.1, 3.5, 1.4, 0.2], [6.2, 3.4, 5.4, 2.3]]})
        self.assertEqual(status, 200)
        self.assertEqual(json_loads(data), {"predictions": [0, 2]})

    def test_iris_wrong_shape_is_400(self):
        status, _, data = self.post("/v1/models/iris:predict", {"instances": [[1.0, 2.0, 3.0]]})
        self.assertError(status, data, 400, "Matrix size-incompatible", exact=False)

    def test_b64_in_and_out(self):
        # §1.2 {"b64": ...} for DT_STRING inputs; §1.3 outputs named *_bytes as b64 objects.
        status, _, data = self.post("/v1/models/bytes_echo:predict",
                                    {"instances": [{"data_bytes": {"b64": "aGk="}, "repeat": 2}]})
        self.assertEqual(status, 200, data)
        self.assertEqual(json_loads(data), {"predictions": [
            {"data_bytes": {"b64": "aGloaQ=="}, "length": 4, "text": "hihi"}]})
        status, _, data = self.post("/v1/models/bytes_echo:predict",
                                    {"instances": [{"data_bytes": {"b64": "!!"}, "repeat": 1}]})
        self.assertError(status, data, 400, "Unable to base64 decode", exact=False)

    def test_signature_errors(self):
        status, _, data = self.post("/v1/models/iris:predict",
                                    {"signature_name": "nope", "instances": [[1, 2, 3, 4]]})
        self.assertError(status, data, 400,
                         'Serving signature name: "nope" not found in signature def')
        status, _, data = self.post("/v1/models/iris:predict", {"signature_name": 100})
        self.assertError(status, data, 400,
                         "'signature_name' key must be a string value.", exact=False)

    def test_request_shape_errors(self):
        p = "/v1/models/half_plus_two:predict"
        status, _, data = self.post(p, {"instances": [1], "inputs": [1]})
        self.assertError(status, data, 400, "Not formatted correctly expecting only one of "
                         "'inputs' or 'instances' keys to exist ", exact=False)
        status, _, data = self.post(p, {"foo": 1})
        self.assertError(status, data, 400, "Missing 'inputs' or 'instances' key")
        status, _, data = self.post(p, {"instances": []})
        self.assertError(status, data, 400, "No values in 'instances' array", exact=False)
        status, _, data = self.post(p, {"instances": ["x", "y"]})
        self.assertError(status, data, 400, "not of expected type: float", exact=False)
        status, _, data = self.post(p, "")
        self.assertError(status, data, 400, "JSON Parse error: The document is empty")
        status, _, data = self.post(p, "instances = [1, 2]")
        self.assertError(status, data, 400, "JSON Parse error: Invalid value", exact=False)
        status, _, data = self.post(p, {"instances": [[1.0], [1.0, 2.0]]})
        self.assertError(status, data, 400, "Expecting tensor size: 1 but got: 2", exact=False)
        status, _, data = self.post("/v1/models/bytes_echo:predict", {"inputs": {"repeat": [1]}})
        self.assertError(status, data, 400, "Missing named input: data_bytes in 'inputs' object.")

    def test_trailing_bytes_ignored_and_gzip(self):
        status, _, data = self.post("/v1/models/half_plus_two/versions/1:predict",
                                    '{"instances": [1.0]} trailing garbage')
        self.assertEqual(status, 200, data)
        body = gzip.compress(b'{"instances": [1.0]}')
        status, _, data = self.request("POST", "/v1/models/half_plus_two/versions/1:predict",
                                       body, {"Content-Encoding": "gzip"})
        self.assertEqual(json_loads(data), {"predictions": [2.5]})

    def test_not_found_and_labels(self):
        status, headers, data = self.post("/v1/models/nope:predict", {"instances": [1]})
        self.assertError(status, data, 404, "Servable not found for request: Latest(nope)")
        self.assertEqual(headers["content-type"], "application/json")
        status, _, data = self.post("/v1/models/half_plus_two/versions/9:predict",
                                    {"instances": [1]})
        self.assertError(status, data, 404,
                         "Servable not found for request: Specific(half_plus_two, 9)")
        status, _, data = self.post("/v1/models/half_plus_two/labels/x:predict",
                                    {"instances": [1]})
        self.assertError(status, data, 400, "Unrecognized servable version label: x")

    def test_fault_injection_status_map(self):
        # §1.4 status map: UNAVAILABLE 503, RESOURCE_EXHAUSTED 429, NOT_FOUND 404, INTERNAL 500
        for code, want in [("UNAVAILABLE", 503), ("RESOURCE_EXHAUSTED", 429),
                           ("INTERNAL", 500), ("OK", 200)]:
            status, _, _ = self.post("/v1/models/faulty:predict",
                                     {"instances": [{"code": code, "delay_ms": 0}]})
            self.assertEqual(status, want, code)


class RoutingTest(EmulatorCase):
    def test_case_insensitive_paths(self):
        status, _, data = self.post("/V1/Models/half_plus_two/VERSIONS/1:predict",
                                    {"instances": [1.0]})
        self.assertEqual(status, 200, data)
        # ...but the method name itself is compared case-sensitively after the match
        status, _, data = self.post("/v1/models/half_plus_two:PREDICT", {"instances": [1.0]})
        self.assertError(status, data, 400,
                         "Malformed request: POST /v1/models/half_plus_two:PREDICT")

    def test_malformed(self):
        for method, path in [("GET", "/v1/models/foo:predict"), ("POST", "/v1/models/foo/metadata"),
                             ("POST", "/v1/models/foo/versions/HELLO:predict"),
                             ("GET", "/v1/models/foo/versions/50/labels/x"),
                             ("GET", "/v1/foo"), ("DELETE", "/v1/models/foo")]:
            status, _, data = self.request(method, path, "{}")
            self.assertError(status, data, 400, f"Malformed request: {method} {path}")

    def test_list_models_is_400(self):
        status, _, data = self.request("GET", "/v1/models")
        self.assertError(status, data, 400, "Missing model name in request.")

    def test_outside_v1_is_bare_404(self):
        status, headers, data = self.request("GET", "/healthz")
        self.assertEqual(status, 404)
        self.assertTrue(headers["content-type"].startswith("text/html"))
        self.assertIn(b"Not Found", data)

    def test_version_overflow_empty_body(self):
        status, _, data = self.post("/v1/models/foo/versions/99999999999999999999:predict", "{}")
        self.assertEqual((status, data), (400, b""))

    def test_percent_decoded_name(self):
        status, _, data = self.post("/v1/models/half%5Fplus%5Ftwo/versions/1:predict",
                                    {"instances": [1.0]})
        self.assertEqual(status, 200, data)


class StatusMetadataTest(EmulatorCase):
    def test_status(self):
        status, headers, data = self.request("GET", "/v1/models/half_plus_two")
        self.assertEqual(status, 200)
        self.assertEqual(headers["content-type"], "application/json")
        self.assertTrue(data.startswith(b'{\n "model_version_status": [\n  {\n   "version": "2"'))
        doc = json_loads(data)
        self.assertEqual([s["version"] for s in doc["model_version_status"]], ["2", "1"])
        self.assertEqual(doc["model_version_status"][0],
                         {"version": "2", "state": "AVAILABLE",
                          "status": {"error_code": "OK", "error_message": ""}})
        status, _, data = self.request("GET", "/v1/models/half_plus_two/versions/1")
        self.assertEqual([s["version"] for s in json_loads(data)["model_version_status"]], ["1"])

    def test_status_errors(self):
        status, _, data = self.request("GET", "/v1/models/nope")
        self.assertError(status, data, 404, "Could not find any versions of model nope")
        status, _, data = self.request("GET", "/v1/models/iris/versions/3")
        self.assertError(status, data, 404, "Could not find version 3 of model iris")

    def test_metadata(self):
        status, _, data = self.request("GET", "/v1/models/iris/metadata")
        self.assertEqual(status, 200, data)
        doc = json_loads(data)
        self.assertEqual(doc["model_spec"], {"name": "iris", "version": "1", "signature_name": ""})
        sig = doc["metadata"]["signature_def"]["signature_def"]["serving_default"]
        feats = sig["inputs"]["features"]
        self.assertEqual(feats["dtype"], "DT_FLOAT")
        self.assertEqual([d["size"] for d in feats["tensor_shape"]["dim"]], ["-1", "4"])
        self.assertEqual(sig["outputs"]["classes"]["dtype"], "DT_INT64")
        self.assertEqual(sig["method_name"], "tensorflow/serving/predict")
        status, _, data = self.request("GET", "/v1/models/half_plus_two/labels/stable/metadata")
        self.assertEqual(json_loads(data)["model_spec"]["version"], "1")


class LoadingTest(EmulatorCase):
    load_delay = 1.5

    def test_loading_then_available(self):
        status, _, data = self.request("GET", "/v1/models/half_plus_two")
        self.assertEqual(status, 200)
        self.assertEqual({s["state"] for s in json_loads(data)["model_version_status"]},
                         {"LOADING"})
        status, _, data = self.post("/v1/models/half_plus_two:predict", {"instances": [1.0]})
        self.assertError(status, data, 404, "Servable not found for request: Latest(half_plus_two)")
        status, _, data = self.request("GET", "/v1/models/half_plus_two/metadata")
        self.assertEqual(status, 404)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            status, _, data = self.post("/v1/models/half_plus_two:predict", {"instances": [1.0]})
            if status == 200:
                break
            time.sleep(0.1)
        self.assertEqual(status, 200)
        status, _, data = self.request("GET", "/v1/models/half_plus_two")
        self.assertEqual({s["state"] for s in json_loads(data)["model_version_status"]},
                         {"AVAILABLE"})


@unittest.skipUnless(os.path.exists(EXPECTED), "no .run/models/iris/expected.json (run up first)")
class RealIrisTest(EmulatorCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.start_server(os.path.dirname(os.path.dirname(EXPECTED)))

    def test_classes_equal_sklearn(self):
        with open(EXPECTED) as f:
            exp = json.load(f)
        status, _, data = self.post("/v1/models/iris:predict",
                                    {"signature_name": "predict_classes",
                                     "instances": exp["inputs"]})
        self.assertEqual(status, 200)
        self.assertEqual(json_loads(data)["predictions"], exp["classes"])
        status, _, data = self.post("/v1/models/iris:predict", {"inputs": exp["inputs"]})
        probs = json_loads(data)["outputs"]["probabilities"]
        for got, want in zip(probs, exp["probabilities"]):
            for g, w in zip(got, want):
                self.assertAlmostEqual(g, w, delta=1e-6)


if __name__ == "__main__":
    unittest.main()
