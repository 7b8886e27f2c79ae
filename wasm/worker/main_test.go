//go:build !(js && wasm)

package main

import "testing"

// The native server binds the loopback interface unless told otherwise.
func TestListenAddr(t *testing.T) {
	for _, c := range []struct{ addr, port, want string }{
		{"", "", "127.0.0.1:9900"},
		{"", "8123", "127.0.0.1:8123"},
		{":8123", "9999", ":8123"},
		{"0.0.0.0:80", "", "0.0.0.0:80"},
	} {
		if got := listenAddr(c.addr, c.port); got != c.want {
			t.Errorf("listenAddr(%q, %q) = %q, want %q", c.addr, c.port, got, c.want)
		}
	}
}
