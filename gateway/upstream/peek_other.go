// SPDX-License-Identifier: Apache-2.0

//go:build !unix || aix

package upstream

import "net"

// peeker is the check of peek_unix.go where it is not made: where the
// syscall package lacks what it uses (MSG_DONTWAIT on AIX) or has no
// working recvfrom (Windows, Plan 9, WebAssembly). Connections are
// trusted: one the backend closed while it was idle yields a
// *StaleConnError, and bytes it sent unasked, once in the socket rather
// than in the connection's buffer, are read as the next answer.
type peeker struct{}

func (*peeker) init(net.Conn) {}

func (*peeker) quiet() bool { return true }
