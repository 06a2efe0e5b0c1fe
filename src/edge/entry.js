// The worker's entry module (`main` in wrangler.toml), copied by scripts/build.sh next to
// what worker-build emits (build/index.js, the wasm): the Rust worker as it is, and its two
// Durable Object classes as `DurableObject`s, so that the worker calls them over RPC
// instead of `stub.fetch`. workers-rs 0.8.7 cannot declare such a class itself (PR #726);
// each method here only hands its argument to the Rust object (src/edge/session_store.rs,
// src/edge/state_store.rs), the one place where storage logic lives.
import { DurableObject } from 'cloudflare:workers';
import { RustSessionStore, RustSsoState } from './index.js';

export { default } from './index.js';

/** `SSO_SESSIONS`: a user's sessions, a login state, or an org's directory. */
export class SessionStore extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    this.rust = new RustSessionStore(ctx);
  }

  /** One `StoreRequest` as JSON text; resolves to the `StoreResponse` as JSON text. */
  call(message) {
    return this.rust.call(message);
  }

  alarm() {
    return this.rust.alarm();
  }
}

/** `SSO_STATE`: the worker-wide state (signing key, store-name key, stored orgs, setup links). */
export class SsoState extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    this.rust = new RustSsoState(ctx);
  }

  /** One `StateRequest` as JSON text; resolves to the `StateResponse` as JSON text. */
  call(message) {
    return this.rust.call(message);
  }
}
