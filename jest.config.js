// Refuses Node < 24.9 with a one-line fix before anything else loads (see the guard).
require('./src/node-version.guard.js'); // oxlint-disable-line import/no-unassigned-import
// Jest runs under `node --experimental-vm-modules` (Nest 12 packages are ESM-only).
const { pathsToModuleNameMapper } = require('ts-jest');
const { compilerOptions } = require('./tsconfig.json');

const shared = {
  moduleFileExtensions: ['js', 'json', 'ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  moduleNameMapper: pathsToModuleNameMapper(compilerOptions.paths, { prefix: '<rootDir>/' }),
  testEnvironment: 'node',
};

module.exports = {
  // Default bound of a test or hook that waits for nothing long (boots on a busy machine included);
  // one that waits longer (child processes, builds, long waitFor bounds) says so explicitly.
  // A global option: jest-circus ignores testTimeout inside a project entry.
  testTimeout: 30_000,
  projects: [
    {
      ...shared,
      displayName: 'unit',
      rootDir: __dirname,
      roots: ['<rootDir>/libs', '<rootDir>/src'],
      testRegex: '\\.spec\\.ts$',
    },
    {
      ...shared,
      displayName: 'e2e',
      rootDir: __dirname,
      // The reference service's suites in test/; a lib's own suites (through a fixture app) in
      // libs/<lib>/test/, so they travel with the lib.
      roots: ['<rootDir>/test', '<rootDir>/libs'],
      testRegex: '(^|/)(test|libs/[^/]+/test)/[^/]+\\.e2e-spec\\.ts$',
    },
  ],
};
