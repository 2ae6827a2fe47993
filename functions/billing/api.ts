/** The billing area's function. Contracts, their states and renewals, a company's default contract, a contract's time usage, and billing runs: the routes with `area: 'billing'` in shared/routes.ts. */
import { areaDispatcher } from '../dispatch';

export const handler = areaDispatcher('billing', {
  'functions/contracts/list-company-contracts.ts': () => import('../contracts/list-company-contracts'),
  'functions/contracts/create-contract.ts': () => import('../contracts/create-contract'),
  'functions/contracts/list-contracts.ts': () => import('../contracts/list-contracts'),
  'functions/contracts/list-renewals.ts': () => import('../contracts/list-renewals'),
  'functions/contracts/get-contract.ts': () => import('../contracts/get-contract'),
  'functions/contracts/update-contract.ts': () => import('../contracts/update-contract'),
  'functions/contracts/delete-contract.ts': () => import('../contracts/delete-contract'),
  'functions/contracts/change-contract-state.ts': () => import('../contracts/change-contract-state'),
  'functions/contracts/set-default-contract.ts': () => import('../contracts/set-default-contract'),
  'functions/billing-runs/start-billing-run.ts': () => import('../billing-runs/start-billing-run'),
  'functions/billing-runs/get-billing-run.ts': () => import('../billing-runs/get-billing-run'),
  'functions/time-entries/get-contract-usage.ts': () => import('../time-entries/get-contract-usage'),
});
