package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/connsec/connsec/wasm/edge"
)

// devVars is where `make run` keeps the local signing secret (git-ignored).
const devVars = "wasm/worker/.dev.vars"

// runToken is `connsec token`: it mints an HS256 bearer token for the edge API (SPEC §10),
// signed with --secret, or $CONNSEC_JWT_SECRET, or the CONNSEC_JWT_SECRET line of
// wasm/worker/.dev.vars. Exit 0 when printed, 1 when no secret is found, 2 on bad flags.
func runToken(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("token", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: connsec token --sub p-1003|service:<name> [--ttl 8h] [--secret S]")
		fmt.Fprintln(stderr, "Prints a development token for the edge API; a person acts as themselves, a service may evaluate and search.")
		fs.PrintDefaults()
	}
	sub := fs.String("sub", "", "who the token is for: a person id, or service:<name>")
	ttl := fs.Duration("ttl", 8*time.Hour, "how long the token is valid")
	secret := fs.String("secret", "", "the signing secret (default: $CONNSEC_JWT_SECRET, then "+devVars+")")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if *sub == "" || fs.NArg() > 0 || *ttl <= 0 {
		fs.Usage()
		return 2
	}
	key := *secret
	if key == "" {
		key = os.Getenv("CONNSEC_JWT_SECRET")
	}
	if key == "" {
		key = secretFromDevVars(devVars)
	}
	if key == "" {
		fmt.Fprintf(stderr, "connsec token: no signing secret: pass --secret, set CONNSEC_JWT_SECRET, or run make run once to create %s\n", devVars)
		return 1
	}
	tok, err := edge.Token([]byte(key), *sub, time.Now(), *ttl)
	if err != nil {
		fmt.Fprintln(stderr, "connsec token:", err)
		return 2
	}
	fmt.Fprintln(stdout, tok)
	return 0
}

func secretFromDevVars(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, found := strings.CutPrefix(strings.TrimSpace(sc.Text()), "CONNSEC_JWT_SECRET="); found {
			return strings.Trim(v, `"`)
		}
	}
	return ""
}
