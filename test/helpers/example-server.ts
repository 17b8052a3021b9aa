/** Starts the example app on a free loopback port, as a real HTTP server. */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { createExampleApp } from '../../example-app/app.js';
import type { OAuthKit, OAuthStore } from '../../lib/index.js';

export interface RunningExample {
  issuer: string;
  /** Where this instance listens (differs from `issuer` when instances share one). */
  url: string;
  port: number;
  kit: OAuthKit;
  server: Server;
  close(): Promise<void>;
}

export interface StartOptions {
  /** Where OAuth state lives (default: in-memory). The caller keeps owning its connection. */
  store?: OAuthStore;
  /** Instances that act as one server share the issuer and the secrets file. */
  issuer?: string;
  devSecretsFile?: string;
}

export async function startExampleApp(options: StartOptions = {}): Promise<RunningExample> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const { app, kit } = await createExampleApp({
    port,
    // Each test server gets its own throwaway development secrets.
    devSecretsFile:
      options.devSecretsFile ?? join(mkdtempSync(join(tmpdir(), 'oauth-kit-test-')), 'dev-secrets.json'),
    ...(options.issuer ? { issuer: options.issuer } : {}),
    ...(options.store ? { store: options.store } : {}),
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
