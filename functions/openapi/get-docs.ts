/**
 * Swagger UI at `/docs`, from the swagger-ui-dist package (no CDN). On Lambda the assets are
 * copied beside the bundle at build time (see the stack); locally they are read from the package.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { apiHandler } from '../../shared/http/api-handler';
import { NotFoundError } from '../../shared/http/errors';
import { openapiApi } from '../../shared/openapi/openapi.api';

export const DOCS_ASSETS = ['swagger-ui.css', 'swagger-ui-bundle.js', 'swagger-ui-standalone-preset.js'] as const;
const TYPES: Record<string, string> = { css: 'text/css; charset=utf-8', js: 'application/javascript; charset=utf-8' };

const assetDir = (): string =>
  process.env.LAMBDA_TASK_ROOT ?? (createRequire(import.meta.url)('swagger-ui-dist') as { getAbsoluteFSPath: () => string }).getAbsoluteFSPath();

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Clientele API</title>
<link rel="stylesheet" href="/docs/swagger-ui.css"></head>
<body><div id="ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script>window.ui = SwaggerUIBundle({ url: '/v1/openapi.json', dom_id: '#ui' });</script>
</body></html>`;

const cache = new Map<string, string>();

// One function serves both routes; the asset name is checked against the list, not parsed further.
export const handler = apiHandler(openapiApi['GET /docs'], async (req) => {
  const asset = req.event.pathParameters?.asset;
  if (!asset) return { status: 200, body: PAGE, contentType: 'text/html; charset=utf-8', headers: { 'cache-control': 'public, max-age=300' } };
  if (!(DOCS_ASSETS as readonly string[]).includes(asset)) throw new NotFoundError('asset');
  let text = cache.get(asset);
  if (text === undefined) cache.set(asset, (text = await readFile(join(assetDir(), asset), 'utf8')));
  return { status: 200, body: text, contentType: TYPES[asset.split('.').pop()!]!, headers: { 'cache-control': 'public, max-age=86400' } };
});
