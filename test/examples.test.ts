import * as fs from 'fs';
import * as path from 'path';
import { Testing } from 'cdk8s';
import { expectSchemaValid, synthCharts } from './harness';
import { buildExamples } from '../examples/main';

describe('the examples app', () => {
  const charts = synthCharts(buildExamples(Testing.app()));

  test('has charts, and every chart synthesizes objects', () => {
    expect(charts.length).toBeGreaterThan(0);
    expect(charts.filter((c) => c.objects.length === 0).map((c) => c.id)).toEqual([]);
  });

  test('every object of every chart passes the independent schemas', () => {
    const all = charts.flatMap((c) => c.objects);
    const report = expectSchemaValid(all);
    expect(report.objects).toHaveLength(all.length);
    if (report.crdsDir === null) {
      // eslint-disable-next-line no-console
      console.warn(`../shared/crds is missing: CRD-schema checks were skipped (${report.skipped.length} kinds)`);
    }
  });

  test('object names are unique per kind and namespace', () => {
    const seen = new Map<string, string>();
    for (const chart of charts) {
      for (const o of chart.objects) {
        // the API group, not the version: v1 and v1beta1 of one kind are the same object on the server
        const group = o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : 'core';
        const key = `${group}/${o.kind}/${o.metadata?.namespace ?? ''}/${o.metadata?.name}`;
        expect({ key, first: seen.get(key) }).toEqual({ key, first: undefined });
        seen.set(key, chart.id);
      }
    }
  });

  test('the cdk8s.yaml app entry runs examples/main.ts', () => {
    const config = fs.readFileSync(path.join(__dirname, '..', 'cdk8s.yaml'), 'utf8');
    expect(config).toMatch(/^app: .*examples\/main\.ts$/m);
    expect(config).toMatch(/^output: cdk8s\.out$/m);
  });
});
