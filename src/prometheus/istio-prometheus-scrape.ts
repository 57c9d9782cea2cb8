import { ApiObject, Chart, Duration, Lazy, Size, Yaml } from 'cdk8s';
import * as kplus from 'cdk8s-plus-25';
import { Construct } from 'constructs';
import { requireHttpMetricsPort } from './port-protocol';
import { markForScraping, ScrapeAnnotationOptions } from './scrape-annotations';
import {
  certOnlySidecarAnnotations, checkDuration, ISTIO_CERTS_VOLUME, KubernetesSdRole, promDuration, PROM_CERTS_DIR, RelabelAction, RelabelRule,
  ScrapeJob, ScrapeJobContext, ScrapeJobOptions, ScrapeProtocol, ScrapeTargets,
} from './scrape-job';
import { EXACT, PrometheusStorage } from './storage';
import { strictPortPolicy } from './strict-port';
import { DEFAULT_PROMETHEUS_VERSION, ENABLE_HTTP2_ENV, Http2Fix, http2Fix, parsePrometheusVersion, Version } from './versions';
import { DestinationRuleSpecTrafficPolicyTlsMode, toJson_DestinationRuleSpec } from '../../imports/istio-networking.istio.io';
import { addConfigHash } from '../common/config-hash';
import { checkImageRepository } from '../common/image';
import { ISTIO_IGNORED_NAMESPACES, istioInjects } from '../common/injection';
import { hardenContainer } from '../common/pod';
import { requireResources } from '../common/resources';
import { versionedObject } from '../istio/ingress';
import { DEFAULT_ISTIO_VERSION, IstioRelease } from '../istio/version';
import { propError, show } from '../validation/errors';
import { checkDnsLabel } from '../validation/names';

/** How Prometheus reaches the metrics of workloads in an Istio mesh. */
export enum IstioScrapeMode {
  /**
   * Prometheus gets an Istio sidecar that only writes the workload certificates to a shared
   * in-memory volume (no traffic interception) and scrapes sidecar-injected pods over mutual
   * TLS with them. That needs the metrics port to be STRICT (a PERMISSIVE sidecar doesn't
   * terminate TLS without Istio's ALPN on it), which `addScrapeTarget` sets up with a
   * PeerAuthentication. Marked workloads opt out of metrics merging, and the Envoy statistics
   * are scraped separately from port 15090. Every annotated pod with a sidecar whose annotations
   * don't point at :15020 is scraped over mutual TLS, also one not marked through this library
   * (a mesh with metrics merging off, a pod opting out itself): its port needs STRICT too, or the
   * annotation `istio.mtls: "false"`, which sends it to the plain job.
   */
  MUTUAL_TLS = 'mutual-tls',
  /**
   * Istio's default: the sidecar merges the application's metrics with its own and serves them in
   * plain text on :15020/stats/prometheus, rewriting the `prometheus.io/*` annotations to point
   * there. Prometheus runs without a sidecar and scrapes plain HTTP. Not for TLS scraping.
   */
  METRICS_MERGING = 'metrics-merging',
}

/** What `IstioPrometheusScrape.addScrapeTarget` scrapes, and how. */
export interface IstioScrapeTargetOptions extends ScrapeAnnotationOptions {
  /**
   * MUTUAL_TLS mode: add a PeerAuthentication that makes the metrics port STRICT for the
   * workload's pods (port-level, the rest of the pod keeps its namespace's or mesh's mode).
   * Prometheus's TLS connection carries no Istio ALPN, which a sidecar in PERMISSIVE mode (the
   * mesh's default) doesn't terminate on an HTTP port; only a STRICT port accepts it. The port
   * then refuses plain-text clients outside the mesh. Pass false when the workload is already
   * STRICT (mesh- or namespace-wide) or you manage its PeerAuthentication, since two
   * workload-level policies for one workload conflict: Istio applies the oldest, so either yours
   * is ignored (and the rest of the pod keeps the namespace's mode) or this one is (and the
   * scrape fails). Add the metrics port to your own policy instead. Refused for a workload in
   * istio-system, the mesh's root namespace, where Istio ignores policies with a selector.
   * @default true in MUTUAL_TLS mode
   */
  readonly peerAuthentication?: boolean;
}

/** Props for `IstioPrometheusScrape`. */
export interface IstioPrometheusScrapeProps {
  /**
   * The namespace of the namespaced objects.
   * @default - the chart's namespace, or "istio-system" (where Istio's own sample puts Prometheus) when the chart has none
   */
  readonly namespace?: string;
  /**
   * The name of the objects (ServiceAccount, ClusterRole, ConfigMap, Deployment, Service, ...).
   * Istio's sample Prometheus (samples/addons/prometheus.yaml) uses the default name in
   * istio-system too: its Deployment's selector can't be changed, so applying both fails; remove
   * the sample first or give another name.
   * @default "prometheus"
   */
  readonly name?: string;
  /**
   * The Prometheus release (`prom/prometheus` image tag without the "v"). It decides how HTTP/2 is
   * enabled for Istio mTLS scraping: 2.21-2.28 can't scrape Istio mTLS and are refused in
   * MUTUAL_TLS mode, 2.29-2.30 get the PROMETHEUS_COMMON_ENABLE_HTTP2 environment variable,
   * 2.31-2.34 need nothing, 2.35 and later get `enable_http2: true` on the mTLS jobs.
   * @default "3.13.3" (IstioPrometheusScrape.DEFAULT_PROMETHEUS_VERSION, the current LTS release)
   */
  readonly prometheusVersion?: string;
  /**
   * The Istio version of the mesh ("1.30" or "1.30.3"). MUTUAL_TLS mode needs 1.10 or newer: earlier
   * agents may write the OUTPUT_CERTS files readable only by the proxy's uid 1337. METRICS_MERGING
   * mode takes 1.7 or newer. From 1.10 the sidecar is requested (or refused) with the
   * `sidecar.istio.io/inject` pod label; 1.7-1.9 use the annotation of the same name. The
   * DestinationRule is networking.istio.io/v1 from 1.22, v1beta1 before.
   * @default "1.30" (IstioPrometheusScrape.DEFAULT_ISTIO_VERSION)
   */
  readonly istioVersion?: string;
  /**
   * How workloads are scraped.
   * @default IstioScrapeMode.MUTUAL_TLS
   */
  readonly mode?: IstioScrapeMode;
  /**
   * The image repository, without a tag or digest (e.g. a mirror such as
   * "registry.example.com:5000/mirror/prometheus"); the tag is always `v<prometheusVersion>`.
   * @default "prom/prometheus"
   */
  readonly imageRepository?: string;
  /**
   * Where the TSDB lives.
   * @default PrometheusStorage.emptyDir() - 10 GiB, lost with the pod
   */
  readonly storage?: PrometheusStorage;
  /**
   * How long samples are kept (`--storage.tsdb.retention.time`).
   * @default Duration.days(15)
   */
  readonly retention?: Duration;
  /**
   * The most the TSDB may use (`--storage.tsdb.retention.size`); must be smaller than the storage.
   * @default - 80% of the storage size, leaving room for the WAL and compaction
   */
  readonly retentionSize?: Size;
  /**
   * How often targets are scraped (`global.scrape_interval`).
   * @default Duration.seconds(15)
   */
  readonly scrapeInterval?: Duration;
  /**
   * How long a scrape may take (`global.scrape_timeout`); at most the scrape interval.
   * @default - 10 seconds, or the scrape interval when that is shorter (as Prometheus does)
   */
  readonly scrapeTimeout?: Duration;
  /**
   * CPU and memory requests and limits of the Prometheus container (all four are required).
   * @default - requests 250m CPU and 512Mi memory, limits 1 CPU and 2Gi memory
   */
  readonly resources?: kplus.ContainerResources;
  /**
   * CPU and memory requests and limits of the cert-only istio-proxy container (MUTUAL_TLS mode;
   * all four are required), written as the injector's `sidecar.istio.io/proxyCPU`,
   * `proxyCPULimit`, `proxyMemory` and `proxyMemoryLimit` pod annotations. The proxy intercepts no
   * traffic but still receives the mesh's configuration, so its memory grows with the mesh.
   * @default - the mesh's `global.proxy.resources` (Istio's chart defaults: requests 100m CPU and 128Mi memory, limits 2 CPU and 1Gi memory)
   */
  readonly istioProxyResources?: kplus.ContainerResources;
  /**
   * The Istio revision whose sidecar Prometheus gets (MUTUAL_TLS mode): the pod label
   * `istio.io/rev`, which that revision's injector selects. On a mesh installed with revisions and
   * no default revision or tag, the `sidecar.istio.io/inject` label alone gets no sidecar, and
   * without it Prometheus has no certificates to scrape with. Istio's injectors read the pod label
   * only in a namespace labelled neither `istio-injection` nor `istio.io/rev` (a namespace label
   * picks the injector itself), so leave Prometheus's namespace unlabelled.
   * @default - the default revision (pod label `sidecar.istio.io/inject: "true"`)
   */
  readonly istioRevision?: string;
  /**
   * Scrape jobs added after the built-in ones (`addScrapeJob` is called for each).
   * @default - none
   */
  readonly scrapeJobs?: ScrapeJobOptions[];
}

const PORT = 9090;
const DEFAULT_REPOSITORY = 'prom/prometheus';
const USER = 65534; // "nobody" in the prom/prometheus image
const CONFIG_DIR = '/etc/prometheus';
const CONFIG_FILE = 'prometheus.yml';
const TSDB_DIR = '/prometheus';

const ISTIO_INJECT = 'sidecar.istio.io/inject';
/** The istio-agent port that serves merged metrics in plain text. */
const ISTIO_MERGED_METRICS_PORT = 15020;
const MERGE_METRICS = 'prometheus.istio.io/merge-metrics';

/** Pod meta labels the generated jobs read (Prometheus turns annotation keys into `_`-separated names). */
const META = {
  scrape: '__meta_kubernetes_pod_annotation_prometheus_io_scrape',
  path: '__meta_kubernetes_pod_annotation_prometheus_io_path',
  port: '__meta_kubernetes_pod_annotation_prometheus_io_port',
  scheme: '__meta_kubernetes_pod_annotation_prometheus_io_scheme',
  sidecarStatus: '__meta_kubernetes_pod_annotation_sidecar_istio_io_status',
  istioMtls: '__meta_kubernetes_pod_annotation_istio_mtls',
  podIp: '__meta_kubernetes_pod_ip',
  phase: '__meta_kubernetes_pod_phase',
  containerPortName: '__meta_kubernetes_pod_container_port_name',
};
const TMP_MTLS = '__tmp_istio_mtls';

const MERGE_MARKS = new WeakMap<kplus.AbstractPod, { mode: IstioScrapeMode; by: string; peerAuthentication: boolean }>();

/**
 * A Prometheus server that scrapes the workloads of an Istio mesh, including pods under STRICT
 * mutual TLS (seed 001).
 *
 * It creates a ServiceAccount, a ClusterRole with the read access its service discovery needs
 * and its binding, a ConfigMap holding prometheus.yml, a Deployment and a Service. In the default
 * MUTUAL_TLS mode the pod template asks Istio for a cert-only sidecar (no inbound or outbound
 * interception, certificates written through OUTPUT_CERTS to an in-memory volume that Prometheus
 * reads at /etc/prom-certs) and a DestinationRule tells in-mesh clients to reach the server in
 * plain text, since its port is not behind the sidecar.
 *
 * Configuration changes roll the pod through a hash annotation on the pod template (the server
 * runs without `--web.enable-lifecycle`, so no one can reload or stop it over HTTP).
 */
export class IstioPrometheusScrape extends Construct {
  /** The Prometheus release used when `prometheusVersion` is not given. */
  public static readonly DEFAULT_PROMETHEUS_VERSION = DEFAULT_PROMETHEUS_VERSION;
  /** The Istio version assumed when `istioVersion` is not given. */
  public static readonly DEFAULT_ISTIO_VERSION = DEFAULT_ISTIO_VERSION;

  /** The Prometheus release deployed, e.g. "3.13.3". */
  public readonly prometheusVersion: string;
  /** The Istio version the pod template is written for. */
  public readonly istioVersion: string;
  /** How workloads are scraped. */
  public readonly mode: IstioScrapeMode;
  /** The namespace of the namespaced objects. */
  public readonly namespace: string;
  /** The identity of the server, used by Kubernetes service discovery. */
  public readonly serviceAccount: kplus.ServiceAccount;
  /** Read access for Kubernetes service discovery, derived from the roles of the scrape jobs. */
  public readonly clusterRole: kplus.ClusterRole;
  /** Binds the ClusterRole to the ServiceAccount. */
  public readonly clusterRoleBinding: kplus.ClusterRoleBinding;
  /** Holds `prometheus.yml`, rendered at synth time from the scrape jobs. */
  public readonly configMap: kplus.ConfigMap;
  /** One replica; its pod template carries the Istio annotations and the config hash. */
  public readonly deployment: kplus.Deployment;
  /** The Prometheus container. */
  public readonly container: kplus.Container;
  /** ClusterIP Service on port 9090 (named "http"). */
  public readonly service: kplus.Service;
  /** The claim holding the TSDB, when `PrometheusStorage.persistentVolumeClaim` was chosen. */
  public readonly persistentVolumeClaim?: kplus.PersistentVolumeClaim;
  /**
   * MUTUAL_TLS mode only: a DestinationRule (TLS mode DISABLE) for the Service, so that in-mesh
   * clients such as Grafana or Kayenta don't originate mTLS to a port the sidecar doesn't serve.
   */
  public readonly destinationRule?: ApiObject;

  private readonly version: Version;
  private readonly istio: IstioRelease;
  private readonly jobs: ScrapeJob[] = [];
  private readonly jobContext: ScrapeJobContext;
  private readonly grantedResources = new Set<string>();

  constructor(scope: Construct, id: string, props: IstioPrometheusScrapeProps = {}) {
    super(scope, id);
    const name = checkDnsLabel(this, 'name', props.name ?? 'prometheus');
    this.namespace = checkDnsLabel(this, 'namespace', props.namespace ?? Chart.of(this).namespace ?? 'istio-system');
    const namespace = this.namespace;
    this.mode = props.mode ?? IstioScrapeMode.MUTUAL_TLS;
    if (!Object.values(IstioScrapeMode).includes(this.mode)) {
      throw propError(this, 'mode', `received ${show(this.mode)}`, 'use IstioScrapeMode.MUTUAL_TLS or IstioScrapeMode.METRICS_MERGING');
    }
    this.version = parsePrometheusVersion(this, 'prometheusVersion', props.prometheusVersion ?? DEFAULT_PROMETHEUS_VERSION);
    this.prometheusVersion = this.version.text;
    const istio = IstioRelease.parse(this, 'istioVersion', props.istioVersion);
    const mtls = this.mode === IstioScrapeMode.MUTUAL_TLS;
    if (mtls) {
      // istio/istio#28929 made the agent write OUTPUT_CERTS files 0600 for the proxy's uid 1337;
      // #31531 made them readable again on Kubernetes. Before 1.10 Prometheus may not read its key.
      istio.requireAtLeast(this, 'istioVersion', 1, 10, 'IstioPrometheusScrape in MUTUAL_TLS mode',
        'before 1.10 the cert-only sidecar may write the certificates readable only by its own uid 1337, so Prometheus could not load them',
        `upgrade Istio, e.g. to "${DEFAULT_ISTIO_VERSION}", or use IstioScrapeMode.METRICS_MERGING`);
    } else {
      istio.requireAtLeast(this, 'istioVersion', 1, 7, 'IstioPrometheusScrape',
        'the per-pod prometheus.istio.io/merge-metrics annotation it sets is read from Istio 1.7', `upgrade Istio, e.g. to "${DEFAULT_ISTIO_VERSION}"`);
    }
    this.istioVersion = istio.text;
    this.istio = istio;
    // HTTP/2 only matters when something is scraped over Istio mTLS.
    const http2 = mtls ? http2Fix(this, 'prometheusVersion', this.version) : Http2Fix.NONE;

    const scrapeInterval = checkDuration(this, 'scrapeInterval', props.scrapeInterval ?? Duration.seconds(15));
    // As Prometheus does: a timeout left out is 10s, or the interval when that is shorter.
    const scrapeTimeout = props.scrapeTimeout === undefined
      ? (scrapeInterval.toMilliseconds() < 10_000 ? scrapeInterval : Duration.seconds(10))
      : checkDuration(this, 'scrapeTimeout', props.scrapeTimeout);
    if (scrapeTimeout.toMilliseconds() > scrapeInterval.toMilliseconds()) {
      throw propError(this, 'scrapeTimeout', `${promDuration(scrapeTimeout)} is longer than scrapeInterval ${promDuration(scrapeInterval)}`,
        'give a timeout no longer than the interval (Prometheus refuses the configuration otherwise)');
    }
    this.jobContext = { version: this.version, http2, istioCertificates: mtls, scrapeInterval, scrapeTimeout };

    const labels = { 'app.kubernetes.io/name': 'prometheus', 'app.kubernetes.io/instance': name };

    this.serviceAccount = new kplus.ServiceAccount(this, 'service-account', {
      metadata: { name, namespace, labels },
      automountToken: true, // Kubernetes service discovery calls the API with this token
    });
    // Cluster-scoped: the namespace is in the name, so servers in two namespaces don't overwrite each other's.
    const clusterName = `${namespace}-${name}`;
    this.clusterRole = new kplus.ClusterRole(this, 'cluster-role', { metadata: { name: clusterName, labels } });
    this.clusterRoleBinding = new kplus.ClusterRoleBinding(this, 'cluster-role-binding', { metadata: { name: clusterName, labels }, role: this.clusterRole });
    this.clusterRoleBinding.addSubjects(this.serviceAccount);

    this.configMap = new kplus.ConfigMap(this, 'config', { metadata: { name, namespace, labels } });
    // The file is rendered at synth so that jobs added after the constructor are in it.
    this.configMap.addData(CONFIG_FILE, Lazy.any({ produce: () => this.renderConfig() }));

    const storage = (props.storage ?? PrometheusStorage.emptyDir())._bind(this, { name, namespace });
    this.persistentVolumeClaim = storage.claim;
    const retentionSize = props.retentionSize ?? Size.mebibytes(Math.floor(storage.size.toMebibytes(EXACT) * 0.8));
    if (!(retentionSize.toMebibytes(EXACT) > 0) || retentionSize.toMebibytes(EXACT) >= storage.size.toMebibytes(EXACT)) {
      throw propError(this, 'retentionSize', `${retentionSize.toMebibytes(EXACT)}Mi does not fit the ${storage.size.toMebibytes(EXACT)}Mi storage`,
        'give a retention size below the storage size (the WAL and compaction need room beyond it)');
    }
    const retention = props.retention ?? Duration.days(15);
    if (!(retention.toMilliseconds() >= 3_600_000)) {
      throw propError(this, 'retention', `${promDuration(retention)} is shorter than an hour`, 'keep samples for at least Duration.hours(1)');
    }

    this.deployment = new kplus.Deployment(this, 'deployment', {
      metadata: { name, namespace, labels },
      replicas: 1,
      strategy: storage.recreate ? kplus.DeploymentStrategy.recreate() : undefined,
      serviceAccount: this.serviceAccount,
      automountServiceAccountToken: true,
      securityContext: {
        user: USER,
        group: USER,
        fsGroup: USER,
        ensureNonRoot: true,
        // the kubelet doesn't walk a whole TSDB volume at every start to set its group
        fsGroupChangePolicy: kplus.FsGroupChangePolicy.ON_ROOT_MISMATCH,
      },
      podMetadata: { labels },
    });

    const env: Record<string, kplus.EnvValue> = {};
    if (http2 === Http2Fix.ENVIRONMENT) env[ENABLE_HTTP2_ENV] = kplus.EnvValue.fromValue('1');
    this.container = this.deployment.addContainer({
      name: 'prometheus',
      image: `${checkImageRepository(this, 'imageRepository', props.imageRepository ?? DEFAULT_REPOSITORY, 'the tag is always "v<prometheusVersion>"')}:v${this.version.text}`,
      imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
      args: [
        `--config.file=${CONFIG_DIR}/${CONFIG_FILE}`,
        `--storage.tsdb.path=${TSDB_DIR}`,
        `--storage.tsdb.retention.time=${promDuration(retention)}`,
        `--storage.tsdb.retention.size=${Math.floor(retentionSize.toMebibytes(EXACT))}MB`, // Prometheus's MB are MiB
        `--web.listen-address=:${PORT}`,
      ],
      ports: [{ number: PORT, name: 'http' }],
      envVariables: env,
      securityContext: { user: USER, group: USER, ensureNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false },
      resources: requireResources(this, 'resources', props.resources) ?? {
        cpu: { request: kplus.Cpu.millis(250), limit: kplus.Cpu.units(1) },
        memory: { request: Size.mebibytes(512), limit: Size.gibibytes(2) },
      },
      // /-/ready stays 503 while the WAL is replayed; /-/healthy answers as soon as the server runs.
      readiness: kplus.Probe.fromHttpGet('/-/ready', {
        port: PORT, periodSeconds: Duration.seconds(5), timeoutSeconds: Duration.seconds(4), failureThreshold: 3,
      }),
      liveness: kplus.Probe.fromHttpGet('/-/healthy', {
        port: PORT,
        initialDelaySeconds: Duration.seconds(30),
        periodSeconds: Duration.seconds(15),
        timeoutSeconds: Duration.seconds(10),
        failureThreshold: 3,
      }),
    });
    hardenContainer(this, this.deployment, this.container);
    this.container.mount(CONFIG_DIR, kplus.Volume.fromConfigMap(this, 'config-volume', this.configMap, { name: 'config' }), { readOnly: true });
    this.container.mount(TSDB_DIR, storage.volume);
    addConfigHash(this.deployment, name, () => this.renderConfig());

    const pod = this.deployment.podMetadata;
    const setInject = (value: string) => (istio.injectionByPodLabel ? pod.addLabel(ISTIO_INJECT, value) : pod.addAnnotation(ISTIO_INJECT, value));
    if (props.istioRevision !== undefined && !mtls) {
      throw propError(this, 'istioRevision', `${show(props.istioRevision)} given in METRICS_MERGING mode, where Prometheus runs without an Istio sidecar`,
        'drop istioRevision, or use IstioScrapeMode.MUTUAL_TLS');
    }
    if (mtls) {
      if (ISTIO_IGNORED_NAMESPACES.includes(namespace)) {
        throw propError(this, 'namespace', `${show(namespace)}, where Istio never injects a sidecar, in MUTUAL_TLS mode, whose certificates the sidecar writes`,
          'run Prometheus in another namespace (e.g. "istio-system" or "monitoring"), or use IstioScrapeMode.METRICS_MERGING');
      }
      this.node.addValidation({ validate: () => this.checkInjection(namespace) });
      // a revision's injector selects its pods by istio.io/rev (the default one by the inject label)
      if (props.istioRevision !== undefined) pod.addLabel('istio.io/rev', checkDnsLabel(this, 'istioRevision', props.istioRevision));
      else setInject('true');
      // mTLS mode needs Istio 1.10+, which reads every one of these
      const proxyResources = requireResources(this, 'istioProxyResources', props.istioProxyResources);
      for (const [key, value] of Object.entries(certOnlySidecarAnnotations(proxyResources))) pod.addAnnotation(key, value);
      const certs = kplus.Volume.fromEmptyDir(this, 'istio-certs', ISTIO_CERTS_VOLUME, { medium: kplus.EmptyDirMedium.MEMORY });
      this.container.mount(PROM_CERTS_DIR, certs, { readOnly: true });
      this.destinationRule = this.plaintextDestinationRule(name, namespace, labels, istio);
    } else {
      if (props.istioProxyResources) {
        throw propError(this, 'istioProxyResources', 'given in METRICS_MERGING mode, where Prometheus runs without an Istio sidecar',
          'drop istioProxyResources, or use IstioScrapeMode.MUTUAL_TLS');
      }
      setInject('false'); // no sidecar, even in an injection-enabled namespace
    }

    this.service = new kplus.Service(this, 'service', {
      metadata: { name, namespace, labels },
      selector: this.deployment,
      ports: [{ name: 'http', port: PORT, targetPort: PORT }],
    });

    for (const job of this.builtInJobs()) this.addJob(`built-in job ${show(job.name)}`, job);
    (props.scrapeJobs ?? []).forEach((job, i) => this.addJob(`scrapeJobs[${i}]`, job));
  }

  /**
   * Adds a scrape job after the built-in ones, and the read access its Kubernetes service
   * discovery needs to the ClusterRole.
   * @returns the job
   */
  public addScrapeJob(options: ScrapeJobOptions): ScrapeJob {
    return this.addJob('addScrapeJob', options);
  }

  /**
   * Marks `workload` for this server's pod jobs: the `prometheus.io/*` annotations (see
   * `PrometheusScrapeAnnotations.addTo`) plus `prometheus.istio.io/merge-metrics`, "false" in
   * MUTUAL_TLS mode (the sidecar must leave the annotations pointing at the application, which it
   * then serves over mTLS) and "true" in METRICS_MERGING mode.
   *
   * In MUTUAL_TLS mode it also makes the metrics port STRICT with a PeerAuthentication for the
   * workload's pods (see `IstioScrapeTargetOptions.peerAuthentication`), unless told not to.
   * @returns the PeerAuthentication, if one was added
   */
  public addScrapeTarget(workload: kplus.AbstractPod, options: IstioScrapeTargetOptions): ApiObject | undefined {
    const previous = MERGE_MARKS.get(workload);
    if (previous && previous.mode !== this.mode) {
      throw propError(this, 'addScrapeTarget',
        `workload ${show(workload.node.path)} is already scraped in ${previous.mode} mode by ${previous.by}, and ${this.mode} mode was asked for`,
        'metrics merging serves plain text on :15020 and mutual TLS needs the application port: scrape the workload in one mode only');
    }
    const peerAuthentication = options.peerAuthentication ?? true;
    if (this.mode !== IstioScrapeMode.MUTUAL_TLS && options.peerAuthentication !== undefined) {
      throw propError(this, 'addScrapeTarget.peerAuthentication', `is ${options.peerAuthentication} in ${this.mode} mode, which scrapes the sidecar's plain-text port`,
        'drop peerAuthentication (it applies to IstioScrapeMode.MUTUAL_TLS only)');
    }
    markForScraping(this, 'addScrapeTarget.', workload, { port: options.port, path: options.path }, undefined, this.mode === IstioScrapeMode.MUTUAL_TLS
      ? 'give the path alone (in METRICS_MERGING mode Istio\'s pilot-agent fetches the path as given, query included)' : undefined);
    if (this.mode === IstioScrapeMode.MUTUAL_TLS) requireHttpMetricsPort(this, 'addScrapeTarget.port', workload, options.port, this.istio);
    if (previous) {
      if (previous.peerAuthentication !== peerAuthentication && this.mode === IstioScrapeMode.MUTUAL_TLS) {
        throw propError(this, 'addScrapeTarget.peerAuthentication', `is ${peerAuthentication} for workload ${show(workload.node.path)}, which ${previous.by} scrapes with peerAuthentication ${previous.peerAuthentication}`,
          'give both the same value: the workload has one PeerAuthentication or none');
      }
      return undefined;
    }
    MERGE_MARKS.set(workload, { mode: this.mode, by: this.node.path, peerAuthentication });
    workload.podMetadata.addAnnotation(MERGE_METRICS, this.mode === IstioScrapeMode.MUTUAL_TLS ? 'false' : 'true');
    if (this.mode !== IstioScrapeMode.MUTUAL_TLS || !peerAuthentication) return undefined;
    return strictPortPolicy(this, 'addScrapeTarget.peerAuthentication', workload, options.port, this.istio);
  }

  private addJob(prop: string, options: ScrapeJobOptions): ScrapeJob {
    const job = ScrapeJob._create(this, prop, options, this.jobContext);
    const clash = this.jobs.find((j) => j.name === job.name);
    if (clash) {
      throw propError(this, `${prop}.name`, `the job name ${show(job.name)} is already used`, 'give every scrape job its own name (Prometheus refuses duplicate job names)');
    }
    this.jobs.push(job);
    if (job.role) this.grantDiscovery(job.role);
    return job;
  }

  /** Read access for one service-discovery role (pods, services, endpoints, ...). */
  private grantDiscovery(role: KubernetesSdRole): void {
    const needs: Record<KubernetesSdRole, kplus.ApiResource[]> = {
      [KubernetesSdRole.POD]: [kplus.ApiResource.PODS],
      [KubernetesSdRole.SERVICE]: [kplus.ApiResource.SERVICES],
      [KubernetesSdRole.ENDPOINTS]: [kplus.ApiResource.ENDPOINTS, kplus.ApiResource.SERVICES, kplus.ApiResource.PODS],
      [KubernetesSdRole.ENDPOINT_SLICE]: [kplus.ApiResource.ENDPOINT_SLICES, kplus.ApiResource.SERVICES, kplus.ApiResource.PODS],
      [KubernetesSdRole.NODE]: [kplus.ApiResource.NODES],
      [KubernetesSdRole.INGRESS]: [kplus.ApiResource.INGRESSES],
    };
    const missing = needs[role].filter((r) => !this.grantedResources.has(`${r.apiGroup}/${r.resourceType}`));
    if (missing.length === 0) return;
    missing.forEach((r) => this.grantedResources.add(`${r.apiGroup}/${r.resourceType}`));
    this.clusterRole.allow(['get', 'list', 'watch'], ...missing);
  }

  /** prometheus.yml, built as an object and serialized once. */
  private renderConfig(): string {
    const config = {
      global: { scrape_interval: promDuration(this.jobContext.scrapeInterval), scrape_timeout: promDuration(this.jobContext.scrapeTimeout) },
      scrape_configs: this.jobs.map((j) => j._toPrometheus()),
    };
    return Yaml.stringify(config);
  }

  private builtInJobs(): ScrapeJobOptions[] {
    const self: ScrapeJobOptions = { name: 'prometheus', targets: ScrapeTargets.fromAddresses([`localhost:${PORT}`]) };
    // Whatever pods are annotated for: Prometheus 3 fails a scrape whose Content-Type is missing or
    // not a metrics format, which 2.x read as text (apps that answer text/html or nothing)
    const annotated = {
      targets: ScrapeTargets.kubernetes(KubernetesSdRole.POD),
      ...(this.jobContext.version.major >= 3 ? { fallbackScrapeProtocol: ScrapeProtocol.PROMETHEUS_TEXT_0_0_4 } : {}),
    };
    if (this.mode === IstioScrapeMode.METRICS_MERGING) {
      return [self, { name: 'kubernetes-pods', ...annotated, relabelings: annotatedPodRules(undefined) }];
    }
    return [
      self,
      // Pods without a sidecar (or annotated istio.mtls: "false"): plain HTTP.
      { name: 'kubernetes-pods', ...annotated, relabelings: annotatedPodRules(false) },
      // Pods with a sidecar: mutual TLS with the certificates of Prometheus's own sidecar.
      { name: 'kubernetes-pods-istio-secure', ...annotated, istioMutualTls: true, relabelings: annotatedPodRules(true) },
      // The sidecars' own statistics, which MUTUAL_TLS mode doesn't merge into the application's.
      {
        name: 'istio-envoy-stats',
        targets: ScrapeTargets.kubernetes(KubernetesSdRole.POD),
        metricsPath: '/stats/prometheus',
        relabelings: [
          // A pod still merging its metrics has the Envoy statistics in what kubernetes-pods scrapes
          // from :15020; scraping :15090 as well would store every Envoy series twice.
          { action: RelabelAction.DROP, sourceLabels: [META.scrape, META.port], regex: `true;${ISTIO_MERGED_METRICS_PORT}` },
          { action: RelabelAction.KEEP, sourceLabels: [META.containerPortName], regex: '.*-envoy-prom' },
          ...podLabelRules(),
        ],
      },
    ];
  }

  /**
   * MUTUAL_TLS mode: whether Istio injects the cert-only sidecar that writes Prometheus's
   * certificates, as its webhooks decide from the pod's labels and those of a Namespace object of
   * the app (without the sidecar the secure job's files never appear and Prometheus can't load its
   * configuration).
   */
  private checkInjection(namespace: string): string[] {
    const ns = this.node.root.node.findAll().find((c): c is ApiObject => ApiObject.isApiObject(c) && c.kind === 'Namespace' && c.name === namespace);
    const template = ApiObject.of(this.deployment).toJson().spec?.template?.metadata ?? {};
    const nsLabels = ns ? (ns.toJson().metadata?.labels ?? {}) : undefined;
    const labels = template.labels ?? {};
    const annotations = template.annotations ?? {};
    if (istioInjects(labels, annotations, nsLabels, namespace)) return [];
    // every cause: the pod's own opt-out (it wins over any namespace label), then the namespace's
    const causes: Array<[string, string]> = [];
    if (!istioInjects(labels, annotations, { 'istio-injection': 'enabled' })) {
      causes.push([`its pod template opts out of injection (sidecar.istio.io/inject: ${show(labels['sidecar.istio.io/inject'] ?? annotations['sidecar.istio.io/inject'])})`,
        'remove the sidecar.istio.io/inject override from the pod template']);
    }
    const nsInjection = nsLabels?.['istio-injection'];
    if (nsInjection !== undefined && nsInjection !== 'enabled') {
      causes.push([`its Namespace ${show(namespace)} is labelled istio-injection: ${show(nsInjection)}, which only "enabled" injects`,
        'label the namespace istio-injection: enabled (or drop the label)']);
    } else if (causes.length === 0) {
      causes.push([`neither its Namespace ${show(namespace)} nor its pod template asks for injection`, 'label the namespace istio-injection: enabled']);
    }
    return [`${this.node.path}: namespace: Istio would inject no sidecar into the Prometheus pods (${causes.map((c) => c[0]).join('; ')}), and in MUTUAL_TLS mode the sidecar `
      + `writes the certificates the secure scrape job reads, so Prometheus would not load its configuration; ${causes.map((c) => c[1]).join(' and ')}, or use IstioScrapeMode.METRICS_MERGING`];
  }

  private plaintextDestinationRule(name: string, namespace: string, labels: Record<string, string>, istio: IstioRelease): ApiObject {
    return versionedObject(this, 'destination-rule', istio.networkingApiVersion, 'DestinationRule', { name: `${name}-plaintext`, namespace, labels },
      toJson_DestinationRuleSpec({ host: name, trafficPolicy: { tls: { mode: DestinationRuleSpecTrafficPolicyTlsMode.DISABLE } } }));
  }
}

/**
 * Relabelling for jobs that follow the `prometheus.io/*` pod annotations.
 * @param secure true: only pods with a sidecar; false: only pods without; undefined: every pod
 */
function annotatedPodRules(secure: boolean | undefined): RelabelRule[] {
  const rules: RelabelRule[] = [{ action: RelabelAction.KEEP, sourceLabels: [META.scrape], regex: 'true' }];
  if (secure !== undefined) {
    rules.push(
      // A pod is scraped over mTLS when the injector marked it (sidecar.istio.io/status) ...
      { action: RelabelAction.REPLACE, sourceLabels: [META.sidecarStatus], regex: '.+', targetLabel: TMP_MTLS, replacement: 'true' },
      // ... unless an istio.mtls annotation says otherwise ...
      { action: RelabelAction.REPLACE, sourceLabels: [META.istioMtls], regex: '(true|false)', targetLabel: TMP_MTLS, replacement: '$1' },
      // ... or its annotations point at the sidecar's merged-metrics port (a pod that didn't opt out
      // of metrics merging), which pilot-agent serves in plain text whatever istio.mtls says.
      { action: RelabelAction.REPLACE, sourceLabels: [META.port], regex: String(ISTIO_MERGED_METRICS_PORT), targetLabel: TMP_MTLS, replacement: 'false' },
      { action: secure ? RelabelAction.KEEP : RelabelAction.DROP, sourceLabels: [TMP_MTLS], regex: 'true' },
    );
  }
  if (!secure) {
    // prometheus.io/scheme: "https" for an application that serves its metrics over TLS itself;
    // the sidecar's merged-metrics port is plain HTTP whatever the annotation says.
    rules.push(
      { action: RelabelAction.REPLACE, sourceLabels: [META.scheme], regex: '(https?)', targetLabel: '__scheme__', replacement: '$1' },
      { action: RelabelAction.REPLACE, sourceLabels: [META.port], regex: String(ISTIO_MERGED_METRICS_PORT), targetLabel: '__scheme__', replacement: 'http' },
    );
  }
  rules.push(
    { action: RelabelAction.REPLACE, sourceLabels: [META.path], regex: '(.+)', targetLabel: '__metrics_path__', replacement: '$1' },
    // The pod IP with the annotated port; IPv6 addresses need brackets.
    { action: RelabelAction.REPLACE, sourceLabels: [META.podIp, META.port], regex: '([^:]+);(\\d+)', targetLabel: '__address__', replacement: '$1:$2' },
    { action: RelabelAction.REPLACE, sourceLabels: [META.podIp, META.port], regex: '(.+:.+);(\\d+)', targetLabel: '__address__', replacement: '[$1]:$2' },
    ...podLabelRules(),
  );
  return rules;
}

/** Drops pods that aren't running and copies the pod's labels, namespace and name. */
function podLabelRules(): RelabelRule[] {
  return [
    { action: RelabelAction.DROP, sourceLabels: [META.phase], regex: 'Pending|Succeeded|Failed' },
    { action: RelabelAction.LABEL_MAP, regex: '__meta_kubernetes_pod_label_(.+)' },
    { action: RelabelAction.REPLACE, sourceLabels: ['__meta_kubernetes_namespace'], targetLabel: 'namespace' },
    { action: RelabelAction.REPLACE, sourceLabels: ['__meta_kubernetes_pod_name'], targetLabel: 'pod' },
  ];
}
