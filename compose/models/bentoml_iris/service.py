"""BentoML 1.4 (new SDK) service serving the shared iris model.

    IRIS_MODEL_DIR=.run/models/iris BENTOML_DO_NOT_TRACK=true BENTOML_HOME=... \
        bentoml serve service:IrisService --working-dir compose/models/bentoml_iris \
        --host 127.0.0.1 --port 13000

APIs (POST, JSON body keyed by parameter name, raw JSON result):
  /predict        {"features": [[5.1, 3.5, 1.4, 0.2]]} -> [0]
  /predict_proba  {"features": [[5.1, 3.5, 1.4, 0.2]]} -> [[p0, p1, p2]]

Predictions are computed with numpy from the weights exported from the fitted sklearn
LogisticRegression (weights.json; float64), so they equal sklearn's predict/predict_proba.
"""

import json
import os

import bentoml
import numpy as np

MODEL_DIR = os.environ.get("IRIS_MODEL_DIR", ".")


@bentoml.service(workers=1, traffic={"timeout": 30})
class IrisService:
    def __init__(self) -> None:
        with open(os.path.join(MODEL_DIR, "weights.json")) as f:
            w = json.load(f)
        self.coef = np.asarray(w["coef"], dtype=np.float64)  # [3, 4]
        self.intercept = np.asarray(w["intercept"], dtype=np.float64)  # [3]

    def _scores(self, features: list[list[float]]) -> np.ndarray:
        x = np.asarray(features, dtype=np.float64)
        if x.ndim != 2 or x.shape[1] != 4:
            raise bentoml.exceptions.InvalidArgument(
                f"features must have shape [N, 4], got {list(x.shape)}"
            )
        return x @ self.coef.T + self.intercept

    @bentoml.api
    def predict(self, features: list[list[float]]) -> list[int]:
        return self._scores(features).argmax(axis=1).astype(int).tolist()

    @bentoml.api
    def predict_proba(self, features: list[list[float]]) -> list[list[float]]:
        s = self._scores(features)
        e = np.exp(s - s.max(axis=1, keepdims=True))
        return (e / e.sum(axis=1, keepdims=True)).tolist()
