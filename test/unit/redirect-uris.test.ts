/** Which callback URLs a developer may register (registry rules, no server needed). */
import { parseRedirectUris, redirectUriProblem } from '../../lib/registry/redirect-uris.js';
import { RegistryError } from '../../lib/registry/errors.js';

describe('callback URL rules', () => {
  test.each([
    'https://app.example/callback',
    'https://app.example/callback?tenant=1',
    'https://app.example:8443/cb',
    'http://localhost:3000/callback',
    'http://127.0.0.1:8080/cb',
    'http://[::1]:8080/cb',
  ])('accepts %s', (uri) => {
    expect(redirectUriProblem(uri)).toBeUndefined();
  });

  test.each([
    ['http://app.example/callback', /https/],
    ['http://localhost.evil.example/cb', /https/],
    ['http://10.0.0.1/cb', /https/],
    ['https://app.example/callback#frag', /fragment/],
    ['https://app.example/callback#', /fragment/],
    ['javascript:alert(1)', /https/],
    ['com.example.app:/callback', /https/],
    ['/callback', /absolute/],
    ['https://user:pw@app.example/cb', /user name or password/],
    ['https://*.app.example/cb', /wildcard/],
    ['https://App.Example/cb', /canonical.*https:\/\/app\.example\/cb/],
    ['https://app.example', /canonical.*https:\/\/app\.example\//],
    [`https://app.example/${'a'.repeat(2000)}`, /longer/],
  ])('refuses %s', (uri, reason) => {
    expect(redirectUriProblem(uri)).toMatch(reason);
  });

  test('the form text is one URL per line; blank lines and duplicates are dropped', () => {
    expect(
      parseRedirectUris('https://a.example/cb\r\n\n  https://b.example/cb  \nhttps://a.example/cb\n'),
    ).toEqual(['https://a.example/cb', 'https://b.example/cb']);
  });

  test('at least one URL is required, and at most ten', () => {
    expect(() => parseRedirectUris('  \n')).toThrow(/at least one/);
    const eleven = Array.from({ length: 11 }, (_, i) => `https://a.example/${i}`);
    expect(() => parseRedirectUris(eleven)).toThrow(/at most 10/);
  });

  test('a bad URL is invalid_redirect_uri, named, for the redirect_uris field', () => {
    let error: unknown;
    try {
      parseRedirectUris(['https://ok.example/cb', 'http://bad.example/cb']);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RegistryError);
    const registryError = error as RegistryError;
    expect(registryError.code).toBe('invalid_redirect_uri');
    expect(registryError.status).toBe(400);
    expect(registryError.fields.redirect_uris).toContain('http://bad.example/cb');
  });

  test('non-strings in an API array are refused', () => {
    expect(() => parseRedirectUris([42])).toThrow(RegistryError);
  });
});
