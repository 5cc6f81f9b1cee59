import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const shared = join(__dirname, '..', '..', 'shared', 'spec');

describe('spec/ copy of the platform data', () => {
  const files = readdirSync(join(__dirname, '..', 'spec')).filter((f) => f.endsWith('.json'));
  (existsSync(shared) ? it.each(files) : it.skip.each(files))('%s equals ../shared/spec', (file) => {
    expect(readFileSync(join(__dirname, '..', 'spec', file), 'utf8')).toBe(readFileSync(join(shared, file), 'utf8'));
  });
});
