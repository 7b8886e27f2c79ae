package binding

import (
	"unicode/utf8"
	"unsafe"

	"github.com/connsec/connsec/evaluator"
)

// The two long lists the module answers with — the rows of who and what (evaluator.Access)
// and lint's findings — are written here field by field, with the bytes encoding/json gives
// them (TestRowsAsMarshal holds the two to each other, and to the fields each type has).
// encoding/json reaches each field through reflection and escapes strings a byte at a time:
// in the module a coordinator's what at the largest agency (43,000 rows, 12.5 MB) spent
// about 70 ms a call there.

// appendAccess appends a as json.Marshal writes an evaluator.Access.
func appendAccess(b []byte, a *evaluator.Access) []byte {
	b = append(b, `{"person":`...)
	b = appendString(b, a.Person)
	b = appendField(b, `,"name":`, a.Name)
	b = appendField(b, `,"page":`, a.Page)
	b = appendField(b, `,"title":`, a.Title)
	b = appendField(b, `,"level":`, string(a.Level))
	b = append(b, `,"reason":`...)
	b = appendString(b, a.Reason)
	return append(b, '}')
}

// appendFinding appends f as json.Marshal writes an evaluator.Finding.
func appendFinding(b []byte, f *evaluator.Finding) []byte {
	b = append(b, `{"code":`...)
	b = appendString(b, f.Code)
	b = append(b, `,"target":`...)
	b = appendString(b, f.Target)
	b = appendField(b, `,"section":`, f.Section)
	b = append(b, `,"message":`...)
	b = appendString(b, f.Message)
	return append(b, '}')
}

// appendField appends a field marked omitempty: nothing when s is empty.
func appendField(b []byte, name, s string) []byte {
	if s == "" {
		return b
	}
	return appendString(append(b, name...), s)
}

// Bytes of every byte position of a word, for finding bytes by arithmetic on 8 at once.
const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// appendString appends s as a JSON string, as json.Marshal writes it: '"' and '\\' and the
// control characters escaped (\b, \f, \n, \r, \t, else \u00XX), '<', '>' and '&' as \u003c,
// \u003e and \u0026, U+2028 and U+2029 as \u2028 and \u2029, and each byte that is not valid
// UTF-8 as \ufffd. Runs of 8 bytes that need none of it are copied as they are.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		i = skipPlain(s, i)
		// the word that is not plain (or the end), a byte at a time
		for end := min(i+8, len(s)); i < end; {
			c := s[i]
			if c < utf8.RuneSelf {
				i++
				if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
					continue
				}
				b = append(b, s[start:i-1]...)
				switch c {
				case '\\', '"':
					b = append(b, '\\', c)
				case '\b':
					b = append(b, '\\', 'b')
				case '\f':
					b = append(b, '\\', 'f')
				case '\n':
					b = append(b, '\\', 'n')
				case '\r':
					b = append(b, '\\', 'r')
				case '\t':
					b = append(b, '\\', 't')
				default:
					b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
				}
				start = i
				continue
			}
			r, size := utf8.DecodeRuneInString(s[i:])
			switch {
			case r == utf8.RuneError && size == 1:
				b = append(b, s[start:i]...)
				b = append(b, `\ufffd`...)
			case r == '\u2028' || r == '\u2029':
				b = append(b, s[start:i]...)
				b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			default:
				i += size
				continue
			}
			i += size
			start = i
		}
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// skipPlain is the index from i of the first word of 8 bytes of s that is not plain, or of
// the last bytes, fewer than 8. A plain word has no byte appendString must look at: a control
// character (below 0x20), '"', '\\', '<', '>', '&', or a byte of a character beyond ASCII
// (0x80 and up). Each test is the classic "has a byte less than n / equal to c" of a word,
// exact about whether there is one, though not about where; they are written out here, in
// the loop, where a function for them would not be inlined.
func skipPlain(s string, i int) int {
	for ; i+8 <= len(s); i += 8 {
		x := *(*uint64)(unsafe.Pointer(unsafe.StringData(s[i:])))
		if x&highs != 0 {
			break
		}
		q, a, l, g, bs := x^(ones*'"'), x^(ones*'&'), x^(ones*'<'), x^(ones*'>'), x^(ones*'\\')
		found := (x - ones*0x20) &^ x
		found |= (q - ones) &^ q
		found |= (a - ones) &^ a
		found |= (l - ones) &^ l
		found |= (g - ones) &^ g
		found |= (bs - ones) &^ bs
		if found&highs != 0 {
			break
		}
	}
	return i
}

const hexDigits = "0123456789abcdef"
