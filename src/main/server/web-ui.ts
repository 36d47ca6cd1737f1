import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import path from 'node:path';
import { contentSecurityPolicy } from '../../shared/content-security-policy';

/** Paths that belong to the API: never answered with the web UI's index.html. */
const API_PATH = /^\/(api|v1|metrics|docs)(\/|$|\?)/;

function wantsPage(request: FastifyRequest): boolean {
  return (request.method === 'GET' || request.method === 'HEAD') && !API_PATH.test(request.url);
}

function notFound(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const pathOnly = request.url.split('?')[0];
  return reply.code(404).send({ error: { code: 'not_found', message: `no route for ${request.method} ${pathOnly}` } });
}

/** Sent with every page of the web UI (not the API, not /docs: Swagger UI runs inline script). */
const PAGE_HEADERS = {
  'content-security-policy': contentSecurityPolicy(null, 'header'),
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

/**
 * Serves the web UI build from `webRoot` with a single-page-app fallback: unknown page paths
 * get index.html (the UI routes on the client); unknown API paths get a JSON 404.
 */
export async function registerWebUi(app: FastifyInstance, webRoot: string | null | undefined): Promise<void> {
  if (!webRoot) {
    app.setNotFoundHandler(notFound);
    return;
  }
  await app.register(fastifyStatic, {
    root: path.resolve(webRoot),
    wildcard: true,
    index: 'index.html',
    setHeaders: (response) => {
      for (const [name, value] of Object.entries(PAGE_HEADERS)) response.setHeader(name, value);
    },
  });
  app.setNotFoundHandler((request, reply) => {
    if (!wantsPage(request)) return notFound(request, reply);
    return reply.type('text/html; charset=utf-8').headers(PAGE_HEADERS).sendFile('index.html');
  });
}
