package main

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/connsec/connsec/tools/gen"
)

const example = "../../fixtures/example/snapshot.json"

func runCLI(args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	code := run(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// The CLI runs the whole scenario corpus, and the last line counts the expectations.
func TestValidateCorpus(t *testing.T) {
	files, _ := filepath.Glob("../../fixtures/scenarios/*.json")
	if len(files) == 0 {
		t.Fatal("no scenario files")
	}
	code, out, errOut := runCLI(append([]string{"validate"}, files...)...)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if last := lines[len(lines)-1]; !strings.HasSuffix(last, " passed, 0 failed") {
		t.Errorf("last line %q", last)
	}
}

func TestValidateExitCodes(t *testing.T) {
	dir := t.TempDir()
	failing := filepath.Join(dir, "failing.json")
	snap, _ := filepath.Abs(example)
	os.WriteFile(failing, []byte(`{"format": "connsec.scenario/v1", "title": "t", "snapshot_file": "`+snap+`",
	  "steps": [{"checks": [{"subject": "p-admin", "action": "read", "resource": "page:pg-alb-org", "allowed": false}]}]}`), 0o644)
	code, out, _ := runCLI("validate", failing)
	if code != 1 || !strings.Contains(out, "steps[0].checks[0]") || !strings.HasSuffix(strings.TrimSpace(out), "0 passed, 1 failed") {
		t.Errorf("a failing expectation: exit %d, output:\n%s", code, out)
	}
	broken := filepath.Join(dir, "broken.json")
	os.WriteFile(broken, []byte(`{"format": "connsec.scenario/v1",`), 0o644)
	code, out, errOut := runCLI("validate", broken)
	if code != 2 || !strings.Contains(errOut, "broken.json") || !strings.HasSuffix(strings.TrimSpace(out), "0 passed, 0 failed") {
		t.Errorf("a malformed file: exit %d\n%s\n%s", code, out, errOut)
	}
	if code, _, _ := runCLI("validate", filepath.Join(dir, "missing.json")); code != 2 {
		t.Errorf("a missing file: exit %d", code)
	}
}

func TestCheck(t *testing.T) {
	code, out, _ := runCLI("check", "--snapshot", example, "--subject", "p-admin", "--action", "read", "--resource", "page:pg-alb-org")
	if code != 0 || !strings.HasPrefix(out, "ALLOWED") || !strings.Contains(out, "administrator") {
		t.Errorf("administrator check: exit %d\n%s", code, out)
	}
	code, out, _ = runCLI("check", "--snapshot", example, "--subject", "p-1012", "--action", "manage_security", "--resource", "page:pg-alb-org", "--json")
	var d struct {
		Allowed bool
		Reasons []struct{ Kind, Message string }
	}
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatalf("--json output is not JSON: %v\n%s", err, out)
	}
	if code != 1 || d.Allowed || len(d.Reasons) == 0 {
		t.Errorf("a caseworker managing the organization's security: exit %d, %+v", code, d)
	}
	code, _, errOut := runCLI("check", "--snapshot", example, "--subject", "p-nobody", "--action", "read", "--resource", "page:pg-alb-org")
	if code != 2 || !strings.Contains(errOut, "unknown_reference") {
		t.Errorf("unknown person: exit %d, %s", code, errOut)
	}
	code, _, errOut = runCLI("check", "--snapshot", example, "--subject", "p-admin")
	if code != 2 || !strings.Contains(errOut, "--action") || !strings.Contains(errOut, "--resource") {
		t.Errorf("missing flags: exit %d, %s", code, errOut)
	}
}

// A refused snapshot prints every problem with its JSON path and exits 2.
func TestRefusedSnapshot(t *testing.T) {
	data, err := os.ReadFile(example)
	if err != nil {
		t.Fatal(err)
	}
	bad := strings.Replace(string(data), `"as_of": "2026-11-22"`, `"as_of": "2026-02-30"`, 1)
	if bad == string(data) {
		t.Fatal("the example's as_of changed; update this test")
	}
	file := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(file, []byte(bad), 0o644)
	for _, args := range [][]string{
		{"lint", "--snapshot", file},
		{"who", "--snapshot", file, "--action", "read", "--resource", "page:pg-alb-org"},
		{"report", "--snapshot", file, "--agency", "ag-alb"},
		{"parts", "--snapshot", file},
	} {
		code, out, errOut := runCLI(args...)
		if code != 2 || out != "" || !strings.Contains(errOut, "as_of: invalid_value") {
			t.Errorf("%s: exit %d, stdout %q, stderr %q", args[0], code, out, errOut)
		}
	}
}

func TestQueries(t *testing.T) {
	code, out, _ := runCLI("who", "--snapshot", example, "--action", "edit", "--resource", "page:pg-alb-org", "--json")
	var who []struct{ Person, Level, Reason string }
	if err := json.Unmarshal([]byte(out), &who); code != 0 || err != nil || len(who) == 0 {
		t.Fatalf("who: exit %d, %v\n%s", code, err, out)
	}
	for _, a := range who {
		if a.Reason == "" || a.Level == "" {
			t.Errorf("who row without level or reason: %+v", a)
		}
	}
	code, out, _ = runCLI("what", "--snapshot", example, "--person", "p-1012", "--action", "read")
	if code != 0 || !strings.Contains(out, "p-1012 may read") {
		t.Errorf("what: exit %d\n%s", code, out)
	}
	code, out, _ = runCLI("profile", "--snapshot", example, "--person", "p-1012")
	if code != 0 || !strings.Contains(out, "Viewing rights") || !strings.Contains(out, "out-assigned until") {
		t.Errorf("profile: exit %d\n%s", code, out)
	}
	code, out, _ = runCLI("report", "--snapshot", example, "--agency", "ag-alb", "--csv")
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if code != 0 || err != nil || len(rows) < 2 || rows[0][0] != "unit" {
		t.Fatalf("report --csv: exit %d, %v\n%s", code, err, out)
	}
	code, out, _ = runCLI("lint", "--snapshot", example, "--strict")
	if code != 1 || !strings.Contains(out, "lint finding") {
		t.Errorf("lint --strict on a snapshot with findings: exit %d\n%s", code, out)
	}
	if code, _, _ := runCLI("nonsense"); code != 2 {
		t.Errorf("an unknown command exits 2, got %d", code)
	}
}

func TestWhatIfAndApply(t *testing.T) {
	dir := t.TempDir()
	batch := filepath.Join(dir, "batch.json")
	os.WriteFile(batch, []byte(`{"actor": "p-1003", "base_version": 0, "edits": [
	  {"op": "add_staff", "agency": "ag-alb", "person": "p-9001", "name": "Nia Worker", "nt_account": "nworker"}]}`), 0o644)
	code, out, errOut := runCLI("whatif", "--snapshot", example, "--batch", batch)
	if code != 0 || !strings.HasPrefix(out, "1 person gains reader on") || !strings.Contains(out, "+1 staff_in_temporary_unit") {
		t.Fatalf("whatif: exit %d\n%s\n%s", code, out, errOut)
	}
	// listed to its first row, the rest counted
	code, cut, errOut := runCLI("whatif", "--snapshot", example, "--batch", batch, "--access-rows", "1")
	if code != 0 || strings.Count(cut, "page:") != 1 || !strings.Contains(cut, "more changes of page access (--access-rows -1 lists every one)") ||
		strings.SplitN(cut, "\n", 2)[0] != strings.SplitN(out, "\n", 2)[0] {
		t.Fatalf("whatif --access-rows 1: exit %d\n%s\n%s", code, cut, errOut)
	}
	newSnap := filepath.Join(dir, "new.json")
	code, out, errOut = runCLI("apply", "--snapshot", example, "--batch", batch, "--out", newSnap)
	if code != 0 || !strings.Contains(out, "version 1") {
		t.Fatalf("apply: exit %d\n%s\n%s", code, out, errOut)
	}
	code, out, _ = runCLI("check", "--snapshot", newSnap, "--subject", "p-9001", "--action", "read", "--resource", "page:pg-alb-org")
	if code != 0 {
		t.Errorf("the applied snapshot lets the new worker read: exit %d\n%s", code, out)
	}
	// the same batch again is stale now: refused, nothing written
	again := filepath.Join(dir, "again.json")
	code, _, errOut = runCLI("apply", "--snapshot", newSnap, "--batch", batch, "--out", again)
	if code != 1 || !strings.Contains(errOut, "version_conflict") || !strings.Contains(errOut, "nothing was changed") {
		t.Errorf("a stale batch: exit %d, %s", code, errOut)
	}
	if _, err := os.Stat(again); !os.IsNotExist(err) {
		t.Error("a refused batch wrote a file")
	}
	code, out, _ = runCLI("candidates", "--snapshot", example, "--build", "B25.1")
	if code != 0 || !strings.Contains(out, "candidate") {
		t.Errorf("candidates: exit %d\n%s", code, out)
	}
}

// connsec token mints a token the edge accepts; without a subject it is a usage error.
func TestToken(t *testing.T) {
	code, out, errs := runCLI("token", "--sub", "p-1003", "--ttl", "1h", "--secret", "a-secret-of-sixteen-bytes")
	if code != 0 || strings.Count(strings.TrimSpace(out), ".") != 2 {
		t.Fatalf("token: %d %q %q", code, out, errs)
	}
	if code, _, _ := runCLI("token", "--secret", "a-secret-of-sixteen-bytes"); code != 2 {
		t.Fatalf("token without --sub: exit %d", code)
	}
	if code, _, errs := runCLI("token", "--sub", "p-1", "--secret", "short"); code != 2 || !strings.Contains(errs, "16 bytes") {
		t.Fatalf("a short secret: exit %d %q", code, errs)
	}
}

// connsec token --key mints RS256 and ES256 tokens that verify against the key's --jwks.
func TestTokenSignedWithAKey(t *testing.T) {
	dir := t.TempDir()
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ecDER, _ := x509.MarshalECPrivateKey(ecKey)
	files := map[string][]byte{
		"rsa.pem": pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(rsaKey)}),
		"ec.pem":  pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: ecDER}),
	}
	for name, alg := range map[string]string{"rsa.pem": "RS256", "ec.pem": "ES256"} {
		path := filepath.Join(dir, name)
		os.WriteFile(path, files[name], 0o600)
		code, out, errs := runCLI("token", "--key", path, "--kid", "k1", "--iss", "https://idp", "--aud", "connsec", "--sub", "p-1003")
		if code != 0 {
			t.Fatalf("%s: %d %s", name, code, errs)
		}
		_, jwksOut, _ := runCLI("token", "--key", path, "--kid", "k1", "--jwks")
		var set struct{ Keys []map[string]string }
		if json.Unmarshal([]byte(jwksOut), &set) != nil || len(set.Keys) != 1 || set.Keys[0]["alg"] != alg || set.Keys[0]["kid"] != "k1" {
			t.Fatalf("%s: the JWKS %s", name, jwksOut)
		}
		head, _ := base64.RawURLEncoding.DecodeString(strings.Split(strings.TrimSpace(out), ".")[0])
		if !strings.Contains(string(head), `"alg":"`+alg+`"`) || !strings.Contains(string(head), `"kid":"k1"`) {
			t.Fatalf("%s: the header %s", name, head)
		}
	}
	if code, _, _ := runCLI("token", "--kid", "k1", "--sub", "p-1003", "--secret", "a-secret-of-sixteen-bytes"); code != 2 {
		t.Fatalf("--kid without --key: exit %d", code)
	}
}

func TestGenProfile(t *testing.T) {
	for _, args := range [][]string{
		{"gen", "--profile", "state", "--staff", "100"},
		{"gen", "--profile", "largest", "--agencies", "2", "--pages", "10"},
		{"gen", "--profile", "county"},
	} {
		code, out, errOut := runCLI(args...)
		if code != 2 || out != "" || !strings.Contains(errOut, "--profile") {
			t.Errorf("%v: exit %d, stdout %d bytes, stderr %q", args, code, len(out), errOut)
		}
	}
	if _, _, errOut := runCLI("gen", "--profile", "largest", "--staff", "5", "--pages", "9"); !strings.Contains(errOut, "drop --pages, --staff\n") {
		t.Errorf("the refusal does not name the flags: %q", errOut)
	}
	// without --profile, the flags as before
	code, out, _ := runCLI("gen", "--agencies", "2", "--staff", "20", "--pages", "50", "--seed", "4")
	want, err := gen.Generate(gen.Options{Agencies: 2, Staff: 20, Pages: 50, Seed: 4, AsOf: gen.DefaultAsOf})
	if code != 0 || err != nil || out != string(want) {
		t.Errorf("gen without a profile: exit %d, %d bytes, want %d (%v)", code, len(out), len(want), err)
	}
	if testing.Short() {
		return
	}
	file := filepath.Join(t.TempDir(), "largest.json")
	code, _, errOut := runCLI("gen", "--profile", "largest", "--seed", "7", "--as-of", "2027-01-15", "--out", file)
	o, _ := gen.Profile("largest")
	o.Seed, o.AsOf = 7, "2027-01-15"
	want, _ = gen.Generate(o)
	got, _ := os.ReadFile(file)
	if code != 0 || !bytes.Equal(got, want) || !strings.Contains(errOut, "1 agencies, 6000 staff records, 60000 pages") {
		t.Errorf("gen --profile largest: exit %d, %d bytes, want %d; %s", code, len(got), len(want), errOut)
	}
}

// connsec parts writes the snapshot as a seed in parts: the document without its agencies,
// then one agency per line, together the same document.
func TestParts(t *testing.T) {
	code, out, errOut := runCLI("parts", "--snapshot", example)
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	var top map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &top); err != nil || len(top["agencies"].([]any)) != 0 {
		t.Fatalf("line 1: %v %v", err, top["agencies"])
	}
	var agencies []any
	for i, l := range lines[1:] {
		var a map[string]any
		if err := json.Unmarshal([]byte(l), &a); err != nil {
			t.Fatalf("line %d: %v", i+2, err)
		}
		agencies = append(agencies, a)
	}
	top["agencies"] = agencies
	data, _ := os.ReadFile(example)
	var want map[string]any
	json.Unmarshal(data, &want)
	if !reflect.DeepEqual(top, want) {
		t.Fatal("the parts joined are not the snapshot")
	}
}
