#!/usr/bin/env node
// Writes spec/endpoint-ids.ts from spec/endpoints.json (npm run generate): the platform's endpoint ids as
// a union type, so ctx.call('…') in the gateway and ctx.route('…') in the sandbox are checked by the compiler,
// and the shape of an entry, which both read.
'use strict';
const { readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const spec = join(__dirname, '..', 'spec');

function source() {
  const endpoints = JSON.parse(readFileSync(join(spec, 'endpoints.json'), 'utf8'));
  const ids = endpoints.map((e) => e.id);
  const hosts = [...new Set(endpoints.map((e) => e.host))];
  return [
    '// Generated from spec/endpoints.json by scripts/generate-endpoint-ids.js (npm run generate): do not edit.',
    '',
    '/** Every platform endpoint id of spec/endpoints.json. */',
    'export const ENDPOINT_IDS = [',
    ...ids.map((id) => `  '${id}',`),
    '] as const;',
    '',
    '/** A platform endpoint id: a typo fails at compile time. */',
    'export type EndpointId = (typeof ENDPOINT_IDS)[number];',
    '',
    '/** The platform hosts the endpoints live on. */',
    `export type HostName = ${hosts.map((h) => `'${h}'`).join(' | ')};`,
    '',
    '/** One entry of spec/endpoints.json, as the gateway and the sandbox read it. */',
    'export interface EndpointSpec {',
    '  id: EndpointId;',
    '  family: string;',
    '  host: HostName;',
    "  method: 'GET' | 'POST';",
    '  path: string;',
    "  contentType: 'json' | 'form' | 'multipart' | 'query';",
    "  tokenIn: 'body' | 'query' | 'form' | 'none';",
    '  required: string[];',
    '  optional: string[];',
    '  successCode: string | number;',
    '  errors: { code: string; meaning: string }[];',
    '  section: string;',
    '}',
    '',
  ].join('\n');
}

module.exports = { source };

if (require.main === module) {
  writeFileSync(join(spec, 'endpoint-ids.ts'), source());
  process.stdout.write('wrote spec/endpoint-ids.ts\n');
}
