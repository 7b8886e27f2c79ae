package evaluator

import "fmt"

// Date is a calendar day as the number yyyymmdd, so that days compare as numbers.
// The zero Date means "no start" (always); openEnd means a record that does not end.
type Date int32

const openEnd Date = 99991231

// parseDate reads YYYY-MM-DD and checks that the day exists.
func parseDate(s string) (Date, bool) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return 0, false
	}
	n := 0
	for i := 0; i < 10; i++ {
		if i == 4 || i == 7 {
			continue
		}
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	y, m, d := n/10000, n/100%100, n%100
	if y < 1 || m < 1 || m > 12 || d < 1 || d > daysIn(y, m) {
		return 0, false
	}
	return Date(n), true
}

func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

func (d Date) String() string {
	if d == 0 || d == openEnd {
		return ""
	}
	return fmt.Sprintf("%04d-%02d-%02d", d/10000, d/100%100, d%100)
}

// activeOn reports whether a record from start (inclusive) to end (exclusive) is active on day
// (SPEC §1).
func activeOn(start, end, day Date) bool { return start <= day && day < end }
