# connsec — the two commands a new machine needs are `make run` and `make test`.
GO ?= go
EXAMPLE := fixtures/example/snapshot.json

.PHONY: run test test-go test-peers test-wasm wasm vet bench bench-peers fuzz site test-site serve-site

## run: the CLI over the example snapshot — its lint findings and staff security report.
run:
	$(GO) run ./tools/connsec lint --snapshot $(EXAMPLE)
	$(GO) run ./tools/connsec report --snapshot $(EXAMPLE) --agency ag-alb
	$(GO) run ./tools/connsec report --snapshot $(EXAMPLE) --agency ag-sta

## test: everything (vet, Go tests with every scenario file, the CLI over the corpus).
test: vet test-go test-peers test-wasm test-site
	$(GO) run ./tools/connsec validate fixtures/scenarios/*.json

vet:
	$(GO) vet ./...
	@test -z "$$(gofmt -l evaluator tools fixtures)" || { echo "gofmt needed:"; gofmt -l evaluator tools fixtures; exit 1; }

test-go:
	$(GO) test -count=1 ./...

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

## bench: benchmarks on the example and the generated 5,000-staff / 50,000-page snapshot.
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./evaluator/

## fuzz: the loader fuzz target for ten minutes (FUZZTIME=30s for a short run), then the
## what-if exactness test on 300 random batches per seed.
FUZZTIME ?= 10m
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzLoad$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 3s ./evaluator/
	CONNSEC_WHATIF_BATCHES=300 $(GO) test -count=1 -run '^TestWhatIfExact$$' -timeout 30m ./evaluator/

## bench-peers: the same requests through connsec and cedar-go, with the ratio.
bench-peers:
	$(GO) -C tools/peers test -p 1 -run '^$$' -bench BenchmarkPeers -count 3 .

## site: the browser workbench, site/, with what it is built from: the module, Go's
## wasm_exec.js, and the bundled examples (the example snapshot and every scenario file).
site: wasm
	cp $(WASM) site/connsec.wasm
	cp "$$($(GO) env GOROOT)/lib/wasm/wasm_exec.js" site/wasm_exec.js
	rm -rf site/examples && mkdir -p site/examples/example site/examples/scenarios
	cp $(EXAMPLE) site/examples/example/snapshot.json
	cp fixtures/scenarios/*.json site/examples/scenarios/
	node site/tools/examples.mjs site/examples

## test-site: the workbench in headless Chromium (installs Chromium and playwright-core when missing).
test-site: site
	test -x /usr/bin/chromium || apt-get install -y chromium
	test -d site/node_modules/playwright-core || (cd site && npm ci --no-audit --no-fund)
	node --test --test-concurrency=1 site/test/*.test.mjs

## serve-site: the workbench on http://localhost:8080 (any static host serves site/ as well).
serve-site: site
	node site/tools/serve.mjs site 8080
