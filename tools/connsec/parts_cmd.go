package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/connsec/connsec/evaluator"
	"github.com/connsec/connsec/wasm/edge"
)

// runParts is `connsec parts`: it checks a snapshot whole, then writes it as a seed in parts
// for the edge (PUT /v1/snapshot with Content-Type: application/x-ndjson): the document
// without its agencies on the first line, then one agency per line. The whole state is too
// large for one instance of the edge to take whole. Exit 0 when written, 2 when the snapshot
// is refused (its problems are printed, with their paths in the whole document) or a file
// cannot be used.
func runParts(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("parts", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: connsec parts --snapshot F [--out OUT]")
		fmt.Fprintln(stderr, "Writes the snapshot as a seed in parts (one agency per line) for PUT /v1/snapshot with Content-Type: application/x-ndjson.")
		fs.PrintDefaults()
	}
	snapshot := fs.String("snapshot", "", "snapshot file (connsec.snapshot/v1)")
	out := fs.String("out", "", "where to write the parts (default: standard output)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if *snapshot == "" || fs.NArg() > 0 {
		fs.Usage()
		return 2
	}
	data, err := os.ReadFile(*snapshot)
	if err != nil {
		fmt.Fprintln(stderr, "connsec parts:", err)
		return 2
	}
	if _, err := evaluator.LoadForReading(data); err != nil {
		fmt.Fprintf(stderr, "connsec parts: %s: %v\n", *snapshot, err)
		return 2
	}
	var buf bytes.Buffer
	if err := edge.WriteParts(&buf, data); err != nil {
		fmt.Fprintln(stderr, "connsec parts:", err)
		return 2
	}
	if *out == "" {
		_, err = stdout.Write(buf.Bytes())
	} else {
		err = os.WriteFile(*out, buf.Bytes(), 0o644)
	}
	if err != nil {
		fmt.Fprintln(stderr, "connsec parts:", err)
		return 2
	}
	return 0
}
