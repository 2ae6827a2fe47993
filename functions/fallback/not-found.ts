/** The `$default` route: 405 with `Allow` when the path exists under another method, else 404. */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { problemResult } from '../../shared/http/api-handler';
import { ApiError, MethodNotAllowedError } from '../../shared/http/errors';
import { matchPath } from '../../shared/http/paths';
import { routes } from '../../shared/routes';

export const handler = async (event: APIGatewayProxyEventV2) => {
  const path = event.rawPath ?? event.requestContext.http.path;
  const allowed = routes.filter((r) => matchPath(r.path, path)).map((r) => r.method);
  if (allowed.length > 0 && !allowed.includes(event.requestContext.http.method as never)) {
    return problemResult(new MethodNotAllowedError([...new Set(allowed)]));
  }
  return problemResult(new ApiError(404, 'ROUTE_NOT_FOUND', 'Not found', `No route matches ${event.requestContext.http.method} ${path}.`));
};
