/**
 * The people's pages, mounted by mountOAuth when the host passes `pages`: developers' OAuth
 * Apps, users' connected apps, administrators' scope requests and self-registered clients, and
 * the developer JSON API. They carry the same security headers as the login and consent pages
 * (strict CSP without scripts, `frame-ancestors 'none'`, no referrer).
 */
import express, { type Router } from 'express';
import { pageSecurityHeaders } from '../rendering/page-headers.js';
import { scopeRequestsPage } from './admin-page.js';
import { developerApi } from './api.js';
import { pageErrors, type PageDeps } from './common.js';
import { connectedAppsPage } from './connected-apps-page.js';
import { developerPages } from './developer-pages.js';
import { monitoringPage, type MonitoringDeps } from './monitoring-page.js';
import { selfRegisteredClientsPage } from './self-registered-page.js';

export type { PageDeps } from './common.js';

export function pagesRouter(deps: PageDeps, production: boolean, monitoring: MonitoringDeps): Router {
  const {
    developerApps,
    connectedApps,
    scopeRequests,
    monitoring: monitoringPath,
    selfRegisteredClients,
    api,
  } = deps.pages.paths;
  const pagePaths = [developerApps, connectedApps, scopeRequests, monitoringPath, selfRegisteredClients];
  const router = express.Router();
  router.use([...pagePaths, api], pageSecurityHeaders(production));
  router.use(developerApi(deps));
  router.use(developerPages(deps));
  router.use(connectedAppsPage(deps));
  router.use(scopeRequestsPage(deps));
  router.use(monitoringPage(deps, monitoring));
  router.use(selfRegisteredClientsPage(deps));
  router.use(pagePaths, pageErrors(deps));
  return router;
}
