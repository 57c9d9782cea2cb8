import { Cron, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-25';
import { Construct } from 'constructs';
import { ConfigHash } from '../../src';
import { addConfigHash, stableJson } from '../../src/common/config-hash';
import { hardenContainer, isLibraryContainer, podSpecPath } from '../../src/common/pod';
import { expectSchemaValid } from '../harness';

describe('ConfigHash', () => {
  test('annotates the pod template (not the Deployment) with the SHA-256 of the ConfigMap data', () => {
    const chart = Testing.chart();
    const cm = new kplus.ConfigMap(chart, 'envoy-config', { data: { 'envoy.json': '{}' } });
    const app = new kplus.Deployment(chart, 'app', { containers: [{ image: 'app:1' }] });
    const key = ConfigHash.addConfigMap(app, cm);
    expect(key).toBe('config-hash.meshkit.dev/envoy-config');
    const deployment = Testing.synth(chart).find((o) => o.kind === 'Deployment');
    expect(deployment.metadata.annotations).toBeUndefined();
    expect(deployment.spec.template.metadata.annotations[key]).toMatch(/^[0-9a-f]{64}$/);
    expectSchemaValid([deployment]);
  });

  test('the hash is computed at synth, so data added later changes it', () => {
    const hashOf = (extra: boolean) => {
      const chart = Testing.chart();
      const cm = new kplus.ConfigMap(chart, 'cfg', { data: { a: '1' } });
      const app = new kplus.Deployment(chart, 'app', { containers: [{ image: 'app:1' }] });
      const key = ConfigHash.addConfigMap(app, cm);
      if (extra) cm.addData('b', '2');
      return Testing.synth(chart).find((o) => o.kind === 'Deployment').spec.template.metadata.annotations[key];
    };
    expect(hashOf(false)).not.toEqual(hashOf(true));
    expect(hashOf(true)).toEqual(hashOf(true));
  });

  test('long names are shortened to a valid annotation key', () => {
    const chart = Testing.chart();
    const app = new kplus.Deployment(chart, 'app', { containers: [{ image: 'app:1' }] });
    const key = addConfigHash(app, 'x'.repeat(100), () => 'c');
    expect(key.split('/')[1]).toHaveLength(63);
  });

  test('stableJson sorts keys at every level', () => {
    expect(stableJson({ b: 1, a: { d: [{ z: 1, y: 2 }], c: 3 } })).toBe('{"a":{"c":3,"d":[{"y":2,"z":1}]},"b":1}');
  });
});

describe('container hardening', () => {
  test('drops all capabilities and sets RuntimeDefault seccomp on the containers the library adds', () => {
    const chart = Testing.chart();
    const app = new kplus.Deployment(chart, 'app', { containers: [{ name: 'app', image: 'app:1' }] });
    const sidecar = app.addContainer({ name: 'sidecar', image: 'sidecar:1' });
    hardenContainer(new Construct(chart, 'owner'), app, sidecar);
    app.addContainer({ name: 'late', image: 'late:1' });
    const [deployment] = Testing.synth(chart);
    const [appC, sideC, lateC] = deployment.spec.template.spec.containers;
    expect(sideC.name).toBe('sidecar');
    expect(sideC.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      privileged: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(appC.securityContext.capabilities).toBeUndefined();
    expect(lateC.securityContext.capabilities).toBeUndefined();
    expectSchemaValid([deployment]);
  });

  test('hardened containers count as added by the library, the user\'s containers do not', () => {
    const chart = Testing.chart();
    const app = new kplus.Deployment(chart, 'app', { containers: [{ name: 'app', image: 'app:1' }] });
    const sidecar = app.addContainer({ name: 'sidecar', image: 'sidecar:1' });
    hardenContainer(new Construct(chart, 'owner'), app, sidecar);
    expect(isLibraryContainer(sidecar)).toBe(true);
    expect(isLibraryContainer(app.containers[0])).toBe(false);
  });

  test('knows where the pod spec is for each workload kind', () => {
    const chart = Testing.chart();
    const s = new Construct(chart, 's');
    expect(podSpecPath(s, 'workload', new kplus.Deployment(chart, 'd', { containers: [{ image: 'a:1' }] }))).toBe('/spec/template/spec');
    expect(podSpecPath(s, 'workload', new kplus.Pod(chart, 'p', { containers: [{ image: 'a:1' }] }))).toBe('/spec');
    expect(podSpecPath(s, 'workload', new kplus.CronJob(chart, 'c', { schedule: Cron.hourly(), containers: [{ image: 'a:1' }] }))).toBe('/spec/jobTemplate/spec/template/spec');
  });

  test('refuses a container that is not in the workload', () => {
    const chart = Testing.chart();
    const a = new kplus.Deployment(chart, 'a', { containers: [{ name: 'x', image: 'a:1' }] });
    const b = new kplus.Deployment(chart, 'b', { containers: [{ name: 'y', image: 'b:1' }] });
    expect(() => hardenContainer(new Construct(chart, 'owner'), a, b.containers[0]))
      .toThrow('test/owner: container: container "y" is not part of workload "a"; add the container to the workload first');
  });
});
