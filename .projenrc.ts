import { cdk8s, javascript } from 'projen';
import { UpdateSnapshot } from 'projen/lib/javascript';

/** Versions of the upstream CRDs that `imports/` is generated from (see ../shared/crds/SOURCES.md). */
const CRD_VERSIONS = {
  istio: '1.30.3',
  certManager: 'v1.21.1',
  marin3r: 'v0.13.1',
  prometheusOperator: 'v0.93.0',
};

const project = new cdk8s.ConstructLibraryCdk8s({
  name: 'cdk8s-meshkit',
  packageName: 'cdk8s-meshkit',
  description:
    'cdk8s constructs for Envoy sidecars, the Signal Sciences WAF agent, oauth2-proxy behind an Istio ingress, standalone Kayenta, Prometheus scraping Istio mTLS pods, marin3r and Speedscale — validated at synth time.',
  keywords: ['cdk8s', 'kubernetes', 'envoy', 'istio', 'marin3r', 'oauth2-proxy', 'kayenta', 'prometheus', 'signal-sciences', 'speedscale'],
  author: 'cdk8s-meshkit maintainers',
  authorAddress: 'maintainers@cdk8s-meshkit.dev',
  repositoryUrl: 'https://github.com/cdk8s-meshkit/cdk8s-meshkit.git',
  defaultReleaseBranch: 'main',
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,
  license: 'Apache-2.0',

  cdk8sVersion: '2.70.0',
  constructsVersion: '10.4.0',
  jsiiVersion: '~6.0.0',
  peerDeps: ['cdk8s-plus-25@^2.22.79'],
  // the manifest checks read YAML with the line of every field (cdk8s bundles its own copy, privately)
  bundledDeps: ['yaml@^2.8.1'],
  devDeps: [
    'cdk8s-plus-25@^2.22.79',
    'cdk8s-cli@^2.207.60',
    'typescript@~6.0.3',
    'ts-node@^10.9.2',
    // independent schemas for the tests (never used by the library itself)
    'kubernetes-models@^5.1.0',
    '@kubernetes-models/istio@^3.0.1',
    '@kubernetes-models/cert-manager@^6.0.0',
    '@kubernetes-models/prometheus-operator@^6.0.0',
    'ajv@^8.17.1',
    // Envoy's v3 protos and the parser that reads them at build time (scripts/build-envoy-descriptors.js)
    '@grpc/grpc-js-xds@^1.14.1',
    'protobufjs@^7.6.6',
    // a Lua VM in JavaScript: the tests run the Lua filters the library writes into EnvoyFilters
    'fengari@^0.1.5',
  ],

  // layout: the public API is src/index.ts; imports/ sits beside src/ and is compiled too
  entrypoint: 'lib/src/index.js',
  entrypointTypes: 'lib/src/index.d.ts',
  tsconfig: {
    compilerOptions: { rootDir: '.' },
    include: ['src/**/*.ts', 'imports/**/*.ts'],
  },
  // test/tsconfig.json type-checks the tests, the examples app and the scripts (paths are relative to test/)
  tsconfigDev: {
    compilerOptions: {},
    include: ['../examples/**/*.ts', '../scripts/**/*.ts', '../src/**/*.ts', '../imports/**/*.ts', '../.projenrc.ts'],
  },
  typecheckTests: true,

  // jsii targets: only npm can be packaged on our machines; the others are proven with `jsii-pacmak --code-only` in CI
  publishToPypi: { distName: 'cdk8s-meshkit', module: 'cdk8s_meshkit' },
  publishToMaven: {
    javaPackage: 'dev.cdk8smeshkit',
    mavenGroupId: 'dev.cdk8s-meshkit',
    mavenArtifactId: 'cdk8s-meshkit',
  },
  publishToNuget: { dotNetNamespace: 'Cdk8sMeshkit', packageId: 'Cdk8sMeshkit' },
  publishToGo: { moduleName: 'github.com/cdk8s-meshkit/cdk8s-meshkit-go' },

  // tests: snapshots are compared, never rewritten by the test task
  jest: true,
  jestOptions: {
    updateSnapshot: UpdateSnapshot.NEVER,
    jestConfig: {
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      coverageProvider: 'v8',
      collectCoverageFrom: ['src/**/*.ts'],
      coverageReporters: ['text-summary', 'lcov', 'cobertura'],
      testTimeout: 120_000,
    },
  },
  eslint: true,
  eslintOptions: {
    dirs: ['src'],
    devdirs: ['test', 'examples', 'scripts'],
    ignorePatterns: ['imports/', 'lib/', 'dist/', 'cdk8s.out/', '*.d.ts', '*.js', '*.mjs', 'node_modules/', 'coverage/'],
    // one program for everything that is linted (the dev tsconfig includes src, examples, tests, scripts)
    projectService: false,
    tsconfigPath: './test/tsconfig.json',
  },

  // no hosted CI or release automation here: `.ci/run` is the CI
  github: false,
  release: false,
  depsUpgrade: false,
  sampleCode: false,
  docgen: true,
  gitignore: ['/cdk8s.out/', '/.jsii-pacmak-code/', '*.cpuprofile', '/bench-results/'],
});

for (const pattern of ['/imports/**/*.ts', '!/imports/**/*.d.ts', '/examples/', '/scripts/', '/cdk8s.out/', '/.ci/', '/cdk8s.yaml', '/.jsii-pacmak-code/', '/bench-results/']) {
  project.addPackageIgnore(pattern);
}

// The examples are written as a user would write them: only the package's public API.
project.eslint?.addOverride({
  files: ['examples/**/*.ts'],
  rules: {
    'no-restricted-imports': ['error', {
      patterns: [{
        group: ['../src/*', '../src/**', '../imports/*', '../lib/*'],
        message: 'Examples use only the public API: import from "../src" (the package entry point).',
      }],
    }],
  },
});

// jsii's build component points `types` at lib/index.d.ts; our entry point is lib/src/index.d.ts
project.package.addField('types', 'lib/src/index.d.ts');

// The package task must only build the npm tarball: the other languages' toolchains are not
// installed here. `package:code-only` proves the API translates by generating their sources.
const packageTask = project.tasks.tryFind('package')!;
packageTask.reset();
packageTask.spawn(project.tasks.tryFind('package:js')!);
project.addTask('package:code-only', {
  description: 'Generate Python, Java, .NET and Go sources from the jsii assembly (no toolchains needed)',
  exec: 'jsii-pacmak --code-only --target python --target java --target dotnet --target go --outdir .jsii-pacmak-code',
});

// imports/: generated from the CRD YAML in ../shared/crds. Files of one API group are
// concatenated first, because importing them one at a time would overwrite the group's module.
const importTask = project.addTask('import:crds', {
  description: `Regenerate imports/ from ../shared/crds (Istio ${CRD_VERSIONS.istio}, cert-manager ${CRD_VERSIONS.certManager}, marin3r ${CRD_VERSIONS.marin3r}, prometheus-operator ${CRD_VERSIONS.prometheusOperator})`,
});
importTask.exec('node scripts/import-crds.js');

// Debian packages the tests need (promtool for the generated prometheus.yml), installed only when
// missing; .ci/run calls the same script.
// The test task: Debian packages, type-check, jest, eslint. CI runs the README's `npm test` and then
// `npx projen build`, which would run the same type-check and jest again; it sets
// MESHKIT_SKIP_TESTS=1 for the build only, so the suite runs once per CI run (eslint still runs).
const onlyOnce = 'node -e "process.exit(process.env.MESHKIT_SKIP_TESTS ? 1 : 0)"';
const testTask = project.testTask;
testTask.reset();
testTask.exec('bash scripts/ensure-debs.sh', { name: 'Install the Debian packages the tests need (scripts/ensure-debs.sh)' });
testTask.exec('tsc --noEmit -p test/tsconfig.json', { name: 'Type-check the test suite', condition: onlyOnce });
testTask.exec('jest --passWithNoTests --ci', { receiveArgs: true, condition: onlyOnce });
testTask.spawn(project.tasks.tryFind('eslint')!);

// Envoy validation: compile Envoy's v3 protos (from @grpc/grpc-js-xds) into the descriptor the
// validator reads. pre-compile regenerates it, so a stale committed file shows in CI's drift
// check; post-compile copies it next to the compiled validator (jsii only emits .js/.d.ts).
const envoyDescriptors = project.addTask('envoy:descriptors', {
  description: 'Regenerate src/validation/envoy/descriptors.json from the Envoy v3 protos in @grpc/grpc-js-xds',
  exec: 'node scripts/build-envoy-descriptors.js',
});
project.preCompileTask.spawn(envoyDescriptors);
project.postCompileTask.exec('mkdir -p lib/src/validation/envoy && cp src/validation/envoy/descriptors.json lib/src/validation/envoy/');
project.gitattributes.addAttributes('/src/validation/envoy/descriptors.json', 'linguist-generated');
project.addTask('bench:envoy', {
  description: 'Benchmark the Envoy config validation (descriptor size, cold load, time per validation, 1000 workloads)',
  exec: 'ts-node scripts/bench-envoy-validator.ts',
});

// The topology picture README.md shows (docs/topology-oauth2-proxy.{mmd,dot,svg}); a test fails when it is stale.
project.addTask('docs:topology', {
  description: 'Render the topology of the oauth2-proxy example into docs/ (Mermaid, DOT, SVG through Graphviz)',
  exec: 'ts-node --transpile-only --project test/tsconfig.json scripts/render-topology.ts',
});
project.addPackageIgnore('/docs/');

// `npm run bench`: build + synth of 100/300/1000 workloads with the library against hand-written
// cdk8s-plus-25 code, in fresh processes, plus the package's cold require (scripts/bench/run.ts).
project.addTask('bench', {
  description: 'Benchmark the library against hand-written cdk8s-plus-25 code (time, peak RSS, cold require); builds lib/ first when it is stale',
  exec: 'ts-node scripts/bench/run.ts',
  receiveArgs: true,
});

// The examples app is synthesized by `npx cdk8s synth` (see cdk8s.yaml); this task is a shortcut.
project.addTask('synth:examples', {
  description: 'Synthesize the examples app into cdk8s.out/',
  exec: 'cdk8s synth --no-check-upgrade',
});

project.synth();
