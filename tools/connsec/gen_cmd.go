package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/connsec/connsec/tools/gen"
)

// runGen is `connsec gen`: it writes a generated, valid snapshot (tools/gen) to --out or to
// standard output. Exit 0 when written, 1 when the file cannot be written, 2 on bad flags.
func runGen(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("gen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: connsec gen [--agencies N] [--staff N] [--pages N] [--seed N] [--as-of YYYY-MM-DD] [--out FILE]")
		fmt.Fprintln(stderr, "Writes a generated connsec.snapshot/v1 document; the same flags always give the same bytes.")
		fs.PrintDefaults()
	}
	agencies := fs.Int("agencies", 3, "number of agencies")
	staff := fs.Int("staff", 300, "staff records in all, across the agencies (at least 5 per agency)")
	pages := fs.Int("pages", 3000, "pages in all, across the agencies (at least 2 per agency)")
	seed := fs.Int64("seed", 1, "random seed")
	asOf := fs.String("as-of", gen.DefaultAsOf, "the snapshot's as_of day")
	out := fs.String("out", "", "file to write (default: standard output)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "connsec gen: unexpected argument %q (use --out FILE to name the output)\n", fs.Arg(0))
		return 2
	}
	if *agencies < 1 || *staff < 1 || *pages < 1 {
		fmt.Fprintln(stderr, "connsec gen: --agencies, --staff and --pages must be at least 1")
		return 2
	}
	data, err := gen.Generate(gen.Options{Agencies: *agencies, Staff: *staff, Pages: *pages, Seed: *seed, AsOf: *asOf})
	if err != nil {
		fmt.Fprintf(stderr, "connsec gen: %v\n", err)
		return 2
	}
	if *out == "" {
		if _, err := stdout.Write(data); err != nil {
			fmt.Fprintf(stderr, "connsec gen: %v\n", err)
			return 1
		}
		return 0
	}
	if err := os.WriteFile(*out, data, 0o644); err != nil {
		fmt.Fprintf(stderr, "connsec gen: %v\n", err)
		return 1
	}
	fmt.Fprintf(stderr, "connsec gen: wrote %s (%d bytes, %d agencies, %d staff records, %d pages)\n", *out, len(data), *agencies, *staff, *pages)
	return 0
}
