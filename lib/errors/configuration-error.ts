/** Thrown at start-up when an option is missing or wrong; the message says what to fix. */
export class ConfigurationError extends Error {
  readonly code = 'OAUTH_KIT_INVALID_CONFIGURATION';
  /** Dotted path of the offending option, e.g. `scopes[2].name`. */
  readonly option: string;
  constructor(option: string, problem: string, hint?: string) {
    super(`oauth-kit: invalid option \`${option}\`: ${problem}${hint ? ` ${hint}` : ''}`);
    this.name = 'ConfigurationError';
    this.option = option;
  }
}
