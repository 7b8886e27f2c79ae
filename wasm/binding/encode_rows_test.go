package binding

import (
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/connsec/connsec/evaluator"
)

// trickyStrings are the strings encoding/json writes otherwise than as they are, at the start,
// the middle and the end of a word of 8 bytes and across two.
var trickyStrings = []string{
	"", "a", "plain ascii that runs past one word of eight bytes",
	`"`, `\`, "<", ">", "&", "\x00", "\x1f", "\x7f", "\b\f\n\r\t",
	"1234567\"", "12345678\"", "123456789<b>", "the entry user:p-1 (reader) & more",
	"é", "Zoë O'Brien", "1234567é", "日本語のテキスト", "emoji 👩‍💼 here",
	"\u2028", "line\u2029sep", "1234567\u2028",
	"\xff", "bad \xc3 utf8", "1234567\xe2\x80", "\xed\xa0\x80 surrogate", "\xf4\x90\x80\x80 too high",
}

// randomString is a string of random bytes, mostly ASCII letters so that words of 8 plain
// bytes come up, with the bytes encoding/json treats apart mixed in.
func randomString(rng *rand.Rand) string {
	var b strings.Builder
	for range rng.IntN(40) {
		switch rng.IntN(10) {
		case 0:
			b.WriteByte(byte(rng.IntN(256)))
		case 1:
			b.WriteString(trickyStrings[rng.IntN(len(trickyStrings))])
		default:
			b.WriteByte(byte('a' + rng.IntN(26)))
		}
	}
	return b.String()
}

func marshalled(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// The rows of who and what and lint's findings are written with the bytes json.Marshal gives:
// strings with every character it escapes, fields marked omitempty empty and not, and the
// fields each type has (a field added to either type must be written by encode_rows.go too).
func TestRowsAsMarshal(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	strs := append([]string{}, trickyStrings...)
	for range 20000 {
		strs = append(strs, randomString(rng))
	}
	for _, s := range strs {
		if got, want := string(appendString(nil, s)), marshalled(t, s); got != want {
			t.Fatalf("appendString(%q) = %s, json.Marshal gives %s", s, got, want)
		}
	}
	pick := func() string {
		if rng.IntN(4) == 0 {
			return ""
		}
		return strs[rng.IntN(len(strs))]
	}
	for range 5000 {
		a := evaluator.Access{Person: pick(), Name: pick(), Page: pick(), Title: pick(), Level: evaluator.Level(pick()), Reason: pick()}
		if got, want := string(appendAccess(nil, &a)), marshalled(t, a); got != want {
			t.Fatalf("appendAccess(%+v) = %s, json.Marshal gives %s", a, got, want)
		}
		f := evaluator.Finding{Code: pick(), Target: pick(), Section: pick(), Message: pick()}
		if got, want := string(appendFinding(nil, &f)), marshalled(t, f); got != want {
			t.Fatalf("appendFinding(%+v) = %s, json.Marshal gives %s", f, got, want)
		}
	}
	for typ, want := range map[reflect.Type]string{
		reflect.TypeFor[evaluator.Access]():  `person name,omitempty page,omitempty title,omitempty level,omitempty reason`,
		reflect.TypeFor[evaluator.Finding](): `code target section,omitempty message`,
	} {
		var tags []string
		for f := range typ.Fields() {
			tags = append(tags, f.Tag.Get("json"))
		}
		if got := strings.Join(tags, " "); got != want {
			t.Errorf("%v has the JSON fields %q; encode_rows.go writes %q", typ, got, want)
		}
	}
}

// FuzzAppendString: any string is written as json.Marshal writes it.
func FuzzAppendString(f *testing.F) {
	for _, s := range trickyStrings {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := string(appendString(nil, s)), marshalled(t, s); got != want {
			t.Fatalf("appendString(%q) = %s, json.Marshal gives %s", s, got, want)
		}
	})
}
