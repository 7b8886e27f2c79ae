// Package evaluator answers CONNECTIONS security questions from a snapshot: may this person
// read, edit, manage the security of or create under this page, or use this capability on
// this agency, unit or person, and why; what a batch of coordinator edits would change; what
// lint finds. A Model is loaded once (Load), never changed in place, and every surface (the
// CLI, the WebAssembly module, the edge API) calls the same methods.
//
// The rules it implements are stated in RULES.md next to this file, each decision rule with
// an example that rules_doc_test.go runs. Comments here cite its sections: "SPEC §4.1 step 7"
// and "§4.1 step 7 of the rules" both mean step 7 of section 4.1 there.
package evaluator
