/**
 * The app registry's security events: created, disabled, secret rotated, deleted. Reported
 * around the registry rather than inside it, so the registry stays about apps; every caller
 * (developer pages, JSON API, host code using `kit.apps`) goes through this wrapper.
 */
import type { AppRegistry } from './registry.js';
import type { SecurityEvents } from '../events/events.js';

export function reportAppEvents(registry: AppRegistry, events: SecurityEvents): AppRegistry {
  return {
    ...registry,
    async create(owner, input) {
      const created = await registry.create(owner, input);
      events.emit('app.created', { clientId: created.app.clientId, ownerId: owner });
      return created;
    },
    async rotateSecret(owner, clientId, overlapSeconds) {
      const rotated = await registry.rotateSecret(owner, clientId, overlapSeconds);
      events.emit('app.secret_rotated', { clientId, ownerId: owner });
      return rotated;
    },
    async setEnabled(owner, clientId, enabled) {
      const app = await registry.setEnabled(owner, clientId, enabled);
      events.emit(enabled ? 'app.enabled' : 'app.disabled', { clientId, ownerId: owner });
      return app;
    },
    async delete(owner, clientId) {
      await registry.delete(owner, clientId);
      events.emit('app.deleted', { clientId, ownerId: owner });
    },
  };
}
