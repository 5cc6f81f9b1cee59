/**
 * Whole POST /graphql requests for test/fuzz.test.ts (and for replaying a seed by hand): a body,
 * its headers and a method, built from the generators of fuzz-graphql.ts.
 */
import * as fc from 'fast-check';
import {
  Budget,
  between,
  chance,
  chaosJson,
  documentText,
  DocumentBuilder,
  graphqlBody,
  operationNameText,
  pct,
  pick,
  shortString,
  variablesText,
  weighted,
} from './fuzz-graphql';

type G = fc.GeneratorValue;

export interface GraphqlRequest {
  method: 'GET' | 'POST';
  /** The query string of a GET ('' for a POST). */
  search: string;
  headers: Record<string, string>;
  body: string | undefined;
}

/** Tokens by name: admin, supervisor, agent, viewer (valid), and invalid ones (expired, otherSecret, …). */
export type Tokens = Record<string, string>;

/** A valid token of any role, admin mostly (the role that reaches every resolver). */
function validToken(g: G, tokens: Tokens): string {
  return tokens[
    weighted(g, [
      [14, () => 'admin'],
      [2, () => 'viewer'],
      [2, () => 'agent'],
      [2, () => 'supervisor'],
    ])
  ];
}

const json = (token: string, body: string): GraphqlRequest => ({
  method: 'POST',
  search: '',
  headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
  body,
});

/** Random and malformed documents (with variables when they declare some). */
export function documentRequest(g: G, tokens: Tokens): GraphqlRequest {
  const budget = new Budget();
  const doc = documentText(g, budget);
  const variables = doc.builder?.variables.length || chance(g, 0.2) ? variablesText(g, doc.builder, budget, 0.3) : undefined;
  return json(
    validToken(g, tokens),
    graphqlBody(g, { query: JSON.stringify(doc.text), variables, operationName: operationNameText(g, doc.operationNames) }, budget),
  );
}

/** Documents that validate (mostly) and pass many arguments as variables, with variables of every shape. */
export function variablesRequest(g: G, tokens: Tokens): GraphqlRequest {
  const budget = new Budget();
  const builder = new DocumentBuilder(g, budget, chance(g, 0.8) ? 0 : 1);
  builder.variableRate = 0.6;
  const doc = builder.document();
  return json(
    validToken(g, tokens),
    graphqlBody(
      g,
      {
        query: JSON.stringify(doc.text),
        variables: variablesText(g, builder, budget) ?? '{}',
        operationName: operationNameText(g, doc.operationNames),
      },
      budget,
    ),
  );
}

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=latin1',
  'application/json; charset=utf-16',
  'application/json; charset=klingon',
  'application/graphql',
  'application/graphql-response+json',
  'text/plain',
  'text/plain; charset=utf-8',
  'application/x-www-form-urlencoded',
  'multipart/form-data',
  'multipart/form-data; boundary=xyz',
  'application/octet-stream',
  'application/*',
  '*/*',
  'json',
  ';',
  '',
];

/**
 * Bodies that are not GraphQL requests (arrays, numbers, strings, invalid JSON, forms, bare
 * documents, batches), odd content types, GETs, and no, garbage or invalid tokens. Bodies stay
 * small: a request refused 401 has its connection closed with its body unread.
 */
export function otherRequest(g: G, tokens: Tokens): GraphqlRequest {
  const budget = new Budget(60_000);
  const tokenKind = weighted(g, [
    [6, () => 'admin'],
    [1, () => 'viewer'],
    [1, () => 'none'],
    [1, () => 'garbage'],
    [2, () => pick(g, ['expired', 'otherSecret', 'rolesString', 'rolesOdd', 'noExpiry', 'longLived', 'algNone'])],
  ]);
  const authorization = weighted<string | undefined>(g, [
    [
      8,
      () =>
        tokenKind === 'none'
          ? undefined
          : tokenKind === 'garbage'
            ? `Bearer ${shortString(g, 80)}`.replace(/[^\t\x20-\x7e]/g, '')
            : `Bearer ${tokens[tokenKind]}`,
    ],
    [
      1,
      () =>
        pick(g, [
          'Bearer',
          'Bearer ',
          `bearer ${tokens.admin}`,
          'Basic YWRtaW46YWRtaW4=',
          `Bearer ${tokens.admin} ${tokens.admin}`,
          `Bearer ${tokens.admin.slice(0, -3)}`,
          `Bearer ${tokens.admin}x`,
          'Bearer a.b.c',
          'Bearer ...',
          `Bearer ${'a'.repeat(8000)}`,
        ]),
    ],
  ]);
  const body = weighted(g, [
    [3, () => chaosJson(g, budget)],
    [2, () => g(fc.string, { unit: pick(g, ['grapheme', 'binary'] as const), maxLength: 300 })],
    [
      2,
      () =>
        graphqlBody(
          g,
          {
            query: chance(g, 0.5) ? JSON.stringify(documentText(g, budget).text) : chaosJson(g, budget),
            variables: chance(g, 0.5) ? chaosJson(g, budget) : undefined,
            operationName: chance(g, 0.3) ? chaosJson(g, budget) : undefined,
          },
          budget,
        ),
    ],
    [1, () => `[${Array.from({ length: between(g, 0, 3) }, () => graphqlBody(g, { query: '"{ __typename }"' }, budget)).join(',')}]`], // batches
    [1, () => `query=${pct(documentText(g, budget).text)}&variables=${pct(chaosJson(g, budget))}`],
    [
      1,
      () =>
        pick(g, [
          '',
          ' ',
          '{}',
          '[]',
          'null',
          '{"query":null}',
          '{"query":""}',
          '{"query":"   "}',
          '{"query":"{ __typename }"',
          '\u0000',
          '{"query":"{ __typename }"}garbage',
          '{"query":"{ __typename }","query":"mutation { x }"}',
        ]),
    ],
    [1, () => documentText(g, budget).text], // a bare document
  ]);
  const method = chance(g, 0.1) ? 'GET' : 'POST';
  const headers: Record<string, string> = {};
  const type = chance(g, 0.6) ? 'application/json' : pick(g, CONTENT_TYPES);
  if (type) headers['content-type'] = type;
  if (authorization !== undefined) headers.authorization = authorization;
  if (chance(g, 0.1)) headers['apollo-require-preflight'] = 'true';
  if (chance(g, 0.05))
    headers.accept = pick(g, [
      'text/html',
      'application/graphql-response+json',
      'text/event-stream',
      'multipart/mixed; deferSpec=20220824',
      '*/*',
    ]);
  // Node answers a request line over its 16 KiB header limit with a bare 431 before any gateway code: GET URLs stay shorter.
  const search =
    method === 'GET' && chance(g, 0.9)
      ? `?query=${pct(documentText(g, budget).text.slice(0, 1500))}${chance(g, 0.5) ? `&variables=${pct(chaosJson(g, new Budget(1000)).slice(0, 1000))}` : ''}`
      : '';
  return { method, search, headers, body: method === 'GET' ? undefined : body };
}
