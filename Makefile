# rescuegrid: build, test, lint, bench, run.  `make` (or `make help`) lists the targets.

SHELL       := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

GO       ?= go
# Shared read-only data (beside the repo in CI). Tests get it as an absolute path
# in RESCUEGRID_SHARED, since go test runs each package in its own directory.
SHARED   ?= ../shared
SHARED_ABS := $(abspath $(SHARED))
OUT      ?= out
# The bundled sample `make run` and `make report` use: andorra (English) or
# shenzhen (深圳南山, in Chinese): make run SAMPLE=shenzhen
SAMPLE   ?= andorra
SAMPLE_LANG_shenzhen := zh-CN
SAMPLE_LANG := $(or $(SAMPLE_LANG_$(SAMPLE)),en)
FUZZTIME ?= 20s
VERSION  := $(shell git describe --always --dirty 2>/dev/null || echo dev)

BIN      := bin/rescuegrid
DEB_PKGS := libgeos-dev
SUDO     := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# Project-local tools. staticcheck v0.8.2 (2026.2.2) builds and runs with Go 1.26.
TOOLS_BIN          := $(CURDIR)/.tools/bin
STATICCHECK_VERSION ?= v0.8.2
STATICCHECK        := $(TOOLS_BIN)/staticcheck-$(STATICCHECK_VERSION)
# golangci-lint (import rules of the layering, errcheck, errorlint, bodyclose;
# .golangci.yml), from the Go module proxy like staticcheck.
GOLANGCI_VERSION   ?= v2.15.0
GOLANGCI           := $(TOOLS_BIN)/golangci-lint-$(GOLANGCI_VERSION)

# Python for the notebooks and the real-client tests (pyarrow), pinned in
# notebooks/requirements.txt; Debian's Chromium for the browser tests.
VENV     := .venv
PY       ?= python3.11
CHROMIUM ?= /usr/bin/chromium

# Environment for go test / bench / fuzz: GOEXPERIMENT unset (no cgocheck2: too slow),
# shared data passed in. RESCUEGRID_REQUIRE_TOOLS=1: a test whose GDAL, Chromium, npm
# packages or Python is missing fails (in a plain `go test ./...` it skips; internal/testenv).
TEST_ENV := env -u GOEXPERIMENT RESCUEGRID_SHARED="$(SHARED_ABS)" \
  RESCUEGRID_PYTHON="$(CURDIR)/$(VENV)/bin/python" RESCUEGRID_CHROMIUM="$(CHROMIUM)" \
  RESCUEGRID_REQUIRE_TOOLS=1


.PHONY: help deps build test test-short test-reliability test-batch lint bench bench-go bench-studies bench-peers run report fuzz clean

help: ## list the targets
	@echo "usage: make <target> [SHARED=../shared] [OUT=out] [FUZZTIME=20s]"
	@echo
	@grep -E '^[a-zA-Z_-]+:.*## ' $(firstword $(MAKEFILE_LIST)) | \
	  awk 'BEGIN {FS = ":.*## "} {printf "  %-12s %s\n", $$1, $$2}'

deps: ## install missing Debian packages (libgeos-dev) and Go modules
	@missing=""; \
	for p in $(DEB_PKGS); do \
	  dpkg -s "$$p" 2>/dev/null | grep -q '^Status: install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "deps: installing$$missing"; \
	  $(SUDO) apt-get update; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $$missing; \
	fi
	@$(GO) mod download

build: deps web ## build bin/rescuegrid with the version stamped (web map bundled)
	@mkdir -p bin
	$(GO) build -ldflags "-X main.version=$(VERSION)" -o $(BIN) ./cmd/rescuegrid

# make test runs every package's tests once, in one of two lists:
# - under the race detector, the packages whose own code or tests are
#   concurrent: go statements, sync, sync/atomic, internal/par, errgroup
#   (RACE_RE, grepped in each package's .go files; a new package that starts
#   goroutines joins this list by itself);
# - without it, the rest, and the heavy real-data suites of TEST_NO_RACE,
#   whose concurrency is that of the packages above, raced in their own tests
#   (-race made cmd/rescuegrid take 211 s and bench 155 s; internal/batch,
#   whole studies split and merged, passed go test's 10-minute limit under
#   it: its concurrent path, the shards' retries and concurrent reruns,
#   runs under -race on its own, TEST_RACE_ONLY).
# TEST_LISTS sets race and plain, and stops unless together they are
# `go list ./...`, each package once (`make test-lists` prints them).
TEST_NO_RACE := ./bench ./cmd/rescuegrid ./internal/reliability ./internal/batch
TEST_RACE_ONLY := -run '^TestShardRetryIsIdempotent$$' ./internal/batch
RACE_RE      := (^|[^A-Za-z0-9_.])go (func|[A-Za-z_][A-Za-z0-9_.]*\()|"sync"|"sync/atomic"|/internal/par"|errgroup"
define TEST_LISTS
all=$$($(GO) list ./...); heavy=$$($(GO) list $(TEST_NO_RACE)); race=; plain=; \
for p in $$($(GO) list -f '{{.ImportPath}}={{.Dir}}' ./...); do \
  pkg=$${p%%=*}; dir=$${p#*=}; \
  if printf '%s\n' $$heavy | grep -qxF "$$pkg"; then plain="$$plain $$pkg"; \
  elif grep -qE '$(RACE_RE)' "$$dir"/*.go; then race="$$race $$pkg"; \
  else plain="$$plain $$pkg"; fi; \
done; \
[ "$$(printf '%s\n' $$race $$plain | sort)" = "$$(printf '%s\n' $$all | sort)" ] || \
  { echo "test lists: -race ($$race) and plain ($$plain) are not go list ./... each once"; exit 1; }
endef

.PHONY: test-lists
test-lists: ## the packages make test runs under -race and without it
	@$(TEST_LISTS); \
	echo "go test -race ($$(printf '%s\n' $$race | wc -l) packages):"; printf '  %s\n' $$race; \
	echo "go test ($$(printf '%s\n' $$plain | wc -l) packages):"; printf '  %s\n' $$plain

test: deps tiles-deps py-deps browser-deps web web-check-deps ## lint, go test (-race where concurrent: make test-lists), then the notebooks (what CI runs)
	$(MAKE) --no-print-directory lint
	@$(TEST_LISTS); st=0; \
	echo "go test -race -count=1 ($$(printf '%s\n' $$race | wc -l) packages)"; \
	$(TEST_ENV) $(GO) test -race -count=1 $$race || st=1; \
	echo "go test -count=1 ($$(printf '%s\n' $$plain | wc -l) packages)"; \
	$(TEST_ENV) $(GO) test -count=1 $$plain || st=1; \
	echo "go test -race -count=1 $(TEST_RACE_ONLY)"; \
	$(TEST_ENV) $(GO) test -race -count=1 $(TEST_RACE_ONLY) || st=1; \
	exit $$st
	$(MAKE) --no-print-directory notebooks-check

test-batch: deps ## every region and split of batch's merge tests (make test runs a subset: one split per feature and region that checks something new)
	$(TEST_ENV) $(GO) test -count=1 -timeout 60m ./internal/batch -full

test-short: deps tiles-deps py-deps browser-deps web web-check-deps ## go vet, then go test -short (-race where concurrent)
	$(GO) vet ./...
	@$(TEST_LISTS); st=0; \
	$(TEST_ENV) $(GO) test -race -count=1 -short $$race || st=1; \
	$(TEST_ENV) $(GO) test -count=1 -short $$plain || st=1; \
	exit $$st

test-reliability: deps ## the whole reliability suite: write faults and kills at every point, bad inputs, signals, the service's abuse test
	$(TEST_ENV) $(GO) test -count=1 ./internal/outdir
	$(TEST_ENV) $(GO) test -count=1 -timeout 30m -v ./internal/reliability -full | grep -E '^(=== RUN|--- |\s+\S+_test.go:|ok|FAIL|PASS)'
	@$(TEST_ENV) $(GO) test -list '^TestAbuse' ./internal/httpapi/ | grep -q '^TestAbuse' || \
	  { echo "test-reliability: no TestAbuse test in internal/httpapi (the service's abuse test) to run"; exit 1; }
	$(TEST_ENV) $(GO) test -count=1 -run '^TestAbuse' ./internal/httpapi/ -abuse-full

$(STATICCHECK):
	@mkdir -p $(TOOLS_BIN)
	GOBIN=$(TOOLS_BIN) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)
	mv $(TOOLS_BIN)/staticcheck $@

$(GOLANGCI):
	@mkdir -p $(TOOLS_BIN)
	GOBIN=$(TOOLS_BIN) $(GO) install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_VERSION)
	mv $(TOOLS_BIN)/golangci-lint $@

lint: deps $(STATICCHECK) $(GOLANGCI) ## gofmt -l, go vet, staticcheck, golangci-lint (.golangci.yml), go mod tidy leaves nothing to change
	@files=$$(find . -name '*.go' -not -path './.git/*' -not -path './.tools/*' \
	  -not -path './bench/out/*' -not -path '*/testdata/*' -not -path './vendor/*'); \
	if [ -n "$$files" ]; then \
	  bad=$$(gofmt -l $$files); \
	  if [ -n "$$bad" ]; then echo "gofmt: these files need gofmt -w:"; echo "$$bad"; exit 1; fi; \
	fi
	$(GO) vet ./...
	$(STATICCHECK) ./...
	$(GOLANGCI) run ./...
	@$(GO) mod tidy -diff || { echo "go mod tidy would change go.mod/go.sum (diff above): run go mod tidy"; exit 1; }

bench: ## bench-go, bench-studies, bench-peers, then bench-engines (all figures from this machine, same run)
	@$(MAKE) --no-print-directory bench-go
	@$(MAKE) --no-print-directory bench-studies
	@$(MAKE) --no-print-directory bench-peers
	@$(MAKE) --no-print-directory bench-engines

# The engine against scipy (the harness's venv, newest release) and OSRM's CH
# table (osrm-bindings from PyPI; its wheel needs Python 3.12), same graph or
# same places, one after the other: bench/out/engines/.
ENGINES_OUT := bench/out/engines
PEERS_PY    ?= /opt/rescuegrid-peers-venv/bin/python
PY312       ?= $(firstword $(wildcard $(HOME)/.pyenv/versions/3.12*/bin/python) python3.12)
OSRM_VENV   := bench/out/.venv-osrm
OSRM_PKG     = $(OSRM_VENV)/lib/python3.12/site-packages/osrm
.PHONY: bench-engines
bench-engines: deps ## hierarchy, PHAST, RPHAST vs Dijkstra, scipy and OSRM (CPU time per op beside wall time)
	@mkdir -p $(ENGINES_OUT)
	$(TEST_ENV) $(GO) test ./bench -count=1 -run '^TestWriteEngineInputs$$' -engine-inputs "$(CURDIR)/$(ENGINES_OUT)"
	$(TEST_ENV) $(GO) test ./bench -run '^$$' -cpu 1 -count 5 -benchtime 20x \
	  -bench 'MultiSource/Malta/NoLimit1core|SingleSource/Malta/NoLimit|TableTargets' | tee $(ENGINES_OUT)/go.txt
	$(TEST_ENV) $(GO) test ./bench -run '^$$' -cpu 1 -count 3 -benchtime 3x -bench 'Table_Malta' | tee -a $(ENGINES_OUT)/go.txt
	$(TEST_ENV) $(GO) test ./bench -run '^$$' -count 2 -benchtime 2x -bench 'Contract|SitingMatrix_Malta' | tee -a $(ENGINES_OUT)/go.txt
	@[ -x "$(PEERS_PY)" ] || { echo "bench-engines: no $(PEERS_PY): run ../shared/reference/harness/install.sh (or set PEERS_PY)"; exit 2; }
	$(PEERS_PY) bench/engines/scipy_multisource.py $(ENGINES_OUT)/malta.csr | tee $(ENGINES_OUT)/scipy.txt
	@[ -x $(OSRM_VENV)/bin/python ] || $(PY312) -m venv $(OSRM_VENV)
	@$(OSRM_VENV)/bin/pip install --quiet --disable-pip-version-check osrm-bindings==26.10.0
	cp $(SHARED_ABS)/data/malta/malta-latest.osm.pbf $(ENGINES_OUT)/malta.osm.pbf
	$(OSRM_PKG)/bin/osrm-extract -p $(OSRM_PKG)/share/profiles/car.lua -t 2 $(ENGINES_OUT)/malta.osm.pbf > $(ENGINES_OUT)/osrm-extract.log
	$(OSRM_PKG)/bin/osrm-contract -t 2 $(ENGINES_OUT)/malta.osrm > $(ENGINES_OUT)/osrm-contract.log
	$(OSRM_VENV)/bin/python bench/engines/osrm_table.py $(ENGINES_OUT)/malta.osrm \
	  $(ENGINES_OUT)/table-sources.csv $(ENGINES_OUT)/table-targets.csv | tee $(ENGINES_OUT)/osrm.txt
	@$(MAKE) --no-print-directory bench-valhalla

# Valhalla (pyvalhalla from PyPI; its wheel needs Python 3.12) on the same
# extract: the server's isochrone at the same points and its matrix for the
# table's places (bench/engines/valhalla.sh), after bench-engines' inputs.
VALHALLA_VENV := bench/out/.venv-valhalla
.PHONY: bench-valhalla
bench-valhalla: build ## Valhalla's isochrone and matrix beside rescuegrid's on Malta (bench/out/engines/valhalla.txt)
	@[ -f $(ENGINES_OUT)/table-sources.csv ] || $(TEST_ENV) $(GO) test ./bench -count=1 -run '^TestWriteEngineInputs$$' -engine-inputs "$(CURDIR)/$(ENGINES_OUT)"
	@[ -x $(VALHALLA_VENV)/bin/python ] || $(PY312) -m venv $(VALHALLA_VENV)
	@$(VALHALLA_VENV)/bin/pip install --quiet --disable-pip-version-check pyvalhalla==3.9.1
	$(TEST_ENV) bench/engines/valhalla.sh $(ENGINES_OUT) $(VALHALLA_VENV) $(BIN) bench/studies/malta.yaml | tee $(ENGINES_OUT)/valhalla.txt

bench-studies: build ## whole studies (sample, Porto Alegre, Malta; RESCUEGRID_SHARED=SHARED): seconds and peak memory into bench/out/studies.txt
	@mkdir -p bench/out
	@: > bench/out/studies.txt
	@for s in data/sample/andorra/study.yaml bench/studies/porto-alegre.yaml bench/studies/malta.yaml; do \
	  echo "== $$s" | tee -a bench/out/studies.txt; \
	  RESCUEGRID_SHARED="$(SHARED_ABS)" $(BIN) analyze $$s --out bench/out/study-$$(basename $$(dirname $$s))-$$(basename $$s .yaml) | tail -1 | tee -a bench/out/studies.txt; \
	done

bench-go: deps ## Go benchmarks into bench/out/go-bench.txt
	@mkdir -p bench/out
	$(TEST_ENV) $(GO) test -run='^$$' -bench=. -benchmem -count=5 ./... | tee bench/out/go-bench.txt

bench-peers: ## peer tools (scipy, igraph, networkx, pgRouting) into bench/out/peers/
	SHARED="$(SHARED_ABS)" bench/run.sh

run: build ## a bundled sample (SAMPLE=andorra, or SAMPLE=shenzhen in Chinese): coverage study, into OUT=out
	@mkdir -p $(OUT)
	$(BIN) --lang $(SAMPLE_LANG) analyze data/sample/$(SAMPLE)/study.yaml --out $(OUT)/$(SAMPLE)
	@echo "tables (Arrow, GeoParquet, CSV, GeoJSON) and summary.json in $(OUT)/$(SAMPLE)/"

report: build ## the sample's HTML report (SAMPLE=…) with a siting of new stations, into OUT/SAMPLE-report.html
	@mkdir -p $(OUT)
	$(BIN) --quiet analyze data/sample/$(SAMPLE)/study.yaml --out $(OUT)/$(SAMPLE)
	$(BIN) --quiet site data/sample/$(SAMPLE)/study.yaml --add $(if $(filter shenzhen,$(SAMPLE)),2,5) --out $(OUT)/$(SAMPLE)-sites
	$(BIN) --lang $(SAMPLE_LANG) report $(OUT)/$(SAMPLE) --siting $(OUT)/$(SAMPLE)-sites --out $(OUT)/$(SAMPLE)-report.html

fuzz: deps ## run every Fuzz target for FUZZTIME (default 20s) each
	@pkgs=$$($(GO) list ./...); \
	for pkg in $$pkgs; do \
	  list=$$($(TEST_ENV) $(GO) test -list 'Fuzz.*' "$$pkg"); \
	  names=$$(printf '%s\n' "$$list" | grep -E '^Fuzz' || true); \
	  for name in $$names; do \
	    echo "== fuzz $$pkg $$name ($(FUZZTIME))"; \
	    $(TEST_ENV) $(GO) test -run='^$$' -fuzz="^$$name\$$" -fuzztime=$(FUZZTIME) "$$pkg"; \
	  done; \
	done

clean: ## remove bin/, the OUT folder and bench/out/ (keeps .tools/)
	rm -rf bin $(OUT) bench/out

# PySAL access (2SFCA, E2SFCA) against rescuegrid on Porto Alegre's shelters.
ACCESS_VENV := bench/out/.venv-access
ACCESS_PY   ?= python3.11

.PHONY: bench-access
bench-access: deps ## 2SFCA/E2SFCA against PySAL access on Porto Alegre (virtualenv in bench/out/.venv-access)
	@mkdir -p bench/out
	@if [ ! -x $(ACCESS_VENV)/bin/python ]; then $(ACCESS_PY) -m venv $(ACCESS_VENV); fi
	@$(ACCESS_VENV)/bin/pip install --quiet --disable-pip-version-check -r bench/access/requirements.txt
	$(TEST_ENV) $(GO) test -count=1 -run '^TestShelterPortoAlegre$$' ./bench -access-export "$(CURDIR)/bench/out/access"
	$(ACCESS_VENV)/bin/python bench/access/compare.py bench/out/access/short_term bench/out/access/long_term

# Real-client checks of data/tiles (go test ./data/tiles needs them and fails,
# naming this target, without them): GDAL's ogrinfo/ogr2ogr from Debian's
# gdal-bin, and the npm decoders pinned in data/tiles/js/package-lock.json
# (@mapbox/vector-tile, pbf, pmtiles: 1.8 MB, no install scripts).
TILES_JS := data/tiles/js

.PHONY: tiles-deps
tiles-deps: ## install gdal-bin and the npm tile decoders (data/tiles/js) for the tile tests
	@missing=""; \
	dpkg -s gdal-bin 2>/dev/null | grep -q '^Status: install ok installed' || missing="$$missing gdal-bin"; \
	command -v node >/dev/null 2>&1 || missing="$$missing nodejs"; \
	command -v npm >/dev/null 2>&1 || missing="$$missing npm"; \
	if [ -n "$$missing" ]; then \
	  echo "tiles-deps: installing$$missing"; \
	  $(SUDO) apt-get update; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $$missing; \
	fi
	@if [ ! -f $(TILES_JS)/node_modules/.package-lock.json ] || \
	    [ $(TILES_JS)/package-lock.json -nt $(TILES_JS)/node_modules/.package-lock.json ]; then \
	  echo "tiles-deps: npm ci in $(TILES_JS)"; \
	  cd $(TILES_JS) && npm ci --no-audit --no-fund --ignore-scripts; \
	fi

# PySAL spopt (exact MCLP, LSCP, p-median with PuLP's bundled CBC) against
# rescuegrid's siting (greedy + swap, bounds) on Andorra.
SPOPT_VENV := bench/out/.venv-spopt
SPOPT_PY   ?= python3.11

.PHONY: bench-spopt
bench-spopt: deps ## siting against PySAL spopt's exact MCLP/LSCP/p-median on Andorra (virtualenv in bench/out/.venv-spopt)
	@mkdir -p bench/out
	@if [ ! -x $(SPOPT_VENV)/bin/python ]; then $(SPOPT_PY) -m venv $(SPOPT_VENV); fi
	@$(SPOPT_VENV)/bin/pip install --quiet --disable-pip-version-check -r bench/spopt/requirements.txt
	$(TEST_ENV) $(GO) test -count=1 -run '^TestSitingAndorra$$' ./bench -siting-export "$(CURDIR)/bench/out/spopt"
	$(SPOPT_VENV)/bin/python bench/spopt/compare.py bench/out/spopt | tee bench/out/spopt.txt

.PHONY: py-deps browser-deps
py-deps: $(VENV)/.installed ## Python virtualenv .venv with the pinned notebook and client packages

$(VENV)/.installed: notebooks/requirements.txt
	@if [ ! -x $(VENV)/bin/python ]; then $(PY) -m venv $(VENV); fi
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r notebooks/requirements.txt
	@touch $@

# The analysts' notebooks (notebooks/README.md), run top to bottom in fresh
# kernels by notebooks/run.py with notebooks/ as the working directory.
NB_ENV := env -u GOEXPERIMENT RESCUEGRID_SHARED="$(SHARED_ABS)"

.PHONY: notebooks notebooks-check
notebooks: build py-deps ## run the notebooks and store them with their outputs (charts as PNG)
	$(NB_ENV) $(VENV)/bin/python notebooks/run.py

notebooks-check: build py-deps ## run the notebooks into a temporary folder, tracked files untouched (CI)
	$(NB_ENV) $(VENV)/bin/python notebooks/run.py --check

browser-deps: ## install Debian's chromium (and a CJK font for the report screenshots) for the headless browser tests
	@missing=""; \
	[ -x $(CHROMIUM) ] || missing="$$missing chromium"; \
	dpkg -s fonts-wqy-microhei 2>/dev/null | grep -q '^Status: install ok installed' || missing="$$missing fonts-wqy-microhei"; \
	if [ -n "$$missing" ]; then \
	  echo "browser-deps: installing$$missing"; \
	  $(SUDO) apt-get update; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $$missing; \
	fi

# The web map: MapLibre GL JS pinned in data/webmap/js/package-lock.json (all that
# running needs); the library is copied into data/webmap/static/vendor, which
# go:embed bundles into the binary. The headless-Chromium check of the tests
# (playwright-core) is pinned apart in data/webmap/check (make web-check-deps).
WEB_JS     := data/webmap/js
WEB_VENDOR := data/webmap/static/vendor
WEB_CHECK  := data/webmap/check

.PHONY: web
web: ## npm ci the web map's packages and bundle MapLibre GL JS into the binary's page
	@command -v npm >/dev/null 2>&1 || { $(SUDO) apt-get update; $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nodejs npm; }
	@if [ ! -f $(WEB_JS)/node_modules/.package-lock.json ] || \
	    [ $(WEB_JS)/package-lock.json -nt $(WEB_JS)/node_modules/.package-lock.json ]; then \
	  echo "web: npm ci in $(WEB_JS)"; \
	  cd $(WEB_JS) && npm ci --no-audit --no-fund --ignore-scripts; \
	fi
	@mkdir -p $(WEB_VENDOR)
	@cp -p $(WEB_JS)/node_modules/maplibre-gl/dist/maplibre-gl.js $(WEB_JS)/node_modules/maplibre-gl/dist/maplibre-gl.css \
	  $(WEB_JS)/node_modules/maplibre-gl/LICENSE.txt $(WEB_VENDOR)/

.PHONY: web-check-deps
web-check-deps: ## npm ci playwright-core for the web map's headless-Chromium tests (data/webmap/check)
	@command -v npm >/dev/null 2>&1 || { $(SUDO) apt-get update; $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nodejs npm; }
	@if [ ! -f $(WEB_CHECK)/node_modules/.package-lock.json ] || \
	    [ $(WEB_CHECK)/package-lock.json -nt $(WEB_CHECK)/node_modules/.package-lock.json ]; then \
	  echo "web-check-deps: npm ci in $(WEB_CHECK)"; \
	  cd $(WEB_CHECK) && npm ci --no-audit --no-fund --ignore-scripts; \
	fi

.PHONY: bench-load
bench-load: build ## load test of serve on loopback (tiles at 1000/s, isochrones at 20/s) into bench/out/load.txt
	@mkdir -p bench/out
	$(GO) run ./bench/load -bin $(BIN) -duration 10s | tee bench/out/load.txt

.PHONY: image-check batch-speedup
image-check: deps ## (root) the Containerfile's runtime stage built with debootstrap; a batch plan run in it, chrooted, equals the host's run (not part of make test)
	bench/image-check.sh $(IMAGE_WORK)

batch-speedup: ## batch run-local with 1 and 2 workers on Porto's real roads (RESCUEGRID_SHARED=SHARED): wall and CPU seconds per worker count
	bench/batch-speedup.sh $(SPEEDUP_WORK)
