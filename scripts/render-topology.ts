/**
 * Writes the topology of the oauth2-proxy example that README.md shows:
 * docs/topology-oauth2-proxy.mmd (Mermaid), .dot and .svg (rendered with Graphviz's `dot`).
 * Run with `npx projen docs:topology`; test/topology/docs.test.ts fails when the .mmd is stale.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Testing } from 'cdk8s';
import { OAuth2ProxyChart } from '../examples/oauth2-proxy';
import { Topology } from '../src';

/** The topology README.md shows. */
export function readmeTopology(): Topology {
  const app = Testing.app();
  new OAuth2ProxyChart(app, 'oauth2-proxy');
  return Topology.ofApp(app);
}

if (require.main === module) {
  const dir = path.join(__dirname, '..', 'docs');
  const topology = readmeTopology();
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'topology-oauth2-proxy.mmd'), topology.toMermaid());
  fs.writeFileSync(path.join(dir, 'topology-oauth2-proxy.dot'), topology.toDot());
  const svg = spawnSync('dot', ['-Tsvg', path.join(dir, 'topology-oauth2-proxy.dot')], { encoding: 'utf8' });
  if (svg.status !== 0) throw new Error(`dot failed (install graphviz): ${svg.stderr || svg.error}`);
  fs.writeFileSync(path.join(dir, 'topology-oauth2-proxy.svg'), svg.stdout);
}
