/** Starts the example app on a free loopback port, as a real HTTP server. */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { createExampleApp, type ExampleAppOptions } from '../../example-app/app.js';
import type { OAuthKit } from '../../lib/index.js';

export interface RunningExample {
  issuer: string;
  /** Where this instance listens (differs from `issuer` when instances share one). */
  url: string;
  port: number;
  kit: OAuthKit;
  server: Server;
  close(): Promise<void>;
}

/**
 * Options go to createExampleApp. A `store` stays owned by the caller; instances that act as
 * one server share `issuer` and `devSecretsFile`.
 */
export async function startExampleApp(options: Partial<ExampleAppOptions> = {}): Promise<RunningExample> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const { app, kit } = await createExampleApp({
    ...options,
    port,
    // Each test server gets its own throwaway development secrets unless told to share.
    devSecretsFile:
      options.devSecretsFile ?? join(mkdtempSync(join(tmpdir(), 'oauth-kit-test-')), 'dev-secrets.json'),
  });
  server.on('request', app);
  return {
    issuer: options.issuer ?? `http://localhost:${port}`,
    url: `http://localhost:${port}`,
    port,
    kit,
    server,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await kit.close();
    },
  };
}
