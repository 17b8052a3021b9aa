/**
 * An AI agent built on the official MCP TypeScript SDK: its `Client` and
 * `StreamableHTTPClientTransport` do every OAuth request (discovery, registration, PKCE, token,
 * refresh). This file only implements the SDK's `OAuthClientProvider` storage interface, and its
 * redirect step plays the user's browser through the kit's login and consent pages over HTTP.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { UnauthorizedError, type OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type {
  OAuthClientInformationMixed,
  OAuthClientMetadata,
  OAuthTokens,
} from '@modelcontextprotocol/sdk/shared/auth.js';
import { BrowserAgent } from './browser-agent.js';

export interface AgentStep {
  /** What the SDK did, as seen from the outside. */
  step: string;
  detail?: string;
}

/** The SDK's storage and redirect hooks, with the user's browser played by a BrowserAgent. */
export class BrowserDrivenProvider implements OAuthClientProvider {
  private client: OAuthClientInformationMixed | undefined;
  private stored: OAuthTokens | undefined;
  private verifier = '';
  /** The code the last redirect came back with. */
  code: string | undefined;
  /** HTML of the consent pages the user saw, in order. */
  readonly consentPages: string[] = [];
  readonly steps: AgentStep[] = [];

  constructor(
    private readonly browser: BrowserAgent,
    readonly redirectUrl: string,
    options: { clientId?: string } = {},
  ) {
    // A metadata-document client is known by its URL from the start (no registration).
    if (options.clientId) this.client = { client_id: options.clientId };
  }

  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: 'Test agent (MCP SDK)',
      redirect_uris: [this.redirectUrl],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
  }

  clientInformation() {
    return this.client;
  }
  saveClientInformation(info: OAuthClientInformationMixed) {
    // The SDK also stores what it already had once the server accepted it (issuer binding).
    if ('client_id_issued_at' in info) this.steps.push({ step: 'registered', detail: info.client_id });
    this.client = info;
  }
  tokens() {
    return this.stored;
  }
  saveTokens(tokens: OAuthTokens) {
    this.stored = tokens;
    this.steps.push({ step: 'saved tokens', detail: tokens.scope });
  }
  saveCodeVerifier(verifier: string) {
    this.verifier = verifier;
  }
  codeVerifier() {
    return this.verifier;
  }
  invalidateCredentials(scope: 'all' | 'client' | 'tokens' | 'verifier' | 'discovery') {
    if (scope === 'all' || scope === 'tokens') this.stored = undefined;
    if (scope === 'all' || scope === 'client') this.client = undefined;
    this.steps.push({ step: 'invalidated credentials', detail: scope });
  }

  /** The user's browser: authorization URL → login page → consent page → the callback. */
  async redirectToAuthorization(authorizationUrl: URL) {
    this.steps.push({ step: 'redirected to authorization', detail: authorizationUrl.search });
    let { response, url } = await this.browser.follow(authorizationUrl.href);
    for (let page = 0; page < 3 && new URL(url).pathname !== '/callback'; page += 1) {
      const html = await response.text();
      if (html.includes('name="password"')) {
        this.steps.push({ step: 'login page' });
        ({ response, url } = await this.browser.submit(url, html, {
          email: 'demo@example.com',
          password: 'demo-password',
        }));
      } else if (html.includes('name="decision"')) {
        this.steps.push({ step: 'consent page' });
        this.consentPages.push(html);
        ({ response, url } = await this.browser.submit(url, html, { decision: 'approve' }));
      } else {
        throw new Error(`unexpected page ${url} (${response.status}): ${html.slice(0, 300)}`);
      }
    }
    const callback = new URL(url);
    const code = callback.searchParams.get('code');
    if (!code) throw new Error(`no code in the callback: ${callback.search}`);
    this.code = code;
  }
}

export interface McpAgent {
  client: Client;
  transport: StreamableHTTPClientTransport;
  provider: BrowserDrivenProvider;
  /** Runs an MCP call; when the SDK stops for the user's authorization, completes it and retries. */
  withAuthorization<T>(call: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Connects an SDK client to `mcpUrl`, authorizing through the pages as the demo user. */
export async function connectAgent(
  issuer: string,
  mcpUrl: string,
  redirectUrl: string,
  options: { clientId?: string } = {},
): Promise<McpAgent> {
  const provider = new BrowserDrivenProvider(new BrowserAgent(issuer), redirectUrl, options);
  let transport = new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: provider });
  let client = new Client({ name: 'test-agent', version: '1.0.0' });

  async function withAuthorization<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (!(error instanceof UnauthorizedError) || !provider.code) throw error;
      const code = provider.code;
      provider.code = undefined;
      provider.steps.push({ step: 'finishing authorization with the code' });
      await transport.finishAuth(code);
      return call();
    }
  }

  try {
    await client.connect(transport);
  } catch (error) {
    if (!(error instanceof UnauthorizedError) || !provider.code) throw error;
    // The SDK stopped for the user's authorization (the "redirect"): finish it and reconnect.
    const code = provider.code;
    provider.code = undefined;
    provider.steps.push({ step: 'finishing authorization with the code' });
    await transport.finishAuth(code);
    await transport.close().catch(() => {});
    transport = new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: provider });
    client = new Client({ name: 'test-agent', version: '1.0.0' });
    await client.connect(transport);
  }
  return {
    client,
    get transport() {
      return transport;
    },
    provider,
    withAuthorization,
    close: () => client.close(),
  };
}
