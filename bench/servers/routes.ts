/**
 * The one API route every scenario 3 variant serves, so the variants differ only in how the
 * route is protected: the same JSON body the example app's `GET /v1/tasks` returns.
 */
import { createRequire } from 'node:module';
import type { ErrorRequestHandler, RequestHandler } from 'express';

const TASKS = [
  { id: 'task_1', title: 'Write the quarterly report', done: false },
  { id: 'task_2', title: 'Review pull requests', done: true },
];

export const tasksHandler: RequestHandler = (req, res) => {
  res.json({ data: TASKS, test_mode: req.auth?.testMode === true });
};

/** The same answer from express-oauth2-jwt-bearer's `req.auth` (`{ payload, header, token }`). */
const jwtBearerTasksHandler: RequestHandler = (req, res) => {
  const { auth } = req as unknown as { auth?: { payload?: { test_mode?: unknown } } };
  res.json({ data: TASKS, test_mode: auth?.payload?.test_mode === true });
};

/** What the bench uses of express-oauth2-jwt-bearer. */
interface JwtBearerModule {
  auth(options: { issuerBaseURL: string; audience: string; tokenSigningAlg: string }): RequestHandler;
  requiredScopes(scopes: string | string[]): RequestHandler;
}

/**
 * express-oauth2-jwt-bearer, loaded without its type declarations: they augment Express's
 * `Request.auth` with their own type, which clashes with the kit's augmentation in one program.
 */
export function loadJwtBearer(): JwtBearerModule {
  return createRequire(import.meta.url)('express-oauth2-jwt-bearer') as JwtBearerModule;
}

/** The route protected by express-oauth2-jwt-bearer, configured for the kit's tokens. */
export function jwtBearerRoute(issuer: string): RequestHandler[] {
  const { auth, requiredScopes } = loadJwtBearer();
  return [
    auth({ issuerBaseURL: issuer, audience: `${issuer}/api`, tokenSigningAlg: 'ES256' }),
    requiredScopes('tasks:read'),
    jwtBearerTasksHandler,
  ];
}

/** Answers express-oauth2-jwt-bearer's errors (they carry status and headers) without a stack trace. */
export const peerErrorHandler: ErrorRequestHandler = (err, _req, res, next) => {
  if (res.headersSent) return next(err);
  const error = err as { status?: number; headers?: Record<string, string> };
  res
    .status(error.status ?? 500)
    .set(error.headers ?? {})
    .end();
};
