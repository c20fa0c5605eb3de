import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The kit's version, its built libs and the versions it pins (one place: the kit's package.json). */
export interface KitVersions {
  readonly version: string;
  /** Libs that exist as packages (`realtime` only once it is built). */
  readonly libs: readonly string[];
  readonly dependencies: Readonly<Record<string, string>>;
  readonly devDependencies: Readonly<Record<string, string>>;
  /** npm's install-script allowlist, carried over to generated projects. */
  readonly allowScripts?: Readonly<Record<string, boolean>>;
}

let cached: KitVersions | undefined;

/**
 * Read from `versions.json`, written next to `collection.json` by `npm run build:libs`; when the
 * collection runs from the kit's sources (its own specs), from the kit's package.json.
 */
export function kitVersions(): KitVersions {
  if (cached) return cached;
  const built = join(__dirname, '..', 'versions.json');
  if (existsSync(built)) {
    cached = JSON.parse(readFileSync(built, 'utf8')) as KitVersions;
    return cached;
  }
  const root = join(__dirname, '..', '..', '..', '..');
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as KitVersions;
  const libs = ['http', 'lifespan', 'auth', 'tasks', 'realtime', 'testing'].filter((lib) =>
    existsSync(join(root, 'libs', lib, 'src', 'index.ts')),
  );
  cached = { ...pkg, libs };
  return cached;
}

/** The pinned version of a package the generated code depends on. */
export function pinnedVersion(versions: KitVersions, name: string): string {
  const version = versions.dependencies[name] ?? versions.devDependencies[name];
  if (!version) throw new Error(`the kit pins no version of ${name}; add it to its package.json`);
  return version;
}
