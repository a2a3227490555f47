"""KServe Python model server (kserve 0.21) serving the shared iris model as `iris`.

    python kserve_iris.py --model_dir .run/models/iris --http_port 18090 \
        --enable_grpc false --workers 1 [--bind 127.0.0.1]

V1: POST /v1/models/iris:predict  {"instances": [[5.1, 3.5, 1.4, 0.2]]} -> {"predictions": [0]}
V2: POST /v2/models/iris/infer    input "input-0" FP32|FP64 [N,4] -> output "output-0" INT64 [N]
    GET  /v2/models/iris          declares those inputs/outputs (get_input_types/get_output_types)

Predictions are argmax(x @ coef.T + intercept) with the weights exported from the fitted sklearn
LogisticRegression (weights.json), computed in float64, so they equal sklearn's.

KServe hard-codes host="0.0.0.0" in kserve.protocol.rest.server.RESTServer (kserve/kserve#4558);
--bind (default 127.0.0.1) patches the uvicorn config after RESTServer.__init__ so the server only
listens on loopback. Containers pass --bind 0.0.0.0.
"""

import argparse
import json
import os
import sys
import uuid

# kserve.model_server parses sys.argv at import (parse_known_args), so strip our own flags first.
_own = argparse.ArgumentParser(add_help=False)
_own.add_argument("--model_dir", default=os.environ.get("IRIS_MODEL_DIR", "."))
_own.add_argument("--model_name", default="iris")
_own.add_argument("--bind", default="127.0.0.1")
OWN, _rest = _own.parse_known_args()
sys.argv = [sys.argv[0]] + _rest

import numpy as np  # noqa: E402
import kserve  # noqa: E402
from kserve import InferOutput, InferRequest, InferResponse  # noqa: E402
from kserve.errors import InvalidInput  # noqa: E402
from kserve.protocol.rest import server as _rest_server  # noqa: E402

_orig_init = _rest_server.RESTServer.__init__


def _loopback_init(self, *args, **kwargs):
    _orig_init(self, *args, **kwargs)
    # uvicorn.Server keeps a reference to this Config and binds at serve().
    self.config.host = OWN.bind


_rest_server.RESTServer.__init__ = _loopback_init

INPUT_NAME = "input-0"
OUTPUT_NAME = "output-0"


class IrisModel(kserve.Model):
    def __init__(self, name: str, model_dir: str):
        super().__init__(name)
        self.model_dir = model_dir
        self.coef = None
        self.intercept = None
        self.load()

    def load(self) -> bool:
        with open(os.path.join(self.model_dir, "weights.json")) as f:
            w = json.load(f)
        self.coef = np.asarray(w["coef"], dtype=np.float64)  # [3, 4]
        self.intercept = np.asarray(w["intercept"], dtype=np.float64)  # [3]
        self.ready = True
        return self.ready

    def _classes(self, x) -> np.ndarray:
        try:
            x = np.asarray(x, dtype=np.float64)
        except (TypeError, ValueError) as e:
            raise InvalidInput(f"features must be numbers: {e}")
        if x.ndim != 2 or x.shape[1] != 4:
            raise InvalidInput(f"expected shape [N, 4], got {list(x.shape)}")
        return (x @ self.coef.T + self.intercept).argmax(axis=1).astype(np.int64)

    def get_input_types(self):
        return [{"name": INPUT_NAME, "datatype": "FP32", "shape": [-1, 4]}]

    def get_output_types(self):
        return [{"name": OUTPUT_NAME, "datatype": "INT64", "shape": [-1]}]

    async def predict(self, payload, headers=None, response_headers=None):
        if isinstance(payload, InferRequest):
            by_name = {i.name: i for i in payload.inputs}
            if INPUT_NAME not in by_name:
                raise InvalidInput(
                    f"expected input {INPUT_NAME!r}, got {sorted(by_name)}"
                )
            inp = by_name[INPUT_NAME]
            if inp.datatype not in ("FP32", "FP64", "INT32", "INT64"):
                raise InvalidInput(f"unsupported datatype {inp.datatype} for {INPUT_NAME}")
            try:
                x = inp.as_numpy()
            except ValueError as e:  # data length does not match shape
                raise InvalidInput(f"{INPUT_NAME}: {e}")
            classes = self._classes(x)
            out = InferOutput(
                name=OUTPUT_NAME, shape=list(classes.shape), datatype="INT64",
                data=classes.tolist(),
            )
            return InferResponse(
                response_id=payload.id or str(uuid.uuid4()), model_name=self.name, infer_outputs=[out]
            )
        if not isinstance(payload, dict) or "instances" not in payload:
            raise InvalidInput('expected a JSON object with "instances": [[f, f, f, f], ...]')
        return {"predictions": self._classes(payload["instances"]).tolist()}


if __name__ == "__main__":
    model = IrisModel(OWN.model_name, OWN.model_dir)
    kserve.ModelServer().start([model])
