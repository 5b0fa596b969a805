import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PLAYGROUND_DIST } from '../src/http/playground.js';
import { WEB_DIST } from '../src/http/web-client.js';
import { MIGRATIONS_DIR } from '../src/relational/orm.js';

/**
 * No Docker engine runs here, so the image is checked by reading its
 * Dockerfile against the repository: every npm workspace's manifest must be
 * in place before each `npm ci` (else that workspace's packages are missing
 * and the build fails), and the runtime stage must hold every folder the
 * server reads at run time (the bundles it serves, the migrations it applies).
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const fromRoot = (path: string) => relative(ROOT, path).replace(/\/$/, '');

interface Instruction {
  keyword: string;
  args: string;
}

interface Stage {
  name: string;
  instructions: Instruction[];
}

/** Stages in order, each with its instructions; continuation lines joined, comments dropped. */
function parseDockerfile(text: string): Stage[] {
  const lines: string[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (pending === '' && (line === '' || line.startsWith('#'))) continue;
    if (line.startsWith('#')) continue; // a comment inside a continued instruction
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    lines.push(pending + line);
    pending = '';
  }
  const stages: Stage[] = [];
  for (const line of lines) {
    const [keyword, ...rest] = line.split(/\s+/);
    const args = rest.join(' ');
    if (keyword.toUpperCase() === 'FROM') {
      const name = /\bAS\s+(\S+)/i.exec(args)?.[1] ?? String(stages.length);
      stages.push({ name, instructions: [] });
    }
    stages.at(-1)?.instructions.push({ keyword: keyword.toUpperCase(), args });
  }
  return stages;
}

/** `COPY [--from=x] src... dest` as its sources, destination and --from. */
function copies(stage: Stage): { from: string | null; sources: string[]; dest: string; index: number }[] {
  return stage.instructions.flatMap((instruction, index) => {
    if (instruction.keyword !== 'COPY') return [];
    const words = instruction.args.split(/\s+/);
    const flags = words.filter((w) => w.startsWith('--'));
    const paths = words.filter((w) => !w.startsWith('--'));
    const from = flags.find((f) => f.startsWith('--from='))?.slice('--from='.length) ?? null;
    return [{ from, sources: paths.slice(0, -1), dest: paths.at(-1)!, index }];
  });
}

const normalise = (path: string) => path.replace(/^\.?\/app\//, '').replace(/^\.\//, '').replace(/\/$/, '');

const dockerfile = parseDockerfile(readFileSync(new URL('Dockerfile', `file://${ROOT}`), 'utf8'));
const workspaces: string[] = JSON.parse(readFileSync(new URL('package.json', `file://${ROOT}`), 'utf8')).workspaces;
const stage = (name: string) => {
  const found = dockerfile.find((s) => s.name === name);
  if (!found) throw new Error(`the Dockerfile has no stage named ${name}`);
  return found;
};

describe('Dockerfile', () => {
  it('parses into the build, test and runtime stages', () => {
    expect(dockerfile.map((s) => s.name)).toEqual(['build', 'test', 'runtime']);
    expect(workspaces.length).toBeGreaterThan(0);
  });

  describe.each(['build', 'runtime'])('the %s stage', (name) => {
    it.each(workspaces)('copies the %s workspace manifest before npm ci', (workspace) => {
      const s = stage(name);
      const install = s.instructions.findIndex((i) => i.keyword === 'RUN' && /\bnpm ci\b/.test(i.args));
      expect(install, 'npm ci').toBeGreaterThan(-1);
      const manifest = copies(s).find(
        (c) => c.from === null && c.index < install && c.sources.map(normalise).includes(`${workspace}/package.json`),
      );
      expect(manifest, `COPY ${workspace}/package.json before npm ci in ${name}`).toBeDefined();
      expect(normalise(manifest!.dest)).toBe(workspace);
    });
  });

  // Every folder the server reads at run time, taken from the constants it reads them through.
  const runtimeFolders = [
    ['the web client bundle (GET /)', fromRoot(WEB_DIST)],
    ['the playground bundle (GET /graphql)', fromRoot(PLAYGROUND_DIST)],
    ['the migrations', fromRoot(MIGRATIONS_DIR)],
    ['the compiled server', 'server/dist'],
  ];

  it.each(runtimeFolders)('puts %s into the runtime stage', (_what, folder) => {
    const copied = copies(stage('runtime')).find((c) => c.from === 'build' && c.sources.map(normalise).includes(folder));
    expect(copied, `COPY --from=build /app/${folder} ${folder}`).toBeDefined();
    expect(normalise(copied!.dest)).toBe(folder);
  });

  it('builds every workspace in the build stage', () => {
    expect(stage('build').instructions.some((i) => i.keyword === 'RUN' && /\bnpm run build\b/.test(i.args))).toBe(true);
  });
});
