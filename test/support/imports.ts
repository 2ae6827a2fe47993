/** A CSV import as a client makes one: the file uploaded to `POST /v1/imports`, the job polled until it ends. */
import { expect } from 'vitest';
import type { StackInfo } from '../../infra/local/stack';
import { apiClient } from './api';

export const importFile = async (info: StackInfo, token: string, type: 'contacts' | 'companies', file: Buffer | string, timeoutMs = 30_000) => {
  const res = await fetch(`${info.apiUrl}/v1/imports?type=${type}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' }, body: file as never });
  const text = await res.text();
  const accepted = /json/.test(res.headers.get('content-type') ?? '') ? JSON.parse(text) : text;
  expect(res.status, JSON.stringify(accepted)).toBe(202);
  expect(accepted).toMatchObject({ type, status: 'queued' });
  const api = apiClient(info);
  const end = Date.now() + timeoutMs;
  for (;;) {
    const job = (await api('GET', `/v1/imports/${accepted.id}`, { token })).body;
    if (job.status === 'completed' || job.status === 'failed') return job;
    if (Date.now() > end) throw new Error(`Import still ${job.status}: ${JSON.stringify(job)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
};
