/*
 * One measurement of `npm run bench`, in a process of its own (so that its peak RSS is its own):
 *
 *   node --expose-gc worker.js <a|b|t|g> <N> <dir> <meshkit entry> <time|yaml|files> [out]
 *
 * Sides (see baseline.ts): a, the library; b, hand-written cdk8s-plus-25 code building its Envoy
 * JSON from object literals; t, the same code filling in a text template it reads from
 * <dir>/envoy-template.json; g, the same code handed the finished texts of <dir>/envoy-files.json.
 * Outside the timed region: require the modules (side a: the library's compiled entry point),
 * for side g read and parse its texts, then collect garbage, so that every side starts timing
 * with nothing left over from its set-up. Timed: build N workloads in one chart and
 * `app.synthYaml()` — what `cdk8s synth` does (dependency resolution, every construct's
 * validations, chart.toJson(), YAML), minus writing the file; side t's template is read in there.
 *
 * With MESHKIT_BENCH_ROUNDS=R (default 1), `time` builds and synthesizes the N workloads R times
 * in the process, each round in a new App, and reports every round's wall time (`roundsMs`); the
 * first round is the measurement (`ms`, `cpuMs`), later ones show the cost once the code is warm.
 *
 * Modes: `time` prints one JSON line (wall ms, CPU ms, peak RSS, YAML size and hash); `phases`
 * prints the wall ms of each step of `synthYaml()` timed on its own (construction, validations,
 * chart.toJson(), YAML); `yaml`
 * writes the YAML to `out`; `files` writes side a's Envoy documents (ConfigMap data) to `out`,
 * for sides g and t.
 *
 * Runs as JavaScript transpiled from this file by run.ts (no ts-node in the measured processes).
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import { EnvoyFiles, EnvoySource } from './baseline';
import { MeshkitApi, workloadName } from './workloads';

const [side, nArg, dir, entry, mode, out] = process.argv.slice(2);
const n = Number(nArg);
if (!['a', 'b', 't', 'g'].includes(side) || !Number.isInteger(n) || n < 1 || !['time', 'phases', 'yaml', 'files'].includes(mode)) {
  throw new Error(`usage: worker.js <a|b|t|g> <N> <dir> <meshkit entry> <time|phases|yaml|files> [out] (got ${process.argv.slice(2).join(' ')})`);
}
if (typeof global.gc !== 'function') throw new Error('run worker.js with node --expose-gc');
const filesPath = `${dir}/envoy-files.json`;
const templatePath = `${dir}/envoy-template.json`;

// ---- untimed set-up ---------------------------------------------------------------------------
/* eslint-disable @typescript-eslint/no-require-imports */
const cdk8s: typeof import('cdk8s') = require('cdk8s');
const meshkit: MeshkitApi | undefined = side === 'a' ? require(entry) : undefined;
const { buildPlainWorkloads, givenSource, literalSource, templateSource }: typeof import('./baseline') = require('./baseline');
const { buildMeshkitWorkloads }: typeof import('./workloads') = require('./workloads');
/* eslint-enable @typescript-eslint/no-require-imports */
let given: EnvoySource | undefined;
if (side === 'g') {
  const files: EnvoyFiles[] = JSON.parse(fs.readFileSync(filesPath, 'utf8'));
  if (files.length < n) throw new Error(`${filesPath} holds ${files.length} workloads' files, ${n} needed`);
  given = givenSource(files.slice(0, n));
}
global.gc();
const rssBefore = process.memoryUsage().rss;

// ---- timed: build + synth ---------------------------------------------------------------------
const rounds = mode === 'time' ? Number(process.env.MESHKIT_BENCH_ROUNDS ?? '1') : 1;
if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`MESHKIT_BENCH_ROUNDS must be a positive integer, not ${process.env.MESHKIT_BENCH_ROUNDS}`);
function build(): { app: import('cdk8s').App; chart: import('cdk8s').Chart } {
  const app = new cdk8s.App({ outdir: 'unused' });
  const c = new cdk8s.Chart(app, 'bench');
  if (meshkit) buildMeshkitWorkloads(meshkit, c, n);
  else if (side === 'b') buildPlainWorkloads(c, n, literalSource());
  else if (side === 't') buildPlainWorkloads(c, n, templateSource(JSON.parse(fs.readFileSync(templatePath, 'utf8'))));
  else buildPlainWorkloads(c, n, given!);
  return { app, chart: c };
}
function buildAndSynth(): { chart: import('cdk8s').Chart; yaml: string } {
  const { app, chart: c } = build();
  return { chart: c, yaml: app.synthYaml() };
}

if (mode === 'phases') {
  // what app.synthYaml() does, one step at a time: every construct's validations, then
  // chart.toJson() (which resolves dependencies, validates again and renders each object), YAML
  const ms: Record<string, number> = {};
  let last = process.hrtime.bigint();
  const lap = (phase: string) => {
    const now = process.hrtime.bigint();
    ms[phase] = Number(now - last) / 1e6;
    last = now;
  };
  const { app, chart: c } = build();
  lap('construct');
  const invalid = app.node.findAll().flatMap((x) => x.node.validate());
  if (invalid.length) throw new Error(invalid.join('\n'));
  lap('validations');
  const docs = c.toJson();
  lap('toJson');
  cdk8s.Yaml.stringify(...docs);
  lap('yaml');
  console.log(JSON.stringify({ side, n, phasesMs: ms }));
  process.exit(0);
}
const cpu0 = process.cpuUsage();
const t0 = process.hrtime.bigint();
const { chart, yaml } = buildAndSynth();
const t1 = process.hrtime.bigint();
const cpu = process.cpuUsage(cpu0);
// KiB: the process's peak resident set up to the end of the first round, set-up included
const maxRssKiB = process.resourceUsage().maxRSS;
// later rounds: the same work once the code is compiled and warm (not part of `ms`)
const roundsMs = [Number(t1 - t0) / 1e6];
for (let r = 1; r < rounds; r++) {
  const start = process.hrtime.bigint();
  const again = buildAndSynth().yaml;
  roundsMs.push(Number(process.hrtime.bigint() - start) / 1e6);
  if (again !== yaml) throw new Error(`round ${r + 1} synthesized different YAML than round 1`);
}

// ---- report -----------------------------------------------------------------------------------
if (mode === 'time') {
  console.log(JSON.stringify({
    side,
    n,
    ms: Number(t1 - t0) / 1e6,
    cpuMs: (cpu.user + cpu.system) / 1000,
    maxRssKiB,
    rssBeforeKiB: Math.round(rssBefore / 1024),
    yamlBytes: yaml.length,
    yamlSha256: createHash('sha256').update(yaml).digest('hex'),
    roundsMs,
  }));
} else if (mode === 'yaml') {
  fs.writeFileSync(out, yaml);
} else {
  // the Envoy documents of each workload, from the synthesized ConfigMaps
  const byName = new Map<string, any>();
  for (const obj of chart.toJson()) if (obj.kind === 'ConfigMap') byName.set(obj.metadata.name, obj.data);
  const written: EnvoyFiles[] = [];
  for (let i = 0; i < n; i++) {
    const name = workloadName(i);
    const data = byName.get(`${name}-envoy`);
    if (!data) throw new Error(`no ConfigMap ${name}-envoy in side a's output`);
    written.push({ bootstrap: data['envoy.json'], sds: data[`sds-${name}-tls.json`] });
  }
  fs.writeFileSync(out, JSON.stringify(written));
}
