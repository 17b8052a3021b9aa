/**
 * Entry: the API service of scenario 3 in its own process. Env: PORT, ISSUER (the kit's
 * issuer), PROTECT (`none` | `jwt-bearer` | `standalone`; standalone needs REDIS_URL, since a
 * memory store cannot be shared between processes).
 */
import { storeFromEnv } from '../lib/store.js';
import { buildResourceApi, type Protection } from './api-app.js';
import { listen } from './listen.js';

const protection = (process.env.PROTECT ?? 'none') as Protection;
const store = protection === 'standalone' ? storeFromEnv() : undefined;
if (protection === 'standalone' && !store) {
  throw new Error('standalone in its own process needs REDIS_URL (a memory store cannot be shared)');
}
const app = await buildResourceApi(protection, { issuer: process.env.ISSUER!, ...(store ? { store } : {}) });
await listen(app, Number(process.env.PORT));
