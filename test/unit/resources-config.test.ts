/** `resources` / `audience` options: defaults, and refusals that name the option. */
import { resolveResources } from '../../lib/config/validate-resources.js';
import { ConfigurationError } from '../../lib/errors/configuration-error.js';

const catalog = new Set(['tasks:read', 'tasks:write', 'projects:read']);
const issuer = 'https://example.com';

test('without either option there is one resource, <issuer>/api, accepting the whole catalog', () => {
  expect(resolveResources(undefined, undefined, issuer, catalog)).toEqual([
    { url: 'https://example.com/api', scopes: [...catalog] },
  ]);
});

test('audience is the one-resource shorthand', () => {
  expect(resolveResources('https://api.example.com/v1', undefined, issuer, catalog)).toEqual([
    { url: 'https://api.example.com/v1', scopes: [...catalog] },
  ]);
});

test('resources keep their order (the first is the default) and their scopes', () => {
  expect(
    resolveResources(
      undefined,
      [{ url: `${issuer}/api` }, { url: `${issuer}/mcp`, scopes: ['tasks:read'] }],
      issuer,
      catalog,
    ),
  ).toEqual([
    { url: `${issuer}/api`, scopes: [...catalog] },
    { url: `${issuer}/mcp`, scopes: ['tasks:read'] },
  ]);
});

test.each([
  ['both options', 'https://example.com/api', [{ url: 'https://example.com/mcp' }], 'audience'],
  ['an empty list', undefined, [], 'resources'],
  [
    'a scope outside the catalog',
    undefined,
    [{ url: `${issuer}/mcp`, scopes: ['admin:*'] }],
    'resources[0].scopes',
  ],
  ['a fragment', undefined, [{ url: `${issuer}/mcp#x` }], 'resources[0].url'],
  ['a query', undefined, [{ url: `${issuer}/mcp?x=1` }], 'resources[0].url'],
  ['a non-normal spelling', undefined, [{ url: 'HTTPS://Example.com/mcp' }], 'resources[0].url'],
  ['a duplicate', undefined, [{ url: `${issuer}/mcp` }, { url: `${issuer}/mcp` }], 'resources[1].url'],
  ['a non-URL', undefined, [{ url: 'mcp' }], 'resources[0].url'],
])('%s is refused, naming the option', (_name, audience, resources, option) => {
  let error: unknown;
  try {
    resolveResources(audience, resources, issuer, catalog);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(ConfigurationError);
  expect((error as ConfigurationError).option).toBe(option);
});
