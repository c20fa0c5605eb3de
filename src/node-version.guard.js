// Required first by main.ts and jest.config.js: on a Node older than the kit needs, exit with one
// line that says which Node ran, which one is needed and how to get it, instead of a confusing
// "Must use import to load ES Module" or "No such built-in module: node:sqlite" later on.
// Plain ES5 CommonJS, so that it parses on any Node.
'use strict';

var NEEDED = [24, 9];
var found = process.versions.node.split('.');

if (+found[0] < NEEDED[0] || (+found[0] === NEEDED[0] && +found[1] < NEEDED[1])) {
  var script = process.argv[1] ? require('path').relative(process.cwd(), process.argv[1]) : '';
  var command = process.execArgv.concat([script]).join(' ');
  process.stderr.write(
    [
      'This needs Node >= ' + NEEDED.join('.') + ' but runs on Node ' + process.versions.node,
      '(' + process.execPath + '). Run `npm ci` (it installs the pinned Node 24 into',
      'node_modules/.bin), then `npm start` / `npm test`, or `npx node ' + command + '` /',
      '`node_modules/.bin/node ' + command + '`; or install Node >= 24.9.\n',
    ].join(' '),
  );
  process.exit(1);
}
