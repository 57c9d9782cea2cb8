import { Duration } from 'cdk8s';
import { EnvoyModelError, quote } from './model-error';

/**
 * An Envoy (protobuf JSON) duration: seconds with up to millisecond precision, e.g. "0.25s".
 * Rejects zero and negative durations: every duration the model takes is a timeout or an
 * interval, for which zero means "disabled" or "busy loop" in Envoy.
 * @internal
 */
export function envoyDuration(prop: string, d: Duration): string {
  const ms = d.toMilliseconds();
  if (!Number.isFinite(ms) || ms <= 0) {
    throw new EnvoyModelError(prop, `${ms} ms is not a positive duration`, 'use a duration of at least 1 ms, e.g. Duration.seconds(5)');
  }
  return `${Math.round(ms) / 1000}s`;
}

/** Whether envoyDuration accepts `d`. @internal */
export function isPositive(d: Duration): boolean {
  const ms = d.toMilliseconds();
  return Number.isFinite(ms) && ms > 0;
}

/** envoyDuration of a duration isPositive accepted. @internal */
export function formatDuration(d: Duration): string {
  return `${Math.round(d.toMilliseconds()) / 1000}s`;
}

/** Whether checkAtLeast accepts `value`. @internal */
export function isAtLeast(value: number, min: number): boolean {
  return Number.isInteger(value) && value >= min;
}

/** A port number from 1 to 65535. @internal */
export function checkModelPort(prop: string, port: number): number {
  if (!isPort(port)) {
    throw new EnvoyModelError(prop, `${quote(port)} is not a valid port`, 'use an integer from 1 to 65535');
  }
  return port;
}

/** Whether checkModelPort accepts `port`. @internal */
export function isPort(port: number): boolean {
  return Number.isInteger(port) && port >= 1 && port <= 65535;
}

/** An integer of at least `min`. @internal */
export function checkAtLeast(prop: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min) {
    throw new EnvoyModelError(prop, `${quote(value)} is below ${min}`, `use an integer of at least ${min}`);
  }
  return value;
}

/** An integer in [min, max]. @internal */
export function checkRange(prop: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new EnvoyModelError(prop, `${quote(value)} is outside ${min}..${max}`, `use an integer from ${min} to ${max}`);
  }
  return value;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const HOST_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/i;

/** True for an IPv4 or IPv6 literal. @internal */
export function isIpAddress(address: string): boolean {
  return IPV4.test(address) || (address.includes(':') && /^[0-9a-f:.]+$/i.test(address));
}

/** Whether checkAddress accepts `address`. @internal */
export function isAddress(address: string): boolean {
  if (typeof address !== 'string' || address.trim() === '') return false;
  return isIpAddress(address) || (address.length <= 253 && address.split('.').every((l) => l.length <= 63 && HOST_LABEL.test(l)));
}

/** An IP literal or a DNS name (labels of letters, digits and "-", at most 253 characters). @internal */
export function checkAddress(prop: string, address: string): string {
  if (typeof address !== 'string' || address.trim() === '') {
    throw new EnvoyModelError(prop, `received ${quote(address)}`, 'give the DNS name or IP address of the upstream, e.g. "mathoid.default.svc.cluster.local"');
  }
  if (!isAddress(address)) {
    throw new EnvoyModelError(prop, `${quote(address)} is neither an IP address nor a DNS name`,
      'give a host name without scheme, port or path (e.g. "mathoid.default.svc.cluster.local") or an IP address');
  }
  return address;
}

/** An HTTP token (RFC 9110): a header or cookie name, an Upgrade protocol. */
const HTTP_TOKEN = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;

/** Whether `value` is an HTTP token: a header name, a cookie name, an Upgrade protocol. @internal */
export function isHttpToken(value: unknown): value is string {
  return typeof value === 'string' && HTTP_TOKEN.test(value);
}

const RESOURCE_NAME = /^[A-Za-z0-9][A-Za-z0-9._|-]{0,127}$/;

/** Whether checkResourceName accepts `name`. @internal */
export function isResourceName(name: string): boolean {
  return typeof name === 'string' && RESOURCE_NAME.test(name);
}

/** A resource name Envoy accepts and a human can grep for: letters, digits, ".", "_", "-", "|". @internal */
export function checkResourceName(prop: string, name: string): string {
  if (!isResourceName(name)) {
    throw new EnvoyModelError(prop, `${quote(name)} is not a valid name`, 'use 1 to 128 letters, digits, ".", "_", "-" or "|", starting with a letter or digit');
  }
  return name;
}

/**
 * Deep-merges `overrides` into `target` (objects merge key by key; arrays and scalars replace;
 * `null` deletes the key). The raw escape hatch for fields the model doesn't cover.
 * @internal
 */
export function deepMerge(target: any, overrides: any): any {
  if (overrides === undefined) return target;
  if (!isPlainObject(target) || !isPlainObject(overrides)) return overrides;
  const out: any = { ...target };
  for (const [k, v] of Object.entries(overrides)) {
    if (v === null) delete out[k];
    else out[k] = deepMerge(out[k], v);
  }
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
