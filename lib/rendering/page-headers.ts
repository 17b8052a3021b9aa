/**
 * The headers of every kit page — login, consent, the people's pages, the error page and
 * oidc-provider's own pages (logout): helmet with a CSP that allows no script at all.
 */
import helmet from 'helmet';

/** Security headers for every kit page: no framing, no scripts, no referrer leaks. */
export function pageSecurityHeaders(production: boolean) {
  return helmet({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'none'"],
        // No scripts at all, inline or not (helmet's default would allow 'self').
        scriptSrc: ["'none'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        frameAncestors: ["'none'"],
        // form-action would also block the redirect back to the client after a form post.
        formAction: null,
        upgradeInsecureRequests: production ? [] : null,
      },
    },
    referrerPolicy: { policy: 'no-referrer' },
    // Older browsers ignore CSP frame-ancestors; nothing legitimate frames these pages.
    xFrameOptions: { action: 'deny' },
    strictTransportSecurity: production,
  });
}
