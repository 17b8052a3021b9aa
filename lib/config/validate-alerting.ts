/** Validation of `onAlert` and `alertRules` (see options.ts and security/monitor.ts). */
import { ConfigurationError } from '../errors/configuration-error.js';
import { DEFAULT_ALERT_RULES, type AlertListener, type AlertRule } from '../security/monitor.js';

export function resolveAlerting(
  onAlert: unknown,
  rules: unknown,
): { onAlert: AlertListener | undefined; alertRules: readonly AlertRule[] } {
  if (onAlert !== undefined && typeof onAlert !== 'function') {
    throw new ConfigurationError('onAlert', 'must be a function (alert) => void.');
  }
  if (rules === undefined)
    return { onAlert: onAlert as AlertListener | undefined, alertRules: DEFAULT_ALERT_RULES };
  if (!Array.isArray(rules)) throw new ConfigurationError('alertRules', 'must be an array of rules.');
  const names = new Set<string>();
  rules.forEach((rule: Partial<AlertRule>, i) => {
    const at = `alertRules[${i}]`;
    if (typeof rule?.name !== 'string' || !/^[\w.-]{1,64}$/.test(rule.name) || names.has(rule.name)) {
      throw new ConfigurationError(
        `${at}.name`,
        'must be a unique name of letters, digits, _ . - (at most 64).',
      );
    }
    names.add(rule.name);
    if (typeof rule.event !== 'string')
      throw new ConfigurationError(`${at}.event`, 'must name a security event type.');
    if (rule.per !== undefined && !['client', 'source', 'all'].includes(rule.per)) {
      throw new ConfigurationError(`${at}.per`, "must be 'client', 'source' or 'all'.");
    }
    if (!Number.isInteger(rule.threshold) || rule.threshold! < 0) {
      throw new ConfigurationError(`${at}.threshold`, 'must be a whole number ≥ 0.');
    }
    if (!Number.isInteger(rule.windowSeconds) || rule.windowSeconds! < 1 || rule.windowSeconds! > 86_400) {
      throw new ConfigurationError(`${at}.windowSeconds`, 'must be a whole number of seconds, 1 to 86 400.');
    }
  });
  return { onAlert: onAlert as AlertListener | undefined, alertRules: rules as AlertRule[] };
}
