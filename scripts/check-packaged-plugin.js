// CI: the compiled plugin (lib/, what `package: cdk8s-meshkit` loads) works with cdk8s-cli's own
// plugin loader and ValidationContext, over the manifests `npx cdk8s synth` wrote to cdk8s.out/.
// Run after `npx projen build`: node scripts/check-packaged-plugin.js
const fs = require('fs');
const path = require('path');
// cdk8s-cli exports only './plugins'; its loader and context classes are read from their files
const cli = path.dirname(require.resolve('cdk8s-cli/package.json'));
const { PluginManager } = require(path.join(cli, 'lib', 'plugins', '_manager.js'));
const { ValidationContext } = require(path.join(cli, 'lib', 'plugins', 'validation.js'));

async function main() {
  const root = path.join(__dirname, '..');
  // a local path is `require`d as cdk8s-cli does: the package.json "main" (lib/src/index.js)
  // the same properties cdk8s.yaml gives the source plugin (the examples' ingress gateways, ...),
  // without the topology pictures, which `npx cdk8s synth` already wrote
  const config = require('yaml').parse(fs.readFileSync(path.join(root, 'cdk8s.yaml'), 'utf8'));
  const entry = (config.validations ?? []).find((v) => v.class === 'MeshkitValidation');
  if (!entry) throw new Error('cdk8s.yaml has no MeshkitValidation entry under validations');
  const { topology, ...properties } = entry.properties ?? {};
  const plugin = new PluginManager(path.join(require('os').tmpdir(), 'meshkit-plugins')).load({
    pkg: root, version: '0.0.0', class: 'MeshkitValidation', properties: { rules: ['all'], ...properties },
  });
  const out = path.join(root, 'cdk8s.out');
  const manifests = fs.readdirSync(out).filter((f) => f.endsWith('.k8s.yaml')).map((f) => path.join(out, f));
  const context = new ValidationContext(manifests, 'cdk8s-meshkit', '0.0.0', {}, false);
  await plugin.instance.validate(context);
  const report = context.report.toJson();
  if (!context.report.success || report.violations.length > 0) {
    console.error(context.report.toString());
    process.exit(1);
  }
  console.log(`lib/ plugin (${plugin.package.path}): ${manifests.length} manifests checked, ${JSON.stringify(report.summary.metadata)}`);
}

main().catch((e) => { console.error(e); process.exit(1); });
