import { strings } from '@angular-devkit/core';
import { type Rule, SchematicsException, type Tree } from '@angular-devkit/schematics';
import { assertFeatureFree, type Feature, writeFeature } from '../utils/feature-files';
import { addToModuleImports } from '../utils/module-imports';
import { type Names, singular, validateName } from '../utils/names';
import { type ServiceDirs, serviceDirs } from '../utils/project-files';
import { readText } from '../utils/tree-checks';
import type { ResourceOptions } from './resource.options';

const ROLE = /^[a-z][a-z0-9_-]{0,31}$/;

/** `resource`: a guarded REST resource with roles, problem+json errors, OpenAPI tags, a table. */
export function main(options: ResourceOptions): Rule {
  return (tree: Tree) => {
    const names = validateName('resource', options.name);
    const one = validateName('resource', singular(names.kebab));
    const dirs = serviceDirs(options.sourceRoot);
    const role = validateRole(tree, dirs, options.role ?? 'admin');
    const table = strings.underscore(names.kebab);
    const feature: Feature = {
      kind: 'resource',
      dirs,
      folder: names.kebab,
      e2eSpec: `${names.kebab}.e2e-spec.ts`,
      spec: options.spec !== false,
    };
    assertFeatureFree(tree, feature);
    const changes = options.skipImport !== true ? wiring(tree, dirs, names, table) : [];
    const templateOptions = { name: names.kebab, oneFile: one.kebab, names, one, role, table };
    return writeFeature(feature, templateOptions, changes);
  };
}

/** The role must be one the service's accounts can have (the e2e test mints a token for it). */
function validateRole(tree: Tree, dirs: ServiceDirs, role: string): string {
  if (!ROLE.test(role)) {
    throw new SchematicsException(
      `Invalid --role "${role}": a role is lowercase letters, digits, "-" or "_", starting with ` +
        'a letter, e.g. --role=admin. Nothing was written.',
    );
  }
  const view = tree.read(`${dirs.sourceRoot}/accounts/account.view.ts`)?.toString('utf8');
  const declared = /export type Role = ([^;]+);/.exec(view ?? '')?.[1];
  const roles = declared ? [...declared.matchAll(/'([^']+)'/g)].map((m) => m[1]) : undefined;
  if (roles && !roles.includes(role)) {
    throw new SchematicsException(
      `Unknown --role "${role}": ${dirs.sourceRoot}/accounts/account.view.ts defines ` +
        `${roles.join(', ')}. Choose one of them, or add "${role}" to Role there first. ` +
        'Nothing was written.',
    );
  }
  return role;
}

/** New contents of the app module (module imported) and the migrations (table added). */
function wiring(tree: Tree, dirs: ServiceDirs, names: Names, table: string): [string, string][] {
  const fix = 'pass --source-root, or --skip-import and wire the resource yourself';
  const appModule = readText(tree, dirs.appModule, fix);
  const migrationsPath = `${dirs.sourceRoot}/database/migrations.ts`;
  const migrations = readText(tree, migrationsPath, fix);
  if (migrations.includes(`createTable('${table}')`)) {
    throw new SchematicsException(
      `${migrationsPath} already creates the table "${table}": choose another name. Nothing was written.`,
    );
  }
  return [
    [
      dirs.appModule,
      addToModuleImports(appModule, dirs.appModule, `${names.pascal}Module`, [
        { symbol: `${names.pascal}Module`, from: `./${names.kebab}/${names.kebab}.module` },
      ]),
    ],
    [migrationsPath, addMigration(migrations, migrationsPath, table)],
  ];
}

/**
 * Appends `'<UTC timestamp>_<table>': { up, down }` to the exported `migrations` object. The
 * service's set is migrated in strict name order (Kysely refuses a migration that sorts before
 * an applied one), so the name must sort after every existing one: a timestamp does, across
 * branches and developers, without reading the database; a clock behind the newest name
 * (or a second resource within the same second) takes that name's stamp plus one second.
 */
function addMigration(source: string, file: string, table: string): string {
  const start = source.indexOf('export const migrations');
  const end = start < 0 ? -1 : source.indexOf('\n};', start);
  if (end < 0 || !source.includes('Kysely')) {
    throw new SchematicsException(
      `${file} is not the migrations object the service schematic generates: add the ` +
        `"${table}" table yourself and run again with --skip-import. Nothing was written.`,
    );
  }
  const next = nextMigrationName(source.slice(start, end), file, table);
  const migration = `
  '${next}': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('${table}')
        .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
        .addColumn('name', 'varchar(200)', (c) => c.notNull())
        .addColumn('created_by', 'varchar(36)', (c) => c.notNull())
        .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('${table}').execute();
    },
  },`;
  return source.slice(0, end) + migration + source.slice(end);
}

const STAMP = /^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)_/;

/** `<UTC timestamp>_<table>`, sorting after every migration name of `object`. */
function nextMigrationName(object: string, file: string, table: string): string {
  const last = [...object.matchAll(/^ {2}'([^']+)': \{/gm)]
    .map((m) => m[1] ?? '')
    .toSorted()
    .at(-1);
  const stamp = last === undefined ? undefined : STAMP.exec(last)?.[0];
  const lastAt = stamp ? Date.parse(stamp.replace(STAMP, '$1-$2-$3T$4:$5:$6Z')) : Number.NaN;
  const at = Number.isNaN(lastAt) ? Date.now() : Math.max(Date.now(), lastAt + 1_000);
  const name = `${utcStamp(new Date(at))}_${table}`;
  if (last !== undefined && name <= last) {
    throw new SchematicsException(
      `${file}: the migration "${last}" sorts after any timestamped name, so the new one would ` +
        `never run after it. Add the "${table}" table yourself in a migration named after ` +
        `"${last}" and run again with --skip-import. Nothing was written.`,
    );
  }
  return name;
}

/** `20261204T101500`: the UTC date and time to the second, sortable as text. */
function utcStamp(date: Date): string {
  return date.toISOString().slice(0, 19).replace(/[-:]/g, '');
}
