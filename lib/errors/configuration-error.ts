/**
 * Thrown at start-up when an option is missing or wrong; the message says what to fix. On the
 * kit's error base, not exposed: should one reach a request, the client sees a bare
 * `server_error` and the log has its name.
 */
import { KitError } from './kit-error.js';

export class ConfigurationError extends KitError {
  /** Stable, for code that tells configuration errors apart (like jose's `code`). */
  readonly code = 'OAUTH_KIT_INVALID_CONFIGURATION';
  /** Dotted path of the offending option, e.g. `scopes[2].name`. */
  readonly option: string;
  constructor(option: string, problem: string, hint?: string) {
    super(
      500,
      'server_error',
      `oauth-kit: invalid option \`${option}\`: ${problem}${hint ? ` ${hint}` : ''}`,
      {
        expose: false,
      },
    );
    this.name = 'ConfigurationError';
    this.option = option;
  }
}
