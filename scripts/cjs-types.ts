/**
 * After `tsc -p tsconfig.build.json`: the public declarations once more under dist/cjs/, in a
 * folder whose package.json says `"type": "commonjs"`. package.json's `exports` hands them to
 * TypeScript for `require` (its `types` condition), so a CommonJS TypeScript project under
 * `module: node16` sees a module it may `require` — which Node 20.19+ does with the ESM files
 * (require(esm)); the declarations describe the same named exports either way.
 *
 * Only the files the entry points reach are copied. Their imports of ESM-only packages (jose,
 * oauth4webapi) become type-only imports with `resolution-mode: import` (TypeScript 5.3+): a
 * CommonJS declaration file may not `import` an ES module otherwise.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const ROOT = join(import.meta.dirname, '..');
const DIST = join(ROOT, 'dist');
const CJS = join(DIST, 'cjs');
const ENTRIES = ['lib/index.d.ts', 'lib/testing.d.ts'];

function packageJson(
  name: string,
): { type?: string; types?: string; typings?: string; exports?: unknown } | undefined {
  const file = join(ROOT, 'node_modules', name, 'package.json');
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : undefined;
}

/** Whether the types TypeScript finds for `specifier` are an ES module. */
function esmTypes(specifier: string): boolean {
  if (specifier.startsWith('node:')) return false;
  const parts = specifier.split('/');
  const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
  const own = packageJson(name);
  const ownTypes = own && (own.types || own.typings || JSON.stringify(own.exports ?? '').includes('"types"'));
  const typed = ownTypes ? own : packageJson(`@types/${name.replace('@', '').replace('/', '__')}`);
  if (!typed) throw new Error(`cjs-types: no types found for '${specifier}'`);
  return typed.type === 'module';
}

const IMPORT = /^import (type )?(.+) from '([^'.][^']*)';$/;

function toCommonJs(source: string, file: string): string {
  return source
    .split('\n')
    .map((line) => {
      if (/import\(\s*['"][^.]/.test(line)) throw new Error(`cjs-types: import() type in ${file}: ${line}`);
      const match = IMPORT.exec(line);
      if (!match || !esmTypes(match[3]!)) return line;
      const clause = match[2]!.replace(/\btype /g, '');
      if (!/^(\{[^}]*\}|\* as \w+|\w+)$/.test(clause))
        throw new Error(`cjs-types: cannot rewrite ${file}: ${line}`);
      return `import type ${clause} from '${match[3]}' with { 'resolution-mode': 'import' };`;
    })
    .join('\n');
}

rmSync(CJS, { recursive: true, force: true });
const seen = new Set<string>();
function copy(file: string): void {
  if (seen.has(file)) return;
  seen.add(file);
  const source = readFileSync(file, 'utf8');
  for (const [, specifier] of source.matchAll(/(?:from |import\()'(\.[^']+)'/g)) {
    copy(resolve(dirname(file), specifier!.replace(/\.js$/, '.d.ts')));
  }
  const target = join(CJS, relative(DIST, file));
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, toCommonJs(source, relative(DIST, file)));
}
for (const entry of ENTRIES) copy(join(DIST, entry));
writeFileSync(join(CJS, 'package.json'), `${JSON.stringify({ type: 'commonjs' }, null, 2)}\n`);
