package peers

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/cedar-policy/cedar-go"
	"github.com/cedar-policy/cedar-go/types"
)

// basePolicies are the rules of SPEC §4 that do not depend on the snapshot's catalog.
const basePolicies = `// SPEC §4.1 step 3: administrators (with an active Person ID) may do everything.
@id("administrator")
permit (principal, action, resource)
when { principal.admin };

// Steps 5–7: the applying entries' highest role, or the creator's implicit full access while
// they are active staff of the page's agency (§4.4).
@id("read")
permit (principal is User, action == Action::"read", resource is Page)
when {
  principal.staff &&
  (principal in resource.read ||
   (resource.creators.contains(principal) && principal.agencies.contains(resource.agency)))
};

@id("edit")
permit (principal is User, action == Action::"edit", resource is Page)
when {
  principal.staff &&
  (principal in resource.edit ||
   (resource.creators.contains(principal) && principal.agencies.contains(resource.agency)))
};

// Step 8: manage_security is decided on the page that owns the governing section (a page
// with own security owns its own).
@id("manage_security")
permit (principal is User, action == Action::"manage_security", resource is Page)
when {
  principal.staff &&
  (principal in resource.owner.full ||
   (resource.owner.creators.contains(principal) &&
    principal.agencies.contains(resource.owner.agency)))
};

// Step 5: a denied entry overrides everything else, the creator too.
// (principal.staff only keeps the diagnostics faithful: steps 2–4 come first.)
@id("denied")
forbid (principal, action, resource is Page)
when { principal.staff && action != Action::"manage_security" && principal in resource.denied }
unless { principal.admin };

@id("denied_on_owner")
forbid (principal, action == Action::"manage_security", resource is Page)
when { principal.staff && principal in resource.owner.denied }
unless { principal.admin };

// §4.6: a performance report (and the items below it) is read by the given individual and
// their reports-to-and-above, and by nobody else; no other action.
@id("performance_report")
permit (principal is User, action == Action::"read", resource is Report)
when { principal.staff && principal in resource.readers };
`

// levelPolicy exposes step 6's level "full" on any page, which no connsec action asks on a
// page without own security (its manage_security is decided on the owner). It is kept out
// of the decision policies (Policies) and used only to compare connsec's level.
const levelPolicy = `
@id("level:full")
permit (principal is User, action == Action::"level:full", resource is Page)
when {
  principal.staff &&
  (principal in resource.full ||
   (resource.creators.contains(principal) && principal.agencies.contains(resource.agency)))
};
`

// policyText is the whole policy set: the base rules, one create rule per kind (step 7:
// create rights are the union of the applying entries' create lists, the creator's full
// access carries none) and one rule per capability (§4.5: a function's scope covers the
// target).
func policyText(capabilities []string) string {
	var b strings.Builder
	b.WriteString(basePolicies)
	kinds := map[string]bool{}
	for _, cs := range ChildKinds {
		for _, k := range cs {
			kinds[k] = true
		}
	}
	for _, k := range sortedKeys(kinds) {
		q := strconv.Quote(k)
		fmt.Fprintf(&b, `
@id(%s)
permit (principal is User, action == Action::%s, resource is Page)
when { principal.staff && resource.hasTag(%s) && principal in resource.getTag(%s) };
`, strconv.Quote("create:"+k), strconv.Quote("create:"+k), q, q)
	}
	for _, c := range capabilities {
		q := strconv.Quote(c)
		fmt.Fprintf(&b, `
@id(%s)
permit (principal is User, action == Action::%s, resource)
when { principal.staff && principal.hasTag(%s) && resource in principal.getTag(%s) };
`, strconv.Quote("capability:"+c), q, q, q)
	}
	return b.String()
}

// newPolicySet parses the policies and names each by its @id annotation, so that Cedar's
// diagnostics say which rule decided.
func newPolicySet(text string) (*cedar.PolicySet, error) {
	list, err := cedar.NewPolicyListFromBytes("connsec.cedar", []byte(text))
	if err != nil {
		return nil, fmt.Errorf("peers: the policies do not parse: %w", err)
	}
	ps := cedar.NewPolicySet()
	for _, p := range list {
		id := p.Annotations()["id"]
		if id == "" || !ps.Add(cedar.PolicyID(id), p) {
			return nil, fmt.Errorf("peers: policy at %v has a missing or repeated @id", p.Position())
		}
	}
	return ps, nil
}

// PolicyText is the Cedar source of the translation's policies.
func (t *Translation) PolicyText() string { return policyText(t.Capabilities) }

// Request turns a connsec request (subject, action, typed resource) into a Cedar request.
// It does not judge whether connsec would call the request an error; see Valid.
func (t *Translation) Request(subject, action, resource string) (cedar.Request, error) {
	typ, id, ok := strings.Cut(resource, ":")
	if !ok {
		return cedar.Request{}, fmt.Errorf("peers: resource %q has no type", resource)
	}
	var r types.EntityUID
	switch typ {
	case "page":
		if t.reports[id] {
			r = uid("Report", id)
		} else {
			r = uid("Page", id)
		}
	case "agency":
		r = uid("Agency", id)
	case "unit":
		r = uid("Unit", id)
	case "person":
		r = uid("Person", id)
	default:
		return cedar.Request{}, fmt.Errorf("peers: resource type %q is unknown", typ)
	}
	return cedar.Request{Principal: uid("User", subject), Action: uid("Action", action), Resource: r}, nil
}

// Decide asks Cedar. An evaluation error in a policy is reported: the translation should
// never produce one.
func (t *Translation) Decide(subject, action, resource string) (bool, error) {
	ok, _, err := t.DecideWhy(subject, action, resource)
	return ok, err
}

// DecideWhy is Decide with the ids of the policies that decided (the forbids on a deny by
// forbid, the permits on an allow).
func (t *Translation) DecideWhy(subject, action, resource string) (bool, []string, error) {
	req, err := t.Request(subject, action, resource)
	if err != nil {
		return false, nil, err
	}
	ps := t.Policies
	if action == "level:full" {
		ps = t.levelPolicies
	}
	d, diag := ps.IsAuthorized(t.Entities, req)
	if len(diag.Errors) > 0 {
		return false, nil, fmt.Errorf("peers: cedar: %v", diag.Errors)
	}
	why := make([]string, len(diag.Reasons))
	for i, r := range diag.Reasons {
		why[i] = string(r.PolicyID)
	}
	sort.Strings(why)
	return d == cedar.Allow, why, nil
}

// Valid says whether connsec should answer the request rather than refuse it as an error
// (SPEC §4.1 step 1): known person and resource, a page action on a page, create:<kind>
// only for a kind that can sit under the page, a capability on a non-page target.
func (t *Translation) Valid(subject, action, resource string) bool {
	if _, ok := t.w.people[subject]; !ok {
		return false
	}
	typ, id, _ := strings.Cut(resource, ":")
	pageAction := action == "read" || action == "edit" || action == "manage_security" || strings.HasPrefix(action, "create:")
	switch typ {
	case "page":
		r := t.w.pages[id]
		if r == nil || !pageAction {
			return false
		}
		if k, ok := strings.CutPrefix(action, "create:"); ok {
			return slices.Contains(childKinds(r.Kind), k)
		}
		return true
	case "agency", "unit", "person":
		if pageAction || action == "" {
			return false
		}
		_, ok := t.Entities[uidFor(typ, id)]
		return ok
	}
	return false
}

func uidFor(typ, id string) types.EntityUID {
	return uid(strings.ToUpper(typ[:1])+typ[1:], id)
}
