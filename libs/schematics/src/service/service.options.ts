import type { NestCliOptions } from '../utils/cli-options';

/** Options of the `service` schematic (see schema.json for the descriptions). */
export interface ServiceOptions extends NestCliOptions {
  name: string;
  /** `app`: a project of this Nest monorepo; `standalone`: its own project. */
  type?: 'standalone' | 'app';
  /** Optional libs to wire in: `tasks`, `realtime` (comma-separated, or repeated). */
  libs?: string | readonly string[];
  /** Parent directory of the service. @default '.' (standalone) or 'apps' (app) */
  directory?: string;
  /** Directory holding the packed kit (`kit-<lib>-<version>.tgz`), copied into the service's `vendor/` and depended on there instead of versions. */
  packages?: string;
  /** The Nest CLI's positional path: used as `directory` when that is not given. */
  path?: string;
}
