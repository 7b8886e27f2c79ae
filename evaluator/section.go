package evaluator

// EffectiveSection is the section that governs a page (SPEC §3) and where it comes from: the
// page that owns it, which of that page's sections it is, and the inheritance hops that chose
// it, in a coordinator's words. The web client shows it on the page tree.
type EffectiveSection struct {
	Page  string `json:"page"`
	Kind  string `json:"kind"`
	Title string `json:"title,omitempty"`
	// Owner is the page whose section governs Page (Page itself when it has security of its
	// own); Section is "security" or the default kind, as SPEC §7 names sections.
	Owner      string `json:"owner"`
	OwnerTitle string `json:"owner_title,omitempty"`
	Section    string `json:"section"`
	// Live is true when the section is a default section that governs the page directly: a
	// change to it changes this page at once (SPEC §3).
	Live bool `json:"live"`
	// FixedRule is true under a performance report: the rule of SPEC §4.6 decides and the
	// entries below do not apply.
	FixedRule bool `json:"fixed_rule"`
	// Entries are the section's entries in their snapshot order.
	Entries []Entry `json:"entries"`
	// From is the inheritance hop by hop, as the reasons of a check word it.
	From string `json:"from"`
}

// Entry is one entry of a section: a principal, a role and the kinds it may create.
type Entry struct {
	Principal string   `json:"principal"`
	Role      string   `json:"role"`
	Create    []string `json:"create"`
}

// Section answers which section governs the page with the given id and where it comes from
// (SPEC §3). It reads the section the model resolved at load, the one every decision uses,
// and words the hops as the reasons of Check do; an unknown page is unknown_reference.
func (m *Model) Section(page string) (*EffectiveSection, error) {
	x, ok := m.pageIndex(page)
	if !ok {
		return nil, requestErr(CodeUnknownReference, "no page has the id %q", page)
	}
	P := &m.pages[x]
	owner := &m.pages[P.secOwner]
	ex := &explainer{m: m}
	ex.section(x)
	out := &EffectiveSection{
		Page: P.src.ID, Kind: P.kind.String(), Title: P.src.Title,
		Owner: owner.src.ID, OwnerTitle: owner.src.Title,
		Section:   sectionName(P.secKind),
		Live:      P.secKind != kindInvalid,
		FixedRule: P.perf,
		Entries:   []Entry{},
		From:      ex.reasons[0].Message,
	}
	if P.perf {
		out.From = "a performance report follows a fixed rule: only the given individual and those they report to (and above) may read it; no entry applies. " + out.From
	}
	if P.sec != nil {
		for _, e := range P.sec.entries {
			create := e.text.create
			if create == nil {
				create = []string{}
			}
			out.Entries = append(out.Entries, Entry{Principal: e.text.principal, Role: e.role.String(), Create: create})
		}
	}
	return out, nil
}
