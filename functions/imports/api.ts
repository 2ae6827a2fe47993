/** The imports area's function. CSV templates, import progress and failed rows (the upload is its own function): the routes with `area: 'imports'` in shared/routes.ts. */
import { areaDispatcher } from '../dispatch';

export const handler = areaDispatcher('imports', {
  'functions/imports/get-template.ts': () => import('./get-template'),
  'functions/imports/get-import.ts': () => import('./get-import'),
  'functions/imports/get-import-errors.ts': () => import('./get-import-errors'),
});
