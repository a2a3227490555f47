"""Calls a modelgate route with Triton's own HTTP client (tritonclient.http).

Usage: triton_iris.py HOST:PORT MODEL INPUT OUTPUT

Run by integration/triton_client_test.go: it checks that an unmodified
Triton client works against the gateway. The client's defaults are kept:
set_data_from_numpy sends the input as binary tensor data and
InferRequestedOutput asks for the output in binary (the binary tensor data
extension). Prints one JSON object: server metadata, liveness and
readiness, the model's metadata (or the error the client raised for it),
the class output and the response JSON.
"""

import json
import sys

import numpy as np
import tritonclient.http as httpclient
from tritonclient.utils import InferenceServerException


def main() -> None:
    url, model, input_name, output_name = sys.argv[1:5]
    client = httpclient.InferenceServerClient(url=url)
    samples = np.array(
        [[5.1, 3.5, 1.4, 0.2], [6.2, 2.9, 4.3, 1.3], [7.7, 3.0, 6.1, 2.3]],
        dtype=np.float32,
    )
    inp = httpclient.InferInput(input_name, list(samples.shape), "FP32")
    inp.set_data_from_numpy(samples)  # binary_data=True, the default
    out = httpclient.InferRequestedOutput(output_name)  # binary_data=True, the default
    result = client.infer(model, [inp], outputs=[out], request_id="triton-1")
    classes = result.as_numpy(output_name)
    try:
        metadata = client.get_model_metadata(model)
    except InferenceServerException as e:  # TorchServe publishes no signature
        metadata = {"error_status": e.status(), "error": e.message()}
    print(
        json.dumps(
            {
                "server": client.get_server_metadata(),
                "live": client.is_server_live(),
                "ready": client.is_server_ready(),
                "model_ready": client.is_model_ready(model),
                "metadata": metadata,
                "classes": classes.tolist(),
                "classes_dtype": str(classes.dtype),
                "response": result.get_response(),
            }
        )
    )


if __name__ == "__main__":
    main()
