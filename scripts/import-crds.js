#!/usr/bin/env node
/*
 * Regenerates imports/ from the CRD files listed under `imports:` in cdk8s.yaml.
 *
 * Each entry is `NAME:=URL`. By default the file is read from the byte-identical local copy
 * in ../shared/crds/<project>/<file> (no network needed); with `--upstream` (or when that
 * folder is missing) the URL itself is handed to cdk8s-cli. Either way every file is imported
 * under its own module prefix, so files of one API group never overwrite each other.
 *
 * Usage: node scripts/import-crds.js [--upstream] [--crds-dir DIR]
 */
'use strict';
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');
const YAML = require('yaml');

const root = path.resolve(__dirname, '..');
const args = process.argv.slice(2);
const upstream = args.includes('--upstream');
const dirFlag = args.indexOf('--crds-dir');
const crdsDir = dirFlag >= 0 ? path.resolve(args[dirFlag + 1]) : path.resolve(root, '..', 'shared', 'crds');

/** Which folder of ../shared/crds holds the files of each upstream repository. */
const LOCAL_FOLDER = {
  'istio/istio': 'istio',
  'cert-manager/cert-manager': 'cert-manager',
  '3scale-ops/marin3r': 'marin3r',
  'prometheus-operator/prometheus-operator': 'prometheus-operator',
};

function localCopy(url) {
  const m = /^https:\/\/raw\.githubusercontent\.com\/([^/]+\/[^/]+)\/[^/]+\/(.+)$/.exec(url);
  if (!m || !LOCAL_FOLDER[m[1]]) {
    throw new Error(`import-crds: no local folder is known for ${url}; add its repository to LOCAL_FOLDER`);
  }
  return path.join(crdsDir, LOCAL_FOLDER[m[1]], path.basename(m[2]));
}

const config = YAML.parse(fs.readFileSync(path.join(root, 'cdk8s.yaml'), 'utf8'));
const entries = (config.imports ?? []).map((spec) => {
  const [name, url] = spec.split(':=');
  if (!url) throw new Error(`import-crds: cdk8s.yaml import "${spec}" must be NAME:=URL`);
  return { name, url };
});

const useLocal = !upstream && fs.existsSync(crdsDir);
if (!upstream && !useLocal) {
  console.error(`import-crds: ${crdsDir} does not exist; downloading the upstream URLs instead`);
}

const outdir = path.join(root, 'imports');
fs.rmSync(outdir, { recursive: true, force: true });
fs.mkdirSync(outdir);

const cli = path.join(root, 'node_modules', '.bin', 'cdk8s');
for (const { name, url } of entries) {
  const source = useLocal ? localCopy(url) : url;
  if (useLocal && !fs.existsSync(source)) {
    throw new Error(`import-crds: ${source} (local copy of ${url}) is missing`);
  }
  console.error(`import-crds: ${name} <- ${path.relative(root, source) || source}`);
  execFileSync(cli, ['import', `${name}:=${source}`, '--output', outdir, '--language', 'typescript', '--no-save', '--no-check-upgrade'], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}
const files = fs.readdirSync(outdir).sort();
console.error(`import-crds: wrote ${files.length} modules to imports/: ${files.join(', ')}`);
