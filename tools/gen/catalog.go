package gen

// Static material of the generator: the kind table of SPEC §3, the business function
// catalog, agency names and the small word lists that names and titles are drawn from.

// childKinds is the "children" column of SPEC §3; item is allowed under every kind.
var childKinds = map[string][]string{
	"organization":           {"org_metric", "org_dialog", "project", "org_commitment", "department", "individual", "item"},
	"department":             {"dept_metric", "dept_dialog", "project", "dept_commitment", "item"},
	"project":                {"project_metric", "project_task", "project_dialog", "item"},
	"individual":             {"individual_metric", "personal_task", "basic_role", "individual_dialog", "individual_commitment", "development_goal", "performance_report", "item"},
	"org_metric":             {"item"},
	"dept_metric":            {"item"},
	"project_metric":         {"item"},
	"individual_metric":      {"item"},
	"org_dialog":             {"org_dialog_task", "item"},
	"dept_dialog":            {"dept_dialog_task", "item"},
	"project_dialog":         {"project_dialog_task", "item"},
	"individual_dialog":      {"individual_dialog_task", "item"},
	"basic_role":             {"basic_role_task", "item"},
	"org_dialog_task":        {"item"},
	"dept_dialog_task":       {"item"},
	"project_dialog_task":    {"item"},
	"individual_dialog_task": {"item"},
	"basic_role_task":        {"item"},
	"project_task":           {"item"},
	"personal_task":          {"item"},
	"org_commitment":         {"item"},
	"dept_commitment":        {"item"},
	"individual_commitment":  {"item"},
	"development_goal":       {"item"},
	"performance_report":     {"item"},
	"item":                   {"item"},
}

// defaultKinds lists, per kind with own security, the kinds that may have a default
// section on a page of that kind (SPEC §3). Metrics have own security but no such kinds.
var defaultKinds = map[string][]string{
	"organization": {"org_metric", "org_dialog", "org_dialog_task", "project", "org_commitment", "department", "individual"},
	"department":   {"dept_metric", "dept_dialog", "dept_dialog_task", "project", "dept_commitment"},
	"project":      {"project_metric", "project_task", "project_dialog", "project_dialog_task"},
	"individual":   {"individual_metric", "personal_task", "basic_role", "basic_role_task", "individual_dialog", "individual_dialog_task", "individual_commitment", "development_goal"},
}

// ownSecurity tells the kinds that carry a `security` section (SPEC §3).
var ownSecurity = map[string]bool{
	"organization": true, "department": true, "project": true, "individual": true,
	"org_metric": true, "dept_metric": true, "project_metric": true, "individual_metric": true,
}

// prefixOf maps the four containers to the prefix of their metric and dialog kinds.
var prefixOf = map[string]string{
	"organization": "org", "department": "dept", "project": "project", "individual": "individual",
}

// relativePrincipals are the principals of SPEC §4.2 that take no argument.
var relativePrincipals = []string{
	"everyone", "org_editor", "org_leader", "dept_member", "dept_editor", "dept_leader",
	"metric_owner", "person_responsible", "given_individual", "reports_to", "reports_to_above",
	"project_sponsor", "project_leader", "project_member", "project_consultant",
}

var roles = []string{"reader", "editor", "full", "denied", "not_set"}

type fnDef struct {
	code, name, build string
	restricted        bool
	attrs             [][3]string // name, capability, scope
	tasks             []string
	suggestFns        []string
	suggestSpecs      []string
}

var builds = []buildJSON{
	{ID: "B24.1", Date: "2026-04-13", Notes: "Spring build: case planning and intake functions"},
	{ID: "B24.2", Date: "2026-10-05", Notes: "Fall build: case transfer, kinship and statewide reporting"},
}

var catalog = []fnDef{
	{code: "CASE_VIEW", name: "Case View", build: "B24.1",
		attrs: [][3]string{{"Unit Case View", "case.view", "unit"}, {"Agency Person Search", "person.search", "agency"}},
		tasks: []string{"View cases of the unit", "Search for persons"}},
	{code: "CASE_VIEW_AGY", name: "Agency Case View", build: "B24.1",
		attrs: [][3]string{{"Agency Case View", "case.view", "agency"}},
		tasks: []string{"View every case of the agency"}},
	{code: "CASE_MAINT", name: "Case Maintain", build: "B24.1",
		attrs: [][3]string{{"Unit Case Maintain", "case.maintain", "unit"}, {"Unit Case View", "case.view", "unit"}},
		tasks: []string{"Record progress notes", "Maintain case composition"}},
	{code: "CASE_PLANNER", name: "Case Planner", build: "B24.1",
		attrs: [][3]string{{"Own Case Maintain", "case.maintain", "self"}, {"Unit Case View", "case.view", "unit"}},
		tasks: []string{"Maintain the cases assigned to the worker", "Complete FASPs"}},
	{code: "SUPERVISOR", name: "Case Supervisor", build: "B24.1",
		attrs: [][3]string{{"Unit Case View", "case.view", "unit"}, {"Unit Case Maintain", "case.maintain", "unit"}, {"Unit Reports", "report.view", "unit"}},
		tasks: []string{"Approve case work", "Assign cases within the unit"}},
	{code: "INTAKE", name: "Intake Worker", build: "B24.1",
		attrs: [][3]string{{"Unit Intake Maintain", "intake.maintain", "unit"}, {"Agency Person Search", "person.search", "agency"}},
		tasks: []string{"Record intakes", "Search for persons"}},
	{code: "INTAKE_SUPV", name: "Intake Supervisor", build: "B24.1",
		attrs: [][3]string{{"Agency Intake Maintain", "intake.maintain", "agency"}, {"Unit Reports", "report.view", "unit"}},
		tasks: []string{"Approve intakes", "Route intakes to units"}},
	{code: "PERSON_SEARCH", name: "Person Search", build: "B24.1",
		attrs: [][3]string{{"Agency Person Search", "person.search", "agency"}},
		tasks: []string{"Search for persons in the agency"}},
	{code: "PERSON_SEARCH_SYS", name: "Statewide Person Search", build: "B24.1", restricted: true,
		attrs: [][3]string{{"Statewide Person Search", "person.search", "system"}},
		tasks: []string{"Search for persons statewide"}},
	{code: "REPORT_UNIT", name: "Unit Reports", build: "B24.1",
		attrs: [][3]string{{"Unit Reports", "report.view", "unit"}},
		tasks: []string{"Run unit caseload reports"}},
	{code: "REPORT_AGY", name: "Agency Reports", build: "B24.1",
		attrs: [][3]string{{"Agency Reports", "report.view", "agency"}},
		tasks: []string{"Run agency reports"}},
	{code: "SEC_VIEW", name: "Security View", build: "B24.1",
		attrs: [][3]string{{"Agency Staff Security View", "security.view", "agency"}},
		tasks: []string{"View staff security"}},
	{code: "SEC_SELF", name: "Own Security View", build: "B24.1",
		attrs: [][3]string{{"Own Security View", "security.view", "self"}},
		tasks: []string{"View own business function profile"}},
	{code: "MAINT_SEC", name: "Maintain Security", build: "B24.1",
		attrs: [][3]string{{"Agency Staff Security Maintain", "security.maintain", "agency"}, {"Agency Staff Security View", "security.view", "agency"}},
		tasks: []string{"Maintain staff security", "Designate unit approvers"}},
	{code: "FC_WORKER", name: "Foster Care Worker", build: "B24.1",
		attrs: [][3]string{{"Unit Case Maintain", "case.maintain", "unit"}, {"Unit Case View", "case.view", "unit"}},
		tasks: []string{"Maintain placements", "Record visits"}},
	{code: "ADOPT_WORKER", name: "Adoption Worker", build: "B24.1",
		attrs: [][3]string{{"Unit Case Maintain", "case.maintain", "unit"}, {"Agency Case View", "case.view", "agency"}},
		tasks: []string{"Maintain adoption cases", "Record adoption subsidies"}},
	{code: "PREV_WORKER", name: "Preventive Services Worker", build: "B24.1",
		attrs: [][3]string{{"Unit Case Maintain", "case.maintain", "unit"}},
		tasks: []string{"Maintain preventive services cases"}},
	{code: "CPS_SENSITIVE", name: "CPS Sensitive Case Access", build: "B24.1", restricted: true,
		attrs: [][3]string{{"Agency Sensitive Case View", "case.view", "agency"}},
		tasks: []string{"View sensitive CPS investigations"}},
	{code: "STATE_ADMIN", name: "State Administration", build: "B24.1", restricted: true,
		attrs: [][3]string{{"Statewide Security Maintain", "security.maintain", "system"}, {"Statewide Security View", "security.view", "system"}, {"Statewide Case View", "case.view", "system"}},
		tasks: []string{"Administer security statewide"}},
	{code: "CASE_TRANSFER", name: "Case Transfer", build: "B24.2",
		attrs:      [][3]string{{"Agency Case Maintain", "case.maintain", "agency"}},
		tasks:      []string{"Transfer cases between units"},
		suggestFns: []string{"SUPERVISOR", "INTAKE_SUPV"}},
	{code: "KINSHIP", name: "Kinship Navigator", build: "B24.2",
		attrs:        [][3]string{{"Unit Case View", "case.view", "unit"}, {"Agency Person Search", "person.search", "agency"}},
		tasks:        []string{"Record kinship resources"},
		suggestSpecs: []string{"Foster Care", "Preventive"}},
	{code: "REPORT_SYS", name: "Statewide Reports", build: "B24.2", restricted: true,
		attrs:      [][3]string{{"Statewide Reports", "report.view", "system"}},
		tasks:      []string{"Run statewide reports"},
		suggestFns: []string{"REPORT_AGY"}, suggestSpecs: []string{"Administration"}},
}

// Unit specializations and how their units are named.
type specDef struct{ name, abbrev, unitName string }

var specs = []specDef{
	{"Administration", "adm", "Administration"},
	{"CPS", "cps", "CPS Investigations"},
	{"Foster Care", "fc", "Foster Care"},
	{"Adoption", "adopt", "Adoption"},
	{"Preventive", "prev", "Preventive Services"},
	{"Intake", "int", "Intake"},
}

// voluntarySpecs are the specializations of a voluntary agency's units: no CPS
// investigations and no intake, which are the districts' work.
var voluntarySpecs = []specDef{specs[0], specs[2], specs[3], specs[4]}

// functions held by the workers of a unit, by specialization.
var specFunctions = map[string][]string{
	"Administration": {"REPORT_AGY", "SEC_VIEW", "CASE_VIEW_AGY"},
	"CPS":            {"CASE_VIEW", "CASE_MAINT", "PERSON_SEARCH"},
	"Foster Care":    {"FC_WORKER", "CASE_VIEW", "CASE_PLANNER"},
	"Adoption":       {"ADOPT_WORKER", "CASE_VIEW"},
	"Preventive":     {"PREV_WORKER", "CASE_VIEW", "CASE_PLANNER"},
	"Intake":         {"INTAKE", "PERSON_SEARCH"},
}

var agencyNames = [][2]string{
	{"alb", "Albany County DSS"}, {"all", "Allegany County DSS"}, {"bro", "Broome County DSS"},
	{"cat", "Cattaraugus County DSS"}, {"cay", "Cayuga County DSS"}, {"cha", "Chautauqua County DSS"},
	{"che", "Chemung County DSS"}, {"chn", "Chenango County DSS"}, {"cli", "Clinton County DSS"},
	{"col", "Columbia County DSS"}, {"cor", "Cortland County DSS"}, {"del", "Delaware County DSS"},
	{"dut", "Dutchess County DSS"}, {"eri", "Erie County DSS"}, {"ess", "Essex County DSS"},
	{"fra", "Franklin County DSS"}, {"ful", "Fulton County DSS"}, {"gen", "Genesee County DSS"},
	{"gre", "Greene County DSS"}, {"ham", "Hamilton County DSS"}, {"her", "Herkimer County DSS"},
	{"jef", "Jefferson County DSS"}, {"lew", "Lewis County DSS"}, {"liv", "Livingston County DSS"},
	{"mad", "Madison County DSS"}, {"mon", "Monroe County DSS"}, {"mnt", "Montgomery County DSS"},
	{"nas", "Nassau County DSS"}, {"nia", "Niagara County DSS"}, {"one", "Oneida County DSS"},
	{"ono", "Onondaga County DSS"}, {"ont", "Ontario County DSS"}, {"ora", "Orange County DSS"},
	{"orl", "Orleans County DSS"}, {"osw", "Oswego County DSS"}, {"ots", "Otsego County DSS"},
	{"put", "Putnam County DSS"}, {"ren", "Rensselaer County DSS"}, {"roc", "Rockland County DSS"},
	{"sar", "Saratoga County DSS"}, {"sch", "Schenectady County DSS"}, {"sco", "Schoharie County DSS"},
	{"sen", "Seneca County DSS"}, {"stl", "St. Lawrence County DSS"}, {"ste", "Steuben County DSS"},
	{"suf", "Suffolk County DSS"}, {"sul", "Sullivan County DSS"}, {"tio", "Tioga County DSS"},
	{"tom", "Tompkins County DSS"}, {"uls", "Ulster County DSS"}, {"war", "Warren County DSS"},
	{"was", "Washington County DSS"}, {"way", "Wayne County DSS"}, {"wes", "Westchester County DSS"},
	{"wyo", "Wyoming County DSS"}, {"yat", "Yates County DSS"}, {"nyc", "NYC Administration for Children's Services"},
}

var firstNames = []string{
	"Dana", "Alex", "Maria", "James", "Linda", "Robert", "Patricia", "Michael", "Jennifer", "David",
	"Elizabeth", "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Charles",
	"Karen", "Daniel", "Nancy", "Matthew", "Lisa", "Anthony", "Betty", "Mark", "Sandra", "Steven",
	"Ashley", "Paul", "Kimberly", "Andrew", "Emily", "Joshua", "Donna", "Kevin", "Michelle", "Brian",
	"Carmen", "Luis", "Aisha", "Wei", "Priya", "Omar", "Keisha", "Tyrone", "Rosa", "Jamal",
}

var lastNames = []string{
	"Brown", "Smith", "Johnson", "Williams", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
	"Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin",
	"Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson",
	"Walker", "Young", "Allen", "King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores",
	"O'Brien", "Kowalski", "Van Buren", "Chen", "Patel", "Okafor", "Rivera", "Campbell", "Mitchell", "Carter",
}

var groupNames = [][2]string{
	{"vendors", "Vendors"}, {"trainers", "Trainers"}, {"legal", "Legal Staff"},
	{"qa", "Quality Assurance"}, {"court", "Family Court Liaisons"}, {"nurses", "Nurses"},
	{"contract", "Contract Agency Staff"}, {"interns", "Interns"}, {"oncall", "After-Hours On Call"},
}

// Titles of pages, by kind family.
var titleWords = map[string][]string{
	"project":            {"Permanency Roundtable", "Caseload Reduction", "Kinship Outreach", "Records Digitization", "Family Engagement", "Safety Assessment Pilot", "Court Report Timeliness", "Training Refresh", "Youth Aging Out", "Trauma-Informed Practice"},
	"metric":             {"Timeliness of Investigations", "Monthly Caseload", "Visits Completed", "Placement Stability", "Permanency within 12 Months", "Overdue Progress Notes", "Safety Assessments on Time", "Staff Turnover"},
	"dialog":             {"Weekly Check-in", "Supervision Conference", "Case Review", "Team Huddle", "Quarterly Review", "Staff Meeting"},
	"task":               {"Prepare court report", "Update safety plan", "Schedule home visit", "Review case notes", "Complete training module", "Follow up with school", "Close stale intakes", "Update contact list"},
	"commitment":         {"Reduce overdue progress notes", "Complete all FASPs on time", "Monthly home visits for every child", "Same-day intake response", "Quarterly file reviews"},
	"development_goal":   {"Complete supervisor training", "Attend motivational interviewing workshop", "Shadow a court liaison", "Earn CASAC credential", "Lead a case conference"},
	"basic_role":         {"Caseworker", "Case Planner", "Supervisor", "Intake Worker", "Homefinder", "Case Aide"},
	"performance_report": {"Performance Evaluation", "Probationary Evaluation", "Annual Review"},
	"item":               {"Related link: OCFS policy", "Attachment", "Meeting notes", "Related link: training calendar", "Checklist", "Scanned form"},
}
