import { ApiObject, Duration, Lazy } from 'cdk8s';
import * as kplus from 'cdk8s-plus-25';
import { Construct } from 'constructs';
import { requireHttpMetricsPort } from './port-protocol';
import { certOnlySidecarAnnotations, checkDuration, checkHttpPath, ISTIO_CERTS_VOLUME, promDuration, PROM_CERTS_DIR } from './scrape-job';
import { strictPortPolicy } from './strict-port';
import { DEFAULT_PROMETHEUS_VERSION, ENABLE_HTTP2_ENV, Http2Fix, http2Fix, parsePrometheusVersion } from './versions';
import { PodMonitor, PodMonitorSpecPodMetricsEndpoints, PodMonitorSpecPodMetricsEndpointsScheme } from '../../imports/podmonitors-monitoring.coreos.com';
import { missingResources, REQUEST_ABOVE_LIMIT_FIX, requestAboveLimit, RESOURCES_FIX } from '../common/resources';
import { IstioRelease } from '../istio/version';
import { propError, show } from '../validation/errors';
import { checkDnsLabel, checkDnsSubdomain, isDnsLabel } from '../validation/names';
import { PodPorts } from '../validation/ports';

/** Props for `IstioPodMonitor`. */
export interface IstioPodMonitorProps {
  /** The workload whose pods are scraped (selected by its pod selector). */
  readonly workload: kplus.Workload;
  /** The metrics port; a container of the workload must declare it. */
  readonly port: number;
  /**
   * The HTTP path of the metrics.
   * @default "/metrics"
   */
  readonly path?: string;
  /**
   * The name of the PodMonitor.
   * @default - the workload's name
   */
  readonly name?: string;
  /**
   * The namespace of the PodMonitor, e.g. where the Prometheus resource looks for monitors. When
   * it is not the workload's namespace, the PodMonitor names the workload's namespace in
   * `namespaceSelector` (without one, a PodMonitor selects pods of its own namespace only).
   * @default - the workload's namespace
   */
  readonly namespace?: string;
  /**
   * The scrape class of the operator-managed Prometheus that holds the Istio certificate files
   * (see `IstioPodMonitor.scrapeClass`).
   * @default "istio-mtls"
   */
  readonly scrapeClass?: string;
  /**
   * The version of the Prometheus the operator runs; decides the HTTP/2 setting.
   * @default "3.13.3" (IstioPrometheusScrape.DEFAULT_PROMETHEUS_VERSION)
   */
  readonly prometheusVersion?: string;
  /**
   * How often the pods are scraped.
   * @default - the Prometheus resource's scrape interval
   */
  readonly interval?: Duration;
  /**
   * Add a PeerAuthentication that makes the metrics port STRICT for the workload's pods
   * (port-level; the rest of the pod keeps its namespace's or mesh's mode). Prometheus's TLS
   * connection carries no Istio ALPN, which a sidecar in PERMISSIVE mode (the mesh's default)
   * doesn't terminate on an HTTP port; only a STRICT port accepts it. The port then refuses
   * plain-text clients outside the mesh. Pass false when the workload is already STRICT or you
   * manage its PeerAuthentication: of two workload-level policies for one workload Istio applies
   * the oldest, so either yours or this one would be ignored (add the port to yours instead).
   * Refused for a workload in istio-system, the mesh's root namespace, where Istio ignores
   * policies with a selector.
   * @default true
   */
  readonly peerAuthentication?: boolean;
  /**
   * The Istio version of the mesh ("1.30" or "1.30.3"): the PeerAuthentication is
   * security.istio.io/v1 from 1.22, v1beta1 before.
   * @default "1.30"
   */
  readonly istioVersion?: string;
}

/**
 * For teams that run prometheus-operator instead of `IstioPrometheusScrape`: a PodMonitor that
 * scrapes a workload over Istio mutual TLS (`scheme: https`, `enableHttp2` from Prometheus 2.35).
 *
 * A PodMonitor's `tlsConfig` can only reference Secrets and ConfigMaps (operator v0.93 has no
 * `caFile`/`certFile`/`keyFile` there), so the certificate files are named in a scrape class of the
 * Prometheus resource, which the PodMonitor selects by name. The Prometheus resource also needs the
 * cert-only sidecar that `IstioPrometheusScrape` gives its own pod: `prometheusSpec()` returns
 * both, to merge into the Prometheus resource's `spec`.
 */
export class IstioPodMonitor extends Construct {
  /**
   * The scrape class to add to the Prometheus resource's `spec.scrapeClasses`: TLS with the files
   * the cert-only sidecar writes, mounted at /etc/prom-certs.
   * @param name the class name the PodMonitors select
   */
  public static scrapeClass(name: string = 'istio-mtls'): any {
    return {
      name,
      tlsConfig: {
        caFile: `${PROM_CERTS_DIR}/root-cert.pem`,
        certFile: `${PROM_CERTS_DIR}/cert-chain.pem`,
        keyFile: `${PROM_CERTS_DIR}/key.pem`,
        insecureSkipVerify: true,
      },
    };
  }

  /**
   * The fields of a Prometheus resource's `spec` (monitoring.coreos.com/v1) that let it scrape
   * over Istio mTLS: `podMetadata` with the injection label and the cert-only sidecar's
   * annotations (it intercepts no traffic, writes its certificates to an in-memory volume, and
   * Prometheus starts once it is ready), that volume in `volumes`, its mount at /etc/prom-certs in
   * `volumeMounts`, and the scrape class in `scrapeClasses`. Merge them into the spec (append to
   * lists the spec already has). For Istio 1.10 or newer (the injection label; earlier releases
   * wrote the certificate files for the proxy's uid only).
   *
   * With the sidecar, in-mesh clients of Prometheus (Grafana) would send it mTLS, which the
   * non-intercepting sidecar never terminates: give the Prometheus pods a DestinationRule with
   * `trafficPolicy.tls.mode: DISABLE` (as `IstioPrometheusScrape` does for its own).
   * @param scrapeClassName the class name the PodMonitors select
   * @param istioProxyResources CPU and memory requests and limits of the cert-only istio-proxy
   * container (all four), written as the injector's `sidecar.istio.io/proxyCPU`, `proxyCPULimit`,
   * `proxyMemory` and `proxyMemoryLimit` annotations. Default: none, so the container takes the
   * mesh's `global.proxy.resources`.
   * @param istioRevision the Istio revision whose sidecar the Prometheus pods get (pod label
   * `istio.io/rev`; needed on a mesh with revisions and no default revision or tag; read only in a
   * namespace labelled neither `istio-injection` nor `istio.io/rev`). Default: the default
   * revision (`sidecar.istio.io/inject: "true"`).
   */
  public static prometheusSpec(scrapeClassName: string = 'istio-mtls', istioProxyResources?: kplus.ContainerResources, istioRevision?: string): any {
    if (istioProxyResources !== undefined) {
      const missing = missingResources(istioProxyResources);
      if (missing.length > 0) {
        throw new Error(`IstioPodMonitor.prometheusSpec: istioProxyResources: has no ${missing.join(', ')}; ${RESOURCES_FIX}`);
      }
      const above = requestAboveLimit(istioProxyResources);
      if (above) throw new Error(`IstioPodMonitor.prometheusSpec: istioProxyResources.${above.resource}: ${above.received}; ${REQUEST_ABOVE_LIMIT_FIX}`);
    }
    return {
      podMetadata: {
        labels: istioRevision === undefined ? { 'sidecar.istio.io/inject': 'true' } : { 'istio.io/rev': revisionLabel(istioRevision) },
        annotations: certOnlySidecarAnnotations(istioProxyResources),
      },
      volumes: [{ name: ISTIO_CERTS_VOLUME, emptyDir: { medium: 'Memory' } }],
      volumeMounts: [{ name: ISTIO_CERTS_VOLUME, mountPath: PROM_CERTS_DIR, readOnly: true }],
      scrapeClasses: [IstioPodMonitor.scrapeClass(scrapeClassName)],
    };
  }

  /** The PodMonitor (monitoring.coreos.com/v1). */
  public readonly podMonitor: ApiObject;
  /** The PeerAuthentication that makes the metrics port STRICT, unless `peerAuthentication` is false. */
  public readonly peerAuthentication?: ApiObject;

  constructor(scope: Construct, id: string, props: IstioPodMonitorProps) {
    super(scope, id);
    const version = parsePrometheusVersion(this, 'prometheusVersion', props.prometheusVersion ?? DEFAULT_PROMETHEUS_VERSION);
    const fix = http2Fix(this, 'prometheusVersion', version, false);
    if (fix === Http2Fix.ENVIRONMENT) {
      throw propError(this, 'prometheusVersion', `Prometheus ${version.text} needs ${ENABLE_HTTP2_ENV} in its environment to scrape Istio mTLS, which a PodMonitor cannot set`,
        'use Prometheus 2.35 or later (or set the variable on the Prometheus resource yourself and pass "2.31.0" here)');
    }
    const workloadObject = ApiObject.of(props.workload);
    const container = PodPorts.of(props.workload).requireServed(this, 'port', props.port);
    const declared = container.ports.find((p) => p.number === props.port);
    const path = checkHttpPath(this, 'path', props.path ?? '/metrics', 'give the path alone (a PodMonitor takes query parameters in its endpoints\' params, which this construct doesn\'t set)');
    const name = checkDnsSubdomain(this, 'name', props.name ?? workloadObject.name);
    // the pods' namespace (their chart's when the workload sets none)
    const podNamespace = workloadObject.metadata.namespace;
    const namespace = props.namespace ?? podNamespace;
    if (namespace === undefined) {
      throw propError(this, 'namespace', `workload ${show(props.workload.node.path)} has no namespace`, 'give the namespace of the workload\'s pods');
    }
    checkDnsLabel(this, 'namespace', namespace);
    const scrapeClass = checkDnsSubdomain(this, 'scrapeClass', props.scrapeClass ?? 'istio-mtls');

    const endpoint: PodMonitorSpecPodMetricsEndpoints = {
      // A named port works with every operator release; portNumber needs a recent one.
      ...(declared?.name ? { port: declared.name } : { portNumber: props.port }),
      path,
      scheme: PodMonitorSpecPodMetricsEndpointsScheme.HTTPS,
      // on the endpoint, not only in the scrape class: the operator documents only the class's
      // caFile, certFile and keyFile, and merges those into an endpoint's own tlsConfig (Istio's
      // workload certificates name a SPIFFE ID, not the pod's address, so nothing could verify it)
      tlsConfig: { insecureSkipVerify: true },
      ...(fix === Http2Fix.SCRAPE_CONFIG ? { enableHttp2: true } : {}),
      ...(props.interval ? { interval: promDuration(checkDuration(this, 'interval', props.interval)) } : {}),
    };
    const istio = IstioRelease.parse(this, 'istioVersion', props.istioVersion);
    requireHttpMetricsPort(this, 'port', props.workload, props.port, istio);
    if (props.peerAuthentication ?? true) {
      this.peerAuthentication = strictPortPolicy(this, 'peerAuthentication', props.workload, props.port, istio);
    }
    // a PodMonitor without namespaceSelector selects pods of its own namespace only
    this.podMonitor = new PodMonitor(this, 'pod-monitor', {
      metadata: { name, namespace },
      spec: {
        ...(podNamespace !== undefined && podNamespace !== namespace ? { namespaceSelector: { matchNames: [podNamespace] } } : {}),
        // the pod address label cdk8s-plus puts on every pod template (as the PeerAuthentication's):
        // it selects the workload's pods also when the workload has no selector of its own (select: false)
        selector: Lazy.any({
          produce: () => ({ matchLabels: props.workload.toPodSelectorConfig().labelSelector._toKube().matchLabels ?? {} }),
        }) as any,
        scrapeClass,
        podMetricsEndpoints: [endpoint],
      },
    });
  }
}

/** An Istio revision name as a label value (a DNS-1123 label). */
function revisionLabel(revision: string): string {
  if (!isDnsLabel(revision)) {
    throw new Error(`IstioPodMonitor.prometheusSpec: istioRevision: ${show(revision)} is not a revision name; `
      + 'give the revision as istioctl or the istiod chart named it (lower case letters, digits and "-", e.g. "1-30-3" or "canary")');
  }
  return revision;
}
