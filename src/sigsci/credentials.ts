import * as kplus from 'cdk8s-plus-25';
import { IConstruct } from 'constructs';
import { propError, show } from '../validation/errors';

/** The keys of the Secret that hold the agent's keys. */
export interface SigSciSecretKeys {
  /**
   * Key holding the Agent Access Key (the site the agent reports to).
   * @default "accesskeyid"
   */
  readonly accessKeyIdKey?: string;
  /**
   * Key holding the Agent Secret Key.
   * @default "secretaccesskey"
   */
  readonly secretAccessKeyKey?: string;
}

/**
 * Where the agent's keys come from. Only from a Secret: the keys reach the agent as
 * `SIGSCI_ACCESSKEYID` / `SIGSCI_SECRETACCESSKEY` through `secretKeyRef`, never as literal
 * values in a manifest or ConfigMap.
 */
export abstract class SigSciCredentials {
  /**
   * The two keys of an existing Secret, e.g. one created with
   * `kubectl create secret generic sigsci.my-site --from-literal=accesskeyid=... --from-literal=secretaccesskey=...`.
   * Rotate them by changing that one Secret.
   */
  public static fromSecret(secret: kplus.ISecret, keys: SigSciSecretKeys = {}): SigSciCredentials {
    return new SecretCredentials(secret, keys);
  }

  /** The environment variables carrying the keys. @internal */
  public abstract _bind(scope: IConstruct, prop: string): { [name: string]: kplus.EnvValue };
}

class SecretCredentials extends SigSciCredentials {
  constructor(private readonly secret: kplus.ISecret, private readonly keys: SigSciSecretKeys) {
    super();
  }

  public _bind(scope: IConstruct, prop: string): { [name: string]: kplus.EnvValue } {
    if (!this.secret || typeof this.secret.name !== 'string' || this.secret.name === '') {
      throw propError(scope, prop, `no credentials Secret was given (received ${show(this.secret?.name)})`,
        "pass SigSciCredentials.fromSecret(secret) with the Secret holding the site's agent keys, e.g. kplus.Secret.fromSecretName(this, 'keys', 'sigsci.my-site')");
    }
    const accessKeyIdKey = checkSecretKey(scope, `${prop}.accessKeyIdKey`, this.keys.accessKeyIdKey ?? 'accesskeyid');
    const secretAccessKeyKey = checkSecretKey(scope, `${prop}.secretAccessKeyKey`, this.keys.secretAccessKeyKey ?? 'secretaccesskey');
    if (accessKeyIdKey === secretAccessKeyKey) {
      throw propError(scope, `${prop}.secretAccessKeyKey`, `${show(secretAccessKeyKey)} is also the access key id's key`, 'the two keys live under two different Secret keys');
    }
    return {
      SIGSCI_ACCESSKEYID: kplus.EnvValue.fromSecretValue({ secret: this.secret, key: accessKeyIdKey }),
      SIGSCI_SECRETACCESSKEY: kplus.EnvValue.fromSecretValue({ secret: this.secret, key: secretAccessKeyKey }),
    };
  }
}

/** A Secret data key: at most 253 letters, digits, "-", "_" and ".". */
function checkSecretKey(scope: IConstruct, prop: string, key: string): string {
  if (typeof key !== 'string' || !/^[-._a-zA-Z0-9]{1,253}$/.test(key)) {
    throw propError(scope, prop, `${show(key)} is not a valid Secret key`, 'use letters, digits, "-", "_" and "." (e.g. "accesskeyid")');
  }
  return key;
}
