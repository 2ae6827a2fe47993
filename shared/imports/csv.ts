/**
 * Reading CSV files as people really make them, as a stream: UTF-8 with or without BOM, `,` or
 * `;` (detected from the header line), CRLF or LF, quoted fields with delimiters, quotes and
 * line breaks inside, blank and all-empty lines skipped, extra columns kept but ignored.
 * Parsing is csv-parse's (a maintained RFC 4180 parser); this file only adds detection,
 * header matching and a clear refusal of what is not CSV text.
 */
import { Readable } from 'node:stream';
import { CsvError, parse } from 'csv-parse';
import { COLUMN_ALIASES, type ImportType } from './import.schema';

/** What can be wrong with a whole file; each ends the job as `failed` with this `code`. */
export type FileErrorCode = 'CSV_EMPTY' | 'CSV_NOT_TEXT' | 'CSV_NOT_UTF8' | 'CSV_MALFORMED' | 'CSV_MISSING_COLUMNS' | 'CSV_HEADER_TOO_LARGE';

/**
 * A problem of the file itself: the same bytes fail the same way on every delivery, so the job
 * fails at once instead of being retried (anything else a run throws is taken as transient).
 */
export class ImportFileError extends Error {
  constructor(
    readonly code: FileErrorCode,
    message: string,
  ) {
    super(message);
  }
}

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

/**
 * From the start of the file: the delimiter (`,` or `;`, whichever the header line has more of
 * outside quotes) and the line break the header line ends with. The line break is given to
 * csv-parse rather than left for it to discover, which it does character by character until
 * it finds one: seconds for a long line without any. No line break in the head: any of the
 * three ends a line.
 */
const detectDialect = (head: string): { delimiter: string; recordDelimiter: string[] } => {
  let commas = 0;
  let semicolons = 0;
  let quoted = false;
  for (let i = 0; i < head.length; i++) {
    const ch = head[i];
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === '\n' || ch === '\r')) {
      const recordDelimiter = ch === '\r' && head[i + 1] === '\n' ? '\r\n' : ch;
      return { delimiter: semicolons > commas ? ';' : ',', recordDelimiter: [recordDelimiter] };
    } else if (!quoted && ch === ',') commas++;
    else if (!quoted && ch === ';') semicolons++;
  }
  return { delimiter: semicolons > commas ? ';' : ',', recordDelimiter: ['\r\n', '\n', '\r'] };
};

const notUtf8 = () => new ImportFileError('CSV_NOT_UTF8', 'The file is not UTF-8 text. Save it from your spreadsheet as "CSV UTF-8" and upload it again.');

/** Refuses binary and non-UTF-8 content, chunk by chunk (a character split across chunks is fine). */
async function* utf8Text(chunks: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const check = (text: () => string) => {
    try {
      // U+FFFD: bytes that were not UTF-8 already replaced on the way in (e.g. a Latin-1 file sent as text).
      if (text().includes('\uFFFD')) throw new Error('replacement character');
    } catch {
      throw notUtf8();
    }
  };
  for await (const chunk of chunks) {
    if (chunk.includes(0)) throw new ImportFileError('CSV_NOT_TEXT', 'The file is not CSV text (it contains binary data). Export it from your spreadsheet as CSV (UTF-8) and upload it again.');
    check(() => decoder.decode(chunk, { stream: true }));
    yield chunk;
  }
  // A file that ends inside a multi-byte character is not UTF-8 either.
  check(() => decoder.decode());
}

/** csv-parse's refusals (only an unclosed quote is left once quotes are relaxed), said for the person who saved the file. */
const malformed = (err: CsvError) =>
  new ImportFileError(
    'CSV_MALFORMED',
    err.code === 'CSV_QUOTE_NOT_CLOSED'
      ? `The file is not valid CSV: a quoted field that starts on line ${err.lines} is never closed. Check that line's quotes, or save the file from your spreadsheet again.`
      : `The file is not valid CSV: ${err.message}`,
  );

/**
 * The header and then every data row, streamed: memory stays flat whatever the file size.
 * Throws ImportFileError for binary, non-UTF-8 or empty content and for a quote never closed.
 * A quote inside an unquoted field (`Ann "Al"`) or after a closed one is kept as text, as
 * spreadsheets read it.
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
  if (!headText.replace(/^\uFEFF/, '').trim()) throw new ImportFileError('CSV_EMPTY', 'The file is empty. Fill in the template and upload it again.');
  const { delimiter, recordDelimiter } = detectDialect(headText.replace(/^\uFEFF/, ''));
  const parser = parse({ delimiter, record_delimiter: recordDelimiter, bom: true, relax_column_count: true, relax_quotes: true });
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
  try {
    for await (const record of parser as AsyncIterable<string[]>) {
      row++;
      if (row === 1) yield { header: record };
      else if (record.some((f) => f.trim() !== '')) yield { row, fields: record };
    }
  } catch (err) {
    throw err instanceof CsvError ? malformed(err) : err;
  }
  if (row === 0) throw new ImportFileError('CSV_EMPTY', 'The file has no header row. Download the template to see the expected header.');
}

/**
 * What a spreadsheet would run as a formula (OWASP, CSV injection): a cell starting with `=`,
 * `+`, `-`, `@`, tab or CR is prefixed with `'`, so it is shown as text.
 */
const FORMULA_START = /^[=+\-@\t\r]/;
export const neutralizeFormula = (cell: string) => (FORMULA_START.test(cell) ? `'${cell}` : cell);
/** The import's side of that: `'+44 …` read back from an errors.csv is `+44 …` again. */
export const restoreNeutralized = (cell: string) => (cell.startsWith("'") && FORMULA_START.test(cell.slice(1)) ? cell.slice(1) : cell);

/** One CSV line for errors.csv: RFC 4180 quoting, every cell neutralised as above. */
export const csvLine = (fields: readonly string[]): string =>
  fields
    .map(neutralizeFormula)
    .map((f) => (/[",\r\n;]/.test(f) ? `"${f.replace(/"/g, '""')}"` : f))
    .join(',');
