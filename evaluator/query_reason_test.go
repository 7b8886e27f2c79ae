package evaluator_test

import (
	"strings"
	"testing"

	"github.com/connsec/connsec/evaluator"
)

// A who or what row names first the entry that decided the level: in a table whose "Why"
// column is cut short, the coordinator sees what gave the access, not the everyone entry that
// every row shares.
func TestAccessReasonNamesTheDecidingEntryFirst(t *testing.T) {
	m, _ := loadExample(t)
	rows, err := m.Who("read", "page:pg-alb-dep-cpsi1", "")
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, r := range rows {
		if r.Level != "editor" || !strings.Contains(r.Reason, "everyone (reader)") {
			continue
		}
		seen++
		if !strings.Contains(r.Reason[:strings.Index(r.Reason, ";")+1], "(editor)") {
			t.Errorf("%s is an editor, but the row starts with another entry: %s", r.Person, r.Reason)
		}
	}
	if seen == 0 {
		t.Fatal("no editor who also has the everyone entry: the example changed and this test checks nothing")
	}
	what, err := m.What("p-1012", "read", "")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range what {
		if r.Page == "pg-alb-dep-cpsi1" && !strings.HasPrefix(r.Reason, "the entry dept_member (editor)") {
			t.Errorf("what(p-1012) on pg-alb-dep-cpsi1 starts with: %s", r.Reason)
		}
	}
}

// The reason says how a page without security of its own is governed in plain English: "an
// Organization Dialog", not "a Organization Dialog".
func TestReasonArticleBeforeKind(t *testing.T) {
	m, _ := loadExample(t)
	d, err := m.Check(evaluator.Request{Subject: "p-1012", Action: "read", Resource: "page:pg-alb-dlg-mgmt"})
	if err != nil {
		t.Fatal(err)
	}
	var text []string
	for _, r := range d.Reasons {
		text = append(text, r.Message)
	}
	all := strings.Join(text, "\n")
	if !strings.Contains(all, "pg-alb-dlg-mgmt is an Organization Dialog") {
		t.Errorf("the reasons do not say the dialog is an Organization Dialog:\n%s", all)
	}
	if strings.Contains(all, " a Organization") {
		t.Errorf("a reason reads \"a Organization\":\n%s", all)
	}
}
