/**
 * Reading CSV files as people really make them, as a stream: UTF-8 with or without BOM, `,` or
 * `;` (detected from the header line), CRLF or LF, quoted fields with delimiters, quotes and
 * line breaks inside, blank and all-empty lines skipped, extra columns kept but ignored.
 * Parsing is csv-parse's (a maintained RFC 4180 parser); this file only adds detection,
 * header matching and a clear refusal of what is not CSV text.
 */
import { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import { COLUMN_ALIASES, type ImportType } from './import.schema';

export class NotCsvError extends Error {}

export interface CsvRow {
  /** Spreadsheet row number: the header is row 1. */
  row: number;
  fields: string[];
}

const normalizeHeader = (h: string) => h.replace(/^\uFEFF/, '').toLowerCase().replace(/[\s_\-.]+/g, '');

/** Which canonical column each header cell is (undefined: ignored). */
export const mapHeader = (type: ImportType, header: string[]): (string | undefined)[] => {
  const aliases = COLUMN_ALIASES[type];
  const seen = new Set<string>();
  return header.map((h) => {
    const n = normalizeHeader(h);
    const column = Object.keys(aliases).find((c) => c.toLowerCase() === n || aliases[c]!.includes(n));
    if (!column || seen.has(column)) return undefined; // a repeated column: the first one counts
    seen.add(column);
    return column;
  });
};

/** `,` or `;`, whichever the header line has more of outside quotes. */
const detectDelimiter = (head: string): string => {
  let commas = 0;
  let semicolons = 0;
  let quoted = false;
  for (const ch of head) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === '\n' || ch === '\r')) break;
    else if (!quoted && ch === ',') commas++;
    else if (!quoted && ch === ';') semicolons++;
  }
  return semicolons > commas ? ';' : ',';
};

/** Refuses binary and non-UTF-8 content, chunk by chunk (a character split across chunks is fine). */
async function* utf8Text(chunks: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  for await (const chunk of chunks) {
    if (chunk.includes(0)) throw new NotCsvError('The file is not CSV text (it contains binary data). Export it from your spreadsheet as CSV (UTF-8) and upload it again.');
    try {
      // U+FFFD: bytes that were not UTF-8 already replaced on the way in (e.g. a Latin-1 file sent as text).
      if (decoder.decode(chunk, { stream: true }).includes('\uFFFD')) throw new Error('replacement character');
    } catch {
      throw new NotCsvError('The file is not UTF-8 text. Save it from your spreadsheet as "CSV UTF-8" and upload it again.');
    }
    yield chunk;
  }
}

/**
 * The header and then every data row, streamed: memory stays flat whatever the file size.
 * Throws NotCsvError for binary, non-UTF-8 or empty content, and csv-parse's error (with its
 * line) for broken quoting.
 */
export async function* readCsv(chunks: AsyncIterable<Buffer>): AsyncGenerator<{ header: string[] } | CsvRow> {
  const source = utf8Text(chunks)[Symbol.asyncIterator]();
  // Read up to the end of the header line to choose the delimiter.
  const head: Buffer[] = [];
  let headText = '';
  while (!/[\r\n]/.test(headText) && headText.length < 65_536) {
    const next = await source.next();
    if (next.done) break;
    head.push(next.value);
    headText += next.value.toString('utf8');
  }
  if (!headText.replace(/^\uFEFF/, '').trim()) throw new NotCsvError('The file is empty.');
  const parser = parse({ delimiter: detectDelimiter(headText.replace(/^\uFEFF/, '')), bom: true, relax_column_count: true });
  Readable.from(
    (async function* () {
      yield* head;
      for (let n = await source.next(); !n.done; n = await source.next()) yield n.value;
    })(),
  )
    .on('error', (err) => parser.destroy(err))
    .pipe(parser);
  // Every record is a spreadsheet row (a quoted line break does not start a new one); empty
  // rows are skipped but still counted, so row numbers match what the user sees.
  let row = 0;
  for await (const record of parser as AsyncIterable<string[]>) {
    row++;
    if (row === 1) yield { header: record };
    else if (record.some((f) => f.trim() !== '')) yield { row, fields: record };
  }
  if (row === 0) throw new NotCsvError('The file has no header row.');
}

/** One CSV line (RFC 4180 quoting), for errors.csv. */
export const csvLine = (fields: readonly string[]): string => fields.map((f) => (/[",\r\n;]/.test(f) ? `"${f.replace(/"/g, '""')}"` : f)).join(',');
