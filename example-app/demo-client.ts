/**
 * A demo third-party client living inside the example app, mirroring the documents' Node
 * example: Connect → authorize (random state, PKCE S256) → callback (state verified) →
 * dashboard calling the API with the token, refreshing it when it expires.
 * It talks to the authorization server over HTTP with oauth4webapi, like any real client, and
 * signs the user in with OpenID Connect (`openid profile`): the ID token says who they are,
 * userinfo gives their name, and the dashboard greets them by it.
 */
import express, { type Router } from 'express';
import * as oauth from 'oauth4webapi';
import type { Session, SessionData } from 'express-session';

declare module 'express-session' {
  interface SessionData {
    userId?: string;
    /** When userId signed in (epoch seconds): the ID token's auth_time. */
    signedInAt?: number;
    /** CSRF token of the product's sign-in form. */
    signinToken?: string;
    demo?: {
      state?: string;
      codeVerifier?: string;
      accessToken?: string;
      refreshToken?: string;
      expiresAt?: number;
      /** The user's name, from userinfo (OpenID Connect). */
      name?: string;
    };
  }
}

export interface DemoClientOptions {
  issuer: string;
  clientId: string;
  /** Test credential of the example app's demo client. */
  clientSecret: string;
  redirectUri: string;
  scope: string;
}

export function demoClientRouter(options: DemoClientOptions): Router {
  const issuer = new URL(options.issuer);
  const client: oauth.Client = { client_id: options.clientId };
  const clientAuth = oauth.ClientSecretBasic(options.clientSecret);
  // The example runs on http://localhost; a production client keeps oauth4webapi's HTTPS check.
  const http = { [oauth.allowInsecureRequests]: issuer.protocol === 'http:' };
  let metadata: oauth.AuthorizationServer | undefined;
  async function authorizationServer(): Promise<oauth.AuthorizationServer> {
    metadata ??= await oauth.processDiscoveryResponse(
      issuer,
      await oauth.discoveryRequest(issuer, { ...http, algorithm: 'oauth2' }),
    );
    return metadata;
  }

  type Demo = NonNullable<SessionData['demo']>;
  function save(session: Session & Partial<SessionData>, result: oauth.TokenEndpointResponse): Demo {
    session.demo = {
      accessToken: result.access_token,
      refreshToken: result.refresh_token ?? session.demo?.refreshToken,
      expiresAt: Date.now() + (result.expires_in ?? 0) * 1000,
      ...(session.demo?.name ? { name: session.demo.name } : {}),
    };
    return session.demo;
  }

  /** Who signed in: the ID token's subject, and their name from the userinfo endpoint. */
  async function greeting(result: oauth.TokenEndpointResponse): Promise<string | undefined> {
    const idToken = oauth.getValidatedIdTokenClaims(result);
    if (!idToken) return undefined;
    const as = await authorizationServer();
    const response = await oauth.userInfoRequest(as, client, result.access_token, http);
    const info = await oauth.processUserInfoResponse(as, client, idToken.sub, response);
    return typeof info.name === 'string' ? info.name : undefined;
  }

  const router = express.Router();

  router.get('/', (req, res) => {
    res.render('home', {
      connected: Boolean(req.session.demo?.accessToken),
      signedIn: Boolean(req.session.userId),
    });
  });

  router.get('/login', async (req, res) => {
    const as = await authorizationServer();
    const codeVerifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    req.session.demo = { state, codeVerifier };
    const url = new URL(as.authorization_endpoint!);
    url.search = new URLSearchParams({
      client_id: options.clientId,
      redirect_uri: options.redirectUri,
      response_type: 'code',
      scope: options.scope,
      state,
      code_challenge: await oauth.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
    }).toString();
    res.redirect(url.href);
  });

  router.get('/callback', async (req, res) => {
    const as = await authorizationServer();
    const pending = req.session.demo;
    if (!pending?.state || !pending.codeVerifier) {
      res
        .status(400)
        .render('demo-error', { message: 'No authorization in progress. Start again from the home page.' });
      return;
    }
    let params: URLSearchParams;
    try {
      params = oauth.validateAuthResponse(
        as,
        client,
        new URL(req.originalUrl, options.issuer),
        pending.state,
      );
    } catch (error) {
      req.session.demo = undefined;
      // The user said no: not an error, a choice. Say so, and offer the way back.
      if (error instanceof oauth.AuthorizationResponseError && error.error === 'access_denied') {
        res.render('declined');
        return;
      }
      const message =
        error instanceof oauth.AuthorizationResponseError
          ? `Authorization was not granted (${error.error}).`
          : 'The authorization response could not be verified.';
      req.session.demo = undefined;
      res.status(400).render('demo-error', { message });
      return;
    }
    const response = await oauth.authorizationCodeGrantRequest(
      as,
      client,
      clientAuth,
      params,
      options.redirectUri,
      pending.codeVerifier,
      http,
    );
    const result = await oauth.processAuthorizationCodeResponse(as, client, response, {
      requireIdToken: options.scope.split(' ').includes('openid'),
    });
    const name = await greeting(result);
    save(req.session, result).name = name;
    res.redirect('/dashboard');
  });

  router.get('/dashboard', async (req, res) => {
    let tokens = req.session.demo;
    if (!tokens?.accessToken) {
      res.redirect('/');
      return;
    }
    const as = await authorizationServer();
    const refresh = async () => {
      const response = await oauth.refreshTokenGrantRequest(
        as,
        client,
        clientAuth,
        tokens!.refreshToken!,
        http,
      );
      return save(req.session, await oauth.processRefreshTokenResponse(as, client, response));
    };
    try {
      if (tokens.refreshToken && (tokens.expiresAt ?? 0) <= Date.now() + 5_000) tokens = await refresh();
      let api = await fetch(new URL('/v1/tasks', options.issuer), {
        headers: { authorization: `Bearer ${tokens.accessToken}` },
      });
      if (api.status === 401 && tokens.refreshToken) {
        tokens = await refresh();
        api = await fetch(new URL('/v1/tasks', options.issuer), {
          headers: { authorization: `Bearer ${tokens.accessToken}` },
        });
      }
      if (!api.ok) throw new Error(`API answered ${api.status}`);
      const { data } = (await api.json()) as { data: Array<{ id: string; title: string; done: boolean }> };
      res.render('dashboard', { tasks: data, name: tokens.name });
    } catch {
      req.session.demo = undefined;
      res.status(401).render('demo-error', { message: 'Access was revoked or expired. Connect again.' });
    }
  });

  router.post('/disconnect', (req, res) => {
    req.session.demo = undefined;
    res.redirect('/');
  });

  return router;
}
