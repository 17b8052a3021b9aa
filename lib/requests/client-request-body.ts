/**
 * The body of a request to the token, revocation or introspection endpoint, read once by the
 * kit and handed to oidc-provider as the form body it parses itself.
 *
 * Why: oidc-provider accepts only `application/x-www-form-urlencoded` there, while the
 * documents we implement send the PKCE code exchange as JSON. A JSON body gets exactly the
 * form rules: an object whose values are strings (`resource`, which a form may repeat, may be
 * an array of strings), each name once — counting the URL's query too, for both body types.
 * Anything else is `invalid_request` before oidc-provider, or any state, is touched.
 *
 * The extension point is oidc-provider's public request handler, `provider.callback()`: it is
 * given a request whose stream carries the form (machine-endpoints.ts); nothing inside
 * oidc-provider is changed.
 */
import { IncomingMessage } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import { KitRequestError } from '../errors/request-error.js';

/** oidc-provider's own bound on these bodies (selective_body.js). */
export const MAX_BODY_BYTES = 56 * 1024;

/** Parameters a form may repeat at these endpoints (RFC 8707 resource indicators). */
const REPEATABLE = new Set(['resource']);

export type ClientRequestParams = Record<string, string | string[]>;

export interface ClientRequestBody {
  params: ClientRequestParams;
  /** The form to hand oidc-provider: the client's own bytes when it sent a form. */
  form: string | Buffer;
}

function invalidRequest(description: string): KitRequestError {
  return new KitRequestError(400, 'invalid_request', description, false);
}

/** The media type of a Content-Type header, lower-cased, without parameters. */
export function mediaType(req: IncomingMessage): string {
  const header = req.headers['content-type'];
  if (!header) return '';
  const semicolon = header.indexOf(';');
  return (semicolon === -1 ? header : header.slice(0, semicolon)).trim().toLowerCase();
}

export function isJson(req: IncomingMessage): boolean {
  const type = mediaType(req);
  return type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'));
}

async function readRaw(req: IncomingMessage): Promise<Buffer> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > MAX_BODY_BYTES) {
    throw invalidRequest('The request body is too large.');
  }
  const chunks: Buffer[] = [];
  let received = 0;
  for await (const chunk of req.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
    received += chunk.length;
    if (received > MAX_BODY_BYTES) throw invalidRequest('The request body is too large.');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, received);
}

/** A host parser (the default path runs the host's stack) may have read the body already. */
function parsedByHost(req: IncomingMessage): unknown {
  return !req.readable && 'body' in req ? req.body : undefined;
}

function checkValues(params: Record<string, unknown>): ClientRequestParams {
  const checked: ClientRequestParams = {};
  for (const [name, value] of Object.entries(params)) {
    if (typeof value === 'string') {
      checked[name] = value;
    } else if (
      REPEATABLE.has(name) &&
      Array.isArray(value) &&
      value.length > 0 &&
      value.every((v) => typeof v === 'string')
    ) {
      checked[name] = value;
    } else if (Array.isArray(value) && value.every((v) => typeof v === 'string')) {
      throw invalidRequest(`'${name}' parameter must not be provided twice`);
    } else {
      throw invalidRequest(`'${name}' parameter must be a string`);
    }
  }
  return checked;
}

function fromJson(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalidRequest('The request body is not valid JSON.');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidRequest('The request body must be a JSON object of parameters.');
  }
  return value as Record<string, unknown>;
}

function toForm(params: ClientRequestParams): string {
  const form = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    for (const item of Array.isArray(value) ? value : [value]) form.append(name, item);
  }
  return form.toString();
}

/** A name in both the URL's query and the body is refused, as a repeated form field is. */
function refuseQueryDuplicates(req: IncomingMessage, params: ClientRequestParams): void {
  const url = req.url ?? '';
  const question = url.indexOf('?');
  if (question === -1) return;
  const query = new URLSearchParams(url.slice(question + 1));
  const twice = [...new Set(query.keys())].filter((name) => Object.hasOwn(params, name));
  if (twice.length) {
    throw invalidRequest(
      `${twice.map((n) => `'${n}'`).join(', ')} parameter${twice.length === 1 ? '' : 's'} must not be provided twice`,
    );
  }
}

/**
 * Reads and checks the body. JSON becomes a form; a form is kept byte for byte (oidc-provider
 * then applies its own rules to it, repeated fields included).
 */
export async function readClientRequestBody(req: IncomingMessage): Promise<ClientRequestBody> {
  const json = isJson(req);
  const preParsed = parsedByHost(req);
  let params: ClientRequestParams;
  let form: string | Buffer;
  if (preParsed !== undefined && typeof preParsed === 'object' && preParsed !== null) {
    params = checkValues(preParsed as Record<string, unknown>);
    form = toForm(params);
  } else {
    const raw = typeof preParsed === 'string' ? Buffer.from(preParsed) : await readRaw(req);
    if (json) {
      params = checkValues(fromJson(raw.toString('utf8')));
      form = toForm(params);
    } else {
      params = parseQuery(raw.toString('utf8')) as ClientRequestParams;
      form = raw;
    }
  }
  refuseQueryDuplicates(req, params);
  return { params, form };
}

/** `application/x-www-form-urlencoded`, alone or with `charset=utf-8`: what oidc-provider reads as the kit would. */
const PLAIN_FORM = /^application\/x-www-form-urlencoded\s*(?:;\s*charset="?utf-8"?\s*)?$/i;

/**
 * The parameters of a form body that has fully arrived, read without taking it from `req`: the
 * bytes are put back with `readable.unshift` (Node's documented way to un-consume data), so
 * oidc-provider reads the client's own request as if nobody had looked. Profiled on the token
 * endpoint: reading the body into a copy of the request cost more than everything else the kit
 * adds there.
 *
 * Undefined whenever the full read (`readClientRequestBody`) could answer differently or the body
 * is not all there: JSON, another charset, a query beside the body, a body still arriving, read
 * by a host parser, over the size bound, or starting with a byte-order mark (a form copy keeps it,
 * a decoder for `charset=utf-8` drops it).
 */
export function peekFormBody(req: IncomingMessage): ClientRequestParams | undefined {
  const type = req.headers['content-type'];
  if (type === undefined || !PLAIN_FORM.test(type) || req.url?.includes('?')) return undefined;
  const buffered = req.readableLength;
  if (buffered === 0 || buffered > MAX_BODY_BYTES || 'body' in req) return undefined;
  if (!req.readable || req.readableFlowing === true || req.readableEncoding) return undefined;
  // All of it is here: the message ended, or its declared length is buffered (the parser never
  // passes on more than Content-Length, and nothing has read from the stream yet).
  if (!req.complete && buffered !== Number(req.headers['content-length'])) return undefined;
  const bytes = req.read() as Buffer | null;
  if (bytes === null) return undefined;
  req.unshift(bytes);
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return undefined;
  return parseQuery(bytes.toString('utf8')) as ClientRequestParams;
}

/**
 * A copy of `req` whose body is `form` (an `application/x-www-form-urlencoded` request), for
 * oidc-provider's handler; `req`'s own stream has been read.
 */
export function withFormBody(req: IncomingMessage, form: string | Buffer): IncomingMessage {
  const copy = new IncomingMessage(req.socket);
  copy.method = req.method;
  copy.url = req.url;
  copy.httpVersion = req.httpVersion;
  copy.httpVersionMajor = req.httpVersionMajor;
  copy.httpVersionMinor = req.httpVersionMinor;
  const headers = { ...req.headers };
  delete headers['transfer-encoding'];
  headers['content-type'] = 'application/x-www-form-urlencoded';
  headers['content-length'] = String(Buffer.byteLength(form));
  copy.headers = headers;
  const ip = (req as IncomingMessage & { ip?: string }).ip;
  if (ip !== undefined) Object.defineProperty(copy, 'ip', { value: ip });
  // Complete, or destroying the copy at its end would destroy the shared socket.
  copy.complete = true;
  copy.push(form);
  copy.push(null);
  return copy;
}

/** The body with one more parameter (a name it does not have). */
export function withParam(body: ClientRequestBody, name: string, value: string): ClientRequestBody {
  const extra = new URLSearchParams({ [name]: value }).toString();
  const form = body.form.length === 0 ? extra : `${body.form.toString('utf8')}&${extra}`;
  return { params: { ...body.params, [name]: value }, form };
}
