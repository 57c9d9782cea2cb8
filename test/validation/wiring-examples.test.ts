import { Testing } from 'cdk8s';
import { buildExamples } from '../../examples/main';
import { analyzeWiring } from '../../src';
import { synthApp } from '../harness';

describe('the wiring checks over the whole examples app', () => {
  test('find nothing wrong in what every construct of the library synthesizes', () => {
    const report = analyzeWiring(synthApp(buildExamples(Testing.app())));
    expect(report.findings.map((f) => `${f.rule}: ${f.message}`)).toEqual([]);
    expect(report.checkedCount).toBeGreaterThan(0);
  });
});
