import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { printSchema } from 'graphql';
import { buildGatewaySchema } from '../build-schema';

/** Writes the SDL to schema.graphql at the repository root (npm run schema). */
async function main() {
  const sdl = printSchema(await buildGatewaySchema());
  const target = join(__dirname, '..', '..', '..', 'schema.graphql');
  writeFileSync(target, `${sdl}\n`);
  process.stdout.write(`wrote ${target}\n`);
}

void main();
