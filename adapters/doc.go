// SPDX-License-Identifier: Apache-2.0

// Package adapters is the contract between the gateway and the backends it
// fronts: the uniform, OIP-shaped inference model (Request, Response, Tensor,
// DType), the error kinds every adapter maps upstream failures onto, and the
// Adapter interface that each backend package (tfserving, torchserve, mlflow,
// bentoml, oip) implements.
//
// The package is a leaf: it imports only the standard library and its own
// internal JSON scanner. The Open Inference Protocol v2 JSON codec lives here
// because it is the canonical wire form shared by the gateway's v2 surface and
// by every backend that speaks OIP.
package adapters
