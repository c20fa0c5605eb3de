/** Options of the `gateway` schematic (see schema.json for the descriptions). */
export interface GatewayOptions {
  name: string;
  /** The service's source root. @default 'src' */
  sourceRoot?: string;
  /** Do not wire the gateway into the app module. @default false */
  skipImport?: boolean;
  /** Generate the e2e test. @default true */
  spec?: boolean;
  /** Passed by the Nest CLI; not used by this schematic. */
  path?: string;
  flat?: boolean;
  specFileSuffix?: string;
  language?: string;
  collection?: string;
  project?: string;
  format?: boolean;
  type?: string;
  crud?: boolean;
}
