// The public API of cdk8s-meshkit. Everything a user can import is exported here and only here;
// shared internals (validation helpers, port registry, hardening) are not.
export { ConfigHash } from './common/config-hash';
export * from './redis';
export * from './istio';
export * from './validation/wiring';
export * from './oauth2-proxy';
export * from './kayenta';
export * from './speedscale';
export * from './prometheus';
export * from './validation/envoy';
export * from './envoy';
export * from './envoy-sidecar';
export * from './marin3r';
export * from './sigsci';
export * from './validation/manifests';
export * from './validation/plugin';
export * from './topology';
