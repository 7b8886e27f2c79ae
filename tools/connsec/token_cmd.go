package main

import (
	"bufio"
	"crypto"
	"crypto/x509"
	"encoding/pem"
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

// runToken is `connsec token`: it mints a bearer token for the edge API (SPEC §10). With
// --key (a PEM RSA or P-256 private key) it is signed RS256 or ES256 as an identity provider
// signs, with --kid, --iss and --aud (--jwks prints the key's public JWKS instead, for
// CONNSEC_JWKS); otherwise HS256 for development, signed with --secret, or
// $CONNSEC_JWT_SECRET, or the CONNSEC_JWT_SECRET line of wasm/worker/.dev.vars. Exit 0 when
// printed, 1 when no secret is found, 2 on bad flags or an unusable key.
func runToken(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("token", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: connsec token --sub p-1003|service:<name> [--ttl 8h] [--secret S]")
		fmt.Fprintln(stderr, "       connsec token --key key.pem --kid K --iss ISSUER [--aud AUDIENCE] --sub p-1003 [--ttl 8h]")
		fmt.Fprintln(stderr, "       connsec token --key key.pem --kid K --jwks")
		fmt.Fprintln(stderr, "Prints a development token for the edge API; a person acts as themselves, a service may evaluate and search.")
		fs.PrintDefaults()
	}
	sub := fs.String("sub", "", "who the token is for: a person id, or service:<name>")
	ttl := fs.Duration("ttl", 8*time.Hour, "how long the token is valid")
	secret := fs.String("secret", "", "the signing secret (default: $CONNSEC_JWT_SECRET, then "+devVars+")")
	keyFile := fs.String("key", "", "a PEM private key (RSA: RS256, P-256: ES256) to sign with as an identity provider does")
	kid := fs.String("kid", "", "with --key: the key's id in the provider's JWKS")
	iss := fs.String("iss", "", "with --key: the issuer (CONNSEC_ISSUER)")
	aud := fs.String("aud", "", "with --key: the audience (CONNSEC_AUDIENCE)")
	jwks := fs.Bool("jwks", false, "with --key: print the public key's JWKS instead of a token")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if (*sub == "" && !*jwks) || fs.NArg() > 0 || *ttl <= 0 || (*keyFile == "" && (*jwks || *kid != "" || *iss != "" || *aud != "")) {
		fs.Usage()
		return 2
	}
	if *keyFile != "" {
		key, err := readPrivateKey(*keyFile)
		if err != nil {
			fmt.Fprintln(stderr, "connsec token:", err)
			return 2
		}
		var out []byte
		if *jwks {
			out, err = edge.PublicJWKS(key, *kid)
		} else {
			var tok string
			tok, err = edge.SignedToken(key, edge.Minted{Subject: *sub, Issuer: *iss, Audience: *aud, KeyID: *kid}, time.Now(), *ttl)
			out = []byte(tok)
		}
		if err != nil {
			fmt.Fprintln(stderr, "connsec token:", err)
			return 2
		}
		fmt.Fprintln(stdout, string(out))
		return 0
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

// readPrivateKey reads a PEM private key: PKCS #8, PKCS #1 (RSA) or SEC 1 (EC).
func readPrivateKey(path string) (crypto.Signer, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, fmt.Errorf("%s holds no PEM block", path)
	}
	var key any
	switch block.Type {
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(block.Bytes)
	default:
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("%s: not a signing key", path)
	}
	return signer, nil
}
