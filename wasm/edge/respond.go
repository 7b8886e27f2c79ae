package edge

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"

	"github.com/connsec/connsec/evaluator"
)

// Problem is the body of every answer that is not a success (SPEC §10): a code a program can
// test, a message a coordinator can read, and for a refused edit batch where it failed.
type Problem struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Path    string `json:"path,omitempty"`
	Index   *int   `json:"index,omitempty"`
	// Could names, on a 403 not_authorized edit, the people who could make it.
	Could []evaluator.SuggestionActor `json:"could,omitempty"`
}

// httpError is a Problem on its way out, with its HTTP status.
type httpError struct {
	status int
	Problem
}

func (e *httpError) Error() string { return e.Message }

func fail(status int, code, format string, args ...any) *httpError {
	return &httpError{status: status, Problem: Problem{Code: code, Message: fmt.Sprintf(format, args...)}}
}

// Codes of the edge's own refusals, besides the evaluator's.
const (
	codeBadRequest      = "bad_request"
	codeUnauthenticated = "unauthenticated"
	codeForbidden       = "forbidden"
	codeTooLarge        = "too_large"
	codeNotFound        = "not_found"
	codeMethod          = "method_not_allowed"
	codeFailed          = "failed"
	codeNotSeeded       = "no_snapshot"
	codeVersionAhead    = "version_not_reached"
	codeSearchChanged   = "search_changed"
	codeKeyReused       = "idempotency_key_reused"
	codeMediaType       = "unsupported_media_type"
)

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status, body = http.StatusInternalServerError, []byte(`{"error":{"code":"failed","message":"the answer could not be written as JSON"}}`)
	}
	writeBody(w, status, "application/json", body)
}

func writeBody(w http.ResponseWriter, status int, contentType string, body []byte) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	w.Write(body)
}

func writeError(w http.ResponseWriter, err error) {
	var he *httpError
	if !errors.As(err, &he) {
		he = asHTTPError(err)
	}
	writeJSON(w, he.status, map[string]any{"error": he.Problem})
}

// asHTTPError words the evaluator's errors for HTTP: a question that cannot be answered is
// 400, an edit refused for who is asking is 403, any other refused edit 422.
func asHTTPError(err error) *httpError {
	var he *httpError
	var re *evaluator.RequestError
	var ee *evaluator.EditError
	var se *evaluator.SnapshotError
	switch {
	case errors.As(err, &se):
		p := se.Problems[0]
		return &httpError{status: http.StatusUnprocessableEntity, Problem: Problem{Code: p.Code, Path: p.Path, Message: se.Error()}}
	case errors.As(err, &he):
		return he
	case errors.As(err, &re):
		return &httpError{status: http.StatusBadRequest, Problem: Problem{Code: re.Code, Message: re.Message}}
	case errors.As(err, &ee):
		status := http.StatusUnprocessableEntity
		switch ee.Code {
		case evaluator.CodeNotAuthorized:
			status = http.StatusForbidden
		case evaluator.CodeVersionConflict:
			status = http.StatusConflict
		}
		i := ee.Index
		return &httpError{status: status, Problem: Problem{Code: ee.Code, Message: ee.Message, Path: ee.Path, Index: &i, Could: ee.Could}}
	}
	return fail(http.StatusInternalServerError, codeFailed, "%s", err.Error())
}

// readJSON reads a request body of at most limit bytes that must be one JSON value.
// A body sent with a Content-Type other than application/json (any parameters, such as
// charset, allowed) is 415 (SPEC §10); a body sent without one is read as JSON.
func readJSON(r *http.Request, limit int64) ([]byte, error) {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
			return nil, fail(http.StatusUnsupportedMediaType, codeMediaType, "the body must be sent as Content-Type: application/json, not %q", ct)
		}
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return nil, fail(http.StatusBadRequest, codeBadRequest, "the request body could not be read: %v", err)
	}
	if int64(len(body)) > limit {
		return nil, fail(http.StatusRequestEntityTooLarge, codeTooLarge, "the request body is over the limit of %d bytes", limit)
	}
	if len(body) == 0 {
		return nil, fail(http.StatusBadRequest, codeBadRequest, "the request has no body: send a JSON object")
	}
	if err := jsonObject(body); err != nil {
		return nil, fail(http.StatusBadRequest, codeBadRequest, "the body %s", err)
	}
	return body, nil
}

// jsonObject says what is wrong when text is not one JSON object (nil: it is). It is checked
// without building the value (a seed's body is megabytes): decoded into an empty struct.
func jsonObject(text []byte) error {
	if err := json.Unmarshal(text, &struct{}{}); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return errors.New("must be a JSON object")
		}
		return fmt.Errorf("is not valid JSON: %s", jsonWhere(text, err))
	}
	if t := bytes.TrimLeft(text, " \t\r\n"); len(t) == 0 || t[0] != '{' {
		return errors.New("must be a JSON object")
	}
	return nil
}

// jsonWhere says where a JSON syntax error is, as line and column.
func jsonWhere(body []byte, err error) string {
	var se *json.SyntaxError
	if !errors.As(err, &se) {
		return err.Error()
	}
	line, col := 1, 1
	for _, c := range body[:min(int(se.Offset), len(body))] {
		if c == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return fmt.Sprintf("%s at line %d, column %d", se.Error(), line, col)
}
