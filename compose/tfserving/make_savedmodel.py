"""Build the SavedModels served by the real TF Serving container (compose/compose.yaml), matching
the models of the native emulator (compose/native/tfserving_emulator.py):

  half_plus_two  versions 1 (y = 0.5x + 2) and 2 (y = 0.5x + 3); labels stable->1, canary->2
                 serving_default: x float32 [-1] -> y float32 [-1]
  iris           version 1, from the sklearn export <models>/iris/weights.json
                 serving_default: features float32 [-1,4] -> classes int64 [-1],
                                                           probabilities float32 [-1,3]
                 predict_classes: features -> classes
  bytes_echo     version 1: data_bytes string [-1], repeat int64 [-1] ->
                 data_bytes (b64 on the wire), text, length int64

Also writes <out>/models.config (model_config_list with the version labels).

    pip install tensorflow-cpu==2.18.0   # same minor as the tensorflow/serving image
    python make_savedmodel.py --weights /models/iris/weights.json --out /models/tfserving
"""

import argparse
import json
import os
import shutil

import tensorflow as tf


class HalfPlus(tf.Module):
    def __init__(self, offset):
        super().__init__()
        self.offset = tf.constant(offset, tf.float32)

    @tf.function(input_signature=[tf.TensorSpec([None], tf.float32, name="x")])
    def serve(self, x):
        return {"y": 0.5 * x + self.offset}


class Iris(tf.Module):
    def __init__(self, coef, intercept):
        super().__init__()
        self.w = tf.constant(coef, tf.float64)  # [3, 4]
        self.b = tf.constant(intercept, tf.float64)  # [3]

    def _scores(self, features):
        return tf.matmul(tf.cast(features, tf.float64), self.w, transpose_b=True) + self.b

    @tf.function(input_signature=[tf.TensorSpec([None, 4], tf.float32, name="features")])
    def serve(self, features):
        s = self._scores(features)
        return {"classes": tf.argmax(s, axis=1, output_type=tf.int64),
                "probabilities": tf.cast(tf.nn.softmax(s, axis=1), tf.float32)}

    @tf.function(input_signature=[tf.TensorSpec([None, 4], tf.float32, name="features")])
    def classes(self, features):
        return {"classes": tf.argmax(self._scores(features), axis=1, output_type=tf.int64)}


class BytesEcho(tf.Module):
    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="data_bytes"),
                                  tf.TensorSpec([None], tf.int64, name="repeat")])
    def serve(self, data_bytes, repeat):
        def rep(t):
            return tf.strings.reduce_join(tf.repeat(t[0], tf.maximum(t[1], 0)))

        out = tf.map_fn(rep, (data_bytes, repeat), fn_output_signature=tf.string)
        return {"data_bytes": out, "text": tf.identity(out),
                "length": tf.cast(tf.strings.length(out), tf.int64)}


def save(module, path, signatures):
    shutil.rmtree(path, ignore_errors=True)
    tf.saved_model.save(module, path, signatures=signatures)
    print("wrote", path)


CONFIG = """model_config_list {
  config {
    name: "half_plus_two"
    base_path: "%(out)s/half_plus_two"
    model_platform: "tensorflow"
    model_version_policy { all {} }
    version_labels { key: "stable" value: 1 }
    version_labels { key: "canary" value: 2 }
  }
  config {
    name: "iris"
    base_path: "%(out)s/iris"
    model_platform: "tensorflow"
  }
  config {
    name: "bytes_echo"
    base_path: "%(out)s/bytes_echo"
    model_platform: "tensorflow"
  }
}
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--weights", required=True, help="iris weights.json (compose/models/make_models.py)")
    ap.add_argument("--out", required=True, help="model base directory, e.g. /models/tfserving")
    ap.add_argument("--config-base", help="base path written into models.config (default --out)")
    args = ap.parse_args()

    with open(args.weights) as f:
        w = json.load(f)
    for version, offset in ((1, 2.0), (2, 3.0)):
        m = HalfPlus(offset)
        save(m, os.path.join(args.out, "half_plus_two", str(version)), {"serving_default": m.serve})
    iris = Iris(w["coef"], w["intercept"])
    save(iris, os.path.join(args.out, "iris", "1"),
         {"serving_default": iris.serve, "predict_classes": iris.classes})
    echo = BytesEcho()
    save(echo, os.path.join(args.out, "bytes_echo", "1"), {"serving_default": echo.serve})

    with open(os.path.join(args.out, "models.config"), "w") as f:
        f.write(CONFIG % {"out": args.config_base or args.out})
    print("wrote", os.path.join(args.out, "models.config"))


if __name__ == "__main__":
    main()
