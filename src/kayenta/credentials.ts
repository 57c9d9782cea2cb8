import * as kplus from 'cdk8s-plus-25';
import { IConstruct } from 'constructs';
import { propError, show } from '../validation/errors';

/**
 * The first segment of every placeholder this library writes into kayenta.yml. Spring resolves
 * `${secrets.azure.canarystorage.accountaccesskey}` from the environment variable
 * `SECRETS_AZURE_CANARYSTORAGE_ACCOUNTACCESSKEY` (relaxed binding: dots become underscores, the
 * name is upper-cased), so the placeholder never holds the value itself.
 */
const PLACEHOLDER_ROOT = 'secrets';

/** Property names that hold credentials in Kayenta's account classes and in Spring settings. */
const CREDENTIAL_KEY = /(pass(word|wd)?|secret|token|api[-_]?key|app(lication)?[-_]?key|access[-_]?key|private[-_]?key|credential)/i;
/** Property names that hold the path of a file (`usernamePasswordFile`, `jsonPath`), not a credential. */
const PATH_KEY = /(file|path)$/i;

/**
 * A whole-string `${...}` placeholder, which Spring fills at start-up, without a default value:
 * in `${name:default}` the default is the literal itself, in kayenta.yml or the pod spec.
 */
const PLACEHOLDER = /^\$\{[^}:]+\}$/;
/** A `${name:default}` placeholder. */
const PLACEHOLDER_WITH_DEFAULT = /^\$\{[^}:]+:[^}]*\}$/;

/** What is wrong with a credential-named value, or undefined when it is a placeholder without default. */
function literalCredential(value: string): string | undefined {
  if (PLACEHOLDER.test(value)) return undefined;
  return PLACEHOLDER_WITH_DEFAULT.test(value)
    ? 'is a ${name:default} placeholder, whose default is a credential written as a literal'
    : 'looks like a credential written as a literal';
}

/** A URL carrying a password in its user-info part (`scheme://user:password@host`). */
const URL_WITH_PASSWORD = /^[a-z][a-z0-9+.-]*:\/\/[^/@\s]*:[^/@\s]*@/i;

/**
 * The environment variable Spring reads for a placeholder path (`a.b.c` → `A_B_C`).
 * @internal
 */
export function envVarFor(path: string): string {
  return path.replace(/\./g, '_').toUpperCase();
}

/** A placeholder path segment: lower-case letters and digits only, so the env var mapping is unambiguous. */
function segment(value: string): string {
  return value.toLowerCase().replace(/[^a-z0-9]+/g, '');
}

/** True when `value` has the shape of a kplus.SecretValue (a Secret and a key). */
function isSecretValue(value: unknown): value is kplus.SecretValue {
  const v = value as kplus.SecretValue | undefined;
  return typeof v === 'object' && v !== null && typeof v.key === 'string' && v.key !== ''
    && typeof v.secret === 'object' && v.secret !== null && typeof v.secret.name === 'string';
}

/**
 * Fails unless `value` is a Secret reference. Typed languages can't pass a literal where a
 * kplus.SecretValue belongs; this catches untyped callers (plain JavaScript, casts).
 * @internal
 */
export function requireSecretValue(scope: IConstruct, prop: string, value: unknown): kplus.SecretValue {
  if (!isSecretValue(value)) {
    const received = typeof value === 'string' ? 'received a literal string' : `received ${typeof value === 'object' ? 'an object that is not a Secret reference' : show(value)}`;
    throw propError(scope, prop, received,
      'pass a kplus.SecretValue ({ secret, key }) naming the Secret key that holds it; credentials never go into kayenta.yml');
  }
  return value;
}

/**
 * Fails when a free-form string is a URL with a password in it.
 * @internal
 */
export function rejectUrlCredentials(scope: IConstruct, prop: string, url: string): void {
  if (URL_WITH_PASSWORD.test(url)) {
    throw propError(scope, prop, `${show(url.replace(/\/\/[^@]*@/, '//***@'))} carries a password in the URL`,
      'remove the user-info part; pass credentials as Secret references (kplus.SecretValue) instead');
  }
}

/**
 * Walks a free-form value (extra kayenta.yml settings) and fails at the first string that looks
 * like a credential written as a literal: a credential-named key whose value is not a `${...}`
 * placeholder, or a URL with a password.
 * @internal
 */
export function rejectLiteralCredentials(scope: IConstruct, prop: string, value: unknown): void {
  if (typeof value === 'string') {
    rejectUrlCredentials(scope, prop, value);
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((v, i) => rejectLiteralCredentials(scope, `${prop}[${i}]`, v));
    return;
  }
  if (value && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) {
      const path = `${prop}.${key}`;
      const problem = typeof v === 'string' && v !== '' && CREDENTIAL_KEY.test(key) && !PATH_KEY.test(key) ? literalCredential(v) : undefined;
      if (problem) {
        throw propError(scope, path, problem,
          'pass it through the construct\'s Secret-typed props (kplus.SecretValue), or write a ${...} placeholder without a default and supply the variable from a Secret');
      }
      rejectLiteralCredentials(scope, path, v);
    }
  }
}

/**
 * Fails when a JVM option sets a credential-named system property (`-Dfoo.password=...`).
 * @internal
 */
export function rejectJvmCredentials(scope: IConstruct, prop: string, options: readonly string[]): void {
  options.forEach((option, i) => {
    const property = /^-D([^=]+)=(.*)$/.exec(option);
    const problem = property && CREDENTIAL_KEY.test(property[1]) ? literalCredential(property[2]) : undefined;
    if (property && problem) {
      throw propError(scope, `${prop}[${i}]`, `-D${property[1]}=... ${problem}`,
        'pass credentials as Secret references (kplus.SecretValue) through the store props instead');
    }
    rejectUrlCredentials(scope, `${prop}[${i}]`, option.replace(/^-D[^=]+=/, ''));
  });
}

/** A credential the container receives: where it is wired and where it comes from. */
interface Wired {
  readonly owner: string;
  readonly value: kplus.SecretValue;
}

/**
 * Routes every credential of a Kayenta container through Secrets: each becomes an environment
 * variable from a `secretKeyRef` and a `${...}` placeholder in kayenta.yml, or a file from a
 * mounted Secret volume whose path goes into kayenta.yml.
 *
 * @internal
 */
export class KayentaCredentials {
  private readonly env = new Map<string, Wired>();
  private readonly files = new Map<string, Wired>();

  constructor(
    private readonly scope: IConstruct,
    private readonly container: kplus.Container,
    /** Directory under which Secret files are mounted. */
    private readonly fileRoot: string,
  ) {}

  /**
   * Wires a Secret key as an environment variable and returns the placeholder to write into
   * kayenta.yml. `owner` names the account and field for error messages.
   */
  public placeholder(prop: string, owner: string, pathSegments: string[], value: unknown): string {
    const secret = requireSecretValue(this.scope, prop, value);
    const path = [PLACEHOLDER_ROOT, ...pathSegments.map(segment)].join('.');
    const name = envVarFor(path);
    const taken = this.env.get(name);
    if (taken) {
      throw propError(this.scope, prop, `${owner} would read its credential from ${name}, which ${taken.owner} already uses`,
        'give the accounts names that differ in their letters and digits, not only in punctuation or case');
    }
    this.env.set(name, { owner, value: secret });
    this.container.env.addVariable(name, kplus.EnvValue.fromSecretValue(secret));
    return `\${${path}}`;
  }

  /** Mounts a Secret key as a read-only file and returns its path. */
  public file(prop: string, owner: string, pathSegments: string[], value: unknown): string {
    const secret = requireSecretValue(this.scope, prop, value);
    const dir = pathSegments.map(segment).join('-');
    if (this.files.has(dir)) {
      throw propError(this.scope, prop, `${owner} would mount its credential file at ${this.fileRoot}/${dir}, which ${this.files.get(dir)!.owner} already uses`,
        'give the accounts names that differ in their letters and digits, not only in punctuation or case');
    }
    this.files.set(dir, { owner, value: secret });
    const fileName = secret.key.replace(/[^A-Za-z0-9._-]+/g, '_');
    const volume = kplus.Volume.fromSecret(this.scope, `credential-${dir}`, secret.secret, {
      name: `cred-${dir}`.slice(0, 63).replace(/-+$/, ''),
      items: { [secret.key]: { path: fileName } },
    });
    this.container.mount(`${this.fileRoot}/${dir}`, volume, { readOnly: true });
    return `${this.fileRoot}/${dir}/${fileName}`;
  }
}
