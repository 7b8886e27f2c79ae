package evaluator

import (
	"fmt"
	"strings"
)

// Codes of refusals and request errors (SPEC §2 and §5).
const (
	CodeInvalidSnapshot  = "invalid_snapshot"
	CodeDuplicateID      = "duplicate_id"
	CodeUnknownReference = "unknown_reference"
	CodeInvalidParent    = "invalid_parent"
	CodeCycle            = "cycle"
	CodeInvalidValue     = "invalid_value"
)

// Problem is one thing wrong with a document, at a JSON path (SPEC §2).
type Problem struct {
	Code    string `json:"code"`
	Path    string `json:"path"`
	Message string `json:"message"`
}

func (p Problem) String() string {
	if p.Path == "" {
		return p.Code + ": " + p.Message
	}
	return p.Path + ": " + p.Code + ": " + p.Message
}

// SnapshotError refuses a snapshot as a whole, listing every problem found.
type SnapshotError struct {
	Problems []Problem `json:"problems"`
}

func (e *SnapshotError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "the snapshot was refused (%d problem", len(e.Problems))
	if len(e.Problems) != 1 {
		b.WriteString("s")
	}
	b.WriteString(")")
	for i, p := range e.Problems {
		if i == 10 {
			fmt.Fprintf(&b, "\n  … and %d more", len(e.Problems)-10)
			break
		}
		b.WriteString("\n  ")
		b.WriteString(p.String())
	}
	return b.String()
}

// RequestError is a question that cannot be answered (an unknown person or page, an action
// that does not fit the resource). It is not a deny (SPEC §4.1 step 1).
type RequestError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (e *RequestError) Error() string { return e.Code + ": " + e.Message }

func requestErr(code, format string, args ...any) *RequestError {
	return &RequestError{Code: code, Message: fmt.Sprintf(format, args...)}
}
