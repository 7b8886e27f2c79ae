// Every guided form of the what-if, filled in as a coordinator would on the example, makes
// edits the evaluator accepts (acted by an administrator, who may make any of them); each is
// then undone. A form that shaped its edit wrongly would be refused and fail here.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { open, openExample } from "./browser.mjs";

// op → [field, value] in form order; entries are left as the form prefills them
const cases = {
  add_staff: [["agency", "ag-alb"], ["person", "p-9001"], ["name", "Alex New"], ["nt_account", "anew"]],
  hire: [["agency", "ag-alb"], ["name", "Alex Hire"], ["nt_account", "ahire"], ["unit", "u-alb-cpsi1"], ["functions", ["INTAKE"]]],
  move_staff: [["agency", "ag-alb"], ["person", "p-1011"], ["unit", "u-alb-fc1"]],
  move_agency: [["from", "ag-alb"], ["person", "p-1011"], ["agency", "ag-sta"], ["unit", "u-sta-fc"]],
  end_date_staff: [["agency", "ag-alb"], ["person", "p-1011"]],
  set_person_id: [["person", "p-1025"], ["status", "disabled"]],
  reinstate_staff: [["agency", "ag-alb"], ["person", "p-1026"]],
  assign_functions: [["agency", "ag-alb"], ["person", "p-1011"], ["functions", ["QRTP_ASSESSMENT"]]],
  remove_functions: [["agency", "ag-alb"], ["person", "p-1011"], ["functions", ["INTAKE"]]],
  add_out_assignment: [["agency", "ag-alb"], ["person", "p-1011"], ["unit", "u-alb-fc2"], ["end", "2027-01-15"]],
  end_out_assignment: [["agency", "ag-alb"], ["person", "p-1012"], ["unit", "u-alb-cpsinv"]],
  set_reports_to: [["agency", "ag-alb"], ["person", "p-1011"], ["managers", "p-1010"]],
  create_unit: [["agency", "ag-alb"], ["unit.id", "u-alb-new"], ["unit.name", "Kinship"], ["unit.specialization", "Kinship"]],
  set_unit_specialization: [["agency", "ag-alb"], ["unit", "u-alb-fc1"], ["specialization", "Foster Care"]],
  set_unit_approver: [["agency", "ag-alb"], ["unit", "u-alb-fc2"], ["approver", "p-1041"]],
  set_unit_roles: [["agency", "ag-alb"], ["unit", "u-alb-fc1"], ["editors", "p-1031"], ["leaders", "p-1030"]],
  consolidate_units: [["agency", "ag-alb"], ["from", "u-alb-fc2"], ["into", "u-alb-fc1"]],
  delete_unit: [["agency", "ag-sta"], ["unit", "u-sta-il"]],
  establish_coordinator: [["agency", "ag-alb"], ["person", "p-1001"], ["role", "backup"]],
  remove_coordinator: [["agency", "ag-alb"], ["person", "p-1005"]],
  handover: [["agency", "ag-alb"], ["new", "p-1001"], ["old", "p-1003"]],
  record_security_review: [["agency", "ag-alb"], ["note", "Reviewed with the unit approvers"]],
  set_org_roles: [["agency", "ag-alb"], ["editors", "p-1008, p-1003"], ["leaders", "p-1001"]],
  create_group: [["agency", "ag-alb"], ["group.id", "g-alb-new"], ["group.name", "Trainers"], ["group.members", "p-1011"]],
  set_group_members: [["agency", "ag-alb"], ["group", "g-alb-qa"], ["members", "p-1008"]],
  delete_group: [["agency", "ag-alb"], ["group", "g-alb-court"]],
  create_page: [["page.parent", "pg-alb-org"], ["page.kind", "org_commitment"], ["page.id", "pg-alb-new"], ["page.title", "Safe at home"]],
  delete_page: [["page", "pg-alb-item-policy"]],
  set_page_people: [["page", "pg-alb-met-timely"], ["owners", "p-1006, p-1001"]],
  set_security: [["page", "pg-alb-met-timely"]],
  set_default_security: [["page", "pg-alb-org"], ["kind", "org_dialog"]],
  propagate_defaults: [["page", "pg-alb-org"], ["kind", "org_metric"]],
  set_site_defaults: [["kind", "department"], ["template", '{"security": [{"principal": "everyone", "role": "reader"}]}']],
  create_agency: [["agency.id", "ag-new"], ["agency.name", "New County DSS"], ["org_page.id", "pg-new-org"], ["org_page.title", "New County DSS"]],
  import_build: [["build.id", "B99"], ["build.date", "2026-12-01"], ["functions", '[{"code": "NEW_FN", "name": "New function", "build": "B99", "tasks": ["New work"], "attributes": []}]']],
  raw: [["edit", '{"op": "move_staff", "agency": "ag-alb", "person": "p-1011", "unit": "u-alb-adopt"}']],
};

let b, page;
before(async () => {
  b = await open();
  page = b.page;
  await openExample(page);
  await page.click("#tab-whatif");
  await page.fill("#actor", "p-admin");
  await page.dispatchEvent("#actor", "change");
});
after(async () => { await b?.close(); });

test("every process of SPEC §5 has a form", async () => {
  const ops = await page.$$eval("#op-choose option", (o) => o.map((x) => x.value).filter(Boolean));
  assert.deepEqual(ops.sort(), Object.keys(cases).sort());
});

for (const [op, fields] of Object.entries(cases)) {
  test(`form ${op}: the evaluator accepts what it makes`, async () => {
    await page.selectOption("#op-choose", op);
    for (const [name, value] of fields) {
      const el = page.locator(`#op-form [data-field="${name}"]`);
      const tag = await el.evaluate((e) => e.tagName);
      if (tag === "SELECT") await el.selectOption(value);
      else await el.fill(value);
      await el.dispatchEvent("change");
    }
    await page.click("#op-add");
    const refusal = await page.textContent("#refusal");
    assert.equal(refusal, "", `refused: ${refusal}`);
    const n = Number(await page.textContent("#batch-count"));
    assert.ok(n >= 1, "nothing was queued");
    if (op === "set_default_security") await b.shot("form-default-security");
    for (let i = n - 1; i >= 0; i--) await page.click(`[data-undo='${i}']`);
    assert.equal(await page.textContent("#queue"), "No edits queued.");
  });
}
