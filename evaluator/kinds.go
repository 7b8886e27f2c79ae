package evaluator

import "strings"

// kind is a page kind of SPEC §3, interned so that create rights fit in a bit mask.
type kind uint8

const (
	kindInvalid kind = iota
	kindOrganization
	kindDepartment
	kindProject
	kindIndividual
	kindOrgMetric
	kindDeptMetric
	kindProjectMetric
	kindIndividualMetric
	kindOrgDialog
	kindDeptDialog
	kindProjectDialog
	kindIndividualDialog
	kindOrgDialogTask
	kindDeptDialogTask
	kindProjectDialogTask
	kindIndividualDialogTask
	kindBasicRole
	kindBasicRoleTask
	kindProjectTask
	kindPersonalTask
	kindOrgCommitment
	kindDeptCommitment
	kindIndividualCommitment
	kindDevelopmentGoal
	kindPerformanceReport
	kindItem
	kindCount
)

var kindNames = [kindCount]string{
	"", "organization", "department", "project", "individual",
	"org_metric", "dept_metric", "project_metric", "individual_metric",
	"org_dialog", "dept_dialog", "project_dialog", "individual_dialog",
	"org_dialog_task", "dept_dialog_task", "project_dialog_task", "individual_dialog_task",
	"basic_role", "basic_role_task", "project_task", "personal_task",
	"org_commitment", "dept_commitment", "individual_commitment",
	"development_goal", "performance_report", "item",
}

// kindLabels are the words a coordinator reads for each kind.
var kindLabels = [kindCount]string{
	"", "Organization", "Department", "Project", "Individual",
	"Organization Metric", "Department Metric", "Project Metric", "Individual Metric",
	"Organization Dialog", "Department Dialog", "Project Dialog", "Individual Dialog",
	"Organization Dialog Task", "Department Dialog Task", "Project Dialog Task", "Individual Dialog Task",
	"Basic Role", "Basic Role Task", "Project Task", "Personal Task",
	"Organization Commitment", "Department Commitment", "Individual Commitment",
	"Development Goal", "Performance Report", "Item",
}

var kindByName = func() map[string]kind {
	m := make(map[string]kind, kindCount)
	for k := kind(1); k < kindCount; k++ {
		m[kindNames[k]] = k
	}
	return m
}()

func (k kind) String() string { return kindNames[k] }

// Label is the kind as a coordinator names it ("Organization Dialog").
func (k kind) label() string { return kindLabels[k] }

func parseKind(s string) kind { return kindByName[s] }

// kindSet is a set of kinds (create rights, allowed children).
type kindSet uint64

func setOf(ks ...kind) kindSet {
	var s kindSet
	for _, k := range ks {
		s |= 1 << k
	}
	return s
}

func (s kindSet) has(k kind) bool { return s&(1<<k) != 0 }

// names lists the kinds of the set in the order of SPEC §3.
func (s kindSet) names() []string {
	var out []string
	for k := kind(1); k < kindCount; k++ {
		if s.has(k) {
			out = append(out, kindNames[k])
		}
	}
	return out
}

// kindRule is one row of the table in SPEC §3.
type kindRule struct {
	ownSecurity bool
	children    kindSet // item is allowed under every kind and is added below
	defaults    kindSet // the kinds that may have a default section on a page of this kind
}

var kindRules = func() [kindCount]kindRule {
	var r [kindCount]kindRule
	r[kindOrganization] = kindRule{true,
		setOf(kindOrgMetric, kindOrgDialog, kindProject, kindOrgCommitment, kindDepartment, kindIndividual),
		setOf(kindOrgMetric, kindOrgDialog, kindOrgDialogTask, kindProject, kindOrgCommitment, kindDepartment, kindIndividual)}
	r[kindDepartment] = kindRule{true,
		setOf(kindDeptMetric, kindDeptDialog, kindProject, kindDeptCommitment),
		setOf(kindDeptMetric, kindDeptDialog, kindDeptDialogTask, kindProject, kindDeptCommitment)}
	r[kindProject] = kindRule{true,
		setOf(kindProjectMetric, kindProjectTask, kindProjectDialog),
		setOf(kindProjectMetric, kindProjectTask, kindProjectDialog, kindProjectDialogTask)}
	r[kindIndividual] = kindRule{true,
		setOf(kindIndividualMetric, kindPersonalTask, kindBasicRole, kindIndividualDialog, kindIndividualCommitment, kindDevelopmentGoal, kindPerformanceReport),
		setOf(kindIndividualMetric, kindPersonalTask, kindBasicRole, kindBasicRoleTask, kindIndividualDialog, kindIndividualDialogTask, kindIndividualCommitment, kindDevelopmentGoal)}
	for _, k := range []kind{kindOrgMetric, kindDeptMetric, kindProjectMetric, kindIndividualMetric} {
		r[k] = kindRule{ownSecurity: true}
	}
	r[kindOrgDialog].children = setOf(kindOrgDialogTask)
	r[kindDeptDialog].children = setOf(kindDeptDialogTask)
	r[kindProjectDialog].children = setOf(kindProjectDialogTask)
	r[kindIndividualDialog].children = setOf(kindIndividualDialogTask)
	r[kindBasicRole].children = setOf(kindBasicRoleTask)
	for k := kind(1); k < kindCount; k++ {
		r[k].children |= setOf(kindItem)
	}
	return r
}()

func (k kind) ownSecurity() bool { return kindRules[k].ownSecurity }
func (k kind) isMetric() bool {
	return k == kindOrgMetric || k == kindDeptMetric || k == kindProjectMetric || k == kindIndividualMetric
}
func (k kind) isTask() bool {
	switch k {
	case kindOrgDialogTask, kindDeptDialogTask, kindProjectDialogTask, kindIndividualDialogTask,
		kindBasicRoleTask, kindProjectTask, kindPersonalTask:
		return true
	}
	return false
}

// article puts "a" or "an" before a kind name for a message ("an org_dialog", "a department",
// "an Organization Dialog").
func article(word string) string {
	if word != "" && strings.ContainsRune("aeiouAEIOU", rune(word[0])) {
		return "an " + word
	}
	return "a " + word
}
