/**
 * Contact search index: one item per (contact, token), written in the same transaction as
 * every change of the contact, so a prefix search is one Query of one partition whatever the
 * table holds. Tokens are folded (NFKD, combining marks stripped, lower case, spaces collapsed).
 */
import { compareKeys } from '../db/index-read';
import { keys } from '../db/keys';
import { tableName } from '../db/client';
import type { TxItem } from '../db/transact';

/** The form of a name, an email or a query that search compares: "  Zoë  ÉLAN " → "zoe elan". */
export const foldForSearch = (s: string): string =>
  s.normalize('NFKD').replace(/\p{M}+/gu, '').normalize('NFKC').trim().replace(/\s+/g, ' ').toLowerCase();

/** Words of each name that start a token (the rest of the name follows them in the token). */
const WORDS_PER_NAME = 3;

export interface Searchable {
  id: string;
  companyId: string | null;
  status: string;
  firstName: string;
  lastName: string;
  email: string | null;
}

/**
 * What `q` may be a prefix of: the full name ("first last", so also the first name) and the name
 * from each later word of it (up to the third word of the first and of the last name, so also
 * the last name), and the email (so also its local part). A token that begins another is
 * dropped: every prefix of it is a prefix of the longer one. At most 7 tokens, usually 3.
 */
export const searchTokens = (c: Pick<Searchable, 'firstName' | 'lastName' | 'email'>): string[] => {
  const first = foldForSearch(c.firstName).split(' ').filter(Boolean);
  const last = foldForSearch(c.lastName).split(' ').filter(Boolean);
  const words = [...first, ...last];
  const starts = [...first.keys()].slice(0, WORDS_PER_NAME).concat([...last.keys()].slice(0, WORDS_PER_NAME).map((i) => first.length + i));
  const all = new Set(starts.map((i) => words.slice(i).join(' ')));
  const email = c.email ? foldForSearch(c.email) : '';
  if (email) all.add(email);
  const tokens = [...all].filter(Boolean);
  return tokens.filter((t) => !tokens.some((o) => o !== t && o.startsWith(t))).sort();
};

export const MAX_SEARCH_TOKENS = 2 * WORDS_PER_NAME + 1;

// The reader takes the token and contact from the key and the contact's other tokens from the contact itself (`isFirstMatch`).
const tokenItem = (c: Searchable, token: string) => ({
  ...keys.contactSearch(token, c.id, c.companyId),
  type: 'ContactSearch',
  contactId: c.id,
  companyId: c.companyId,
  status: c.status,
  token,
});

/**
 * The token items that follow a contact's change (`before` absent: created; `after` absent:
 * deleted). Tokens no longer held are deleted; held ones are put whole (idempotent, so a contact
 * written before the index existed gets its items on its next change). Nothing is written when
 * the tokens, the company and the status are unchanged.
 */
export const searchTokenWrites = (before: Searchable | undefined, after: Searchable | undefined): TxItem[] => {
  const old = before ? searchTokens(before) : [];
  const now = after ? searchTokens(after) : [];
  if (before && after && old.join('\n') === now.join('\n') && before.companyId === after.companyId && before.status === after.status) return [];
  const gone = old.filter((t) => !now.includes(t));
  return [
    ...gone.map((t): TxItem => {
      const { pk, sk } = keys.contactSearch(t, before!.id, before!.companyId);
      return { item: { Delete: { TableName: tableName(), Key: { pk, sk } } } };
    }),
    ...now.map((t): TxItem => ({ item: { Put: { TableName: tableName(), Item: tokenItem(after!, t) } } })),
  ];
};

/**
 * A token is the contact's row for `q` only if no other of the contact's tokens (`tokens`, as
 * `searchTokens` makes them from the contact) that also starts with `q` sorts before it: whatever
 * page a read starts on, each contact is listed once, at its first matching token.
 */
export const isFirstMatch = (row: { token: string; contactId: string; tokens: readonly string[] }, q: string): boolean => {
  const { token, contactId: id } = row;
  if (!token.startsWith(q)) return false;
  const own = `${token}#${id}`;
  return !row.tokens.some((t) => t !== token && t.startsWith(q) && compareKeys(`${t}#${id}`, own) < 0);
};
