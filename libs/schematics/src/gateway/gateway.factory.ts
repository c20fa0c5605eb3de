import {
  apply,
  applyTemplates,
  chain,
  filter,
  mergeWith,
  move,
  noop,
  type Rule,
  SchematicsException,
  type Tree,
  url,
} from '@angular-devkit/schematics';
import { formatTouchedFiles } from '../utils/format';
import { addToModuleImports } from '../utils/module-imports';
import { type Names, validateName } from '../utils/names';
import {
  withKitDependency,
  assertGenerated,
  type ServiceDirs,
  serviceDirs,
} from '../utils/project-files';
import { assertAbsent, readText } from '../utils/tree-checks';
import type { GatewayOptions } from './gateway.options';

/** `gateway`: a room gateway (`RoomGateway`) with a room policy, wired into `RealtimeModule`. */
export function main(options: GatewayOptions): Rule {
  return (tree: Tree) => {
    const names = validateName('gateway', options.name);
    const dirs = serviceDirs(options.sourceRoot);
    const spec = options.spec !== false;
    const wire = options.skipImport !== true;
    assertAbsent(tree, `${dirs.sourceRoot}/${names.kebab}`, 'choose another name');
    if (spec) {
      assertAbsent(
        tree,
        `${dirs.testDir}/${names.kebab}.gateway.e2e-spec.ts`,
        'choose another name',
      );
      assertGenerated(
        tree,
        `${dirs.testDir}/support/app.ts`,
        'the test helpers startApp() and testAccount()',
        'Pass --no-spec to generate the gateway without its e2e test',
      );
    }
    const appModule = wire ? wiredAppModule(tree, dirs, names) : undefined;
    const packageJson = withKitDependency(tree, dirs, 'realtime');
    const templateOptions = { name: names.kebab, names };
    return chain([
      mergeWith(
        apply(url('./files/src'), [
          spec ? noop() : filter((path) => !path.endsWith('.spec.ts.template')),
          applyTemplates(templateOptions),
          move(dirs.sourceRoot),
        ]),
      ),
      spec
        ? mergeWith(
            apply(url('./files/test'), [applyTemplates(templateOptions), move(dirs.testDir)]),
          )
        : noop(),
      (host: Tree) => {
        if (appModule !== undefined) host.overwrite(dirs.appModule, appModule);
        if (packageJson !== undefined) host.overwrite(packageJson.file, packageJson.text);
        return host;
      },
      formatTouchedFiles(),
    ]);
  };
}

/** The app module with `RealtimeModule.forRoot({ gateway })`, computed before anything is written. */
function wiredAppModule(tree: Tree, dirs: ServiceDirs, names: Names): string {
  const source = readText(
    tree,
    dirs.appModule,
    'pass --source-root, or --skip-import and wire the gateway yourself',
  );
  if (/\bRealtimeModule\b/.test(source)) {
    throw new SchematicsException(
      `${dirs.appModule} already wires RealtimeModule: a service has one room gateway. Give its ` +
        `gateway the rooms of ${names.pascal}Gateway, or pass --skip-import and wire ` +
        `${names.pascal}Gateway yourself. Nothing was written.`,
    );
  }
  const config = configFields(tree, dirs, source);
  const options = [
    'isGlobal: true',
    `gateway: ${names.pascal}Gateway`,
    ...(config.has('corsOrigins') ? ['allowedOrigins: config.corsOrigins'] : []),
  ];
  const entry = `RealtimeModule.forRoot({\n${options.map((o) => `  ${o},`).join('\n')}\n})`;
  return addToModuleImports(source, dirs.appModule, entry, [
    { symbol: 'RealtimeModule', from: '@kit/realtime' },
    { symbol: `${names.pascal}Gateway`, from: `./${names.kebab}/${names.kebab}.gateway` },
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
