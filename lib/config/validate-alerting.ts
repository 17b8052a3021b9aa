/** Checks of `alertRules` (see config/defaults.ts and events/monitor.ts). */
import { ConfigurationError } from '../errors/configuration-error.js';
import type { AlertRule } from '../events/monitor.js';

export function parseAlertRules(rules: readonly AlertRule[], at: string): readonly AlertRule[] {
  // Kept before the check: Array.isArray narrows a readonly array to `any[]`.
  const checked = rules;
  if (!Array.isArray(rules)) throw new ConfigurationError(at, 'must be an array of rules.');
  const names = new Set<string>();
  rules.forEach((rule: Partial<AlertRule>, i) => {
    const where = `${at}[${i}]`;
    if (typeof rule?.name !== 'string' || !/^[\w.-]{1,64}$/.test(rule.name) || names.has(rule.name)) {
      throw new ConfigurationError(
        `${where}.name`,
        'must be a unique name of letters, digits, _ . - (at most 64).',
      );
    }
    names.add(rule.name);
    if (typeof rule.event !== 'string')
      throw new ConfigurationError(`${where}.event`, 'must name a security event type.');
    if (rule.per !== undefined && !['client', 'source', 'all'].includes(rule.per)) {
      throw new ConfigurationError(`${where}.per`, "must be 'client', 'source' or 'all'.");
    }
    if (!Number.isInteger(rule.threshold) || rule.threshold! < 0) {
      throw new ConfigurationError(`${where}.threshold`, 'must be a whole number ≥ 0.');
    }
    if (!Number.isInteger(rule.windowSeconds) || rule.windowSeconds! < 1 || rule.windowSeconds! > 86_400) {
      throw new ConfigurationError(
        `${where}.windowSeconds`,
        'must be a whole number of seconds, 1 to 86 400.',
      );
    }
  });
  return checked;
}
