package evaluator

// record_security_review (§5.10 of the rules): a coordinator of the agency records that its
// CONNECTIONS security was reviewed. The review joins the end of the agency's
// security_reviews as {date: the day judged, by: the actor, version: the version the reviewed
// state had, note}. It changes no access; it resolves the security_review_overdue finding.
func opRecordSecurityReview(e *edit) {
	a := e.agency("agency")
	note := e.text("note", false)
	e.coordinator(a)
	if !e.ok() {
		return
	}
	if rs := e.m.agencies[a].src.Reviews; len(rs) > 0 && rs[len(rs)-1].Date > e.day {
		e.failAt("", CodeInvalidValue, "the latest security review of %s is dated %s, after %s: a review is recorded on or after the one before it", e.m.agencyName(a), rs[len(rs)-1].Date, e.day)
		return
	}
	e.set(agencyPath(a)+".security_reviews.-1", jsonText(reviewJSON{Date: e.day.String(), By: e.m.people[e.actor].src.ID, Version: e.m.snap.Version, Note: note}))
}

// reviewJSON is a security review as the document keeps it.
type reviewJSON struct {
	Date    string `json:"date"`
	By      string `json:"by"`
	Version int64  `json:"version"`
	Note    string `json:"note,omitempty"`
}
