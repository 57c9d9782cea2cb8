// The validation plugin as this repository's cdk8s.yaml loads it (`package: ./scripts/cdk8s-plugin.js`).
//
// cdk8s-cli `require`s a local plugin path directly. The package's own entry point (lib/) exists
// only after a build, so `npm install && npx cdk8s synth` on a fresh clone would fail with it.
// This file loads the plugin from the TypeScript sources instead, through ts-node (transpile only,
// as the examples app itself runs), so synth works before any build and always checks with the
// code in the working tree. Users of the npm package name `package: cdk8s-meshkit` instead, which
// loads the compiled lib/.
const path = require('path');

require('ts-node').register({
  transpileOnly: true,
  project: path.join(__dirname, '..', 'test', 'tsconfig.json'),
});

module.exports = require('../src/validation/plugin');
