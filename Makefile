# edge-sso developer commands. `make dev` and `make test` are all a newcomer needs.
.PHONY: lint deploy-check check-config deploy secrets test-deploy bootstrap build build-example test-library test-browser screenshots dev test test-native test-e2e check-core universal-logout bench fuzz clean org-add org-list org-invite

bootstrap:
	@bash scripts/bootstrap.sh

build: bootstrap
	@bash scripts/build.sh

dev: build
	@bash scripts/dev.sh

test: bootstrap check-core lint test-native build deploy-check build-example test-deploy test-e2e test-library test-browser

check-core:
	@bash scripts/check-core.sh

# cargo fmt --check and clippy (native and wasm32), warnings as errors.
lint: bootstrap
	@bash scripts/lint.sh

test-native:
	cargo test --lib --locked

# Would the built worker deploy? `wrangler deploy --dry-run` (no network, no account) for
# each environment of wrangler.toml: bundle, bindings, migrations, gzip size ≤ 3 MB.
deploy-check: build
	node scripts/deploy-check.mjs

# The deployment tools themselves: check-config, the deploy guard (tests/deploy/).
test-deploy: build
	node --test tests/deploy/*.test.mjs

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

# Deploying (README, "Deploy to Cloudflare"). DEPLOY_ENV: the [env.*] of wrangler.toml.
DEPLOY_ENV ?= production

# Check a production SSO offline with the worker's own parser: FILE=sso.json, or the SSO of
# [env.$(DEPLOY_ENV).vars] in wrangler.toml.
check-config:
	node scripts/check-config.mjs --env $(DEPLOY_ENV) $(FILE)

# Refuse development values, placeholders and missing secrets, then `wrangler deploy`.
# DRY_RUN=1: every check that needs no network, and `wrangler deploy --dry-run`.
deploy: build
	node scripts/deploy.mjs --env $(DEPLOY_ENV) $(if $(DRY_RUN),--dry-run)

# Generate SSO_SESSION_SECRET and SSO_SIGNING_KEY and `wrangler secret put` them (printing
# nothing secret). Set ones are kept; ROTATE="SSO_SIGNING_KEY …" replaces them.
secrets:
	node scripts/secrets.mjs --env $(DEPLOY_ENV) $(foreach n,$(ROTATE),--rotate $(n))

# Onboard a customer org through the admin API (README, "Onboard a customer"). Variables:
# ID, ISSUER, CLIENT_ID, CLIENT_SECRET, DOMAIN, PROJECT (optional); the worker is
# EDGE_SSO_URL (default http://127.0.0.1:8787) and the token SSO_ADMIN_TOKEN (default: the
# development token of .dev.vars, on 127.0.0.1 only).
#   make org-add ID=initech ISSUER=http://127.0.0.1:9002 CLIENT_ID=edge-sso-initech CLIENT_SECRET=initech-dev-secret DOMAIN=initech.test
org-add:
	node scripts/org.mjs add $(ID) --issuer $(ISSUER) --client-id $(CLIENT_ID) --client-secret $(CLIENT_SECRET) --domain $(DOMAIN) $(if $(PROJECT),--project $(PROJECT))

org-list:
	node scripts/org.mjs list

# A setup link for a customer org (README, "Onboard a customer"): ID, DOMAIN, PROJECT (optional).
#   make org-invite ID=initech DOMAIN=initech.test
org-invite:
	node scripts/org.mjs invite $(ID) --domain $(DOMAIN) $(if $(PROJECT),--project $(PROJECT))
