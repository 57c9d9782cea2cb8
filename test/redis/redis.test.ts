import { Chart, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-25';
import { Redis, RedisEvictionPolicy, RedisPersistence } from '../../src';
import { expectSchemaValid, findOne, runValidations, synthChart } from '../harness';

function setup(props: ConstructorParameters<typeof Redis>[2] = {}) {
  const chart = new Chart(Testing.app(), 'test', { namespace: 'myapp' });
  const client = new kplus.Deployment(chart, 'client', { metadata: { name: 'client' }, containers: [{ image: 'client:1' }] });
  const redis = new Redis(chart, 'redis', { allowFrom: [client], ...props });
  return { chart, client, redis };
}

describe('Redis', () => {
  test.each([
    ['redis:latest', 'Always'],
    ['registry.local/redis', 'Always'],
    ['redis:7.4.1-alpine', 'IfNotPresent'],
    [`redis@sha256:${'b'.repeat(64)}`, 'IfNotPresent'],
  ])('image %s is pulled %s, as every image of the library', (image, policy) => {
    const deployment = findOne(synthChart(setup({ image }).chart), 'Deployment', 'redis');
    expect(deployment.spec.template.spec.containers[0].imagePullPolicy).toBe(policy);
  });

  test('runs the pinned official Alpine image as its redis user and group (999:1000), hardened, without persistence by default', () => {
    const { chart } = setup();
    const objects = synthChart(chart);
    const deployment = findOne(objects, 'Deployment', 'redis');
    const [c] = deployment.spec.template.spec.containers;
    expect(c.image).toBe('redis:8.10.2-alpine');
    expect(c.imagePullPolicy).toBe('IfNotPresent');
    // maxmemory: three quarters of the 256 MiB limit, so Redis refuses writes instead of being killed
    expect(c.args).toEqual(['--save', '', '--appendonly', 'no', '--maxmemory', String(192 * 1024 * 1024), '--maxmemory-policy', 'noeviction']);
    expect(c.securityContext).toMatchObject({
      runAsUser: 999,
      // the Alpine image's redis group is 1000: Alpine has a gid 999 of its own
      runAsGroup: 1000,
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(c.resources).toEqual({ requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '500m', memory: '256Mi' } });
    expect(c.readinessProbe.tcpSocket.port).toBe(6379);
    expect(c.env).toBeUndefined();
    expect(deployment.spec.strategy).toEqual({ type: 'Recreate' });
    // an emptyDir is writable by any group: no fsGroup
    expect(deployment.spec.template.spec.securityContext).toEqual({ runAsNonRoot: true, fsGroupChangePolicy: 'Always' });
    const data = deployment.spec.template.spec.volumes.find((v: any) => v.emptyDir);
    expect(c.volumeMounts).toEqual([{ mountPath: '/data', name: data.name }]);
    expectSchemaValid(objects);
  });

  test('exposes a namespace-qualified URL and a tcp- named Service port', () => {
    const { chart, redis } = setup();
    expect(redis.url).toBe('redis://redis.myapp.svc:6379');
    const service = findOne(synthChart(chart), 'Service', 'redis');
    expect(service.spec.ports).toEqual([{ name: 'tcp-redis', port: 6379, targetPort: 6379 }]);
  });

  test('takes the password from a Secret key and never as a literal', () => {
    const { chart } = setup({ password: { secret: kplus.Secret.fromSecretName(new Chart(Testing.app(), 'x'), 's', 'redis-auth'), key: 'password' } });
    const [c] = findOne(synthChart(chart), 'Deployment', 'redis').spec.template.spec.containers;
    expect(c.env).toEqual([{ name: 'REDIS_PASSWORD', valueFrom: { secretKeyRef: { name: 'redis-auth', key: 'password' } } }]);
    expect(c.args).toEqual(['--save', '', '--appendonly', 'no', '--maxmemory', String(192 * 1024 * 1024), '--maxmemory-policy', 'noeviction', '--requirepass', '$(REDIS_PASSWORD)']);
  });

  test('admits only the named clients, on the Redis port', () => {
    const { chart } = setup();
    const policy = findOne(synthChart(chart), 'NetworkPolicy', 'redis');
    expect(policy.spec.policyTypes).toEqual(['Ingress']);
    expect(policy.spec.ingress).toHaveLength(1);
    expect(policy.spec.ingress[0].ports).toEqual([{ port: 6379, protocol: 'TCP' }]);
    const client = findOne(synthChart(chart), 'Deployment', 'client');
    expect(policy.spec.ingress[0].from[0].podSelector.matchLabels).toEqual(client.spec.selector.matchLabels);
    expect(policy.spec.podSelector.matchLabels).toEqual(findOne(synthChart(chart), 'Deployment', 'redis').spec.selector.matchLabels);
  });

  test('keeps an append-only file on a claim when asked', () => {
    const chart = new Chart(Testing.app(), 'test');
    const claim = new kplus.PersistentVolumeClaim(chart, 'claim', { metadata: { name: 'redis-data' }, storage: Size.gibibytes(1) });
    const client = new kplus.Deployment(chart, 'client', { containers: [{ image: 'client:1' }] });
    new Redis(chart, 'redis', { allowFrom: [client], persistence: RedisPersistence.appendOnlyFile(claim) });
    const objects = synthChart(chart);
    const deployment = findOne(objects, 'Deployment', 'redis');
    expect(deployment.spec.template.spec.containers[0].args).toEqual(['--appendonly', 'yes', '--appendfsync', 'everysec', '--dir', '/data', '--maxmemory', String(192 * 1024 * 1024), '--maxmemory-policy', 'noeviction']);
    expect(deployment.spec.template.spec.volumes).toContainEqual({ name: expect.any(String), persistentVolumeClaim: { claimName: 'redis-data', readOnly: false } });
    expectSchemaValid(objects);
  });

  test('gives the claim to the redis group (fsGroup), which a fresh volume root (root:root 0755) otherwise denies', () => {
    const chart = new Chart(Testing.app(), 'test');
    const claim = new kplus.PersistentVolumeClaim(chart, 'claim', { metadata: { name: 'redis-data' }, storage: Size.gibibytes(1) });
    const client = new kplus.Deployment(chart, 'client', { containers: [{ image: 'client:1' }] });
    new Redis(chart, 'redis', { allowFrom: [client], persistence: RedisPersistence.appendOnlyFile(claim) });
    const pod = findOne(synthChart(chart), 'Deployment', 'redis').spec.template.spec;
    expect(pod.securityContext).toEqual({ runAsNonRoot: true, fsGroup: 1000, fsGroupChangePolicy: 'OnRootMismatch' });
    // the group Redis runs as is the group that owns the volume
    expect(pod.containers[0].securityContext.runAsGroup).toBe(pod.securityContext.fsGroup);
  });

  test('fails at synth when no workload may connect', () => {
    const chart = new Chart(Testing.app(), 'test');
    new Redis(chart, 'sessions');
    expect(() => runValidations(chart)).toThrow('test/sessions: allowFrom: no workload may connect to Redis "redis" (its NetworkPolicy admits nobody); pass allowFrom or call allowFrom(workload) for each client');
  });

  test('sets maxmemory from a custom memory limit, and refuses resources without one', () => {
    const cpu = { request: kplus.Cpu.millis(50), limit: kplus.Cpu.millis(500) };
    const { redis, chart } = setup({ resources: { cpu, memory: { request: Size.mebibytes(512), limit: Size.gibibytes(1) } } });
    expect(redis.deployment.containers[0].args).toContain(String(768 * 1024 * 1024));
    expect(findOne(synthChart(chart), 'Deployment', 'redis').spec.template.spec.containers[0].resources.limits.memory).toBe('1024Mi');
    expect(() => setup({ resources: { cpu: { request: kplus.Cpu.millis(50), limit: kplus.Cpu.millis(500) } } })).toThrow(
      'test/redis: resources.memory.limit: missing: Redis sets no memory bound of its own (maxmemory 0), so it would grow until the kernel kills it and everything it holds is lost; '
      + 'give a memory limit, e.g. Size.mebibytes(256); maxmemory is set to three quarters of it');
    expect(() => setup({ resources: { memory: { request: Size.mebibytes(512), limit: Size.gibibytes(1) } } })).toThrow(
      'test/redis: resources: has no cpu.request, cpu.limit; give CPU and memory requests and limits');
  });

  test('evicts keys with an expiry at maxmemory when asked, and refuses an unknown policy', () => {
    expect(setup({ evictionPolicy: RedisEvictionPolicy.VOLATILE_LRU }).redis.deployment.containers[0].args).toEqual(expect.arrayContaining(['--maxmemory-policy', 'volatile-lru']));
    expect(() => setup({ evictionPolicy: 'lru' as RedisEvictionPolicy })).toThrow(
      'test/redis: evictionPolicy: received "lru"; use a RedisEvictionPolicy (noeviction, volatile-lru, volatile-ttl, allkeys-lru)');
  });

  test('rejects a name that is not a DNS-1123 label', () => {
    const chart = new Chart(Testing.app(), 'test');
    expect(() => new Redis(chart, 'r', { name: 'Session_Store' })).toThrow('test/r: name: "Session_Store" is not a valid DNS-1123 label');
    // it names the Service, which wants a letter first
    expect(() => new Redis(chart, 'd', { name: '1cache' })).toThrow('test/d: name: "1cache" starts with a digit, which a Service name can\'t; start it with a letter, e.g. "s-1cache"');
  });

  test('rejects a namespace that is not a DNS-1123 label and an empty image', () => {
    const chart = new Chart(Testing.app(), 'test');
    expect(() => new Redis(chart, 'n', { namespace: 'My NS' })).toThrow('test/n: namespace: "My NS" is not a valid DNS-1123 label');
    expect(() => new Redis(chart, 'i', { image: ' ' })).toThrow('test/i: image: received " "; give an image reference, e.g. "');
  });
});
