/**
 * The package as users get it: `npm pack`, then the tarball installed into throw-away host
 * projects (ESM with Express 5 and with Express 4, CommonJS, and TypeScript under each module
 * resolution) that mount the kit and run a real token request and a protected call. Hosts
 * install from the npm registry (`--prefer-offline` reuses the npm cache).
 */
import { execFile } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = process.cwd();
const HOSTS = join(ROOT, 'test/package/hosts');
const NPM = ['--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'];
const env = { ...process.env, NODE_OPTIONS: '' };

let work: string;
let tarball: string;
/** The tarball's file paths, as `npm pack --json` lists them. */
let packed: string[];

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'oauth-kit-pack-'));
  // `npm pack` builds first (`prepack`: tsc -p tsconfig.build.json), so a build error fails here.
  const { stdout } = await run('npm', ['pack', '--json', '--silent', '--pack-destination', work], {
    cwd: ROOT,
    env,
    timeout: 240_000,
  });
  const [pack] = JSON.parse(stdout) as [{ filename: string; files: { path: string }[] }];
  tarball = join(work, pack.filename);
  packed = pack.files.map((f) => f.path);
}, 250_000);
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

test('the tarball holds the built entry points, their types, views and the CLI, and no tests or secrets', () => {
  expect(packed).toEqual(
    expect.arrayContaining([
      'package.json',
      'README.md',
      'dist/lib/index.js',
      'dist/lib/index.d.ts',
      'dist/lib/testing.js',
      'dist/lib/testing.d.ts',
      'dist/cjs/package.json',
      'dist/cjs/lib/index.d.ts',
      'dist/cjs/lib/testing.d.ts',
      'bin/express-oauth-kit.js',
      'views/consent.ejs',
      'views/static/kit.css',
      'LICENSE',
    ]),
  );
  // Only what `files` names; nothing from test/, bench/, the example app or the TypeScript sources.
  expect(
    packed.filter(
      (path) => !/^(dist\/(lib|adapters|cjs)\/|views\/|bin\/|README\.md$|LICENSE$|package\.json$)/.test(path),
    ),
  ).toEqual([]);
  expect(
    packed.filter((path) => /(^|\/)test\/|\.test\.|\.oauth-kit|secret.*\.json$|\.pem$|\.env/.test(path)),
  ).toEqual([]);
  // Every module the package's entry points name is in the tarball.
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    main: string;
    types: string;
    bin: Record<string, string>;
  };
  for (const file of [pkg.main, pkg.types, ...Object.values(pkg.bin)]) {
    expect(packed).toContain(file.replace(/^\.\//, ''));
  }
});

async function host(name: string, type: 'module' | 'commonjs', packages: string[]): Promise<string> {
  const dir = join(work, name);
  mkdirSync(dir);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, private: true, type }));
  await run('npm', ['install', ...NPM, tarball, ...packages], { cwd: dir, env, timeout: 240_000 });
  return dir;
}

async function serve(dir: string, file: string) {
  copyFileSync(join(HOSTS, file), join(dir, file));
  const { stdout } = await run(process.execPath, [file], { cwd: dir, env, timeout: 60_000 });
  return JSON.parse(stdout.trim().split('\n').pop()!) as { token: number; api: number; express: string };
}

test('an ESM host on Express 5 gets a token and calls a protected route', async () => {
  const dir = await host('esm-express5', 'module', ['express@5', 'express-session']);
  expect(await serve(dir, 'host-app.mjs')).toEqual({
    token: 200,
    api: 200,
    express: expect.stringMatching(/^5\./),
  });
}, 300_000);

test('an ESM host on Express 4.21 uses its own Express and gets a token', async () => {
  const dir = await host('esm-express4', 'module', ['express@4.21', 'express-session']);
  expect(await serve(dir, 'host-app.mjs')).toEqual({
    token: 200,
    api: 200,
    express: expect.stringMatching(/^4\./),
  });
  // No second Express beside the host's: the kit resolves the host's copy.
  const { stdout } = await run('npm', ['ls', 'express', '--all', '--parseable'], { cwd: dir, env });
  expect(stdout.trim().split('\n')).toEqual([join(dir, 'node_modules/express')]);
}, 300_000);

test('a CommonJS host requires the package and gets a token', async () => {
  const dir = await host('cjs', 'commonjs', ['express@5', 'express-session']);
  expect(await serve(dir, 'host-app.cjs')).toEqual({
    token: 200,
    api: 200,
    express: expect.stringMatching(/^5\./),
  });
}, 300_000);

/**
 * TypeScript hosts, one per module resolution, compiled the strict way (`strict`,
 * `skipLibCheck: false`: every declaration file they load is checked, the kit's included) with
 * neither ioredis nor oidc-provider's type package installed: the kit's published types must
 * stand on their own. Each compiled host then runs its token request.
 */
describe('TypeScript hosts compile against the published types and get a token', () => {
  const FLAVOURS = [
    // [folder, package type, module, moduleResolution]
    ['nodenext-esm', 'module', 'nodenext', 'nodenext'],
    ['nodenext-cjs', 'commonjs', 'nodenext', 'nodenext'],
    ['node16-cjs', 'commonjs', 'node16', 'node16'],
    ['bundler', 'module', 'esnext', 'bundler'],
    // node10 ignores `exports`: `express-oauth-kit/testing` resolves through `typesVersions`.
    ['node10-cjs', 'commonjs', 'commonjs', 'node10'],
  ] as const;
  let dir: string;
  const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
  /** The versions the kit itself is tested with (already in the npm cache). */
  const version = (name: string) =>
    (
      JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as {
        version: string;
      }
    ).version;

  beforeAll(async () => {
    dir = join(work, 'typescript');
    mkdirSync(dir);
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'ts-hosts', private: true }));
    const packages = [
      'express',
      'express-session',
      '@types/express',
      '@types/express-session',
      '@types/node',
    ];
    await run('npm', ['install', ...NPM, tarball, ...packages.map((name) => `${name}@${version(name)}`)], {
      cwd: dir,
      env,
      timeout: 240_000,
    });
    for (const [folder, type, module, moduleResolution] of FLAVOURS) {
      mkdirSync(join(dir, folder));
      writeFileSync(join(dir, folder, 'package.json'), JSON.stringify({ type }));
      const compilerOptions = {
        module,
        moduleResolution,
        target: 'es2022',
        lib: ['es2022'],
        types: ['node'],
        strict: true,
        skipLibCheck: false,
        esModuleInterop: true,
        outDir: 'out',
      };
      writeFileSync(
        join(dir, folder, 'tsconfig.json'),
        JSON.stringify({ compilerOptions, files: ['host-app.ts'] }),
      );
      copyFileSync(join(HOSTS, 'host-app.ts'), join(dir, folder, 'host-app.ts'));
    }
  }, 250_000);

  test("neither ioredis nor oidc-provider's types are installed in the hosts", () => {
    const installed = (name: string) => existsSync(join(dir, 'node_modules', name, 'package.json'));
    expect(['ioredis', '@types/oidc-provider', '@types/koa'].filter(installed)).toEqual([]);
  });

  test.each(FLAVOURS)(
    '%s ("type": "%s", module %s, moduleResolution %s): tsc compiles the host and it gets a token',
    async (folder) => {
      const compiled = await run(process.execPath, [tsc, '-p', join(folder, 'tsconfig.json')], {
        cwd: dir,
        env,
        timeout: 120_000,
      }).catch((error: { stdout?: string }) => ({ stdout: `tsc failed:\n${error.stdout ?? String(error)}` }));
      expect(compiled.stdout).toBe('');
      const { stdout } = await run(process.execPath, ['out/host-app.js'], {
        cwd: join(dir, folder),
        env,
        timeout: 60_000,
      });
      expect(JSON.parse(stdout.trim().split('\n').pop()!)).toEqual({ token: 200, api: 200, minted: true });
    },
    180_000,
  );
});
