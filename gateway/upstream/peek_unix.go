// SPDX-License-Identifier: Apache-2.0

//go:build unix && !aix

package upstream

import (
	"net"
	"syscall"
)

// peeker looks, without blocking and without consuming anything, for what
// a backend sent on a connection while it was idle in the pool: bytes (an
// unsolicited "408 Request Timeout" before the backend closes it, say) or
// the end of the stream. net/http's Transport learns of these from the
// read it keeps pending on every idle connection, on a goroutine of its
// own; here a request that takes the connection from the pool asks the
// kernel instead, with one recv(MSG_PEEK|MSG_DONTWAIT).
type peeker struct {
	rc syscall.RawConn
	// recv is p.recvFD, bound once when the connection is made: a method
	// value made at each check would be allocated at each check.
	recv func(fd uintptr) bool
	buf  [1]byte
	err  error // recvFD's result
}

// init prepares p for nc. A connection that does not give access to its
// socket is not checked: quiet reports it clean.
func (p *peeker) init(nc net.Conn) {
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return
	}
	p.rc = rc
	p.recv = p.recvFD
}

// recvFD peeks at the socket fd. It returns true in every case: the
// syscall.RawConn is not to wait for the socket to become readable, since
// a connection that has nothing to read is the one that is clean.
func (p *peeker) recvFD(fd uintptr) bool {
	for {
		_, _, p.err = syscall.Recvfrom(int(fd), p.buf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		if p.err != syscall.EINTR {
			return true
		}
	}
}

// quiet reports whether the socket has nothing to read (EAGAIN): no byte,
// no end of stream (0 bytes read, no error), no error (a reset). A failure
// to look, a closed connection for instance, is not quiet either.
func (p *peeker) quiet() bool {
	if p.rc == nil {
		return true
	}
	if err := p.rc.Read(p.recv); err != nil {
		return false
	}
	return p.err == syscall.EAGAIN
}
