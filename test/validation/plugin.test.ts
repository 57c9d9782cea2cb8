import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { MeshkitValidation } from '../../src';

const ROOT = path.join(__dirname, '..', '..');
const FIXTURE = path.join(__dirname, 'fixtures', 'mistakes-app.ts');

/** A stand-in for cdk8s-cli's ValidationContext that records what the plugin reports. */
function fakeContext(manifests: string[], metadata: Record<string, { path: string }> = {}) {
  const violations: any[] = [];
  let submitted: { status: string; metadata?: Record<string, string> } | undefined;
  return {
    violations,
    submitted: () => submitted,
    context: {
      manifests,
      metadata,
      stdout: false,
      report: {
        addViolation: (v: any) => violations.push(v),
        submit: (status: string, md?: Record<string, string>) => { submitted = { status, metadata: md }; },
      },
      logger: { log: () => undefined },
    },
  };
}

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'meshkit-plugin-'));
}

describe('MeshkitValidation (the cdk8s plugin)', () => {
  test('reports each finding as a cdk8s violation: rule id, message, fix, resource, manifest, location with line', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'app.k8s.yaml');
    fs.writeFileSync(file, [
      'apiVersion: networking.istio.io/v1',
      'kind: VirtualService',
      'metadata:',
      '  name: shop',
      '  namespace: shop',
      'spec:',
      '  hosts: [shop.example.com]',
      '  gateways:',
      '    - shop-gw',
      '',
    ].join('\n'));
    const fake = fakeContext([file]);
    await new MeshkitValidation().validate(fake.context);
    expect(fake.violations).toEqual([{
      ruleName: 'virtualservice-gateway',
      recommendation: 'VirtualService shop/shop binds to Gateway shop/shop-gw, which doesn\'t exist (a gateway name without "namespace/" means the VirtualService\'s own namespace)',
      fix: 'create Gateway shop/shop-gw or fix the name in spec.gateways (or set assumeExternalObjects if the Gateway is managed outside these manifests, e.g. a shared platform Gateway)',
      violatingResources: [{ resourceName: 'shop', locations: ['spec.gateways[0] (line 9)'], manifestPath: file }],
    }]);
    expect(fake.submitted()).toEqual({ status: 'failure', metadata: expect.objectContaining({ Errors: '1', Objects: '1 (1 checked)' }) });
  });

  test('submits success when only warnings are found, marking them in the recommendation', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'a.yaml');
    fs.writeFileSync(file, 'apiVersion: v1\nkind: Service\nmetadata: { name: web }\nspec: { selector: { app: web }, ports: [{ port: 80 }] }\n');
    const fake = fakeContext([file]);
    await new MeshkitValidation({ severities: { wiring: 'warning' } }).validate(fake.context);
    expect(fake.violations.map((v) => v.recommendation)).toEqual([expect.stringMatching(/^warning: Service default\/web selects pods/)]);
    expect(fake.submitted()?.status).toBe('success');
  });

  test('reports a file that is not YAML with its line, under the file name', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'broken.yaml');
    fs.writeFileSync(file, 'kind: ConfigMap\nmetadata:\n  name: x: y\n');
    const fake = fakeContext([file]);
    await new MeshkitValidation().validate(fake.context);
    expect(fake.violations.map((v) => [v.ruleName, v.violatingResources[0].resourceName, v.violatingResources[0].locations[0]]))
      .toEqual([['manifest-syntax', 'broken.yaml', expect.stringMatching(/^line 3, column \d+$/)]]);
    // the position once, not again at the end of the parser's message
    expect(fake.violations[0].recommendation).toMatch(/broken\.yaml:3:\d+ is not valid YAML: [^:]*[^:\s]$/);
    expect(fake.violations[0].recommendation).not.toMatch(/at line \d+, column \d+/);
  });

  test('writes the topology next to the manifests when asked', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'a.yaml');
    fs.writeFileSync(file, 'apiVersion: v1\nkind: Namespace\nmetadata: { name: x }\n');
    const fake = fakeContext([file]);
    await new MeshkitValidation({ topology: ['mermaid', 'dot'] }).validate(fake.context);
    expect(fs.readFileSync(path.join(dir, 'topology.mmd'), 'utf8')).toMatch(/^flowchart LR\n/);
    expect(fs.readFileSync(path.join(dir, 'topology.dot'), 'utf8')).toMatch(/^digraph topology \{\n/);
  });

  test('writes the topology in the directory of all the manifests when cdk8s writes a folder per chart', async () => {
    const out = tempDir();
    const files = ['one', 'two'].map((chart) => {
      fs.mkdirSync(path.join(out, chart));
      const file = path.join(out, chart, 'Namespace.x.k8s.yaml');
      fs.writeFileSync(file, `apiVersion: v1\nkind: Namespace\nmetadata: { name: ${chart} }\n`);
      return file;
    });
    await new MeshkitValidation({ topology: ['mermaid'] }).validate(fakeContext(files).context);
    expect(fs.existsSync(path.join(out, 'topology.mmd'))).toBe(true);
    expect(fs.existsSync(path.join(out, 'one', 'topology.mmd'))).toBe(false);
  });

  test('writes the topology beside templates/ also when the Helm chart has a folder per chart in it', async () => {
    const chart = tempDir();
    fs.mkdirSync(path.join(chart, 'templates', 'one'), { recursive: true });
    const file = path.join(chart, 'templates', 'one', 'a.yaml');
    fs.writeFileSync(file, 'apiVersion: v1\nkind: Namespace\nmetadata: { name: x }\n');
    await new MeshkitValidation({ topology: ['mermaid'] }).validate(fakeContext([file]).context);
    expect(fs.existsSync(path.join(chart, 'topology.mmd'))).toBe(true);
  });

  test('reports a topology it can\'t write in the summary, without failing the checks', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'a.yaml');
    fs.writeFileSync(file, 'apiVersion: v1\nkind: Namespace\nmetadata: { name: x }\n');
    const blocker = path.join(dir, 'not-a-dir');
    fs.writeFileSync(blocker, '');
    const fake = fakeContext([file]);
    await new MeshkitValidation({ topology: ['mermaid'], topologyDirectory: blocker }).validate(fake.context);
    expect(fake.submitted()?.status).toBe('success');
    expect(fake.submitted()?.metadata?.Topology).toMatch(/^not written: /);
  });

  test('writes the topology beside a Helm chart\'s templates/, not into it (Helm would read it as a manifest)', async () => {
    const chart = tempDir();
    fs.mkdirSync(path.join(chart, 'templates'));
    const file = path.join(chart, 'templates', 'a.yaml');
    fs.writeFileSync(file, 'apiVersion: v1\nkind: Namespace\nmetadata: { name: x }\n');
    await new MeshkitValidation({ topology: ['mermaid'] }).validate(fakeContext([file]).context);
    expect(fs.existsSync(path.join(chart, 'topology.mmd'))).toBe(true);
    expect(fs.existsSync(path.join(chart, 'templates', 'topology.mmd'))).toBe(false);
  });

  describe('properties', () => {
    test('fail for an unknown property, suggesting the nearest', () => {
      expect(() => new MeshkitValidation({ severity: { all: 'error' } } as any)).toThrow(
        'cdk8s-meshkit validation plugin (cdk8s.yaml validations[].properties): severity: unknown property; did you mean "severities"? the properties are rules, severities, ingressGateways, assumeExternalObjects, defaultNamespace, clusterDomain, topology, topologyDirectory');
    });

    test('fail for an unknown rule id', () => {
      expect(() => new MeshkitValidation({ rules: ['envoy-filters'] })).toThrow(
        /^cdk8s-meshkit validation plugin \(cdk8s.yaml validations\[\]\.properties\): rules\[0\]: unknown rule "envoy-filters"; did you mean "envoy-filter"\?/);
    });

    test('fail for an unknown severity', () => {
      expect(() => new MeshkitValidation({ severities: { 'host-mismatch': 'info' } })).toThrow(
        'cdk8s-meshkit validation plugin (cdk8s.yaml validations[].properties): severities.host-mismatch: unknown severity string "info"; use one of error, warning, off');
    });

    test('fail for a value of the wrong type', () => {
      expect(() => new MeshkitValidation({ topology: 'mermaid' } as any)).toThrow(
        'cdk8s-meshkit validation plugin (cdk8s.yaml validations[].properties): topology: received string "mermaid"; expected a list of formats (mermaid, dot)');
      expect(() => new MeshkitValidation({ ingressGateways: [{ namespace: 'istio-system' }] } as any)).toThrow(/ingressGateways: received a list .*; expected a list of \{ namespace/);
    });
  });

  describe('through cdk8s synth', () => {
    /** Runs `cdk8s synth` on the fixture app in a fresh directory with the plugin configured, as a user would. */
    function synth(fixed: boolean) {
      const dir = tempDir();
      const tsNode = path.join(ROOT, 'node_modules', 'ts-node', 'dist', 'bin.js');
      fs.writeFileSync(path.join(dir, 'cdk8s.yaml'), [
        'language: typescript',
        `app: ${JSON.stringify(`node ${tsNode} --transpile-only --project ${path.join(ROOT, 'test', 'tsconfig.json')} ${FIXTURE}`)}`,
        'output: dist',
        'validations:',
        `  - package: ${JSON.stringify(path.join(ROOT, 'scripts', 'cdk8s-plugin.js'))}`,
        '    version: 0.0.0',
        '    class: MeshkitValidation',
        '    properties:',
        '      topology: [mermaid]',
        '',
      ].join('\n'));
      const result = spawnSync(process.execPath, [path.join(ROOT, 'node_modules', 'cdk8s-cli', 'bin', 'cdk8s'), 'synth', '--no-check-upgrade', '--validation-reports-output-file', 'reports.json'], {
        cwd: dir, encoding: 'utf8', env: { ...process.env, MESHKIT_FIXTURE: fixed ? 'fixed' : 'broken', CDK8S_CHECK_UPGRADE: 'false' },
      });
      const reportsFile = path.join(dir, 'reports.json');
      const reports = fs.existsSync(reportsFile) ? JSON.parse(fs.readFileSync(reportsFile, 'utf8')).reports : undefined;
      return { ...result, dir, reports };
    }

    test('fails on the fixture app\'s three mistakes, each with rule, manifest, line and construct path', () => {
      const result = synth(false);
      expect(result.status).toBe(2); // cdk8s-cli's exit code for failed validations
      expect(result.stderr).toContain('Validation failed');
      const violations = result.reports[0].violations.map((v: any) => ({
        rule: v.ruleName,
        construct: v.violatingConstructs[0].constructPath,
        manifest: path.basename(v.violatingConstructs[0].manifestPath),
        location: v.violatingConstructs[0].locations[0],
      }));
      expect(violations).toEqual([
        { rule: 'service-selector', construct: 'shop/service', manifest: 'shop.k8s.yaml', location: expect.stringMatching(/^spec\.selector \(line \d+\)$/) },
        { rule: 'virtualservice-gateway', construct: 'shop/virtual-service', manifest: 'shop.k8s.yaml', location: expect.stringMatching(/^spec\.gateways\[0\] \(line \d+\)$/) },
        { rule: 'envoy-filter', construct: 'shop/ext-authz', manifest: 'shop.k8s.yaml', location: expect.stringMatching(/^spec\.configPatches\[0\]\.patch\.value\.typed_config\.failure_mode_alow \(line \d+\)$/) },
      ]);
      // the line points at the misspelled key in the synthesized file
      const yamlLines = fs.readFileSync(path.join(result.dir, 'dist', 'shop.k8s.yaml'), 'utf8').split('\n');
      const line = Number(/line (\d+)/.exec(violations[2].location)![1]);
      expect(yamlLines[line - 1].trim()).toBe('failure_mode_alow: false');
      expect(result.reports[0].summary.status).toBe('failure');
    });

    test('passes the same app wired correctly, and writes its topology', () => {
      const result = synth(true);
      expect(result.stderr).not.toContain('Validation failed');
      expect(result.status).toBe(0);
      expect(result.reports[0].violations).toEqual([]);
      expect(fs.readFileSync(path.join(result.dir, 'dist', 'topology.mmd'), 'utf8')).toContain('VirtualService shop/shop');
    });
  });
});
