import { Chart, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-25';
import { parse } from 'yaml';
import {
  KayentaMetricsStore, KayentaPrometheusAuth, KayentaRedis, KayentaStandalone, KayentaStandaloneProps, KayentaStorage,
  KayentaStoreType, KayentaLogLevel,
} from '../../src';
import { expectSchemaValid, findOne, runValidations, synthChart } from '../harness';

function chartWithSecrets() {
  const chart = new Chart(Testing.app(), 'test');
  const secrets = new Map<string, kplus.ISecret>();
  const secret = (name: string) => secrets.get(name) ?? secrets.set(name, kplus.Secret.fromSecretName(chart, `secret-${name}`, name)).get(name)!;
  return { chart, secret };
}

type SecretRef = (name: string) => kplus.ISecret;

/** A Kayenta with a Prometheus and an Azure account; `props` (or a function of a Secret factory) overrides. */
function setup(override: Partial<KayentaStandaloneProps> | ((secret: SecretRef) => Partial<KayentaStandaloneProps>) = {}) {
  const { chart, secret } = chartWithSecrets();
  const props = typeof override === 'function' ? override(secret) : override;
  const kayenta = new KayentaStandalone(chart, 'kayenta', {
    metricsStores: [KayentaMetricsStore.prometheus({ accountName: 'canary-prometheus', baseUrl: 'http://prometheus.monitoring.svc:9090' })],
    storage: [KayentaStorage.azure({
      accountName: 'canary-storage',
      storageAccountName: 'kayentastorage',
      container: 'kayenta',
      accessKey: { secret: secret('azure-storage'), key: 'storage-key' },
    })],
    ...props,
  });
  return { chart, kayenta, secret };
}

/** kayenta.yml of the synthesized ConfigMap, parsed back. */
function kayentaYml(objects: any[]): any {
  return parse(findOne(objects, 'ConfigMap', 'kayenta').data['kayenta.yml']);
}

function kayentaContainer(objects: any[]): any {
  return findOne(objects, 'Deployment', 'kayenta').spec.template.spec.containers[0];
}

/** Every `${...}` placeholder in a parsed document. */
function placeholders(value: unknown): string[] {
  if (typeof value === 'string') return [...value.matchAll(/\$\{([^}]+)\}/g)].map((m) => m[1]);
  if (Array.isArray(value)) return value.flatMap(placeholders);
  if (value && typeof value === 'object') return Object.values(value).flatMap(placeholders);
  return [];
}

describe('KayentaStandalone', () => {
  test('synthesizes a namespace, kayenta.yml, Kayenta, its Service and a Redis only Kayenta may reach, all schema-valid', () => {
    const { chart } = setup();
    const objects = synthChart(chart);
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      'ConfigMap/kayenta', 'Deployment/kayenta', 'Deployment/kayenta-redis', 'Namespace/kayenta',
      'NetworkPolicy/kayenta-redis', 'Service/kayenta', 'Service/kayenta-redis',
    ]);
    for (const o of objects.filter((x) => x.kind !== 'Namespace')) expect({ o: o.metadata.name, ns: o.metadata.namespace }).toEqual({ o: o.metadata.name, ns: 'kayenta' });
    expect(findOne(objects, 'Namespace').metadata.namespace).toBeUndefined();
    expectSchemaValid(objects);
  });

  test('writes server.port 8090 and the Redis URL into kayenta.yml', () => {
    const { chart, kayenta } = setup();
    const yml = kayentaYml(synthChart(chart));
    expect(yml.server).toEqual({ port: 8090 });
    expect(yml.redis).toEqual({ connection: 'redis://kayenta-redis.kayenta.svc:6379' });
    expect(kayenta.redisUrl).toBe('redis://kayenta-redis.kayenta.svc:6379');
  });

  test('gives its Redis room for the executions Orca keeps: 1Gi, maxmemory 768 MiB, no eviction (it is a queue)', () => {
    const { chart } = setup();
    const redis = findOne(synthChart(chart), 'Deployment', 'kayenta-redis').spec.template.spec.containers[0];
    expect(redis.resources).toEqual({ requests: { cpu: '50m', memory: '256Mi' }, limits: { cpu: '500m', memory: '1024Mi' } });
    const arg = (name: string) => redis.args[redis.args.indexOf(name) + 1];
    expect([arg('--maxmemory'), arg('--maxmemory-policy')]).toEqual([String(768 * 1024 * 1024), 'noeviction']);
  });

  test('enables both azure and blobs for an Azure storage account, with the key as a placeholder', () => {
    const { chart } = setup();
    const { kayenta } = kayentaYml(synthChart(chart));
    expect(kayenta.azure).toEqual({
      enabled: true,
      accounts: [{
        name: 'canary-storage',
        storageAccountName: 'kayentastorage',
        accountAccessKey: '${secrets.azure.canarystorage.accountaccesskey}',
        container: 'kayenta',
        rootFolder: 'kayenta',
        endpointSuffix: 'core.windows.net',
        supportedTypes: ['OBJECT_STORE', 'CONFIGURATION_STORE'],
      }],
    });
    expect(kayenta.blobs).toEqual({ enabled: true });
  });

  test('writes a Prometheus account with endpoint.baseUrl and METRICS_STORE', () => {
    const { chart } = setup();
    const { kayenta } = kayentaYml(synthChart(chart));
    expect(kayenta.prometheus).toEqual({
      enabled: true,
      accounts: [{ name: 'canary-prometheus', endpoint: { baseUrl: 'http://prometheus.monitoring.svc:9090' }, supportedTypes: ['METRICS_STORE'] }],
    });
  });

  test('disables every section it does not use, and enables none without accounts', () => {
    const { chart } = setup();
    const { kayenta } = kayentaYml(synthChart(chart));
    for (const section of ['atlas', 'aws', 'configbin', 'datadog', 'gcs', 'google', 'graphite', 'influxdb', 'memory', 'newrelic', 'remoteJudge', 's3', 'signalfx', 'stackdriver', 'wavefront']) {
      expect({ section, value: kayenta[section] }).toEqual({ section, value: { enabled: false } });
    }
    for (const [section, value] of Object.entries<any>(kayenta)) {
      if (value.enabled && !['blobs', 'standaloneCanaryAnalysis'].includes(section)) expect({ section, accounts: value.accounts?.length > 0 }).toEqual({ section, accounts: true });
    }
  });

  test('enables the standalone canary analysis API by default, and not when asked', () => {
    expect(kayentaYml(synthChart(setup().chart)).kayenta.standaloneCanaryAnalysis).toEqual({ enabled: true });
    expect(kayentaYml(synthChart(setup({ standaloneCanaryAnalysis: false }).chart)).kayenta.standaloneCanaryAnalysis).toEqual({ enabled: false });
  });

  test('exposes only the health and info actuator endpoints', () => {
    const yml = kayentaYml(synthChart(setup().chart));
    expect(yml.management).toEqual({ endpoints: { web: { exposure: { include: 'health,info' } } }, endpoint: { health: { 'show-details': 'never' } } });
  });

  test('renders the same kayenta.yml on every synthesis', () => {
    const first = findOne(synthChart(setup().chart), 'ConfigMap', 'kayenta').data['kayenta.yml'];
    const second = findOne(synthChart(setup().chart), 'ConfigMap', 'kayenta').data['kayenta.yml'];
    expect(second).toBe(first);
  });

  test('every placeholder in kayenta.yml has an env var of the same name from a secretKeyRef, and no credential is literal', () => {
    const { chart, kayenta } = setup((secret) => ({
      metricsStores: [
        KayentaMetricsStore.prometheus({ baseUrl: 'http://prometheus:9090', auth: KayentaPrometheusAuth.basic('kayenta', { secret: secret('prom'), key: 'password' }) }),
        KayentaMetricsStore.prometheus({ accountName: 'prom-b', baseUrl: 'http://prometheus-b:9090', auth: KayentaPrometheusAuth.bearerToken({ secret: secret('prom-b'), key: 'token' }) }),
        KayentaMetricsStore.datadog({ apiKey: { secret: secret('dd'), key: 'api-key' }, applicationKey: { secret: secret('dd'), key: 'app-key' } }),
      ],
    }));
    const minio = kplus.Secret.fromSecretName(chart, 'minio', 'minio');
    kayenta.addStorage(KayentaStorage.s3({
      accountName: 'minio',
      bucket: 'kayenta',
      endpoint: 'http://minio.minio.svc:9000',
      accessKeyId: { secret: minio, key: 'access-key' },
      secretAccessKey: { secret: minio, key: 'secret-key' },
    }));
    const objects = synthChart(chart);
    const used = placeholders(kayentaYml(objects));
    expect(used.sort()).toEqual([
      'secrets.aws.minio.accesskey', 'secrets.aws.minio.secretkey', 'secrets.azure.canarystorage.accountaccesskey',
      'secrets.datadog.datadog.apikey', 'secrets.datadog.datadog.applicationkey',
      'secrets.prometheus.promb.bearertoken', 'secrets.prometheus.prometheus.password',
    ]);
    const env = kayentaContainer(objects).env;
    for (const path of used) {
      // Spring's relaxed binding: ${a.b.c} is read from A_B_C
      const variable = env.find((e: any) => e.name === path.replace(/\./g, '_').toUpperCase());
      expect({ path, from: variable?.valueFrom?.secretKeyRef ? 'secretKeyRef' : variable }).toEqual({ path, from: 'secretKeyRef' });
    }
    expect(env.filter((e: any) => e.value !== undefined).map((e: any) => e.name)).toEqual(['JAVA_OPTS']);
    expect(env.find((e: any) => e.name === 'SECRETS_DATADOG_DATADOG_APIKEY').valueFrom.secretKeyRef).toEqual({ name: 'dd', key: 'api-key' });
    expectSchemaValid(objects);
  });

  test('Prometheus basic authentication from a mounted username:password file (usernamePasswordFile)', () => {
    const { chart } = setup((secret) => ({
      metricsStores: [KayentaMetricsStore.prometheus({ accountName: 'canary-prometheus', baseUrl: 'http://prometheus:9090', auth: KayentaPrometheusAuth.basicFromFile({ secret: secret('prom-basic'), key: 'auth' }) })],
    }));
    const objects = synthChart(chart);
    const account = kayentaYml(objects).kayenta.prometheus.accounts[0];
    expect(account).not.toHaveProperty('username');
    expect(account).not.toHaveProperty('password');
    const container = kayentaContainer(objects);
    const mount = container.volumeMounts.find((m: any) => account.usernamePasswordFile.startsWith(`${m.mountPath}/`));
    expect(mount).toMatchObject({ readOnly: true });
    const volume = findOne(objects, 'Deployment', 'kayenta').spec.template.spec.volumes.find((v: any) => v.name === mount.name);
    expect(volume.secret).toMatchObject({ secretName: 'prom-basic', items: [{ key: 'auth', path: account.usernamePasswordFile.slice(mount.mountPath.length + 1) }] });
    expectSchemaValid(objects);
  });

  test('a file path in additionalConfig is not mistaken for a literal credential', () => {
    const { chart } = setup({
      metricsStores: [],
      additionalConfig: { kayenta: { prometheus: { enabled: true, accounts: [{ name: 'extra', endpoint: { baseUrl: 'http://prometheus:9090' }, usernamePasswordFile: '/var/run/creds/prometheus', supportedTypes: ['METRICS_STORE'] }] } } },
    });
    expect(kayentaYml(synthChart(chart)).kayenta.prometheus.accounts[0].usernamePasswordFile).toBe('/var/run/creds/prometheus');
  });

  test('never copies a Secret\'s value into the ConfigMap', () => {
    const chart = new Chart(Testing.app(), 'test');
    const storage = new kplus.Secret(chart, 'azure-storage', { metadata: { name: 'azure-storage', namespace: 'kayenta' }, stringData: { 'storage-key': 'c3VwZXItc2VjcmV0LWtleQ==' } });
    new KayentaStandalone(chart, 'kayenta', {
      metricsStores: [KayentaMetricsStore.prometheus({ baseUrl: 'http://prometheus:9090' })],
      storage: [KayentaStorage.azure({ storageAccountName: 'kayentastorage', container: 'kayenta', accessKey: { secret: storage, key: 'storage-key' } })],
    });
    const objects = synthChart(chart);
    expect(JSON.stringify(findOne(objects, 'ConfigMap', 'kayenta'))).not.toContain('c3VwZXItc2VjcmV0LWtleQ==');
    expect(JSON.stringify(findOne(objects, 'Deployment', 'kayenta'))).not.toContain('c3VwZXItc2VjcmV0LWtleQ==');
  });

  test('enables both aws and s3 for S3, with the MinIO endpoint and explicit credentials as placeholders', () => {
    const { chart } = setup((secret) => ({
      storage: [KayentaStorage.s3({
        accountName: 'minio',
        bucket: 'kayenta',
        region: 'us-east-1',
        endpoint: 'http://minio.minio.svc:9000',
        accessKeyId: { secret: secret('minio'), key: 'access-key' },
        secretAccessKey: { secret: secret('minio'), key: 'secret-key' },
      })],
    }));
    const { kayenta } = kayentaYml(synthChart(chart));
    expect(kayenta.aws).toEqual({
      enabled: true,
      accounts: [{
        name: 'minio',
        bucket: 'kayenta',
        region: 'us-east-1',
        rootFolder: 'kayenta',
        endpoint: 'http://minio.minio.svc:9000',
        explicitCredentials: { accessKey: '${secrets.aws.minio.accesskey}', secretKey: '${secrets.aws.minio.secretkey}' },
        supportedTypes: ['OBJECT_STORE', 'CONFIGURATION_STORE'],
      }],
    });
    expect(kayenta.s3).toEqual({ enabled: true });
    expect(kayenta.azure).toEqual({ enabled: false });
  });

  test('fails on an AWS S3 bucket without a region, where Kayenta would not start outside AWS', () => {
    expect(() => setup({ storage: [KayentaStorage.s3({ bucket: 'kayenta' })] })).toThrow('test/kayenta: storage[0].region: received undefined for an AWS S3 bucket (no endpoint); give the bucket\'s region, e.g. "eu-west-1": '
      + 'Kayenta builds its S3 client at start-up and fails to start where the AWS SDK finds no region of its own');
    expect(() => setup({ storage: [KayentaStorage.s3({ bucket: 'kayenta', endpoint: 'http://minio.storage.svc:9000' })] })).not.toThrow();
  });

  test('leaves explicitCredentials out for S3 without keys, so the AWS default chain applies', () => {
    const { chart } = setup({ storage: [KayentaStorage.s3({ bucket: 'kayenta', region: 'eu-west-1' })] });
    expect(kayentaYml(synthChart(chart)).kayenta.aws.accounts[0]).toEqual({
      name: 's3', bucket: 'kayenta', region: 'eu-west-1', rootFolder: 'kayenta', supportedTypes: ['OBJECT_STORE', 'CONFIGURATION_STORE'],
    });
  });

  test('enables both google and gcs for GCS, with jsonPath pointing at the mounted Secret file', () => {
    const { chart } = setup((secret) => ({
      storage: [KayentaStorage.gcs({ project: 'my-project', bucket: 'kayenta-results', bucketLocation: 'us', jsonKey: { secret: secret('gcs-key'), key: 'key.json' } })],
    }));
    const objects = synthChart(chart);
    const { kayenta } = kayentaYml(objects);
    expect(kayenta.google).toEqual({
      enabled: true,
      accounts: [{
        name: 'gcs',
        project: 'my-project',
        jsonPath: '/var/run/secrets/kayenta/google-gcs/key.json',
        bucket: 'kayenta-results',
        bucketLocation: 'us',
        rootFolder: 'kayenta',
        supportedTypes: ['OBJECT_STORE', 'CONFIGURATION_STORE'],
      }],
    });
    expect(kayenta.gcs).toEqual({ enabled: true });
    const pod = findOne(objects, 'Deployment', 'kayenta').spec.template.spec;
    expect(pod.containers[0].volumeMounts).toContainEqual({ mountPath: '/var/run/secrets/kayenta/google-gcs', name: 'cred-google-gcs', readOnly: true });
    expect(pod.volumes).toContainEqual({ name: 'cred-google-gcs', secret: { secretName: 'gcs-key', items: [{ key: 'key.json', path: 'key.json' }] } });
    expectSchemaValid(objects);
  });

  test('enables only memory for in-memory storage', () => {
    const { chart } = setup({ storage: [KayentaStorage.memory()] });
    const { kayenta } = kayentaYml(synthChart(chart));
    expect(kayenta.memory).toEqual({ enabled: true, accounts: [{ name: 'memory', supportedTypes: ['OBJECT_STORE', 'CONFIGURATION_STORE'] }] });
    expect([kayenta.blobs, kayenta.s3, kayenta.gcs]).toEqual([{ enabled: false }, { enabled: false }, { enabled: false }]);
  });

  test('can split object and configuration stores over two accounts', () => {
    const { chart } = setup({
      storage: [
        KayentaStorage.s3({ accountName: 'results', bucket: 'results', region: 'eu-west-1', storeTypes: [KayentaStoreType.OBJECT_STORE] }),
        KayentaStorage.memory({ accountName: 'configs', storeTypes: [KayentaStoreType.CONFIGURATION_STORE] }),
      ],
    });
    const { kayenta } = kayentaYml(synthChart(chart));
    expect(kayenta.aws.accounts[0].supportedTypes).toEqual(['OBJECT_STORE']);
    expect(kayenta.memory.accounts[0].supportedTypes).toEqual(['CONFIGURATION_STORE']);
  });

  test('mounts kayenta.yml at /opt/spinnaker/config, which the start script imports over the image\'s defaults, and leaves the image\'s config directory alone', () => {
    const objects = synthChart(setup().chart);
    const c = kayentaContainer(objects);
    const pod = findOne(objects, 'Deployment', 'kayenta').spec.template.spec;
    expect(c.volumeMounts).toContainEqual({ mountPath: '/opt/spinnaker/config', name: 'config', readOnly: true });
    // /opt/kayenta/config holds the image's own kayenta.yml (on the classpath): it must stay
    expect(c.volumeMounts.map((m: any) => m.mountPath)).not.toContain('/opt/kayenta/config');
    expect(pod.volumes).toContainEqual({ name: 'config', configMap: { name: 'kayenta' } });
    // the start script's own -Dspring.config.import stays in force: nothing here replaces it
    expect(c.env.find((e: any) => e.name === 'JAVA_OPTS').value).not.toMatch(/spring\.config\./);
  });

  test('sizes the JVM from the memory limit and sets the log level in JAVA_OPTS', () => {
    const c = kayentaContainer(synthChart(setup({ logLevel: KayentaLogLevel.DEBUG, jvmOptions: ['-Dfoo=bar'] }).chart));
    expect(c.env.find((e: any) => e.name === 'JAVA_OPTS').value).toBe(
      '-XX:MaxRAMPercentage=75.0 -XX:+ExitOnOutOfMemoryError -Dlogging.level.root=DEBUG -Dfoo=bar');
    expect(c.resources).toEqual({ requests: { cpu: '500m', memory: '2048Mi' }, limits: { cpu: '2', memory: '2048Mi' } });
  });

  test('runs the pinned slim image as uid 10111, hardened, with a read-only root and a writable /tmp', () => {
    const objects = synthChart(setup().chart);
    const c = kayentaContainer(objects);
    const pod = findOne(objects, 'Deployment', 'kayenta').spec.template.spec;
    expect(c.image).toBe('us-docker.pkg.dev/spinnaker-community/docker/kayenta:2026.0.4-slim');
    expect(c.imagePullPolicy).toBe('IfNotPresent');
    expect(c.securityContext).toMatchObject({
      runAsUser: 10111,
      runAsGroup: 10111,
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(pod.securityContext).toMatchObject({ runAsUser: 10111, fsGroup: 10111 });
    const tmp = pod.volumes.find((v: any) => v.emptyDir);
    expect(c.volumeMounts).toContainEqual({ mountPath: '/tmp', name: tmp.name });
    // no <SERVICE>_PORT variables, which Spring would read as settings (a Service "server" sets server.port)
    expect(pod.enableServiceLinks).toBe(false);
  });

  test('pulls a :latest image Always', () => {
    const c = kayentaContainer(synthChart(setup({ image: 'us-docker.pkg.dev/spinnaker-community/docker/kayenta:latest' }).chart));
    expect(c.imagePullPolicy).toBe('Always');
  });

  test('checks /health on port 8090 for readiness, and only that the port answers for startup and liveness', () => {
    const c = kayentaContainer(synthChart(setup().chart));
    expect(c.readinessProbe.httpGet).toEqual({ path: '/health', port: 8090, scheme: 'HTTP' });
    // /health turns DOWN with a backend (Redis, or Prometheus with its health indicator on): a restart would fix neither
    for (const probe of [c.startupProbe, c.livenessProbe]) {
      expect(probe.httpGet).toBeUndefined();
      expect(probe.tcpSocket).toEqual({ port: 8090 });
    }
    expect(c.startupProbe.failureThreshold).toBe(30);
    expect(c.ports).toEqual([{ containerPort: 8090, name: 'http' }]);
  });

  test('puts a ClusterIP Service in front by default, and the type asked for otherwise', () => {
    const service = findOne(synthChart(setup().chart), 'Service', 'kayenta');
    expect(service.spec.type).toBe('ClusterIP');
    expect(service.spec.ports).toEqual([{ name: 'http', port: 80, targetPort: 8090 }]);
    expect(findOne(synthChart(setup({ serviceType: kplus.ServiceType.LOAD_BALANCER }).chart), 'Service', 'kayenta').spec.type).toBe('LoadBalancer');
  });

  test('rolls the pods when kayenta.yml changes', () => {
    const annotation = (objects: any[]) => findOne(objects, 'Deployment', 'kayenta').spec.template.metadata.annotations['config-hash.meshkit.dev/kayenta.yml'];
    const a = annotation(synthChart(setup().chart));
    const b = annotation(synthChart(setup({ logLevel: KayentaLogLevel.DEBUG }).chart));
    const c = annotation(synthChart(setup({ standaloneCanaryAnalysis: false }).chart));
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(b).toBe(a);
    expect(c).not.toBe(a);
  });

  test('admits only the Kayenta pods to its Redis', () => {
    const objects = synthChart(setup().chart);
    const policy = findOne(objects, 'NetworkPolicy', 'kayenta-redis');
    expect(policy.spec.ingress).toHaveLength(1);
    expect(policy.spec.ingress[0].from[0].podSelector.matchLabels).toEqual(findOne(objects, 'Deployment', 'kayenta').spec.selector.matchLabels);
    expect(policy.spec.ingress[0].ports).toEqual([{ port: 6379, protocol: 'TCP' }]);
    expect(findOne(objects, 'Deployment', 'kayenta-redis').spec.template.spec.containers[0].env).toBeUndefined();
  });

  test('uses an existing Redis by URL and creates none', () => {
    const { chart, kayenta } = setup({ redis: KayentaRedis.fromUrl('redis://redis.shared.svc:6379') });
    const objects = synthChart(chart);
    expect(kayentaYml(objects).redis).toEqual({ connection: 'redis://redis.shared.svc:6379' });
    expect(objects.filter((o) => o.metadata.name === 'kayenta-redis')).toEqual([]);
    expect(kayenta.redis).toBeUndefined();
  });

  test('sends a Redis password from a Secret: a placeholder in the URL, filled from a secretKeyRef variable (existing Redis, TLS)', () => {
    const { chart } = setup({});
    const secret = kplus.Secret.fromSecretName(chart, 'cache-auth', 'cache-auth');
    const other = setup({ redis: KayentaRedis.fromUrl('rediss://my-cache.redis.cache.windows.net:6380', { password: { secret, key: 'password' } }) });
    const objects = synthChart(other.chart);
    expect(kayentaYml(objects).redis).toEqual({ connection: 'rediss://:${KAYENTA_REDIS_PASSWORD}@my-cache.redis.cache.windows.net:6380' });
    const kayenta = findOne(objects, 'Deployment', 'kayenta').spec.template.spec.containers[0];
    expect(kayenta.env.find((e: any) => e.name === 'KAYENTA_REDIS_PASSWORD')).toEqual({
      name: 'KAYENTA_REDIS_PASSWORD', valueFrom: { secretKeyRef: { name: 'cache-auth', key: 'password' } },
    });
    expectSchemaValid(objects);
  });

  test('gives its own Redis a password when asked, and Kayenta the same one', () => {
    const { chart } = setup({});
    const secret = kplus.Secret.fromSecretName(chart, 'redis-auth', 'kayenta-redis-auth');
    const s = setup({ redis: KayentaRedis.inCluster({ password: { secret, key: 'password' } }) });
    const objects = synthChart(s.chart);
    expect(kayentaYml(objects).redis.connection).toBe('redis://:${KAYENTA_REDIS_PASSWORD}@kayenta-redis.kayenta.svc:6379');
    const redis = findOne(objects, 'Deployment', 'kayenta-redis').spec.template.spec.containers[0];
    expect(redis.args.slice(-2)).toEqual(['--requirepass', '$(REDIS_PASSWORD)']);
    expect(redis.env).toEqual([{ name: 'REDIS_PASSWORD', valueFrom: { secretKeyRef: { name: 'kayenta-redis-auth', key: 'password' } } }]);
    const kayenta = findOne(objects, 'Deployment', 'kayenta').spec.template.spec.containers[0];
    expect(kayenta.env.find((e: any) => e.name === 'KAYENTA_REDIS_PASSWORD').valueFrom.secretKeyRef).toEqual({ name: 'kayenta-redis-auth', key: 'password' });
  });

  test('deploys into an existing namespace without creating it', () => {
    const objects = synthChart(setup({ namespace: 'canary', createNamespace: false }).chart);
    expect(objects.filter((o) => o.kind === 'Namespace')).toEqual([]);
    expect(findOne(objects, 'Deployment', 'kayenta').metadata.namespace).toBe('canary');
    expect(kayentaYml(objects).redis.connection).toBe('redis://kayenta-redis.canary.svc:6379');
  });

  test('deep-merges additionalConfig over the generated settings', () => {
    const additionalConfig = { kayenta: { prometheus: { metadataCachingIntervalMS: 60000 } }, swagger: { enabled: false } };
    const yml = kayentaYml(synthChart(setup({ additionalConfig }).chart));
    expect(yml.kayenta.prometheus.metadataCachingIntervalMS).toBe(60000);
    expect(yml.kayenta.prometheus.accounts).toHaveLength(1);
    expect(yml.swagger.enabled).toBe(false);
  });

  test('accepts stores added after the constructor', () => {
    const { chart, secret } = chartWithSecrets();
    const kayenta = new KayentaStandalone(chart, 'kayenta');
    expect(kayenta.addMetricsStore(KayentaMetricsStore.prometheus({ baseUrl: 'http://prometheus:9090' }))).toBe('prometheus');
    kayenta.addStorage(KayentaStorage.azure({ storageAccountName: 'kayentastorage', container: 'kayenta', accessKey: { secret: secret('a'), key: 'k' } }));
    const { kayenta: k } = kayentaYml(synthChart(chart));
    expect([k.prometheus.enabled, k.azure.enabled, k.blobs.enabled]).toEqual([true, true, true]);
  });
});

describe('KayentaStandalone bad input', () => {
  test('fails at synth without a metrics store', () => {
    const { chart } = setup({ metricsStores: [] });
    expect(() => runValidations(chart)).toThrow(
      'test/kayenta: metricsStores: no METRICS_STORE account is configured; pass metricsStores (e.g. KayentaMetricsStore.prometheus({ baseUrl: "http://prometheus:9090" })) or call addMetricsStore()');
  });

  test('fails at synth without an object store', () => {
    const { chart } = setup({ storage: [KayentaStorage.memory({ storeTypes: [KayentaStoreType.CONFIGURATION_STORE] })] });
    expect(() => runValidations(chart)).toThrow(
      'test/kayenta: storage: no OBJECT_STORE account is configured; pass storage (e.g. KayentaStorage.azure({...}) or KayentaStorage.s3({...})) or call addStorage()');
  });

  test.each([
    ['s3', 'S3', () => KayentaStorage.s3({ accountName: 'configs', bucket: 'configs', storeTypes: [KayentaStoreType.CONFIGURATION_STORE] })],
    ['gcs', 'GCS', () => KayentaStorage.gcs({ accountName: 'configs', project: 'my-project', bucket: 'configs', storeTypes: [KayentaStoreType.CONFIGURATION_STORE] })],
  ])('refuses a %s account that is only a configuration store (Kayenta\'s %s storage service would never use it)', (_kind, service, storage) => {
    expect(() => setup({ storage: [KayentaStorage.memory({ storeTypes: [KayentaStoreType.OBJECT_STORE] }), storage()] })).toThrow(
      `test/kayenta: storage[1].storeTypes: ["CONFIGURATION_STORE"] for account "configs", but Kayenta's ${service} storage service serves only accounts that include OBJECT_STORE, so this account would hold no canary configs; `
      + 'include OBJECT_STORE (the default, [OBJECT_STORE, CONFIGURATION_STORE]), or keep configs in KayentaStorage.memory({ storeTypes: [CONFIGURATION_STORE] })');
  });

  test('fails at synth without a configuration store', () => {
    const { chart } = setup({ storage: [KayentaStorage.memory({ storeTypes: [KayentaStoreType.OBJECT_STORE] })] });
    expect(() => runValidations(chart)).toThrow(
      'test/kayenta: storage: no CONFIGURATION_STORE account is configured; pass storage (e.g. KayentaStorage.azure({...}) or KayentaStorage.s3({...})) or call addStorage()');
  });

  test('rejects two accounts with one name', () => {
    expect(() => setup({ storage: [KayentaStorage.memory({ accountName: 'canary-prometheus' })] })).toThrow(
      'test/kayenta: storage[0].accountName: account name "canary-prometheus" is taken by metricsStores[0] (kayenta.prometheus and kayenta.memory); give every account a unique name (metrics and storage accounts share one namespace in Kayenta)');
  });

  test('rejects a Redis URL that is not redis:// or rediss://', () => {
    expect(() => setup({ redis: KayentaRedis.fromUrl('http://redis.shared.svc:6379') })).toThrow(
      'test/kayenta: redis: "http://redis.shared.svc:6379" is not a redis:// or rediss:// URL; give redis://<host>:<port>, or rediss://<host>:<port> for TLS '
      + '(Kayenta speaks the Redis protocol to a single, non-clustered instance; a password goes in options.password)');
  });

  test('rejects a Redis URL whose port is out of range', () => {
    expect(() => setup({ redis: KayentaRedis.fromUrl('redis://redis.shared.svc:99999') })).toThrow(
      'test/kayenta: redis: "redis://redis.shared.svc:99999" names port 99999; give a port from 1 to 65535 (Redis listens on 6379 by default)');
    expect(() => setup({ redis: KayentaRedis.fromUrl('redis://redis.shared.svc:6380/2') })).not.toThrow();
    // keiko reads the path after "/" as the database number: an empty one stops Kayenta at start
    expect(() => setup({ redis: KayentaRedis.fromUrl('redis://redis.shared.svc:6379/') })).toThrow(
      'test/kayenta: redis: "redis://redis.shared.svc:6379/" ends in "/", which Kayenta\'s queue (keiko) reads as an empty database number, and Kayenta fails to start; '
      + 'drop the "/" ("redis://redis.shared.svc:6379"), or give the database number after it (e.g. "redis://redis.shared.svc:6379/0")');
    expect(() => setup({ redis: KayentaRedis.fromUrl('redis://redis.shared.svc/') })).toThrow('ends in "/"');
  });

  test('rejects a Redis URL with a password', () => {
    expect(() => setup({ redis: KayentaRedis.fromUrl('redis://:hunter2@redis.shared.svc:6379') })).toThrow(
      'test/kayenta: redis: "redis://***@redis.shared.svc:6379" carries a password in the URL; remove the user-info part; pass credentials as Secret references (kplus.SecretValue) instead');
  });

  test('rejects a storage account key given as a literal string', () => {
    const storage = KayentaStorage.azure({ storageAccountName: 'kayentastorage', container: 'kayenta', accessKey: 'bG9uZy1saXRlcmFsLWtleQ==' as any });
    expect(() => setup({ storage: [storage] })).toThrow(
      'test/kayenta: storage[0].accessKey: received a literal string; pass a kplus.SecretValue ({ secret, key }) naming the Secret key that holds it; credentials never go into kayenta.yml');
  });

  test('rejects a literal credential in additionalConfig', () => {
    expect(() => setup({ additionalConfig: { kayenta: { signalfx: { enabled: true, accounts: [{ name: 'sfx', accessToken: 'abc123' }] } } } })).toThrow(
      'test/kayenta: additionalConfig.kayenta.signalfx.accounts[0].accessToken: looks like a credential written as a literal; pass it through the construct\'s Secret-typed props (kplus.SecretValue), or write a ${...} placeholder without a default and supply the variable from a Secret');
  });

  test('rejects a placeholder whose default value is the credential, in additionalConfig and in a JVM option', () => {
    expect(() => setup({ additionalConfig: { kayenta: { signalfx: { enabled: true, accounts: [{ name: 'sfx', accessToken: '${sfx.token:abc123}' }] } } } })).toThrow(
      'test/kayenta: additionalConfig.kayenta.signalfx.accounts[0].accessToken: is a ${name:default} placeholder, whose default is a credential written as a literal; pass it through');
    expect(() => setup({ jvmOptions: ['-Dkayenta.prometheus.accounts[0].password=${p:hunter2}'] })).toThrow(
      'test/kayenta: jvmOptions[0]: -Dkayenta.prometheus.accounts[0].password=... is a ${name:default} placeholder, whose default is a credential written as a literal; pass credentials as Secret references');
  });

  test('accepts a credential-named placeholder without a default (the variable comes from a Secret)', () => {
    expect(() => setup({ additionalConfig: { kayenta: { signalfx: { enabled: true, accounts: [{ name: 'sfx', accessToken: '${secrets.signalfx.token}' }] } } } })).not.toThrow();
  });

  test('rejects a metrics URL with a password in it', () => {
    expect(() => setup({ metricsStores: [KayentaMetricsStore.prometheus({ baseUrl: 'http://admin:hunter2@prometheus:9090' })] })).toThrow(
      'test/kayenta: metricsStores[0].baseUrl: "http://***@prometheus:9090" carries a password in the URL');
  });

  test('rejects a credential passed as a JVM option', () => {
    expect(() => setup({ jvmOptions: ['-Dkayenta.azure.accounts[0].accountAccessKey=abc'] })).toThrow(
      'test/kayenta: jvmOptions[0]: -Dkayenta.azure.accounts[0].accountAccessKey=... looks like a credential written as a literal');
  });

  test('fails at synth when additionalConfig enables a section without accounts', () => {
    const { chart } = setup({ additionalConfig: { kayenta: { signalfx: { enabled: true } } } });
    expect(() => runValidations(chart)).toThrow('test/kayenta: additionalConfig.kayenta.signalfx: enabled without accounts; add an account or leave the section disabled');
  });

  test('counts store types as Kayenta registers them: configbin accounts, metrics stores without supportedTypes, google metrics only with stackdriver', () => {
    const objectOnly = (secret: SecretRef) => KayentaStorage.azure({
      accountName: 'canary-storage',
      storageAccountName: 'kayentastorage',
      container: 'kayenta',
      accessKey: { secret: secret('azure-storage'), key: 'storage-key' },
      storeTypes: [KayentaStoreType.OBJECT_STORE],
    });
    const configbin = {
      enabled: true,
      accounts: [{ name: 'configs', endpoint: { baseUrl: 'http://configbin:8080' }, ownerApp: 'kayenta', configType: 'canary', supportedTypes: ['CONFIGURATION_STORE'] }],
    };
    const withConfigbin = setup((secret) => ({ storage: [objectOnly(secret)], additionalConfig: { kayenta: { configbin } } }));
    expect(() => runValidations(withConfigbin.chart)).not.toThrow();
    expect(() => runValidations(setup({ additionalConfig: { kayenta: { configbin: { enabled: true } } } }).chart))
      .toThrow('test/kayenta: additionalConfig.kayenta.configbin: enabled without accounts; add an account or leave the section disabled');
    // Kayenta's prometheus accounts are metrics stores whatever supportedTypes says
    const prometheus = { enabled: true, accounts: [{ name: 'extra', endpoint: { baseUrl: 'http://prometheus:9090' } }] };
    expect(() => runValidations(setup({ metricsStores: [], additionalConfig: { kayenta: { prometheus } } }).chart)).not.toThrow();
    const asStorage = { enabled: true, accounts: [{ ...prometheus.accounts[0], supportedTypes: ['OBJECT_STORE', 'CONFIGURATION_STORE'] }] };
    expect(() => runValidations(setup({ storage: [], additionalConfig: { kayenta: { prometheus: asStorage } } }).chart))
      .toThrow('test/kayenta: storage: no OBJECT_STORE account is configured');
    const datadog = { enabled: true, accounts: [{ name: 'dd', endpoint: { baseUrl: 'https://api.datadoghq.com' }, apiKey: '${secrets.dd.api}', applicationKey: '${secrets.dd.app}' }] };
    expect(() => runValidations(setup({ metricsStores: [], additionalConfig: { kayenta: { datadog } } }).chart)).not.toThrow();
    const google = { enabled: true, accounts: [{ name: 'gcp', project: 'p', supportedTypes: ['METRICS_STORE'] }] };
    expect(() => runValidations(setup({ metricsStores: [], additionalConfig: { kayenta: { google } } }).chart))
      .toThrow('test/kayenta: metricsStores: no METRICS_STORE account is configured');
    const withStackdriver = setup({ metricsStores: [], additionalConfig: { kayenta: { google, stackdriver: { enabled: true } } } });
    expect(() => runValidations(withStackdriver.chart)).not.toThrow();
  });

  test('fails at synth when additionalConfig turns off the storage service of an object store', () => {
    const { chart } = setup({ additionalConfig: { kayenta: { blobs: { enabled: false } } } });
    expect(() => runValidations(chart)).toThrow(
      'test/kayenta: additionalConfig.kayenta.blobs.enabled: azure account "canary-storage" is an OBJECT_STORE but kayenta.blobs is disabled; Kayenta needs both kayenta.azure.enabled and kayenta.blobs.enabled');
  });

  test('fails at synth when additionalConfig adds an account whose name is taken', () => {
    const { chart } = setup({ additionalConfig: { kayenta: { atlas: { enabled: true, accounts: [{ name: 'canary-storage', endpoint: { baseUrl: 'http://atlas:7101' }, supportedTypes: ['METRICS_STORE'] }] } } } });
    expect(() => runValidations(chart)).toThrow(
      'test/kayenta: additionalConfig.kayenta.azure.accounts: account name "canary-storage" is also used by an account in kayenta.atlas; give every account a unique name');
  });

  test('rejects half an S3 key pair', () => {
    expect(() => setup((secret) => ({ storage: [KayentaStorage.s3({ bucket: 'kayenta', accessKeyId: { secret: secret('s3'), key: 'id' } })] }))).toThrow(
      'test/kayenta: storage[0].secretAccessKey: only one half of the key pair was given; give both accessKeyId and secretAccessKey, or neither to use the AWS default credentials chain');
  });

  test('rejects two accounts whose credentials would share an environment variable', () => {
    const azure = (secret: SecretRef, accountName: string) =>
      KayentaStorage.azure({ accountName, storageAccountName: 'kayentastorage', container: 'kayenta', accessKey: { secret: secret(accountName), key: 'k' } });
    expect(() => setup((secret) => ({ storage: [azure(secret, 'canary-storage'), azure(secret, 'canary.storage')] }))).toThrow(
      'test/kayenta: storage[1].accessKey: azure account "canary.storage" would read its credential from SECRETS_AZURE_CANARYSTORAGE_ACCOUNTACCESSKEY, which azure account "canary-storage" already uses');
  });

  test('fails at synth with in-memory storage on more than one replica', () => {
    const { chart } = setup({ replicas: 2, storage: [KayentaStorage.memory()] });
    expect(() => runValidations(chart)).toThrow(
      'test/kayenta: replicas: 2 replicas with in-memory storage would each keep their own results while sharing one work queue; use 1 replica or a persistent store');
  });

  test('rejects an Azure storage account name Azure would refuse', () => {
    const storage = (secret: SecretRef) => KayentaStorage.azure({ storageAccountName: 'Kayenta_Storage', container: 'kayenta', accessKey: { secret: secret('a'), key: 'k' } });
    expect(() => setup((secret) => ({ storage: [storage(secret)] }))).toThrow(
      'test/kayenta: storage[0].storageAccountName: "Kayenta_Storage" is not an Azure storage account name; use 3 to 24 lower-case letters and digits, e.g. "kayentastorage"');
  });

  test('rejects moving Kayenta off port 8090 through additionalConfig', () => {
    expect(() => setup({ additionalConfig: { server: { port: 9000 } } })).toThrow(
      'test/kayenta: additionalConfig.server.port: 9000 would move Kayenta off port 8090, where the probes and the Service point; leave server.port unset');
  });

  test.each([
    [{ 'server.port': 9000 }, 'additionalConfig.server.port: 9000 would move Kayenta off port 8090'],
    [{ 'server.servlet.context-path': '/kayenta' }, 'additionalConfig.server.servlet.context-path: "/kayenta" would move every endpoint, /health included'],
    [{ server: { servlet: { contextPath: '/kayenta' } } }, 'additionalConfig.server.servlet.context-path: "/kayenta" would move every endpoint'],
    [{ 'management.server.port': 8091 }, 'additionalConfig.management.server.port: 8091 would move /health to another port'],
    [{ management: { endpoints: { web: { 'base-path': '/actuator' } } } }, 'additionalConfig.management.endpoints.web.base-path: "/actuator" would move /health'],
    [{ 'management.endpoints.web.exposure.include': 'info,metrics' }, 'additionalConfig.management.endpoints.web.exposure.include: "info,metrics" leaves out health'],
    [{ 'redis.connection': 'redis://other:6379' }, 'additionalConfig.redis.connection: the Redis connection is set by the redis prop'],
    [{ 'management.endpoints.web.path-mapping.health': 'healthz' }, 'additionalConfig.management.endpoints.web.path-mapping.health: "healthz" would move /health away from the path the probes call'],
    [{ spring: { mvc: { servlet: { path: '/api' } } } }, 'additionalConfig.spring.mvc.servlet.path: "/api" would move every endpoint served through Spring MVC, /health included'],
    [{ 'management.endpoint.health.access': 'none' }, 'additionalConfig.management.endpoint.health.access: "none" would turn off /health, which the probes call; '
      + 'leave management.endpoint.health.access unset, or make it read-only'],
    [{ 'management.endpoints.access.default': 'NONE' }, 'additionalConfig.management.endpoints.access.default: "NONE" would turn off every endpoint, /health included, which the probes call; '
      + 'set management.endpoint.health.access to read-only as well, or leave management.endpoints.access.default unset'],
    [{ management: { endpoints: { enabledByDefault: false } } }, 'additionalConfig.management.endpoints.enabled-by-default: false would turn off every endpoint, /health included'],
    [{ 'management.endpoints.enabled-by-default': 'off' }, 'additionalConfig.management.endpoints.enabled-by-default: "off" would turn off every endpoint, /health included'],
    [{ 'management.endpoints.access.max-permitted': 'none', 'management.endpoint.health.access': 'read-only' },
      'additionalConfig.management.endpoints.access.max-permitted: "none" would turn off every endpoint, /health included, whatever else says'],
    [{ 'management.endpoints.web.exposure.include': '*' }, 'additionalConfig.management.endpoints.web.exposure.include: "*" exposes "*" on the port the Service publishes; '
      + 'list the endpoints you need (e.g. "health,info,prometheus"): env, configprops, resolvedEnv and heapdump show the credentials Spring resolved, '
      + 'loggers lets any caller raise logging to TRACE'],
    [{ 'management.endpoints.web.exposure.include': 'health,resolvedEnv' }, 'additionalConfig.management.endpoints.web.exposure.include: "health,resolvedEnv" exposes "resolvedEnv"'],
    [{ 'management.endpoints.web.exposure.include': 'Health,resolved-env,loggers' },
      'additionalConfig.management.endpoints.web.exposure.include: "Health,resolved-env,loggers" exposes "resolved-env", "loggers"'],
    [{ management: { endpoints: { web: { exposure: { include: ['health', 'env'] } } } } }, 'additionalConfig.management.endpoints.web.exposure.include: ["health","env"] exposes "env"'],
  ])('reads dotted and relaxed keys as Spring does: %j is refused', (additionalConfig, message) => {
    expect(() => setup({ additionalConfig })).toThrow(`test/kayenta: ${message}`);
  });

  test.each([
    ['-Dserver.port=9000', 'jvmOptions[1]: -Dserver.port=9000 would move Kayenta off port 8090, where the probes and the Service point; leave server.port unset'],
    ['-Dmanagement.endpoints.web.exposure.include=*', 'jvmOptions[1]: -Dmanagement.endpoints.web.exposure.include=* exposes "*" on the port the Service publishes'],
    ['-Dserver.servlet.contextPath=/kayenta', 'jvmOptions[1]: -Dserver.servlet.contextPath=/kayenta would move every endpoint, /health included'],
    ['-Dredis.connection=redis://other:6379', 'jvmOptions[1]: -Dredis.connection=... sets the Redis connection, which the redis prop sets; use redis: KayentaRedis.fromUrl(...) instead'],
    ['-Dspring.config.location=file:/etc/kayenta/', 'jvmOptions[1]: -Dspring.config.location=... changes where Spring reads its configuration, so Kayenta could ignore the kayenta.yml this construct mounts '
      + '(the start script imports it with -Dspring.config.import) or the image\'s own defaults; drop it: put settings in additionalConfig, which goes into the mounted kayenta.yml'],
    ['-Dspring.config.import=optional:file:/tmp/', 'jvmOptions[1]: -Dspring.config.import=... changes where Spring reads its configuration'],
  ])('a -D system property (which overrides kayenta.yml) is checked like additionalConfig: %s', (option, message) => {
    expect(() => setup({ jvmOptions: ['-XX:+UseG1GC', option] })).toThrow(`test/kayenta: ${message}`);
  });

  test('refuses a name too long for its in-cluster Redis (named <name>-redis, a Service name), naming the name prop', () => {
    const name = `k${'a'.repeat(57)}`;
    expect(() => setup({ name })).toThrow(`test/kayenta: name: "${name}" has 58 characters, too many for the name of the in-cluster Redis, "${name}-redis" (Service names have at most 63); `
      + 'give a name of at most 57 characters, or use an external Redis (KayentaRedis.fromUrl)');
    expect(() => setup({ name: name.slice(1) })).not.toThrow();
  });

  test('endpoint access that keeps /health readable, and Redis settings other than the connection, pass', () => {
    expect(() => setup({ additionalConfig: { 'management.endpoints.access.default': 'none', 'management.endpoint.health.access': 'read-only' } })).not.toThrow();
    expect(() => setup({ additionalConfig: { 'management.endpoint.health.access': 'UNRESTRICTED' } })).not.toThrow();
    expect(() => setup({ additionalConfig: { 'management.endpoints.access.default': 'none', 'management.endpoint.health.access': 'readOnly' } })).not.toThrow();
    expect(kayentaYml(synthChart(setup({ additionalConfig: { 'redis.timeout': 5000 } }).chart)).redis.timeout).toBe(5000);
  });

  test('other -D system properties and JVM flags pass', () => {
    expect(() => setup({ jvmOptions: ['-XX:+UseG1GC', '-Dlogging.level.com.netflix.kayenta=DEBUG', '-Dmanagement.endpoints.web.exposure.include=health,info,prometheus'] })).not.toThrow();
  });

  test('fails at synth when additionalConfig turns off the section of a typed account', () => {
    const { chart } = setup({ additionalConfig: { 'kayenta.prometheus.enabled': false } });
    expect(() => runValidations(chart)).toThrow(
      'test/kayenta: additionalConfig.kayenta.prometheus.enabled: false turns off the prometheus account "canary-prometheus" that metricsStores/addMetricsStore() configured; leave kayenta.prometheus.enabled out of additionalConfig');
  });

  test('fails at synth when additionalConfig replaces the accounts a store prop configured (lists replace, they do not merge)', () => {
    const { chart } = setup({ additionalConfig: { kayenta: { prometheus: { accounts: [{ name: 'other', endpoint: { baseUrl: 'http://other:9090' }, supportedTypes: ['METRICS_STORE'] }] } } } });
    expect(() => runValidations(chart)).toThrow(
      'test/kayenta: additionalConfig.kayenta.prometheus.accounts: replaces the prometheus account "canary-prometheus" that metricsStores/addMetricsStore() configured (kayenta.yml lists are replaced, not merged); '
      + 'add the account with addMetricsStore()/addStorage() instead, or leave kayenta.prometheus.accounts out of additionalConfig');
  });

  test('dotted keys merge over the generated settings as nested objects, later keys winning', () => {
    const { chart } = setup({ additionalConfig: { 'management.endpoints.web.exposure.include': 'health,info,prometheus', 'logging.level.[com.netflix.kayenta]': 'DEBUG' } });
    const config = kayentaYml(synthChart(chart));
    expect(config.management.endpoints.web.exposure.include).toBe('health,info,prometheus');
    expect(config.management.endpoint.health['show-details']).toBe('never');
    expect(config.logging.level['[com.netflix.kayenta]']).toBe('DEBUG');
    expect(config).not.toHaveProperty(['management.endpoints.web.exposure.include']);
  });

  test('a dotted key that turns the only object store off fails at synth', () => {
    const { chart } = setup({ additionalConfig: { 'kayenta.blobs.enabled': false } });
    expect(() => runValidations(chart)).toThrow(
      'test/kayenta: additionalConfig.kayenta.blobs.enabled: azure account "canary-storage" is an OBJECT_STORE but kayenta.blobs is disabled; Kayenta needs both kayenta.azure.enabled and kayenta.blobs.enabled');
  });

  test('custom resources need a memory limit: the heap is sized from it', () => {
    expect(() => setup({ resources: { cpu: { request: kplus.Cpu.millis(500) } } })).toThrow(
      "test/kayenta: resources.memory.limit: is not set, and the JVM sizes its heap from it (-XX:MaxRAMPercentage=75): without a limit the heap could grow to 75% of the node's memory; give a memory limit");
  });
});
