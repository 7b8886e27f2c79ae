# connsec — the two commands a new machine needs are `make run` and `make test`.
GO ?= go
EXAMPLE := fixtures/example/snapshot.json

.PHONY: run test test-go test-peers test-wasm test-worker test-site wasm worker worker-deps site serve-site vet bench bench-memory bench-peers bench-edge fuzz

## run: the workbench and the API in workerd (wrangler dev) on http://127.0.0.1:8787, with the
## example snapshot seeded and tokens printed. Ctrl-C stops it.
run: site worker worker-deps
	node wasm/worker/dev.mjs

## test: everything (vet, Go tests with every scenario file, the CLI over the corpus, the
## module under Node, the worker in workerd, the workbench in headless Chromium).
test: vet test-go test-peers test-wasm test-worker test-site
	$(GO) run ./tools/connsec validate fixtures/scenarios/*.json

vet:
	$(GO) vet ./...
	@test -z "$$(gofmt -l evaluator tools fixtures wasm)" || { echo "gofmt needed:"; gofmt -l evaluator tools fixtures wasm; exit 1; }

test-go:
	$(GO) test -count=1 ./...
	$(GO) test -race -count=1 -run 'Writers|Objects|TwoAgencies' ./wasm/edge/

## test-peers: connsec and Cedar (cedar-go) decide alike (tools/peers, its own module).
test-peers:
	$(GO) -C tools/peers vet ./...
	$(GO) -C tools/peers test -p 1 -count=1 ./...

## wasm: the evaluator for JavaScript (browser and Node), wasm/build/connsec.wasm.
WASM := wasm/build/connsec.wasm
wasm:
	mkdir -p wasm/build
	GOOS=js GOARCH=wasm $(GO) build -trimpath -ldflags="-s -w" -o $(WASM) ./wasm
	@echo "$(WASM): $$(wc -c < $(WASM)) bytes, $$(gzip -9 -c $(WASM) | wc -c) gzip"

## test-wasm: every scenario file through the module under Node equals the native result.
test-wasm: wasm
	node --test wasm/test/

## worker: the edge's Go module (syumai/workers) and its JavaScript glue, in wasm/worker/build.
WORKER := wasm/worker
worker:
	mkdir -p $(WORKER)/build
	$(GO) run github.com/syumai/workers/cmd/workers-assets-gen -mode=go -o $(WORKER)/build
	GOOS=js GOARCH=wasm $(GO) build -trimpath -ldflags="-s -w" -o $(WORKER)/build/app.wasm ./wasm/worker
	@echo "$(WORKER)/build/app.wasm: $$(wc -c < $(WORKER)/build/app.wasm) bytes, $$(gzip -9 -c $(WORKER)/build/app.wasm | wc -c) gzip"

## worker-deps: wrangler and workerd from the committed lock file (npm ci), when missing or stale.
worker-deps: $(WORKER)/node_modules/.package-lock.json
$(WORKER)/node_modules/.package-lock.json: $(WORKER)/package-lock.json
	cd $(WORKER) && npm ci --no-audit --no-fund
	@touch $@

## test-worker: the worker in real workerd: the AuthZEN conformance corpus, who may call, bad
## bodies, concurrent edits with a restart in the middle; the writers' objects stopped between
## the claim protocol's steps, and two hires of one person at once; the export streamed against
## the native bytes; then identity-provider tokens against a local JWKS server (one wrangler at a time).
test-worker: worker worker-deps
	node --test --test-concurrency=1 $(WORKER)/test/edge.test.mjs $(WORKER)/test/objects.test.mjs $(WORKER)/test/shards.test.mjs $(WORKER)/test/export.test.mjs $(WORKER)/test/parts.test.mjs $(WORKER)/test/jwks.test.mjs

## bench-edge: the edge figures: wasm size, the reader isolate's memory (GET /v1/readers) on
## 40 agencies, check latency in workerd against a plain JavaScript worker, the state profile
## (410 agencies seeded in parts: cold and warm checks of the largest and a small agency, edits
## of 40 agencies at once against one, every object's memory), accepted edits per second
## (EDITS, CHECKS, STATE_EDITS, SKIP_LARGE=1, SKIP_STATE=1 to tune; READERS_ONLY=1 stops after
## the memory; STATE_ONLY=1 measures only the state profile; AGENCY_EDITS_ONLY=1 measures only
## edits of 8 agencies' objects at once against one alone).
bench-edge: worker worker-deps
	node $(WORKER)/test/figures.mjs

## bench: benchmarks on the example and the generated 5,000-staff / 50,000-page snapshot, then
## the WebAssembly memory figure (bench-memory).
bench: bench-memory
	$(GO) test -run '^$$' -bench . -benchmem ./evaluator/

## bench-memory: the module's WebAssembly.Memory size under Node after load, lint, what(person)
## and a propagation what-if, as a reader and as a writer, on the example, the generated
## 5,000/50,000 snapshot and the largest agency (`connsec gen --profile largest`: 6,000 staff, 60,000 pages).
BENCH_SNAPS := wasm/build/bench
bench-memory: wasm
	mkdir -p $(BENCH_SNAPS)
	$(GO) run ./tools/connsec gen --agencies 10 --staff 5000 --pages 50000 --seed 1 --out $(BENCH_SNAPS)/5000x50000.json
	$(GO) run ./tools/connsec gen --profile largest --out $(BENCH_SNAPS)/largest.json
	node wasm/bench/memory.mjs $(EXAMPLE) example
	node wasm/bench/memory.mjs $(BENCH_SNAPS)/5000x50000.json 5000x50000
	node wasm/bench/memory.mjs $(BENCH_SNAPS)/largest.json largest

## fuzz: the loader fuzz target for ten minutes (FUZZTIME=30s for a short run), the document
## index against gjson's ForEach, then the what-if exactness test on 300 random batches per
## seed, then the edge API's bodies.
FUZZTIME ?= 10m
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzLoad$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 3s ./evaluator/
	$(GO) test -run '^$$' -fuzz '^FuzzDocIndex$$' -fuzztime $(FUZZTIME) ./evaluator/
	CONNSEC_WHATIF_BATCHES=300 $(GO) test -count=1 -run '^TestWhatIfExact$$' -timeout 30m ./evaluator/
	$(GO) test -run '^$$' -fuzz '^FuzzRequests$$' -fuzztime $(FUZZTIME) ./wasm/edge/

## bench-peers: the same requests through connsec and cedar-go, with the ratio, on the example,
## the 5,000/50,000 snapshot, the largest agency and the state profile (a few minutes); connsec
## by request (Allowed) and prepared once (Prepare, AllowedPrepared).
bench-peers:
	$(GO) -C tools/peers test -p 1 -run '^$$' -bench BenchmarkPeers -count 3 .

## site: the browser workbench, site/, with what it is built from: the module, Go's
## wasm_exec.js, the bundled examples (the example snapshot and every scenario file), and the
## rules reference for Help.
site: wasm
	cp $(WASM) site/connsec.wasm
	cp evaluator/RULES.md site/rules.md
	cp "$$($(GO) env GOROOT)/lib/wasm/wasm_exec.js" site/wasm_exec.js
	rm -rf site/examples && mkdir -p site/examples/example site/examples/scenarios
	cp $(EXAMPLE) site/examples/example/snapshot.json
	cp fixtures/scenarios/*.json site/examples/scenarios/
	node site/tools/examples.mjs site/examples

## test-site: the workbench in headless Chromium (installs Chromium and playwright-core when missing).
test-site: site worker worker-deps
	test -x /usr/bin/chromium || { apt-get update -q && apt-get install -y -q chromium; }
	test site/node_modules/.package-lock.json -nt site/package-lock.json || (cd site && npm ci --no-audit --no-fund)
	node --test --test-concurrency=1 site/test/*.test.mjs

## serve-site: the workbench on http://localhost:8080 (any static host serves site/ as well).
serve-site: site
	node site/tools/serve.mjs site 8080
