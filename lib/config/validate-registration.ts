/** The `registration` option on its own (config/defaults.ts REGISTRATION_OPTIONS). */
import { KIT_OPTIONS } from './defaults.js';
import type { RegistrationOptions, ResolvedRegistration } from './options.js';
import { resolveOption } from './schema.js';

export function resolveRegistration(options: RegistrationOptions | undefined): ResolvedRegistration {
  return resolveOption(KIT_OPTIONS.registration, options, 'registration', { issuer: '' });
}
