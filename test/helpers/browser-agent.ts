/**
 * Plays the user's browser over plain HTTP (cookies, redirects, form posts) so flow tests can
 * walk the real login and consent pages. The browser tests use a real Chromium instead.
 */
export class BrowserAgent {
  private readonly cookies = new Map<string, string>();
  constructor(private readonly origin: string) {}

  /** Values of the cookies the agent holds (session and interaction ids among them). */
  get cookieValues(): string[] {
    return [...this.cookies.values()];
  }

  /** The value of cookie `name`, if the agent holds it. */
  cookie(name: string): string | undefined {
    return this.cookies.get(name);
  }

  /** Sets a cookie as if the server had (e.g. to replay one in another agent). */
  setCookie(name: string, value: string): void {
    this.cookies.set(name, value);
  }

  private remember(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (/expires=Thu, 01 Jan 1970/i.test(line) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  async request(url: string, init: RequestInit = {}): Promise<Response> {
    const target = new URL(url, this.origin);
    const headers = new Headers(init.headers);
    if (target.origin === new URL(this.origin).origin && this.cookies.size) {
      headers.set('cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    }
    headers.set('accept', headers.get('accept') ?? 'text/html');
    const response = await fetch(target, { ...init, headers, redirect: 'manual' });
    this.remember(response);
    return response;
  }

  /** Follows redirects on this origin; returns the first response that is not one, or the
   *  redirect that leaves the origin (the client's callback). */
  async follow(url: string, init: RequestInit = {}): Promise<{ response: Response; url: string }> {
    let current = new URL(url, this.origin).href;
    let response = await this.request(current, init);
    for (let hops = 0; hops < 10 && response.status >= 300 && response.status < 400; hops += 1) {
      const next = new URL(response.headers.get('location')!, current).href;
      if (new URL(next).pathname === '/callback') return { response, url: next };
      current = next;
      response = await this.request(current);
    }
    return { response, url: current };
  }

  async submit(pageUrl: string, html: string, fields: Record<string, string>) {
    const action = /<form[^>]*method="post"[^>]*action="([^"]+)"/.exec(html)?.[1];
    if (!action) throw new Error(`no form on ${pageUrl}`);
    const csrf = /name="csrf_token" value="([^"]+)"/.exec(html)?.[1];
    const body = new URLSearchParams({ ...(csrf ? { csrf_token: csrf } : {}), ...fields });
    return this.follow(new URL(action.replace(/&amp;/g, '&'), pageUrl).href, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
  }
}
