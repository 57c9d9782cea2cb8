import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { IngressGatewayOptions, resolveIngressGateway } from './ingress';
import { Certificate } from '../../imports/certificates-cert-manager.io';
import { propError, show } from '../validation/errors';
import { checkDnsSubdomain, checkHostName } from '../validation/names';
import { certificateCovers } from '../validation/wiring/hosts';

/** The cert-manager issuer that signs a Certificate. */
export abstract class IssuerRef {
  /** A cluster-wide `ClusterIssuer`, e.g. `letsencrypt-production`. */
  public static clusterIssuer(name: string): IssuerRef {
    return new NamedIssuer('ClusterIssuer', name);
  }

  /** An `Issuer` in the Certificate's own namespace (the ingress gateway's namespace). */
  public static issuer(name: string): IssuerRef {
    return new NamedIssuer('Issuer', name);
  }

  /** The issuer kind, `ClusterIssuer` or `Issuer`. */
  public abstract readonly kind: string;
  /** The issuer name. */
  public abstract readonly name: string;
}

class NamedIssuer extends IssuerRef {
  constructor(public readonly kind: string, public readonly name: string) {
    super();
  }
}

/** Props of `IngressCertificate`: the issuer, the names and where the TLS Secret goes. */
export interface IngressCertificateProps {
  /** The issuer that signs the certificate. */
  readonly issuer: IssuerRef;

  /**
   * The names the certificate is for: host names, or one `*.` wildcard per subdomain
   * (`*.cluster.example.com`, as in seed 001, so one certificate serves every host below it).
   */
  readonly dnsNames: string[];

  /**
   * Name of the Certificate.
   * @default "tls-" followed by the first DNS name with dots as dashes and the wildcard as "wildcard"
   */
  readonly name?: string;

  /**
   * Name of the Secret cert-manager writes; Gateways name it in `credentialName`.
   * @default - the Certificate's name
   */
  readonly secretName?: string;

  /**
   * The ingress gateway that serves the certificate. The Certificate is created in its namespace,
   * because the gateway reads `credentialName` Secrets only from its own namespace.
   * @default - istio-system, pods labelled istio=ingressgateway
   */
  readonly ingressGateway?: IngressGatewayOptions;
}

/**
 * A cert-manager Certificate whose Secret lands where the Istio ingress gateway can read it: in the
 * gateway's own namespace. Gateways (see `IngressRoute`) name its `secretName` as their
 * `credentialName`.
 */
export class IngressCertificate extends Construct {
  /** The Certificate (cert-manager.io/v1). */
  public readonly certificate: ApiObject;
  /** Name of the Certificate. */
  public readonly name: string;
  /** Namespace of the Certificate and its Secret: the ingress gateway's namespace. */
  public readonly namespace: string;
  /** Name of the Secret cert-manager writes (`credentialName` of the Gateways that use it). */
  public readonly secretName: string;
  /** The names the certificate is for. */
  public readonly dnsNames: string[];

  constructor(scope: Construct, id: string, props: IngressCertificateProps) {
    super(scope, id);
    const ingress = resolveIngressGateway(this, 'ingressGateway', props.ingressGateway);
    if (!props.dnsNames || props.dnsNames.length === 0) {
      throw propError(this, 'dnsNames', 'received no names', 'give the host names, or a wildcard such as "*.cluster.example.com"');
    }
    props.dnsNames.forEach((n, i) => checkHostName(this, `dnsNames[${i}]`, n, { allowWildcard: true }));
    this.dnsNames = [...props.dnsNames];
    this.name = checkDnsSubdomain(this, 'name', props.name ?? `tls-${this.dnsNames[0].replace(/^\*\./, 'wildcard.').replace(/\./g, '-')}`);
    this.secretName = checkDnsSubdomain(this, 'secretName', props.secretName ?? this.name);
    this.namespace = ingress.namespace;
    // by shape, not class: a second copy of the library, or a plain { kind, name }, is fine
    if (props.issuer?.kind !== 'ClusterIssuer' && props.issuer?.kind !== 'Issuer') {
      throw propError(this, 'issuer', `received ${show(props.issuer)}`, 'pass IssuerRef.clusterIssuer("letsencrypt-production") or IssuerRef.issuer(name)');
    }
    checkDnsSubdomain(this, 'issuer.name', props.issuer.name);
    this.certificate = new Certificate(this, 'certificate', {
      metadata: { name: this.name, namespace: this.namespace },
      spec: {
        dnsNames: this.dnsNames,
        secretName: this.secretName,
        issuerRef: { kind: props.issuer.kind, name: props.issuer.name, group: 'cert-manager.io' },
      },
    });
  }

  /** Whether the certificate is valid for `host`. */
  public covers(host: string): boolean {
    return this.dnsNames.some((n) => certificateCovers(n, host));
  }

  /**
   * Fails unless the certificate is valid for `host`.
   * @internal
   */
  public _requireCovers(scope: Construct, prop: string, host: string): void {
    if (!this.covers(host)) {
      throw propError(scope, prop, `${show(host)} is not covered by Certificate ${this.namespace}/${this.name} (dnsNames: ${this.dnsNames.join(', ')}); a "*." wildcard covers exactly one label`,
        'use a host the certificate covers or add the host to its dnsNames');
    }
  }
}

/** Options of `IngressTls.certManager`: the cert-manager Certificate a construct creates for its hosts. */
export interface CertManagerTlsOptions {
  /** The issuer that signs the certificate. */
  readonly issuer: IssuerRef;

  /**
   * One wildcard covering every host of the construct, e.g. "*.cluster.example.com" (seed 001).
   * @default - a certificate for exactly the construct's hosts
   */
  readonly wildcard?: string;

  /**
   * Name of the Certificate.
   * @default - derived from its first DNS name ("tls-wildcard-cluster-example-com")
   */
  readonly name?: string;

  /**
   * Name of the Secret cert-manager writes.
   * @default - the Certificate's name
   */
  readonly secretName?: string;
}

/** The certificate an ingress serves for a construct's hosts. */
export abstract class IngressTls {
  /** A new cert-manager Certificate in the ingress gateway's namespace, for a wildcard or for the hosts. */
  public static certManager(options: CertManagerTlsOptions): IngressTls {
    return new CertManagerTls(options);
  }

  /** An `IngressCertificate` created elsewhere, e.g. one wildcard shared by several constructs. */
  public static fromCertificate(certificate: IngressCertificate): IngressTls {
    return new ExistingTls(certificate);
  }

  /** @internal */
  public abstract _bind(scope: Construct, hosts: string[], ingressGateway: IngressGatewayOptions): IngressCertificate;
}

class CertManagerTls extends IngressTls {
  constructor(private readonly options: CertManagerTlsOptions) {
    super();
  }

  public _bind(scope: Construct, hosts: string[], ingressGateway: IngressGatewayOptions): IngressCertificate {
    const o = this.options;
    if (o.wildcard !== undefined && (typeof o.wildcard !== 'string' || !o.wildcard.startsWith('*.'))) {
      throw propError(scope, 'certificate.wildcard', `${show(o.wildcard)} is not a wildcard`, 'give a name starting with "*.", e.g. "*.cluster.example.com", or leave wildcard out for a certificate of the hosts');
    }
    return new IngressCertificate(scope, 'certificate', {
      issuer: o.issuer,
      dnsNames: o.wildcard !== undefined ? [o.wildcard] : hosts,
      name: o.name,
      secretName: o.secretName,
      ingressGateway,
    });
  }
}

class ExistingTls extends IngressTls {
  constructor(private readonly certificate: IngressCertificate) {
    super();
  }

  public _bind(): IngressCertificate {
    return this.certificate;
  }
}
