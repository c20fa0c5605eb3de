import type { NestCliOptions } from '../utils/cli-options';

/** Options of the `resource` schematic (see schema.json for the descriptions). */
export interface ResourceOptions extends NestCliOptions {
  name: string;
  /** Role needed to create and delete; reading needs any account. @default 'admin' */
  role?: string;
  /** The service's source root. @default 'src' */
  sourceRoot?: string;
  /** Do not wire the module into the app module nor the table into the migrations. @default false */
  skipImport?: boolean;
  /** Generate the e2e test. @default true */
  spec?: boolean;
}
