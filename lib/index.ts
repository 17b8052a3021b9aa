/** oauth-kit's public API. Everything not exported here is internal. */
export { mountOAuth } from './mount.js';
export type { OAuthKit } from './mount.js';
export type { SelfRegisteredClient } from './clients/self-registered.js';
export { requireScope } from './resource-server/require-scope.js';
export type { RequireScope, ScopeGuard } from './resource-server/require-scope.js';
export { mountResourceServer } from './resource-server/standalone.js';
export type { ResourceServer, ResourceServerOptions } from './resource-server/standalone.js';
export type { IntrospectionSettings } from './resource-server/introspect.js';
export type { AuthInfo } from './resource-server/verify.js';
export { oauthErrorHandler } from './errors/error-handler.js';
export { KitError } from './errors/kit-error.js';
export type { KitErrorCode } from './errors/kit-error.js';
export {
  BearerError,
  InvalidRequestError,
  InvalidTokenError,
  InsufficientScopeError,
  UnauthorizedError,
  TokenStoreUnavailableError,
} from './errors/bearer-errors.js';
export type { BearerErrorCode } from './errors/bearer-errors.js';
export { ConfigurationError } from './errors/configuration-error.js';
export { RateLimitedError } from './errors/rate-limited-error.js';
export { parseSecrets, readSecretsFile, signingKeyFromPem } from './keys/load.js';
export { rotateSecrets } from './keys/rotate.js';
export type { RotationResult } from './keys/rotate.js';
export { DEFAULT_RATE_LIMITS } from './rate-limits/rate-limits.js';
export type {
  LockoutPolicy,
  RateLimit,
  RateLimitOptions,
  RateLimitSettings,
  RateLimitStore,
} from './rate-limits/rate-limits.js';
export type {
  GrantRevocationReason,
  SecurityEvent,
  SecurityEventDetails,
  SecurityEventListener,
  SecurityEventType,
} from './events/events.js';
export type { SecurityLogger } from './logging/logger.js';
export { DEFAULT_ALERT_RULES } from './events/monitor.js';
export type { Alert, AlertListener, AlertRule } from './events/monitor.js';
export type { LoginAttempt, LoginGuard } from './rate-limits/login-guard.js';
export { RegistryError } from './registry/errors.js';
export type { RegistryErrorCode } from './registry/errors.js';
export type { AppInput, AppRegistry, ClientType, RegisteredApp, ScopeRequest } from './registry/registry.js';
export { createMemoryStore } from '../adapters/memory.js';
export type { MemoryStoreOptions } from '../adapters/memory.js';
export { createRedisStore } from '../adapters/redis/index.js';
export type { RedisConnection, RedisStoreOptions } from '../adapters/redis/index.js';
export type { OAuthStore } from '../adapters/contract.js';
export { StoreUnavailableError } from '../adapters/contract.js';
export type {
  Account,
  AccountHooks,
  OAuthKitOptions,
  PagesOptions,
  RegistrationOptions,
  ResourceDefinition,
  ScopeDefinition,
  Secrets,
  SigningAlgorithm,
  StaticClient,
  ResourceServerSettings,
  TokenLocation,
} from './config/options.js';
