// SPDX-License-Identifier: Apache-2.0

// Command bodies writes the request bodies of every bench scenario into a
// directory, for wrk to send:
//
//	DIR/NAME.peer.json      what the direct, nginx and Caddy legs post
//	DIR/NAME.gateway.json   what the modelgate leg posts
//	DIR/scenarios.tsv       one line per scenario, in run order:
//	                        name, big (1 or 0), peer path, gateway path, title
//
// The bytes are deterministic (package workload).
//
// Usage:
//
//	bodies -dir DIR
package main
