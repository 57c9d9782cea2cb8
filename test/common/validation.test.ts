import { Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-25';
import { Construct } from 'constructs';
import { checkDnsLabel, checkDnsSubdomain, checkHostName, checkLabelValue, checkPortName, checkQualifiedName } from '../../src/validation/names';
import { PodPorts, checkPort } from '../../src/validation/ports';
import { runValidations } from '../harness';

function scope(): Construct {
  return new Construct(Testing.chart(), 'thing');
}

describe('DNS-1123 names', () => {
  test.each(['a', 'my-app', 'a1', '0abc', 'x'.repeat(63)])('accepts the label %s', (v) => {
    expect(checkDnsLabel(scope(), 'name', v)).toBe(v);
  });

  test('rejects upper case and underscores, naming the construct, the prop, the value and a fix', () => {
    expect(() => checkDnsLabel(scope(), 'name', 'My_App')).toThrow(
      'test/thing: name: "My_App" is not a valid DNS-1123 label (lower-case letters, digits and "-", starting and ending with a letter or digit, at most 63 characters); use e.g. "my-app"');
  });

  test.each(['-a', 'a-', 'a.b', 'x'.repeat(64)])('rejects the label %s', (v) => {
    expect(() => checkDnsLabel(scope(), 'name', v)).toThrow(/is not a valid DNS-1123 label/);
  });

  test('rejects an empty label', () => {
    expect(() => checkDnsLabel(scope(), 'name', '')).toThrow('test/thing: name: received ""; give a non-empty DNS-1123 label such as "my-app"');
  });

  test('accepts subdomains and rejects bad labels inside them', () => {
    expect(checkDnsSubdomain(scope(), 'host', 'oauth.cluster.example.com')).toBe('oauth.cluster.example.com');
    expect(() => checkDnsSubdomain(scope(), 'host', 'oauth..example.com')).toThrow(/"oauth\.\.example\.com" is not a valid DNS-1123 subdomain/);
    // Kubernetes limits object names to 253 characters, not each label to 63; host names keep the label limit
    expect(checkDnsSubdomain(scope(), 'name', `${'a'.repeat(70)}.tls`)).toBe(`${'a'.repeat(70)}.tls`);
    expect(() => checkHostName(scope(), 'host', `${'a'.repeat(70)}.example.com`)).toThrow(/each at most 63 characters/);
    expect(() => checkDnsSubdomain(scope(), 'host', `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}`)).toThrow(/at most 253 characters/);
  });

  test('host names take a leading wildcard only when allowed', () => {
    expect(checkHostName(scope(), 'wildcard', '*.cluster.example.com', { allowWildcard: true })).toBe('*.cluster.example.com');
    expect(() => checkHostName(scope(), 'appHost', '*.cluster.example.com')).toThrow('test/thing: appHost: "*.cluster.example.com" is a wildcard; give the full host name, e.g. "myapp.example.com"');
    expect(() => checkHostName(scope(), 'wildcard', 'a.*.example.com', { allowWildcard: true })).toThrow(/not a valid DNS-1123 subdomain/);
  });

  test.each(['http', 'envoy-https', 'h2c', 'x'.repeat(15)])('accepts the port name %s', (v) => {
    expect(checkPortName(scope(), 'portName', v)).toBe(v);
  });

  test.each(['HTTP', 'a--b', '8080', 'x'.repeat(16), '-http'])('rejects the port name %s', (v) => {
    expect(() => checkPortName(scope(), 'portName', v)).toThrow(/is not a valid port name \(at most 15 lower-case letters/);
  });

  test.each([['8080', 'port-8080'], ['HTTP', 'http'], ['a--b', 'a-b']])('suggests a valid port name for %s: %s', (v, suggestion) => {
    expect(() => checkPortName(scope(), 'portName', v)).toThrow(`; use e.g. "${suggestion}"`);
    expect(checkPortName(scope(), 'portName', suggestion)).toBe(suggestion);
  });

  test('label values and keys', () => {
    expect(checkLabelValue(scope(), 'v', '')).toBe('');
    expect(checkLabelValue(scope(), 'v', 'Enabled_1.0')).toBe('Enabled_1.0');
    expect(() => checkLabelValue(scope(), 'v', 'a b')).toThrow(/"a b" is not a valid label value/);
    expect(checkQualifiedName(scope(), 'k', 'marin3r.3scale.net/status')).toBe('marin3r.3scale.net/status');
    expect(() => checkQualifiedName(scope(), 'k', 'Bad_Prefix/x')).toThrow(/k \(prefix\): "Bad_Prefix" is not a valid DNS-1123 subdomain/);
    expect(() => checkQualifiedName(scope(), 'k', 'a/')).toThrow(/"a\/" is not a valid label or annotation key/);
  });
});

describe('pod ports', () => {
  function app(): { chart: ReturnType<typeof Testing.chart>; workload: kplus.Deployment } {
    const chart = Testing.chart();
    const workload = new kplus.Deployment(chart, 'app', { containers: [{ name: 'app', image: 'app:1', portNumber: 8080 }] });
    return { chart, workload };
  }

  test.each([0, 65536, 80.5, -1, Number.NaN])('rejects the port %s', (p) => {
    expect(() => checkPort(scope(), 'port', p)).toThrow(`test/thing: port: ${JSON.stringify(p)} is not a valid port; use an integer from 1 to 65535`);
  });

  test('a claim on a port that a container declares fails, naming the container', () => {
    const { chart, workload } = app();
    const sidecar = new Construct(chart, 'sidecar');
    expect(() => PodPorts.of(workload).claim(sidecar, 'inbound.port', 8080, 'envoy', 'the Envoy inbound listener'))
      .toThrow('test/sidecar: inbound.port: 8080 is already used by container "app"; choose a port that no other container in the pod uses');
  });

  test('two sidecars cannot claim one undeclared port; the same container may re-claim its own', () => {
    const { chart, workload } = app();
    const ports = PodPorts.of(workload);
    ports.claim(new Construct(chart, 'envoy'), 'adminPort', 9901, 'envoy', 'the Envoy admin API');
    ports.claim(new Construct(chart, 'envoy2'), 'listener', 9901, 'envoy', 'the Envoy admin API');
    expect(() => ports.claim(new Construct(chart, 'waf'), 'grpcPort', 9901, 'sigsci-agent', 'the agent gRPC listener'))
      .toThrow('test/waf: grpcPort: 9901 is already used by the Envoy admin API; choose a port that no other container in the pod uses');
  });

  test('UDP and TCP on one number do not collide', () => {
    const { chart, workload } = app();
    expect(() => PodPorts.of(workload).claim(new Construct(chart, 'dns'), 'port', 8080, 'dns', 'dns', 'UDP')).not.toThrow();
  });

  test('a container added after a claim is caught at synth', () => {
    const { chart, workload } = app();
    PodPorts.of(workload).claim(new Construct(chart, 'envoy'), 'adminPort', 9901, 'envoy', 'the Envoy admin API');
    workload.addContainer({ name: 'late', image: 'late:1', portNumber: 9901 });
    expect(() => runValidations(chart)).toThrow('test/envoy: adminPort: 9901 is already used by container "late"; choose a port that no other container in the pod uses');
  });

  test('requireServed returns the container that declares the port, or lists what is declared', () => {
    const { chart, workload } = app();
    const s = new Construct(chart, 'envoy');
    expect(PodPorts.of(workload).requireServed(s, 'targetPort', 8080).name).toBe('app');
    expect(() => PodPorts.of(workload).requireServed(s, 'targetPort', 9090)).toThrow(
      'test/envoy: targetPort: no container of workload "app" declares port 9090 (declared: 8080 (app)); declare the port on the app container (portNumber or addPort) or point at a port it declares');
  });
});
