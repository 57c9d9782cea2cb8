import { ApiObject, Duration, JsonPatch, Size, Yaml } from 'cdk8s';
import * as kplus from 'cdk8s-plus-25';
import { Construct } from 'constructs';
import { CanaryConfig, KayentaCanaryConfigs, lazyString } from './canary-config';
import { KayentaCredentials, rejectJvmCredentials, rejectLiteralCredentials } from './credentials';
import { exposeKayenta, KayentaIngressOptions, planKayentaIngress } from './ingress';
import { KayentaRedis } from './redis';
import { KayentaAccount, KayentaMetricsStore, KayentaStorage, KayentaStoreType } from './stores';
import { addConfigHash } from '../common/config-hash';
import { pullPolicyFor } from '../common/image';
import { newNamespace } from '../common/namespace';
import { hardenContainer } from '../common/pod';
import { requireResources } from '../common/resources';
import { IngressCertificate } from '../istio/certificate';
import { IngressRoute } from '../istio/route';
import { OAuth2ProxyIstio } from '../oauth2-proxy/oauth2-proxy-istio';
import { Redis } from '../redis';
import { propError, show } from '../validation/errors';
import { checkDnsLabel, checkServiceName } from '../validation/names';
import { checkPort } from '../validation/ports';

/** The Kayenta image the library pins by default (the slim, Alpine-based variant). */
const DEFAULT_IMAGE = 'us-docker.pkg.dev/spinnaker-community/docker/kayenta:2026.0.4-slim';
/** uid/gid of the `spinnaker` user in the slim image (Dockerfile.slim: `adduser -u 10111`). */
const KAYENTA_UID = 10111;
const KAYENTA_PORT = 8090;
/**
 * Where kayenta.yml is mounted: the directory the image's start script imports
 * (`-Dspring.config.import=optional:/opt/spinnaker/config/`, set by Spinnaker's build), read after
 * the image's own defaults (/opt/kayenta/config/kayenta.yml, on the classpath), so that this file
 * overrides them key by key and the defaults it doesn't set (among them the exclusion of Spring's
 * DataSource auto-configuration) stay.
 */
const CONFIG_DIR = '/opt/spinnaker/config';
const SECRET_FILES_DIR = '/var/run/secrets/kayenta';

/**
 * Every `kayenta.<section>.enabled` flag Kayenta knows. Sections this construct doesn't enable are
 * written as `enabled: false`, so that kayenta.yml says what is off as clearly as what is on.
 */
const SECTIONS = ['atlas', 'aws', 'azure', 'blobs', 'configbin', 'datadog', 'gcs', 'google', 'graphite', 'influxdb',
  'memory', 'newrelic', 'prometheus', 'remoteJudge', 's3', 'signalfx', 'stackdriver', 'wavefront'];
/** Sections that register accounts: enabling one without accounts does nothing. */
const ACCOUNT_SECTIONS = ['atlas', 'aws', 'azure', 'clickhouse', 'configbin', 'datadog', 'google', 'graphite', 'influxdb', 'memory', 'newrelic', 'prometheus',
  'signalfx', 'wavefront'];
/** Sections whose accounts are metrics stores without `supportedTypes` (Kayenta's defaults for them). */
const METRICS_BY_DEFAULT = ['datadog', 'prometheus'];
/** Sections whose accounts are metrics stores whatever `supportedTypes` says (Kayenta ignores it). */
const METRICS_ONLY = ['prometheus'];
/** Storage services and the account section whose OBJECT_STORE accounts they serve. */
const STORAGE_SERVICES: { [service: string]: string } = { blobs: 'azure', s3: 'aws', gcs: 'google' };

/** Kayenta's root log level (`-Dlogging.level.root`). */
export enum KayentaLogLevel {
  /** Everything, including HTTP bodies: for troubleshooting only. */
  TRACE = 'TRACE',
  /** Connection attempts and store registrations: what you need to see why an account is missing. */
  DEBUG = 'DEBUG',
  /** Start-up and analysis progress. */
  INFO = 'INFO',
  /** Problems only. */
  WARN = 'WARN',
  /** Errors only. */
  ERROR = 'ERROR',
}

/** Props of `KayentaStandalone`: its stores, Redis, image, namespace and how it is exposed. */
export interface KayentaStandaloneProps {
  /**
   * Metrics accounts (`METRICS_STORE`); `addMetricsStore()` adds more. At least one is needed by
   * synth time.
   * @default - none yet
   */
  readonly metricsStores?: KayentaMetricsStore[];

  /**
   * Object and configuration store accounts; `addStorage()` adds more. At least one
   * `OBJECT_STORE` and one `CONFIGURATION_STORE` are needed by synth time.
   * @default - none yet
   */
  readonly storage?: KayentaStorage[];

  /**
   * The Redis for Kayenta's work queue.
   * @default KayentaRedis.inCluster() — a new Redis that only Kayenta may reach
   */
  readonly redis?: KayentaRedis;

  /**
   * Name of the Deployment, Service and ConfigMap (and prefix of the Redis).
   * @default "kayenta"
   */
  readonly name?: string;

  /**
   * Namespace of every object but those of `ingress`, which go to the ingress gateway's
   * namespace (the Certificate, the CUSTOM AuthorizationPolicy, the mesh-config snippet).
   * @default "kayenta"
   */
  readonly namespace?: string;

  /**
   * Create the Namespace. Set to false to deploy into an existing one.
   * @default true
   */
  readonly createNamespace?: boolean;

  /**
   * The Kayenta image, pinned to a version. A `:latest` or untagged image is pulled `Always`.
   * The container runs as uid/gid 10111, the `spinnaker` user of the slim images.
   * @default "us-docker.pkg.dev/spinnaker-community/docker/kayenta:2026.0.4-slim"
   */
  readonly image?: string;

  /**
   * Number of Kayenta pods. They share the Redis queue, so analyses spread over them.
   * @default 1
   */
  readonly replicas?: number;

  /**
   * Root log level. Kayenta logs little below DEBUG; use DEBUG or TRACE to see why an account
   * doesn't register.
   * @default KayentaLogLevel.INFO
   */
  readonly logLevel?: KayentaLogLevel;

  /**
   * Extra JVM options appended to JAVA_OPTS. Credentials don't belong here.
   * @default - none
   */
  readonly jvmOptions?: string[];

  /**
   * Requests and limits of the Kayenta container, CPU and memory (all four are required). The
   * heap is sized from the memory limit (`-XX:MaxRAMPercentage=75`).
   * @default - 500m CPU / 2Gi memory requested, 2 CPU / 2Gi limits
   */
  readonly resources?: kplus.ContainerResources;

  /**
   * Type of the Service in front of Kayenta. The API has no authentication of its own: expose
   * it beyond the cluster only behind something that authenticates (see `ingress`). With `ingress`,
   * a LoadBalancer or NodePort Service is an error: it would bypass the ingress gateway.
   * @default kplus.ServiceType.CLUSTER_IP
   */
  readonly serviceType?: kplus.ServiceType;

  /**
   * The Service port (forwarded to Kayenta's 8090).
   * @default 80
   */
  readonly servicePort?: number;

  /**
   * Enable the standalone canary analysis API (`/standalone_canary_analysis`), which runs a
   * whole canary (several intervals, thresholds) in one request.
   * @default true
   */
  readonly standaloneCanaryAnalysis?: boolean;

  /**
   * Extra kayenta.yml settings, deep-merged over the generated ones (objects merge, other values
   * replace). Dotted keys (`management.endpoints.web.exposure.include`) are read as the nested
   * objects Spring makes of them. Literal credentials are rejected: write `${...}` placeholders
   * and provide the variables from Secrets. What the probes and the Service rely on can't be
   * changed here: `server.port`, `server.address`, `server.servlet.context-path`,
   * `spring.mvc.servlet.path`, `management.server.*`, `management.endpoints.web.base-path` and
   * `path-mapping.health`, hiding or turning off `health` (exposure, `enabled`, `access`); nor
   * `redis.connection` (other `redis` settings, such as `redis.timeout`, pass).
   * @default - none
   */
  readonly additionalConfig?: { [key: string]: any };

  /**
   * The ServiceAccount the pods run as, e.g. one bound to cloud IAM (IRSA, Workload Identity)
   * for S3 or GCS without keys.
   * @default - the namespace's default ServiceAccount, without a mounted token
   */
  readonly serviceAccount?: kplus.IServiceAccount;

  /**
   * Canary configs to ship in a ConfigMap next to Kayenta; `addCanaryConfig()` adds more.
   * @default - none
   */
  readonly canaryConfigs?: CanaryConfig[];

  /**
   * Expose Kayenta through the Istio ingress gateway: a Gateway + VirtualService for a host (HTTPS
   * with a cert-manager certificate), optionally behind oauth2-proxy (`ingress.oauth2Proxy`). The
   * namespace the construct creates then gets sidecar injection, so the gateway reaches Kayenta over
   * mTLS and Istio can validate tokens in front of it; an existing namespace (`createNamespace:
   * false`) must have injection enabled already.
   * @default - not exposed: a Service of type `serviceType` only
   */
  readonly ingress?: KayentaIngressOptions;
}

/**
 * Kayenta, Spinnaker's automated canary analysis service, running on its own.
 *
 * Creates the Namespace, a non-clustered Redis without a password that only Kayenta may reach,
 * a ConfigMap with kayenta.yml (built from the typed props and serialized once), the Deployment
 * and a Service. Credentials never enter kayenta.yml: each one is a `${secrets.<...>}` placeholder
 * (the Redis password `${KAYENTA_REDIS_PASSWORD}`) that Spring fills from an environment variable
 * sourced from a Secret key (or a file from a mounted Secret, for GCS). Synthesis fails unless there is at least one METRICS_STORE,
 * OBJECT_STORE and CONFIGURATION_STORE account.
 */
export class KayentaStandalone extends Construct {
  /** Kayenta's HTTP port. */
  public static readonly PORT = KAYENTA_PORT;

  /** The namespace of Kayenta's objects (those of `ingress` go to the ingress gateway's namespace). */
  public readonly namespace: string;
  /** The Namespace, when this construct created it. */
  public readonly namespaceObject?: kplus.Namespace;
  public readonly configMap: kplus.ConfigMap;
  public readonly deployment: kplus.Deployment;
  /** The Kayenta container. */
  public readonly container: kplus.Container;
  public readonly service: kplus.Service;
  /** The Redis this construct created, if it created one. */
  public readonly redis?: Redis;
  /** The Redis URL Kayenta uses (`redis.connection`). */
  public readonly redisUrl: string;
  /** The Service's in-cluster base URL, e.g. `http://kayenta.kayenta.svc:80`. */
  public readonly url: string;
  /** The public base URL through the ingress, e.g. `https://kayenta.cluster.example.com`, with `ingress`. */
  public readonly publicUrl?: string;
  /** The Gateway + VirtualService of the Kayenta host, with `ingress`. */
  public readonly ingressRoute?: IngressRoute;
  /** The certificate the ingress gateway serves for the Kayenta host, with `ingress`. */
  public readonly ingressCertificate?: IngressCertificate;
  /** oauth2-proxy in front of Kayenta, with `ingress.oauth2Proxy`. */
  public readonly oauth2Proxy?: OAuth2ProxyIstio;

  private readonly name: string;
  private readonly props: KayentaStandaloneProps;
  /** `additionalConfig` with dotted keys written out as nested objects, as Spring reads them. */
  private readonly additionalConfig: { [key: string]: any } | undefined;
  private readonly credentials: KayentaCredentials;
  private readonly accounts: Array<KayentaAccount & { readonly prop: string }> = [];
  private metricsCount = 0;
  private storageCount = 0;
  private _canaryConfigs?: KayentaCanaryConfigs;

  constructor(scope: Construct, id: string, props: KayentaStandaloneProps = {}) {
    super(scope, id);
    this.props = props;
    this.name = checkServiceName(this, 'name', props.name ?? 'kayenta');
    this.namespace = checkDnsLabel(this, 'namespace', props.namespace ?? 'kayenta');
    const metadata = { name: this.name, namespace: this.namespace };
    const replicas = props.replicas ?? 1;
    if (!Number.isInteger(replicas) || replicas < 1) {
      throw propError(this, 'replicas', `${show(replicas)} is not a replica count`, 'use an integer of at least 1');
    }
    const servicePort = checkPort(this, 'servicePort', props.servicePort ?? 80);
    const jvmOptions = props.jvmOptions ?? [];
    rejectJvmCredentials(this, 'jvmOptions', jvmOptions);
    this.checkJvmOptions(jvmOptions);
    this.additionalConfig = this.checkAdditionalConfig(props.additionalConfig);
    const resources = checkResources(this, props.resources);
    const serviceType = props.serviceType ?? kplus.ServiceType.CLUSTER_IP;
    const createNamespace = props.createNamespace ?? true;
    const ingress = props.ingress ? planKayentaIngress(this, props.ingress, serviceType, createNamespace) : undefined;

    if (createNamespace) {
      this.namespaceObject = newNamespace(this, 'namespace', { metadata: { name: this.namespace, labels: ingress?.namespaceLabels } });
    }

    this.configMap = new kplus.ConfigMap(this, 'config', { metadata });
    // rendered at synth time, so that stores added after the constructor are included
    this.configMap.addData('kayenta.yml', lazyString(() => this.renderConfig()));

    const image = props.image ?? DEFAULT_IMAGE;
    this.deployment = new kplus.Deployment(this, 'deployment', {
      metadata,
      replicas,
      serviceAccount: props.serviceAccount,
      podMetadata: { labels: { 'app.kubernetes.io/name': 'kayenta', 'app.kubernetes.io/instance': this.name } },
      securityContext: { user: KAYENTA_UID, group: KAYENTA_UID, fsGroup: KAYENTA_UID, ensureNonRoot: true },
      containers: [{
        name: 'kayenta',
        image,
        imagePullPolicy: pullPolicyFor(image),
        ports: [{ number: KAYENTA_PORT, name: 'http' }],
        envVariables: {
          JAVA_OPTS: kplus.EnvValue.fromValue([
            // size the heap from the container's memory limit, and let Kubernetes restart a JVM out of memory
            '-XX:MaxRAMPercentage=75.0',
            '-XX:+ExitOnOutOfMemoryError',
            `-Dlogging.level.root=${props.logLevel ?? KayentaLogLevel.INFO}`,
            ...jvmOptions,
          ].join(' ')),
        },
        securityContext: {
          user: KAYENTA_UID, group: KAYENTA_UID, ensureNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false,
        },
        resources: resources ?? {
          cpu: { request: kplus.Cpu.millis(500), limit: kplus.Cpu.units(2) },
          memory: { request: Size.gibibytes(2), limit: Size.gibibytes(2) },
        },
        // the JVM and Spring take a while to start; the startup probe holds liveness off until the
        // server listens (not /health, which a backend that is down would hold DOWN: the kubelet
        // kills a container whose startup probe keeps failing)
        startup: kplus.Probe.fromTcpSocket({
          port: KAYENTA_PORT, periodSeconds: Duration.seconds(10), timeoutSeconds: Duration.seconds(5), failureThreshold: 30,
        }),
        readiness: kplus.Probe.fromHttpGet('/health', { port: KAYENTA_PORT, periodSeconds: Duration.seconds(10), timeoutSeconds: Duration.seconds(5), failureThreshold: 3 }),
        // liveness asks only whether the server answers: /health also reports the health indicators
        // of Kayenta's backends (Redis, and others where enabled), and restarting Kayenta fixes none
        liveness: kplus.Probe.fromTcpSocket({
          port: KAYENTA_PORT, periodSeconds: Duration.seconds(20), timeoutSeconds: Duration.seconds(5), failureThreshold: 3,
        }),
        volumeMounts: [
          { path: CONFIG_DIR, volume: kplus.Volume.fromConfigMap(this, 'config-volume', this.configMap, { name: 'config' }), readOnly: true },
          // the JVM and Tomcat need a writable temporary directory
          { path: '/tmp', volume: kplus.Volume.fromEmptyDir(this, 'tmp-volume', 'tmp', { sizeLimit: Size.mebibytes(256) }) },
        ],
      }],
    });
    this.container = this.deployment.containers[0];
    hardenContainer(this, this.deployment, this.container);
    // No <SERVICE>_PORT variables for the namespace's Services: Spring reads environment variables
    // as settings, so a Service named "server" (SERVER_PORT=tcp://...) would set server.port
    ApiObject.of(this.deployment).addJsonPatch(JsonPatch.add('/spec/template/spec/enableServiceLinks', false));
    addConfigHash(this.deployment, 'kayenta.yml', () => this.renderConfig());
    this.credentials = new KayentaCredentials(this, this.container, SECRET_FILES_DIR);

    this.service = new kplus.Service(this, 'service', {
      metadata,
      type: serviceType,
      selector: this.deployment,
      // the name tells Istio the protocol (HTTP), which the ingress route needs
      ports: [{ name: 'http', port: servicePort, targetPort: KAYENTA_PORT }],
    });
    this.url = `http://${this.name}.${this.namespace}.svc:${servicePort}`;
    if (ingress) {
      if (ingress.istio.holdApplicationUntilProxyStarts) {
        // Kayenta connects to Redis at start-up, through the sidecar
        this.deployment.podMetadata.addAnnotation('proxy.istio.io/config', JSON.stringify({ holdApplicationUntilProxyStarts: true }));
      }
      const exposed = exposeKayenta(this, ingress, this.service, servicePort, this.namespace);
      this.ingressRoute = exposed.route;
      this.ingressCertificate = exposed.certificate;
      this.oauth2Proxy = exposed.oauth2Proxy;
      this.publicUrl = `https://${ingress.host}`;
    }

    const redis = (props.redis ?? KayentaRedis.inCluster())._bind(this, this.name, this.namespace, this.deployment);
    this.redisUrl = redis.url;
    this.redis = redis.redis;

    (props.metricsStores ?? []).forEach((store) => this.addMetricsStore(store));
    (props.storage ?? []).forEach((store) => this.addStorage(store));
    (props.canaryConfigs ?? []).forEach((config) => this.addCanaryConfig(config));

    this.node.addValidation({ validate: () => this.validateConfig() });
  }

  /**
   * Adds a metrics account.
   * @returns the account name
   */
  public addMetricsStore(store: KayentaMetricsStore): string {
    const prop = `metricsStores[${this.metricsCount++}]`;
    return this.addAccount(prop, store._bind({ scope: this, prop, credentials: this.credentials }));
  }

  /**
   * Adds an object and/or configuration store account.
   * @returns the account name
   */
  public addStorage(store: KayentaStorage): string {
    const prop = `storage[${this.storageCount++}]`;
    return this.addAccount(prop, store._bind({ scope: this, prop, credentials: this.credentials }));
  }

  /**
   * Ships a canary config in the `<name>-canary-configs` ConfigMap next to Kayenta.
   * @returns the ConfigMap key (file name) of the config
   */
  public addCanaryConfig(config: CanaryConfig): string {
    if (!this._canaryConfigs) {
      this._canaryConfigs = new KayentaCanaryConfigs(this, 'canary-configs', { name: `${this.name}-canary-configs`, namespace: this.namespace });
    }
    return this._canaryConfigs.addConfig(config);
  }

  /** The ConfigMap of canary configs, once one was added. */
  public get canaryConfigs(): KayentaCanaryConfigs | undefined {
    return this._canaryConfigs;
  }

  /** kayenta.yml as it is written into the ConfigMap. */
  public renderConfig(): string {
    return Yaml.stringify(this.config());
  }

  private addAccount(prop: string, account: KayentaAccount): string {
    const taken = this.accounts.find((a) => a.name === account.name);
    if (taken) {
      throw propError(this, `${prop}.accountName`, `account name ${show(account.name)} is taken by ${taken.prop} (kayenta.${taken.provider} and kayenta.${account.provider})`,
        'give every account a unique name (metrics and storage accounts share one namespace in Kayenta)');
    }
    this.accounts.push({ ...account, prop });
    return account.name;
  }

  /** kayenta.yml as an object: generated settings, then `additionalConfig` merged over them. */
  private config(): { [key: string]: unknown } {
    const kayenta: { [section: string]: { [key: string]: unknown } } = {};
    for (const section of SECTIONS) kayenta[section] = { enabled: false };
    for (const account of this.accounts) {
      const section = kayenta[account.provider];
      section.enabled = true;
      section.accounts = [...(section.accounts as unknown[] ?? []), account.entry];
      if (account.storageService && account.supportedTypes.includes(KayentaStoreType.OBJECT_STORE)) {
        kayenta[account.storageService] = { enabled: true };
      }
    }
    kayenta.standaloneCanaryAnalysis = { enabled: this.props.standaloneCanaryAnalysis ?? true };

    const generated = {
      server: { port: KAYENTA_PORT },
      redis: { connection: this.redisUrl },
      kayenta: Object.fromEntries(Object.keys(kayenta).sort().map((k) => [k, kayenta[k]])),
      keiko: { queue: { redis: { queueName: 'kayenta.keiko.queue', deadLetterQueueName: 'kayenta.keiko.queue.deadLetters' } } },
      // only health and info: the other actuator endpoints (env, heapdump, ...) would expose the credentials
      management: { endpoints: { web: { exposure: { include: 'health,info' } } }, endpoint: { health: { 'show-details': 'never' } } },
      swagger: {
        enabled: true,
        title: 'Kayenta API',
        patterns: ['/admin.*', '/canary.*', '/canaryConfig.*', '/canaryJudgeResult.*', '/credentials.*', '/fetch.*', '/health',
          '/judges.*', '/metadata.*', '/metricSetList.*', '/metricSetPairList.*', '/metricServices.*', '/pipeline.*', '/standalone.*'],
      },
    };
    return deepMerge(generated, this.additionalConfig ?? {}) as { [key: string]: unknown };
  }

  /**
   * Checks `additionalConfig` and returns it with dotted keys (`server.port: 9000`) written out as
   * nested objects: Spring reads both forms as the same property, so every check sees both.
   */
  private checkAdditionalConfig(extra: { [key: string]: any } | undefined): { [key: string]: any } | undefined {
    if (extra === undefined) return undefined;
    if (typeof extra !== 'object' || extra === null || Array.isArray(extra)) {
      throw propError(this, 'additionalConfig', `received ${show(extra)}`, 'give an object of kayenta.yml settings');
    }
    rejectLiteralCredentials(this, 'additionalConfig', extra);
    const expanded = expandDottedKeys(extra) as { [key: string]: any };
    this.checkFixedSettings(expanded, (path) => `additionalConfig.${path.join('.')}`, (value) => show(value));
    // the connection is the redis prop's; other redis settings (e.g. redis.timeout) pass
    if (relaxedGet(expanded, ['redis', 'connection']) !== undefined) {
      throw propError(this, 'additionalConfig.redis.connection', 'the Redis connection is set by the redis prop', 'use redis: KayentaRedis.fromUrl(...) instead');
    }
    return expanded;
  }

  /**
   * The settings the probes, the Service and the credentials' safety depend on, wherever they are
   * set: in `additionalConfig`, or as `-D` system properties (which override kayenta.yml).
   * @param prop the prop to name for a setting at `path`
   * @param shown how to show the value received
   */
  private checkFixedSettings(
    settings: { [key: string]: any }, prop: (path: string[]) => string, shown: (value: unknown, path: string[]) => string,
  ): void {
    // what the probes and the Service depend on: Kayenta answers /health on port 8090 at the root
    const fixed: Array<[string[], string]> = [
      [['server', 'port'], `would move Kayenta off port ${KAYENTA_PORT}, where the probes and the Service point`],
      [['server', 'address'], 'would bind Kayenta to one address, which the probes and the Service may not reach'],
      [['server', 'servlet', 'context-path'], 'would move every endpoint, /health included, away from the path the probes call'],
      [['management', 'server', 'port'], 'would move /health to another port than the one the probes call'],
      [['management', 'server', 'address'], 'would bind /health to one address, which the probes may not reach'],
      [['management', 'endpoints', 'web', 'base-path'], 'would move /health away from the path the probes call'],
      [['management', 'endpoint', 'health', 'enabled'], 'would turn off /health, which the probes call'],
      [['management', 'endpoints', 'web', 'exposure', 'exclude'], 'could hide /health, which the probes call'],
      [['management', 'endpoints', 'web', 'path-mapping', 'health'], 'would move /health away from the path the probes call'],
      [['spring', 'mvc', 'servlet', 'path'], 'would move every endpoint served through Spring MVC, /health included, away from the path the probes call'],
    ];
    for (const [path, consequence] of fixed) {
      const value = relaxedGet(settings, path);
      if (value !== undefined) {
        throw propError(this, prop(path), `${shown(value, path)} ${consequence}`, `leave ${path.join('.')} unset`);
      }
    }
    // Spring Boot 3.4+ endpoint access: health must stay readable, by its own setting or the default.
    // Values as Spring binds them: enums ignoring case and punctuation (readOnly, READ_ONLY,
    // read-only), booleans from true/on/yes/1 and false/off/no/0
    const setting = (path: string[]) => {
      const value = relaxedGet(settings, path);
      return value === undefined ? undefined : String(value).trim().toLowerCase().replace(/[^a-z0-9]/g, '');
    };
    const healthAccessPath = ['management', 'endpoint', 'health', 'access'];
    const healthAccess = setting(healthAccessPath);
    if (healthAccess !== undefined && healthAccess !== 'readonly' && healthAccess !== 'unrestricted') {
      throw propError(this, prop(healthAccessPath), `${shown(relaxedGet(settings, healthAccessPath), healthAccessPath)} would turn off /health, which the probes call`,
        `leave ${healthAccessPath.join('.')} unset, or make it read-only`);
    }
    const maxPermitted = ['management', 'endpoints', 'access', 'max-permitted'];
    if (setting(maxPermitted) === 'none') {
      throw propError(this, prop(maxPermitted), `${shown(relaxedGet(settings, maxPermitted), maxPermitted)} would turn off every endpoint, /health included, whatever else says`,
        `leave ${maxPermitted.join('.')} unset, or make it read-only`);
    }
    const offByDefault: Array<[string[], string[]]> = [
      [['management', 'endpoints', 'access', 'default'], ['none']],
      [['management', 'endpoints', 'enabled-by-default'], ['false', 'off', 'no', '0']],
    ];
    for (const [path, off] of healthAccess === undefined ? offByDefault : []) {
      if (off.includes(setting(path) ?? '')) {
        throw propError(this, prop(path), `${shown(relaxedGet(settings, path), path)} would turn off every endpoint, /health included, which the probes call`,
          `set ${healthAccessPath.join('.')} to read-only as well, or leave ${path.join('.')} unset`);
      }
    }
    const includePath = ['management', 'endpoints', 'web', 'exposure', 'include'];
    const include = relaxedGet(settings, includePath);
    if (include !== undefined) {
      const endpoints = (Array.isArray(include) ? include : String(include).split(',')).map((e) => String(e).trim());
      if (!endpoints.some((e) => endpointId(e) === 'health' || e === '*')) {
        throw propError(this, prop(includePath), `${shown(include, includePath)} leaves out health, which the probes call`,
          'add health to the list (the default exposes health and info only; other actuator endpoints such as env can expose credentials)');
      }
      const revealing = endpoints.filter((e) => REVEALING_ENDPOINTS.includes(endpointId(e)));
      if (revealing.length > 0) {
        throw propError(this, prop(includePath), `${shown(include, includePath)} exposes ${revealing.map((e) => show(e)).join(', ')} on the port the Service publishes`,
          'list the endpoints you need (e.g. "health,info,prometheus"): env, configprops, resolvedEnv and heapdump show the credentials Spring resolved, '
          + 'loggers lets any caller raise logging to TRACE, and Kayenta\'s port has no authentication of its own');
      }
    }
  }

  /** `-Dname=value` options: the same fixed settings as additionalConfig, and no Redis connection. */
  private checkJvmOptions(options: readonly string[]): void {
    options.forEach((option, i) => {
      const property = /^-D([^=]+)=(.*)$/.exec(option);
      if (!property) return;
      const settings = expandDottedKeys({ [property[1]]: property[2] }) as { [key: string]: any };
      this.checkFixedSettings(settings, () => `jvmOptions[${i}]`, () => `-D${property[1]}=${property[2]}`);
      if (relaxedGet(settings, ['redis', 'connection']) !== undefined) {
        throw propError(this, `jvmOptions[${i}]`, `-D${property[1]}=... sets the Redis connection, which the redis prop sets`, 'use redis: KayentaRedis.fromUrl(...) instead');
      }
      // the image's start script imports /opt/spinnaker/config/, where kayenta.yml is mounted, with
      // -Dspring.config.import; a later spring.config.* option would replace that or the defaults
      if (relaxedGet(settings, ['spring', 'config']) !== undefined) {
        throw propError(this, `jvmOptions[${i}]`, `-D${property[1]}=... changes where Spring reads its configuration, so Kayenta could ignore the kayenta.yml this construct mounts (the start script imports it with -Dspring.config.import) or the image's own defaults`,
          'drop it: put settings in additionalConfig, which goes into the mounted kayenta.yml');
      }
    });
  }

  /** Checks the merged kayenta.yml at synth time: store types present, flags consistent, names unique. */
  private validateConfig(): string[] {
    const kayenta = (this.config().kayenta ?? {}) as { [section: string]: any };
    const errors: string[] = [];
    const types = new Set<string>();
    const names = new Map<string, { section: string; typed: boolean }>();
    for (const account of this.accounts) {
      const section = kayenta[account.provider];
      const origin = account.supportedTypes.includes(KayentaStoreType.METRICS_STORE) ? 'metricsStores/addMetricsStore()' : 'storage/addStorage()';
      if (!section?.enabled) {
        errors.push(`${this.node.path}: additionalConfig.kayenta.${account.provider}.enabled: ${show(section?.enabled)} turns off the ${account.provider} account ${show(account.name)} that ${origin} configured; `
          + `leave kayenta.${account.provider}.enabled out of additionalConfig`);
      } else if (!Array.isArray(section.accounts) || !section.accounts.includes(account.entry)) {
        errors.push(`${this.node.path}: additionalConfig.kayenta.${account.provider}.accounts: replaces the ${account.provider} account ${show(account.name)} that ${origin} configured `
          + '(kayenta.yml lists are replaced, not merged); add the account with addMetricsStore()/addStorage() instead, '
          + `or leave kayenta.${account.provider}.accounts out of additionalConfig`);
      }
    }
    for (const section of ACCOUNT_SECTIONS) {
      const s = kayenta[section];
      if (!s?.enabled) continue;
      const accounts: any[] = Array.isArray(s.accounts) ? s.accounts : [];
      if (accounts.length === 0) {
        errors.push(`${this.node.path}: additionalConfig.kayenta.${section}: enabled without accounts; add an account or leave the section disabled`);
      }
      for (const account of accounts) {
        const supported: string[] = METRICS_ONLY.includes(section) ? [KayentaStoreType.METRICS_STORE]
          : Array.isArray(account?.supportedTypes) ? account.supportedTypes
            : METRICS_BY_DEFAULT.includes(section) ? [KayentaStoreType.METRICS_STORE] : [];
        // a google account serves metrics through the stackdriver service only
        supported.filter((t) => !(section === 'google' && t === KayentaStoreType.METRICS_STORE && !kayenta.stackdriver?.enabled)).forEach((t) => types.add(t));
        const typed = this.accounts.some((a) => a.entry === account);
        const other = names.get(account?.name);
        // two typed accounts can't share a name (addAccount refuses); any other pair is reported here
        if (other && !(typed && other.typed)) {
          errors.push(`${this.node.path}: additionalConfig.kayenta.${section}.accounts: account name ${show(account.name)} is also used by an account in kayenta.${other.section}; give every account a unique name`);
        }
        names.set(account?.name, { section, typed });
        const service = Object.keys(STORAGE_SERVICES).find((svc) => STORAGE_SERVICES[svc] === section);
        if (service && supported.includes(KayentaStoreType.OBJECT_STORE) && !kayenta[service]?.enabled) {
          errors.push(`${this.node.path}: additionalConfig.kayenta.${service}.enabled: ${section} account ${show(account?.name)} is an OBJECT_STORE but kayenta.${service} is disabled; Kayenta needs both kayenta.${section}.enabled and kayenta.${service}.enabled`);
        }
      }
    }
    for (const [service, section] of Object.entries(STORAGE_SERVICES)) {
      if (kayenta[service]?.enabled && !kayenta[section]?.enabled) {
        errors.push(`${this.node.path}: additionalConfig.kayenta.${service}: enabled but kayenta.${section} (its accounts) is disabled; enable both or neither`);
      }
    }
    const missing: Array<[KayentaStoreType, string]> = [
      [KayentaStoreType.METRICS_STORE, 'metricsStores: no METRICS_STORE account is configured; pass metricsStores (e.g. KayentaMetricsStore.prometheus({ baseUrl: "http://prometheus:9090" })) or call addMetricsStore()'],
      [KayentaStoreType.OBJECT_STORE, 'storage: no OBJECT_STORE account is configured; pass storage (e.g. KayentaStorage.azure({...}) or KayentaStorage.s3({...})) or call addStorage()'],
      [KayentaStoreType.CONFIGURATION_STORE, 'storage: no CONFIGURATION_STORE account is configured; pass storage (e.g. KayentaStorage.azure({...}) or KayentaStorage.s3({...})) or call addStorage()'],
    ];
    for (const [type, message] of missing) {
      if (!types.has(type)) errors.push(`${this.node.path}: ${message}`);
    }
    if ((this.props.replicas ?? 1) > 1 && kayenta.memory?.enabled) {
      errors.push(`${this.node.path}: replicas: ${this.props.replicas} replicas with in-memory storage would each keep their own results while sharing one work queue; use 1 replica or a persistent store`);
    }
    return errors;
  }
}

/** Merges `over` into `base`: objects merge key by key, everything else replaces. */
function deepMerge(base: unknown, over: unknown): unknown {
  const isObject = (v: unknown): v is { [key: string]: unknown } => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObject(base) || !isObject(over)) return over === undefined ? base : over;
  const out: { [key: string]: unknown } = { ...base };
  for (const [key, value] of Object.entries(over)) out[key] = deepMerge(base[key], value);
  return out;
}

/**
 * `value` with dotted keys written out as nested objects, in key order, later keys merging over
 * earlier ones (Spring flattens both `server: {port: 1}` and `server.port: 1` to `server.port`).
 * A bracketed segment (`"logging.level.[com.example]"`) keeps its dots, as in Spring.
 */
function expandDottedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(expandDottedKeys);
  if (typeof value !== 'object' || value === null) return value;
  let out: { [key: string]: unknown } = {};
  for (const [key, v] of Object.entries(value as { [key: string]: unknown })) {
    const segments = key.match(/\[[^\]]*\]|[^.]+/g) ?? [key];
    let nested: unknown = expandDottedKeys(v);
    for (let i = segments.length - 1; i >= 1; i--) nested = { [segments[i]]: nested };
    out = deepMerge(out, { [segments[0]]: nested }) as { [key: string]: unknown };
  }
  return out;
}

/**
 * Actuator endpoints that show resolved properties or memory, credentials included ("*" exposes
 * them all; kork adds resolvedEnv, which masks by key name and shows the Redis connection's
 * password), or that let a caller change what Kayenta logs (loggers), in Spring's normal form of
 * endpoint ids (lower case, letters and digits).
 */
const REVEALING_ENDPOINTS = ['*', 'env', 'configprops', 'heapdump', 'resolvedenv', 'loggers'];

/** An endpoint id as Spring compares them: lower case, letters and digits only ("resolved-env" is "resolvedenv"). */
function endpointId(id: string): string {
  return id === '*' ? id : id.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** Spring's relaxed binding: `context-path`, `contextPath` and `context_path` name one property. */
function relaxedKey(key: string): string {
  return key.replace(/[-_]/g, '').toLowerCase();
}

/** The value at `path` in kayenta.yml settings, whatever form of each name they use. */
function relaxedGet(value: unknown, path: string[]): unknown {
  let current = value;
  for (const segment of path) {
    if (typeof current !== 'object' || current === null || Array.isArray(current)) return undefined;
    const key = Object.keys(current).find((k) => relaxedKey(k) === relaxedKey(segment));
    if (key === undefined) return undefined;
    current = (current as { [key: string]: unknown })[key];
  }
  return current;
}

/**
 * The heap is sized from the memory limit (`-XX:MaxRAMPercentage`): without one the JVM takes
 * 75 % of the node's memory.
 */
function checkResources(scope: Construct, resources: kplus.ContainerResources | undefined): kplus.ContainerResources | undefined {
  if (resources !== undefined && resources.memory?.limit === undefined) {
    throw propError(scope, 'resources.memory.limit', 'is not set, and the JVM sizes its heap from it (-XX:MaxRAMPercentage=75): without a limit the heap could grow to 75% of the node\'s memory',
      'give a memory limit, e.g. memory: { request: Size.gibibytes(2), limit: Size.gibibytes(2) }');
  }
  return requireResources(scope, 'resources', resources);
}
