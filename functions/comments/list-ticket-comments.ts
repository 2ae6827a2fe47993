import { commentApi } from '../../shared/comments/comment.api';
import { ticketComments } from '../../shared/comments/comment.service';
import { apiHandler } from '../../shared/http/api-handler';

export const handler = apiHandler(commentApi['GET /v1/tickets/{id}/comments'], async (req) => ({
  status: 200,
  body: await ticketComments(req.params.id, req.query.limit, req.query.cursor),
}));
