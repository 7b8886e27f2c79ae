package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/connsec/connsec/tools/gen"
)

// runGen is `connsec gen`: it writes a generated, valid snapshot (tools/gen) to --out or to
// standard output. Exit 0 when written, 1 when the file cannot be written, 2 on bad flags.
// --profile NAME takes the sizes of a named scale profile (gen.Profile) and refuses
// --agencies, --staff and --pages, which it sets itself.
func runGen(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("gen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: connsec gen [--agencies N] [--staff N] [--pages N] [--seed N] [--as-of YYYY-MM-DD] [--out FILE]")
		fmt.Fprintln(stderr, "       connsec gen --profile largest|state [--seed N] [--as-of YYYY-MM-DD] [--out FILE]")
		fmt.Fprintln(stderr, "Writes a generated connsec.snapshot/v1 document; the same flags always give the same bytes.")
		fs.PrintDefaults()
	}
	agencies := fs.Int("agencies", 3, "number of agencies")
	staff := fs.Int("staff", 300, "staff records in all, across the agencies (at least 5 per agency)")
	pages := fs.Int("pages", 3000, "pages in all, across the agencies (at least 2 per agency)")
	profile := fs.String("profile", "", "a scale profile that sets agencies, staff and pages: "+
		"largest (one agency of 6,000 staff records and 60,000 pages, like NYC ACS) or "+
		"state (410 agencies like New York State's: 21,300 staff records, 200,000 pages)")
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
	o := gen.Options{Agencies: *agencies, Staff: *staff, Pages: *pages, Seed: *seed, AsOf: *asOf}
	if *profile != "" {
		var sizeFlags []string
		fs.Visit(func(f *flag.Flag) {
			if f.Name == "agencies" || f.Name == "staff" || f.Name == "pages" {
				sizeFlags = append(sizeFlags, "--"+f.Name)
			}
		})
		if len(sizeFlags) > 0 {
			fmt.Fprintf(stderr, "connsec gen: --profile sets the agencies, staff and pages itself; drop %s\n", strings.Join(sizeFlags, ", "))
			return 2
		}
		p, err := gen.Profile(*profile)
		if err != nil {
			fmt.Fprintf(stderr, "connsec gen: --profile: %v\n", err)
			return 2
		}
		p.Seed, p.AsOf = *seed, *asOf
		o = p
	} else if *agencies < 1 || *staff < 1 || *pages < 1 {
		fmt.Fprintln(stderr, "connsec gen: --agencies, --staff and --pages must be at least 1")
		return 2
	}
	data, err := gen.Generate(o)
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
	fmt.Fprintf(stderr, "connsec gen: wrote %s (%d bytes, %d agencies, %d staff records, %d pages)\n", *out, len(data), o.Agencies, o.Staff, o.Pages)
	return 0
}
