/**
 * Every code block in README.md, docs/ and bench/README.md is checked, so the examples cannot
 * drift from the code: TypeScript blocks are type-checked (strict, against the kit's own
 * sources under its package name), the README's mount example is run verbatim and must issue
 * tokens and answer 200 on its protected route, the documented key commands are run and must
 * write 0600 files, and every other shell line must name something that exists.
 *
 * Fragments may use two names without defining them: `app` (the host's Express app) and
 * `options` (its mountOAuth options), plus the few stand-ins for the host's own data that
 * PRELUDE declares.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stopProcess } from '../helpers/lifecycle.js';
import { freePort } from '../helpers/redis-server.js';

const run = promisify(execFile);
const ROOT = process.cwd();
const PACKAGE = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  name: string;
  scripts: Record<string, string>;
  bin: Record<string, string>;
};

interface Block {
  file: string;
  line: number;
  lang: string;
  code: string;
}

function blocksOf(file: string): Block[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const blocks: Block[] = [];
  for (const match of text.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)) {
    blocks.push({
      file,
      line: text.slice(0, match.index).split('\n').length,
      lang: match[1]!,
      code: match[2]!,
    });
  }
  return blocks;
}

const DOCS = [
  'README.md',
  'bench/README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];
const BLOCKS = DOCS.flatMap(blocksOf);
const where = (block: Block) => `${block.file}:${block.line}`;

/** What fragments may use without defining it (a script file: these are globals). */
const PRELUDE = `
declare const app: import('express').Express;
declare const options: import('${PACKAGE.name}').OAuthKitOptions;
declare const secrets: import('${PACKAGE.name}').Secrets;
declare const redis: import('ioredis').Redis;
declare const users: { byId(id: string): { admin?: boolean } | undefined };
interface TaskDb { tasksOf(userId: string): unknown[] }
declare const sandboxDb: TaskDb;
declare const liveDb: TaskDb;
`;

/** A directory inside the repository (git-ignored) so the blocks resolve its node_modules. */
function workDir(): string {
  mkdirSync(join(ROOT, 'artifacts'), { recursive: true });
  return mkdtempSync(join(ROOT, 'artifacts', 'doc-blocks-'));
}

/** A tsconfig that resolves the package's name to its TypeScript sources. */
function writeTsconfig(dir: string, files: string[]): string {
  const path = join(dir, 'tsconfig.json');
  writeFileSync(
    path,
    JSON.stringify({
      extends: join(ROOT, 'tsconfig.json'),
      compilerOptions: {
        noEmit: true,
        types: ['node'],
        paths: {
          [PACKAGE.name]: [join(ROOT, 'lib/index.ts')],
          [`${PACKAGE.name}/testing`]: [join(ROOT, 'lib/testing.ts')],
        },
      },
      files,
      include: [],
    }),
  );
  return path;
}

const mountExample = () => {
  const found = BLOCKS.filter(
    (b) => b.file === 'README.md' && b.lang === 'ts' && b.code.includes('mountOAuth('),
  );
  expect(found).toHaveLength(1);
  return found[0]!;
};

test('the documents have code blocks, each in a language this test checks', () => {
  expect(BLOCKS.length).toBeGreaterThan(10);
  for (const block of BLOCKS) {
    expect([where(block), ['ts', 'sh'].includes(block.lang)]).toEqual([where(block), true]);
  }
});

test('every TypeScript block type-checks against the kit', async () => {
  const dir = workDir();
  try {
    const files = ['prelude.d.ts'];
    writeFileSync(join(dir, 'prelude.d.ts'), PRELUDE);
    const names = new Map<string, Block>();
    BLOCKS.filter((b) => b.lang === 'ts').forEach((block, i) => {
      const name = `block-${i}.ts`;
      names.set(name, block);
      // Each block is its own module, so its names shadow the prelude's.
      writeFileSync(join(dir, name), `${block.code}\nexport {};\n`);
      files.push(name);
    });
    const tsconfig = writeTsconfig(dir, files);
    const result = await run(
      process.execPath,
      [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', tsconfig],
      {
        timeout: 120_000,
      },
    ).then(
      () => '',
      (error: { stdout?: string }) => error.stdout ?? String(error),
    );
    // Name the document and line instead of the temporary file.
    const report = result.replace(/\S*block-(\d+)\.ts\((\d+),\d+\)/g, (_m, i: string, line: string) => {
      const block = names.get(`block-${i}.ts`)!;
      return `${block.file}:${block.line + Number(line)}`;
    });
    expect(report).toBe('');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 150_000);

describe("the README's mount example, run verbatim", () => {
  let dir: string;
  let origin: string;
  let stop: () => Promise<void>;
  let output = '';

  beforeAll(async () => {
    dir = workDir();
    const block = mountExample();
    writeFileSync(join(dir, 'server.ts'), block.code);
    const tsconfig = writeTsconfig(dir, ['server.ts']);
    const port = await freePort();
    origin = `http://localhost:${port}`;
    const child = spawn(process.execPath, ['--import', 'tsx', join(dir, 'server.ts')], {
      cwd: dir, // development secrets land in the example's own directory
      env: {
        ...process.env,
        NODE_OPTIONS: '',
        NODE_ENV: 'development',
        PORT: String(port),
        TSX_TSCONFIG_PATH: tsconfig,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    stop = () => stopProcess(child);
    const deadline = Date.now() + 25_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the example exited (${child.exitCode}):\n${output}`);
      const ok = await fetch(`${origin}/.well-known/oauth-authorization-server`, {
        signal: AbortSignal.timeout(2000),
      }).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`the example did not start in 25 s:\n${output}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }, 30_000);
  afterAll(async () => {
    await stop?.();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const token = async (clientId: string, clientSecret: string) => {
    const response = await fetch(`${origin}/oauth/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}` },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'tasks:read' }),
    });
    expect(response.status).toBe(200);
    return ((await response.json()) as { access_token: string }).access_token;
  };
  const tasks = (accessToken: string) =>
    fetch(`${origin}/v1/tasks`, { headers: { authorization: `Bearer ${accessToken}` } });

  test("the README's curl commands: the client registered in code gets a token, the route answers 200", async () => {
    const curl = BLOCKS.find((b) => b.lang === 'sh' && b.code.includes('/oauth/token'))!;
    const [, clientId, clientSecret] = /-u (\S+?):(\S+)/.exec(curl.code)!;
    const response = await tasks(await token(clientId!, clientSecret!));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ data: [expect.objectContaining({ id: 't1' })] });
    expect((await tasks('not-a-token')).status).toBe(401);
  });

  test('a user signs in on /signin, registers an app through the pages, and the app gets a token', async () => {
    const code = mountExample().code;
    const email = /email: '([^']+)'/.exec(code)![1]!;
    const password = /password: '([^']+)'/.exec(code)![1]!;
    const signIn = await fetch(`${origin}/signin?return_to=/settings/developers/apps/new`, {
      method: 'POST',
      redirect: 'manual',
      body: new URLSearchParams({ email, password }),
    });
    expect(signIn.status).toBe(303);
    const cookie = signIn.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    const form = await fetch(`${origin}/settings/developers/apps/new`, { headers: { cookie } });
    expect(form.status).toBe(200);
    expect(await form.text()).toContain('name="redirect_uris"');
    const created = await fetch(`${origin}/oauth/api/apps`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({
        name: 'Reports',
        homepage_url: 'https://reports.example',
        redirect_uris: ['https://reports.example/callback'],
        client_type: 'confidential',
      }),
    });
    expect(created.status).toBe(201);
    const app = (await created.json()) as { client_id: string; client_secret: string };
    expect((await tasks(await token(app.client_id, app.client_secret))).status).toBe(200);
  });

  test('its development secrets are 0600, where the log says, in a directory git ignores', async () => {
    const secretsFile = /DEVELOPMENT[^\n]*? in (\S+?\.json)/.exec(output)?.[1];
    expect(secretsFile).toBe(join(dir, '.oauth-kit', 'dev-secrets.json'));
    expect(statSync(secretsFile!).mode & 0o777).toBe(0o600);
    // A host repository does not see them.
    await run('git', ['init', '-q'], { cwd: dir });
    const { stdout } = await run('git', ['status', '--porcelain', '--untracked-files=all'], { cwd: dir });
    expect(stdout).not.toContain('.oauth-kit');
    expect(stdout).toContain('server.ts');
  });
});

describe('shell blocks', () => {
  const lines = BLOCKS.filter((b) => b.lang === 'sh').flatMap((block) =>
    block.code
      .replace(/\\\n\s*/g, ' ')
      .split('\n')
      .map((line) => line.replace(/\s+#.*$/, '').trim())
      .filter((line) => line && !line.startsWith('#'))
      .map((line) => ({ block, line })),
  );

  test('every npm, npx, apt-get and curl line names a script, command or endpoint that exists', () => {
    for (const { block, line } of lines) {
      const command = line.replace(/^([A-Z_]+=\S+\s+)+/, ''); // leading VAR=value
      const [tool, sub, arg] = command.split(/\s+/);
      let known = false;
      if (tool === 'npm' && (sub === 'install' || sub === 'ci')) known = true;
      if (tool === 'npm' && (sub === 'start' || sub === 'test')) known = sub in PACKAGE.scripts;
      if (tool === 'npm' && sub === 'run') known = arg !== undefined && arg in PACKAGE.scripts;
      if (tool === 'npx') known = sub !== undefined && sub in PACKAGE.bin;
      if (tool === 'apt-get') known = sub === 'install';
      if (tool === 'curl') known = /\/oauth\/token|\/v1\//.test(command);
      expect([`${where(block)}: ${line}`, known]).toEqual([`${where(block)}: ${line}`, true]);
    }
  });

  test('the documented key commands run as written and write their files 0600', async () => {
    const keyLines = lines.filter(({ line }) => line.startsWith(`npx ${PACKAGE.name} keys`));
    expect(keyLines.length).toBeGreaterThanOrEqual(2);
    const dir = workDir();
    try {
      for (const { line } of keyLines) {
        const args = line.split(/\s+/).slice(2);
        await run(process.execPath, [join(ROOT, PACKAGE.bin[PACKAGE.name]!), ...args], {
          cwd: dir,
          env: { ...process.env, NODE_OPTIONS: '' },
          timeout: 60_000,
        });
        for (const file of readdirSync(dir))
          expect([file, statSync(join(dir, file)).mode & 0o777]).toEqual([file, 0o600]);
      }
      expect(readdirSync(dir).length).toBeGreaterThan(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
