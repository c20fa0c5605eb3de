import { type Rule, SchematicsException, type Tree } from '@angular-devkit/schematics';
import { assertFeatureFree, type Feature, writeFeature } from '../utils/feature-files';
import { addToModuleImports } from '../utils/module-imports';
import { type Names, validateName } from '../utils/names';
import { withKitDependency, type ServiceDirs, serviceDirs } from '../utils/project-files';
import { readText } from '../utils/tree-checks';
import type { GatewayOptions } from './gateway.options';

/**
 * `gateway`: a `@RoomGateway()` class at `/ws/:room` with a room policy and a guarded, validated
 * `@SubscribeMessage()` event, in its own module, wired with `RealtimeModule` into the app.
 */
export function main(options: GatewayOptions): Rule {
  return (tree: Tree) => {
    const names = validateName('gateway', options.name);
    const dirs = serviceDirs(options.sourceRoot);
    const feature: Feature = {
      kind: 'gateway',
      dirs,
      folder: names.kebab,
      e2eSpec: `${names.kebab}.gateway.e2e-spec.ts`,
      spec: options.spec !== false,
    };
    assertFeatureFree(tree, feature);
    const changes: [string, string][] = [];
    if (options.skipImport !== true)
      changes.push([dirs.appModule, wiredAppModule(tree, dirs, names)]);
    // The gateway imports @nestjs/websockets itself (a peer of @kit/realtime).
    const packageJson = withKitDependency(tree, dirs, 'realtime', ['@nestjs/websockets']);
    if (packageJson !== undefined) changes.push([packageJson.file, packageJson.text]);
    return writeFeature(feature, { name: names.kebab, names }, changes);
  };
}

/**
 * The app module with `RealtimeModule.forRoot()` and the gateway's module, computed before
 * anything is written.
 */
function wiredAppModule(tree: Tree, dirs: ServiceDirs, names: Names): string {
  const source = readText(
    tree,
    dirs.appModule,
    'pass --source-root, or --skip-import and wire the gateway yourself',
  );
  if (/\bRealtimeModule\b/.test(source)) {
    throw new SchematicsException(
      `${dirs.appModule} already wires RealtimeModule, whose gateways serve /ws/:room already. ` +
        `Give the events of ${names.pascal}Gateway to that gateway, or pass --skip-import, give ` +
        `${names.pascal}Gateway another path in @RoomGateway() and wire ${names.pascal}Module ` +
        `yourself. Nothing was written.`,
    );
  }
  const config = configFields(tree, dirs, source);
  const options = [
    'isGlobal: true',
    ...(config.has('corsOrigins') ? ['allowedOrigins: config.corsOrigins'] : []),
  ];
  const entry = `RealtimeModule.forRoot({\n${options.map((o) => `  ${o},`).join('\n')}\n})`;
  const withRealtime = addToModuleImports(source, dirs.appModule, entry, [
    { symbol: 'RealtimeModule', from: '@kit/realtime' },
  ]);
  return addToModuleImports(withRealtime, dirs.appModule, `${names.pascal}Module`, [
    { symbol: `${names.pascal}Module`, from: `./${names.kebab}/${names.kebab}.module` },
  ]);
}

/** Fields of the service's `AppConfig` the app module can pass on (`config.<field>`). */
function configFields(tree: Tree, dirs: ServiceDirs, appModule: string): ReadonlySet<string> {
  const file = tree.read(`${dirs.sourceRoot}/config/app.config.ts`);
  if (!file || !/\bconfig: AppConfig\b/.test(appModule)) return new Set();
  return new Set(
    [...file.toString('utf8').matchAll(/^\s+readonly (\w+)[?]?:/gm)].map((m) => m[1] as string),
  );
}
