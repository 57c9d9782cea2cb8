import { EnvoyModelError, quote } from './model-error';

/** Lowest TLS version Envoy accepts from clients. */
export enum EnvoyTlsVersion {
  TLS_V1_2 = 'TLSv1_2',
  TLS_V1_3 = 'TLSv1_3',
}

/** Options of a downstream (server-side) TLS context. */
export interface EnvoyDownstreamTlsOptions {
  /**
   * Lowest TLS version accepted.
   * @default EnvoyTlsVersion.TLS_V1_2
   */
  readonly minimumProtocolVersion?: EnvoyTlsVersion;
  /**
   * ALPN protocols offered, in order of preference.
   * @default ["h2", "http/1.1"]
   */
  readonly alpnProtocols?: string[];
}

/** Where a downstream TLS context gets its certificate. */
export abstract class EnvoyDownstreamTls {
  /**
   * The certificate and key from an SDS secret that Envoy reads from a file (`path_config_source`),
   * re-read when an entry is moved into `watchedDirectory`: the directory the file is mounted in,
   * as Kubernetes swaps a ConfigMap's files. The certificate files the secret names are watched on
   * their own: the secret's `tls_certificate.watched_directory` (which the EnvoySidecar sets to the
   * Secret's mount), or else their parent directories, so a `kubernetes.io/tls` Secret renewed by
   * cert-manager is picked up without a restart.
   * @param secretName name of the SDS secret inside `sdsFile`
   * @param sdsFile path of the file holding the SDS `DiscoveryResponse`
   * @param watchedDirectory directory whose moves trigger a re-read of `sdsFile` (its mount)
   */
  public static fromSdsFile(
    secretName: string, sdsFile: string, watchedDirectory: string, options: EnvoyDownstreamTlsOptions = {},
  ): EnvoyDownstreamTls {
    return new SdsTls(secretName, {
      path_config_source: { path: sdsFile, watched_directory: { path: watchedDirectory } },
      resource_api_version: 'V3',
    }, options);
  }

  /**
   * The certificate and key from an SDS secret delivered over ADS by the control plane (marin3r
   * serves each `kubernetes.io/tls` Secret named in the EnvoyConfig).
   */
  public static fromAds(secretName: string, options: EnvoyDownstreamTlsOptions = {}): EnvoyDownstreamTls {
    return new SdsTls(secretName, { ads: {}, resource_api_version: 'V3' }, options);
  }

  /** The transport_socket of a filter chain. */
  public abstract toJson(): any;
}

class SdsTls extends EnvoyDownstreamTls {
  constructor(private readonly secretName: string, private readonly sdsConfig: any, private readonly options: EnvoyDownstreamTlsOptions) {
    super();
    if (typeof secretName !== 'string' || secretName.trim() === '') {
      throw new EnvoyModelError('tls.secretName', `received ${quote(secretName)}`, 'name the secret that holds the certificate');
    }
  }

  public toJson(): any {
    return {
      name: 'envoy.transport_sockets.tls',
      typed_config: {
        '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext',
        'common_tls_context': {
          tls_params: { tls_minimum_protocol_version: this.options.minimumProtocolVersion ?? EnvoyTlsVersion.TLS_V1_2 },
          alpn_protocols: this.options.alpnProtocols ?? ['h2', 'http/1.1'],
          tls_certificate_sds_secret_configs: [{ name: this.secretName, sds_config: this.sdsConfig }],
        },
      },
    };
  }
}

/**
 * The SDS `Secret` resource for a certificate and key in files, as a `DiscoveryResponse` that
 * Envoy reads from `path_config_source`. Envoy re-reads both files together when an entry is
 * moved into `watchedDirectory` (a Secret's mount, where Kubernetes swaps `..data`), checking that
 * they didn't change between the two reads.
 * @internal
 */
export function sdsFileContent(secretName: string, certificateChainFile: string, privateKeyFile: string, watchedDirectory: string): any {
  return {
    resources: [{
      '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret',
      'name': secretName,
      'tls_certificate': {
        certificate_chain: { filename: certificateChainFile },
        private_key: { filename: privateKeyFile },
        watched_directory: { path: watchedDirectory },
      },
    }],
  };
}
