/**
 * What the Nest CLI passes to every schematic it runs (`nest g`), whether the schematic uses it
 * or not; each schematic's options extend this and document the members it does use.
 */
export interface NestCliOptions {
  path?: string;
  sourceRoot?: string;
  spec?: boolean;
  flat?: boolean;
  specFileSuffix?: string;
  language?: string;
  collection?: string;
  project?: string;
  skipImport?: boolean;
  format?: boolean;
  type?: string;
  crud?: boolean;
}
