import * as fs from 'fs';
import * as path from 'path';
import { readmeTopology } from '../../scripts/render-topology';

test('the topology picture in docs/ (shown in README.md) is the current output for the oauth2-proxy example', () => {
  const committed = fs.readFileSync(path.join(__dirname, '..', '..', 'docs', 'topology-oauth2-proxy.mmd'), 'utf8');
  // regenerate with `npx projen docs:topology`
  expect(readmeTopology().toMermaid()).toBe(committed);
});
