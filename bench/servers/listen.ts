/** Shared by the bench servers: loopback only, a READY line for the runner, clean exit on SIGTERM. */
import { once } from 'node:events';
import { createServer, type RequestListener, type Server } from 'node:http';

let exitHooked = false;

export async function listen(handler: RequestListener, port: number, label = 'READY'): Promise<Server> {
  const server = createServer(handler);
  // autocannon keeps its connections open; Node's default 5 s keep-alive would otherwise race it.
  server.keepAliveTimeout = 65_000;
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  if (!exitHooked) {
    exitHooked = true;
    // An orderly exit lets `node --cpu-prof` write its profile.
    for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => process.exit(0));
  }
  process.stdout.write(`${label} ${port}\n`);
  return server;
}
