/*
 * `npm run bench`: the library's build + synth cost against hand-written cdk8s-plus-25 code
 * producing the same objects (not a test: the numbers depend on the machine).
 *
 *   npm run bench [-- --reps 8] [-- --sizes 100,300,1000] [-- --cold 9] [-- --variant envoy] [-- --rounds 4] [-- --phases 3]
 *
 * `--phases K` also runs K more processes per side at the largest N that time each step of
 * `synthYaml()` on its own, and prints the range per step and side (where a's extra time goes).
 * `--variant envoy` drops the Signal Sciences agent from every side: EnvoySidecar alone.
 * `--rounds R` has each process build and synthesize its N workloads R times (a new App each
 * time) and also reports a/b over rounds 2..R: the cost once the code is warm, next to the
 * first round's, which is the measurement (a `cdk8s synth` runs once per process).
 *
 * Side a: N workloads built with the library (scripts/bench/workloads.ts). The hand-written sides
 * (scripts/bench/baseline.ts) build the same objects with cdk8s-plus-25 alone and differ only in
 * where their Envoy JSON comes from: b builds it from hand-written object literals
 * (scripts/bench/baseline-envoy.ts), the baseline of the target a/b ≤ 1.25; t fills in a text
 * template; g is handed the finished texts side a wrote, read before the timed region (a/g: no
 * hand-written app does better). All sides are timed from `new App()` to the end of
 * `app.synthYaml()`. Every (side, N, repetition) runs in a fresh process, the sides' order
 * rotating from one repetition to the next (a b t g, b t g a, ...; with a multiple of 4
 * repetitions each side runs in each position equally often), so that each process's peak RSS is
 * its own and machine load falls on every side alike. Medians are reported.
 *
 * Also: the cold `require` of the package entry point (lib/src/index.js) and of cdk8s-plus-25
 * alone, each in fresh processes, alternating, median.
 *
 * Side a runs the compiled package, as users get it. When lib/ is missing or older than src/,
 * the script builds it first (`npx projen pre-compile`, `compile`, `post-compile`).
 * Results go to bench-results/bench.json (bench-<variant>.json for another variant).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ts from 'typescript';
import { EnvoyFiles, envoyTemplates } from './baseline';

const root = path.resolve(__dirname, '..', '..');
const results = path.join(root, 'bench-results');
const build = path.join(results, 'build');
const entry = path.join(root, 'lib', 'src', 'index.js');

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}
const SIZES = flag('sizes', '100,300,1000').split(',').map(Number);
const REPS = Number(flag('reps', '8'));
const COLD = Number(flag('cold', '9'));
const PHASES = Number(flag('phases', '0'));
if (!SIZES.every((n) => Number.isInteger(n) && n >= 1)) throw new Error(`--sizes is a list of positive integers, not ${JSON.stringify(flag('sizes', ''))}`);
if (!Number.isInteger(REPS) || REPS < 1) throw new Error(`--reps is a positive integer, not ${JSON.stringify(flag('reps', ''))}`);
if (!Number.isInteger(COLD) || COLD < 1) throw new Error(`--cold is a positive integer, not ${JSON.stringify(flag('cold', ''))}`);
if (!Number.isInteger(PHASES) || PHASES < 0) throw new Error(`--phases is a whole number, not ${JSON.stringify(flag('phases', ''))}`);
const VARIANT = flag('variant', 'full');
const ROUNDS = Number(flag('rounds', '1'));
if (!Number.isInteger(ROUNDS) || ROUNDS < 1) throw new Error(`--rounds is a positive integer, not ${JSON.stringify(flag('rounds', '1'))}`);
process.env.MESHKIT_BENCH_ROUNDS = String(ROUNDS);
if (VARIANT !== 'full' && VARIANT !== 'envoy') throw new Error(`--variant is "full" or "envoy", not ${JSON.stringify(VARIANT)}`);
// the workers inherit it (scripts/bench/workloads.ts benchVariant())
process.env.MESHKIT_BENCH_VARIANT = VARIANT;

function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function run(args: string[], what: string): string {
  const r = spawnSync(process.execPath, ['--expose-gc', ...args], { cwd: root, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`${what} failed (exit ${r.status}): ${r.stderr}`);
  return r.stdout;
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : fs.statSync(p).mtimeMs);
  }
  return newest;
}

// ---- the package as users get it: lib/ -------------------------------------------------------
const descriptor = path.join(root, 'lib', 'src', 'validation', 'envoy', 'descriptors.json');
const stale = !fs.existsSync(entry) || !fs.existsSync(descriptor) || newestMtime(path.join(root, 'src')) > fs.statSync(entry).mtimeMs;
if (stale) {
  console.log(`${fs.existsSync(entry) ? 'lib/ is incomplete or older than src/' : 'lib/ does not exist'}: building it first (npx projen pre-compile, compile, post-compile)`);
  for (const task of ['pre-compile', 'compile', 'post-compile']) {
    const r = spawnSync('npx', ['projen', task], { cwd: root, stdio: 'inherit' });
    if (r.status !== 0) throw new Error(`npx projen ${task} failed`);
  }
}

// ---- the worker, transpiled to plain JavaScript (no ts-node in the measured processes) --------
fs.mkdirSync(build, { recursive: true });
for (const file of ['worker', 'workloads', 'baseline', 'baseline-envoy']) {
  const source = fs.readFileSync(path.join(__dirname, `${file}.ts`), 'utf8');
  const compilerOptions = { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true };
  const js = ts.transpileModule(source, { compilerOptions });
  fs.writeFileSync(path.join(build, `${file}.js`), js.outputText);
}
const worker = path.join(build, 'worker.js');
const filesPath = path.join(results, 'envoy-files.json');
const templatePath = path.join(results, 'envoy-template.json');
const maxN = Math.max(...SIZES);

// ---- sides g's and t's input: the Envoy documents side a writes, outside any timed run --------
run([worker, 'a', String(maxN), results, entry, 'files', filesPath], 'writing the Envoy files');
// side t's template: workload 0's documents with its name and shard made placeholders
const workload0: EnvoyFiles = JSON.parse(fs.readFileSync(filesPath, 'utf8'))[0];
fs.writeFileSync(templatePath, JSON.stringify(envoyTemplates(workload0)));

// ---- all sides synthesize the same objects ----------------------------------------------------
const SIDES = ['a', 'b', 't', 'g'] as const;
const checkYaml = (side: string) => path.join(results, `check-${side}.yaml`);
const checked = String(Math.min(20, maxN));
for (const side of SIDES) run([worker, side, checked, results, entry, 'yaml', checkYaml(side)], `synthesizing side ${side}`);
for (const side of SIDES.slice(1)) {
  if (fs.readFileSync(checkYaml('a'), 'utf8') !== fs.readFileSync(checkYaml(side), 'utf8')) {
    throw new Error(`sides a and ${side} synthesize different YAML for ${checked} workloads: diff ${checkYaml('a')} ${checkYaml(side)}`);
  }
}

// ---- timed runs --------------------------------------------------------------------------------
interface Sample {
  side: string;
  n: number;
  ms: number;
  cpuMs: number;
  maxRssKiB: number;
  rssBeforeKiB: number;
  yamlBytes: number;
  yamlSha256: string;
  roundsMs: number[];
}
/** The order of the sides in repetition `rep`: a b t g, b t g a, t g a b, g a b t, ... */
function rotation(rep: number): string[] {
  const k = rep % SIDES.length;
  return [...SIDES.slice(k), ...SIDES.slice(0, k)];
}
const load = [os.loadavg()[0]];
const samples: Sample[] = [];
for (let rep = 0; rep < REPS; rep++) {
  for (const n of SIZES) {
    for (const side of rotation(rep)) {
      samples.push(JSON.parse(run([worker, side, String(n), results, entry, 'time'], `side ${side}, N=${n}`)));
    }
  }
  load.push(os.loadavg()[0]);
  process.stdout.write(`repetition ${rep + 1}/${REPS} done\n`);
}

// ---- per step, at the largest N (--phases) -------------------------------------------------------
const phaseSamples: Array<{ side: string; phasesMs: Record<string, number> }> = [];
for (let rep = 0; rep < PHASES; rep++) {
  for (const side of rotation(rep)) {
    phaseSamples.push(JSON.parse(run([worker, side, String(maxN), results, entry, 'phases'], `side ${side}, N=${maxN}, phases`)));
  }
}

// ---- cold require, in fresh processes, alternating ----------------------------------------------
const coldScript = (target: string) =>
  `const t0 = process.hrtime.bigint(); require(${JSON.stringify(target)}); console.log(Number(process.hrtime.bigint() - t0) / 1e6);`;
const cold = { meshkit: [] as number[], kplus: [] as number[] };
for (let i = 0; i < COLD; i++) {
  const order: Array<'meshkit' | 'kplus'> = i % 2 === 0 ? ['meshkit', 'kplus'] : ['kplus', 'meshkit'];
  for (const which of order) {
    const target = which === 'meshkit' ? entry : require.resolve('cdk8s-plus-25', { paths: [root] });
    cold[which].push(Number(run(['-e', coldScript(target)], `cold require of ${which}`)));
  }
}
load.push(os.loadavg()[0]);

// ---- report ------------------------------------------------------------------------------------
const rows = SIZES.map((n) => {
  const of = (side: string) => samples.filter((s) => s.side === side && s.n === n);
  const a = of('a');
  for (const s of samples.filter((x) => x.n === n)) {
    if (s.yamlSha256 !== a[0].yamlSha256) throw new Error(`N=${n}: side ${s.side} synthesized different YAML in one repetition`);
  }
  // per side: medians over its processes; warmMs: rounds 2..R, the same work with the code warm
  const stats = (list: Sample[]) => ({
    ms: median(list.map((s) => s.ms)),
    cpuMs: median(list.map((s) => s.cpuMs)),
    rssMiB: median(list.map((s) => s.maxRssKiB)) / 1024,
    rssBeforeMiB: median(list.map((s) => s.rssBeforeKiB)) / 1024,
    ...ROUNDS > 1 ? { warmMs: median(list.flatMap((s) => s.roundsMs.slice(1))) } : {},
  });
  const sides = Object.fromEntries(SIDES.map((side) => [side, stats(of(side))])) as Record<typeof SIDES[number], ReturnType<typeof stats>>;
  return {
    n,
    sides,
    yamlMiB: a[0].yamlBytes / 1024 / 1024,
    ratio: sides.a.ms / sides.b.ms,
    templateRatio: sides.a.ms / sides.t.ms,
    givenRatio: sides.a.ms / sides.g.ms,
    cpuRatio: sides.a.cpuMs / sides.b.cpuMs,
    rssRatio: sides.a.rssMiB / sides.b.rssMiB,
  };
});
const at = (n: number) => rows.find((r) => r.n === n);
const first = rows[0];
const last = rows[rows.length - 1];
const coldMs = { meshkit: median(cold.meshkit), kplus: median(cold.kplus) };
const loadAverage1m = load.map((l) => Math.round(l * 100) / 100);
const machine = { cores: os.cpus().length, cpu: os.cpus()[0]?.model, node: process.version, loadAverage1m };
const scaling = { from: first.n, to: last.n, aTimeRatio: last.sides.a.ms / first.sides.a.ms, bTimeRatio: last.sides.b.ms / first.sides.b.ms };
const git = (args: string[]) => spawnSync('git', args, { cwd: root, encoding: 'utf8' }).stdout?.trim();
const code = { commit: git(['rev-parse', 'HEAD']), clean: git(['status', '--porcelain', '--', 'src', 'scripts']) === '' };

const report = {
  code, machine, variant: VARIANT, reps: REPS, rounds: ROUNDS, rows, coldRequireMs: coldMs, coldSamples: cold, scaling, samples, phaseSamples,
};
const reportFile = path.join(results, VARIANT === 'full' ? 'bench.json' : `bench-${VARIANT}.json`);
fs.writeFileSync(reportFile, JSON.stringify(report, null, 2) + '\n');

const f0 = (x: number) => x.toFixed(0);
const f2 = (x: number) => x.toFixed(2);
console.log(`\ncode: ${code.commit?.slice(0, 7)}${code.clean ? '' : ' with uncommitted changes to src/ or scripts/'}`);
console.log(`machine: ${machine.cores} cores (${machine.cpu}), node ${machine.node}; 1-minute load average during the run: ${machine.loadAverage1m.join(' → ')}`);
console.log(`workload variant: ${VARIANT}; median of ${REPS} fresh processes per cell; time = new App() .. app.synthYaml(); RSS = the process's peak (ru_maxrss)`);
if (REPS % SIDES.length !== 0) console.log(`(${REPS} repetitions: not a multiple of ${SIDES.length}, so the sides did not run in each position equally often)`);
console.log('a: the library; hand-written cdk8s-plus-25 code with its Envoy JSON b: from object literals, t: from a text template, g: given\n');
console.log('| N | a, ms | b, ms | a/b | t, ms | a/t | g, ms | a/g | a CPU ms | b CPU ms | a/b CPU | a peak RSS MiB | b peak RSS MiB | a/b RSS | YAML MiB |');
console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const r of rows) {
  const { a, b, t, g } = r.sides;
  console.log(`| ${r.n} | ${f0(a.ms)} | ${f0(b.ms)} | ${f2(r.ratio)} | ${f0(t.ms)} | ${f2(r.templateRatio)} | ${f0(g.ms)} | ${f2(r.givenRatio)} | `
    + `${f0(a.cpuMs)} | ${f0(b.cpuMs)} | ${f2(r.cpuRatio)} | ${f0(a.rssMiB)} | ${f0(b.rssMiB)} | ${f2(r.rssRatio)} | ${f2(r.yamlMiB)} |`);
}
if (ROUNDS > 1) {
  console.log(`\nwarm: rounds 2..${ROUNDS} of the same processes (median); the first round above is the measurement\n`);
  console.log('| N | a first, ms | b first, ms | a/b first | a warm, ms | b warm, ms | a/b warm |');
  console.log('|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    const { a, b } = r.sides;
    console.log(`| ${r.n} | ${f0(a.ms)} | ${f0(b.ms)} | ${f2(r.ratio)} | ${f0(a.warmMs!)} | ${f0(b.warmMs!)} | ${f2(a.warmMs! / b.warmMs!)} |`);
  }
}
if (PHASES > 0) {
  console.log(`\nper step of synthYaml() at N=${maxN}, each timed on its own: fastest–slowest of ${PHASES} processes per side, wall ms\n`);
  console.log(`| step | ${SIDES.join(' | ')} |`);
  console.log(`|---|${SIDES.map(() => '---:').join('|')}|`);
  for (const step of ['construct', 'validations', 'toJson', 'yaml']) {
    const range = (side: string) => {
      const values = phaseSamples.filter((p) => p.side === side).map((p) => p.phasesMs[step]);
      return `${f0(Math.min(...values))}–${f0(Math.max(...values))}`;
    };
    console.log(`| ${step} | ${SIDES.map(range).join(' | ')} |`);
  }
}
console.log(`\ncold require (median of ${COLD} fresh processes): lib/src/index.js ${f0(coldMs.meshkit)} ms; cdk8s-plus-25 alone ${f0(coldMs.kplus)} ms`);
console.log(`time(${last.n}) / time(${first.n}): a ${f2(scaling.aTimeRatio)}, b ${f2(scaling.bTimeRatio)}`);

const big = at(1000);
const small = at(100);
const targets = [
  big ? `a/b time at N=1000: ${f2(big.ratio)} (target ≤ 1.25) ${big.ratio <= 1.25 ? 'met' : 'NOT met'}` : undefined,
  big ? `against the other hand-written sides at N=1000 (no target): a/t ${f2(big.templateRatio)}, a/g ${f2(big.givenRatio)}` : undefined,
  small && big ? `time(1000)/time(100) of a: ${f2(big.sides.a.ms / small.sides.a.ms)} (target ≤ 11) ${big.sides.a.ms / small.sides.a.ms <= 11 ? 'met' : 'NOT met'}` : undefined,
  `peak RSS a/b: ${rows.map((r) => `${f2(r.rssRatio)} at N=${r.n}`).join(', ')} (target ≤ 1.5) ${rows.every((r) => r.rssRatio <= 1.5) ? 'met' : 'NOT met'}`,
  `cold require: ${f0(coldMs.meshkit)} ms (target ≤ 400 ms) ${coldMs.meshkit <= 400 ? 'met' : 'NOT met'}`,
].filter((t) => t !== undefined);
console.log(`\n${targets.join('\n')}`);
console.log(`\nresults: ${path.relative(root, reportFile)}`);
