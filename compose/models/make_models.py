"""Train the shared iris model and export it for every backend (offline, deterministic).

Run with the MLflow venv (it has scikit-learn and mlflow):

    python compose/models/make_models.py --out .run/models

Writes:
  OUT/iris/weights.json    coef_/intercept_ of the fitted LogisticRegression + metadata, so
                           backends without scikit-learn (KServe, BentoML, TorchServe, the TF
                           Serving emulator) reproduce sklearn's predictions exactly.
  OUT/iris/expected.json   the 150 iris rows with sklearn's predicted class and probabilities
                           (what integration tests compare every backend against).
  OUT/mlflow-iris/         an MLflow sklearn model (skops format) whose signature is 4 double
                           columns sepal_length..petal_width -> long class id.

Nothing is downloaded: load_iris() reads a CSV shipped inside scikit-learn.
"""

import argparse
import json
import os
import shutil

FEATURES = ["sepal_length", "sepal_width", "petal_length", "petal_width"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True, help="models directory (e.g. .run/models)")
    ap.add_argument("--skip-mlflow", action="store_true", help="only write weights/expected")
    args = ap.parse_args()

    import numpy as np
    import pandas as pd
    import sklearn
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    iris = load_iris()
    X = pd.DataFrame(iris.data, columns=FEATURES)
    y = iris.target
    clf = LogisticRegression(max_iter=1000, random_state=0).fit(X, y)

    pred = clf.predict(X)
    proba = clf.predict_proba(X)
    # Sanity: predictions are argmax(X @ coef.T + intercept) and proba is its softmax.
    scores = iris.data @ clf.coef_.T + clf.intercept_
    assert (scores.argmax(axis=1) == pred).all()
    e = np.exp(scores - scores.max(axis=1, keepdims=True))
    assert np.allclose(e / e.sum(axis=1, keepdims=True), proba)

    iris_dir = os.path.join(args.out, "iris")
    os.makedirs(iris_dir, exist_ok=True)
    weights = {
        "model": "sklearn.linear_model.LogisticRegression(max_iter=1000, random_state=0)",
        "sklearn_version": sklearn.__version__,
        "feature_names": FEATURES,
        "class_names": [str(c) for c in iris.target_names],
        "classes": [int(c) for c in clf.classes_],
        "coef": clf.coef_.tolist(),  # shape [3, 4]
        "intercept": clf.intercept_.tolist(),  # shape [3]
        "predict": "argmax(x @ coef.T + intercept)",
        "predict_proba": "softmax(x @ coef.T + intercept)",
    }
    with open(os.path.join(iris_dir, "weights.json"), "w") as f:
        json.dump(weights, f, indent=1)
    with open(os.path.join(iris_dir, "expected.json"), "w") as f:
        json.dump(
            {
                "feature_names": FEATURES,
                "inputs": iris.data.tolist(),
                "target": [int(t) for t in y],
                "classes": [int(p) for p in pred],
                "probabilities": proba.tolist(),
            },
            f,
        )

    if args.skip_mlflow:
        return

    import mlflow.sklearn
    from mlflow.models import ModelSignature
    from mlflow.types import ColSpec, Schema

    signature = ModelSignature(
        inputs=Schema([ColSpec("double", name) for name in FEATURES]),
        outputs=Schema([ColSpec("long")]),
    )
    mlflow_dir = os.path.join(args.out, "mlflow-iris")
    shutil.rmtree(mlflow_dir, ignore_errors=True)
    mlflow.sklearn.save_model(
        clf,
        mlflow_dir,
        signature=signature,
        serialization_format="skops",
        # Explicit requirements: skips requirement inference (which imports the model in a
        # subprocess); `--env-manager local` never installs them anyway.
        pip_requirements=[
            f"scikit-learn=={sklearn.__version__}",
            f"skops=={__import__('skops').__version__}",
        ],
    )
    print(f"wrote {iris_dir}/weights.json, {iris_dir}/expected.json, {mlflow_dir}/MLmodel")


if __name__ == "__main__":
    main()
