import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { schemaSdl } from '../graphql/schema.js';

const target = fileURLToPath(new URL('../../../schema.graphql', import.meta.url));
await writeFile(target, await schemaSdl());
console.log(`wrote ${target}`);
