/**
 * The folder layout is the architecture: low-level modules never import high-level ones. This
 * reads every import in lib/ and adapters/ (type-only imports too: they couple the layers just
 * the same) and fails when a module imports one of a layer listed after its own.
 *
 * A new folder has to be given its place here; a new file directly in lib/ is an entry (it may
 * import anything, nothing below imports it) unless it is listed as a leaf like lib/routes.ts.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, posix, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Lowest first. A module may import its own layer and the layers above it in this list. */
export const LAYERS: ReadonlyArray<{ name: string; paths: readonly string[] }> = [
  // The error base, the configuration error, the option-schema machinery and the bounded
  // cache: the stores use them too.
  {
    name: 'foundations',
    paths: [
      'lib/errors/kit-error.ts',
      'lib/errors/configuration-error.ts',
      'lib/config/schema.ts',
      'lib/config/checks.ts',
      'lib/cache/',
    ],
  },
  // The store contract and the stores: the host passes its clients in.
  { name: 'stores', paths: ['adapters/'] },
  { name: 'logging', paths: ['lib/logging/'] },
  // View lookup (host's views first) and the headers of every kit page.
  { name: 'rendering', paths: ['lib/rendering/'] },
  { name: 'routes', paths: ['lib/routes.ts'] },
  { name: 'oidc', paths: ['lib/oidc/'] },
  { name: 'accounts', paths: ['lib/accounts/'] },
  // Error classes and their one HTML and one JSON rendering.
  { name: 'errors', paths: ['lib/errors/'] },
  // Reading and guarding a request: client IP, HTTPS, Host, the token endpoint's body.
  { name: 'requests', paths: ['lib/requests/'] },
  // Security events and abuse monitoring.
  { name: 'events', paths: ['lib/events/'] },
  { name: 'rate-limits', paths: ['lib/rate-limits/'] },
  { name: 'keys', paths: ['lib/keys/'] },
  // Every option, its default and its validation; the development secrets file.
  { name: 'config', paths: ['lib/config/'] },
  { name: 'scopes', paths: ['lib/scopes/'] },
  { name: 'grants', paths: ['lib/grants/'] },
  { name: 'clients', paths: ['lib/clients/'] },
  { name: 'resource-server', paths: ['lib/resource-server/'] },
  { name: 'tokens', paths: ['lib/tokens/'] },
  { name: 'registry', paths: ['lib/registry/'] },
  { name: 'interactions', paths: ['lib/interactions/'] },
  { name: 'pages', paths: ['lib/pages/'] },
  // Assembly: what builds the provider and the routers from the options, and the entry files.
  { name: 'entries', paths: ['lib/*.ts', 'lib/keys/cli.ts'] },
];

/** The layer of a file: the most specific matching path (a file before its folder). */
export function layerOf(file: string): number | undefined {
  let best: { index: number; weight: number } | undefined;
  LAYERS.forEach(({ paths }, index) => {
    for (const path of paths) {
      const weight = path.endsWith('/*.ts')
        ? posix.dirname(file) === path.slice(0, -'/*.ts'.length) && file.endsWith('.ts')
          ? 1
          : 0
        : path.endsWith('/')
          ? file.startsWith(path)
            ? 2
            : 0
          : file === path
            ? 3
            : 0;
      if (weight > (best?.weight ?? 0)) best = { index, weight };
    }
  });
  return best?.index;
}

/** Relative imports of a module's source, as repository paths of .ts files. */
export function importsOf(file: string, source: string): string[] {
  return ts
    .preProcessFile(source, true, true)
    .importedFiles.map((ref) => ref.fileName)
    .filter((name) => name.startsWith('.'))
    .map((name) => posix.join(posix.dirname(file), name).replace(/\.js$/, '.ts'));
}

/** Every import that points up, as "importer → imported (layer → layer)". */
export function upwardImports(files: ReadonlyMap<string, string>): string[] {
  const found: string[] = [];
  for (const [file, source] of files) {
    const own = layerOf(file);
    if (own === undefined) {
      found.push(`${file} belongs to no layer: give its folder a place in LAYERS`);
      continue;
    }
    for (const target of importsOf(file, source)) {
      const theirs = layerOf(target);
      if (theirs !== undefined && theirs > own) {
        found.push(`${file} → ${target} (${LAYERS[own]!.name} → ${LAYERS[theirs]!.name})`);
      }
    }
  }
  return found;
}

function sources(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
    const path = relative(ROOT, join(entry.parentPath, entry.name)).split('\\').join('/');
    out.set(path, readFileSync(join(ROOT, path), 'utf8'));
  }
  return out;
}

describe('layers that only point down', () => {
  test('no module of lib/ or adapters/ imports a module of a higher layer', () => {
    const files = new Map([...sources('lib'), ...sources('adapters')]);
    expect(files.size).toBeGreaterThan(50);
    expect(upwardImports(files)).toEqual([]);
  });

  test('an upward import is found, type-only and re-exports included', () => {
    const files = new Map([
      // What issue 16 found: the registry reached up into the provider, rate limits into it too.
      ['lib/registry/registry.ts', "import { toClientMetadata } from '../provider.js';"],
      ['lib/rate-limits/x.ts', "import type { ROUTES } from '../provider.js';"],
      ['adapters/memory.ts', "export { x } from '../lib/errors/request-error.js';"],
      ['lib/errors/page.ts', "type V = import('../interactions/router.js').X;"],
      // Downward and sideways imports are fine.
      ['lib/provider.ts', "import { ROUTES } from './routes.js';\nimport x from 'oidc-provider';"],
      ['lib/pages/a.ts', "import { b } from './b.js';"],
      ['lib/keys/cli.ts', "import { DEFAULT_TTL } from '../config/options.js';"],
      ['adapters/redis/options.ts', "import { option } from '../../lib/config/schema.js';"],
    ]);
    expect(upwardImports(files)).toEqual([
      'lib/registry/registry.ts → lib/provider.ts (registry → entries)',
      'lib/rate-limits/x.ts → lib/provider.ts (rate-limits → entries)',
      'adapters/memory.ts → lib/errors/request-error.ts (stores → errors)',
      'lib/errors/page.ts → lib/interactions/router.ts (errors → interactions)',
    ]);
  });

  test('a folder nobody placed fails the check', () => {
    expect(upwardImports(new Map([['lib/new-folder/thing.ts', '']]))).toEqual([
      'lib/new-folder/thing.ts belongs to no layer: give its folder a place in LAYERS',
    ]);
  });
});
