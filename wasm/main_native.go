//go:build !(js && wasm)

package main

import (
	"fmt"
	"os"
)

// Natively the package only exists to be tested; the module is built with GOOS=js GOARCH=wasm.
func main() {
	fmt.Fprintln(os.Stderr, "build this with GOOS=js GOARCH=wasm: it is the connsec module for JavaScript")
	os.Exit(2)
}
