import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startParley } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';
import { silentLogger } from '../../src/observability/log.js';
import { TestServer } from '../support/server.js';
import { pgliteTarget } from '../support/targets.js';

describe('HOST: the address Parley listens on', () => {
  it('is every interface when unset, and takes an address or a name (brackets around IPv6 dropped)', () => {
    expect(loadConfig({}).host).toBeUndefined();
    expect(loadConfig({ HOST: '127.0.0.1' }).host).toBe('127.0.0.1');
    expect(loadConfig({ HOST: '::' }).host).toBe('::');
    expect(loadConfig({ HOST: '[::1]' }).host).toBe('::1');
    expect(loadConfig({ HOST: 'localhost' }).host).toBe('localhost');
  });

  describe('set to 127.0.0.2', () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await TestServer.start(pgliteTarget, { HOST: '127.0.0.2' });
    });
    afterAll(async () => {
      await server?.stop();
    });

    it('answers there and nowhere else', async () => {
      expect(server.url).toBe(`http://127.0.0.2:${server.parley.port}/graphql`);
      expect((await fetch(`http://127.0.0.2:${server.parley.port}/healthz`)).status).toBe(200);
      await expect(fetch(`http://127.0.0.1:${server.parley.port}/healthz`)).rejects.toThrow();
    });

    it('a second Parley on a port in use fails to start with the listen error, and takes nothing down', async () => {
      const storage = await pgliteTarget.provision();
      try {
        const config = loadConfig({ PORT: String(server.parley.port), HOST: '127.0.0.2', DATA_DIR: storage.dataDir });
        await expect(startParley(config, silentLogger)).rejects.toThrow(/EADDRINUSE/);
      } finally {
        await storage.dispose();
      }
      expect((await fetch(`http://127.0.0.2:${server.parley.port}/healthz`)).status).toBe(200);
    });
  });
});
