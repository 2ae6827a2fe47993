/** Staff routes of ticket comments. */
import { idParams } from '../common/schemas';
import type { RequestSpec } from '../http/request';
import { commentListQuery, commentPage, commentSchema, staffCommentBody } from './comment.schema';

export const commentApi = {
  'GET /v1/tickets/{id}/comments': {
    params: idParams,
    query: commentListQuery,
    responses: { 200: { description: "The ticket's comments, public and internal, newest first", schema: commentPage } },
    errors: { 400: ['INVALID_CURSOR'], 404: ['NOT_FOUND'] },
  },
  'POST /v1/tickets/{id}/comments': {
    params: idParams,
    body: staffCommentBody,
    responses: { 201: { description: 'The comment; `public` ones are shown in the client portal, `internal` ones never are (default `internal`)', schema: commentSchema } },
    errors: { 404: ['NOT_FOUND'], 409: ['COMPANY_ARCHIVED'], 422: ['IDEMPOTENCY_KEY_REUSED'] },
  },
} as const satisfies Record<string, RequestSpec>;
