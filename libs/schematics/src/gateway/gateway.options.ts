import type { NestCliOptions } from '../utils/cli-options';

/** Options of the `gateway` schematic (see schema.json for the descriptions). */
export interface GatewayOptions extends NestCliOptions {
  name: string;
  /** The service's source root. @default 'src' */
  sourceRoot?: string;
  /** Do not wire the gateway into the app module. @default false */
  skipImport?: boolean;
  /** Generate the e2e test. @default true */
  spec?: boolean;
}
