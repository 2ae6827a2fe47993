import { apiHandler } from '../../shared/http/api-handler';
import { importApi } from '../../shared/imports/import.api';
import { template } from '../../shared/imports/import.service';

export const handler = apiHandler(importApi['GET /v1/imports/templates/{template}'], async ({ params }) => ({
  status: 200,
  body: template(params.template === 'contacts.csv' ? 'contacts' : 'companies'),
  contentType: 'text/csv; charset=utf-8',
  headers: { 'content-disposition': `attachment; filename="${params.template}"` },
}));
