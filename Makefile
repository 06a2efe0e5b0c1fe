# edge-sso developer commands. `make dev` and `make test` are all a newcomer needs.
.PHONY: lint deploy-check bootstrap build build-example test-library test-browser screenshots dev test test-native test-e2e check-core universal-logout bench fuzz clean org-add org-list

bootstrap:
	@bash scripts/bootstrap.sh

build: bootstrap
	@bash scripts/build.sh

dev: build
	@bash scripts/dev.sh

test: bootstrap check-core lint test-native build build-example test-e2e test-library test-browser

check-core:
	@bash scripts/check-core.sh

# cargo fmt --check and clippy (native and wasm32), warnings as errors.
lint: bootstrap
	@bash scripts/lint.sh

test-native:
	cargo test --lib --locked

test-e2e:
	@bash tests/run-e2e.sh

# The example worker that uses edge-sso as a library (examples/protect-my-worker).
build-example: bootstrap
	@bash scripts/build.sh examples/protect-my-worker

test-library:
	node --test tests/library/*.test.mjs

test-browser: build
	node --test tests/browser/*.test.mjs

# Regenerate the README's screenshots from the real pages.
screenshots:
	@bash scripts/screenshots.sh

# Sign a Universal Logout request with the dev IdP's key and send it to the dev worker.
EMAIL ?= alice@acme.test
ORG ?= $(word 2,$(subst @, ,$(subst .test,,$(EMAIL))))
universal-logout:
	node dev/idp/universal-logout.mjs --org $(ORG) --email $(EMAIL)

bench:
	@bash scripts/bench.sh

# Every cargo-fuzz target for FUZZ_SECONDS (default 30) each; not part of `make test`.
fuzz:
	@bash scripts/fuzz.sh

clean:
	rm -rf build target tests/.tmp .wrangler

# Onboard a customer org through the admin API of the running worker (see README).
#   make org-add ID=initech ISSUER=http://127.0.0.1:9002 CLIENT_ID=edge-sso-initech CLIENT_SECRET=initech-dev-secret DOMAIN=initech.test
org-add:
	node scripts/org.mjs add $(ID) --issuer $(ISSUER) --client-id $(CLIENT_ID) --client-secret $(CLIENT_SECRET) --domain $(DOMAIN) $(if $(PROJECT),--project $(PROJECT))

org-list:
	node scripts/org.mjs list
