"""Build the TorchServe iris model: a TorchScript Linear(4, 3) whose weights are the fitted sklearn
LogisticRegression's coef_/intercept_ (from weights.json), returning argmax class ids (int64).

Run with the TorchServe venv (Debian's python3-torch seen through --system-site-packages):

    python compose/models/make_torchscript.py --weights .run/models/iris/weights.json \
        --out .run/models/torchserve/iris.pt

The module computes in float64 (the input is cast), so its argmax equals sklearn's predict for
float64 inputs; TorchServe's stock base_handler builds a float32 tensor from the JSON numbers
(torch.as_tensor), which is exact for iris' one-decimal values' class decisions (checked below).
"""

import argparse
import json
import os

import torch


class IrisLinear(torch.nn.Module):
    def __init__(self, coef, intercept):
        super().__init__()
        self.linear = torch.nn.Linear(4, 3).double()
        with torch.no_grad():
            self.linear.weight.copy_(torch.tensor(coef, dtype=torch.float64))
            self.linear.bias.copy_(torch.tensor(intercept, dtype=torch.float64))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        scores = self.linear(x.to(torch.float64))
        return torch.argmax(scores, dim=1).to(torch.int64)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--weights", required=True)
    ap.add_argument("--expected", help="expected.json to verify against (default: beside weights)")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()

    with open(args.weights) as f:
        w = json.load(f)
    module = IrisLinear(w["coef"], w["intercept"]).eval()
    scripted = torch.jit.script(module)

    expected_path = args.expected or os.path.join(os.path.dirname(args.weights), "expected.json")
    if os.path.exists(expected_path):
        with open(expected_path) as f:
            exp = json.load(f)
        for dtype in (torch.float64, torch.float32):
            got = scripted(torch.tensor(exp["inputs"], dtype=dtype)).tolist()
            if got != exp["classes"]:
                bad = [i for i, (a, b) in enumerate(zip(got, exp["classes"])) if a != b]
                raise SystemExit(f"TorchScript predictions differ from sklearn ({dtype}) at rows {bad}")

    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    scripted.save(args.out)
    print(f"wrote {args.out} (torch {torch.__version__})")


if __name__ == "__main__":
    main()
