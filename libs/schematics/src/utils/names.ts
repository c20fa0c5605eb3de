import { strings } from '@angular-devkit/core';
import { SchematicsException } from '@angular-devkit/schematics';

/** Longest name: it ends up in class, file and route names, which must stay readable. */
export const MAX_NAME_LENGTH = 32;

const KEBAB = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/** The spellings of one validated name. */
export interface Names {
  /** `order-events`: directories, files, routes, package names. */
  readonly kebab: string;
  /** `OrderEvents`: classes. */
  readonly pascal: string;
  /** `orderEvents`: properties. */
  readonly camel: string;
  /** `ORDER_EVENTS`: error codes. */
  readonly upper: string;
  /** `order events`: prose. */
  readonly words: string;
}

/**
 * Checks a name and returns its spellings; a bad one fails before anything is written, with a
 * message saying what to type instead.
 */
export function validateName(kind: string, name: unknown): Names {
  if (typeof name !== 'string' || name.trim() === '') {
    throw new SchematicsException(
      `A ${kind} name is required: pass it as the first argument, e.g. "nest g -c @kit/schematics ${kind} billing". Nothing was written.`,
    );
  }
  if (!KEBAB.test(name) || name.length > MAX_NAME_LENGTH) {
    const suggestion = strings
      .dasherize(name.replace(/[^A-Za-z0-9-]+/g, '-'))
      .replace(/^-+|-+$/g, '');
    throw new SchematicsException(
      `Invalid ${kind} name "${name}": use kebab-case (lowercase letters and digits, words joined ` +
        `by "-", starting with a letter), at most ${MAX_NAME_LENGTH} characters, e.g. ` +
        `"${KEBAB.test(suggestion) && suggestion.length <= MAX_NAME_LENGTH ? suggestion : 'order-events'}". ` +
        `It becomes the directory, file and class names. Nothing was written.`,
    );
  }
  return {
    kebab: name,
    pascal: strings.classify(name),
    camel: strings.camelize(name),
    upper: strings.underscore(name).toUpperCase(),
    words: name.replace(/-/g, ' '),
  };
}

/** `orders` → `order`, `categories` → `category`, `addresses` → `address`; good enough for names. */
export function singular(kebab: string): string {
  if (kebab.endsWith('ies')) return kebab.slice(0, -3) + 'y';
  if (/(ss|x|ch|sh)es$/.test(kebab)) return kebab.slice(0, -2);
  if (kebab.endsWith('s') && !kebab.endsWith('ss')) return kebab.slice(0, -1);
  return kebab;
}
