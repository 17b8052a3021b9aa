/**
 * The kit's structured log. Hosts pass their own pino logger (or anything with the same three
 * methods); the default is pino on stdout. The kit only ever logs fields it chose (see
 * events.ts); the redaction list is a second line of defence for hosts that log requests.
 */
import { pino } from 'pino';

/** The part of pino's API the kit uses. */
export interface SecurityLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
  /** pino's: lets the kit skip building lines the logger would drop. */
  isLevelEnabled?(level: 'info' | 'warn' | 'error'): boolean;
}

export const REDACTED_PATHS = [
  'password',
  'client_secret',
  'access_token',
  'refresh_token',
  'id_token',
  'code',
  'code_verifier',
  'token',
  'authorization',
  'cookie',
  '*.password',
  '*.client_secret',
  '*.access_token',
  '*.refresh_token',
  '*.authorization',
  '*.cookie',
];

export function createDefaultLogger(): SecurityLogger {
  return pino({ name: 'oauth-kit', redact: { paths: REDACTED_PATHS, censor: '[redacted]' } });
}

export const silentLogger: SecurityLogger = {
  info() {},
  warn() {},
  error() {},
  isLevelEnabled: () => false,
};
