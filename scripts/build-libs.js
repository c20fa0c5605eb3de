// Builds every lib into an installable package: dist/packages/<name> with its own package.json
// (`@kit/<name>`, `exports` (`.` and, for the other kit packages, `./internal`), type declarations, `@nestjs/*` as peer dependencies, inter-lib
// dependencies by version, the lib's README.md). Versions come from the root package.json, pinned
// in one place; packages get them as caret ranges from the tested version.
//
//   node scripts/build-libs.js [--out <dir>] [--pack]
//
// --out   where the packages go, inside the repository (default dist/packages)
// --pack  also run `npm pack` for each package, leaving kit-<name>-<version>.tgz in <out>
// --only  comma list of packages to (re)build, the others being already in <out>
'use strict';
const { execFileSync } = require('node:child_process');
const { builtinModules } = require('node:module');
const fs = require('node:fs');
const path = require('node:path');
const ts = require('typescript');

const root = path.join(__dirname, '..');
const rootPkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const pinned = { ...rootPkg.devDependencies, ...rootPkg.dependencies };

/** Every lib, bottom of the dependency graph first; `optional` ones are built when present. */
const LIBS = [
  {
    name: 'http',
    description:
      'Request ids, timing, problem+json errors, CORS, security headers and OpenAPI for Nest on Fastify',
    extraPeers: ['class-validator', 'class-transformer'],
    extraDeps: ['@fastify/static'],
  },
  {
    name: 'lifespan',
    description:
      'Resources opened at boot and closed in reverse at shutdown, the database, health and readiness',
    optionalPeers: ['ioredis'],
  },
  {
    name: 'auth',
    description:
      'JWT access tokens, rotating refresh tokens, API keys, roles and the token endpoint',
    optionalPeers: ['ioredis'],
  },
  {
    name: 'tasks',
    description:
      'Background tasks after the response, per-request resources with teardown, durable jobs',
  },
  {
    name: 'realtime',
    description:
      'Room-based WebSockets with auth before the upgrade, backpressure and Redis fan-out',
    optional: true,
  },
  {
    name: 'testing',
    description:
      'Helpers for e2e tests of services built with the kit: apps on listen(0), tokens, overrides',
  },
];

/**
 * Packages the consumer must share one copy of with the kit (DI tokens, decorators metadata,
 * class identity in types): peers, as a range from the pinned version. A lib's `optionalPeers`
 * (ioredis: loaded only when Redis is configured) are optional peers. Everything else is a
 * dependency, as a caret range from the pinned (tested) version.
 */
const PEER =
  /^(@nestjs\/.+|fastify|reflect-metadata|rxjs|class-validator|class-transformer|kysely)$/;
const BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

function main(argv) {
  const out = path.resolve(root, option(argv, '--out') ?? 'dist/packages');
  if (path.relative(root, out).startsWith('..')) {
    // The declarations of built libs resolve fastify, kysely, … from the kit's node_modules.
    fail(`--out ${out} must be inside the kit's directory (${root}); copy the tarballs afterwards`);
  }
  const pack = argv.includes('--pack');
  const only = option(argv, '--only')?.split(',');
  fs.mkdirSync(out, { recursive: true });
  const built = [];
  for (const lib of LIBS) {
    if (only && !only.includes(lib.name)) {
      if (fs.existsSync(path.join(out, lib.name, 'package.json'))) built.push(lib.name);
      continue;
    }
    const srcDir = path.join(root, 'libs', lib.name, 'src');
    if (!fs.existsSync(path.join(srcDir, 'index.ts'))) {
      if (lib.optional) {
        process.stdout.write(
          `skip @kit/${lib.name}: libs/${lib.name}/src/index.ts does not exist\n`,
        );
        continue;
      }
      fail(`libs/${lib.name}/src/index.ts is missing`);
    }
    built.push(buildLib(lib, srcDir, out, built));
  }
  if (!only || only.includes('schematics')) built.push(buildSchematics(out, built));
  const packed = only ? built.filter((name) => only.includes(name)) : built;
  if (pack) for (const name of packed) packPackage(path.join(out, name), out);
  process.stdout.write(
    `built ${built.map((n) => `@kit/${n}`).join(', ')} into ${path.relative(root, out) || out}\n`,
  );
}

function buildLib(lib, srcDir, out, built) {
  const outDir = path.join(out, lib.name);
  fs.rmSync(outDir, { recursive: true, force: true });
  const files = sourceFiles(srcDir);
  const specifiers = collectSpecifiers(files, lib.name);
  const paths = {};
  for (const dep of built) {
    paths[`@kit/${dep}`] = [path.join(out, dep, 'index.d.ts')];
    paths[`@kit/${dep}/internal`] = [path.join(out, dep, 'internal.d.ts')];
  }
  // Every declaration file of the built deps is a root, so their module augmentations (e.g.
  // Fastify request decorations) are visible as they are in the monorepo's single program.
  const depDeclarations = built.flatMap((dep) =>
    walk(path.join(out, dep)).filter((f) => f.endsWith('.d.ts')),
  );
  const started = Date.now();
  compile([...files, ...depDeclarations], srcDir, outDir, paths);
  process.stdout.write(`@kit/${lib.name} compiled in ${Date.now() - started} ms\n`);
  const pkg = packageJson(lib, specifiers, built);
  fs.writeFileSync(path.join(outDir, 'package.json'), JSON.stringify(pkg, null, 2) + '\n');
  fs.copyFileSync(libReadme(lib.name), path.join(outDir, 'README.md'));
  checkEmittedRequires(outDir, pkg);
  return lib.name;
}

/** Non-spec TypeScript sources of a lib, excluding schematic templates. */
function sourceFiles(dir) {
  const files = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'files') files.push(...sourceFiles(file));
    } else if (entry.name.endsWith('.ts') && !/\.(e2e-)?spec(-helper)?\.ts$/.test(entry.name)) {
      files.push(file);
    }
  }
  return files.sort();
}

/** Bare module specifiers imported anywhere in the sources (type-only imports included). */
function collectSpecifiers(files, libName) {
  const found = new Set();
  for (const file of files) {
    const info = ts.preProcessFile(fs.readFileSync(file, 'utf8'), true, true);
    for (const { fileName } of info.importedFiles) {
      if (fileName.startsWith('.') || BUILTINS.has(fileName)) continue;
      if (/^@kit\/[^/]+\/(?!internal$)./.test(fileName) || /\/dist(\/|$)/.test(fileName)) {
        fail(
          `${path.relative(root, file)} deep-imports "${fileName}": import the package root or its /internal entry`,
        );
      }
      if (fileName === `@kit/${libName}` || fileName === `@kit/${libName}/internal`) {
        fail(`${path.relative(root, file)} imports its own barrel "${fileName}": import the file`);
      }
      found.add(packageName(fileName));
    }
  }
  return found;
}

function packageName(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

function compile(files, rootDir, outDir, paths) {
  const config = ts.readConfigFile(path.join(root, 'tsconfig.json'), ts.sys.readFile);
  if (config.error) fail(formatDiagnostics([config.error]));
  const { options, errors } = ts.convertCompilerOptionsFromJson(
    {
      ...config.config.compilerOptions,
      rootDir,
      outDir,
      paths,
      types: ['node'],
      declaration: true,
      removeComments: false,
      sourceMap: false,
      incremental: false,
      noEmitOnError: true,
    },
    root,
  );
  if (errors.length > 0) fail(formatDiagnostics(errors));
  const program = ts.createProgram(files, options, cachingHost(options));
  const emitted = program.emit();
  const diagnostics = [...ts.getPreEmitDiagnostics(program), ...emitted.diagnostics];
  if (diagnostics.length > 0 || emitted.emitSkipped) {
    fail(`${path.relative(root, rootDir)} does not compile:\n${formatDiagnostics(diagnostics)}`);
  }
}

/** Parsed declaration files of node_modules, shared by the per-lib programs (parsing is most of the cost). */
const parsed = new Map();

function cachingHost(options) {
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, languageVersion, ...rest) => {
    if (!fileName.includes(`${path.sep}node_modules${path.sep}`)) {
      return getSourceFile(fileName, languageVersion, ...rest);
    }
    const key = `${fileName}:${JSON.stringify(languageVersion)}`;
    if (!parsed.has(key)) parsed.set(key, getSourceFile(fileName, languageVersion, ...rest));
    return parsed.get(key);
  };
  return host;
}

function formatDiagnostics(diagnostics) {
  return ts.formatDiagnostics(diagnostics, {
    getCanonicalFileName: (f) => f,
    getCurrentDirectory: () => root,
    getNewLine: () => '\n',
  });
}

function packageJson(lib, specifiers, built) {
  const dependencies = {};
  const peerDependencies = {};
  const peerDependenciesMeta = {};
  const names = new Set([...specifiers, ...(lib.extraDeps ?? []), ...(lib.extraPeers ?? [])]);
  for (const name of [...names].sort()) {
    if (name.startsWith('@kit/')) {
      const dep = name.slice('@kit/'.length);
      if (!built.includes(dep))
        fail(`@kit/${lib.name} imports ${name}, which is not built before it`);
      dependencies[name] = rootPkg.version;
    } else if (lib.optionalPeers?.includes(name)) {
      peerDependencies[name] = `^${version(lib, name)}`;
      peerDependenciesMeta[name] = { optional: true };
    } else if (PEER.test(name) || lib.extraPeers?.includes(name)) {
      peerDependencies[name] = `^${version(lib, name)}`;
    } else {
      dependencies[name] = `^${version(lib, name)}`;
    }
  }
  return {
    name: `@kit/${lib.name}`,
    version: rootPkg.version,
    description: lib.description,
    license: rootPkg.license,
    type: 'commonjs',
    main: './index.js',
    types: './index.d.ts',
    exports: {
      '.': { types: './index.d.ts', default: './index.js' },
      // For the other kit packages only (not documented): see libs/<name>/src/internal.ts.
      ...(fs.existsSync(path.join(root, 'libs', lib.name, 'src', 'internal.ts'))
        ? { './internal': { types: './internal.d.ts', default: './internal.js' } }
        : {}),
      './package.json': './package.json',
    },
    engines: rootPkg.engines,
    dependencies,
    peerDependencies,
    ...(Object.keys(peerDependenciesMeta).length > 0 ? { peerDependenciesMeta } : {}),
  };
}

function version(lib, name) {
  const v = pinned[name];
  if (!v) fail(`@kit/${lib.name} imports "${name}", which the root package.json does not list`);
  return v;
}

/** Every `require()` in the emitted code must be a builtin, relative, or a declared package. */
function checkEmittedRequires(outDir, pkg) {
  const declared = new Set([
    ...Object.keys(pkg.dependencies ?? {}),
    ...Object.keys(pkg.peerDependencies ?? {}),
  ]);
  for (const file of walk(outDir).filter((f) => f.endsWith('.js'))) {
    for (const match of fs.readFileSync(file, 'utf8').matchAll(/require\("([^"]+)"\)/g)) {
      const spec = match[1];
      if (spec.startsWith('.') || BUILTINS.has(spec)) continue;
      const entry = /^@kit\/[^/]+\/internal$/.test(spec) ? packageName(spec) : spec;
      if (!declared.has(packageName(spec)) || entry !== packageName(spec)) {
        fail(`${path.relative(root, file)} requires "${spec}", which ${pkg.name} does not declare`);
      }
    }
  }
}

function walk(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    return entry.isDirectory() ? walk(file) : [file];
  });
}

/** libs/<name>/README.md: module options, decorators and an example, shipped in the package. */
function libReadme(name) {
  const file = path.join(root, 'libs', name, 'README.md');
  if (!fs.existsSync(file)) fail(`libs/${name}/README.md is missing: every package ships one`);
  return file;
}

/**
 * The schematics collection: factories compiled, collection.json, schemas and templates copied,
 * and versions.json (the kit's pinned versions) that generated projects depend on.
 */
function buildSchematics(out, built) {
  const srcDir = path.join(root, 'libs', 'schematics', 'src');
  const outDir = path.join(out, 'schematics');
  fs.rmSync(outDir, { recursive: true, force: true });
  compile(sourceFiles(srcDir), srcDir, outDir, {});
  for (const file of walk(srcDir)) {
    const rel = path.relative(srcDir, file);
    const isTemplate = rel.split(path.sep).includes('files');
    if (isTemplate || file.endsWith('.json')) {
      fs.mkdirSync(path.dirname(path.join(outDir, rel)), { recursive: true });
      fs.copyFileSync(file, path.join(outDir, rel));
    }
  }
  const versions = {
    version: rootPkg.version,
    libs: built,
    dependencies: rootPkg.dependencies,
    devDependencies: rootPkg.devDependencies,
    allowScripts: rootPkg.allowScripts,
  };
  fs.writeFileSync(path.join(outDir, 'versions.json'), JSON.stringify(versions, null, 2) + '\n');
  const lib = { name: 'schematics' };
  const pkg = {
    name: '@kit/schematics',
    version: rootPkg.version,
    description:
      'Nest CLI schematics: a new service wired with the kit, room gateways, guarded resources',
    license: rootPkg.license,
    type: 'commonjs',
    main: './index.js',
    types: './index.d.ts',
    schematics: './collection.json',
    exports: {
      '.': { types: './index.d.ts', default: './index.js' },
      './collection.json': './collection.json',
      './package.json': './package.json',
    },
    engines: rootPkg.engines,
    dependencies: {
      '@angular-devkit/core': version(lib, '@angular-devkit/core'),
      '@angular-devkit/schematics': version(lib, '@angular-devkit/schematics'),
    },
    peerDependencies: { '@nestjs/schematics': `^${version(lib, '@nestjs/schematics')}` },
  };
  fs.writeFileSync(path.join(outDir, 'package.json'), JSON.stringify(pkg, null, 2) + '\n');
  fs.copyFileSync(libReadme('schematics'), path.join(outDir, 'README.md'));
  checkEmittedRequires(outDir, pkg);
  return 'schematics';
}

function packPackage(dir, dest) {
  execFileSync('npm', ['pack', '--silent', '--pack-destination', dest], {
    cwd: dir,
    stdio: ['ignore', 'ignore', 'inherit'],
    timeout: 60_000,
  });
}

function option(argv, name) {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

function fail(message) {
  process.stderr.write(`build:libs: ${message}\n`);
  process.exit(1);
}

main(process.argv.slice(2));
