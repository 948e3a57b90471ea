/**
 * GET /docs: a browsable page for /openapi.json, served from the swagger-ui-dist package (no CDN:
 * the page works where the API runs, offline included). Only the files the page needs are served.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import express, { type Request, type Response, type Router } from 'express';

const ASSETS = ['swagger-ui.css', 'swagger-ui-bundle.js', 'favicon-32x32.png'];

const PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>Secret API</title>
    <link rel="icon" type="image/png" href="/docs/assets/favicon-32x32.png" />
    <link rel="stylesheet" href="/docs/assets/swagger-ui.css" />
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="/docs/assets/swagger-ui-bundle.js"></script>
    <script src="/docs/init.js"></script>
  </body>
</html>
`;

// A separate script, not inline: a strict Content-Security-Policy (script-src 'self') stays possible.
const INIT = `window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui', deepLinking: true });\n`;

export function docsRouter(): Router {
  const dir = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  const router = express.Router({ caseSensitive: true });
  router.get('/docs', (_req: Request, res: Response) => {
    res.locals['route'] = '/docs';
    res.type('html').send(PAGE);
  });
  router.get('/docs/init.js', (_req: Request, res: Response) => {
    res.locals['route'] = '/docs';
    res.type('js').send(INIT);
  });
  for (const file of ASSETS) {
    router.get(`/docs/assets/${file}`, (_req: Request, res: Response) => {
      res.locals['route'] = '/docs';
      res.sendFile(join(dir, file), { maxAge: '1h' });
    });
  }
  return router;
}
