import { commentApi } from '../../shared/comments/comment.api';
import { addComment, staffAuthor } from '../../shared/comments/comment.service';
import { apiHandler } from '../../shared/http/api-handler';
import { staffCaller } from '../../shared/http/request';

export const handler = apiHandler(commentApi['POST /v1/tickets/{id}/comments'], async (req) => {
  const author = staffAuthor(staffCaller(req));
  return { status: 201, body: await addComment(req.params.id, { ...req.body, author }, { idempotency: req.idempotency }) };
});
