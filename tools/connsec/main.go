// Command connsec answers CONNECTIONS security questions from a snapshot file: access checks
// with reasons, who and what queries, business function profiles, the staff security report,
// lint, and trainers' scenario files (SPEC §8–9). Every answer comes from package evaluator;
// this command only reads files and prints.
//
// Exit codes: 0 the answer (allowed, or the command ran); 1 the answer is no (check denied,
// a scenario expectation failed, lint --strict found something, a batch refused); 2 the input could not be
// used (bad flags, an unreadable or refused snapshot, a request error).
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/connsec/connsec/evaluator"
)

const usage = `connsec — CONNECTIONS security from a snapshot file

usage: connsec <command> [flags]

  check    --snapshot F --subject P --action A --resource R   one decision with its reasons
  who      --snapshot F --action A --resource R                everyone allowed, with level and reason
  what     --snapshot F --person P --action A                  every page the person may act on
  profile  --snapshot F --person P                             business function profile
  report   --snapshot F --agency A [--csv]                     staff security report
  lint     --snapshot F [--strict]                             findings a coordinator should look at
  suggest  --snapshot F --subject P --action A --resource R   what would allow a refused request, verified
  whatif   --snapshot F --batch B [--access-rows N]            who gains and loses what, before applying
  apply    --snapshot F --batch B --out OUT                    apply a batch, write the new snapshot
  candidates --snapshot F --build ID                           staff a build's new functions suggest
  validate FILE...                                             run scenario files, judge every expectation
  gen      [--profile largest|state | --agencies N --staff N --pages N] [--seed N]  write a large generated snapshot
  parts    --snapshot F [--out OUT]                             the snapshot as a seed in parts, one agency per line, for the edge
  token    --sub P|service:NAME [--ttl 8h]                     a development token for the edge API

Every query takes --as-of YYYY-MM-DD (default: the snapshot's day) and --json.
Actions: read, edit, manage_security, create:<kind>, or a capability such as case.view.
Resources are typed: page:<id>, agency:<id>, unit:<id>, person:<id>.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is the whole command, testable without a process.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "check":
		return runCheck(rest, stdout, stderr)
	case "who":
		return runWho(rest, stdout, stderr)
	case "what":
		return runWhat(rest, stdout, stderr)
	case "profile":
		return runProfile(rest, stdout, stderr)
	case "report":
		return runReport(rest, stdout, stderr)
	case "lint":
		return runLint(rest, stdout, stderr)
	case "validate":
		return runValidate(rest, stdout, stderr)
	case "apply":
		return runApply(rest, stdout, stderr)
	case "whatif":
		return runWhatIf(rest, stdout, stderr)
	case "suggest":
		return runSuggest(rest, stdout, stderr)
	case "candidates":
		return runCandidates(rest, stdout, stderr)
	case "token":
		return runToken(rest, stdout, stderr)
	case "parts":
		return runParts(rest, stdout, stderr)
	case "gen":
		return runGen(rest, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "connsec: %q is not a command\n\n%s", cmd, usage)
	return 2
}

// command holds the flags every query shares.
type command struct {
	name     string
	fs       *flag.FlagSet
	snapshot string
	asOf     string
	json     bool
	stdout   io.Writer
	stderr   io.Writer
}

func newCommand(name, synopsis string, stdout, stderr io.Writer) *command {
	c := &command{name: name, fs: flag.NewFlagSet(name, flag.ContinueOnError), stdout: stdout, stderr: stderr}
	c.fs.SetOutput(stderr)
	c.fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: connsec %s %s\n", name, synopsis)
		c.fs.PrintDefaults()
	}
	c.fs.StringVar(&c.snapshot, "snapshot", "", "snapshot file (connsec.snapshot/v1)")
	c.fs.StringVar(&c.asOf, "as-of", "", "judge on this day, YYYY-MM-DD (default: the snapshot's as_of)")
	c.fs.BoolVar(&c.json, "json", false, "print JSON instead of text")
	return c
}

// parse reads the flags, then checks that the snapshot and the named flags were given. It
// returns false with the exit code when the command must stop.
func (c *command) parse(args []string, required ...string) (int, bool) {
	if err := c.fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0, false
		}
		return 2, false
	}
	if c.fs.NArg() > 0 {
		fmt.Fprintf(c.stderr, "connsec %s: unexpected argument %q (flags are written --name value)\n", c.name, c.fs.Arg(0))
		return 2, false
	}
	var missing []string
	for _, name := range append([]string{"snapshot"}, required...) {
		if c.fs.Lookup(name).Value.String() == "" {
			missing = append(missing, "--"+name)
		}
	}
	if len(missing) > 0 {
		fmt.Fprintf(c.stderr, "connsec %s: missing %s\n", c.name, strings.Join(missing, ", "))
		c.fs.Usage()
		return 2, false
	}
	return 0, true
}

// load reads and loads the snapshot; on failure it prints every problem with its JSON path.
func (c *command) load() (*evaluator.Model, bool) { return c.open(evaluator.Load) }

// read is load for the commands that only ask (check, who, what, profile, report, lint): the
// model keeps no document (evaluator.LoadForReading), so a large snapshot costs less memory.
func (c *command) read() (*evaluator.Model, bool) { return c.open(evaluator.LoadForReading) }

func (c *command) open(load func([]byte) (*evaluator.Model, error)) (*evaluator.Model, bool) {
	data, err := os.ReadFile(c.snapshot)
	if err != nil {
		fmt.Fprintf(c.stderr, "connsec %s: cannot read the snapshot: %v\n", c.name, err)
		return nil, false
	}
	m, err := load(data)
	if err != nil {
		fmt.Fprintf(c.stderr, "connsec %s: %s: %v\n", c.name, c.snapshot, err)
		var se *evaluator.SnapshotError
		if errors.As(err, &se) && len(se.Problems) > 10 {
			for _, p := range se.Problems[10:] {
				fmt.Fprintf(c.stderr, "  %s\n", p)
			}
		}
		return nil, false
	}
	return m, true
}

// requestFailed prints a request error (an unknown id, a bad action) and gives exit code 2.
func (c *command) requestFailed(err error) int {
	fmt.Fprintf(c.stderr, "connsec %s: %v\n", c.name, err)
	return 2
}

func (c *command) printJSON(v any) {
	enc := json.NewEncoder(c.stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}
