/**
 * The small checks option tables are built from: each takes what the host passed (any type at
 * run time) and the option's path, and returns the value or throws a ConfigurationError.
 */
import { ConfigurationError } from '../errors/configuration-error.js';

export function isBoolean(value: boolean, at: string): boolean {
  if (typeof value !== 'boolean') throw new ConfigurationError(at, 'must be true or false.');
  return value;
}

export function isText(value: string, at: string): string {
  if (typeof value !== 'string' || value === '')
    throw new ConfigurationError(at, 'must be a non-empty string.');
  return value;
}

/** A function; `shape` says how it is called, e.g. `(event) => void`. */
export function isFunction<F>(shape: string) {
  return (value: F, at: string): F => {
    if (typeof value !== 'function') throw new ConfigurationError(at, `must be a function ${shape}.`);
    return value;
  };
}

/** One of `choices`; `message` replaces the default wording. */
export function oneOf<T extends string>(choices: readonly T[], message?: string) {
  return (value: T, at: string): T => {
    if (!choices.includes(value)) {
      throw new ConfigurationError(at, message ?? `must be one of ${choices.join(', ')}.`);
    }
    return value;
  };
}

/** A number from `min` to `max` (a whole number when `integer`), else `message`. */
export function numberIn(min: number, max: number, message: string, integer = false) {
  return (value: number, at: string): number => {
    const ok = integer ? Number.isInteger(value) : Number.isFinite(value);
    if (!ok || value < min || value > max) throw new ConfigurationError(at, message);
    return value;
  };
}

/** A positive whole number; `unit` ends the message (" of seconds"). */
export function positiveInteger(unit = '') {
  return numberIn(1, Number.MAX_SAFE_INTEGER, `must be a positive whole number${unit}.`, true);
}

/** An absolute http(s) URL. */
export function httpUrl(value: unknown, at: string): URL {
  if (typeof value !== 'string') throw new ConfigurationError(at, 'must be a URL string.');
  const url = URL.parse(value);
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    throw new ConfigurationError(at, `"${value}" is not an http(s) URL.`);
  }
  return url;
}
