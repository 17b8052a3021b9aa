/**
 * Template lookup in Doorkeeper's spirit: a template in the host's `views` directory replaces
 * the kit's template of the same name; everything else falls back to the kit's `views/`.
 * Templates are EJS and escape every value (`<%= %>`). Partials are included by root path
 * (`include('/_head')`) so that a host's copy of a partial wins too: EJS resolves a relative
 * include next to the including file first, which would always pick the kit's.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ejs from 'ejs';

/** The kit's own views/ (works from the sources and from the compiled dist/ alike). */
function findKitViews(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i += 1) {
    const candidate = join(dir, 'views');
    if (existsSync(join(candidate, 'consent.ejs'))) return candidate;
    dir = dirname(dir);
  }
  throw new Error('oauth-kit: cannot find its views/ directory');
}

export const KIT_VIEWS = findKitViews();

export type ViewName =
  | 'login'
  | 'consent'
  | 'error'
  | 'logout'
  | 'logged-out'
  // The people's pages (lib/pages/).
  | 'apps'
  | 'app-new'
  | 'app'
  | 'connected-apps'
  | 'scope-requests'
  | 'confirm'
  | 'monitoring'
  | 'self-registered-clients';

export interface ViewRenderer {
  render(name: ViewName, locals: Record<string, unknown>): Promise<string>;
}

/**
 * `globals` reach every template (e.g. `product`, which every page shows) unless a render
 * passes its own value of the same name.
 */
export function createViewRenderer(
  hostViews: string | undefined,
  cache: boolean,
  globals: Record<string, unknown> = {},
): ViewRenderer {
  const roots = hostViews ? [resolve(hostViews), KIT_VIEWS] : [KIT_VIEWS];
  return {
    async render(name, locals) {
      const file = roots.map((root) => join(root, `${name}.ejs`)).find((f) => existsSync(f))!;
      return ejs.renderFile(
        file,
        { ...globals, ...locals },
        { views: roots, root: roots, cache, async: false },
      );
    },
  };
}
