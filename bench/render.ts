/** `npm run bench:report`: docs/benchmarks.md again from bench/results.json (after editing the report's text). */
import { readFileSync, writeFileSync } from 'node:fs';
import { renderReport } from './report';

writeFileSync('docs/benchmarks.md', renderReport(JSON.parse(readFileSync('bench/results.json', 'utf8'))));
