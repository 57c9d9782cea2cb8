import { createHash } from 'crypto';
import { IConstruct } from 'constructs';
import { propError, show } from './errors';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN_MAX = 253;
const DNS1123_LABEL_MAX = 63;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const IANA_SVC_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

/**
 * Lower-cases a name and replaces what DNS-1123 doesn't allow, to suggest a fix in errors.
 * @internal
 */
export function suggestDnsLabel(value: string): string {
  const s = value.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, DNS1123_LABEL_MAX).replace(/-+$/, '');
  return s === '' ? 'name' : s;
}

/**
 * A pod volume name (an RFC 1123 label) made from a prefix and an object name, which may hold
 * dots or be long (Secret names are DNS subdomains). When the name had to be changed, a short
 * hash of the original keeps two names that differ only in what was replaced apart.
 * @internal
 */
export function volumeName(prefix: string, name: string): string {
  const wanted = `${prefix}-${name}`;
  if (wanted.length <= DNS1123_LABEL_MAX && DNS1123_LABEL.test(wanted)) return wanted;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  const clean = wanted.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/-+/g, '-').slice(0, DNS1123_LABEL_MAX - hash.length - 1).replace(/-+$/, '');
  return `${clean}-${hash}`;
}

/**
 * Checks an RFC 1123 label (Service, Namespace and container names, label-like identifiers).
 * @returns the value, for chaining
 * @internal
 */
export function checkDnsLabel(scope: IConstruct, prop: string, value: string): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw propError(scope, prop, `received ${show(value)}`, 'give a non-empty DNS-1123 label such as "my-app"');
  }
  if (!isDnsLabel(value)) {
    throw propError(scope, prop, `${show(value)} is not a valid DNS-1123 label (lower-case letters, digits and "-", starting and ending with a letter or digit, at most 63 characters)`,
      `use e.g. ${show(suggestDnsLabel(value))}`);
  }
  return value;
}

/** Whether `value` is an RFC 1123 label (what checkDnsLabel accepts), for checks without a construct. @internal */
export function isDnsLabel(value: unknown): value is string {
  return typeof value === 'string' && value.length <= DNS1123_LABEL_MAX && DNS1123_LABEL.test(value);
}

/**
 * Checks a name a Service takes: an RFC 1123 label that starts with a letter, as most API
 * servers want Service names (RFC 1035).
 * @returns the value, for chaining
 * @internal
 */
export function checkServiceName(scope: IConstruct, prop: string, value: string): string {
  checkDnsLabel(scope, prop, value);
  if (!/^[a-z]/.test(value)) {
    throw propError(scope, prop, `${show(value)} starts with a digit, which a Service name can't`, `start it with a letter, e.g. ${show(`s-${value}`)}`);
  }
  return value;
}

/**
 * Checks an RFC 1123 subdomain as Kubernetes checks object names (ConfigMaps, Secrets, CRDs):
 * dot-separated labels, at most 253 characters in all (Kubernetes sets no limit per label).
 * @returns the value, for chaining
 * @internal
 */
export function checkDnsSubdomain(scope: IConstruct, prop: string, value: string): string {
  return checkSubdomain(scope, prop, value, false);
}

function checkSubdomain(scope: IConstruct, prop: string, value: string, hostLabels: boolean): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw propError(scope, prop, `received ${show(value)}`, 'give a non-empty DNS-1123 subdomain such as "my-app.example.com"');
  }
  const labels = value.split('.');
  if (value.length > DNS1123_SUBDOMAIN_MAX || labels.some((l) => (hostLabels && l.length > DNS1123_LABEL_MAX) || !DNS1123_LABEL.test(l))) {
    throw propError(scope, prop, `${show(value)} is not a valid DNS-1123 subdomain (dot-separated labels of lower-case letters, digits and "-", `
      + `${hostLabels ? 'each at most 63 characters, ' : ''}at most 253 characters in all)`,
    `use e.g. ${show(labels.map(suggestDnsLabel).join('.'))}`);
  }
  return value;
}

/**
 * Checks a host name as Istio and cert-manager accept it: a DNS-1123 subdomain, optionally with a
 * leading `*.` wildcard label.
 * @internal
 */
export function checkHostName(scope: IConstruct, prop: string, value: string, options: { allowWildcard?: boolean } = {}): string {
  const wildcard = typeof value === 'string' && value.startsWith('*.');
  if (wildcard && !options.allowWildcard) {
    throw propError(scope, prop, `${show(value)} is a wildcard`, 'give the full host name, e.g. "myapp.example.com"');
  }
  checkSubdomain(scope, prop, wildcard ? value.slice(2) : value, true);
  return value;
}

/** A valid port name close to `value`: a letter is required, so "8080" becomes "port-8080". */
function suggestPortName(value: string): string {
  const clean = suggestDnsLabel(value).replace(/-{2,}/g, '-');
  const lettered = /[a-z]/.test(clean) ? clean : `port-${clean}`;
  return lettered.slice(0, 15).replace(/-+$/, '') || 'http';
}

/**
 * Checks a container or Service port name (IANA_SVC_NAME: at most 15 lower-case letters, digits
 * and "-", at least one letter, no "--").
 * @internal
 */
export function checkPortName(scope: IConstruct, prop: string, value: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 15 || !IANA_SVC_NAME.test(value) || value.includes('--') || !/[a-z]/.test(value)) {
    throw propError(scope, prop, `${show(value)} is not a valid port name (at most 15 lower-case letters, digits and "-", with at least one letter and no "--")`,
      `use e.g. ${show(suggestPortName(String(value)))}`);
  }
  return value;
}

/**
 * Checks a label value (at most 63 characters of letters, digits, "-", "_" and ".", beginning and
 * ending with a letter or digit; empty is allowed).
 * @internal
 */
export function checkLabelValue(scope: IConstruct, prop: string, value: string): string {
  if (typeof value !== 'string' || value.length > DNS1123_LABEL_MAX || !LABEL_VALUE.test(value)) {
    throw propError(scope, prop, `${show(value)} is not a valid label value (at most 63 letters, digits, "-", "_" or ".", beginning and ending with a letter or digit)`,
      'shorten it or replace the other characters with "-"');
  }
  return value;
}

/**
 * Checks a label or annotation key: an optional DNS-1123 subdomain prefix and "/", then a name of
 * at most 63 letters, digits, "-", "_" and ".".
 * @internal
 */
export function checkQualifiedName(scope: IConstruct, prop: string, value: string): string {
  const slash = typeof value === 'string' ? value.lastIndexOf('/') : -1;
  const name = slash >= 0 ? value.slice(slash + 1) : value;
  if (typeof value !== 'string' || name.length === 0 || name.length > DNS1123_LABEL_MAX || !QUALIFIED_NAME.test(name)) {
    throw propError(scope, prop, `${show(value)} is not a valid label or annotation key`,
      'use an optional DNS subdomain prefix and "/", then at most 63 letters, digits, "-", "_" or "."');
  }
  if (slash >= 0) checkDnsSubdomain(scope, `${prop} (prefix)`, value.slice(0, slash));
  return value;
}
