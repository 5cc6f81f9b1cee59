import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { printSchema } from 'graphql';
import { buildGatewaySchema } from '../src/build-schema';

describe('schema.graphql', () => {
  it('is the SDL the code builds (run "npm run schema" after changing the schema)', async () => {
    const committed = readFileSync(join(__dirname, '..', 'schema.graphql'), 'utf8');
    expect(committed).toBe(`${printSchema(await buildGatewaySchema())}\n`);
  });
});
