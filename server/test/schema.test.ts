import { readFile } from 'node:fs/promises';
import { expect, it } from 'vitest';
import { schemaSdl } from '../src/graphql/schema.js';

it('schema.graphql is the schema the server builds (run `npm run schema` after changing the API)', async () => {
  const committed = await readFile(new URL('../../schema.graphql', import.meta.url), 'utf8');
  expect(committed).toBe(await schemaSdl());
});
