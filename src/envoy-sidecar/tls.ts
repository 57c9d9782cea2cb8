import * as kplus from 'cdk8s-plus-25';
import { EnvoyDownstreamTls, EnvoyDownstreamTlsOptions } from '../envoy';

/**
 * What a delivery mode does with a certificate Secret: mount it (ConfigMap delivery) or have
 * the control plane serve it (marin3r).
 * @internal
 */
export interface TlsSink {
  tlsFromSecret(secret: kplus.ISecret, options: EnvoyDownstreamTlsOptions): EnvoyDownstreamTls;
}

/** Where Envoy gets the certificate it serves. */
export abstract class EnvoyTls {
  /**
   * The `tls.crt` / `tls.key` of a `kubernetes.io/tls` Secret, e.g. one that cert-manager
   * keeps renewed. With ConfigMap delivery the Secret is mounted and Envoy reloads the files
   * when the Secret changes (file-based SDS with a watched directory), without a restart; with
   * marin3r delivery marin3r serves the Secret over SDS.
   */
  public static fromSecret(secret: kplus.ISecret, options: EnvoyDownstreamTlsOptions = {}): EnvoyTls {
    return new SecretTls(secret, options);
  }

  /** @internal */
  public abstract _bind(sink: TlsSink): EnvoyDownstreamTls;

  /** @internal */
  public abstract get _secretName(): string | undefined;
}

class SecretTls extends EnvoyTls {
  constructor(private readonly secret: kplus.ISecret, private readonly options: EnvoyDownstreamTlsOptions) {
    super();
  }

  public get _secretName(): string | undefined {
    return this.secret?.name;
  }

  public _bind(sink: TlsSink): EnvoyDownstreamTls {
    return sink.tlsFromSecret(this.secret, this.options);
  }
}
