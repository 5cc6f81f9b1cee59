import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const shared = join(__dirname, '..', '..', 'shared', 'spec');

describe('spec/ copy of the platform data', () => {
  const files = readdirSync(join(__dirname, '..', 'spec')).filter((f) => f.endsWith('.json'));
  (existsSync(shared) ? it.each(files) : it.skip.each(files))('%s equals ../shared/spec', (file) => {
    expect(readFileSync(join(__dirname, '..', 'spec', file), 'utf8')).toBe(readFileSync(join(shared, file), 'utf8'));
  });
});

describe('spec/endpoint-ids.ts', () => {
  it('is what scripts/generate-endpoint-ids.js makes of spec/endpoints.json (run "npm run generate")', () => {
    const { source } = require('../scripts/generate-endpoint-ids.js') as { source: () => string };
    expect(readFileSync(join(__dirname, '..', 'spec', 'endpoint-ids.ts'), 'utf8')).toBe(source());
  });
});
