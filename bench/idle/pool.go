// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// conn is one held client connection.
type conn struct {
	c net.Conn
	r *bufio.Reader
}

// pool opens and holds the connections.
type pool struct {
	addr     string
	req      []byte
	timeout  time.Duration
	parallel int

	mu    sync.Mutex
	conns []*conn
	err   error // the first failure
}

// buildRequest returns the raw HTTP/1.1 request sent on each connection.
func buildRequest(addr, path, bodyFile string) ([]byte, error) {
	var b bytes.Buffer
	if bodyFile == "" {
		fmt.Fprintf(&b, "GET %s HTTP/1.1\r\nHost: %s\r\n\r\n", path, addr)
		return b.Bytes(), nil
	}
	body, err := os.ReadFile(bodyFile)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(&b, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n",
		path, addr, len(body))
	b.Write(body)
	return b.Bytes(), nil
}

// open dials n connections, parallel at a time, and sends one request on
// each; those that answer 200 are kept.
func (p *pool) open(n int) {
	jobs := make(chan struct{})
	var wg sync.WaitGroup
	for range min(p.parallel, n) {
		wg.Go(func() {
			for range jobs {
				p.dial()
			}
		})
	}
	for range n {
		jobs <- struct{}{}
	}
	close(jobs)
	wg.Wait()
}

// dial opens one connection and keeps it if its request succeeds.
func (p *pool) dial() {
	c, err := net.DialTimeout("tcp", p.addr, p.timeout)
	if err != nil {
		p.fail(err)
		return
	}
	cn := &conn{c: c, r: bufio.NewReaderSize(c, 1024)}
	if err := p.exchange(cn); err != nil {
		_ = c.Close()
		p.fail(err)
		return
	}
	p.mu.Lock()
	p.conns = append(p.conns, cn)
	p.mu.Unlock()
}

// exchange sends the request on cn and reads a 200 answer.
func (p *pool) exchange(cn *conn) error {
	if err := cn.c.SetDeadline(time.Now().Add(p.timeout)); err != nil {
		return err
	}
	if _, err := cn.c.Write(p.req); err != nil {
		return err
	}
	resp, err := http.ReadResponse(cn.r, nil)
	if err != nil {
		return err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	switch {
	case err != nil:
		return err
	case resp.StatusCode != http.StatusOK:
		return fmt.Errorf("status %d", resp.StatusCode)
	case resp.Close:
		return fmt.Errorf("the server closes the connection (Connection: close)")
	}
	return cn.c.SetDeadline(time.Time{})
}

// again sends the request once more on every held connection and counts
// those that answer.
func (p *pool) again() int {
	var ok int
	var mu sync.Mutex
	jobs := make(chan *conn)
	var wg sync.WaitGroup
	for range min(p.parallel, max(len(p.conns), 1)) {
		wg.Go(func() {
			for cn := range jobs {
				if err := p.exchange(cn); err != nil {
					p.fail(fmt.Errorf("second request: %w", err))
					continue
				}
				mu.Lock()
				ok++
				mu.Unlock()
			}
		})
	}
	for _, cn := range p.conns {
		jobs <- cn
	}
	close(jobs)
	wg.Wait()
	return ok
}

// fail records the first error.
func (p *pool) fail(err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.err == nil {
		p.err = err
	}
}

func (p *pool) firstErr() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.err == nil {
		return ""
	}
	return p.err.Error()
}

// closeAll closes every held connection.
func (p *pool) closeAll() {
	for _, cn := range p.conns {
		_ = cn.c.Close()
	}
}

// rss returns the resident set size of process pid.
func rss(pid int) (int64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, err
	}
	for line := range strings.Lines(string(b)) {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, err := strconv.ParseInt(f[1], 10, 64)
			return kb << 10, err
		}
	}
	return 0, fmt.Errorf("no VmRSS in /proc/%d/status", pid)
}
