/*
 * Benchmark of the Envoy config validation (not a test: numbers depend on the machine).
 *
 *   npx ts-node scripts/bench-envoy-validator.ts [--runs 1000]
 *
 * Reports:
 *   - the descriptor file size (raw and gzipped);
 *   - cold start in fresh processes: requiring the validator module (must not read the
 *     descriptor), loading the descriptor, and the first validation of a sidecar bootstrap;
 *   - time per validation of a typical sidecar bootstrap (3 listeners, 4 clusters, ext_authz and
 *     gRPC access log), over `--runs` distinct configs, first run included, with JSON.stringify
 *     of the same configs as a yardstick;
 *   - 1000 workloads as a cdk8s-plus Deployment + ConfigMap holding the bootstrap, synthesized,
 *     with and without validation of each bootstrap.
 * Writes the numbers to bench-results/envoy-validator.json as well.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { App, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-25';
import { EnvoyConfigValidator } from '../src';
import { sidecarBootstrap } from '../test/validation/envoy-configs';

const root = path.resolve(__dirname, '..');
const runsFlag = process.argv.indexOf('--runs');
const RUNS = runsFlag >= 0 ? Number(process.argv[runsFlag + 1]) : 1000;
const COLD_PROCESSES = 5;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function ms(ns: bigint): number {
  return Number(ns) / 1e6;
}

function round(x: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** One workload's bootstrap; names differ so that no two configs are the same object or text. */
function bootstrapFor(i: number): any {
  const config = sidecarBootstrap();
  config.node = { id: `app-${i}`, cluster: `app-${i}` };
  config.static_resources.listeners[0].name = `inbound_https_${i}`;
  return config;
}

// ---- descriptor size ------------------------------------------------------------------------

const descriptorFile = path.join(root, 'src', 'validation', 'envoy', 'descriptors.json');
const descriptor = fs.readFileSync(descriptorFile);
const size = { bytes: descriptor.length, gzipBytes: zlib.gzipSync(descriptor, { level: 9 }).length };

// ---- cold start, in fresh processes ---------------------------------------------------------

// The compiled module from lib/ when `npx projen compile` has run, else the TypeScript source.
const compiled = fs.existsSync(path.join(root, 'lib', 'src', 'validation', 'envoy', 'schema.js'));
const moduleDir = compiled ? path.join(root, 'lib', 'src', 'validation', 'envoy') : path.join(root, 'src', 'validation', 'envoy');
const coldScript = `
  const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
  const now = () => Number(process.hrtime.bigint()) / 1e6;
  const configs = JSON.parse(require('fs').readFileSync(0, 'utf8'));
  const c0 = cpuMs(), t0 = now();
  const { EnvoySchema } = require(${JSON.stringify(path.join(moduleDir, 'schema'))});
  const { validateEnvoyJson } = require(${JSON.stringify(path.join(moduleDir, 'validator'))});
  const t1 = now();
  EnvoySchema.get();
  const t2 = now();
  let t3;
  for (const config of configs) {
    const findings = validateEnvoyJson(config, 'envoy.config.bootstrap.v3.Bootstrap');
    if (findings.errors.length) throw new Error(JSON.stringify(findings.errors));
    t3 ??= now();
  }
  const t4 = now(), c4 = cpuMs();
  console.log(JSON.stringify({
    require: t1 - t0,
    load: t2 - t1,
    firstValidation: t3 - t2,
    // everything a fresh process spends on validation (require and descriptor included), per config
    amortisedMs: (t4 - t0) / configs.length,
    amortisedCpuMs: (c4 - c0) / configs.length,
  }));
`;
const cold: Array<{ require: number; load: number; firstValidation: number; amortisedMs: number; amortisedCpuMs: number }> = [];
const coldInput = JSON.stringify(Array.from({ length: RUNS }, (_, i) => bootstrapFor(i)));
for (let i = 0; i < COLD_PROCESSES; i++) {
  const args = compiled ? ['-e', coldScript] : ['-r', 'ts-node/register/transpile-only', '-e', coldScript];
  const run = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', input: coldInput, maxBuffer: 64 * 1024 * 1024 });
  if (run.status !== 0) throw new Error(`cold-start process failed: ${run.stderr}`);
  cold.push(JSON.parse(run.stdout));
}
const coldStart = {
  module: compiled ? 'lib/ (compiled)' : 'src/ (ts-node)',
  requireMs: round(median(cold.map((c) => c.require))),
  loadDescriptorMs: round(median(cold.map((c) => c.load))),
  firstValidationMs: round(median(cold.map((c) => c.firstValidation))),
  amortisedMsPerValidation: round(median(cold.map((c) => c.amortisedMs)), 4),
  amortisedCpuMsPerValidation: round(median(cold.map((c) => c.amortisedCpuMs)), 4),
};

// ---- per validation -------------------------------------------------------------------------

const configs = Array.from({ length: RUNS }, (_, i) => bootstrapFor(i));
for (const config of configs) {
  if (!EnvoyConfigValidator.validate(config).valid) throw new Error('the benchmark bootstrap is invalid');
}
// warm: the same configs again, best of 5 passes
const passes: number[] = [];
const stringify: number[] = [];
for (let pass = 0; pass < 5; pass++) {
  const t0 = process.hrtime.bigint();
  for (const config of configs) EnvoyConfigValidator.validate(config);
  const t1 = process.hrtime.bigint();
  for (const config of configs) JSON.stringify(config);
  const t2 = process.hrtime.bigint();
  passes.push(ms(t1 - t0) / RUNS);
  stringify.push(ms(t2 - t1) / RUNS);
}
const perValidation = {
  runs: RUNS,
  configJsonBytes: JSON.stringify(configs[0]).length,
  steadyMsPerValidation: round(Math.min(...passes), 4),
  jsonStringifyMsPerConfig: round(Math.min(...stringify), 4),
};

// ---- 1000 workloads with cdk8s-plus ---------------------------------------------------------

interface SynthTime {
  /** wall-clock milliseconds */
  readonly wall: number;
  /** CPU milliseconds of this process (less sensitive to other load on the machine) */
  readonly cpu: number;
  /** wall-clock milliseconds spent inside EnvoyConfigValidator.validate */
  readonly validation: number;
}

function synthWorkloads(validate: boolean): SynthTime {
  const start = process.hrtime.bigint();
  const cpuStart = process.cpuUsage();
  let validationNs = 0n;
  const app = new App({ outdir: path.join(root, 'bench-results', 'cdk8s.out') });
  const chart = new Chart(app, 'bench');
  for (let i = 0; i < 1000; i++) {
    const bootstrap = bootstrapFor(i);
    if (validate) {
      const v0 = process.hrtime.bigint();
      if (!EnvoyConfigValidator.validate(bootstrap).valid) throw new Error('invalid bootstrap');
      validationNs += process.hrtime.bigint() - v0;
    }
    const config = new kplus.ConfigMap(chart, `envoy-${i}`, { data: { 'envoy.json': JSON.stringify(bootstrap) } });
    const deployment = new kplus.Deployment(chart, `app-${i}`, {
      containers: [{ name: 'app', image: 'example/app:1.0.0', portNumber: 8080 }],
    });
    const volume = kplus.Volume.fromConfigMap(chart, `envoy-config-${i}`, config);
    deployment.addContainer({
      name: 'envoy',
      image: 'envoyproxy/envoy:v1.39.0',
      portNumber: 8443,
      args: ['-c', '/etc/envoy/envoy.json'],
      volumeMounts: [{ path: '/etc/envoy', volume }],
    });
  }
  app.synthYaml();
  const cpu = process.cpuUsage(cpuStart);
  return { wall: ms(process.hrtime.bigint() - start), cpu: (cpu.user + cpu.system) / 1000, validation: ms(validationNs) };
}

// alternate the two variants so that machine load affects both alike; keep the best of each
// (the run with the least interference)
const plain: SynthTime[] = [];
const validated: SynthTime[] = [];
synthWorkloads(false); // warm-up of both variants
synthWorkloads(true);
for (let i = 0; i < 5; i++) {
  plain.push(synthWorkloads(false));
  validated.push(synthWorkloads(true));
}
const best = (times: SynthTime[], key: keyof SynthTime) => Math.min(...times.map((t) => t[key]));
const workloads = {
  count: 1000,
  withoutValidationMs: round(best(plain, 'wall'), 1),
  withValidationMs: round(best(validated, 'wall'), 1),
  ratio: round(best(validated, 'wall') / best(plain, 'wall'), 3),
  withoutValidationCpuMs: round(best(plain, 'cpu'), 1),
  withValidationCpuMs: round(best(validated, 'cpu'), 1),
  cpuRatio: round(best(validated, 'cpu') / best(plain, 'cpu'), 3),
  insideValidateMs: round(best(validated, 'validation'), 1),
};

const results = { descriptor: size, coldStart, perValidation, workloads };
fs.mkdirSync(path.join(root, 'bench-results'), { recursive: true });
fs.writeFileSync(path.join(root, 'bench-results', 'envoy-validator.json'), JSON.stringify(results, null, 2) + '\n');

console.log(`descriptor: ${(size.bytes / 1024).toFixed(0)} KiB (${(size.gzipBytes / 1024).toFixed(0)} KiB gzipped)`);
console.log(`cold start (${coldStart.module}, median of ${COLD_PROCESSES} fresh processes): require ${coldStart.requireMs} ms, `
  + `load descriptor ${coldStart.loadDescriptorMs} ms, first validation of a sidecar bootstrap ${coldStart.firstValidationMs} ms; `
  + `${RUNS} distinct bootstraps cost ${coldStart.amortisedMsPerValidation} ms each (CPU ${coldStart.amortisedCpuMsPerValidation} ms), first-use costs included`);
console.log(`per validation of a ${perValidation.configJsonBytes}-byte sidecar bootstrap over ${RUNS} configs: `
  + `${perValidation.steadyMsPerValidation} ms once warm (JSON.stringify of the same config: ${perValidation.jsonStringifyMsPerConfig} ms)`);
console.log(`1000 workloads (cdk8s-plus Deployment + ConfigMap, synthYaml; best of 5): ${workloads.withoutValidationMs} ms without validation, `
  + `${workloads.withValidationMs} ms with (x${workloads.ratio}); CPU ${workloads.withoutValidationCpuMs} ms vs ${workloads.withValidationCpuMs} ms `
  + `(x${workloads.cpuRatio}); ${workloads.insideValidateMs} ms of it inside validate()`);
